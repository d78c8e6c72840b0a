package io.sngate.codec.frame;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.DecodeException.Reason;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.PingResp;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.TopicIdType;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Byte-exact vectors for {@link ForwarderEncapsulation}: encoding, decoding and every rejection. */
class ForwarderEncapsulationTest {

    private static final MqttSn12Codec CODEC = MqttSn12Codec.INSTANCE;
    private static final HexFormat HEX = HexFormat.of();

    private static byte[] hex(String s) {
        return HEX.parseHex(s.replace(" ", ""));
    }

    // ================================================================== vectors

    @Test
    void oneByteNodeIdAroundConnect() throws DecodeException {
        byte[] connect = CODEC.encode(new Connect(false, true, 60, "c1"));
        assertThat(connect).isEqualTo(hex("08 04 04 01 00 3C 63 31"));

        byte[] frame = ForwarderEncapsulation.encode(0x00, Bytes.fromHex("42"), Bytes.wrap(connect));
        assertThat(frame).isEqualTo(hex("04 FE 00 42 08 04 04 01 00 3C 63 31"));

        Encapsulated e = ForwarderEncapsulation.decode(frame);
        assertThat(e.ctrl()).isZero();
        assertThat(e.radius()).isZero();
        assertThat(e.wirelessNodeId()).isEqualTo(Bytes.fromHex("42"));
        assertThat(e.innerPacket().toArray()).isEqualTo(connect);
        assertThat(CODEC.decode(e.innerPacket().toArray())).isEqualTo(new Connect(false, true, 60, "c1"));
    }

    @Test
    void twoByteNodeIdWithRadiusAroundPublish() throws DecodeException {
        Publish publish = new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, 0x0001, 0x0002,
                Bytes.utf8("hi"));
        byte[] inner = CODEC.encode(publish);
        assertThat(inner).isEqualTo(hex("09 0C 20 00 01 00 02 68 69"));

        byte[] frame = ForwarderEncapsulation.encode(new Encapsulated(0x03, Bytes.fromHex("1234"), Bytes.wrap(inner)));
        assertThat(frame).isEqualTo(hex("05 FE 03 12 34 09 0C 20 00 01 00 02 68 69"));

        Encapsulated e = ForwarderEncapsulation.decode(frame);
        assertThat(e).isEqualTo(new Encapsulated(3, Bytes.fromHex("1234"), Bytes.wrap(inner)));
        assertThat(e.radius()).isEqualTo(3);
        // the inner packet is decoded by the caller, here at its offset in the frame (no copy)
        int at = frame[0];
        assertThat(CODEC.decode(frame, at, frame.length - at)).isEqualTo(publish);
    }

    @Test
    void eightByteNodeIdAroundThreeByteLengthPacket() throws DecodeException {
        byte[] frame = hex("0B FE 01 00 13 A2 00 41 52 8A 3C 01 00 04 17");
        Encapsulated e = ForwarderEncapsulation.decode(frame);
        assertThat(e.ctrl()).isEqualTo(1);
        assertThat(e.radius()).isEqualTo(1);
        assertThat(e.wirelessNodeId()).isEqualTo(Bytes.fromHex("0013A20041528A3C"));
        assertThat(e.innerPacket()).isEqualTo(Bytes.fromHex("01 00 04 17"));
        assertThat(CODEC.decode(e.innerPacket().toArray())).isEqualTo(PingResp.INSTANCE);
        assertThat(ForwarderEncapsulation.encode(e)).isEqualTo(frame);
    }

    @Test
    void largeInnerPacketInTheThreeByteForm() throws DecodeException {
        byte[] data = new byte[300];
        Arrays.fill(data, (byte) 0x5A);
        Publish publish = new Publish(true, QoS.EXACTLY_ONCE, true, TopicIdType.PREDEFINED, 7, 9, Bytes.wrap(data));
        byte[] inner = CODEC.encode(publish);
        assertThat(inner).startsWith(hex("01 01 35 0C"));

        byte[] frame = ForwarderEncapsulation.encode(2, Bytes.fromHex("0001"), Bytes.wrap(inner));
        assertThat(frame).startsWith(hex("05 FE 02 00 01 01 01 35 0C")).hasSize(5 + 309);
        Encapsulated e = ForwarderEncapsulation.decode(frame);
        assertThat(CODEC.decode(e.innerPacket().toArray())).isEqualTo(publish);
    }

    @Test
    void emptyNodeId() throws DecodeException {
        byte[] frame = hex("03 FE 02 02 17");
        Encapsulated e = ForwarderEncapsulation.decode(frame);
        assertThat(e.wirelessNodeId().isEmpty()).isTrue();
        assertThat(e.radius()).isEqualTo(2);
        assertThat(e.innerPacket()).isEqualTo(Bytes.fromHex("02 17"));
        assertThat(ForwarderEncapsulation.encode(2, Bytes.EMPTY, Bytes.fromHex("0217"))).isEqualTo(frame);
    }

    @Test
    void longestNodeIdFillsTheOneByteLength() throws DecodeException {
        byte[] nodeId = new byte[ForwarderEncapsulation.MAX_NODE_ID_LENGTH];
        Arrays.fill(nodeId, (byte) 0xA5);
        byte[] frame = ForwarderEncapsulation.encode(0, Bytes.wrap(nodeId), Bytes.fromHex("02 17"));
        assertThat(frame[0] & 0xFF).isEqualTo(0xFF);
        assertThat(frame).hasSize(255 + 2);
        assertThat(ForwarderEncapsulation.decode(frame).wirelessNodeId().toArray()).isEqualTo(nodeId);

        assertThatThrownBy(() -> ForwarderEncapsulation.encode(0, Bytes.wrap(new byte[253]), Bytes.fromHex("02 17")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("wirelessNodeId");
    }

    @Test
    void reservedCtrlBitsAreToleratedKeptAndEchoed() throws DecodeException {
        byte[] frame = hex("04 FE FD 42 02 17");
        Encapsulated e = ForwarderEncapsulation.decode(frame);
        assertThat(e.ctrl()).isEqualTo(0xFD);
        assertThat(e.radius()).isEqualTo(1);
        assertThat(ForwarderEncapsulation.encode(e)).isEqualTo(frame);

        // a reply goes back with the same node id and Ctrl byte
        Encapsulated reply = e.withInnerPacket(Bytes.fromHex("02 16"));
        assertThat(ForwarderEncapsulation.encode(reply)).isEqualTo(hex("04 FE FD 42 02 16"));
    }

    @Test
    void decodeViewsTheInputWithoutCopying() throws DecodeException {
        byte[] input = hex("EE EE 04 FE 00 42 02 17 EE");
        Encapsulated e = ForwarderEncapsulation.decode(input, 2, 6);
        assertThat(e).isEqualTo(new Encapsulated(0, Bytes.fromHex("42"), Bytes.fromHex("02 17")));
        input[5] = 0x43;
        input[7] = 0x16;
        assertThat(e.wirelessNodeId()).isEqualTo(Bytes.fromHex("43"));
        assertThat(e.innerPacket()).isEqualTo(Bytes.fromHex("02 16"));
    }

    @Test
    void isEncapsulatedLooksAtTwoBytes() {
        assertThat(ForwarderEncapsulation.isEncapsulated(hex("04 FE 00 42 02 17"), 0, 6)).isTrue();
        assertThat(ForwarderEncapsulation.isEncapsulated(hex("03 FE"), 0, 2)).isTrue();
        assertThat(ForwarderEncapsulation.isEncapsulated(hex("EE 04 FE"), 1, 2)).isTrue();
        assertThat(ForwarderEncapsulation.isEncapsulated(hex("02 FE 02 17"), 0, 4)).as("Length < 3").isFalse();
        assertThat(ForwarderEncapsulation.isEncapsulated(hex("01 FE 20 0C"), 0, 4)).as("3-byte length form").isFalse();
        assertThat(ForwarderEncapsulation.isEncapsulated(hex("08 04 04 01 00 3C 63 31"), 0, 8)).isFalse();
        assertThat(ForwarderEncapsulation.isEncapsulated(hex("04 FE"), 0, 1)).isFalse();
        assertThat(ForwarderEncapsulation.isEncapsulated(new byte[0], 0, 0)).isFalse();
        assertThatThrownBy(() -> ForwarderEncapsulation.isEncapsulated(new byte[2], 1, 2))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    // ================================================================== rejections

    static Stream<Arguments> malformed() {
        return Stream.of(
                // header too short
                Arguments.of("", "Length", 0, Reason.TRUNCATED),
                Arguments.of("04", "Length", 0, Reason.TRUNCATED),
                Arguments.of("04 FE", "Length", 0, Reason.TRUNCATED),
                // not 0xFE
                Arguments.of("04 0C 00 42 02 17", "MsgType", 1, Reason.UNKNOWN_TYPE),
                // Length < 3 (0x01 is no 3-byte form here: the encapsulation Length is one byte)
                Arguments.of("02 FE 00 02 17", "Length", 0, Reason.INVALID_FIELD),
                Arguments.of("01 FE 00 02 17", "Length", 0, Reason.INVALID_FIELD),
                Arguments.of("00 FE 00 02 17", "Length", 0, Reason.INVALID_FIELD),
                // node id runs past the end
                Arguments.of("08 FE 00 42 02 17", "WirelessNodeId", 3, Reason.TRUNCATED),
                Arguments.of("FF FE 00", "WirelessNodeId", 3, Reason.TRUNCATED),
                // no inner packet
                Arguments.of("04 FE 00 42", "InnerPacket", 4, Reason.TRUNCATED),
                Arguments.of("03 FE 00", "InnerPacket", 3, Reason.TRUNCATED),
                // inner packet shorter than its own header
                Arguments.of("04 FE 00 42 02", "InnerPacket.Length", 4, Reason.TRUNCATED),
                Arguments.of("04 FE 00 42 01 00 04", "InnerPacket.Length", 4, Reason.TRUNCATED),
                // inner Length invalid
                Arguments.of("04 FE 00 42 00 17", "InnerPacket.Length", 4, Reason.INVALID_FIELD),
                Arguments.of("04 FE 00 42 01 00 03 17", "InnerPacket.Length", 4, Reason.INVALID_FIELD),
                // inner Length disagrees with the rest, either way, in either form
                Arguments.of("04 FE 00 42 03 17", "InnerPacket.Length", 4, Reason.LENGTH_MISMATCH),
                Arguments.of("04 FE 00 42 02 17 00", "InnerPacket.Length", 4, Reason.LENGTH_MISMATCH),
                Arguments.of("04 FE 00 42 02 17 02 17", "InnerPacket.Length", 4, Reason.LENGTH_MISMATCH),
                Arguments.of("04 FE 00 42 01 00 05 17", "InnerPacket.Length", 4, Reason.LENGTH_MISMATCH),
                Arguments.of("04 FE 00 42 01 00 04 17 00", "InnerPacket.Length", 4, Reason.LENGTH_MISMATCH),
                // nested encapsulation, in either inner length form
                Arguments.of("04 FE 00 42 04 FE 00 43 02 17", "InnerPacket.MsgType", 5, Reason.INVALID_FIELD),
                Arguments.of("04 FE 00 42 01 00 04 FE", "InnerPacket.MsgType", 7, Reason.INVALID_FIELD));
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1} {3}")
    @MethodSource("malformed")
    void rejects(String frame, String field, int offset, Reason reason) {
        byte[] bytes = hex(frame);
        DecodeException e = catchThrowableOfType(DecodeException.class, () -> ForwarderEncapsulation.decode(bytes));
        assertThat(e).as("decode(%s)", frame).isNotNull();
        assertThat(e.packet()).isEqualTo(ForwarderEncapsulation.PACKET);
        assertThat(e.field()).isEqualTo(field);
        assertThat(e.offset()).isEqualTo(offset);
        assertThat(e.reason()).isEqualTo(reason);

        // the same bytes in the middle of a larger array: same outcome, offsets relative to the frame
        byte[] padded = new byte[bytes.length + 4];
        Arrays.fill(padded, (byte) 0x77);
        System.arraycopy(bytes, 0, padded, 2, bytes.length);
        DecodeException again = catchThrowableOfType(DecodeException.class,
                () -> ForwarderEncapsulation.decode(padded, 2, bytes.length));
        assertThat(again.field()).isEqualTo(field);
        assertThat(again.offset()).isEqualTo(offset);
        assertThat(again.reason()).isEqualTo(reason);
    }

    @Test
    void nestedEncapsulationSaysWhy() {
        DecodeException e = catchThrowableOfType(DecodeException.class,
                () -> ForwarderEncapsulation.decode(hex("04 FE 00 42 04 FE 00 43 02 17")));
        assertThat(e).hasMessageContaining("nested encapsulation");
    }

    @Test
    void decodeRangeOutsideTheArrayIsACallerBug() {
        assertThatThrownBy(() -> ForwarderEncapsulation.decode(new byte[4], 2, 4))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    // ================================================================== encoding arguments

    @Test
    void encodeRefusesWhatCannotBeAFrame() {
        Bytes ping = Bytes.fromHex("02 17");
        assertThatThrownBy(() -> ForwarderEncapsulation.encode(256, Bytes.EMPTY, ping))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ctrl");
        assertThatThrownBy(() -> ForwarderEncapsulation.encode(-1, Bytes.EMPTY, ping))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ctrl");
        assertThatThrownBy(() -> ForwarderEncapsulation.encode(0, Bytes.EMPTY, Bytes.EMPTY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("innerPacket");
        assertThatThrownBy(() -> ForwarderEncapsulation.encode(0, Bytes.EMPTY, Bytes.fromHex("03 17")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("inner length 3");
        assertThatThrownBy(() -> ForwarderEncapsulation.encode(0, Bytes.EMPTY, Bytes.fromHex("04 FE 00 02 17")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nested");
        assertThatThrownBy(() -> ForwarderEncapsulation.encode(0, null, ping)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ForwarderEncapsulation.encode(0, Bytes.EMPTY, null))
                .isInstanceOf(NullPointerException.class);
    }
}
