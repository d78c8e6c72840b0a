package io.sngate.sim.decode;

import io.sngate.codec.xbee.ApiMode;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How the bytes of an input are framed into MQTT-SN packets. */
public enum Framing {

    /** One packet per hex line or datagram; forwarder-encapsulated ones are recognised by their 0xFE. */
    PLAIN,
    /** One forwarder-encapsulated packet per hex line or datagram. */
    FORWARDER,
    /** A byte stream of frames as on a serial line (docs/framing.md). */
    SERIAL,
    /** A byte stream of XBee API frames, API mode 1 (AP=1, unescaped). */
    XBEE1,
    /** A byte stream of XBee API frames, API mode 2 (AP=2, escaped). */
    XBEE2;

    /** The name on the command line: {@code xbee2}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the input is a byte stream cut into frames, rather than one packet per line or datagram. */
    public boolean isStream() {
        return this == SERIAL || this == XBEE1 || this == XBEE2;
    }

    /** The XBee API mode of {@link #XBEE1} and {@link #XBEE2}. */
    public ApiMode apiMode() {
        return switch (this) {
            case XBEE1 -> ApiMode.UNESCAPED;
            case XBEE2 -> ApiMode.ESCAPED;
            default -> throw new IllegalStateException(this + " is not an XBee framing");
        };
    }

    /** The framing named {@code name} on the command line, or an IllegalArgumentException listing them. */
    public static Framing fromCliName(String name) {
        for (Framing framing : values()) {
            if (framing.cliName().equals(name)) {
                return framing;
            }
        }
        throw new IllegalArgumentException("'" + name + "' is not one of " + names());
    }

    /** {@code plain, forwarder, serial, xbee1, xbee2}. */
    public static String names() {
        return Arrays.stream(values()).map(Framing::cliName).collect(Collectors.joining(", "));
    }
}
