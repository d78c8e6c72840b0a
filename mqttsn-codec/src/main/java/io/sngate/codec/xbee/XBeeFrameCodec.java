package io.sngate.codec.xbee;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.DecodeException.Reason;
import io.sngate.codec.xbee.XBeeFrame.AtCommand;
import io.sngate.codec.xbee.XBeeFrame.AtCommandResponse;
import io.sngate.codec.xbee.XBeeFrame.ModemStatus;
import io.sngate.codec.xbee.XBeeFrame.ReceivePacket;
import io.sngate.codec.xbee.XBeeFrame.TransmitRequest;
import io.sngate.codec.xbee.XBeeFrame.TransmitStatus;
import io.sngate.codec.xbee.XBeeFrame.Unknown;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Encodes {@link XBeeFrame}s to the bytes sent to a radio and decodes frame data back.
 *
 * <p>On the wire a frame is: start delimiter 0x7E, the length of the frame data (two bytes,
 * big-endian), the frame data (frame type byte first), and a checksum byte chosen so that
 * the low byte of the sum of frame data and checksum is 0xFF. In {@link ApiMode#ESCAPED}
 * every byte after the delimiter (length and checksum included) that is 0x7E, 0x7D, 0x11 or
 * 0x13 is sent as 0x7D followed by the byte XOR 0x20; length and checksum are those of the
 * unescaped frame data.
 *
 * <p>Decoding is strict: records with a fixed size refuse trailing bytes, so that
 * {@code encode(decode(x))} gives back {@code x} for any frame data that decodes. Decoded
 * frames view the input array without copying (see {@link Bytes#wrap}); the caller must not
 * reuse it while the frame is in use. Bytes arriving from a serial port in arbitrary pieces
 * are the job of {@link XBeeFrameDecoder}.
 */
public final class XBeeFrameCodec {

    public static final int START_DELIMITER = 0x7E;

    /** The largest frame data the 16-bit length field can describe. */
    public static final int MAX_FRAME_DATA_LENGTH = FieldCheck.MAX_FRAME_DATA_LENGTH;

    static final int ESCAPE = 0x7D;
    static final int ESCAPE_XOR = 0x20;
    private static final int XON = 0x11;
    private static final int XOFF = 0x13;

    /** Delimiter, two length bytes, checksum: what framing adds to the frame data, before escaping. */
    static final int FRAMING_OVERHEAD = 4;

    private static final String FRAMING = "XBEE";

    private XBeeFrameCodec() {
    }

    // ---------------------------------------------------------------- encoding

    /** The complete frame as sent to a radio in {@code mode}. */
    public static byte[] encode(XBeeFrame frame, ApiMode mode) {
        return toWire(encodeFrameData(frame), mode);
    }

    /** The frame data: frame type byte and fields, without delimiter, length or checksum. */
    public static byte[] encodeFrameData(XBeeFrame frame) {
        if (frame instanceof TransmitRequest f) {
            return new Writer(TransmitRequest.FIXED_LENGTH + f.rfData().length(), f.frameType())
                    .u8(f.frameId()).u64(f.destination64()).u16(f.destination16())
                    .u8(f.broadcastRadius()).u8(f.options()).bytes(f.rfData()).done();
        }
        if (frame instanceof ReceivePacket f) {
            return new Writer(ReceivePacket.FIXED_LENGTH + f.rfData().length(), f.frameType())
                    .u64(f.source64()).u16(f.source16()).u8(f.options()).bytes(f.rfData()).done();
        }
        if (frame instanceof TransmitStatus f) {
            return new Writer(TransmitStatus.LENGTH, f.frameType())
                    .u8(f.frameId()).u16(f.destination16()).u8(f.retryCount())
                    .u8(f.deliveryStatus()).u8(f.discoveryStatus()).done();
        }
        if (frame instanceof AtCommand f) {
            return new Writer(AtCommand.FIXED_LENGTH + f.parameter().length(), f.frameType())
                    .u8(f.frameId()).command(f.command()).bytes(f.parameter()).done();
        }
        if (frame instanceof AtCommandResponse f) {
            return new Writer(AtCommandResponse.FIXED_LENGTH + f.data().length(), f.frameType())
                    .u8(f.frameId()).command(f.command()).u8(f.status()).bytes(f.data()).done();
        }
        if (frame instanceof ModemStatus f) {
            return new Writer(ModemStatus.LENGTH, f.frameType()).u8(f.status()).done();
        }
        Unknown f = (Unknown) frame;
        return new Writer(1 + f.data().length(), f.frameType()).bytes(f.data()).done();
    }

    /**
     * Frames already encoded frame data for {@code mode}: delimiter, length, checksum and,
     * in {@link ApiMode#ESCAPED}, escaping.
     */
    public static byte[] toWire(byte[] frameData, ApiMode mode) {
        int length = frameData.length;
        if (length > MAX_FRAME_DATA_LENGTH) {
            throw new IllegalArgumentException("frame data of " + length + " bytes exceeds the 16-bit length field");
        }
        int checksum = checksum(frameData, 0, length);
        if (mode == ApiMode.UNESCAPED) {
            byte[] out = new byte[length + FRAMING_OVERHEAD];
            out[0] = (byte) START_DELIMITER;
            out[1] = (byte) (length >>> 8);
            out[2] = (byte) length;
            System.arraycopy(frameData, 0, out, 3, length);
            out[length + 3] = (byte) checksum;
            return out;
        }
        int escapes = (needsEscape(length >>> 8) ? 1 : 0) + (needsEscape(length & 0xFF) ? 1 : 0)
                + (needsEscape(checksum) ? 1 : 0);
        for (byte b : frameData) {
            if (needsEscape(b & 0xFF)) {
                escapes++;
            }
        }
        byte[] out = new byte[length + FRAMING_OVERHEAD + escapes];
        out[0] = (byte) START_DELIMITER;
        int at = putEscaped(out, 1, length >>> 8);
        at = putEscaped(out, at, length & 0xFF);
        for (byte b : frameData) {
            at = putEscaped(out, at, b & 0xFF);
        }
        putEscaped(out, at, checksum);
        return out;
    }

    /** The checksum byte of a frame: 0xFF minus the low byte of the sum of its frame data. */
    public static int checksum(byte[] frameData, int offset, int length) {
        int sum = 0;
        for (int i = offset, end = offset + length; i < end; i++) {
            sum += frameData[i];
        }
        return 0xFF - (sum & 0xFF);
    }

    /** The bytes {@link ApiMode#ESCAPED} must escape after the start delimiter. */
    static boolean needsEscape(int b) {
        return b == START_DELIMITER || b == ESCAPE || b == XON || b == XOFF;
    }

    private static int putEscaped(byte[] out, int at, int b) {
        if (needsEscape(b)) {
            out[at++] = (byte) ESCAPE;
            b ^= ESCAPE_XOR;
        }
        out[at++] = (byte) b;
        return at;
    }

    // ---------------------------------------------------------------- decoding

    /** Decodes frame data: the bytes between the length field and the checksum. */
    public static XBeeFrame decodeFrameData(byte[] frameData) throws DecodeException {
        return decodeFrameData(frameData, 0, frameData.length);
    }

    /**
     * Decodes the frame data in {@code in[offset, offset + length)}. Exceptions give offsets
     * from the frame type byte.
     */
    public static XBeeFrame decodeFrameData(byte[] in, int offset, int length) throws DecodeException {
        if (offset < 0 || length < 0 || offset > in.length - length) {
            throw new IndexOutOfBoundsException("range outside the input array"); // caller bug, not input
        }
        return decodeFrameData(in, offset, length, offset);
    }

    /**
     * Decodes exactly one complete frame as received from a radio in {@code mode}, delimiter
     * to checksum. Exceptions about escaping give offsets in {@code wire}; all others give
     * offsets in the unescaped frame, delimiter at 0.
     */
    public static XBeeFrame decode(byte[] wire, ApiMode mode) throws DecodeException {
        if (wire.length == 0 || (wire[0] & 0xFF) != START_DELIMITER) {
            throw new DecodeException(FRAMING, "StartDelimiter", 0,
                    wire.length == 0 ? Reason.TRUNCATED : Reason.INVALID_FIELD, "a frame starts with 0x7E");
        }
        byte[] frame = mode == ApiMode.ESCAPED ? unescape(wire) : wire;
        if (frame.length < 3) {
            throw new DecodeException(FRAMING, "Length", frame.length, Reason.TRUNCATED,
                    "frame of " + frame.length + " bytes ends inside the length field");
        }
        int length = (frame[1] & 0xFF) << 8 | (frame[2] & 0xFF);
        int checksumAt = 3 + length;
        if (frame.length <= checksumAt) {
            throw new DecodeException(FRAMING, frame.length < checksumAt ? "FrameData" : "Checksum", frame.length,
                    Reason.TRUNCATED, "length " + length + " needs " + (checksumAt + 1)
                            + " bytes with framing, frame has " + frame.length);
        }
        if (frame.length > checksumAt + 1) {
            throw new DecodeException(FRAMING, "Length", 1, Reason.LENGTH_MISMATCH, "length " + length
                    + " needs " + (checksumAt + 1) + " bytes with framing, frame has " + frame.length);
        }
        int expected = checksum(frame, 3, length);
        if ((frame[checksumAt] & 0xFF) != expected) {
            throw new DecodeException(FRAMING, "Checksum", checksumAt, Reason.BAD_CHECKSUM,
                    String.format("checksum 0x%02X, frame data sums to 0x%02X", frame[checksumAt] & 0xFF, expected));
        }
        return decodeFrameData(frame, 3, length, 0);
    }

    private static byte[] unescape(byte[] wire) throws DecodeException {
        byte[] out = new byte[wire.length];
        out[0] = wire[0];
        int n = 1;
        for (int i = 1; i < wire.length; i++) {
            int b = wire[i] & 0xFF;
            if (b == START_DELIMITER) {
                throw new DecodeException(FRAMING, "StartDelimiter", i, Reason.INVALID_FIELD,
                        "unescaped 0x7E inside the frame: in API mode 2 it starts the next frame");
            }
            if (b == ESCAPE) {
                if (++i == wire.length) {
                    throw new DecodeException(FRAMING, "Escape", i - 1, Reason.TRUNCATED,
                            "frame ends between the escape byte 0x7D and the byte it escapes");
                }
                b = (wire[i] & 0xFF) ^ ESCAPE_XOR;
            }
            out[n++] = (byte) b;
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    /** {@code origin} is the array index that exception offsets count from. */
    private static XBeeFrame decodeFrameData(byte[] in, int offset, int length, int origin) throws DecodeException {
        if (length == 0) {
            throw new DecodeException(FRAMING, "FrameType", offset - origin, Reason.TRUNCATED,
                    "empty frame data has no frame type");
        }
        int type = in[offset] & 0xFF;
        Reader r = new Reader(in, offset + 1, offset + length, origin, String.format("XBEE 0x%02X", type));
        switch (type) {
            case TransmitRequest.FRAME_TYPE: {
                int frameId = r.u8("FrameId");
                long destination64 = r.u64("DestinationAddress64");
                int destination16 = r.u16("DestinationAddress16");
                int radius = r.u8("BroadcastRadius");
                int options = r.u8("TransmitOptions");
                return new TransmitRequest(frameId, destination64, destination16, radius, options, r.rest());
            }
            case ReceivePacket.FRAME_TYPE: {
                long source64 = r.u64("SourceAddress64");
                int source16 = r.u16("SourceAddress16");
                int options = r.u8("ReceiveOptions");
                return new ReceivePacket(source64, source16, options, r.rest());
            }
            case TransmitStatus.FRAME_TYPE: {
                int frameId = r.u8("FrameId");
                int destination16 = r.u16("DestinationAddress16");
                int retries = r.u8("TransmitRetryCount");
                int delivery = r.u8("DeliveryStatus");
                int discovery = r.u8("DiscoveryStatus");
                r.end();
                return new TransmitStatus(frameId, destination16, retries, delivery, discovery);
            }
            case AtCommand.FRAME_TYPE: {
                int frameId = r.u8("FrameId");
                String command = r.command("Command");
                return new AtCommand(frameId, command, r.rest());
            }
            case AtCommandResponse.FRAME_TYPE: {
                int frameId = r.u8("FrameId");
                String command = r.command("Command");
                int status = r.u8("CommandStatus");
                return new AtCommandResponse(frameId, command, status, r.rest());
            }
            case ModemStatus.FRAME_TYPE: {
                int status = r.u8("Status");
                r.end();
                return new ModemStatus(status);
            }
            default:
                return new Unknown(type, r.rest());
        }
    }

    /** Reads fields in order; a field that does not fit is TRUNCATED, named and located. */
    private static final class Reader {
        private final byte[] in;
        private final int end;
        private final int origin;
        private final String packet;
        private int pos;

        Reader(byte[] in, int pos, int end, int origin, String packet) {
            this.in = in;
            this.pos = pos;
            this.end = end;
            this.origin = origin;
            this.packet = packet;
        }

        int u8(String field) throws DecodeException {
            require(1, field);
            return in[pos++] & 0xFF;
        }

        int u16(String field) throws DecodeException {
            require(2, field);
            int value = (in[pos] & 0xFF) << 8 | (in[pos + 1] & 0xFF);
            pos += 2;
            return value;
        }

        long u64(String field) throws DecodeException {
            require(8, field);
            long value = 0;
            for (int i = 0; i < 8; i++) {
                value = value << 8 | (in[pos++] & 0xFF);
            }
            return value;
        }

        /** Two bytes as ISO-8859-1, so every byte value maps to one char and back. */
        String command(String field) throws DecodeException {
            require(2, field);
            String command = new String(in, pos, 2, StandardCharsets.ISO_8859_1);
            pos += 2;
            return command;
        }

        Bytes rest() {
            Bytes rest = Bytes.wrap(in, pos, end - pos);
            pos = end;
            return rest;
        }

        /** A fixed-size frame: anything after its last field is an error. */
        void end() throws DecodeException {
            if (pos != end) {
                throw new DecodeException(packet, "FrameData", pos - origin, Reason.LENGTH_MISMATCH,
                        (end - pos) + " byte(s) after the last field of a fixed-size frame");
            }
        }

        private void require(int bytes, String field) throws DecodeException {
            if (end - pos < bytes) {
                throw new DecodeException(packet, field, pos - origin, Reason.TRUNCATED,
                        "frame data ends " + (end - pos) + " byte(s) into the " + bytes + "-byte " + field);
            }
        }
    }

    /** Fills an array of exactly the frame data's size. */
    private static final class Writer {
        private final byte[] out;
        private int pos;

        Writer(int length, int frameType) {
            out = new byte[length];
            out[pos++] = (byte) frameType;
        }

        Writer u8(int value) {
            out[pos++] = (byte) value;
            return this;
        }

        Writer u16(int value) {
            out[pos++] = (byte) (value >>> 8);
            out[pos++] = (byte) value;
            return this;
        }

        Writer u64(long value) {
            for (int shift = 56; shift >= 0; shift -= 8) {
                out[pos++] = (byte) (value >>> shift);
            }
            return this;
        }

        Writer command(String command) {
            out[pos++] = (byte) command.charAt(0);
            out[pos++] = (byte) command.charAt(1);
            return this;
        }

        Writer bytes(Bytes bytes) {
            bytes.copyTo(out, pos);
            pos += bytes.length();
            return this;
        }

        byte[] done() {
            return out;
        }
    }
}
