package io.sngate.testing;

import io.sngate.codec.Bytes;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.codec.xbee.XBeeFrame;
import io.sngate.codec.xbee.XBeeFrame.AtCommand;
import io.sngate.codec.xbee.XBeeFrame.AtCommandResponse;
import io.sngate.codec.xbee.XBeeFrameCodec;
import io.sngate.codec.xbee.XBeeFrameDecoder;
import io.sngate.hw.testing.PtyEnd;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/** Reads what the code under test wrote to the test's end of a pseudo-terminal, one frame at a time. */
public final class Frames {

    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Frames() {
    }

    /** The next MQTT-SN packet on a line the code under test writes cleanly (by its Length field). */
    public static byte[] nextPacket(PtyEnd end) throws TimeoutException, InterruptedException {
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        byte[] first = end.take(1, TIMEOUT);
        packet.writeBytes(first);
        int total = first[0] & 0xFF;
        if (total == 0x01) {
            byte[] length = end.take(2, TIMEOUT);
            packet.writeBytes(length);
            total = (length[0] & 0xFF) << 8 | (length[1] & 0xFF);
        }
        packet.writeBytes(end.take(total - packet.size(), TIMEOUT));
        return packet.toByteArray();
    }

    /** A radio's view of its serial port: API frames decoded as the radio would. */
    public static final class RadioEnd {

        /** What an XBee 3 coordinator in API mode 2 answers the bridge's start-up questions. */
        public static final Map<String, Bytes> COORDINATOR = Map.of("AP", Bytes.fromHex("02"),
                "SH", Bytes.fromHex("0013A200"), "SL", Bytes.fromHex("40000001"), "VR", Bytes.fromHex("100B"),
                "HV", Bytes.fromHex("4247"), "NP", Bytes.fromHex("54"));

        private final PtyEnd end;
        private final ApiMode mode;
        private final Deque<XBeeFrame> frames = new ArrayDeque<>();
        private final XBeeFrameDecoder decoder;

        public RadioEnd(PtyEnd end, ApiMode mode) {
            this.end = end;
            this.mode = mode;
            this.decoder = new XBeeFrameDecoder(mode, frames::add);
        }

        /**
         * Answers the next {@code count} frames, which must be local AT queries, as a radio would:
         * with the value in {@code values}, or with status 2 (invalid command) for one it lacks.
         *
         * @return the commands asked, in order
         */
        public List<String> answerQueries(int count, Map<String, Bytes> values)
                throws TimeoutException, InterruptedException {
            List<String> asked = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                AtCommand query = next(AtCommand.class);
                asked.add(query.command());
                Bytes value = values.get(query.command());
                end.write(XBeeFrameCodec.encode(value != null
                        ? new AtCommandResponse(query.frameId(), query.command(), AtCommandResponse.STATUS_OK, value)
                        : new AtCommandResponse(query.frameId(), query.command(),
                                AtCommandResponse.STATUS_INVALID_COMMAND, Bytes.EMPTY), mode));
            }
            return asked;
        }

        public XBeeFrame next() throws TimeoutException, InterruptedException {
            while (frames.isEmpty()) {
                decoder.feed(end.take(1, TIMEOUT));
            }
            return frames.poll();
        }

        public <F extends XBeeFrame> F next(Class<F> type) throws TimeoutException, InterruptedException {
            XBeeFrame frame = next();
            if (!type.isInstance(frame)) {
                throw new AssertionError("expected a " + type.getSimpleName() + ", got " + frame);
            }
            return type.cast(frame);
        }

        public XBeeFrameDecoder decoder() {
            return decoder;
        }
    }
}
