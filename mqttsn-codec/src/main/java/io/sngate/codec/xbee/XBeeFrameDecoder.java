package io.sngate.codec.xbee;

import io.sngate.codec.DecodeException;
import java.util.Arrays;
import java.util.Objects;

/**
 * Finds XBee API frames in the bytes read from a radio's serial port. Sans-I/O: the caller
 * {@link #feed feeds} whatever pieces the port returns, and each good frame goes to the
 * {@link Listener} in order, on the caller's thread.
 *
 * <p>A serial line loses and corrupts bytes, and a radio that was reset or reconfigured
 * mid-frame leaves half frames behind, so nothing read from it is ever fatal:
 * <ul>
 *   <li>bytes outside a frame are skipped until a start delimiter (0x7E) and counted in
 *       {@link #bytesDiscarded()};</li>
 *   <li>a frame whose checksum is wrong ({@link #badChecksums()}), whose length exceeds the
 *       configured maximum ({@link #oversizedFrames()}), or that is cut short
 *       ({@link #abandonedFrames()}) was perhaps no frame at all: a stray 0x7E in line noise
 *       followed by a length that swallows real frames. So its delimiter is dropped and the
 *       bytes after it are scanned again for the next 0x7E, which finds a good frame hidden
 *       inside; bytes that hold none end up in {@link #bytesDiscarded()};</li>
 *   <li>in {@link ApiMode#ESCAPED} a 0x7E is never data, so one inside a frame starts a new
 *       frame and the unfinished one is abandoned;</li>
 *   <li>a frame with a good checksum whose frame data does not decode is counted in
 *       {@link #malformedFrames()}, reported to {@link Listener#onMalformed} and skipped as a
 *       whole: the checksum vouches for its framing.</li>
 * </ul>
 * The outcome depends only on the bytes, never on how they were split into chunks. Every byte
 * fed ends up in exactly one of: a decoded frame, a malformed frame, {@link #bytesDiscarded()},
 * or {@link #bufferedBytes()} (the frame still arriving).
 *
 * <p>Memory is bounded by the maximum frame data length: the decoder buffers at most one
 * frame's raw bytes, the ones it may have to scan again. Each decoded frame owns a fresh
 * array. Not thread-safe, and a listener must not call back into the decoder that calls it.
 */
public final class XBeeFrameDecoder {

    /**
     * Room for the largest RF payloads of XBee radios (about 256 bytes) plus the header of a
     * Receive Packet, while keeping the wait short when a corrupted length claims more.
     */
    public static final int DEFAULT_MAX_FRAME_DATA_LENGTH = 512;

    private static final int INITIAL_BUFFER = 64;

    /** Receives what the decoder finds, on the thread that calls {@link #feed} or {@link #reset}. */
    @FunctionalInterface
    public interface Listener {

        void onFrame(XBeeFrame frame);

        /**
         * A frame arrived intact (good checksum) but its frame data is not a valid frame, e.g.
         * a Transmit Status of 5 bytes. Already counted; override to log it.
         */
        default void onMalformed(DecodeException error) {
        }
    }

    /** A snapshot of the counters, for metrics. */
    public record Counters(long framesDecoded, long bytesDiscarded, long badChecksums, long oversizedFrames,
                           long malformedFrames, long abandonedFrames) {
    }

    private enum Phase { HUNT, LENGTH_HIGH, LENGTH_LOW, DATA, CHECKSUM }

    private final ApiMode mode;
    private final int maxFrameDataLength;
    private final int maxRawFrameLength;
    private final Listener listener;

    /*
     * buf[start, end) holds the raw bytes not yet settled. While in a frame, buf[start] is its
     * delimiter and buf[start, pos) the part parsed so far. buf[pos, end) are bytes a rejected
     * frame gave back, waiting to be scanned again before any new input. Outside a frame,
     * start == pos.
     */
    private byte[] buf;
    private int start;
    private int pos;
    private int end;

    private Phase phase = Phase.HUNT;
    private boolean escaping;
    private int declaredLength;
    private byte[] frameData;
    private int dataCount;
    private int sum;

    private long framesDecoded;
    private long bytesDiscarded;
    private long badChecksums;
    private long oversizedFrames;
    private long malformedFrames;
    private long abandonedFrames;

    /** A decoder accepting frame data up to {@link #DEFAULT_MAX_FRAME_DATA_LENGTH} bytes. */
    public XBeeFrameDecoder(ApiMode mode, Listener listener) {
        this(mode, DEFAULT_MAX_FRAME_DATA_LENGTH, listener);
    }

    /**
     * @param maxFrameDataLength the largest frame data (frame type byte included) accepted,
     *                           1..65535; a frame declaring more is counted as oversized
     */
    public XBeeFrameDecoder(ApiMode mode, int maxFrameDataLength, Listener listener) {
        this.mode = Objects.requireNonNull(mode, "mode");
        this.listener = Objects.requireNonNull(listener, "listener");
        if (maxFrameDataLength < 1 || maxFrameDataLength > XBeeFrameCodec.MAX_FRAME_DATA_LENGTH) {
            throw new IllegalArgumentException("maxFrameDataLength must be 1..65535, not " + maxFrameDataLength);
        }
        this.maxFrameDataLength = maxFrameDataLength;
        int unescaped = maxFrameDataLength + XBeeFrameCodec.FRAMING_OVERHEAD;
        // In mode 2 every byte after the delimiter may arrive as an escape pair.
        this.maxRawFrameLength = mode == ApiMode.ESCAPED ? 2 * unescaped - 1 : unescaped;
        this.buf = new byte[Math.min(INITIAL_BUFFER, maxRawFrameLength)];
    }

    public void feed(byte[] chunk) {
        feed(chunk, 0, chunk.length);
    }

    /**
     * Consumes {@code chunk[offset, offset + length)}, calling the listener for each frame
     * completed. If the listener throws, the exception propagates and the rest of the chunk
     * is not consumed; the decoder stays usable.
     */
    public void feed(byte[] chunk, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, chunk.length);
        rescan();
        for (int i = offset, stop = offset + length; i < stop; i++) {
            int b = chunk[i] & 0xFF;
            if (phase == Phase.HUNT) {
                if (b != XBeeFrameCodec.START_DELIMITER) {
                    bytesDiscarded++; // nothing buffered: no frame can start here
                    continue;
                }
                start = 0;
                pos = 0;
                end = 0;
            }
            append(b);
            pos++;
            accept(b);
            rescan();
        }
    }

    /**
     * Ends the frame in progress: no more of its bytes will come (the transport calls this
     * after a gap on the line). It is counted as abandoned and its bytes are scanned again
     * like those of any rejected frame, so complete frames it had swallowed are still
     * delivered, to the listener, before this returns.
     */
    public void reset() {
        rescan();
        while (phase != Phase.HUNT) {
            abandonedFrames++;
            reject();
            rescan();
        }
        start = 0;
        pos = 0;
        end = 0;
    }

    // ---------------------------------------------------------------- the state machine

    /** Scans again the bytes a rejected frame gave back. */
    private void rescan() {
        while (pos < end) {
            accept(buf[pos++] & 0xFF);
        }
    }

    /** Advances the state machine by the raw byte {@code b}, which is {@code buf[pos - 1]}. */
    private void accept(int b) {
        if (phase == Phase.HUNT) {
            if (b == XBeeFrameCodec.START_DELIMITER) {
                start = pos - 1;
                phase = Phase.LENGTH_HIGH;
            } else {
                bytesDiscarded++;
                start = pos;
            }
            return;
        }
        if (mode == ApiMode.ESCAPED) {
            if (b == XBeeFrameCodec.START_DELIMITER) {
                abandonedFrames++;
                reject();
                return;
            }
            if (escaping) {
                escaping = false;
                b ^= XBeeFrameCodec.ESCAPE_XOR;
            } else if (b == XBeeFrameCodec.ESCAPE) {
                escaping = true;
                return;
            }
        }
        switch (phase) {
            case LENGTH_HIGH -> {
                declaredLength = b << 8;
                phase = Phase.LENGTH_LOW;
            }
            case LENGTH_LOW -> {
                declaredLength |= b;
                if (declaredLength > maxFrameDataLength) {
                    oversizedFrames++;
                    reject();
                } else {
                    frameData = new byte[declaredLength];
                    dataCount = 0;
                    sum = 0;
                    phase = declaredLength == 0 ? Phase.CHECKSUM : Phase.DATA;
                }
            }
            case DATA -> {
                frameData[dataCount++] = (byte) b;
                sum += b;
                if (dataCount == declaredLength) {
                    phase = Phase.CHECKSUM;
                }
            }
            case CHECKSUM -> complete(((sum + b) & 0xFF) == 0xFF);
            default -> {
                // HUNT was handled above
            }
        }
    }

    private void complete(boolean checksumGood) {
        if (!checksumGood) {
            badChecksums++;
            reject();
            return;
        }
        byte[] data = frameData;
        start = pos;
        enterHunt();
        XBeeFrame frame;
        try {
            frame = XBeeFrameCodec.decodeFrameData(data);
        } catch (DecodeException e) {
            malformedFrames++;
            listener.onMalformed(e);
            return;
        }
        framesDecoded++;
        listener.onFrame(frame);
    }

    /** Drops the current frame's delimiter and puts the bytes after it back to be scanned again. */
    private void reject() {
        bytesDiscarded++;
        start++;
        pos = start;
        enterHunt();
    }

    private void enterHunt() {
        phase = Phase.HUNT;
        escaping = false;
        frameData = null;
    }

    private void append(int b) {
        if (end == buf.length) {
            if (start > 0) {
                System.arraycopy(buf, start, buf, 0, end - start);
                pos -= start;
                end -= start;
                start = 0;
            } else {
                // A frame ends or is rejected by maxRawFrameLength bytes, so this never exceeds it.
                buf = Arrays.copyOf(buf, Math.min(2 * buf.length, maxRawFrameLength));
            }
        }
        buf[end++] = (byte) b;
    }

    // ---------------------------------------------------------------- configuration and counters

    public ApiMode mode() {
        return mode;
    }

    public int maxFrameDataLength() {
        return maxFrameDataLength;
    }

    /** Frames delivered to {@link Listener#onFrame}. */
    public long framesDecoded() {
        return framesDecoded;
    }

    /** Bytes skipped outside any frame, including those of rejected frames that held no frame. */
    public long bytesDiscarded() {
        return bytesDiscarded;
    }

    /** Frames whose checksum did not match their frame data. */
    public long badChecksums() {
        return badChecksums;
    }

    /** Frames whose length field exceeded {@link #maxFrameDataLength()}. */
    public long oversizedFrames() {
        return oversizedFrames;
    }

    /** Frames with a good checksum whose frame data did not decode. */
    public long malformedFrames() {
        return malformedFrames;
    }

    /** Frames cut short by a new start delimiter (API mode 2) or by {@link #reset()}. */
    public long abandonedFrames() {
        return abandonedFrames;
    }

    /** Raw bytes of the frame still arriving. */
    public int bufferedBytes() {
        return end - start;
    }

    public Counters counters() {
        return new Counters(framesDecoded, bytesDiscarded, badChecksums, oversizedFrames, malformedFrames,
                abandonedFrames);
    }
}
