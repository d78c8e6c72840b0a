package io.sngate.hw.gpio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pi4j.Pi4J;
import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalOutput;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalOutputProvider;
import io.sngate.hw.config.GpioConfig;
import io.sngate.hw.testing.ManualScheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The board on pi4j's mock GPIO provider, timed by a manual scheduler. */
class GpioBoardTest {

    private static final int LED_PIN = 17;
    private static final int RESET_PIN = 27;
    private static final Duration BLINK = Duration.ofMillis(50);
    private static final Duration SETTLE = Duration.ofMillis(500);

    /** A pin change seen by a pi4j listener, at the scheduler's virtual time. */
    private record Change(Duration at, DigitalState state) {
    }

    private final ManualScheduler scheduler = new ManualScheduler();
    private final Context context = Pi4J.newContextBuilder().add(MockDigitalOutputProvider.newInstance()).build();
    private GpioBoard board;

    @AfterEach
    void close() {
        if (board != null) {
            board.close();
        }
        if (!context.isShutdown()) {
            context.shutdown();
        }
    }

    private GpioBoard open(OptionalInt reset, int pulseMillis, OptionalInt led) throws GpioException {
        board = GpioBoard.open(new GpioConfig(reset, pulseMillis, led), context, MockDigitalOutputProvider.ID,
                scheduler, BLINK, SETTLE);
        return board;
    }

    private DigitalOutput pin(String id) {
        return context.io(id, DigitalOutput.class);
    }

    private List<Change> record(DigitalOutput pin) {
        List<Change> changes = new ArrayList<>();
        pin.addListener(event -> changes.add(new Change(scheduler.now(), event.state())));
        return changes;
    }

    private static Change at(long millis, DigitalState state) {
        return new Change(Duration.ofMillis(millis), state);
    }

    @Test
    void theLedFollowsTheUpstreamConnection() throws Exception {
        StatusLed led = open(OptionalInt.empty(), 50, OptionalInt.of(LED_PIN)).statusLed();
        DigitalOutput pin = pin("sngate-status-led");
        assertThat(pin.address()).isEqualTo(LED_PIN);
        assertThat(pin.state()).isEqualTo(DigitalState.LOW);

        led.connected(true);
        scheduler.runDue();
        assertThat(pin.state()).isEqualTo(DigitalState.HIGH);

        led.connected(false);
        scheduler.runDue();
        assertThat(pin.state()).isEqualTo(DigitalState.LOW);
    }

    @Test
    void trafficWhileConnectedIsAShortOffBlink() throws Exception {
        StatusLed led = open(OptionalInt.empty(), 50, OptionalInt.of(LED_PIN)).statusLed();
        DigitalOutput pin = pin("sngate-status-led");
        led.connected(true);
        scheduler.runDue();
        List<Change> changes = record(pin);

        led.traffic();
        scheduler.advance(Duration.ofSeconds(1));

        assertThat(changes).containsExactly(at(0, DigitalState.LOW), at(50, DigitalState.HIGH));
        assertThat(pin.state()).isEqualTo(DigitalState.HIGH);
        assertThat(scheduler.pending()).as("nothing left running").isZero();
    }

    @Test
    void trafficWhileDisconnectedIsAShortFlash() throws Exception {
        StatusLed led = open(OptionalInt.empty(), 50, OptionalInt.of(LED_PIN)).statusLed();
        DigitalOutput pin = pin("sngate-status-led");
        List<Change> changes = record(pin);

        led.traffic();
        scheduler.advance(Duration.ofSeconds(1));

        assertThat(changes).containsExactly(at(0, DigitalState.HIGH), at(50, DigitalState.LOW));
        assertThat(pin.state()).isEqualTo(DigitalState.LOW);
    }

    @Test
    void aFloodOfTrafficCoalescesIntoSteadyBlinking() throws Exception {
        StatusLed led = open(OptionalInt.empty(), 50, OptionalInt.of(LED_PIN)).statusLed();
        DigitalOutput pin = pin("sngate-status-led");
        led.connected(true);
        scheduler.runDue();
        List<Change> changes = record(pin);

        for (int i = 0; i < 100_000; i++) {
            led.traffic();
        }
        assertThat(scheduler.pending()).as("one task, not one per packet").isEqualTo(1);
        scheduler.advance(Duration.ofMillis(20));
        for (int i = 0; i < 100_000; i++) {
            led.traffic(); // during the first blink: one more blink is due, no more
        }
        assertThat(scheduler.pending()).isEqualTo(1);
        scheduler.advance(Duration.ofSeconds(1));

        assertThat(changes).containsExactly(at(0, DigitalState.LOW), at(50, DigitalState.HIGH),
                at(100, DigitalState.LOW), at(150, DigitalState.HIGH));
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void aConnectionLostDuringABlinkLeavesTheLedOff() throws Exception {
        StatusLed led = open(OptionalInt.empty(), 50, OptionalInt.of(LED_PIN)).statusLed();
        DigitalOutput pin = pin("sngate-status-led");
        led.connected(true);
        scheduler.runDue();

        led.traffic();
        scheduler.advance(Duration.ofMillis(10));
        assertThat(pin.state()).isEqualTo(DigitalState.LOW);
        led.connected(false);
        scheduler.advance(Duration.ofSeconds(1));

        assertThat(pin.state()).isEqualTo(DigitalState.LOW);

        led.traffic(); // and traffic after that flashes from the new steady state
        scheduler.runDue();
        assertThat(pin.state()).isEqualTo(DigitalState.HIGH);
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(pin.state()).isEqualTo(DigitalState.LOW);
    }

    @Test
    void resetPullsTheLineLowForThePulseThenHighAndWaitsForTheRadioToSettle() throws Exception {
        RadioReset reset = open(OptionalInt.of(RESET_PIN), 80, OptionalInt.empty()).radioReset();
        DigitalOutput pin = pin("sngate-radio-reset");
        assertThat(pin.address()).isEqualTo(RESET_PIN);
        assertThat(pin.state()).as("the radio runs while RESET is high").isEqualTo(DigitalState.HIGH);
        List<Change> changes = record(pin);

        CompletableFuture<Void> done = reset.reset();
        assertThat(reset.reset()).as("a reset under way is not started twice").isSameAs(done);
        scheduler.advance(Duration.ofMillis(80));
        assertThat(changes).containsExactly(at(0, DigitalState.LOW), at(80, DigitalState.HIGH));
        scheduler.advance(SETTLE.minusMillis(1));
        assertThat(done).isNotDone();
        scheduler.advance(Duration.ofMillis(1));
        assertThat(done).isCompleted();
        assertThat(pin.state()).isEqualTo(DigitalState.HIGH);

        CompletableFuture<Void> again = reset.reset();
        assertThat(again).as("a new reset once the last one is done").isNotSameAs(done);
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(again).isCompleted();
        assertThat(changes).hasSize(4);
    }

    @Test
    void bothPinsTogetherAndCloseShutsTheContextDown() throws Exception {
        GpioBoard both = open(OptionalInt.of(RESET_PIN), 50, OptionalInt.of(LED_PIN));
        assertThat(both.statusLed()).isInstanceOf(BlinkingStatusLed.class);
        assertThat(both.radioReset()).isInstanceOf(PulsedRadioReset.class);
        both.close();
        assertThat(context.isShutdown()).isTrue();
    }

    @Test
    void absentPinsGiveTheDocumentedNoOps() throws Exception {
        GpioBoard none = GpioBoard.open(GpioConfig.NONE, scheduler);
        assertThat(none.statusLed()).isSameAs(StatusLed.NONE);
        assertThat(none.radioReset()).isSameAs(RadioReset.NONE);
        none.statusLed().connected(true);
        none.statusLed().traffic();
        assertThat(none.radioReset().reset()).isCompleted();
        assertThat(scheduler.pending()).isZero();
        none.close();

        GpioBoard ledOnly = open(OptionalInt.empty(), 50, OptionalInt.of(LED_PIN));
        assertThat(ledOnly.radioReset()).isSameAs(RadioReset.NONE);
    }

    @Test
    void aPinTakenTwiceIsAnErrorNamingItsKey() {
        assertThatThrownBy(() -> open(OptionalInt.of(LED_PIN), 50, OptionalInt.of(LED_PIN)))
                .isInstanceOf(GpioException.class)
                .hasMessageStartingWith("gpio.radio-reset-pin: cannot use BCM pin 17");
        assertThat(context.isShutdown()).as("a failed open releases what it took").isTrue();
    }

    @Test
    void withoutAPiGpioFailsWithAnErrorNamingThePinKey() {
        Assumptions.assumeFalse(Files.exists(Path.of("/dev/gpiochip0")), "this machine has GPIO");
        GpioConfig config = new GpioConfig(OptionalInt.empty(), 50, OptionalInt.of(LED_PIN));
        assertThatThrownBy(() -> GpioBoard.open(config, scheduler))
                .isInstanceOf(GpioException.class)
                .hasMessageStartingWith("gpio.status-led-pin: cannot use BCM pin 17: pi4j provider "
                        + GpioBoard.GPIOD_DIGITAL_OUTPUT + " is not available")
                .hasMessageContaining("Raspberry Pi")
                .satisfies(e -> assertThat(((GpioException) e).key()).isEqualTo("gpio.status-led-pin"));
    }
}
