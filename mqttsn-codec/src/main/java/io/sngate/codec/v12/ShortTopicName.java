package io.sngate.codec.v12;

import java.nio.charset.StandardCharsets;

/**
 * Short topic names: exactly two bytes carried in the 16-bit topic id field.
 *
 * <p>1.2 says "two characters"; we read that as two bytes, so any two-byte name works,
 * and we never pad a one-byte name (some stacks pad with 0x00; "a" and "a\0" are different
 * MQTT topics, so padding would publish somewhere else).
 */
public final class ShortTopicName {

    private ShortTopicName() {
    }

    /** The 16-bit field value of a two-byte name such as {@code "ab"}. */
    public static int encode(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length != 2) {
            throw new IllegalArgumentException(
                    "a short topic name is exactly 2 bytes, \"" + name + "\" has " + bytes.length);
        }
        return (bytes[0] & 0xFF) << 8 | (bytes[1] & 0xFF);
    }

    /** True when {@code name} can travel as a short topic name. */
    public static boolean fits(String name) {
        return name.getBytes(StandardCharsets.UTF_8).length == 2;
    }

    /** The topic name a 16-bit field value stands for. */
    public static String decode(int value) {
        return new String(new byte[] {(byte) (value >>> 8), (byte) value}, StandardCharsets.UTF_8);
    }
}
