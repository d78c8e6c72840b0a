package io.sngate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.pi4j.Pi4J;
import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalOutput;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalOutputProvider;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.gateway.testing.Mosquitto;
import io.sngate.gateway.transport.FakeCoordinator;
import io.sngate.hw.config.ConfigLoader;
import io.sngate.hw.config.GatewayConfig;
import io.sngate.hw.config.GatewaySettings;
import io.sngate.hw.config.GpioConfig;
import io.sngate.hw.config.HardwareConfig;
import io.sngate.hw.config.XBeeRadioConfig;
import io.sngate.hw.gpio.GpioBoard;
import io.sngate.hw.serial.SerialSettings;
import io.sngate.hw.testing.PtyPair;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's use of the Pi's pins, on pi4j's mock platform: the radio is reset before its
 * setup, and the status LED follows whether the broker can be reached.
 */
class GatewayGpioTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private final Context context = Pi4J.newContextBuilder().add(MockDigitalOutputProvider.newInstance()).build();
    private final List<DigitalState> resetChanges = new CopyOnWriteArrayList<>();
    private final List<String> radioCommandsAtFirstReset = new CopyOnWriteArrayList<>();
    private Mosquitto broker;
    private PtyPair pty;
    private FakeCoordinator radio;
    private Gateway gateway;

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (radio != null) {
            radio.close();
        }
        if (pty != null) {
            pty.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (!context.isShutdown()) {
            context.shutdown();
        }
    }

    @Test
    void theRadioIsResetBeforeItsSetupAndTheLedFollowsTheBroker() throws Exception {
        broker = Mosquitto.start();
        pty = PtyPair.open();
        radio = new FakeCoordinator(pty.b(), ApiMode.ESCAPED, 84);
        GpioConfig gpio = new GpioConfig(OptionalInt.of(17), 20, OptionalInt.of(27));
        HardwareConfig hardware = new HardwareConfig(List.of(),
                List.of(new XBeeRadioConfig("radio", SerialSettings.of(pty.a().toString(), 115_200), ApiMode.ESCAPED,
                        OptionalLong.empty(), OptionalInt.empty(), Optional.empty(), Optional.empty(), false, 84,
                        1_000)),
                gpio);
        GatewayConfig config = ConfigLoader.fromArgs(List.of("--port", "0", "--broker", broker.uri(), "--advertise", "0"))
                .with(GatewaySettings.UDP_BROADCAST, "")
                .with(GatewaySettings.RECONNECT_MAX_SECONDS, 0.5)
                .withHardware(hardware);

        gateway = Gateway.start(config, (pins, scheduler) -> {
            GpioBoard board = GpioBoard.open(pins, context, MockDigitalOutputProvider.ID, scheduler,
                    Duration.ofMillis(20), Duration.ofMillis(50));
            context.io("sngate-radio-reset", DigitalOutput.class).addListener(event -> {
                if (resetChanges.isEmpty()) {
                    radioCommandsAtFirstReset.addAll(radio.commands());
                }
                resetChanges.add(event.state());
            });
            return board;
        });

        assertThat(resetChanges).as("a pulse: low, then high again").containsExactly(DigitalState.LOW,
                DigitalState.HIGH);
        assertThat(radioCommandsAtFirstReset).as("no AT command before the reset").isEmpty();
        assertThat(radio.commands()).startsWith("AP");

        DigitalOutput led = context.io("sngate-status-led", DigitalOutput.class);
        await("LED on: broker reachable").atMost(WAIT).until(led::isHigh);
        broker.stop();
        await("LED off: broker gone").atMost(WAIT).until(led::isLow);
        broker.startAgain();
        await("LED on again").atMost(WAIT).until(led::isHigh);
    }
}
