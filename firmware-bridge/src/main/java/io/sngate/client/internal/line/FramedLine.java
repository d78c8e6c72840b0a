package io.sngate.client.internal.line;

import io.sngate.client.ClientRuntime;
import io.sngate.client.serial.LineCounters;
import io.sngate.client.serial.PortOptions;
import io.sngate.hw.serial.ReconnectingSerialLine;
import io.sngate.hw.serial.SerialException;
import io.sngate.hw.serial.SerialLine;
import io.sngate.hw.serial.SerialWriter;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A serial line whose bytes are cut into frames on the line's reader thread and handed, one
 * task per frame, to a {@link ClientRuntime}, where the owner handles them without locks.
 *
 * <p>The decoder is shared by the reader thread (bytes) and the runtime thread (the silence
 * timer, which ends a partial frame once the line has been quiet for
 * {@link PortOptions#silenceMillis()}), so both take {@link #lock}; neither holds it for more
 * than one chunk. Silence is judged on the runtime's clock, so a test with a manual clock
 * decides when a fragment is stale.
 *
 * <p>The hand-off is bounded: at most {@link PortOptions#maxPendingFrames()} frames wait for
 * the runtime; beyond that a frame is dropped and counted rather than queued without limit.
 */
final class FramedLine<F> implements SerialLine.Listener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FramedLine.class);

    /** Frames that may wait for the UART: at 9 600 baud, several seconds of replies. */
    static final int WRITE_QUEUE_FRAMES = 256;

    private final String name;
    private final ClientRuntime runtime;
    private final PortOptions options;
    private final Consumer<F> handler;
    private final StreamDecoder decoder;
    private final Object lock = new Object();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong overflows = new AtomicLong();
    private final AtomicLong writeFailures = new AtomicLong();
    private long silenceResets;
    private long lastBytesAt;
    private boolean silenceTimerArmed;
    private volatile SerialLine line;
    private volatile SerialWriter writer;
    private volatile boolean closed;

    /**
     * @param decoderFactory builds the decoder around the sink each frame must go to
     * @param handler        runs on the runtime thread, once per frame
     */
    FramedLine(String name, ClientRuntime runtime, PortOptions options,
               Function<Consumer<F>, StreamDecoder> decoderFactory, Consumer<F> handler) {
        this.name = Objects.requireNonNull(name, "name");
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        this.options = Objects.requireNonNull(options, "options");
        this.handler = Objects.requireNonNull(handler, "handler");
        this.decoder = decoderFactory.apply(this::handOff);
    }

    /** @param presence the owner's ear for the port going away and coming back, told after the line's own */
    void open(LineOpener opener, ReconnectingSerialLine.State presence) throws SerialException {
        SerialLine opened = opener.open(this, new ReconnectingSerialLine.State() {
            @Override
            public void onDown(IOException cause, long retryInMillis) {
                presence.onDown(cause, retryInMillis);
            }

            @Override
            public void onUp() {
                onReopened();
                presence.onUp();
            }
        });
        line = opened;
        // Writes leave from a thread of the line's own: the runtime is an event loop for every
        // device and socket it carries, and a UART write blocks once the driver's buffer is full.
        writer = new SerialWriter(name, opened, WRITE_QUEUE_FRAMES, new SerialWriter.Outcomes() {
            @Override
            public void queueFull(byte[] frame) {
                writeFailures.incrementAndGet();
            }

            @Override
            public void writeFailed(byte[] frame, IOException cause) {
                writeFailures.incrementAndGet();
                LOG.debug("{}: frame of {} bytes not written: {}", name, frame.length, cause.getMessage());
            }
        });
    }

    String name() {
        return name;
    }

    @Override
    public void onBytes(byte[] buffer, int offset, int length) {
        synchronized (lock) {
            long now = runtime.now();
            if (decoder.buffered() > 0 && now - lastBytesAt >= options.silenceMillis()) {
                // The silence timer may not have run yet (a busy runtime): the rule is the same.
                silenceResets++;
                decoder.reset();
            }
            lastBytesAt = now;
            decoder.feed(buffer, offset, length);
            armSilenceTimer(now + options.silenceMillis());
        }
    }

    @Override
    public void onClosed(IOException cause) {
        if (cause != null && !closed) {
            LOG.warn("{}: serial line stopped: {}", name, cause.getMessage());
        }
    }

    private void onReopened() {
        synchronized (lock) {
            if (decoder.buffered() > 0) {
                silenceResets++;
                decoder.reset(); // bytes from before the port went away end no frame
            }
        }
    }

    /** Called with the lock held. */
    private void armSilenceTimer(long deadline) {
        if (silenceTimerArmed || decoder.buffered() == 0 || closed) {
            return;
        }
        silenceTimerArmed = true;
        try {
            runtime.schedule(deadline, this::onSilenceTimer);
        } catch (IllegalStateException runtimeStopped) {
            silenceTimerArmed = false;
        }
    }

    private void onSilenceTimer() {
        synchronized (lock) {
            silenceTimerArmed = false;
            if (decoder.buffered() == 0) {
                return;
            }
            long quietSince = lastBytesAt;
            if (runtime.now() - quietSince >= options.silenceMillis()) {
                silenceResets++;
                decoder.reset();
            }
            armSilenceTimer(lastBytesAt + options.silenceMillis());
        }
    }

    /** The decoder's sink: runs with the lock held, on the reader or the runtime thread. */
    private void handOff(F frame) {
        if (pending.incrementAndGet() > options.maxPendingFrames()) {
            pending.decrementAndGet();
            long dropped = overflows.incrementAndGet();
            if (Long.bitCount(dropped) == 1) { // 1st, 2nd, 4th, 8th...: visible without flooding
                LOG.warn("{}: {} frame(s) dropped so far: {} already wait for the runtime", name, dropped,
                        options.maxPendingFrames());
            }
            return;
        }
        try {
            runtime.execute(() -> {
                pending.decrementAndGet();
                handler.accept(frame);
            });
        } catch (IllegalStateException runtimeStopped) {
            pending.decrementAndGet();
        }
    }

    /**
     * Queues {@code bytes} for the port; never blocks. Throws when the port is closed or the
     * write queue is full (counted); a port that fails the write later is counted too.
     */
    void write(byte[] bytes) throws IOException {
        SerialWriter current = writer;
        if (current == null || closed) {
            writeFailures.incrementAndGet();
            throw new SerialException(name, "the port is closed");
        }
        if (!current.offer(bytes)) {
            throw new SerialException(name, "write queue of " + WRITE_QUEUE_FRAMES + " frames is full");
        }
    }

    boolean isOpen() {
        SerialLine current = line;
        return current != null && current.isOpen() && !closed;
    }

    LineCounters counters() {
        synchronized (lock) {
            return new LineCounters(decoder.frames(), decoder.bytesDiscarded(), decoder.badFrames(), silenceResets,
                    overflows.get(), writeFailures.get(), decoder.buffered());
        }
    }

    @Override
    public void close() {
        closed = true;
        SerialWriter queued = writer;
        if (queued != null) {
            queued.close();
        }
        SerialLine current = line;
        if (current != null) {
            current.close();
        }
    }
}
