package io.sngate.client.internal.line;

import io.sngate.client.ClientRuntime;
import io.sngate.client.serial.LineCounters;
import io.sngate.client.serial.PortOptions;
import io.sngate.codec.frame.SerialFrameDecoder;
import io.sngate.hw.serial.SerialException;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * A serial line carrying MQTT-SN packets back to back, delimited only by their own Length
 * field (a microcontroller's UART). Frames are found by {@link SerialFrameDecoder}, which
 * resynchronises after noise; each whole frame reaches the handler on the runtime thread.
 * Sending is writing the packet's bytes.
 */
public final class MqttSnSerialPort implements AutoCloseable {

    private final FramedLine<byte[]> line;

    private MqttSnSerialPort(FramedLine<byte[]> line) {
        this.line = line;
    }

    /**
     * Opens the line and starts decoding.
     *
     * @param frames runs on {@code runtime}'s thread with each frame (an array it owns)
     * @throws SerialException naming the path when the port cannot be opened
     */
    public static MqttSnSerialPort open(LineOpener opener, ClientRuntime runtime, PortOptions options,
                                        Consumer<byte[]> frames) throws SerialException {
        int maxFrame = Math.min(options.maxFrameSize(), SerialFrameDecoder.MAX_MAX_FRAME_SIZE);
        FramedLine<byte[]> line = new FramedLine<>(opener.settings().path(), runtime, options,
                sink -> new Decoder(new SerialFrameDecoder(maxFrame, SerialFrameDecoder.FrameValidator.MQTT_SN_12,
                        sink::accept)),
                frames);
        line.open(opener, LineOpener.NO_PRESENCE);
        return new MqttSnSerialPort(line);
    }

    /** The port's path. */
    public String name() {
        return line.name();
    }

    /** Writes one frame (a whole packet); throws when the port is gone, counting the failure. */
    public void write(byte[] frame) throws IOException {
        line.write(frame);
    }

    public boolean isOpen() {
        return line.isOpen();
    }

    public LineCounters counters() {
        return line.counters();
    }

    @Override
    public void close() {
        line.close();
    }

    private record Decoder(SerialFrameDecoder decoder) implements StreamDecoder {
        @Override
        public void feed(byte[] chunk, int offset, int length) {
            decoder.feed(chunk, offset, length);
        }

        @Override
        public void reset() {
            decoder.reset();
        }

        @Override
        public int buffered() {
            return decoder.buffered();
        }

        @Override
        public long frames() {
            return decoder.counters().framesDelivered();
        }

        @Override
        public long bytesDiscarded() {
            return decoder.counters().bytesDiscarded();
        }

        @Override
        public long badFrames() {
            SerialFrameDecoder.Counters c = decoder.counters();
            return c.framesRejected() + c.oversizeHeaders();
        }
    }
}
