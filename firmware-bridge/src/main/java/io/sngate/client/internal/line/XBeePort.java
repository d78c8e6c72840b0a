package io.sngate.client.internal.line;

import io.sngate.client.ClientRuntime;
import io.sngate.client.serial.LineCounters;
import io.sngate.client.serial.PortOptions;
import io.sngate.codec.DecodeException;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.codec.xbee.XBeeFrame;
import io.sngate.codec.xbee.XBeeFrameCodec;
import io.sngate.codec.xbee.XBeeFrameDecoder;
import io.sngate.hw.serial.ReconnectingSerialLine;
import io.sngate.hw.serial.SerialException;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serial port of an XBee radio in API mode (AP=1 or AP=2): frames found by
 * {@link XBeeFrameDecoder} (which skips noise, bad checksums and half frames) reach the handler
 * on the runtime thread; {@link #write} encodes a frame for the radio's mode.
 */
public final class XBeePort implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(XBeePort.class);

    private final FramedLine<XBeeFrame> line;
    private final ApiMode mode;
    private final AtomicInteger frameIds = new AtomicInteger();

    private XBeePort(FramedLine<XBeeFrame> line, ApiMode mode) {
        this.line = line;
        this.mode = mode;
    }

    /**
     * Opens the radio's port and starts decoding.
     *
     * @param options {@link PortOptions#maxFrameSize()} bounds the frame data accepted
     * @param frames  runs on {@code runtime}'s thread with each decoded frame
     * @throws SerialException naming the path when the port cannot be opened
     */
    public static XBeePort open(LineOpener opener, ApiMode mode, ClientRuntime runtime, PortOptions options,
                                Consumer<XBeeFrame> frames) throws SerialException {
        return open(opener, mode, runtime, options, frames, LineOpener.NO_PRESENCE);
    }

    /**
     * As {@link #open(LineOpener, ApiMode, ClientRuntime, PortOptions, Consumer)}, telling
     * {@code presence} (on a line thread) when a reconnecting port goes away and when it is back:
     * the radio behind a port that came back may be another one, or set up otherwise.
     */
    public static XBeePort open(LineOpener opener, ApiMode mode, ClientRuntime runtime, PortOptions options,
                                Consumer<XBeeFrame> frames, ReconnectingSerialLine.State presence)
            throws SerialException {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(presence, "presence");
        String name = opener.settings().path();
        int maxFrameData = Math.min(options.maxFrameSize(), XBeeFrameCodec.MAX_FRAME_DATA_LENGTH);
        FramedLine<XBeeFrame> line = new FramedLine<>(name, runtime, options,
                sink -> new Decoder(new XBeeFrameDecoder(mode, maxFrameData, new XBeeFrameDecoder.Listener() {
                    @Override
                    public void onFrame(XBeeFrame frame) {
                        sink.accept(frame);
                    }

                    @Override
                    public void onMalformed(DecodeException error) {
                        LOG.debug("{}: skipped an intact but malformed API frame: {}", name, error.getMessage());
                    }
                })),
                frames);
        line.open(opener, presence);
        return new XBeePort(line, mode);
    }

    public String name() {
        return line.name();
    }

    public ApiMode mode() {
        return mode;
    }

    /** The next frame id for a request that wants a status back: 1..255, never 0 ("no status"). */
    public int nextFrameId() {
        return frameIds.updateAndGet(id -> id % 255 + 1);
    }

    /** Encodes {@code frame} for the radio's API mode and writes it; throws when the port is gone. */
    public void write(XBeeFrame frame) throws IOException {
        line.write(XBeeFrameCodec.encode(frame, mode));
    }

    /** Writes a frame already encoded for the radio's mode (local AT commands come encoded). */
    public void writeEncoded(byte[] frame) throws IOException {
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

    private record Decoder(XBeeFrameDecoder decoder) implements StreamDecoder {
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
            return decoder.bufferedBytes();
        }

        @Override
        public long frames() {
            return decoder.framesDecoded();
        }

        @Override
        public long bytesDiscarded() {
            return decoder.bytesDiscarded();
        }

        @Override
        public long badFrames() {
            return decoder.badChecksums() + decoder.oversizedFrames() + decoder.malformedFrames()
                    + decoder.abandonedFrames();
        }
    }
}
