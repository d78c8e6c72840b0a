package io.sngate.gateway.transport;

import io.sngate.gateway.Metrics;
import io.sngate.gateway.WarnLimiter;
import io.sngate.hw.serial.SerialLine;
import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes frames to a serial line from a thread of its own, so that a session's event loop
 * never waits for a UART: at 9 600 baud one 100-byte frame takes about 100 ms on the wire,
 * and a port's write blocks once the driver's buffer is full. One writer per line (never one
 * per device), with a bounded queue: a frame that finds it full is counted under
 * {@code <prefix>.dropped_queue_full} and warned about, never silently lost; a frame the port
 * refuses (unplugged) is counted under {@code <prefix>.dropped_port_down}.
 */
final class LineWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LineWriter.class);
    private static final byte[] STOP = new byte[0];

    private final String name;
    private final SerialLine line;
    private final BlockingQueue<byte[]> queue;
    private final Metrics metrics;
    private final WarnLimiter warnings;
    private final String queueFullCounter;
    private final String portDownCounter;
    private final String sentCounter;
    private final Thread thread;
    private volatile boolean closed;

    /**
     * @param prefix counter prefix, e.g. {@code serial.sensors} or {@code xbee.radio}
     * @param capacity frames that may wait; a few seconds of traffic at the line's speed
     */
    LineWriter(String name, String prefix, SerialLine line, int capacity, Metrics metrics, WarnLimiter warnings) {
        this.name = name;
        this.line = line;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.metrics = metrics;
        this.warnings = warnings;
        this.queueFullCounter = prefix + ".dropped_queue_full";
        this.portDownCounter = prefix + ".dropped_port_down";
        this.sentCounter = prefix + ".sent_frames";
        this.thread = new Thread(this::run, "sngate-write-" + name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Queues one complete frame; never blocks. False when it was dropped (and counted). */
    boolean offer(byte[] frame) {
        if (closed) {
            metrics.count(Metrics.DROPPED_TRANSPORT_CLOSED);
            return false;
        }
        if (!queue.offer(frame)) {
            metrics.count(queueFullCounter);
            warnings.warn(queueFullCounter, () -> "line " + name + ": write queue of " + capacity()
                    + " frames full, frame of " + frame.length + " bytes dropped (" + queueFullCounter + ")");
            return false;
        }
        return true;
    }

    int capacity() {
        return queue.size() + queue.remainingCapacity();
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
                    metrics.count(sentCounter);
                    metrics.count(Metrics.SENT_PACKETS);
                } catch (IOException e) {
                    metrics.count(portDownCounter);
                    warnings.warn(portDownCounter, () -> "line " + name + ": frame of " + frame.length
                            + " bytes not written: " + e.getMessage() + " (" + portDownCounter + ")");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes what is queued (waiting at most {@code drainMillis}), then stops the thread. */
    @Override
    public void close() {
        close(500);
    }

    void close(long drainMillis) {
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
            LOG.warn("line {}: {} frames still queued at close were not written", name, left);
        }
    }
}
