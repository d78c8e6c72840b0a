package io.sngate.codec;

/**
 * Bytes that are not a valid packet or frame. The one exception decoding ever throws.
 *
 * <p>It names the packet type (or framing) that was being read, the field, the byte offset
 * and a {@link Reason} that counters can group by. It carries no stack trace: a flood of
 * garbage must cost no more than the counting.
 */
public final class DecodeException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What kind of malformation: the key under which a gateway counts drops. */
    public enum Reason {
        /** The input ends before a field that must be there. */
        TRUNCATED,
        /** The length field disagrees with the number of bytes received. */
        LENGTH_MISMATCH,
        /** A packet or frame type that is reserved or unknown. */
        UNKNOWN_TYPE,
        /** A reserved value in a field (topic id type 0b11 in PUBLISH, return code 0x04..0xFF, ...). */
        RESERVED_VALUE,
        /** A field whose value is not allowed here (empty topic name in REGISTER, will QoS -1, ...). */
        INVALID_FIELD,
        /** A frame checksum that does not match its content. */
        BAD_CHECKSUM,
        /** More bytes than the packet or frame may hold. */
        TOO_LARGE
    }

    private final String packet;
    private final String field;
    private final int offset;
    private final Reason reason;

    public DecodeException(String packet, String field, int offset, Reason reason, String detail) {
        super(packet + ": " + detail + " (field " + field + ", offset " + offset + ")", null, false, false);
        this.packet = packet;
        this.field = field;
        this.offset = offset;
        this.reason = reason;
    }

    /** The packet type or framing being decoded, e.g. {@code PUBLISH}, {@code XBEE}. */
    public String packet() {
        return packet;
    }

    /** The field that could not be read, e.g. {@code Length}, {@code TopicIdType}. */
    public String field() {
        return field;
    }

    /** Offset of that field in the input. */
    public int offset() {
        return offset;
    }

    public Reason reason() {
        return reason;
    }
}
