package io.sngate.codec.v12;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.QoS;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Byte-exact vectors for SUBSCRIBE (0x12), SUBACK (0x13), UNSUBSCRIBE (0x14) and UNSUBACK (0x15),
 * spec digest §7.
 */
class SubscriptionVectorsTest extends AbstractVectorsTest {

    private static final QoS[] QOS = {QoS.AT_MOST_ONCE, QoS.AT_LEAST_ONCE, QoS.EXACTLY_ONCE};
    private static final int[] QOS_FLAG = {0x00, 0x20, 0x40};

    // ------------------------------------------------------------------ SUBSCRIBE

    /**
     * SUBSCRIBE: each kind (name "a/b" 0b00, predefined id 100 0b01, short name "ab" 0b10) x QoS 0..2 x DUP.
     * Length | 0x12 | Flags | MsgId | TopicName or TopicId or short name.
     */
    static Stream<Arguments> subscribeMatrix() {
        List<Arguments> rows = new ArrayList<>();
        for (int q = 0; q < QOS.length; q++) {
            for (boolean dup : new boolean[] {false, true}) {
                int base = (dup ? DUP : 0) | QOS_FLAG[q];
                String label = "QoS " + q + (dup ? " DUP" : "");
                rows.add(vector("name \"a/b\" " + label, String.format("08 12 %02X 00 01 61 2F 62", base),
                        new Subscribe(dup, QOS[q], 1, TopicRef.name("a/b"))));
                rows.add(vector("predefined 100 " + label, String.format("07 12 %02X 00 01 00 64", base | 0b01),
                        new Subscribe(dup, QOS[q], 1, TopicRef.predefined(100))));
                rows.add(vector("short \"ab\" " + label, String.format("07 12 %02X 00 01 61 62", base | 0b10),
                        new Subscribe(dup, QOS[q], 1, TopicRef.shortName("ab"))));
            }
        }
        return rows.stream();
    }

    static Stream<Arguments> subscribe() {
        return Stream.of(
                vector("hand-written: QoS 1 name", "08 12 20 00 01 61 2F 62",
                        new Subscribe(false, QoS.AT_LEAST_ONCE, 1, TopicRef.name("a/b"))),
                vector("hand-written: DUP QoS 2 predefined = 0xC1", "07 12 C1 12 34 00 64",
                        new Subscribe(true, QoS.EXACTLY_ONCE, 0x1234, TopicRef.predefined(100))),
                vector("hand-written: QoS 1 short = 0x22", "07 12 22 00 02 61 62",
                        new Subscribe(false, QoS.AT_LEAST_ONCE, 2, new TopicRef.ShortName(0x6162))),
                // Wildcards travel as a topic name (0b00).
                vector("wildcard \"+\"", "06 12 00 00 03 2B", new Subscribe(false, QoS.AT_MOST_ONCE, 3, TopicRef.name("+"))),
                vector("wildcard \"#\"", "06 12 20 00 04 23", new Subscribe(false, QoS.AT_LEAST_ONCE, 4, TopicRef.name("#"))),
                vector("wildcard \"+/t\"", "08 12 40 00 05 2B 2F 74",
                        new Subscribe(false, QoS.EXACTLY_ONCE, 5, TopicRef.name("+/t"))),
                vector("wildcard \"s/#\"", "08 12 20 00 06 73 2F 23",
                        new Subscribe(false, QoS.AT_LEAST_ONCE, 6, TopicRef.name("s/#"))),
                vector("wildcard \"a/+/c/#\"", "0C 12 20 00 07 61 2F 2B 2F 63 2F 23",
                        new Subscribe(false, QoS.AT_LEAST_ONCE, 7, TopicRef.name("a/+/c/#"))),
                // Field edges.
                vector("msg id 0xFFFF, predefined 0xFFFE", "07 12 01 FF FF FF FE",
                        new Subscribe(false, QoS.AT_MOST_ONCE, 0xFFFF, TopicRef.predefined(0xFFFE))),
                vector("predefined 0x0000", "07 12 01 00 01 00 00",
                        new Subscribe(false, QoS.AT_MOST_ONCE, 1, TopicRef.predefined(0))),
                vector("UTF-8 name", "09 12 00 00 01 C3 A9 2F 23",
                        new Subscribe(false, QoS.AT_MOST_ONCE, 1, TopicRef.name("é/#"))),
                vector("name bytes kept exactly", "07 12 00 00 01 FF 00",
                        new Subscribe(false, QoS.AT_MOST_ONCE, 1, new TopicRef.Name(hex("FF 00")))),
                vector("250-byte name, 255 bytes", "FF 12 20 00 01 " + repeatHex('s', 250),
                        new Subscribe(false, QoS.AT_LEAST_ONCE, 1, TopicRef.name("s".repeat(250)))),
                vector("251-byte name, 3-byte length 0x0102", "01 01 02 12 20 00 01 " + repeatHex('s', 251),
                        new Subscribe(false, QoS.AT_LEAST_ONCE, 1, TopicRef.name("s".repeat(251)))));
    }

    /**
     * SUBSCRIBE with QoS bits 0b11 (QoS -1) and with topic id type 0b11: both were DecodeExceptions;
     * real clients send them and the gateway must answer, so they decode to {@link QoS#MINUS_ONE} and
     * {@link TopicRef.Reserved} (the raw rest of the packet after MsgId) and encode back to the same bytes.
     */
    static Stream<Arguments> subscribeFormerlyRefused() {
        return Stream.of(
                vector("QoS -1 name \"a/b\" = 0x60", "08 12 60 00 01 61 2F 62",
                        new Subscribe(false, QoS.MINUS_ONE, 1, TopicRef.name("a/b"))),
                vector("QoS -1 DUP predefined 100 = 0xE1", "07 12 E1 00 01 00 64",
                        new Subscribe(true, QoS.MINUS_ONE, 1, TopicRef.predefined(100))),
                vector("QoS -1 short \"ab\" = 0x62", "07 12 62 00 01 61 62",
                        new Subscribe(false, QoS.MINUS_ONE, 1, TopicRef.shortName("ab"))),
                vector("QoS -1 wildcard \"#\"", "06 12 60 00 02 23",
                        new Subscribe(false, QoS.MINUS_ONE, 2, TopicRef.name("#"))),
                vector("topic id type 0b11, QoS 1, two bytes = 0x23", "07 12 23 00 01 00 64",
                        new Subscribe(false, QoS.AT_LEAST_ONCE, 1, new TopicRef.Reserved(hex("00 64")))),
                vector("topic id type 0b11 with a name = 0x03", "08 12 03 00 01 61 2F 62",
                        new Subscribe(false, QoS.AT_MOST_ONCE, 1, new TopicRef.Reserved(hex("61 2F 62")))),
                vector("topic id type 0b11, nothing after MsgId", "05 12 43 00 09",
                        new Subscribe(false, QoS.EXACTLY_ONCE, 9, new TopicRef.Reserved(Bytes.EMPTY))),
                vector("topic id type 0b11, one byte after MsgId", "06 12 03 00 01 64",
                        new Subscribe(false, QoS.AT_MOST_ONCE, 1, new TopicRef.Reserved(hex("64")))),
                vector("topic id type 0b11 and QoS -1 and DUP = 0xE3", "07 12 E3 FF FF 00 00",
                        new Subscribe(true, QoS.MINUS_ONE, 0xFFFF, new TopicRef.Reserved(hex("00 00")))),
                vector("topic id type 0b11, 250 bytes, 255 bytes", "FF 12 23 00 01 " + patternHex(250),
                        new Subscribe(false, QoS.AT_LEAST_ONCE, 1, new TopicRef.Reserved(Bytes.wrap(pattern(250))))),
                vector("topic id type 0b11, 251 bytes, 3-byte length 0x0102", "01 01 02 12 23 00 01 " + patternHex(251),
                        new Subscribe(false, QoS.AT_LEAST_ONCE, 1, new TopicRef.Reserved(Bytes.wrap(pattern(251))))));
    }

    static Stream<Arguments> subscribeNonCanonical() {
        return Stream.of(
                nonCanonical("3-byte length form", "01 00 09 12 21 00 01 00 64",
                        new Subscribe(false, QoS.AT_LEAST_ONCE, 1, TopicRef.predefined(100)), "07 12 21 00 01 00 64"),
                // Retain (0x10), Will (0x08), CleanSession (0x04) are not used by SUBSCRIBE.
                nonCanonical("unused flag bits ignored", "08 12 3C 00 01 61 2F 62",
                        new Subscribe(false, QoS.AT_LEAST_ONCE, 1, TopicRef.name("a/b")), "08 12 20 00 01 61 2F 62"),
                nonCanonical("all flag bits set: DUP, QoS -1, topic id type 0b11", "07 12 FF 00 01 00 64",
                        new Subscribe(true, QoS.MINUS_ONE, 1, new TopicRef.Reserved(hex("00 64"))),
                        "07 12 E3 00 01 00 64"),
                nonCanonical("topic id type 0b11, 3-byte length form", "01 00 07 12 03 00 01",
                        new Subscribe(false, QoS.AT_MOST_ONCE, 1, new TopicRef.Reserved(Bytes.EMPTY)), "05 12 03 00 01"));
    }

    @ParameterizedTest(name = "SUBSCRIBE {0}: {1}")
    @MethodSource("subscribeMatrix")
    void subscribeMatrixVectors(String name, String hex, MqttSn12Message message) throws DecodeException {
        assertVector(hex, message);
    }

    @ParameterizedTest(name = "SUBSCRIBE {0}")
    @MethodSource("subscribe")
    void subscribeVectors(String name, String hex, MqttSn12Message message) throws DecodeException {
        assertVector(hex, message);
    }

    @ParameterizedTest(name = "SUBSCRIBE {0}: {1}")
    @MethodSource("subscribeFormerlyRefused")
    void subscribeWithQosMinusOneOrReservedTopicIdTypeDecodes(String name, String hex, MqttSn12Message message)
            throws DecodeException {
        assertVector(hex, message);
    }

    @ParameterizedTest(name = "SUBSCRIBE {0}: {1}")
    @MethodSource("subscribeNonCanonical")
    void subscribeNonCanonicalInputs(String name, String hex, MqttSn12Message message, String canonical)
            throws DecodeException {
        assertNonCanonical(hex, message, canonical);
    }

    @Test
    void subscribeShortNameText() throws DecodeException {
        Subscribe subscribe = (Subscribe) CODEC.decode(Bytes.fromHex("07 12 22 00 02 61 62").toArray());
        assertThat(subscribe.topic()).isInstanceOf(TopicRef.ShortName.class);
        assertThat(((TopicRef.ShortName) subscribe.topic()).text()).isEqualTo("ab");
        assertThat(subscribe.topic().topicIdType()).isEqualTo(TopicIdType.SHORT);
    }

    @Test
    void subscribeReservedTopicIdTypeKeepsTheRawField() throws DecodeException {
        Subscribe subscribe = (Subscribe) CODEC.decode(Bytes.fromHex("08 12 03 00 01 61 2F 62").toArray());
        assertThat(subscribe.topic()).isEqualTo(new TopicRef.Reserved(Bytes.utf8("a/b")));
        assertThat(subscribe.topic().topicIdType()).isEqualTo(TopicIdType.RESERVED);
        assertThat(subscribe.topic().topicIdType().bits()).isEqualTo(0b11);
        assertThat(subscribe.qos()).isEqualTo(QoS.AT_MOST_ONCE);
    }

    /**
     * Every flags byte: SUBSCRIBE decodes with the QoS of bits 6-5 (-1 included) and, for topic id type
     * 0b11, a {@link TopicRef.Reserved} holding the two bytes after MsgId; it re-encodes with only the
     * bits SUBSCRIBE uses (DUP, QoS, TopicIdType).
     */
    @Test
    void subscribeDecodesWithEveryFlagsByte() throws DecodeException {
        for (int flags = 0; flags <= 0xFF; flags++) {
            byte[] wire = Bytes.fromHex(String.format("07 12 %02X 00 01 61 62", flags)).toArray();
            Subscribe subscribe = (Subscribe) CODEC.decode(wire);
            assertThat(subscribe.dup()).as("flags 0x%02X", flags).isEqualTo((flags & DUP) != 0);
            assertThat(subscribe.qos()).as("flags 0x%02X", flags).isEqualTo(QoS.fromBits(flags >>> 5));
            TopicRef expected = switch (flags & 0b11) {
                case 0b00 -> TopicRef.name("ab");
                case 0b01 -> TopicRef.predefined(0x6162);
                case 0b10 -> TopicRef.shortName("ab");
                default -> new TopicRef.Reserved(hex("61 62"));
            };
            assertThat(subscribe.topic()).as("flags 0x%02X", flags).isEqualTo(expected);
            assertThat(Bytes.wrap(CODEC.encode(subscribe)).toHex()).as("flags 0x%02X", flags)
                    .isEqualTo(Bytes.fromHex(String.format("07 12 %02X 00 01 61 62", flags & 0xE3)).toHex());
        }
    }

    // ------------------------------------------------------------------ SUBACK

    static Stream<Arguments> subAck() {
        List<Arguments> rows = new ArrayList<>();
        // Length=8 | 0x13 | Flags (granted QoS) | TopicId | MsgId | ReturnCode
        for (int q = 0; q < QOS.length; q++) {
            rows.add(vector("granted QoS " + q + ", id 5", String.format("08 13 %02X 00 05 00 01 00", QOS_FLAG[q]),
                    new SubAck(QOS[q], 5, 1, ReturnCode.ACCEPTED)));
        }
        for (ReturnCode rc : ReturnCode.values()) {
            rows.add(vector("return code " + rc, String.format("08 13 00 00 00 00 02 %02X", rc.code()),
                    new SubAck(QoS.AT_MOST_ONCE, 0, 2, rc)));
        }
        rows.add(vector("wildcard: topic id 0x0000", "08 13 20 00 00 00 03 00",
                new SubAck(QoS.AT_LEAST_ONCE, 0, 3, ReturnCode.ACCEPTED)));
        rows.add(vector("id 0xFFFE, msg 0xFFFF", "08 13 40 FF FE FF FF 00",
                new SubAck(QoS.EXACTLY_ONCE, 0xFFFE, 0xFFFF, ReturnCode.ACCEPTED)));
        // Granted QoS 0b11 is kept as sent (some gateways put it in rejections; codec javadoc).
        rows.add(vector("QoS bits 0b11 in a rejection", "08 13 60 00 00 00 04 03",
                new SubAck(QoS.MINUS_ONE, 0, 4, ReturnCode.REJECTED_NOT_SUPPORTED)));
        return rows.stream();
    }

    static Stream<Arguments> subAckNonCanonical() {
        return Stream.of(
                // TopicIdType, DUP, Retain bits are not used by SUBACK.
                nonCanonical("unused flag bits ignored", "08 13 B3 00 05 00 01 00",
                        new SubAck(QoS.AT_LEAST_ONCE, 5, 1, ReturnCode.ACCEPTED), "08 13 20 00 05 00 01 00"));
    }

    @ParameterizedTest(name = "SUBACK {0}: {1}")
    @MethodSource("subAck")
    void subAckVectors(String name, String hex, MqttSn12Message message) throws DecodeException {
        assertVector(hex, message);
    }

    @ParameterizedTest(name = "SUBACK {0}: {1}")
    @MethodSource("subAckNonCanonical")
    void subAckNonCanonicalInputs(String name, String hex, MqttSn12Message message, String canonical)
            throws DecodeException {
        assertNonCanonical(hex, message, canonical);
    }

    // ------------------------------------------------------------------ UNSUBSCRIBE / UNSUBACK

    static Stream<Arguments> unsubscribe() {
        return Stream.of(
                // Length | 0x14 | Flags (TopicIdType only) | MsgId | name / id / short name
                vector("by name \"a/b\"", "08 14 00 00 01 61 2F 62", new Unsubscribe(1, TopicRef.name("a/b"))),
                vector("by wildcard name \"s/#\"", "08 14 00 00 02 73 2F 23", new Unsubscribe(2, TopicRef.name("s/#"))),
                vector("by predefined id 100", "07 14 01 00 03 00 64", new Unsubscribe(3, TopicRef.predefined(100))),
                vector("by short name \"ab\"", "07 14 02 00 04 61 62", new Unsubscribe(4, TopicRef.shortName("ab"))),
                vector("msg id 0xFFFF", "07 14 01 FF FF 12 34", new Unsubscribe(0xFFFF, TopicRef.predefined(0x1234))),
                vector("300-byte name, 3-byte length 0x0133", "01 01 33 14 00 00 05 " + repeatHex('u', 300),
                        new Unsubscribe(5, TopicRef.name("u".repeat(300)))),
                // Topic id type 0b11 was a DecodeException; it decodes to TopicRef.Reserved so the gateway can answer.
                vector("topic id type 0b11, two bytes", "07 14 03 00 01 00 64",
                        new Unsubscribe(1, new TopicRef.Reserved(hex("00 64")))),
                vector("topic id type 0b11 with a name", "08 14 03 00 06 73 2F 23",
                        new Unsubscribe(6, new TopicRef.Reserved(Bytes.utf8("s/#")))),
                vector("topic id type 0b11, nothing after MsgId", "05 14 03 00 07",
                        new Unsubscribe(7, new TopicRef.Reserved(Bytes.EMPTY))),
                vector("topic id type 0b11, 300 bytes, 3-byte length 0x0133", "01 01 33 14 03 00 08 " + patternHex(300),
                        new Unsubscribe(8, new TopicRef.Reserved(Bytes.wrap(pattern(300))))));
    }

    static Stream<Arguments> unsubscribeNonCanonical() {
        return Stream.of(
                // UNSUBSCRIBE uses only TopicIdType; DUP/QoS/Retain are ignored.
                nonCanonical("DUP, QoS, Retain bits ignored", "07 14 F1 00 03 00 64",
                        new Unsubscribe(3, TopicRef.predefined(100)), "07 14 01 00 03 00 64"),
                nonCanonical("3-byte length form", "01 00 09 14 02 00 04 61 62",
                        new Unsubscribe(4, TopicRef.shortName("ab")), "07 14 02 00 04 61 62"),
                nonCanonical("topic id type 0b11, every other flag set", "07 14 FF 00 01 00 64",
                        new Unsubscribe(1, new TopicRef.Reserved(hex("00 64"))), "07 14 03 00 01 00 64"));
    }

    static Stream<Arguments> unsubAck() {
        return Stream.of(
                vector("msg id 1", "04 15 00 01", new UnsubAck(1)),
                vector("msg id 0xABCD", "04 15 AB CD", new UnsubAck(0xABCD)),
                vector("msg id 0", "04 15 00 00", new UnsubAck(0)),
                vector("msg id 0xFFFF", "04 15 FF FF", new UnsubAck(0xFFFF)));
    }

    @ParameterizedTest(name = "UNSUBSCRIBE {0}")
    @MethodSource("unsubscribe")
    void unsubscribeVectors(String name, String hex, MqttSn12Message message) throws DecodeException {
        assertVector(hex, message);
    }

    @ParameterizedTest(name = "UNSUBSCRIBE {0}: {1}")
    @MethodSource("unsubscribeNonCanonical")
    void unsubscribeNonCanonicalInputs(String name, String hex, MqttSn12Message message, String canonical)
            throws DecodeException {
        assertNonCanonical(hex, message, canonical);
    }

    @ParameterizedTest(name = "UNSUBACK {0}: {1}")
    @MethodSource("unsubAck")
    void unsubAckVectors(String name, String hex, MqttSn12Message message) throws DecodeException {
        assertVector(hex, message);
    }

    @Test
    void reservedTopicRefRefusesNull() {
        assertThatNullPointerException().isThrownBy(() -> new TopicRef.Reserved(null));
    }

    @Test
    void subscriptionTypeCodes() {
        assertThat(MessageType.SUBSCRIBE.code()).isEqualTo(0x12);
        assertThat(MessageType.SUBACK.code()).isEqualTo(0x13);
        assertThat(MessageType.UNSUBSCRIBE.code()).isEqualTo(0x14);
        assertThat(MessageType.UNSUBACK.code()).isEqualTo(0x15);
    }
}
