package io.sngate.sim.radio;

import io.sngate.codec.xbee.ApiMode;
import io.sngate.codec.xbee.XBeeFrame;
import io.sngate.codec.xbee.XBeeFrameCodec;
import io.sngate.codec.xbee.XBeeFrameDecoder;
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

/**
 * The test plays the gateway: its end of the pty opened with jSerialComm as the gateway's XBee
 * transport opens it, every frame decoded with the codec and queued for the test.
 */
final class GatewaySide implements AutoCloseable {

    private final BlockingQueue<XBeeFrame> frames = new LinkedBlockingQueue<>();
    private final Object lock = new Object();
    private XBeeFrameDecoder decoder;
    private final SerialLine line;
    private volatile ApiMode mode;
    private long bytesRead;
    /** Sees each frame first; a frame it takes (true) is not queued. For XBeeAtCommands.onFrame. */
    private volatile java.util.function.Predicate<XBeeFrame> tap = frame -> false;

    GatewaySide(Path tty, ApiMode mode) {
        this.mode = mode;
        this.decoder = new XBeeFrameDecoder(mode, this::received);
        try {
            this.line = SerialBackend.of(SerialSettings.Backend.JSERIALCOMM).open(
                    SerialSettings.of(tty.toString(), 9_600), new SerialLine.Listener() {
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

    private void received(XBeeFrame frame) {
        if (!tap.test(frame)) {
            frames.add(frame);
        }
    }

    void tap(java.util.function.Predicate<XBeeFrame> taker) {
        this.tap = taker;
    }

    /** Encodes in this side's mode (the test may set it to talk to a radio in another mode). */
    void send(XBeeFrame frame) {
        sendRaw(XBeeFrameCodec.encode(frame, mode));
    }

    void sendRaw(byte[] bytes) {
        try {
            line.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Speaks and decodes {@code newMode} from now on, as a gateway would after changing AP. */
    void switchTo(ApiMode newMode) {
        synchronized (lock) {
            this.mode = newMode;
            this.decoder = new XBeeFrameDecoder(newMode, this::received);
        }
    }

    /** The next frame from the radio, or an AssertionError after the deadline. */
    XBeeFrame next(Duration timeout) throws InterruptedException {
        XBeeFrame frame = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (frame == null) {
            throw new AssertionError("no frame from the radio within " + timeout);
        }
        return frame;
    }

    @SuppressWarnings("unchecked")
    <T extends XBeeFrame> T next(Class<T> type, Duration timeout) throws InterruptedException {
        XBeeFrame frame = next(timeout);
        if (!type.isInstance(frame)) {
            throw new AssertionError("expected a " + type.getSimpleName() + ", got " + frame);
        }
        return (T) frame;
    }

    /** Frames received and not yet taken. */
    int waiting() {
        return frames.size();
    }

    /** Ends the frame in progress, as the gateway's transport does after a silent gap. */
    void gap() {
        synchronized (lock) {
            decoder.reset();
        }
    }

    /** Every byte read from the radio, for a test to know the line is drained. */
    long bytesRead() {
        synchronized (lock) {
            return bytesRead;
        }
    }

    XBeeFrameDecoder.Counters counters() {
        synchronized (lock) {
            return decoder.counters();
        }
    }

    @Override
    public void close() {
        line.close();
    }
}
