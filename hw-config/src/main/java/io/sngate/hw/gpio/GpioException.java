package io.sngate.hw.gpio;

import java.io.IOException;

/**
 * GPIO could not be set up, typically because this machine is not a Raspberry Pi (no
 * {@code /dev/gpiochip0}) or the pin is taken. The message starts with the configuration key
 * of the pin, e.g. {@code gpio.status-led-pin}.
 */
public final class GpioException extends IOException {

    private final String key;

    public GpioException(String key, String message, Throwable cause) {
        super(key + ": " + message, cause);
        this.key = key;
    }

    /** The configuration key of the pin that failed. */
    public String key() {
        return key;
    }
}
