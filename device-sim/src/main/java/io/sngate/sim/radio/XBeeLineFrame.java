package io.sngate.sim.radio;

import io.sngate.codec.xbee.ApiMode;
import io.sngate.codec.xbee.XBeeFrameCodec;
import io.sngate.sim.line.LineWriter;
import java.util.Random;

/**
 * One API frame for the {@link LineWriter}, in the API mode the radio spoke when the frame was
 * made (an {@code ATAP} change must not re-frame what is already queued).
 */
final class XBeeLineFrame implements LineWriter.Frame {

    private static final int ESCAPE = 0x7D;
    private static final int ESCAPE_XOR = 0x20;

    private final byte[] frameData;
    private final ApiMode mode;

    XBeeLineFrame(byte[] frameData, ApiMode mode) {
        this.frameData = frameData;
        this.mode = mode;
    }

    @Override
    public byte[] wire() {
        return XBeeFrameCodec.toWire(frameData, mode);
    }

    /**
     * One bit of the frame data flipped, the checksum of the intact data kept: the gateway's
     * decoder must see a bad checksum (a single flipped bit always changes the byte sum modulo
     * 256). The length field is left alone so the damage is a checksum failure, not a framing
     * puzzle; escaping is applied after the flip, so the damage cannot fake a delimiter.
     */
    @Override
    public byte[] corrupted(Random random) {
        int length = frameData.length;
        byte[] raw = new byte[length + 4];
        raw[0] = (byte) XBeeFrameCodec.START_DELIMITER;
        raw[1] = (byte) (length >>> 8);
        raw[2] = (byte) length;
        System.arraycopy(frameData, 0, raw, 3, length);
        raw[length + 3] = (byte) XBeeFrameCodec.checksum(frameData, 0, length);
        raw[3 + random.nextInt(length)] ^= (byte) (1 << random.nextInt(8));
        return mode == ApiMode.ESCAPED ? escape(raw) : raw;
    }

    /** AP=2 escaping of everything after the delimiter. */
    static byte[] escape(byte[] raw) {
        int escapes = 0;
        for (int i = 1; i < raw.length; i++) {
            if (needsEscape(raw[i] & 0xFF)) {
                escapes++;
            }
        }
        byte[] out = new byte[raw.length + escapes];
        out[0] = raw[0];
        int at = 1;
        for (int i = 1; i < raw.length; i++) {
            int b = raw[i] & 0xFF;
            if (needsEscape(b)) {
                out[at++] = (byte) ESCAPE;
                out[at++] = (byte) (b ^ ESCAPE_XOR);
            } else {
                out[at++] = (byte) b;
            }
        }
        return out;
    }

    private static boolean needsEscape(int b) {
        return b == XBeeFrameCodec.START_DELIMITER || b == ESCAPE || b == 0x11 || b == 0x13;
    }
}
