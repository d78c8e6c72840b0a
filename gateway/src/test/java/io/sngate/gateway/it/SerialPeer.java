package io.sngate.gateway.it;

import io.sngate.codec.DecodeException;
import io.sngate.codec.frame.SerialFrameDecoder;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A device wired to the gateway by a serial line: raw MQTT-SN frames on the far end of a pty. */
final class SerialPeer implements AutoCloseable {

    private final FileOutputStream out;
    private final FileInputStream in;
    private final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
    private final SerialFrameDecoder decoder = new SerialFrameDecoder(received::add);
    private final Thread reader;
    private volatile boolean closed;

    SerialPeer(Path tty) {
        try {
            out = new FileOutputStream(tty.toFile());
            in = new FileInputStream(tty.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        reader = new Thread(this::read, "serial-peer");
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        byte[] chunk = new byte[1024];
        try {
            int n;
            while (!closed && (n = in.read(chunk)) >= 0) {
                decoder.feed(chunk, 0, n);
            }
        } catch (IOException e) {
            // closed
        }
    }

    void send(MqttSn12Message message) {
        writeRaw(MqttSn12Codec.INSTANCE.encode(message));
    }

    void writeRaw(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next frame as written by the gateway (a packet, or a forwarder frame). */
    byte[] nextRaw(Duration timeout) throws InterruptedException {
        byte[] frame = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (frame == null) {
            throw new AssertionError("no frame from the gateway within " + timeout);
        }
        return frame;
    }

    <T extends MqttSn12Message> T next(Class<T> type, Duration timeout) throws InterruptedException, DecodeException {
        MqttSn12Message message = MqttSn12Codec.INSTANCE.decode(nextRaw(timeout));
        if (!type.isInstance(message)) {
            throw new AssertionError("expected " + type.getSimpleName() + ", got " + message);
        }
        return type.cast(message);
    }

    @Override
    public void close() {
        closed = true;
        try {
            out.close();
            in.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
