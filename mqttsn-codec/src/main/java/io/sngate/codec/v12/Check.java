package io.sngate.codec.v12;

import java.util.Objects;

/** Argument checks shared by the packet records: a value outside its wire field is a bug at the caller. */
final class Check {

    private Check() {
    }

    static int uint8(String field, int value) {
        if (value < 0 || value > 0xFF) {
            throw new IllegalArgumentException(field + " must fit one byte (0..255), not " + value);
        }
        return value;
    }

    static int uint16(String field, int value) {
        if (value < 0 || value > 0xFFFF) {
            throw new IllegalArgumentException(field + " must fit two bytes (0..65535), not " + value);
        }
        return value;
    }

    static <T> T notNull(String field, T value) {
        return Objects.requireNonNull(value, field);
    }
}
