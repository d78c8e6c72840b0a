package io.sngate.sim.serial;

import io.sngate.codec.frame.SerialFrameDecoder;
import io.sngate.hw.serial.SerialBackend;
import io.sngate.hw.serial.SerialLine;
import io.sngate.hw.serial.SerialSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The test plays the gateway's serial transport: jSerialComm on its pty end, frames split by the codec. */
final class SerialGatewaySide implements AutoCloseable {

    private final BlockingQueue<byte[]> frames = new LinkedBlockingQueue<>();
    private final Object lock = new Object();
    private final SerialFrameDecoder decoder = new SerialFrameDecoder(frames::add);
    private final SerialLine line;
    private long bytesRead;

    SerialGatewaySide(Path tty) {
        try {
            line = SerialBackend.of(SerialSettings.Backend.JSERIALCOMM).open(SerialSettings.of(tty.toString(), 9_600),
                    new SerialLine.Listener() {
                        @Override
                        public void onBytes(byte[] buffer, int offset, int length) {
                            synchronized (lock) {
                                decoder.feed(buffer, offset, length);
                                bytesRead += length;
                            }
                        }

                        @Override
                        public void onClosed(IOException cause) {
                        }
                    });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void send(byte[] frame) {
        try {
            line.write(frame);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    byte[] next(Duration timeout) throws InterruptedException {
        byte[] frame = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (frame == null) {
            throw new AssertionError("no frame from the line within " + timeout);
        }
        return frame;
    }

    int waiting() {
        return frames.size();
    }

    long bytesRead() {
        synchronized (lock) {
            return bytesRead;
        }
    }

    /** As the gateway's transport after a silent gap: the partial frame is dropped. */
    void gap() {
        synchronized (lock) {
            decoder.reset();
        }
    }

    SerialFrameDecoder.Counters counters() {
        synchronized (lock) {
            return decoder.counters();
        }
    }

    @Override
    public void close() {
        line.close();
    }
}
