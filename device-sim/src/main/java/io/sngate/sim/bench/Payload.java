package io.sngate.sim.bench;

import java.util.Random;

/**
 * The bench's message body: a 16-byte header, then padding up to the payload size.
 *
 * <pre>
 * byte 0      step (which run or sweep step the message belongs to; 253..255: warm-ups, ceiling)
 * bytes 1-3   client index (big-endian, up to 16 777 215)
 * bytes 4-7   sequence number of the message for that client (from 0)
 * bytes 8-15  System.nanoTime() when it was handed to the sending client
 * </pre>
 *
 * Sender and receiver are the same process, so the receiver subtracts the stamp from its own
 * {@code System.nanoTime()} for the latency, and (client, sequence) names every message once.
 */
final class Payload {

    static final int HEADER = 16;
    static final int MAX_CLIENTS = 1 << 24;
    static final int CEILING_STEP = 255;
    /** The unmeasured warm-up before the ceiling's broker run. */
    static final int CEILING_WARMUP_STEP = 254;
    /** The unmeasured warm-up before the gateway runs. */
    static final int WARMUP_STEP = 253;
    /** Measured runs and sweep steps use 0 .. LAST_STEP. */
    static final int LAST_STEP = 252;

    private final byte[] padding;
    private final int size;

    /** @param size total bytes (at least {@link #HEADER}); the padding is drawn from {@code seed} */
    Payload(int size, long seed) {
        if (size < HEADER) {
            throw new IllegalArgumentException("payload size must be at least " + HEADER);
        }
        this.size = size;
        this.padding = new byte[size - HEADER];
        new Random(seed).nextBytes(padding);
    }

    int size() {
        return size;
    }

    /** A new payload (the sending client may keep it for retransmission). */
    byte[] create(int step, int client, int seq, long sentNanos) {
        byte[] out = new byte[size];
        write(out, step, client, seq, sentNanos);
        System.arraycopy(padding, 0, out, HEADER, padding.length);
        return out;
    }

    static void write(byte[] out, int step, int client, int seq, long sentNanos) {
        out[0] = (byte) step;
        out[1] = (byte) (client >>> 16);
        out[2] = (byte) (client >>> 8);
        out[3] = (byte) client;
        putInt(out, 4, seq);
        putInt(out, 8, (int) (sentNanos >>> 32));
        putInt(out, 12, (int) sentNanos);
    }

    static int step(byte[] in) {
        return in[0] & 0xFF;
    }

    static int client(byte[] in) {
        return (in[1] & 0xFF) << 16 | (in[2] & 0xFF) << 8 | (in[3] & 0xFF);
    }

    static int seq(byte[] in) {
        return getInt(in, 4);
    }

    static long sentNanos(byte[] in) {
        return (long) getInt(in, 8) << 32 | (getInt(in, 12) & 0xFFFF_FFFFL);
    }

    private static void putInt(byte[] out, int at, int value) {
        out[at] = (byte) (value >>> 24);
        out[at + 1] = (byte) (value >>> 16);
        out[at + 2] = (byte) (value >>> 8);
        out[at + 3] = (byte) value;
    }

    private static int getInt(byte[] in, int at) {
        return (in[at] & 0xFF) << 24 | (in[at + 1] & 0xFF) << 16 | (in[at + 2] & 0xFF) << 8 | (in[at + 3] & 0xFF);
    }
}
