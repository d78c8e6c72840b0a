package io.sngate.client.serial;

/**
 * Bounds and timing of one framed serial port.
 *
 * @param maxFrameSize     the longest frame accepted (bytes); also the decoder's one buffer
 * @param silenceMillis    a partial frame is dropped once the line has been silent this long: a
 *                         sender writes a frame without pauses, so what is left is a fragment
 * @param maxPendingFrames frames decoded on the reader thread but not yet handled on the
 *                         runtime thread; beyond, frames are dropped and counted
 */
public record PortOptions(int maxFrameSize, long silenceMillis, int maxPendingFrames) {

    /** USB serial adapters deliver bytes in bursts up to ~16 ms apart: a gap must be well above that. */
    public static final long MIN_DEFAULT_SILENCE_MILLIS = 100;

    /** Frames that may wait for the runtime thread by default. */
    public static final int DEFAULT_MAX_PENDING_FRAMES = 256;

    /** Checks the bounds; a bad one fails naming it. */
    public PortOptions {
        if (maxFrameSize < 4) {
            throw new IllegalArgumentException("maxFrameSize must be at least 4: " + maxFrameSize);
        }
        if (silenceMillis <= 0) {
            throw new IllegalArgumentException("silenceMillis must be positive: " + silenceMillis);
        }
        if (maxPendingFrames <= 0) {
            throw new IllegalArgumentException("maxPendingFrames must be positive: " + maxPendingFrames);
        }
    }

    /** A silence of 20 character times at {@code baud} (8N1: 10 bits a character), at least 100 ms. */
    public static PortOptions forBaud(int baud, int maxFrameSize) {
        long twentyChars = (20L * 10 * 1000 + baud - 1) / baud;
        return new PortOptions(maxFrameSize, Math.max(MIN_DEFAULT_SILENCE_MILLIS, twentyChars),
                DEFAULT_MAX_PENDING_FRAMES);
    }

    /** With a silence of {@code millis} ending a partial frame. */
    public PortOptions withSilenceMillis(long millis) {
        return new PortOptions(maxFrameSize, millis, maxPendingFrames);
    }

    /** With at most {@code frames} waiting for the runtime thread. */
    public PortOptions withMaxPendingFrames(int frames) {
        return new PortOptions(maxFrameSize, silenceMillis, frames);
    }
}
