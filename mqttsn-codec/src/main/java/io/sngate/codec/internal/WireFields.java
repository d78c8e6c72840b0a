package io.sngate.codec.internal;

/**
 * Range checks for values bound for fixed-size wire fields. Not API: shared by the packet
 * and frame records of this module. A value that does not fit is a bug at the caller.
 */
public final class WireFields {

    private WireFields() {
    }

    public static int uint8(String field, int value) {
        if (value < 0 || value > 0xFF) {
            throw new IllegalArgumentException(field + " must fit one byte (0..255), not " + value);
        }
        return value;
    }

    public static int uint16(String field, int value) {
        if (value < 0 || value > 0xFFFF) {
            throw new IllegalArgumentException(field + " must fit two bytes (0..65535), not " + value);
        }
        return value;
    }
}
