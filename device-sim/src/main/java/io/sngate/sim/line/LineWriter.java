package io.sngate.sim.line;

import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sending half of a virtual line: frames from many simulated devices go into one bounded
 * queue and one writer thread puts them on the line, applying the {@link LineImpairment}.
 *
 * <p>Why a thread of its own: a pseudo-terminal whose other end is not read (the gateway is not
 * started yet, or is busy) blocks its writer once the kernel's buffer is full. The devices send
 * from their {@code ClientRuntime} threads, which drive hundreds of clients each and must never
 * block; so they only enqueue. A full queue drops the frame and counts it, as a radio's or
 * forwarder's serial buffer overflows when nobody drains it.
 *
 * <p>Impairment draws happen on the writer thread, in queue order, from one seeded random: the
 * same frames in the same order are damaged the same way.
 */
public final class LineWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LineWriter.class);

    /** The longest noise burst; long enough to hold a stray delimiter and a plausible length. */
    static final int MAX_NOISE_BURST = 16;

    /** One frame as the line framing writes it, and how it looks damaged. */
    public interface Frame {
        /** The bytes on the line. */
        byte[] wire();

        /** The bytes on the line with one bit flipped where the receiver must notice (or at least could). */
        byte[] corrupted(Random random);
    }

    /** Where the bytes go: the serial line. */
    @FunctionalInterface
    public interface Sink {
        void write(byte[] bytes) throws IOException;
    }

    /**
     * What the writer did.
     *
     * @param framesQueued   frames accepted into the queue
     * @param framesWritten  frames written whole and undamaged
     * @param bytesWritten   every byte written: frames, damaged frames, noise, raw injections
     * @param framesDropped  frames not written because of {@link LineImpairment#dropPercent()}
     * @param framesCorrupted frames written with a flipped bit
     * @param halfFrames     frames of which only the first part was written
     * @param noiseBursts    bursts of random bytes written before a frame
     * @param noiseBytes     bytes in those bursts
     * @param rawWrites      {@link #offerRaw raw} byte sequences written as given
     * @param queueOverflows frames and raw writes refused because the queue was full
     * @param writeErrors    writes the line refused (it was closed or gone)
     */
    public record Counters(long framesQueued, long framesWritten, long bytesWritten, long framesDropped,
                           long framesCorrupted, long halfFrames, long noiseBursts, long noiseBytes, long rawWrites,
                           long queueOverflows, long writeErrors) {
    }

    /** A queue entry: a frame (impaired or not), or raw bytes to write as they are. */
    private record Entry(Frame frame, boolean impaired, byte[] raw) {
    }

    /** How often an idle writer looks whether it was closed. */
    private static final long IDLE_POLL_MILLIS = 50;

    private final Sink sink;
    private final LineImpairment impairment;
    private final Random random;
    private final BlockingQueue<Entry> queue;
    private final Thread thread;
    /** Entries offered and not yet fully written: zero means the line has everything. */
    private final AtomicInteger pending = new AtomicInteger();
    private volatile boolean closed;

    private final AtomicLong framesQueued = new AtomicLong();
    private final AtomicLong framesWritten = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final AtomicLong framesDropped = new AtomicLong();
    private final AtomicLong framesCorrupted = new AtomicLong();
    private final AtomicLong halfFrames = new AtomicLong();
    private final AtomicLong noiseBursts = new AtomicLong();
    private final AtomicLong noiseBytes = new AtomicLong();
    private final AtomicLong rawWrites = new AtomicLong();
    private final AtomicLong queueOverflows = new AtomicLong();
    private final AtomicLong writeErrors = new AtomicLong();

    /**
     * @param name     the writer thread's name
     * @param capacity frames (and raw writes) that may wait, at least 1
     */
    public LineWriter(String name, Sink sink, LineImpairment impairment, Random random, int capacity) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.impairment = Objects.requireNonNull(impairment, "impairment");
        this.random = Objects.requireNonNull(random, "random");
        if (capacity < 1) {
            throw new IllegalArgumentException("queue capacity must be at least 1, not " + capacity);
        }
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Queues a frame; false (and counted) when the queue is full or the writer closed. */
    public boolean offer(Frame frame) {
        return offer(frame, true);
    }

    /**
     * Queues a frame the impairment leaves alone (counted as written whole), in order with the
     * others: for exchanges a scenario wants clean, such as a radio's answers to the gateway's
     * start-up AT commands.
     */
    public boolean offerUnimpaired(Frame frame) {
        return offer(frame, false);
    }

    private boolean offer(Frame frame, boolean impaired) {
        Objects.requireNonNull(frame, "frame");
        if (!enqueue(new Entry(frame, impaired, null))) {
            return false;
        }
        framesQueued.incrementAndGet();
        return true;
    }

    /**
     * Queues bytes to be written exactly as given, in order with the frames, never impaired:
     * for tests that put noise, half frames or garbage of their own choosing on the line.
     */
    public boolean offerRaw(byte[] bytes) {
        return enqueue(new Entry(null, false, bytes.clone()));
    }

    private boolean enqueue(Entry entry) {
        if (closed) {
            queueOverflows.incrementAndGet();
            return false;
        }
        pending.incrementAndGet();
        if (!queue.offer(entry)) {
            pending.decrementAndGet();
            queueOverflows.incrementAndGet();
            return false;
        }
        return true;
    }

    /** Entries queued or being written; 0 once everything offered is on the line (or dropped). */
    public int pending() {
        return pending.get();
    }

    public LineImpairment impairment() {
        return impairment;
    }

    public Counters counters() {
        return new Counters(framesQueued.get(), framesWritten.get(), bytesWritten.get(), framesDropped.get(),
                framesCorrupted.get(), halfFrames.get(), noiseBursts.get(), noiseBytes.get(), rawWrites.get(),
                queueOverflows.get(), writeErrors.get());
    }

    private void run() {
        try {
            while (true) {
                Entry entry = queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (entry == null) {
                    if (closed) {
                        return; // everything queued before close() is written
                    }
                    continue;
                }
                try {
                    if (entry.frame() == null) {
                        write(entry.raw());
                        rawWrites.incrementAndGet();
                    } else if (entry.impaired()) {
                        writeImpaired(entry.frame());
                    } else {
                        write(entry.frame().wire());
                        framesWritten.incrementAndGet();
                    }
                } catch (IOException e) {
                    writeErrors.incrementAndGet();
                    LOG.debug("virtual line write failed: {}", e.toString());
                } catch (RuntimeException e) {
                    writeErrors.incrementAndGet();
                    LOG.warn("virtual line write failed", e);
                } finally {
                    pending.decrementAndGet();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void writeImpaired(Frame frame) throws IOException {
        if (chance(impairment.dropPercent())) {
            framesDropped.incrementAndGet();
            return;
        }
        if (chance(impairment.noisePercent())) {
            byte[] noise = new byte[1 + random.nextInt(MAX_NOISE_BURST)];
            random.nextBytes(noise);
            write(noise);
            noiseBursts.incrementAndGet();
            noiseBytes.addAndGet(noise.length);
        }
        boolean corrupt = chance(impairment.corruptPercent());
        byte[] wire = corrupt ? frame.corrupted(random) : frame.wire();
        if (chance(impairment.halfFramePercent()) && wire.length > 1) {
            write(Arrays.copyOf(wire, 1 + random.nextInt(wire.length - 1)));
            halfFrames.incrementAndGet();
            return;
        }
        write(wire);
        if (corrupt) {
            framesCorrupted.incrementAndGet();
        } else {
            framesWritten.incrementAndGet();
        }
    }

    private void write(byte[] bytes) throws IOException {
        sink.write(bytes);
        bytesWritten.addAndGet(bytes.length);
    }

    private boolean chance(double percent) {
        return percent > 0 && random.nextDouble() * 100 < percent;
    }

    /**
     * Stops the writer after the entries already queued (so noise a test injected last is on
     * the line before the line closes), waiting at most a second for them.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            thread.join(1_000 + IDLE_POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            thread.interrupt(); // stuck in a write to a line nobody reads
        }
    }
}
