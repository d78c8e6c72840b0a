package io.sngate.codec.frame;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.DecodeException.Reason;

/**
 * Forwarder encapsulation (MQTT-SN 1.2 §5.5, message type 0xFE): how a forwarder wraps a
 * device's packet for the gateway, and how the gateway wraps its answer.
 *
 * <pre>
 *  0        1      2      3 .. n             n+1 .. m
 *  Length   0xFE   Ctrl   Wireless Node Id   inner MQTT-SN packet (its own Length and MsgType)
 * </pre>
 *
 * Length is always one byte and counts only the header, bytes 0..n: {@code 3 + node id
 * length}, so a node id takes 0..{@value #MAX_NODE_ID_LENGTH} bytes and the inner packet
 * starts at offset Length (spec errata 19: the node id is not fixed at 2 bytes).
 *
 * <p>Decoding rules:
 * <ul>
 *   <li>the inner packet must be there and be exactly one packet: its own Length field (1- or
 *       3-byte form) must equal the bytes after the header. Its type and body are not checked
 *       here; the inner packet stays bytes, so this framing is the same for every MQTT-SN
 *       version and the caller decodes it with the codec of the device's version;</li>
 *   <li>an inner packet that is itself encapsulated (type 0xFE) is an error: in 1.2 a forwarder
 *       talks to a gateway, never to another forwarder;</li>
 *   <li>reserved Ctrl bits 7-2 are <em>tolerated</em>: 1.2 says unused bits are sent as 0 and
 *       ignored by the receiver, as the packet codec does for unused flag bits. The byte is kept
 *       whole in {@link Encapsulated#ctrl()} and written back as given, so a reply echoes the
 *       forwarder's Ctrl byte exactly and decode/encode is byte-exact.</li>
 * </ul>
 * Decoding does not copy: the node id and the inner packet of the result view the input array
 * (see {@link Bytes}). Every problem is a {@link DecodeException} whose packet is
 * {@value #PACKET}.
 */
public final class ForwarderEncapsulation {

    /** The MsgType code of an encapsulated frame. */
    public static final int TYPE = 0xFE;

    /** Length, MsgType and Ctrl: the header without the node id. */
    public static final int FIXED_HEADER_LENGTH = 3;

    /** The longest node id the 1-byte Length can describe (255 - 3). */
    public static final int MAX_NODE_ID_LENGTH = 0xFF - FIXED_HEADER_LENGTH;

    /** The packet name {@link DecodeException#packet()} gives for this framing. */
    public static final String PACKET = "ENCAPSULATED";

    private ForwarderEncapsulation() {
    }

    /**
     * Whether a datagram (or serial frame) is forwarder-encapsulated: MsgType byte 1 is 0xFE
     * and the 1-byte Length is at least 3. A cheap look at two bytes for transports to route
     * on; {@link #decode} still checks the rest. A plain packet never matches: in the 3-byte
     * length form byte 0 is 0x01.
     */
    public static boolean isEncapsulated(byte[] datagram, int offset, int length) {
        checkRange(datagram, offset, length);
        return length >= 2 && (datagram[offset + 1] & 0xFF) == TYPE && (datagram[offset] & 0xFF) >= FIXED_HEADER_LENGTH;
    }

    /** Decodes a whole array as one encapsulated frame (see {@link #decode(byte[], int, int)}). */
    public static Encapsulated decode(byte[] frame) throws DecodeException {
        return decode(frame, 0, frame.length);
    }

    /**
     * Decodes exactly {@code length} bytes at {@code offset} as one encapsulated frame. The
     * result views {@code input}; offsets in exceptions are relative to {@code offset}.
     */
    public static Encapsulated decode(byte[] input, int offset, int length) throws DecodeException {
        checkRange(input, offset, length);
        if (length < FIXED_HEADER_LENGTH) {
            throw new DecodeException(PACKET, "Length", 0, Reason.TRUNCATED, "frame of " + length
                    + " byte(s) is shorter than the " + FIXED_HEADER_LENGTH + "-byte encapsulation header");
        }
        int code = input[offset + 1] & 0xFF;
        if (code != TYPE) {
            throw new DecodeException(PACKET, "MsgType", 1, Reason.UNKNOWN_TYPE,
                    String.format("message type 0x%02X is not 0xFE", code));
        }
        int headerLength = input[offset] & 0xFF;
        if (headerLength < FIXED_HEADER_LENGTH) {
            throw new DecodeException(PACKET, "Length", 0, Reason.INVALID_FIELD, "length " + headerLength
                    + " is less than the " + FIXED_HEADER_LENGTH + " bytes of Length, MsgType and Ctrl");
        }
        if (headerLength > length) {
            throw new DecodeException(PACKET, "WirelessNodeId", FIXED_HEADER_LENGTH, Reason.TRUNCATED,
                    "node id of " + (headerLength - FIXED_HEADER_LENGTH) + " byte(s) runs past the end of the "
                            + length + "-byte frame");
        }
        Bytes inner = Bytes.wrap(input, offset + headerLength, length - headerLength);
        checkInnerPacket(inner, headerLength);
        Bytes nodeId = Bytes.wrap(input, offset + FIXED_HEADER_LENGTH, headerLength - FIXED_HEADER_LENGTH);
        return new Encapsulated(input[offset + 2] & 0xFF, nodeId, inner);
    }

    /** The frame around {@code innerPacket}: see {@link #encode(Encapsulated)}. */
    public static byte[] encode(int ctrl, Bytes wirelessNodeId, Bytes innerPacket) {
        return encode(new Encapsulated(ctrl, wirelessNodeId, innerPacket));
    }

    /** The frame's bytes: header, node id, inner packet; the Ctrl byte exactly as in the record. */
    public static byte[] encode(Encapsulated frame) {
        int headerLength = FIXED_HEADER_LENGTH + frame.wirelessNodeId().length();
        byte[] out = new byte[headerLength + frame.innerPacket().length()];
        out[0] = (byte) headerLength;
        out[1] = (byte) TYPE;
        out[2] = (byte) frame.ctrl();
        frame.wirelessNodeId().copyTo(out, FIXED_HEADER_LENGTH);
        frame.innerPacket().copyTo(out, headerLength);
        return out;
    }

    /**
     * Checks that {@code inner} is one whole packet by its own Length field and not itself
     * encapsulated. {@code at} is the inner packet's offset in the frame, for the exception.
     */
    static void checkInnerPacket(Bytes inner, int at) throws DecodeException {
        int size = inner.length();
        if (size == 0) {
            throw new DecodeException(PACKET, "InnerPacket", at, Reason.TRUNCATED,
                    "no inner packet after the " + at + "-byte header");
        }
        int first = inner.get(0);
        if (first == 0x00) {
            throw new DecodeException(PACKET, "InnerPacket.Length", at, Reason.INVALID_FIELD,
                    "inner length 0 is not a valid length");
        }
        int header = first == 0x01 ? 4 : 2;
        if (size < header) {
            throw new DecodeException(PACKET, "InnerPacket.Length", at, Reason.TRUNCATED, "inner packet of " + size
                    + " byte(s) is shorter than its " + header + "-byte header");
        }
        if (inner.get(header - 1) == TYPE) {
            throw new DecodeException(PACKET, "InnerPacket.MsgType", at + header - 1, Reason.INVALID_FIELD,
                    "nested encapsulation: in MQTT-SN 1.2 a forwarder does not forward to another forwarder");
        }
        int total = header == 4 ? inner.get(1) << 8 | inner.get(2) : first;
        if (total < header) {
            throw new DecodeException(PACKET, "InnerPacket.Length", at, Reason.INVALID_FIELD,
                    "inner 3-byte length " + total + " is less than its own 4-byte header");
        }
        if (total != size) {
            throw new DecodeException(PACKET, "InnerPacket.Length", at, Reason.LENGTH_MISMATCH,
                    "inner length " + total + " but " + size + " byte(s) follow the header");
        }
    }

    private static void checkRange(byte[] array, int offset, int length) {
        if (offset < 0 || length < 0 || offset > array.length - length) {
            throw new IndexOutOfBoundsException("range outside the input array"); // caller bug, not input
        }
    }
}
