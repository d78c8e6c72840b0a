package io.sngate.codec.v12;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Byte-exact vectors for CONNECT (0x04), CONNACK (0x05), DISCONNECT (0x18), PINGREQ (0x16)
 * and PINGRESP (0x17), spec digest §7.
 */
class ConnectionVectorsTest extends AbstractVectorsTest {

    // ------------------------------------------------------------------ CONNECT

    static Stream<Arguments> connect() {
        String id300 = repeatHex('x', 300);
        String id249 = repeatHex('y', 249);
        String id250 = repeatHex('z', 250);
        return Stream.of(
                // The digest's own example: ClientId "c1", keep-alive 60, CleanSession.
                vector("digest example (CleanSession, no Will)", "08 04 04 01 00 3C 63 31",
                        new Connect(false, true, 60, "c1")),
                // Every Will x CleanSession combination (Will 0x08, CleanSession 0x04).
                vector("Will=0 CleanSession=0", "08 04 00 01 00 3C 63 31", new Connect(false, false, 60, "c1")),
                vector("Will=0 CleanSession=1", "08 04 04 01 00 3C 63 31", new Connect(false, true, 60, "c1")),
                vector("Will=1 CleanSession=0", "08 04 08 01 00 3C 63 31", new Connect(true, false, 60, "c1")),
                vector("Will=1 CleanSession=1", "08 04 0C 01 00 3C 63 31", new Connect(true, true, 60, "c1")),
                // Keep-alive edges (uint16 big-endian).
                vector("keep-alive 0", "08 04 04 01 00 00 63 31", new Connect(false, true, 0, "c1")),
                vector("keep-alive 256", "08 04 04 01 01 00 63 31", new Connect(false, true, 256, "c1")),
                vector("keep-alive 65535", "08 04 04 01 FF FF 63 31", new Connect(false, true, 65535, "c1")),
                // Protocol id other than 0x01 is kept as received.
                vector("protocol id 0x02 kept", "08 04 04 02 00 3C 63 31",
                        new Connect(false, true, 0x02, 60, Bytes.utf8("c1"))),
                vector("protocol id 0x00 kept", "08 04 04 00 00 3C 63 31",
                        new Connect(false, true, 0x00, 60, Bytes.utf8("c1"))),
                vector("protocol id 0xFF kept", "08 04 04 FF 00 3C 63 31",
                        new Connect(false, true, 0xFF, 60, Bytes.utf8("c1"))),
                // Client ids.
                vector("1-byte client id", "07 04 04 01 00 3C 41", new Connect(false, true, 60, "A")),
                vector("23-byte client id", "1D 04 04 01 00 3C " + repeatHex('a', 23),
                        new Connect(false, true, 60, "a".repeat(23))),
                vector("UTF-8 client id \"é\"", "08 04 04 01 00 3C C3 A9", new Connect(false, true, 60, "é")),
                vector("non-UTF-8 client id kept exactly", "0A 04 04 01 00 3C FF FE C3 28",
                        new Connect(false, true, 1, 60, hex("FF FE C3 28"))),
                vector("client id with 0x00 and 0x80", "08 04 04 01 00 3C 00 80",
                        new Connect(false, true, 1, 60, hex("00 80"))),
                // An empty client id (the body ends after Duration): 1.2 does not provide for it, but
                // clients send it and the gateway must answer, so it decodes (it was INVALID_FIELD).
                vector("empty client id", "06 04 04 01 00 3C", new Connect(false, true, 1, 60, Bytes.EMPTY)),
                vector("empty client id (String constructor)", "06 04 04 01 00 3C", new Connect(false, true, 60, "")),
                vector("empty client id, Will, keep-alive 0", "06 04 08 01 00 00",
                        new Connect(true, false, 1, 0, Bytes.EMPTY)),
                vector("empty client id, protocol id 0x02 kept", "06 04 0C 02 FF FF",
                        new Connect(true, true, 0x02, 0xFFFF, Bytes.EMPTY)),
                // Length forms: 249-byte id -> 255 bytes (largest 1-byte form); 250 -> 258 (3-byte form);
                // 300 -> 308 = 0x0134 (3-byte form).
                vector("249-byte client id, 255 bytes, 1-byte length", "FF 04 04 01 00 3C " + id249,
                        new Connect(false, true, 60, "y".repeat(249))),
                vector("250-byte client id, 258 bytes, 3-byte length", "01 01 02 04 04 01 00 3C " + id250,
                        new Connect(false, true, 60, "z".repeat(250))),
                vector("300-byte client id, 3-byte length 0x0134", "01 01 34 04 0C 01 00 3C " + id300,
                        new Connect(true, true, 60, "x".repeat(300))));
    }

    static Stream<Arguments> connectNonCanonical() {
        return Stream.of(
                nonCanonical("3-byte length form for 10 bytes", "01 00 0A 04 04 01 00 3C 63 31",
                        new Connect(false, true, 60, "c1"), "08 04 04 01 00 3C 63 31"),
                // DUP, QoS, Retain, TopicIdType bits are not used by CONNECT and are ignored.
                nonCanonical("unused flag bits ignored (0xF7)", "08 04 F7 01 00 3C 63 31",
                        new Connect(false, true, 60, "c1"), "08 04 04 01 00 3C 63 31"),
                nonCanonical("unused flag bits ignored (0xF3, no flags used)", "08 04 F3 01 00 3C 63 31",
                        new Connect(false, false, 60, "c1"), "08 04 00 01 00 3C 63 31"),
                nonCanonical("unused flag bits ignored (0x8B = DUP + Will + 0b11)", "08 04 8B 01 00 3C 63 31",
                        new Connect(true, false, 60, "c1"), "08 04 08 01 00 3C 63 31"),
                nonCanonical("empty client id, 3-byte length form", "01 00 08 04 04 01 00 3C",
                        new Connect(false, true, 1, 60, Bytes.EMPTY), "06 04 04 01 00 3C"),
                nonCanonical("empty client id, unused flag bits ignored", "06 04 F7 01 00 3C",
                        new Connect(false, true, 1, 60, Bytes.EMPTY), "06 04 04 01 00 3C"));
    }

    @ParameterizedTest(name = "CONNECT {0}")
    @MethodSource("connect")
    void connectVectors(String name, String hex, MqttSn12Message message) throws DecodeException {
        assertVector(hex, message);
    }

    @ParameterizedTest(name = "CONNECT {0}: {1}")
    @MethodSource("connectNonCanonical")
    void connectNonCanonicalInputs(String name, String hex, MqttSn12Message message, String canonical)
            throws DecodeException {
        assertNonCanonical(hex, message, canonical);
    }

    @Test
    void connectKeepsNonUtf8ClientIdBytesExactly() throws DecodeException {
        Connect connect = (Connect) CODEC.decode(Bytes.fromHex("0A 04 04 01 00 3C FF FE C3 28").toArray());
        assertThat(connect.clientId().toArray()).containsExactly(0xFF, 0xFE, 0xC3, 0x28);
        assertThat(connect.protocolId()).isEqualTo(Connect.PROTOCOL_ID).isEqualTo(0x01);
    }

    @Test
    void connectWithEmptyClientIdDecodesToEmptyBytes() throws DecodeException {
        Connect connect = (Connect) CODEC.decode(Bytes.fromHex("06 04 04 01 00 3C").toArray());
        assertThat(connect.clientId()).isEqualTo(Bytes.EMPTY);
        assertThat(connect.clientId().isEmpty()).isTrue();
        assertThat(connect.keepAlive()).isEqualTo(60);
        assertThat(connect.cleanSession()).isTrue();
        assertThat(CODEC.encode(connect)).containsExactly(0x06, 0x04, 0x04, 0x01, 0x00, 0x3C);
    }

    @Test
    void connect300ByteClientIdUsesTheThreeByteLengthForm() throws DecodeException {
        Connect connect = new Connect(false, true, 60, "x".repeat(300));
        byte[] wire = CODEC.encode(connect);
        assertThat(wire).hasSize(308);
        assertThat(Bytes.wrap(wire).slice(0, 8).toHex()).isEqualTo("0101340404" + "01003c");
        assertThat(((Connect) CODEC.decode(wire)).clientId().length()).isEqualTo(300);
    }

    // ------------------------------------------------------------------ CONNACK

    static Stream<Arguments> connAck() {
        return Stream.of(
                vector("0x00 accepted", "03 05 00", new ConnAck(ReturnCode.ACCEPTED)),
                vector("0x01 rejected: congestion", "03 05 01", new ConnAck(ReturnCode.REJECTED_CONGESTION)),
                vector("0x02 rejected: invalid topic id", "03 05 02",
                        new ConnAck(ReturnCode.REJECTED_INVALID_TOPIC_ID)),
                vector("0x03 rejected: not supported", "03 05 03", new ConnAck(ReturnCode.REJECTED_NOT_SUPPORTED)));
    }

    @ParameterizedTest(name = "CONNACK {0}: {1}")
    @MethodSource("connAck")
    void connAckVectors(String name, String hex, MqttSn12Message message) throws DecodeException {
        assertVector(hex, message);
    }

    @Test
    void connAckEveryReturnCodeIsCovered() {
        assertThat(connAck()).hasSize(ReturnCode.values().length);
        assertThat(ReturnCode.values()).extracting(ReturnCode::code).containsExactly(0x00, 0x01, 0x02, 0x03);
    }

    // ------------------------------------------------------------------ DISCONNECT

    static Stream<Arguments> disconnect() {
        return Stream.of(
                vector("without duration", "02 18", Disconnect.PLAIN),
                vector("without duration (record)", "02 18", new Disconnect(OptionalInt.empty())),
                vector("sleep 0 s", "04 18 00 00", Disconnect.sleep(0)),
                vector("sleep 1 s", "04 18 00 01", Disconnect.sleep(1)),
                vector("sleep 3600 s", "04 18 0E 10", Disconnect.sleep(3600)),
                vector("sleep 65535 s", "04 18 FF FF", new Disconnect(OptionalInt.of(65535))));
    }

    static Stream<Arguments> disconnectNonCanonical() {
        return Stream.of(
                nonCanonical("3-byte length, no duration", "01 00 04 18", Disconnect.PLAIN, "02 18"),
                nonCanonical("3-byte length, duration 60", "01 00 06 18 00 3C", Disconnect.sleep(60), "04 18 00 3C"));
    }

    @ParameterizedTest(name = "DISCONNECT {0}: {1}")
    @MethodSource("disconnect")
    void disconnectVectors(String name, String hex, MqttSn12Message message) throws DecodeException {
        assertVector(hex, message);
    }

    @ParameterizedTest(name = "DISCONNECT {0}: {1}")
    @MethodSource("disconnectNonCanonical")
    void disconnectNonCanonicalInputs(String name, String hex, MqttSn12Message message, String canonical)
            throws DecodeException {
        assertNonCanonical(hex, message, canonical);
    }

    @Test
    void disconnectSleepFlag() throws DecodeException {
        assertThat(((Disconnect) CODEC.decode(Bytes.fromHex("02 18").toArray())).isSleep()).isFalse();
        assertThat(((Disconnect) CODEC.decode(Bytes.fromHex("04 18 00 00").toArray())).isSleep()).isTrue();
    }

    // ------------------------------------------------------------------ PINGREQ / PINGRESP

    static Stream<Arguments> ping() {
        return Stream.of(
                vector("PINGREQ without client id", "02 16", PingReq.PLAIN),
                vector("PINGREQ without client id (record)", "02 16", new PingReq(Bytes.EMPTY)),
                vector("PINGREQ with client id \"c1\"", "04 16 63 31", PingReq.wake("c1")),
                vector("PINGREQ with 23-byte client id", "19 16 " + repeatHex('q', 23), PingReq.wake("q".repeat(23))),
                vector("PINGREQ with non-UTF-8 client id", "05 16 FF 00 C3", new PingReq(hex("FF 00 C3"))),
                vector("PINGREQ with 300-byte client id, 3-byte length", "01 01 30 16 " + repeatHex('p', 300),
                        PingReq.wake("p".repeat(300))),
                vector("PINGRESP", "02 17", PingResp.INSTANCE),
                vector("PINGRESP (record)", "02 17", new PingResp()));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("ping")
    void pingVectors(String name, String hex, MqttSn12Message message) throws DecodeException {
        assertVector(hex, message);
    }

    @Test
    void pingReqClientIdPresence() throws DecodeException {
        assertThat(((PingReq) CODEC.decode(Bytes.fromHex("02 16").toArray())).hasClientId()).isFalse();
        assertThat(((PingReq) CODEC.decode(Bytes.fromHex("04 16 63 31").toArray())).hasClientId()).isTrue();
    }

    @Test
    void connectionTypeCodes() {
        assertThat(MessageType.CONNECT.code()).isEqualTo(0x04);
        assertThat(MessageType.CONNACK.code()).isEqualTo(0x05);
        assertThat(MessageType.PINGREQ.code()).isEqualTo(0x16);
        assertThat(MessageType.PINGRESP.code()).isEqualTo(0x17);
        assertThat(MessageType.DISCONNECT.code()).isEqualTo(0x18);
    }
}
