package io.sngate.codec;

/**
 * MQTT-SN quality of service, including QoS -1 (publish without a connection).
 * {@link #bits()} is the two-bit value of the flags byte (QoS -1 is 0b11).
 */
public enum QoS {
    /** QoS -1: fire and forget to a known gateway, no CONNECT; predefined or short topics only. */
    MINUS_ONE(-1, 0b11),
    AT_MOST_ONCE(0, 0b00),
    AT_LEAST_ONCE(1, 0b01),
    EXACTLY_ONCE(2, 0b10);

    private static final QoS[] BY_BITS = {AT_MOST_ONCE, AT_LEAST_ONCE, EXACTLY_ONCE, MINUS_ONE};

    private final int level;
    private final int bits;

    QoS(int level, int bits) {
        this.level = level;
        this.bits = bits;
    }

    /** -1, 0, 1 or 2. */
    public int level() {
        return level;
    }

    /** The two-bit wire value. */
    public int bits() {
        return bits;
    }

    public static QoS fromBits(int bits) {
        return BY_BITS[bits & 0b11];
    }

    public static QoS ofLevel(int level) {
        return switch (level) {
            case -1 -> MINUS_ONE;
            case 0 -> AT_MOST_ONCE;
            case 1 -> AT_LEAST_ONCE;
            case 2 -> EXACTLY_ONCE;
            default -> throw new IllegalArgumentException("QoS must be -1, 0, 1 or 2, not " + level);
        };
    }

    /** The lower of two QoS levels (QoS -1 counts as the lowest). */
    public static QoS min(QoS a, QoS b) {
        return a.level <= b.level ? a : b;
    }
}
