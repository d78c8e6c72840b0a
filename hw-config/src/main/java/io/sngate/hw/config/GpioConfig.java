package io.sngate.hw.config;

import java.util.OptionalInt;

/**
 * GPIO on a Raspberry Pi through pi4j (YAML section {@code gpio}); BCM pin numbers.
 *
 * @param radioResetPin   output pulsed low to reset the XBee radio at start, empty for none
 * @param resetPulseMillis how long the reset pulse lasts
 * @param statusLedPin    output for the status LED (on = upstream connected, blinking = traffic), empty for none
 */
public record GpioConfig(OptionalInt radioResetPin, int resetPulseMillis, OptionalInt statusLedPin) {

    public static final GpioConfig NONE = new GpioConfig(OptionalInt.empty(), 50, OptionalInt.empty());

    public boolean enabled() {
        return radioResetPin.isPresent() || statusLedPin.isPresent();
    }
}
