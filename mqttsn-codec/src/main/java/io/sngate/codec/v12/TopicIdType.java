package io.sngate.codec.v12;

/**
 * The two TopicIdType bits of the flags byte. In SUBSCRIBE and UNSUBSCRIBE {@link #NORMAL}
 * means the packet carries a topic name (or filter).
 *
 * <p>{@link #RESERVED} (0b11) exists only so that a {@link TopicRef.Reserved} can say what it
 * is: real clients send SUBSCRIBE and UNSUBSCRIBE with it, and a gateway has to answer those
 * instead of dropping them. It never names a way to read a topic id field, so a
 * {@link Publish} refuses it and {@link #fromBits} still returns {@code null} for 0b11.
 * It is declared last so that the other constants keep their ordinals.
 */
public enum TopicIdType {
    /** A topic id the gateway assigned (or, in SUBSCRIBE/UNSUBSCRIBE, a topic name). */
    NORMAL(0b00),
    /** An id agreed out of band on both sides; never registered. */
    PREDEFINED(0b01),
    /** A two-byte topic name carried in the topic id field. */
    SHORT(0b10),
    /** The reserved value 0b11, as carried by a {@link TopicRef.Reserved}; no PUBLISH has it. */
    RESERVED(0b11);

    private final int bits;

    TopicIdType(int bits) {
        this.bits = bits;
    }

    public int bits() {
        return bits;
    }

    /**
     * The type for these two bits, or {@code null} for the reserved 0b11. Not {@link #RESERVED}:
     * callers read a topic id by the result and rely on {@code null} to refuse 0b11, and
     * turning that into a constant would let it through silently.
     */
    public static TopicIdType fromBits(int bits) {
        return switch (bits & 0b11) {
            case 0b00 -> NORMAL;
            case 0b01 -> PREDEFINED;
            case 0b10 -> SHORT;
            default -> null;
        };
    }
}
