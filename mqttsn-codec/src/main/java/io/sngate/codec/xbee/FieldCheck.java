package io.sngate.codec.xbee;

import io.sngate.codec.Bytes;
import io.sngate.codec.internal.WireFields;
import java.util.Objects;

/** Argument checks for the frame records: a value that does not fit its wire field is a bug at the caller. */
final class FieldCheck {

    /** The 16-bit length field bounds the frame data, frame type byte included. */
    static final int MAX_FRAME_DATA_LENGTH = 0xFFFF;

    private FieldCheck() {
    }

    static int uint8(String field, int value) {
        return WireFields.uint8(field, value);
    }

    static int uint16(String field, int value) {
        return WireFields.uint16(field, value);
    }

    /** A variable-length tail that must leave the whole frame data within the length field's reach. */
    static Bytes tail(String field, Bytes value, int fixedPart) {
        Objects.requireNonNull(value, field);
        int max = MAX_FRAME_DATA_LENGTH - fixedPart;
        if (value.length() > max) {
            throw new IllegalArgumentException(field + " of " + value.length() + " bytes exceeds the " + max
                    + " bytes a frame of this type can carry");
        }
        return value;
    }

    /**
     * An AT command name: two characters, each one byte on the wire (read as ISO-8859-1, so
     * any two bytes a radio sends survive a round trip).
     */
    static String command(String field, String value) {
        Objects.requireNonNull(value, field);
        if (value.length() != 2 || value.charAt(0) > 0xFF || value.charAt(1) > 0xFF) {
            throw new IllegalArgumentException(field + " must be two one-byte characters such as \"AP\", not \""
                    + value + "\"");
        }
        return value;
    }
}
