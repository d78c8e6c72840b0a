package io.sngate.hw.config;

import io.sngate.codec.xbee.ApiMode;
import io.sngate.hw.serial.SerialSettings;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * One XBee (Zigbee) radio in API mode attached to the gateway by a serial port (YAML list
 * {@code xbee}). Each remote radio's 64-bit address is one device address.
 *
 * @param name           short name for logs and the ready line, unique among transports
 * @param serial         the port the radio is on
 * @param apiMode        AP=1 or AP=2 (escaped, the recommended one)
 * @param panId          PAN id (ID) to verify/apply, empty to leave the radio's
 * @param channelMask    scan channels (SC) to verify/apply, empty to leave the radio's
 * @param coordinator    CE to verify/apply (a gateway's radio is normally the coordinator), empty to leave it
 * @param nodeIdentifier NI to verify/apply, empty to leave it
 * @param applySettings  at start, write the settings that differ (and WR them); false only verifies and warns
 * @param maxPayload     largest RF payload the radio sends in one frame (NP); larger packets are refused, never cut
 * @param responseTimeoutMillis how long to wait for each AT command response before the radio counts as not answering
 */
public record XBeeRadioConfig(String name, SerialSettings serial, ApiMode apiMode, OptionalLong panId,
        OptionalInt channelMask, Optional<Boolean> coordinator, Optional<String> nodeIdentifier,
        boolean applySettings, int maxPayload, int responseTimeoutMillis) {

    /** NP of an XBee 3 / S2C Zigbee radio without APS encryption or source routing. */
    public static final int DEFAULT_MAX_PAYLOAD = 84;

    public XBeeRadioConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(serial, "serial");
        Objects.requireNonNull(apiMode, "apiMode");
        Objects.requireNonNull(panId, "panId");
        Objects.requireNonNull(channelMask, "channelMask");
        Objects.requireNonNull(coordinator, "coordinator");
        Objects.requireNonNull(nodeIdentifier, "nodeIdentifier");
    }

    /** A radio on {@code path} at 9600 baud, AP=2, nothing verified or applied. */
    public static XBeeRadioConfig of(String name, String path) {
        return new XBeeRadioConfig(name, SerialSettings.of(path, 9_600), ApiMode.ESCAPED, OptionalLong.empty(),
                OptionalInt.empty(), Optional.empty(), Optional.empty(), false, DEFAULT_MAX_PAYLOAD, 1_000);
    }
}
