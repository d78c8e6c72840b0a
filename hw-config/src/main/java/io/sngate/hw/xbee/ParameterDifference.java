package io.sngate.hw.xbee;

import java.util.Objects;

/**
 * A radio parameter whose value differs from the configuration.
 *
 * @param command    the AT command, e.g. {@code "ID"}
 * @param setting    the configuration setting it comes from, e.g. {@code "pan-id"}
 * @param onRadio    the radio's value as text (hex for numbers)
 * @param configured the configured value as text
 */
public record ParameterDifference(String command, String setting, String onRadio, String configured) {

    public ParameterDifference {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(setting, "setting");
        Objects.requireNonNull(onRadio, "onRadio");
        Objects.requireNonNull(configured, "configured");
    }

    /** E.g. {@code ID (pan-id) is 0x1234 on the radio, the configuration says 0x5678}. */
    public String describe() {
        return command + " (" + setting + ") is " + onRadio + " on the radio, the configuration says " + configured;
    }
}
