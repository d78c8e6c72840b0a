package io.sngate.gateway.transport;

import io.sngate.gateway.Metrics;
import io.sngate.gateway.WarnLimiter;
import io.sngate.hw.ReconnectBackoff;
import io.sngate.hw.serial.ReconnectingSerialLine;
import io.sngate.hw.serial.SerialBackend;
import io.sngate.hw.serial.SerialException;
import io.sngate.hw.serial.SerialLine;
import io.sngate.hw.serial.SerialSettings;
import io.sngate.hw.serial.SerialWriter;
import java.io.IOException;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A transport's serial port: kept open across unplugging ({@link ReconnectingSerialLine}),
 * read on its reader thread, written by a {@link SerialWriter} thread (a UART must never hold up
 * an event loop). Counters under the prefix: {@code .port_lost}, {@code .sent_frames},
 * {@code .dropped_queue_full}, {@code .dropped_port_down}. What the serial and XBee
 * transports share; each keeps its own decoder, which the reader thread alone touches.
 */
final class OpenLine implements AutoCloseable {

    /** Bytes from the port, on its reader thread. */
    @FunctionalInterface
    interface Reader {
        /**
         * @param stale the port went down or came back since the last read: bytes buffered
         *              towards a frame belong to a frame that will never be finished
         */
        void onBytes(byte[] buffer, int offset, int length, boolean stale);
    }

    private final ReconnectingSerialLine line;
    private final SerialWriter writer;
    /** Set by the reopen timer's thread, read by the reader thread. */
    private volatile boolean stale;

    private OpenLine(String name, String prefix, SerialSettings settings, ScheduledExecutorService timers,
                     ReconnectBackoff backoff, Metrics metrics, WarnLimiter warnings, int writeQueueFrames,
                     Reader reader, ReconnectingSerialLine.State presence) throws SerialException {
        this.line = ReconnectingSerialLine.open(SerialBackend.of(settings.backend()), settings,
                new SerialLine.Listener() {
                    @Override
                    public void onBytes(byte[] buffer, int offset, int length) {
                        boolean wasStale = stale;
                        if (wasStale) {
                            stale = false;
                        }
                        reader.onBytes(buffer, offset, length, wasStale);
                    }

                    @Override
                    public void onClosed(IOException cause) {
                        // Only at close(): ReconnectingSerialLine reports a lost port through its State.
                    }
                }, new ReconnectingSerialLine.State() {
                    @Override
                    public void onDown(IOException cause, long retryInMillis) {
                        metrics.count(prefix + ".port_lost");
                        stale = true;
                        presence.onDown(cause, retryInMillis);
                    }

                    @Override
                    public void onUp() {
                        // Before the owner hears of it: what it asks the port now is read by a fresh decoder.
                        stale = true;
                        presence.onUp();
                    }
                }, timers, backoff);
        String queueFull = prefix + ".dropped_queue_full";
        String portDown = prefix + ".dropped_port_down";
        String sent = prefix + ".sent_frames";
        this.writer = new SerialWriter(name, line, writeQueueFrames, new SerialWriter.Outcomes() {
            @Override
            public void queueFull(byte[] frame) {
                metrics.count(queueFull);
                warnings.warn(queueFull, () -> "line " + name + ": write queue of " + writeQueueFrames
                        + " frames full, frame of " + frame.length + " bytes dropped (" + queueFull + ")");
            }

            @Override
            public void writeFailed(byte[] frame, IOException cause) {
                metrics.count(portDown);
                warnings.warn(portDown, () -> "line " + name + ": frame of " + frame.length + " bytes not written: "
                        + cause.getMessage() + " (" + portDown + ")");
            }

            @Override
            public void written(byte[] frame) {
                metrics.count(sent);
                metrics.count(Metrics.SENT_PACKETS);
            }

            @Override
            public void closed(byte[] frame) {
                metrics.count(Metrics.DROPPED_TRANSPORT_CLOSED);
            }
        });
    }

    /**
     * Opens the port now; a port that is missing or refuses its settings is an error naming the
     * path. Counters go under {@code prefix}: {@code .port_lost} and the writer's.
     */
    static OpenLine open(String name, String prefix, SerialSettings settings, ScheduledExecutorService timers,
                         ReconnectBackoff backoff, Metrics metrics, WarnLimiter warnings, int writeQueueFrames,
                         Reader reader) throws SerialException {
        return open(name, prefix, settings, timers, backoff, metrics, warnings, writeQueueFrames, reader,
                new ReconnectingSerialLine.State() { });
    }

    /**
     * As {@link #open(String, String, SerialSettings, ScheduledExecutorService, ReconnectBackoff, Metrics,
     * WarnLimiter, int, Reader)}, telling {@code presence} when the port goes away and when it is back
     * (on the line's threads: the reader's for a loss, the reopen timer's for a return).
     */
    static OpenLine open(String name, String prefix, SerialSettings settings, ScheduledExecutorService timers,
                         ReconnectBackoff backoff, Metrics metrics, WarnLimiter warnings, int writeQueueFrames,
                         Reader reader, ReconnectingSerialLine.State presence) throws SerialException {
        return new OpenLine(name, prefix, settings, timers, backoff, metrics, warnings, writeQueueFrames, reader,
                presence);
    }

    /** Queues one complete frame for the port; never blocks. False when it was dropped (and counted). */
    boolean write(byte[] frame) {
        return writer.offer(frame);
    }

    /** True while the port is open (false between its loss and its reopening). */
    boolean isOpen() {
        return line.isOpen();
    }

    @Override
    public void close() {
        writer.close();
        line.close();
    }
}
