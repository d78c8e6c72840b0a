package io.sngate.codec.v12;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Byte-exact vectors for REGISTER (0x0A) and REGACK (0x0B), spec digest §7. */
class RegistrationVectorsTest extends AbstractVectorsTest {

    static Stream<Arguments> register() {
        return Stream.of(
                // Length | 0x0A | TopicId | MsgId | TopicName
                vector("client -> GW: topic id 0x0000", "0B 0A 00 00 00 01 73 2F 74 2F 31",
                        new Register(0x0000, 0x0001, "s/t/1")),
                vector("GW -> client: assigned topic id 5", "0B 0A 00 05 00 02 73 2F 74 2F 31",
                        new Register(0x0005, 0x0002, "s/t/1")),
                vector("GW -> client: topic id 0x1234, msg id 0xABCD", "07 0A 12 34 AB CD 74",
                        new Register(0x1234, 0xABCD, "t")),
                vector("topic id 0xFFFE, msg id 0xFFFF", "07 0A FF FE FF FF 74", new Register(0xFFFE, 0xFFFF, "t")),
                vector("msg id 0x0100 (big-endian)", "07 0A 00 00 01 00 74", new Register(0, 256, "t")),
                vector("UTF-8 topic name", "0B 0A 00 00 00 03 C3 A9 2F C3 BC", new Register(0, 3, "é/ü")),
                vector("topic name bytes kept exactly (non-UTF-8)", "09 0A 00 00 00 04 FF 00 2F",
                        new Register(0, 4, hex("FF 00 2F"))),
                vector("249-byte topic name, 255 bytes", "FF 0A 00 00 00 05 " + repeatHex('n', 249),
                        new Register(0, 5, "n".repeat(249))),
                vector("250-byte topic name, 3-byte length 0x0102", "01 01 02 0A 00 07 00 06 " + repeatHex('n', 250),
                        new Register(7, 6, "n".repeat(250))));
    }

    static Stream<Arguments> registerNonCanonical() {
        return Stream.of(
                nonCanonical("3-byte length form for 7 bytes", "01 00 09 0A 00 00 00 01 74",
                        new Register(0, 1, "t"), "07 0A 00 00 00 01 74"));
    }

    @ParameterizedTest(name = "REGISTER {0}")
    @MethodSource("register")
    void registerVectors(String name, String hex, MqttSn12Message message) throws DecodeException {
        assertVector(hex, message);
    }

    @ParameterizedTest(name = "REGISTER {0}: {1}")
    @MethodSource("registerNonCanonical")
    void registerNonCanonicalInputs(String name, String hex, MqttSn12Message message, String canonical)
            throws DecodeException {
        assertNonCanonical(hex, message, canonical);
    }

    static Stream<Arguments> regAck() {
        return Stream.of(
                // Length=7 | 0x0B | TopicId | MsgId | ReturnCode
                vector("GW -> client accepted, id 5", "07 0B 00 05 00 01 00", new RegAck(5, 1, ReturnCode.ACCEPTED)),
                vector("congestion", "07 0B 00 00 00 01 01", new RegAck(0, 1, ReturnCode.REJECTED_CONGESTION)),
                vector("invalid topic id", "07 0B 00 00 00 01 02", new RegAck(0, 1, ReturnCode.REJECTED_INVALID_TOPIC_ID)),
                vector("not supported", "07 0B 00 00 00 01 03", new RegAck(0, 1, ReturnCode.REJECTED_NOT_SUPPORTED)),
                vector("client -> GW echo, id 0x1234 msg 0xABCD", "07 0B 12 34 AB CD 00",
                        new RegAck(0x1234, 0xABCD, ReturnCode.ACCEPTED)),
                vector("client -> GW refuses, id 0xFFFE msg 0xFFFF", "07 0B FF FE FF FF 02",
                        new RegAck(0xFFFE, 0xFFFF, ReturnCode.REJECTED_INVALID_TOPIC_ID)));
    }

    @ParameterizedTest(name = "REGACK {0}: {1}")
    @MethodSource("regAck")
    void regAckVectors(String name, String hex, MqttSn12Message message) throws DecodeException {
        assertVector(hex, message);
    }

    @Test
    void regAckCoversEveryReturnCode() {
        assertThat(regAck().map(a -> ((RegAck) a.get()[2]).returnCode()).distinct())
                .containsExactlyInAnyOrder(ReturnCode.values());
    }

    @Test
    void registerTopicNameIsExactBytes() throws DecodeException {
        Register register = (Register) CODEC.decode(Bytes.fromHex("09 0A 00 00 00 04 FF 00 2F").toArray());
        assertThat(register.topicName().toArray()).containsExactly(0xFF, 0x00, 0x2F);
    }

    @Test
    void registrationTypeCodes() {
        assertThat(MessageType.REGISTER.code()).isEqualTo(0x0A);
        assertThat(MessageType.REGACK.code()).isEqualTo(0x0B);
    }
}
