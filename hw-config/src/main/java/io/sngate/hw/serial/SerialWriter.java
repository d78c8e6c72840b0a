package io.sngate.hw.serial;

import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes frames to a serial line from a thread of its own, so that an event loop never waits
 * for a UART: at 9 600 baud one 100-byte frame takes about 100 ms on the wire, and a port's
 * write blocks once the driver's buffer is full (or while flow control holds the line). One
 * writer per line, never one per device, with a bounded queue: a frame that finds it full is
 * refused at once and reported to {@link Outcomes#queueFull}, a frame the port refuses to
 * {@link Outcomes#writeFailed}; the owner counts both. Frames are written whole and in order.
 */
public final class SerialWriter implements AutoCloseable {

    /** What became of the frames; called on the offering thread (queue full) or the writer's. */
    public interface Outcomes {
        void queueFull(byte[] frame);

        void writeFailed(byte[] frame, IOException cause);

        default void written(byte[] frame) {
        }

        /** Offered after {@link #close()}: not written. */
        default void closed(byte[] frame) {
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(SerialWriter.class);
    private static final byte[] STOP = new byte[0];

    private final String name;
    private final SerialLine line;
    private final BlockingQueue<byte[]> queue;
    private final int capacity;
    private final Outcomes outcomes;
    private final Thread thread;
    private volatile boolean closed;

    /**
     * @param name     for the thread and logs, e.g. the port's path
     * @param capacity frames that may wait: a few seconds of traffic at the line's speed
     */
    public SerialWriter(String name, SerialLine line, int capacity, Outcomes outcomes) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
        }
        this.name = name;
        this.line = line;
        this.capacity = capacity;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.outcomes = outcomes;
        this.thread = new Thread(this::run, "sngate-write-" + name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Queues one complete frame; never blocks. False when it was refused (closed, or queue full). */
    public boolean offer(byte[] frame) {
        if (closed) {
            outcomes.closed(frame);
            return false;
        }
        if (!queue.offer(frame)) {
            outcomes.queueFull(frame);
            return false;
        }
        return true;
    }

    public int capacity() {
        return capacity;
    }

    /** Frames waiting to be written. */
    public int pending() {
        return queue.size();
    }

    private void run() {
        try {
            while (true) {
                byte[] frame = queue.take();
                if (frame == STOP) {
                    return;
                }
                try {
                    line.write(frame);
                    outcomes.written(frame);
                } catch (IOException e) {
                    outcomes.writeFailed(frame, e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes what is queued (waiting at most 500 ms), then stops the thread. */
    @Override
    public void close() {
        close(500);
    }

    public void close(long drainMillis) {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (!queue.offer(STOP, drainMillis, TimeUnit.MILLISECONDS)) {
                thread.interrupt();
            }
            thread.join(drainMillis);
            if (thread.isAlive()) {
                thread.interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int left = queue.size();
        if (left > 0) {
            LOG.warn("serial line {}: {} frames still queued at close were not written", name, left);
        }
    }
}
