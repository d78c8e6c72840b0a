package io.sngate.codec.v12;

/**
 * The two TopicIdType bits of the flags byte. In SUBSCRIBE and UNSUBSCRIBE {@link #NORMAL}
 * means the packet carries a topic name (or filter). The value 0b11 is reserved.
 */
public enum TopicIdType {
    /** A topic id the gateway assigned (or, in SUBSCRIBE/UNSUBSCRIBE, a topic name). */
    NORMAL(0b00),
    /** An id agreed out of band on both sides; never registered. */
    PREDEFINED(0b01),
    /** A two-byte topic name carried in the topic id field. */
    SHORT(0b10);

    private final int bits;

    TopicIdType(int bits) {
        this.bits = bits;
    }

    public int bits() {
        return bits;
    }

    /** The type for these two bits, or {@code null} for the reserved 0b11. */
    public static TopicIdType fromBits(int bits) {
        return switch (bits & 0b11) {
            case 0b00 -> NORMAL;
            case 0b01 -> PREDEFINED;
            case 0b10 -> SHORT;
            default -> null;
        };
    }
}
