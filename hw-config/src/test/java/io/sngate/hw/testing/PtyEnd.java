package io.sngate.hw.testing;

import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeoutException;

/**
 * The test's own end of a pseudo-terminal: raw writes, and reads collected by a background
 * thread so a test can wait for bytes with a deadline instead of blocking for ever.
 * (FileInputStream.readNBytes fails on a tty in Java 17: it tries to seek.)
 */
public final class PtyEnd implements AutoCloseable {

    private final FileOutputStream out;
    private final FileInputStream in;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final Thread reader;
    private volatile boolean closed;

    public PtyEnd(Path tty) {
        try {
            this.out = new FileOutputStream(tty.toFile());
            this.in = new FileInputStream(tty.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.reader = new Thread(this::read, "pty-end-" + tty.getFileName());
        this.reader.setDaemon(true);
        this.reader.start();
    }

    private void read() {
        byte[] chunk = new byte[4096];
        try {
            int n;
            while (!closed && (n = in.read(chunk)) >= 0) {
                synchronized (buffer) {
                    buffer.write(chunk, 0, n);
                    buffer.notifyAll();
                }
            }
        } catch (IOException e) {
            // the pty went away (socat stopped) or this end was closed
        }
    }

    public void write(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Everything read so far and not yet taken. */
    public byte[] available() {
        synchronized (buffer) {
            return buffer.toByteArray();
        }
    }

    /** Waits until {@code n} bytes were read and takes exactly those. */
    public byte[] take(int n, Duration timeout) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (buffer) {
            while (buffer.size() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("wanted " + n + " bytes, have " + buffer.size());
                }
                buffer.wait(Math.max(1, left / 1_000_000));
            }
            byte[] all = buffer.toByteArray();
            buffer.reset();
            buffer.write(all, n, all.length - n);
            return Arrays.copyOf(all, n);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            out.close();
        } catch (IOException e) {
            // closing anyway
        }
        try {
            in.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
