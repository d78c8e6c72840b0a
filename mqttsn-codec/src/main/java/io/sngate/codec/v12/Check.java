package io.sngate.codec.v12;

import io.sngate.codec.internal.WireFields;
import java.util.Objects;

/** Argument checks shared by the packet records: a value outside its wire field is a bug at the caller. */
final class Check {

    private Check() {
    }

    static int uint8(String field, int value) {
        return WireFields.uint8(field, value);
    }

    static int uint16(String field, int value) {
        return WireFields.uint16(field, value);
    }

    static <T> T notNull(String field, T value) {
        return Objects.requireNonNull(value, field);
    }
}
