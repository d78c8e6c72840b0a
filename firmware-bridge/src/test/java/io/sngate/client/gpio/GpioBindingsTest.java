package io.sngate.client.gpio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.pi4j.Pi4J;
import com.pi4j.io.gpio.digital.DigitalOutput;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.io.gpio.digital.PullResistance;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInput;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInputProvider;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalOutputProvider;
import io.sngate.client.ClientRuntime;
import io.sngate.client.MqttSnClient;
import io.sngate.codec.QoS;
import io.sngate.hw.gpio.GpioException;
import io.sngate.testing.ManualClock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The input and output bindings on pi4j's mock GPIO, with a real client on an in-memory gateway. */
class GpioBindingsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long DEBOUNCE = 30;

    private final ManualClock clock = new ManualClock();
    private PiGpio gpio;
    private ClientRuntime runtime;
    private FakeGateway gateway;
    private MqttSnClient client;

    @BeforeEach
    void start() throws Exception {
        gpio = new PiGpio(Pi4J.newContextBuilder().add(MockDigitalInputProvider.newInstance(),
                MockDigitalOutputProvider.newInstance()).build(), MockDigitalInputProvider.ID, MockDigitalOutputProvider.ID);
        runtime = ClientRuntime.start("gpio-test", clock);
        gateway = new FakeGateway();
        client = MqttSnClient.builder("pi-test").link(gateway).runtime(runtime).build();
        assertThat(client.connect(true).get(10, TimeUnit.SECONDS).success()).isTrue();
    }

    @AfterEach
    void stop() {
        client.close();
        runtime.close();
        gpio.close();
    }

    /** Waits until the runtime has run everything queued so far (pi4j's edges included). */
    private void drainRuntime() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        runtime.execute(() -> done.complete(null));
        done.join();
    }

    private MockDigitalInput button() throws GpioException {
        MockDigitalInput input = (MockDigitalInput) gpio.input("button", 17, PullResistance.PULL_UP);
        input.mockState(DigitalState.HIGH); // released, held up by the pull-up
        return input;
    }

    @Test
    void aBouncingButtonPublishesOncePerPressAndRelease() throws Exception {
        MockDigitalInput button = button();
        InputBinding binding = InputBinding.of("pi/button").withDebounce(Duration.ofMillis(DEBOUNCE))
                .withActiveLow(true);
        try (InputPublisher publisher = InputPublisher.bind(button, client, runtime, binding)) {
            // Press, with contact bounce.
            button.mockState(DigitalState.LOW);
            button.mockState(DigitalState.HIGH);
            button.mockState(DigitalState.LOW);
            drainRuntime();
            clock.advance(DEBOUNCE);
            await().atMost(WAIT).until(() -> gateway.published().size() == 1);
            assertThat(gateway.published().get(0)).isEqualTo(
                    new FakeGateway.Published("pi/button", "1", QoS.AT_LEAST_ONCE, true));

            // A glitch that comes back before the debounce time publishes nothing...
            button.mockState(DigitalState.HIGH);
            button.mockState(DigitalState.LOW);
            drainRuntime();
            clock.advance(DEBOUNCE);
            // ...so the release that follows is the next and only other message.
            button.mockState(DigitalState.HIGH);
            drainRuntime();
            clock.advance(DEBOUNCE);
            await().atMost(WAIT).until(() -> publisher.published() == 2);
            assertThat(gateway.published()).extracting(FakeGateway.Published::payload).containsExactly("1", "0");
            assertThat(publisher.edges()).isEqualTo(6);
            assertThat(publisher.publishFailures()).isZero();
        }
    }

    @Test
    void theQosAndPayloadsAreConfigurable() throws Exception {
        MockDigitalInput input = button();
        InputBinding binding = new InputBinding("pi/door", QoS.AT_MOST_ONCE, false, Duration.ZERO, false, "open",
                "closed");
        try (InputPublisher publisher = InputPublisher.bind(input, client, runtime, binding)) {
            input.mockState(DigitalState.LOW);
            drainRuntime();
            await().atMost(WAIT).until(() -> gateway.published().size() == 1);
            assertThat(gateway.published().get(0)).isEqualTo(
                    new FakeGateway.Published("pi/door", "closed", QoS.AT_MOST_ONCE, false));
            await().atMost(WAIT).until(() -> publisher.published() == 1);
        }
    }

    @Test
    void aPublishThatFailsIsCounted() throws Exception {
        MockDigitalInput input = button();
        try (InputPublisher publisher = InputPublisher.bind(input, client, runtime,
                InputBinding.of(FakeGateway.FORBIDDEN + "button").withDebounce(Duration.ZERO))) {
            input.mockState(DigitalState.LOW);
            await().atMost(WAIT).until(() -> publisher.publishFailures() == 1);
            assertThat(publisher.published()).isZero();
            assertThat(gateway.published()).isEmpty();
        }
    }

    @Test
    void anOutputFollowsItsTopicAndIgnoresOtherPayloads() throws Exception {
        DigitalOutput led = gpio.output("led", 27);
        assertThat(led.state()).isEqualTo(DigitalState.LOW);
        try (OutputSubscriber subscriber = OutputSubscriber.bind(led, client, OutputBinding.of("pi/led"))) {
            assertThat(subscriber.subscribe().get(10, TimeUnit.SECONDS).success()).isTrue();

            gateway.deliver("pi/led", "on");
            await().atMost(WAIT).until(() -> led.state() == DigitalState.HIGH);
            gateway.deliver("pi/led", "0");
            await().atMost(WAIT).until(() -> led.state() == DigitalState.LOW);
            gateway.deliver("pi/led", "TRUE");
            await().atMost(WAIT).until(() -> led.state() == DigitalState.HIGH);

            gateway.deliver("pi/led", "blink");
            await().atMost(WAIT).until(() -> subscriber.invalidPayloads() == 1);
            assertThat(led.state()).as("a bad payload leaves the pin").isEqualTo(DigitalState.HIGH);
            assertThat(subscriber.applied()).isEqualTo(3);
        }
    }

    @Test
    void anActiveLowOutputIsDrivenLowForOn() throws Exception {
        DigitalOutput relay = gpio.output("relay", 22);
        relay.high();
        try (OutputSubscriber subscriber = OutputSubscriber.bind(relay, client,
                OutputBinding.of("pi/relay").withActiveLow(true).withQos(QoS.AT_MOST_ONCE))) {
            assertThat(subscriber.subscribe().get(10, TimeUnit.SECONDS).success()).isTrue();
            gateway.deliver("pi/relay", "on");
            await().atMost(WAIT).until(() -> relay.state() == DigitalState.LOW);
            assertThat(subscriber.applied()).isEqualTo(1);
        }
    }
}
