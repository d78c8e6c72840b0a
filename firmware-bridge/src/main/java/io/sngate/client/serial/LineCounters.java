package io.sngate.client.serial;

/**
 * What one framed serial port has seen.
 *
 * @param frames          whole frames decoded and handed on
 * @param bytesDiscarded  bytes that belonged to no frame (noise, fragments, rejected candidates)
 * @param badFrames       candidates refused: bad checksum, oversize, undecodable, cut short
 * @param silenceResets   partial frames dropped because the line fell silent
 * @param overflows       frames dropped because the runtime had {@link PortOptions#maxPendingFrames()} waiting
 * @param writeFailures   writes refused by the line (port gone, closed)
 * @param buffered        bytes of a frame still arriving (a gauge, not a count)
 */
public record LineCounters(long frames, long bytesDiscarded, long badFrames, long silenceResets, long overflows,
                           long writeFailures, int buffered) {

    /** All zero: the counters of a port not open yet. */
    public static final LineCounters NONE = new LineCounters(0, 0, 0, 0, 0, 0, 0);

    /** E.g. {@code frames=12 discarded=3 bad=1 silence-resets=0 overflows=0 write-failures=0}, for logs. */
    public String describe() {
        return "frames=" + frames + " discarded=" + bytesDiscarded + " bad=" + badFrames + " silence-resets="
                + silenceResets + " overflows=" + overflows + " write-failures=" + writeFailures;
    }
}
