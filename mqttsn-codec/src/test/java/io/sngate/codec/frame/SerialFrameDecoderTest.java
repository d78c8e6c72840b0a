package io.sngate.codec.frame;

import static io.sngate.codec.frame.SerialRun.concat;
import static io.sngate.codec.frame.SerialRun.hex;
import static io.sngate.codec.frame.SerialRun.hexList;
import static io.sngate.codec.frame.SerialRun.toHex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.frame.SerialFrameDecoder.Counters;
import io.sngate.codec.frame.SerialFrameDecoder.FrameValidator;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.PingResp;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.SearchGw;
import io.sngate.codec.v12.TopicIdType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Example-based tests of {@link SerialFrameDecoder}: chunking, resynchronisation, limits, reset. */
class SerialFrameDecoderTest {

    private static final MqttSn12Codec CODEC = MqttSn12Codec.INSTANCE;
    private static final int MAX = SerialFrameDecoder.DEFAULT_MAX_FRAME_SIZE;

    /** {@code 08 04 04 01 00 3C 63 31}; its Length byte 0x08 is also the WILLMSGREQ type code. */
    private static final byte[] CONNECT = CODEC.encode(new Connect(false, true, 60, "c1"));
    /** {@code 03 01 05}; its Length byte 0x03 is a reserved type code. */
    private static final byte[] SEARCHGW = CODEC.encode(new SearchGw(5));
    private static final byte[] PINGRESP = CODEC.encode(PingResp.INSTANCE);
    /** A 30-byte PUBLISH: Length 0x1E, a reserved type code. */
    private static final byte[] PUBLISH_30 = CODEC.encode(new Publish(false, QoS.AT_MOST_ONCE, false,
            TopicIdType.PREDEFINED, 1, 0, Bytes.wrap(filled(23, 0x41))));
    /** A 300-byte PUBLISH in the 3-byte length form: {@code 01 01 2C 0C ...}. */
    private static final byte[] PUBLISH_300 = CODEC.encode(new Publish(false, QoS.AT_LEAST_ONCE, false,
            TopicIdType.NORMAL, 0x0102, 0x0304, Bytes.wrap(filled(291, 0x61))));

    private static byte[] filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    private static Counters counters(long delivered, long discarded, long rejected, long oversize) {
        return new Counters(delivered, discarded, rejected, oversize);
    }

    @Test
    void vectorsAreWhatTheTestsAssume() {
        assertThat(toHex(CONNECT)).isEqualTo("08040401003c6331");
        assertThat(toHex(SEARCHGW)).isEqualTo("030105");
        assertThat(toHex(PINGRESP)).isEqualTo("0217");
        assertThat(PUBLISH_30).hasSize(30).startsWith(hex("1E 0C"));
        assertThat(PUBLISH_300).hasSize(300).startsWith(hex("01 01 2C 0C"));
    }

    // ================================================================== chunking

    @Test
    void framesComeOutTheSameWhateverTheChunking() {
        byte[] longFormConnect = Frames12.longForm(CONNECT);
        assertThat(toHex(longFormConnect)).isEqualTo("01000a040401003c6331");
        byte[] encapsulated = ForwarderEncapsulation.encode(1, Bytes.fromHex("0013A20041528A3C"), Bytes.wrap(CONNECT));
        List<byte[]> frames = List.of(CONNECT, PUBLISH_300, SEARCHGW, longFormConnect, PINGRESP, encapsulated,
                PUBLISH_30, hex("01 00 04 17"));
        byte[] stream = concat(frames);
        List<String> expected = hexList(frames);

        List<SerialRun> runs = List.of(
                new SerialRun(MAX).feed(stream),
                new SerialRun(MAX).feedByteByByte(stream),
                new SerialRun(MAX).feedInChunks(stream, List.of(3, 1, 7, 2, 64, 5)),
                new SerialRun(MAX).feedInChunks(stream, List.of(MAX)));
        for (SerialRun run : runs) {
            assertThat(run.frames()).isEqualTo(expected);
            assertThat(run.outcome().counters()).isEqualTo(counters(frames.size(), 0, 0, 0));
            assertThat(run.decoder().buffered()).isZero();
        }
    }

    @Test
    void threeByteLengthSplitAnywhereInItsHeader() {
        byte[] longFormConnect = Frames12.longForm(CONNECT);
        for (byte[] frame : List.of(PUBLISH_300, longFormConnect)) {
            byte[] stream = concat(frame, PINGRESP);
            for (int cut = 1; cut <= 4; cut++) {
                SerialRun run = new SerialRun(MAX).feed(stream, 0, cut);
                assertThat(run.frames()).isEmpty();
                assertThat(run.decoder().buffered()).isEqualTo(cut);
                run.feed(stream, cut, stream.length);
                assertThat(run.frames()).as("cut after %d bytes", cut).containsExactly(toHex(frame), toHex(PINGRESP));
                assertThat(run.decoder().counters()).isEqualTo(counters(2, 0, 0, 0));
            }
        }
        // split inside the length, and again between the length and the type
        SerialRun run = new SerialRun(MAX).feed(PUBLISH_300, 0, 2).feed(PUBLISH_300, 2, 3).feed(PUBLISH_300, 3, 300);
        assertThat(run.frames()).containsExactly(toHex(PUBLISH_300));
    }

    @Test
    void encapsulatedFramesOnTheLine() {
        List<byte[]> frames = List.of(
                hex("04 FE 00 42 08 04 04 01 00 3C 63 31"),
                hex("05 FE 03 12 34 09 0C 20 00 01 00 02 68 69"),
                hex("0B FE 01 00 13 A2 00 41 52 8A 3C 01 00 04 17"),
                hex("03 FE FD 02 17"),
                ForwarderEncapsulation.encode(0, Bytes.fromHex("0001"), Bytes.wrap(PUBLISH_300)),
                CONNECT);
        byte[] stream = concat(frames);
        assertThat(new SerialRun(MAX).feed(stream).frames()).isEqualTo(hexList(frames));
        SerialRun byteByByte = new SerialRun(MAX).feedByteByByte(stream);
        assertThat(byteByByte.frames()).isEqualTo(hexList(frames));
        assertThat(byteByByte.decoder().counters()).isEqualTo(counters(frames.size(), 0, 0, 0));
    }

    // ================================================================== resynchronisation

    @Test
    void garbageBeforeAndBetweenFramesIsCountedAndFramesAreFound() {
        byte[] stream = concat(hex("00 AB CD 1E"), SEARCHGW, hex("00 00 C8 D0 EE"), PUBLISH_30, hex("00 00"));
        for (SerialRun run : List.of(new SerialRun(MAX).feed(stream), new SerialRun(MAX).feedByteByByte(stream))) {
            assertThat(run.frames()).containsExactly(toHex(SEARCHGW), toHex(PUBLISH_30));
            assertThat(run.decoder().counters()).isEqualTo(counters(2, 4 + 5 + 2, 0, 0));
            assertThat(run.decoder().buffered()).isZero();
        }
    }

    @Test
    void aPlausibleButInvalidCandidateIsRejectedAndTheFrameInsideItFound() {
        // "05 0D" looks like a 5-byte PUBACK, whose five bytes include the SEARCHGW; PUBACK is 7 bytes
        byte[] stream = concat(hex("05 0D"), SEARCHGW);
        SerialRun run = new SerialRun(MAX).feedByteByByte(stream);
        assertThat(run.frames()).containsExactly(toHex(SEARCHGW));
        assertThat(run.decoder().counters()).isEqualTo(counters(1, 2, 1, 0));
    }

    @Test
    void aBogusLengthThatSwallowsTheNextFrameIsRecovered() {
        // 0x0A before the CONNECT reads as "0A 08": a 10-byte WILLMSGREQ covering the CONNECT
        byte[] stream = concat(CONNECT, hex("0A"), CONNECT, PINGRESP);
        for (SerialRun run : List.of(new SerialRun(MAX).feed(stream), new SerialRun(MAX).feedByteByByte(stream))) {
            assertThat(run.frames()).containsExactly(toHex(CONNECT), toHex(CONNECT), toHex(PINGRESP));
            assertThat(run.decoder().counters()).isEqualTo(counters(3, 1, 1, 0));
        }
    }

    @Test
    void aLongBogusLengthHoldsFramesBackUntilItsBytesHaveArrived() {
        // "C8 08": a 200-byte WILLMSGREQ; only when 200 bytes are in can it be found invalid
        SerialRun run = new SerialRun(MAX).feed(concat(hex("C8"), CONNECT));
        byte[] pings = concat(Collections.nCopies(95, PINGRESP));
        run.feed(pings);
        assertThat(run.frames()).isEmpty();
        assertThat(run.decoder().buffered()).isEqualTo(1 + 8 + 190);

        run.feed(PINGRESP);
        assertThat(run.frames()).hasSize(97);
        assertThat(run.frames().get(0)).isEqualTo(toHex(CONNECT));
        assertThat(run.frames().subList(1, 97)).containsOnly(toHex(PINGRESP));
        assertThat(run.decoder().counters()).isEqualTo(counters(97, 1, 1, 0));
        assertThat(run.decoder().buffered()).isZero();
    }

    @Test
    void resetAfterALineGapDropsWhatABogusLengthHeldBack() {
        SerialRun run = new SerialRun(MAX).feed(concat(hex("C8"), CONNECT));
        run.decoder().reset();
        assertThat(run.decoder().counters()).isEqualTo(counters(0, 9, 0, 0));
        run.feed(CONNECT);
        assertThat(run.frames()).containsExactly(toHex(CONNECT));
        assertThat(run.decoder().counters()).isEqualTo(counters(1, 9, 0, 0));
    }

    // ================================================================== limits

    @Test
    void aThreeByteLengthFrameLargerThanTheMaximumIsSkipped() {
        // 256 bytes, QoS 1, topic id and msg id 0x1E1E, data 0xFF: no byte of it starts a plausible header
        byte[] big = Frames12.longForm(CODEC.encode(new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL,
                0x1E1E, 0x1E1E, Bytes.wrap(filled(247, 0xFF)))));
        assertThat(big).hasSize(256).startsWith(hex("01 01 00 0C"));
        byte[] stream = concat(big, SEARCHGW);
        for (SerialRun run : List.of(new SerialRun(255).feed(stream), new SerialRun(255).feedByteByByte(stream))) {
            assertThat(run.frames()).containsExactly(toHex(SEARCHGW));
            assertThat(run.decoder().counters()).isEqualTo(counters(1, 256, 0, 1));
        }
        // with room for it, the same frame is delivered
        assertThat(new SerialRun(256).feed(stream).frames()).containsExactly(toHex(big), toHex(SEARCHGW));
    }

    @Test
    void aOneByteLengthFrameLargerThanTheMaximumIsSkipped() {
        byte[] big = CODEC.encode(new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, 0x1E1E, 0x1E1E,
                Bytes.wrap(filled(93, 0xFF))));
        assertThat(big).hasSize(100).startsWith(hex("64 0C"));
        SerialRun run = new SerialRun(64).feedByteByByte(concat(big, SEARCHGW));
        assertThat(run.frames()).containsExactly(toHex(SEARCHGW));
        assertThat(run.decoder().counters()).isEqualTo(counters(1, 100, 0, 1));

        // encapsulated: its header, then "FE 00" (254-byte ADVERTISE?) and the inner header are oversize
        byte[] wrapped = ForwarderEncapsulation.encode(0, Bytes.fromHex("1E"), Bytes.wrap(big));
        SerialRun wrappedRun = new SerialRun(64).feedByteByByte(concat(wrapped, SEARCHGW));
        assertThat(wrappedRun.frames()).containsExactly(toHex(SEARCHGW));
        assertThat(wrappedRun.decoder().counters()).isEqualTo(counters(1, 104, 0, 3));
    }

    @Test
    void theLargestFrameFitsTheLargestLimit() {
        byte[] largest = CODEC.encode(new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.NORMAL, 1, 0,
                Bytes.wrap(filled(65535 - 9, 0x33))));
        assertThat(largest).hasSize(65535).startsWith(hex("01 FF FF 0C"));
        SerialRun run = new SerialRun(SerialFrameDecoder.MAX_MAX_FRAME_SIZE)
                .feedInChunks(concat(largest, PINGRESP), List.of(4096, 1000, 17));
        assertThat(run.frames()).containsExactly(toHex(largest), toHex(PINGRESP));
    }

    @Test
    void theLimitIsChecked() {
        SerialFrameDecoder.FrameListener ignore = frame -> { };
        assertThatThrownBy(() -> new SerialFrameDecoder(3, FrameValidator.MQTT_SN_12, ignore))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SerialFrameDecoder(65536, FrameValidator.MQTT_SN_12, ignore))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SerialFrameDecoder(MAX, null, ignore)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new SerialFrameDecoder(null)).isInstanceOf(NullPointerException.class);
        assertThat(new SerialFrameDecoder(ignore).maxFrameSize()).isEqualTo(SerialFrameDecoder.DEFAULT_MAX_FRAME_SIZE);

        SerialFrameDecoder smallest = new SerialFrameDecoder(4, FrameValidator.MQTT_SN_12, ignore);
        smallest.feed(concat(PUBLISH_300, PINGRESP, hex("01 00 04 17")), 0, 306);
        assertThat(smallest.counters().framesDelivered()).isEqualTo(2);
        assertThat(smallest.counters().oversizeHeaders()).isPositive();
    }

    // ================================================================== reset

    @Test
    void resetInTheMiddleOfAFrameDropsItsBytes() {
        SerialRun run = new SerialRun(MAX).feed(CONNECT, 0, 5);
        assertThat(run.decoder().buffered()).isEqualTo(5);
        run.decoder().reset();
        assertThat(run.decoder().buffered()).isZero();
        assertThat(run.decoder().counters()).isEqualTo(counters(0, 5, 0, 0));

        run.feed(CONNECT).feed(PUBLISH_300, 0, 2);
        run.decoder().reset(); // inside the 3-byte length
        run.feed(PINGRESP);
        assertThat(run.frames()).containsExactly(toHex(CONNECT), toHex(PINGRESP));
        assertThat(run.decoder().counters()).isEqualTo(counters(2, 7, 0, 0));

        run.decoder().reset(); // nothing buffered: nothing counted
        assertThat(run.decoder().counters()).isEqualTo(counters(2, 7, 0, 0));
    }

    // ================================================================== validators and listeners

    @Test
    void theDefaultValidatorDecodesPacketsAndUnwrapsEncapsulation() {
        FrameValidator v = FrameValidator.MQTT_SN_12;
        assertThat(valid(v, CONNECT)).isTrue();
        assertThat(valid(v, hex("01 00 04 17"))).isTrue();
        assertThat(valid(v, hex("04 FE 00 42 08 04 04 01 00 3C 63 31"))).isTrue();
        assertThat(valid(v, hex("02 03"))).as("reserved type").isFalse();
        assertThat(valid(v, hex("03 17 00"))).as("PINGRESP with a body").isFalse();
        assertThat(valid(v, hex("04 FE 00 42 04 FE 00 43 02 17"))).as("nested encapsulation").isFalse();
        assertThat(valid(v, hex("04 FE 00 42 03 0D 00"))).as("encapsulated invalid PUBACK").isFalse();
        assertThat(valid(v, hex("04 FE 00 42 02 17 00"))).as("inner length mismatch").isFalse();
        assertThat(valid(v, hex("02 FE"))).as("0xFE is no packet").isFalse();
    }

    private static boolean valid(FrameValidator validator, byte[] frame) {
        byte[] padded = concat(hex("EE EE"), frame, hex("EE"));
        return validator.isValid(padded, 2, frame.length);
    }

    @Test
    void aPluggedValidatorDecidesWhichCandidatesAreFrames() {
        List<String> seen = new ArrayList<>();
        FrameValidator onlyPublish = (buffer, offset, length) -> {
            seen.add(toHex(Arrays.copyOfRange(buffer, offset, offset + length)));
            return (buffer[offset + 1] & 0xFF) == 0x0C;
        };
        SerialRun run = new SerialRun(MAX, onlyPublish).feed(concat(PINGRESP, PUBLISH_30));
        assertThat(run.frames()).containsExactly(toHex(PUBLISH_30));
        assertThat(run.decoder().counters()).isEqualTo(counters(1, 2, 1, 0));
        assertThat(seen).containsExactly(toHex(PINGRESP), toHex(PUBLISH_30));
    }

    @Test
    void theListenerMayNotFeedOrReset() {
        SerialFrameDecoder[] holder = new SerialFrameDecoder[1];
        holder[0] = new SerialFrameDecoder(frame -> holder[0].reset());
        assertThatThrownBy(() -> holder[0].feed(PINGRESP, 0, 2)).isInstanceOf(IllegalStateException.class);
        holder[0] = new SerialFrameDecoder(frame -> holder[0].feed(PINGRESP, 0, 2));
        assertThatThrownBy(() -> holder[0].feed(PINGRESP, 0, 2)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aThrowingListenerLeavesTheDecoderUsable() {
        List<String> frames = new ArrayList<>();
        boolean[] fail = {true};
        SerialFrameDecoder decoder = new SerialFrameDecoder(frame -> {
            frames.add(toHex(frame));
            if (fail[0]) {
                fail[0] = false;
                throw new IllegalStateException("listener failed");
            }
        });
        byte[] stream = concat(CONNECT, PINGRESP);
        assertThatThrownBy(() -> decoder.feed(stream, 0, stream.length)).hasMessage("listener failed");
        assertThat(decoder.counters().framesDelivered()).isEqualTo(1);
        assertThat(decoder.buffered()).isEqualTo(2);

        decoder.feed(new byte[0], 0, 0);
        assertThat(frames).containsExactly(toHex(CONNECT), toHex(PINGRESP));
        assertThat(decoder.counters()).isEqualTo(counters(2, 0, 0, 0));
    }

    @Test
    void feedChecksItsRange() {
        SerialFrameDecoder decoder = new SerialFrameDecoder(frame -> { });
        assertThatThrownBy(() -> decoder.feed(new byte[4], 2, 3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> decoder.feed(new byte[4], -1, 1)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
