package io.sngate.codec.v12;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.QoS;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Byte-exact vectors for PUBLISH (0x0C), PUBACK (0x0D), PUBCOMP (0x0E), PUBREC (0x0F) and
 * PUBREL (0x10), spec digest §7; plus the {@code ByteBuffer} entry points of {@code MqttSnCodec}.
 */
class PublishVectorsTest extends AbstractVectorsTest {

    private static final String HI = "68 69";
    private static final Bytes HI_BYTES = Bytes.utf8("hi");

    // ------------------------------------------------------------------ PUBLISH matrix

    /**
     * Every QoS (-1, 0, 1, 2) x DUP x Retain x TopicIdType (normal, predefined, short), payload "hi".
     * Flags are composed from the digest's §3 table, not from the codec: DUP 0x80, QoS -1/0/1/2 =
     * 0x60/0x00/0x20/0x40, Retain 0x10, TopicIdType 0b00/0b01/0b10. MsgId is 0x0000 for QoS 0 and -1.
     */
    static Stream<Arguments> publishMatrix() {
        int[] levels = {-1, 0, 1, 2};
        int[] qosFlag = {0x60, 0x00, 0x20, 0x40};
        TopicIdType[] types = {TopicIdType.NORMAL, TopicIdType.PREDEFINED, TopicIdType.SHORT};
        int[] typeBits = {0b00, 0b01, 0b10};
        int[] topicIds = {0x0001, 0x0064, 0x6162}; // normal id 1, predefined id 100, short name "ab"
        List<Arguments> rows = new ArrayList<>();
        for (int q = 0; q < levels.length; q++) {
            for (boolean dup : new boolean[] {false, true}) {
                for (boolean retain : new boolean[] {false, true}) {
                    for (int t = 0; t < types.length; t++) {
                        int msgId = levels[q] >= 1 ? 0x1234 : 0x0000;
                        int flags = (dup ? DUP : 0) | qosFlag[q] | (retain ? RETAIN : 0) | typeBits[t];
                        String hex = String.format("09 0C %02X %04X %04X %s", flags, topicIds[t], msgId, HI);
                        String name = String.format("QoS %d%s%s %s", levels[q], dup ? " DUP" : "",
                                retain ? " retain" : "", types[t]);
                        rows.add(vector(name, hex, new Publish(dup, QoS.ofLevel(levels[q]), retain, types[t],
                                topicIds[t], msgId, HI_BYTES)));
                    }
                }
            }
        }
        return rows.stream();
    }

    @ParameterizedTest(name = "PUBLISH {0}: {1}")
    @MethodSource("publishMatrix")
    void publishMatrixVectors(String name, String hex, MqttSn12Message message) throws DecodeException {
        assertVector(hex, message);
    }

    @Test
    void publishMatrixHas48Rows() {
        assertThat(publishMatrix()).hasSize(4 * 2 * 2 * 3);
    }

    // ------------------------------------------------------------------ PUBLISH: hand-written vectors

    static Stream<Arguments> publish() {
        String p248 = patternHex(248);
        String p249 = patternHex(249);
        String p1000 = patternHex(1000);
        return Stream.of(
                // The digest's two examples.
                vector("digest: QoS 1, normal id 1, MsgId 2, \"hi\"", "09 0C 20 00 01 00 02 68 69",
                        new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, 1, 2, HI_BYTES)),
                vector("digest: short name \"ab\", QoS 0", "09 0C 02 61 62 00 00 68 69",
                        Publish.toShortName("ab", QoS.AT_MOST_ONCE, false, 0, HI_BYTES)),
                // A few flag bytes spelled out by hand.
                vector("DUP QoS 2 retain normal = 0xD0", "09 0C D0 00 01 00 02 68 69",
                        new Publish(true, QoS.EXACTLY_ONCE, true, TopicIdType.NORMAL, 1, 2, HI_BYTES)),
                vector("QoS -1 predefined = 0x61", "09 0C 61 00 64 00 00 68 69",
                        new Publish(false, QoS.MINUS_ONE, false, TopicIdType.PREDEFINED, 100, 0, HI_BYTES)),
                vector("QoS -1 short retain = 0x72", "09 0C 72 61 62 00 00 68 69",
                        new Publish(false, QoS.MINUS_ONE, true, TopicIdType.SHORT, 0x6162, 0, HI_BYTES)),
                vector("DUP QoS -1 retain predefined = 0xF1", "09 0C F1 00 64 00 00 68 69",
                        new Publish(true, QoS.MINUS_ONE, true, TopicIdType.PREDEFINED, 100, 0, HI_BYTES)),
                vector("QoS 1 DUP short = 0xA2", "09 0C A2 61 62 AB CD 68 69",
                        new Publish(true, QoS.AT_LEAST_ONCE, false, TopicIdType.SHORT, 0x6162, 0xABCD, HI_BYTES)),
                // Field edges.
                vector("topic id 0xFFFE, msg id 0xFFFF", "07 0C 20 FF FE FF FF",
                        new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, 0xFFFE, 0xFFFF, Bytes.EMPTY)),
                vector("msg id 0x0100 (big-endian)", "07 0C 40 00 01 01 00",
                        new Publish(false, QoS.EXACTLY_ONCE, false, TopicIdType.NORMAL, 1, 256, Bytes.EMPTY)),
                vector("short name of two raw bytes 0x00 0xFF", "07 0C 02 00 FF 00 00",
                        new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.SHORT, 0x00FF, 0, Bytes.EMPTY)),
                // Payloads.
                vector("empty payload (7 bytes)", "07 0C 20 00 01 00 02",
                        new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, 1, 2, Bytes.EMPTY)),
                vector("binary payload with 0x00 and 0xFF", "0B 0C 20 00 01 00 02 00 FF 00 FF",
                        new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, 1, 2, hex("00 FF 00 FF"))),
                vector("payload of a single 0x00", "08 0C 00 00 01 00 00 00",
                        new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.NORMAL, 1, 0, hex("00"))),
                vector("payload of a single 0xFF", "08 0C 00 00 01 00 00 FF",
                        new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.NORMAL, 1, 0, hex("FF"))),
                // Length form boundaries: 7 + 248 = 255 is the largest 1-byte form; with 249 bytes of
                // payload the 3-byte form is needed and the total is 4 + 5 + 249 = 258 = 0x0102.
                vector("248-byte payload: exactly 255 bytes, 1-byte form FF", "FF 0C 20 00 01 00 02 " + p248,
                        new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, 1, 2, Bytes.wrap(pattern(248)))),
                vector("249-byte payload: 258 bytes, 3-byte form 01 01 02", "01 01 02 0C 20 00 01 00 02 " + p249,
                        new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, 1, 2, Bytes.wrap(pattern(249)))),
                vector("1000-byte payload: 1009 bytes, 3-byte form 01 03 F1", "01 03 F1 0C 20 00 01 00 02 " + p1000,
                        new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, 1, 2,
                                Bytes.wrap(pattern(1000)))));
    }

    @ParameterizedTest(name = "PUBLISH {0}")
    @MethodSource("publish")
    void publishVectors(String name, String hex, MqttSn12Message message) throws DecodeException {
        assertVector(hex, message);
    }

    static Stream<Arguments> publishNonCanonical() {
        String p247 = patternHex(247);
        return Stream.of(
                // The 3-byte form must be accepted for small packets; the encoder writes the 1-byte form.
                nonCanonical("3-byte form of 9 bytes (empty payload)", "01 00 09 0C 20 00 01 00 02",
                        new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, 1, 2, Bytes.EMPTY),
                        "07 0C 20 00 01 00 02"),
                nonCanonical("3-byte form of the digest example", "01 00 0B 0C 20 00 01 00 02 68 69",
                        new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, 1, 2, HI_BYTES),
                        "09 0C 20 00 01 00 02 68 69"),
                // A 256-byte packet in the 3-byte form (01 01 00) has a 252-byte body, which fits the
                // 1-byte form as 254 bytes: that is what the encoder writes (digest §1 encoder rule).
                nonCanonical("256 bytes in the 3-byte form 01 01 00", "01 01 00 0C 20 00 01 00 02 " + p247,
                        new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, 1, 2, Bytes.wrap(pattern(247))),
                        "FE 0C 20 00 01 00 02 " + p247),
                // Will (0x08) and CleanSession (0x04) are not used by PUBLISH and are ignored.
                nonCanonical("unused Will/CleanSession bits ignored", "09 0C 2C 00 01 00 02 68 69",
                        new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, 1, 2, HI_BYTES),
                        "09 0C 20 00 01 00 02 68 69"));
    }

    @ParameterizedTest(name = "PUBLISH {0}")
    @MethodSource("publishNonCanonical")
    void publishNonCanonicalInputs(String name, String hex, MqttSn12Message message, String canonical)
            throws DecodeException {
        assertNonCanonical(hex, message, canonical);
    }

    @Test
    void publishPayloadBytesAreExact() throws DecodeException {
        Publish publish = (Publish) CODEC.decode(Bytes.fromHex("0B 0C 20 00 01 00 02 00 FF 00 FF").toArray());
        assertThat(publish.data().toArray()).containsExactly(0x00, 0xFF, 0x00, 0xFF);
        assertThat(publish.qos().level()).isEqualTo(1);
    }

    @Test
    void shortTopicNameCarriesTheTwoCharacters() throws DecodeException {
        Publish publish = (Publish) CODEC.decode(Bytes.fromHex("09 0C 02 61 62 00 00 68 69").toArray());
        assertThat(publish.topicIdType()).isEqualTo(TopicIdType.SHORT);
        assertThat(publish.topicId()).isEqualTo(0x6162);
        assertThat(ShortTopicName.decode(publish.topicId())).isEqualTo("ab");
    }

    /**
     * TopicIdType.RESERVED exists for SUBSCRIBE/UNSUBSCRIBE only: a PUBLISH holding it would encode to
     * bytes the codec refuses, so the record refuses it, and the constants a PUBLISH can carry keep
     * their bits, ordinals and {@code fromBits} mapping (0b11 still maps to null).
     */
    @Test
    void publishCannotCarryTheReservedTopicIdType() {
        assertThatThrownBy(() -> new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.RESERVED, 1, 0, HI_BYTES))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0b11");
        assertThat(TopicIdType.fromBits(0b11)).isNull();
        assertThat(TopicIdType.fromBits(0xFF)).isNull();
        for (TopicIdType type : new TopicIdType[] {TopicIdType.NORMAL, TopicIdType.PREDEFINED, TopicIdType.SHORT}) {
            assertThat(TopicIdType.fromBits(type.bits())).isSameAs(type);
            assertThat(type.ordinal()).isEqualTo(type.bits());
        }
        assertThat(TopicIdType.RESERVED.bits()).isEqualTo(0b11);
        assertThat(TopicIdType.values()).containsExactly(TopicIdType.NORMAL, TopicIdType.PREDEFINED, TopicIdType.SHORT,
                TopicIdType.RESERVED);
    }

    // ------------------------------------------------------------------ PUBACK / PUBREC / PUBREL / PUBCOMP

    static Stream<Arguments> acks() {
        return Stream.of(
                // PUBACK: Length=7 | 0x0D | TopicId | MsgId | ReturnCode
                vector("PUBACK accepted", "07 0D 00 01 00 02 00", new PubAck(1, 2, ReturnCode.ACCEPTED)),
                vector("PUBACK congestion", "07 0D 00 01 00 02 01", new PubAck(1, 2, ReturnCode.REJECTED_CONGESTION)),
                vector("PUBACK invalid topic id", "07 0D 00 01 00 02 02",
                        new PubAck(1, 2, ReturnCode.REJECTED_INVALID_TOPIC_ID)),
                vector("PUBACK not supported", "07 0D 00 01 00 02 03",
                        new PubAck(1, 2, ReturnCode.REJECTED_NOT_SUPPORTED)),
                vector("PUBACK for QoS 0 (MsgId 0)", "07 0D 12 34 00 00 02",
                        new PubAck(0x1234, 0, ReturnCode.REJECTED_INVALID_TOPIC_ID)),
                vector("PUBACK id 0xFFFE msg 0xFFFF", "07 0D FF FE FF FF 00", new PubAck(0xFFFE, 0xFFFF, ReturnCode.ACCEPTED)),
                // Length=4 | type | MsgId; PUBCOMP 0x0E, PUBREC 0x0F, PUBREL 0x10.
                vector("PUBREC is 0x0F", "04 0F 00 02", new PubRec(2)),
                vector("PUBREL is 0x10", "04 10 00 02", new PubRel(2)),
                vector("PUBCOMP is 0x0E", "04 0E 00 02", new PubComp(2)),
                vector("PUBREC msg 0xABCD", "04 0F AB CD", new PubRec(0xABCD)),
                vector("PUBREL msg 0x0000", "04 10 00 00", new PubRel(0)),
                vector("PUBCOMP msg 0xFFFF", "04 0E FF FF", new PubComp(0xFFFF)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("acks")
    void ackVectors(String name, String hex, MqttSn12Message message) throws DecodeException {
        assertVector(hex, message);
    }

    @Test
    void pubRecPubRelPubCompCodesExplicitly() throws DecodeException {
        // Note the digest's warning: PUBCOMP (0x0E) comes before PUBREC (0x0F), unlike MQTT.
        assertThat(MessageType.PUBLISH.code()).isEqualTo(0x0C);
        assertThat(MessageType.PUBACK.code()).isEqualTo(0x0D);
        assertThat(MessageType.PUBCOMP.code()).isEqualTo(0x0E);
        assertThat(MessageType.PUBREC.code()).isEqualTo(0x0F);
        assertThat(MessageType.PUBREL.code()).isEqualTo(0x10);

        assertThat(CODEC.encode(new PubRec(7))[1]).isEqualTo((byte) 0x0F);
        assertThat(CODEC.encode(new PubRel(7))[1]).isEqualTo((byte) 0x10);
        assertThat(CODEC.encode(new PubComp(7))[1]).isEqualTo((byte) 0x0E);

        assertThat(CODEC.decode(Bytes.fromHex("04 0E 00 07").toArray())).isInstanceOf(PubComp.class);
        assertThat(CODEC.decode(Bytes.fromHex("04 0F 00 07").toArray())).isInstanceOf(PubRec.class);
        assertThat(CODEC.decode(Bytes.fromHex("04 10 00 07").toArray())).isInstanceOf(PubRel.class);
    }

    // ------------------------------------------------------------------ ByteBuffer entry points

    private static final String EXAMPLE = "09 0C 20 00 01 00 02 68 69";
    private static final Publish EXAMPLE_MESSAGE =
            new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, 1, 2, HI_BYTES);

    @Test
    void decodeHeapBufferWithNonZeroPosition() throws DecodeException {
        byte[] wire = Bytes.fromHex(EXAMPLE).toArray();
        byte[] backing = new byte[5 + wire.length + 3];
        Arrays.fill(backing, (byte) 0xEE);
        System.arraycopy(wire, 0, backing, 5, wire.length);
        ByteBuffer buffer = ByteBuffer.wrap(backing);
        buffer.position(5).limit(5 + wire.length);

        assertThat(CODEC.decode(buffer)).isEqualTo(EXAMPLE_MESSAGE);
        assertThat(buffer.position()).as("position does not move").isEqualTo(5);
        assertThat(buffer.limit()).isEqualTo(5 + wire.length);
    }

    @Test
    void decodeSlicedHeapBufferWithArrayOffset() throws DecodeException {
        byte[] wire = Bytes.fromHex(EXAMPLE).toArray();
        byte[] backing = new byte[4 + wire.length];
        System.arraycopy(wire, 0, backing, 4, wire.length);
        ByteBuffer slice = ByteBuffer.wrap(backing, 2, backing.length - 2).slice(); // arrayOffset 2
        slice.position(2);

        assertThat(slice.arrayOffset()).isEqualTo(2);
        assertThat(CODEC.decode(slice)).isEqualTo(EXAMPLE_MESSAGE);
        assertThat(slice.position()).isEqualTo(2);
    }

    @Test
    void decodeDirectBuffer() throws DecodeException {
        byte[] wire = Bytes.fromHex(EXAMPLE).toArray();
        ByteBuffer direct = ByteBuffer.allocateDirect(3 + wire.length);
        direct.put(new byte[] {1, 2, 3}).put(wire).flip().position(3);

        assertThat(direct.hasArray()).isFalse();
        assertThat(CODEC.decode(direct)).isEqualTo(EXAMPLE_MESSAGE);
        assertThat(direct.position()).as("position does not move").isEqualTo(3);
    }

    @Test
    void decodeDirectBufferInThreeByteForm() throws DecodeException {
        String hex = "01 01 02 0C 20 00 01 00 02 " + patternHex(249);
        byte[] wire = Bytes.fromHex(hex).toArray();
        ByteBuffer direct = ByteBuffer.allocateDirect(wire.length).put(wire).flip();

        Publish publish = (Publish) CODEC.decode(direct);
        assertThat(publish.data()).isEqualTo(Bytes.wrap(pattern(249)));
        // A direct buffer is copied: later changes to it do not show in the decoded message.
        direct.put(9, (byte) 0x55);
        assertThat(publish.data().get(0)).isEqualTo(0x00);
    }

    @Test
    void decodeReadOnlyHeapBuffer() throws DecodeException {
        ByteBuffer readOnly = ByteBuffer.wrap(Bytes.fromHex(EXAMPLE).toArray()).asReadOnlyBuffer();
        assertThat(CODEC.decode(readOnly)).isEqualTo(EXAMPLE_MESSAGE);
        assertThat(readOnly.position()).isZero();
    }

    @Test
    void encodeIntoHeapBufferAtItsPosition() {
        byte[] wire = Bytes.fromHex(EXAMPLE).toArray();
        ByteBuffer buffer = ByteBuffer.allocate(20);
        buffer.put(new byte[] {(byte) 0xAA, (byte) 0xBB});

        CODEC.encode(EXAMPLE_MESSAGE, buffer);

        assertThat(buffer.position()).isEqualTo(2 + wire.length);
        byte[] written = Arrays.copyOfRange(buffer.array(), 0, buffer.position());
        assertThat(Bytes.wrap(written).toHex()).isEqualTo("aabb" + Bytes.wrap(wire).toHex());
        assertThat(Arrays.copyOfRange(buffer.array(), buffer.position(), 20)).containsOnly((byte) 0);
    }

    @Test
    void encodeIntoSlicedHeapBuffer() {
        byte[] wire = Bytes.fromHex(EXAMPLE).toArray();
        byte[] backing = new byte[16];
        ByteBuffer slice = ByteBuffer.wrap(backing, 4, 12).slice(); // arrayOffset 4
        slice.position(1);

        CODEC.encode(EXAMPLE_MESSAGE, slice);

        assertThat(slice.position()).isEqualTo(1 + wire.length);
        assertThat(Arrays.copyOfRange(backing, 5, 5 + wire.length)).isEqualTo(wire);
        assertThat(Arrays.copyOfRange(backing, 0, 5)).containsOnly((byte) 0);
    }

    @Test
    void encodeIntoDirectBuffer() {
        byte[] wire = Bytes.fromHex(EXAMPLE).toArray();
        ByteBuffer direct = ByteBuffer.allocateDirect(32);
        direct.position(3);

        CODEC.encode(EXAMPLE_MESSAGE, direct);

        assertThat(direct.position()).isEqualTo(3 + wire.length);
        direct.flip().position(3);
        assertThat(Bytes.copyOf(direct)).isEqualTo(Bytes.wrap(wire));
    }

    @Test
    void encodeIntoTooSmallBufferThrowsAndWritesNothing() {
        ByteBuffer buffer = ByteBuffer.allocate(8); // the packet is 9 bytes
        assertThatThrownBy(() -> CODEC.encode(EXAMPLE_MESSAGE, buffer)).isInstanceOf(BufferOverflowException.class);
        assertThat(buffer.position()).isZero();
        assertThat(buffer.array()).containsOnly((byte) 0);
    }

    @Test
    void bufferRoundTripOfThreeByteForm() throws DecodeException {
        Publish big = new Publish(false, QoS.EXACTLY_ONCE, true, TopicIdType.PREDEFINED, 100, 9, Bytes.wrap(pattern(1000)));
        ByteBuffer direct = ByteBuffer.allocateDirect(CODEC.encodedLength(big));
        CODEC.encode(big, direct);
        direct.flip();
        assertThat(direct.remaining()).isEqualTo(1009);
        assertThat(direct.get(0)).isEqualTo((byte) 0x01);
        assertThat(direct.getShort(1)).isEqualTo((short) 1009);
        assertThat(direct.get(3)).isEqualTo((byte) 0x0C);
        assertThat(direct.get(4)).isEqualTo((byte) 0x51); // QoS 2 (0x40) | retain (0x10) | predefined (0b01)
        assertThat(CODEC.decode(direct)).isEqualTo(big);
    }
}
