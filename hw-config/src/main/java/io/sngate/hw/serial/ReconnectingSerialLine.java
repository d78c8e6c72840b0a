package io.sngate.hw.serial;

import io.sngate.hw.ReconnectBackoff;
import java.io.IOException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A serial line that stays open: when the port disappears (USB adapter unplugged, radio
 * power-cycled) it logs one WARN line naming the port and the reason and reopens it with
 * capped, jittered backoff, logging again when the port is back. Bytes keep flowing to the same
 * {@link SerialLine.Listener}; {@link State} tells the owner when the line goes down and up.
 *
 * <p>The first open is not retried: a port missing at start is a configuration error the user
 * must see at once, so {@link #open} throws the {@link SerialException} naming the path.
 * While the port is down, {@link #write} throws {@link SerialException} ("disconnected"); the
 * caller counts what it could not send.
 *
 * <p>A port that goes away while the line is being closed, or while the JVM shuts down, is not
 * lost: on SIGTERM jSerialComm's own shutdown hook closes every port, often before the owner's
 * hook gets to {@link #close}. Then nothing is logged as a loss, nothing reopens, and the line
 * ends as if closed (the listener hears {@code onClosed(null)}, once).
 */
public final class ReconnectingSerialLine implements SerialLine {

    private static final Logger LOG = LoggerFactory.getLogger(ReconnectingSerialLine.class);

    /** What the owner hears about the port's presence; called on the line's threads. */
    public interface State {
        /** The port went away; the line tries again in {@code retryInMillis}. */
        default void onDown(IOException cause, long retryInMillis) {
        }

        /** The port is open again after being down. */
        default void onUp() {
        }
    }

    private final SerialBackend backend;
    private final SerialSettings settings;
    private final SerialLine.Listener listener;
    private final State state;
    private final ScheduledExecutorService timers;
    private final ReconnectBackoff backoff;
    private final BooleanSupplier jvmShuttingDown;
    private final Object lock = new Object();
    private SerialLine current;
    private ScheduledFuture<?> retry;
    private int attempt;
    private boolean closed;

    private ReconnectingSerialLine(SerialBackend backend, SerialSettings settings, SerialLine.Listener listener,
            State state, ScheduledExecutorService timers, ReconnectBackoff backoff, BooleanSupplier jvmShuttingDown) {
        this.backend = backend;
        this.settings = settings;
        this.listener = listener;
        this.state = state;
        this.timers = timers;
        this.backoff = backoff;
        this.jvmShuttingDown = jvmShuttingDown;
    }

    /**
     * Opens the port now (throwing when it cannot be opened) and keeps it open from then on.
     *
     * @param timers schedules the reopen attempts (a single thread is plenty for every port)
     */
    public static ReconnectingSerialLine open(SerialBackend backend, SerialSettings settings,
            SerialLine.Listener listener, State state, ScheduledExecutorService timers, ReconnectBackoff backoff)
            throws SerialException {
        return open(backend, settings, listener, state, timers, backoff, ReconnectingSerialLine::jvmShuttingDown);
    }

    /** As the public {@code open}, with {@code jvmShuttingDown} telling whether the JVM shuts down (tests fake it). */
    static ReconnectingSerialLine open(SerialBackend backend, SerialSettings settings, SerialLine.Listener listener,
            State state, ScheduledExecutorService timers, ReconnectBackoff backoff, BooleanSupplier jvmShuttingDown)
            throws SerialException {
        ReconnectingSerialLine line = new ReconnectingSerialLine(backend, settings, listener, state, timers, backoff,
                jvmShuttingDown);
        synchronized (line.lock) {
            line.current = backend.open(settings, line.new Forwarding());
        }
        return line;
    }

    /**
     * Whether the JVM is shutting down. Java has no query for it, but once shutdown began a
     * shutdown hook can be neither added nor removed: both throw {@link IllegalStateException}.
     */
    static boolean jvmShuttingDown() {
        Thread probe = new Thread(() -> { }, "shutdown-probe");
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException shuttingDown) {
            return true;
        }
    }

    /** Forwards bytes; turns the underlying line's end into a reopen schedule. */
    private final class Forwarding implements SerialLine.Listener {
        @Override
        public void onBytes(byte[] buffer, int offset, int length) {
            listener.onBytes(buffer, offset, length);
        }

        @Override
        public void onClosed(IOException cause) {
            if (cause == null) {
                return; // our own close()
            }
            if (jvmShuttingDown.getAsBoolean()) {
                endAtShutdown(cause);
                return;
            }
            long delay;
            synchronized (lock) {
                if (closed) {
                    return;
                }
                current = null;
                delay = backoff.delayMillis(attempt++);
                retry = timers.schedule(ReconnectingSerialLine.this::reopen, delay, TimeUnit.MILLISECONDS);
            }
            LOG.warn("serial port {} lost: {}; reopening in {} ms", settings.path(), cause.getMessage(), delay);
            state.onDown(cause, delay);
        }
    }

    /**
     * The port went away because the JVM goes away (jSerialComm's shutdown hook closes every port):
     * the line ends as if closed, since the owner's {@link #close} may come after or never.
     */
    private void endAtShutdown(IOException cause) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            current = null;
            if (retry != null) {
                retry.cancel(false);
                retry = null;
            }
        }
        LOG.debug("serial port {} closed as the JVM shuts down ({})", settings.path(),
                cause == null ? "while down" : cause.getMessage());
        listener.onClosed(null);
    }

    private void reopen() {
        if (jvmShuttingDown.getAsBoolean()) {
            endAtShutdown(null);
            return;
        }
        SerialLine line;
        try {
            line = backend.open(settings, new Forwarding());
        } catch (SerialException e) {
            long delay;
            synchronized (lock) {
                if (closed) {
                    return;
                }
                delay = backoff.delayMillis(attempt++);
                retry = timers.schedule(this::reopen, delay, TimeUnit.MILLISECONDS);
            }
            LOG.debug("serial port {} still unavailable ({}); next try in {} ms", settings.path(), e.getMessage(), delay);
            return;
        }
        synchronized (lock) {
            if (closed) {
                line.close();
                return;
            }
            current = line;
            attempt = 0;
            retry = null;
        }
        LOG.info("serial port {} is back ({})", settings.path(), settings.describe());
        state.onUp();
    }

    @Override
    public SerialSettings settings() {
        return settings;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        SerialLine line;
        synchronized (lock) {
            line = current;
        }
        if (line == null) {
            throw new SerialException(settings.path(), closed ? "the port is closed" : "disconnected, reopening");
        }
        line.write(bytes, offset, length);
    }

    /** True while the port is open (false while it is down between reopen attempts). */
    @Override
    public boolean isOpen() {
        synchronized (lock) {
            return current != null && current.isOpen();
        }
    }

    @Override
    public void close() {
        SerialLine line;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            line = current;
            current = null;
            if (retry != null) {
                retry.cancel(false);
            }
        }
        if (line != null) {
            line.close();
        }
        listener.onClosed(null);
    }
}
