package io.sngate.hw.serial;

import java.io.IOException;

/**
 * An open serial line. Bytes arrive on the line's own reader thread (one per port, never one
 * per device) through its {@link Listener}; writes may come from any thread and are
 * serialised by the line.
 */
public interface SerialLine extends AutoCloseable {

    /** Receives what the line reads, on the line's reader thread. */
    interface Listener {
        /** {@code buffer} is reused once this returns: copy what must be kept. */
        void onBytes(byte[] buffer, int offset, int length);

        /**
         * The line stopped: {@code cause} says why when the port failed or disappeared (e.g.
         * USB unplugged); it is null when {@link #close()} was called. Called at most once.
         */
        void onClosed(IOException cause);
    }

    SerialSettings settings();

    /** Writes all of {@code bytes[offset, offset+length)}; throws when the port is gone. */
    void write(byte[] bytes, int offset, int length) throws IOException;

    default void write(byte[] bytes) throws IOException {
        write(bytes, 0, bytes.length);
    }

    boolean isOpen();

    /** Closes the port and stops the reader; the listener then gets {@code onClosed(null)}. */
    @Override
    void close();
}
