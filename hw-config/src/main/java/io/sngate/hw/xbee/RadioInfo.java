package io.sngate.hw.xbee;

import java.util.List;
import java.util.Objects;

/**
 * What {@link XBeeRadioSetup} learned about a radio and did to it.
 *
 * @param port                 the serial port the radio is on
 * @param address64            the radio's own 64-bit address (SH and SL)
 * @param firmwareVersion      VR
 * @param hardwareVersion      HV
 * @param radioMaxPayload      NP: the largest RF payload the radio sends in one frame now
 * @param effectiveMaxPayload  the smaller of NP and the configured maximum: packets larger than this are refused
 * @param changed              the settings written to the radio (then saved with WR and applied with AC)
 * @param differences          settings that differ from the configuration and were left as they are
 *                             ({@code apply-settings} off): the caller logs a warning for each
 */
public record RadioInfo(String port, long address64, int firmwareVersion, int hardwareVersion, int radioMaxPayload,
        int effectiveMaxPayload, List<ParameterDifference> changed, List<ParameterDifference> differences) {

    public RadioInfo {
        Objects.requireNonNull(port, "port");
        changed = List.copyOf(changed);
        differences = List.copyOf(differences);
    }

    /** E.g. {@code 0013A20040A1B2C3}, as printed on the radio's label. */
    public String addressHex() {
        return String.format("%016X", address64);
    }

    /** E.g. {@code radio on /dev/ttyUSB0: 0013A20040A1B2C3 firmware 0x1009 hardware 0x4243 NP=84 (max payload 84)}. */
    public String describe() {
        return String.format("radio on %s: %s firmware 0x%X hardware 0x%X NP=%d (max payload %d)", port, addressHex(),
                firmwareVersion, hardwareVersion, radioMaxPayload, effectiveMaxPayload);
    }
}
