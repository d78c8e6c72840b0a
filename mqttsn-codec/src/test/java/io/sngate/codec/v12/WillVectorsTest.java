package io.sngate.codec.v12;

import static org.assertj.core.api.Assertions.assertThat;

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
 * Byte-exact vectors for WILLTOPICREQ (0x06), WILLTOPIC (0x07), WILLMSGREQ (0x08), WILLMSG (0x09),
 * WILLTOPICUPD (0x1A), WILLTOPICRESP (0x1B), WILLMSGUPD (0x1C) and WILLMSGRESP (0x1D), spec digest §7.
 */
class WillVectorsTest extends AbstractVectorsTest {

    /** Spec digest §3: Will QoS in bits 6-5 (0x00, 0x20, 0x40), Will Retain 0x10. */
    private static final QoS[] WILL_QOS = {QoS.AT_MOST_ONCE, QoS.AT_LEAST_ONCE, QoS.EXACTLY_ONCE};
    private static final int[] WILL_QOS_FLAG = {0x00, 0x20, 0x40};

    // ------------------------------------------------------------------ requests

    static Stream<Arguments> requests() {
        return Stream.of(
                vector("WILLTOPICREQ", "02 06", WillTopicReq.INSTANCE),
                vector("WILLTOPICREQ (record)", "02 06", new WillTopicReq()),
                vector("WILLMSGREQ", "02 08", WillMsgReq.INSTANCE),
                vector("WILLMSGREQ (record)", "02 08", new WillMsgReq()));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("requests")
    void requestVectors(String name, String hex, MqttSn12Message message) throws DecodeException {
        assertVector(hex, message);
    }

    // ------------------------------------------------------------------ WILLTOPIC / WILLTOPICUPD

    /** WILLTOPIC and WILLTOPICUPD for each will QoS 0..2 x retain, topic "w/t", plus the empty form. */
    static Stream<Arguments> willTopic() {
        List<Arguments> rows = new ArrayList<>();
        for (int q = 0; q < WILL_QOS.length; q++) {
            for (boolean retain : new boolean[] {false, true}) {
                int flags = WILL_QOS_FLAG[q] | (retain ? RETAIN : 0);
                String body = String.format("%02X 77 2F 74", flags);
                String label = "QoS " + q + (retain ? " retain" : "");
                rows.add(vector("WILLTOPIC " + label, "06 07 " + body, new WillTopic(WILL_QOS[q], retain, "w/t")));
                rows.add(vector("WILLTOPICUPD " + label, "06 1A " + body,
                        new WillTopicUpd(WILL_QOS[q], retain, "w/t")));
            }
        }
        // Hand-written rows so the table does not depend only on the loop above.
        rows.add(vector("WILLTOPIC QoS 1 retain (hand-written)", "06 07 30 77 2F 74",
                new WillTopic(QoS.AT_LEAST_ONCE, true, "w/t")));
        rows.add(vector("WILLTOPIC QoS 2 (hand-written)", "06 07 40 77 2F 74",
                new WillTopic(QoS.EXACTLY_ONCE, false, "w/t")));
        rows.add(vector("WILLTOPICUPD QoS 2 retain (hand-written)", "06 1A 50 77 2F 74",
                new WillTopicUpd(QoS.EXACTLY_ONCE, true, "w/t")));
        // The empty 2-byte form: no Flags, no topic.
        rows.add(vector("WILLTOPIC empty form", "02 07", WillTopic.EMPTY));
        rows.add(vector("WILLTOPIC empty form (record)", "02 07", new WillTopic(QoS.AT_MOST_ONCE, false, Bytes.EMPTY)));
        rows.add(vector("WILLTOPICUPD empty form", "02 1A", WillTopicUpd.EMPTY));
        rows.add(vector("WILLTOPICUPD empty form (record)", "02 1A",
                new WillTopicUpd(QoS.AT_MOST_ONCE, false, Bytes.EMPTY)));
        // Topic contents.
        rows.add(vector("WILLTOPIC 1-byte topic", "04 07 00 74", new WillTopic(QoS.AT_MOST_ONCE, false, "t")));
        rows.add(vector("WILLTOPIC UTF-8 topic", "07 07 20 C3 A9 2F 74", new WillTopic(QoS.AT_LEAST_ONCE, false, "é/t")));
        rows.add(vector("WILLTOPIC 300-byte topic, 3-byte length", "01 01 31 07 20 " + repeatHex('w', 300),
                new WillTopic(QoS.AT_LEAST_ONCE, false, "w".repeat(300))));
        return rows.stream();
    }

    static Stream<Arguments> willTopicNonCanonical() {
        return Stream.of(
                // Flags present but no topic: also the empty form (decoder tolerance per the codec javadoc).
                nonCanonical("WILLTOPIC flags but no topic", "03 07 00", WillTopic.EMPTY, "02 07"),
                nonCanonical("WILLTOPICUPD flags but no topic", "03 1A 30", WillTopicUpd.EMPTY, "02 1A"),
                // Unused bits (DUP, Will, CleanSession, TopicIdType) are ignored.
                nonCanonical("WILLTOPIC unused flag bits ignored", "06 07 8F 77 2F 74",
                        new WillTopic(QoS.AT_MOST_ONCE, false, "w/t"), "06 07 00 77 2F 74"),
                nonCanonical("WILLTOPICUPD unused flag bits ignored", "06 1A BF 77 2F 74",
                        new WillTopicUpd(QoS.AT_LEAST_ONCE, true, "w/t"), "06 1A 30 77 2F 74"),
                nonCanonical("WILLTOPIC 3-byte length form", "01 00 08 07 20 77 2F 74",
                        new WillTopic(QoS.AT_LEAST_ONCE, false, "w/t"), "06 07 20 77 2F 74"),
                nonCanonical("WILLTOPIC empty, 3-byte length form", "01 00 04 07", WillTopic.EMPTY, "02 07"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("willTopic")
    void willTopicVectors(String name, String hex, MqttSn12Message message) throws DecodeException {
        assertVector(hex, message);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("willTopicNonCanonical")
    void willTopicNonCanonicalInputs(String name, String hex, MqttSn12Message message, String canonical)
            throws DecodeException {
        assertNonCanonical(hex, message, canonical);
    }

    @Test
    void emptyWillTopicIsEmpty() throws DecodeException {
        assertThat(((WillTopic) CODEC.decode(Bytes.fromHex("02 07").toArray())).isEmpty()).isTrue();
        assertThat(((WillTopicUpd) CODEC.decode(Bytes.fromHex("02 1A").toArray())).isEmpty()).isTrue();
        assertThat(((WillTopic) CODEC.decode(Bytes.fromHex("06 07 20 77 2F 74").toArray())).isEmpty()).isFalse();
    }

    // ------------------------------------------------------------------ WILLMSG / WILLMSGUPD

    static Stream<Arguments> willMsg() {
        return Stream.of(
                vector("WILLMSG text", "09 09 6F 66 66 6C 69 6E 65", new WillMsg(Bytes.utf8("offline"))),
                vector("WILLMSG 1 byte", "03 09 00", new WillMsg(hex("00"))),
                vector("WILLMSG binary with 0x00 and 0xFF", "06 09 00 FF 80 7F", new WillMsg(hex("00 FF 80 7F"))),
                vector("WILLMSG empty", "02 09", new WillMsg(Bytes.EMPTY)),
                vector("WILLMSG 253 bytes, 255 total", "FF 09 " + patternHex(253), new WillMsg(Bytes.wrap(pattern(253)))),
                vector("WILLMSG 254 bytes, 3-byte length", "01 01 02 09 " + patternHex(254),
                        new WillMsg(Bytes.wrap(pattern(254)))),
                vector("WILLMSGUPD text", "09 1C 6F 66 66 6C 69 6E 65", new WillMsgUpd(Bytes.utf8("offline"))),
                vector("WILLMSGUPD binary", "04 1C FF 00", new WillMsgUpd(hex("FF 00"))),
                vector("WILLMSGUPD empty", "02 1C", new WillMsgUpd(Bytes.EMPTY)),
                vector("WILLMSGUPD 1000 bytes, 3-byte length", "01 03 EC 1C " + patternHex(1000),
                        new WillMsgUpd(Bytes.wrap(pattern(1000)))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("willMsg")
    void willMsgVectors(String name, String hex, MqttSn12Message message) throws DecodeException {
        assertVector(hex, message);
    }

    // ------------------------------------------------------------------ WILLTOPICRESP / WILLMSGRESP

    static Stream<Arguments> willResp() {
        List<Arguments> rows = new ArrayList<>();
        for (ReturnCode rc : ReturnCode.values()) {
            String code = String.format("%02X", rc.code());
            rows.add(vector("WILLTOPICRESP " + rc, "03 1B " + code, new WillTopicResp(rc)));
            rows.add(vector("WILLMSGRESP " + rc, "03 1D " + code, new WillMsgResp(rc)));
        }
        rows.add(vector("WILLTOPICRESP 0x03 (hand-written)", "03 1B 03",
                new WillTopicResp(ReturnCode.REJECTED_NOT_SUPPORTED)));
        rows.add(vector("WILLMSGRESP 0x01 (hand-written)", "03 1D 01", new WillMsgResp(ReturnCode.REJECTED_CONGESTION)));
        return rows.stream();
    }

    static Stream<Arguments> willRespPre12() {
        return Stream.of(
                // Pre-1.2 peers send no ReturnCode: decodes as ACCEPTED, re-encodes in the 1.2 3-byte form.
                nonCanonical("WILLTOPICRESP pre-1.2 2-byte form", "02 1B", new WillTopicResp(ReturnCode.ACCEPTED),
                        "03 1B 00"),
                nonCanonical("WILLMSGRESP pre-1.2 2-byte form", "02 1D", new WillMsgResp(ReturnCode.ACCEPTED),
                        "03 1D 00"),
                nonCanonical("WILLTOPICRESP pre-1.2, 3-byte length form", "01 00 04 1B",
                        new WillTopicResp(ReturnCode.ACCEPTED), "03 1B 00"),
                nonCanonical("WILLMSGRESP 3-byte length form", "01 00 05 1D 02",
                        new WillMsgResp(ReturnCode.REJECTED_INVALID_TOPIC_ID), "03 1D 02"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("willResp")
    void willRespVectors(String name, String hex, MqttSn12Message message) throws DecodeException {
        assertVector(hex, message);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("willRespPre12")
    void willRespPre12Inputs(String name, String hex, MqttSn12Message message, String canonical)
            throws DecodeException {
        assertNonCanonical(hex, message, canonical);
    }

    @Test
    void willTypeCodes() {
        assertThat(MessageType.WILLTOPICREQ.code()).isEqualTo(0x06);
        assertThat(MessageType.WILLTOPIC.code()).isEqualTo(0x07);
        assertThat(MessageType.WILLMSGREQ.code()).isEqualTo(0x08);
        assertThat(MessageType.WILLMSG.code()).isEqualTo(0x09);
        assertThat(MessageType.WILLTOPICUPD.code()).isEqualTo(0x1A);
        assertThat(MessageType.WILLTOPICRESP.code()).isEqualTo(0x1B);
        assertThat(MessageType.WILLMSGUPD.code()).isEqualTo(0x1C);
        assertThat(MessageType.WILLMSGRESP.code()).isEqualTo(0x1D);
    }
}
