package io.sngate.codec.v12;

import static io.sngate.codec.DecodeException.Reason.INVALID_FIELD;
import static io.sngate.codec.DecodeException.Reason.LENGTH_MISMATCH;
import static io.sngate.codec.DecodeException.Reason.RESERVED_VALUE;
import static io.sngate.codec.DecodeException.Reason.TRUNCATED;
import static io.sngate.codec.DecodeException.Reason.UNKNOWN_TYPE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.DecodeException.Reason;
import io.sngate.codec.MqttSnCodec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every malformation gives a {@link DecodeException} with the right packet, field and reason, a
 * message naming the packet, and no stack trace. Vectors from the spec digest
 * {@code /work/shared/spec/mqtt-sn-1.2.md} and the decoding rules in {@link MqttSn12Codec}'s javadoc.
 */
class MalformedTest {

    private static final MqttSnCodec<MqttSn12Message> CODEC = MqttSnCodec.v12();

    /** name, hex, packet, field, reason, a fragment the message must contain (besides the packet). */
    private static Arguments bad(String name, String hex, String packet, String field, Reason reason, String detail) {
        return Arguments.of(name, hex, packet, field, reason, detail);
    }

    private static DecodeException decodeFailure(byte[] input) {
        Throwable thrown = catchThrowable(() -> CODEC.decode(input));
        assertThat(thrown).as("decode(%s)", Bytes.wrap(input).toHex()).isInstanceOf(DecodeException.class);
        return (DecodeException) thrown;
    }

    private static DecodeException decodeFailure(String hex) {
        return decodeFailure(Bytes.fromHex(hex).toArray());
    }

    // ------------------------------------------------------------------ header and length

    static Stream<Arguments> header() {
        return Stream.of(
                bad("empty input", "", "HEADER", "Length", TRUNCATED, "0 byte(s)"),
                bad("1-byte input", "0C", "HEADER", "Length", TRUNCATED, "1 byte(s)"),
                bad("1-byte input 0x01", "01", "HEADER", "Length", TRUNCATED, "shorter than the 2-byte header"),
                bad("length byte 0x00", "00 0C 20 00 01 00 02", "PUBLISH", "Length", INVALID_FIELD, "length 0"),
                bad("length byte 0x00, 2 bytes", "00 18", "DISCONNECT", "Length", INVALID_FIELD, "length 0"),
                bad("3-byte form with 2 bytes", "01 00", "HEADER", "Length", TRUNCATED, "4-byte header"),
                bad("3-byte form with 3 bytes", "01 00 09", "HEADER", "Length", TRUNCATED, "datagram has 3 bytes"),
                bad("3-byte form, 16-bit length 0", "01 00 00 0C 20 00 01 00 02", "PUBLISH", "Length", INVALID_FIELD,
                        "3-byte length 0"),
                bad("3-byte form, 16-bit length 3", "01 00 03 0C", "PUBLISH", "Length", INVALID_FIELD,
                        "3-byte length 3"),
                bad("3-byte form, 16-bit length 1", "01 00 01 18", "DISCONNECT", "Length", INVALID_FIELD,
                        "3-byte length 1"),
                bad("length larger than datagram", "09 0C 20 00 01 00 02", "PUBLISH", "Length", LENGTH_MISMATCH,
                        "PUBLISH: length 9 but datagram has 7 bytes"),
                bad("length smaller than datagram", "07 0C 20 00 01 00 02 68 69", "PUBLISH", "Length", LENGTH_MISMATCH,
                        "PUBLISH: length 7 but datagram has 9 bytes"),
                bad("length 0xFF, datagram 9", "FF 0C 20 00 01 00 02 68 69", "PUBLISH", "Length", LENGTH_MISMATCH,
                        "length 255 but datagram has 9 bytes"),
                bad("3-byte length larger than datagram", "01 00 0A 0C 20 00 01 00 02", "PUBLISH", "Length",
                        LENGTH_MISMATCH, "length 10 but datagram has 9 bytes"),
                bad("3-byte length smaller than datagram", "01 00 08 0C 20 00 01 00 02", "PUBLISH", "Length",
                        LENGTH_MISMATCH, "length 8 but datagram has 9 bytes"),
                bad("two packets in one datagram", "02 17 02 17", "PINGRESP", "Length", LENGTH_MISMATCH,
                        "length 2 but datagram has 4 bytes"),
                bad("CONNACK length too large", "04 05 00", "CONNACK", "Length", LENGTH_MISMATCH,
                        "CONNACK: length 4 but datagram has 3 bytes"));
    }

    // ------------------------------------------------------------------ message types

    static Stream<Arguments> types() {
        List<Arguments> rows = new ArrayList<>();
        for (int code : new int[] {0x03, 0x11, 0x19, 0x1E, 0x1F, 0x20, 0x7F, 0x80, 0xFD, 0xFF}) {
            String name = String.format("TYPE 0x%02X", code);
            rows.add(bad("reserved type " + name, String.format("02 %02X", code), name, "MsgType", UNKNOWN_TYPE,
                    String.format("0x%02X is reserved", code)));
            rows.add(bad("reserved type " + name + " with body", String.format("05 %02X 00 01 02", code), name,
                    "MsgType", UNKNOWN_TYPE, String.format("0x%02X", code)));
            rows.add(bad("reserved type " + name + " in 3-byte form", String.format("01 00 04 %02X", code), name,
                    "MsgType", UNKNOWN_TYPE, String.format("0x%02X", code)));
        }
        // 0xFE is the forwarder encapsulation: a framing, to be unwrapped before decoding.
        rows.add(bad("encapsulated, header only", "02 FE", "ENCAPSULATED", "MsgType", UNKNOWN_TYPE, "unwrap"));
        rows.add(bad("encapsulated, ctrl + no node id, no inner", "03 FE 00", "ENCAPSULATED", "MsgType",
                UNKNOWN_TYPE, "unwrap"));
        // A real encapsulated frame (digest §7): Length = 3 + len(node id) counts only the wrapper, and the
        // complete inner message (here PINGRESP 02 17) follows it. The datagram is therefore always longer
        // than Length; the decoder must still say "encapsulated: unwrap it", not "length mismatch".
        rows.add(bad("real encapsulated frame with inner PINGRESP", "05 FE 00 AB CD 02 17", "ENCAPSULATED",
                "MsgType", UNKNOWN_TYPE, "unwrap"));
        rows.add(bad("real encapsulated frame with inner PUBLISH", "04 FE 01 07 09 0C 20 00 01 00 02 68 69",
                "ENCAPSULATED", "MsgType", UNKNOWN_TYPE, "unwrap"));
        return rows.stream();
    }

    // ------------------------------------------------------------------ reserved values

    static Stream<Arguments> reservedValues() {
        List<Arguments> rows = new ArrayList<>();
        // TopicIdType 0b11 in PUBLISH. (SUBSCRIBE and UNSUBSCRIBE with 0b11 decode to TopicRef.Reserved:
        // SubscriptionVectorsTest.)
        rows.add(bad("PUBLISH topic id type 0b11", "09 0C 23 00 01 00 02 68 69", "PUBLISH", "Flags.TopicIdType",
                RESERVED_VALUE, "0b11"));
        rows.add(bad("PUBLISH topic id type 0b11 with all flags", "09 0C FF 00 01 00 02 68 69", "PUBLISH",
                "Flags.TopicIdType", RESERVED_VALUE, "0b11"));
        rows.add(bad("PUBLISH topic id type 0b11, QoS -1, no payload", "07 0C 63 00 01 00 00", "PUBLISH",
                "Flags.TopicIdType", RESERVED_VALUE, "0b11"));
        // Return codes 0x04..0xFF in every packet with a ReturnCode.
        for (int rc : new int[] {0x04, 0x05, 0x80, 0xFF}) {
            String code = String.format("%02X", rc);
            String detail = String.format("return code 0x%02X is reserved", rc);
            rows.add(bad("CONNACK rc 0x" + code, "03 05 " + code, "CONNACK", "ReturnCode", RESERVED_VALUE, detail));
            rows.add(bad("REGACK rc 0x" + code, "07 0B 00 01 00 01 " + code, "REGACK", "ReturnCode", RESERVED_VALUE,
                    detail));
            rows.add(bad("PUBACK rc 0x" + code, "07 0D 00 01 00 01 " + code, "PUBACK", "ReturnCode", RESERVED_VALUE,
                    detail));
            rows.add(bad("SUBACK rc 0x" + code, "08 13 20 00 01 00 01 " + code, "SUBACK", "ReturnCode",
                    RESERVED_VALUE, detail));
            rows.add(bad("WILLTOPICRESP rc 0x" + code, "03 1B " + code, "WILLTOPICRESP", "ReturnCode",
                    RESERVED_VALUE, detail));
            rows.add(bad("WILLMSGRESP rc 0x" + code, "03 1D " + code, "WILLMSGRESP", "ReturnCode", RESERVED_VALUE,
                    detail));
        }
        rows.add(bad("CONNACK rc 0x04 in 3-byte form", "01 00 05 05 04", "CONNACK", "ReturnCode", RESERVED_VALUE,
                "0x04"));
        return rows.stream();
    }

    // ------------------------------------------------------------------ invalid fields and short bodies

    static Stream<Arguments> fields() {
        return Stream.of(
                // CONNECT (an empty client id decodes: ConnectionVectorsTest)
                bad("CONNECT body of 3 bytes", "05 04 04 01 00", "CONNECT", "Duration", TRUNCATED, "5 bytes"),
                bad("CONNECT body of 1 byte", "03 04 04", "CONNECT", "Duration", TRUNCATED, "ends before Duration"),
                bad("CONNECT no body", "02 04", "CONNECT", "Duration", TRUNCATED, "ends before Duration"),
                // QoS -1 where it means nothing (SUBSCRIBE with QoS -1 decodes: SubscriptionVectorsTest)
                bad("WILLTOPIC QoS -1", "06 07 60 77 2F 74", "WILLTOPIC", "Flags.QoS", INVALID_FIELD, "QoS -1"),
                bad("WILLTOPIC QoS -1 retain", "06 07 70 77 2F 74", "WILLTOPIC", "Flags.QoS", INVALID_FIELD, "QoS -1"),
                bad("WILLTOPICUPD QoS -1", "06 1A 60 77 2F 74", "WILLTOPICUPD", "Flags.QoS", INVALID_FIELD, "QoS -1"),
                // REGISTER
                bad("REGISTER empty topic name", "06 0A 00 00 00 01", "REGISTER", "TopicName", INVALID_FIELD,
                        "topic name is empty"),
                bad("REGISTER body of 3 bytes", "05 0A 00 00 00", "REGISTER", "MsgId", TRUNCATED, "ends before MsgId"),
                bad("REGISTER no body", "02 0A", "REGISTER", "MsgId", TRUNCATED, "ends before MsgId"),
                // PUBLISH
                bad("PUBLISH body of 4 bytes", "06 0C 20 00 01 00", "PUBLISH", "MsgId", TRUNCATED,
                        "ends before MsgId"),
                bad("PUBLISH no body", "02 0C", "PUBLISH", "MsgId", TRUNCATED, "ends before MsgId"),
                // SUBSCRIBE
                bad("SUBSCRIBE empty topic name", "05 12 00 00 01", "SUBSCRIBE", "TopicName", INVALID_FIELD,
                        "topic name is empty"),
                bad("SUBSCRIBE predefined id of 1 byte", "06 12 01 00 01 64", "SUBSCRIBE", "TopicId", TRUNCATED,
                        "TopicId takes 2 bytes, packet has 1"),
                bad("SUBSCRIBE predefined id of 3 bytes", "08 12 01 00 01 00 64 00", "SUBSCRIBE", "TopicId",
                        LENGTH_MISMATCH, "TopicId takes 2 bytes, packet has 3"),
                bad("SUBSCRIBE predefined id of 0 bytes", "05 12 01 00 01", "SUBSCRIBE", "TopicId", TRUNCATED,
                        "packet has 0"),
                bad("SUBSCRIBE short name of 1 byte", "06 12 02 00 01 61", "SUBSCRIBE", "ShortTopicName", TRUNCATED,
                        "ShortTopicName takes 2 bytes, packet has 1"),
                bad("SUBSCRIBE short name of 3 bytes", "08 12 02 00 01 61 62 63", "SUBSCRIBE", "ShortTopicName",
                        LENGTH_MISMATCH, "ShortTopicName takes 2 bytes, packet has 3"),
                bad("SUBSCRIBE body of 2 bytes", "04 12 00 00", "SUBSCRIBE", "MsgId", TRUNCATED, "ends before MsgId"),
                // QoS -1 and topic id type 0b11 decode, but every other SUBSCRIBE check still holds.
                bad("SUBSCRIBE QoS -1 empty topic name", "05 12 60 00 01", "SUBSCRIBE", "TopicName", INVALID_FIELD,
                        "topic name is empty"),
                bad("SUBSCRIBE QoS -1 predefined id of 1 byte", "06 12 61 00 01 64", "SUBSCRIBE", "TopicId", TRUNCATED,
                        "packet has 1"),
                bad("SUBSCRIBE QoS -1 short name of 3 bytes", "08 12 62 00 01 61 62 63", "SUBSCRIBE", "ShortTopicName",
                        LENGTH_MISMATCH, "packet has 3"),
                bad("SUBSCRIBE topic id type 0b11, body of 2 bytes", "04 12 23 00", "SUBSCRIBE", "MsgId", TRUNCATED,
                        "ends before MsgId"),
                bad("SUBSCRIBE topic id type 0b11, flags only", "03 12 E3", "SUBSCRIBE", "MsgId", TRUNCATED,
                        "ends before MsgId"),
                // UNSUBSCRIBE
                bad("UNSUBSCRIBE empty topic name", "05 14 00 00 01", "UNSUBSCRIBE", "TopicName", INVALID_FIELD,
                        "topic name is empty"),
                bad("UNSUBSCRIBE predefined id of 1 byte", "06 14 01 00 01 64", "UNSUBSCRIBE", "TopicId", TRUNCATED,
                        "packet has 1"),
                bad("UNSUBSCRIBE predefined id of 3 bytes", "08 14 01 00 01 00 64 00", "UNSUBSCRIBE", "TopicId",
                        LENGTH_MISMATCH, "packet has 3"),
                bad("UNSUBSCRIBE short name of 3 bytes", "08 14 02 00 01 61 62 63", "UNSUBSCRIBE", "ShortTopicName",
                        LENGTH_MISMATCH, "packet has 3"),
                bad("UNSUBSCRIBE body of 1 byte", "03 14 00", "UNSUBSCRIBE", "MsgId", TRUNCATED, "ends before MsgId"),
                bad("UNSUBSCRIBE topic id type 0b11, body of 2 bytes", "04 14 03 00", "UNSUBSCRIBE", "MsgId",
                        TRUNCATED, "ends before MsgId"),
                // GWINFO
                bad("GWINFO without GwId", "02 02", "GWINFO", "GwId", TRUNCATED, "ends before GwId"),
                // DISCONNECT: 0 or 2 body bytes only
                bad("DISCONNECT with 1 body byte", "03 18 00", "DISCONNECT", "Duration", TRUNCATED,
                        "0 or 2 bytes after the header, not 1"),
                bad("DISCONNECT with 3 body bytes", "05 18 00 00 00", "DISCONNECT", "Duration", LENGTH_MISMATCH,
                        "0 or 2 bytes after the header, not 3"),
                bad("DISCONNECT with 1 body byte, 3-byte form", "01 00 05 18 00", "DISCONNECT", "Duration", TRUNCATED,
                        "not 1"));
    }

    // ------------------------------------------------------------------ fixed-size packets, one byte off

    /**
     * Every fixed-size packet one byte too short and one byte too long. The header-only packets
     * (WILLTOPICREQ, WILLMSGREQ, PINGRESP) cannot be one byte short without losing their type:
     * that is the 1-byte input of {@link #header()}. WILLTOPICRESP/WILLMSGRESP one byte short is the
     * accepted pre-1.2 form (see WillVectorsTest), so only "too long" is malformed for them.
     */
    static Stream<Arguments> fixedSize() {
        List<Arguments> rows = new ArrayList<>();
        addFixed(rows, "ADVERTISE", "00", "01 00 3C");
        addFixed(rows, "SEARCHGW", "01", "01");
        addFixed(rows, "CONNACK", "05", "00");
        addFixed(rows, "REGACK", "0B", "00 01 00 02 00");
        addFixed(rows, "PUBACK", "0D", "00 01 00 02 00");
        addFixed(rows, "PUBCOMP", "0E", "00 02");
        addFixed(rows, "PUBREC", "0F", "00 02");
        addFixed(rows, "PUBREL", "10", "00 02");
        addFixed(rows, "SUBACK", "13", "20 00 01 00 02 00");
        addFixed(rows, "UNSUBACK", "15", "00 02");
        addTooLong(rows, "WILLTOPICREQ", "06", "");
        addTooLong(rows, "WILLMSGREQ", "08", "");
        addTooLong(rows, "PINGRESP", "17", "");
        addTooLong(rows, "WILLTOPICRESP", "1B", "00");
        addTooLong(rows, "WILLMSGRESP", "1D", "00");
        // The same in the 3-byte length form: the size includes the 4-byte header.
        rows.add(bad("CONNACK too long, 3-byte form", "01 00 06 05 00 00", "CONNACK", "Length", LENGTH_MISMATCH,
                "CONNACK is 5 bytes, packet has 6"));
        rows.add(bad("PUBREC too short, 3-byte form", "01 00 05 0F 00", "PUBREC", "Length", TRUNCATED,
                "PUBREC is 6 bytes, packet has 5"));
        return rows.stream();
    }

    private static void addFixed(List<Arguments> rows, String packet, String code, String body) {
        String[] bytes = body.split(" ");
        int size = 2 + bytes.length;
        String shortBody = String.join(" ", java.util.Arrays.copyOf(bytes, bytes.length - 1));
        rows.add(bad(packet + " one byte too short", String.format("%02X %s %s", size - 1, code, shortBody), packet,
                "Length", TRUNCATED, packet + " is " + size + " bytes, packet has " + (size - 1)));
        addTooLong(rows, packet, code, body);
    }

    private static void addTooLong(List<Arguments> rows, String packet, String code, String body) {
        int size = 2 + (body.isEmpty() ? 0 : body.split(" ").length);
        rows.add(bad(packet + " one byte too long", String.format("%02X %s %s 00", size + 1, code, body), packet,
                "Length", LENGTH_MISMATCH, packet + " is " + size + " bytes, packet has " + (size + 1)));
    }

    // ------------------------------------------------------------------ the checks

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource({"header", "types", "reservedValues", "fields", "fixedSize"})
    void malformedInputIsRejected(String name, String hex, String packet, String field, Reason reason, String detail) {
        DecodeException e = decodeFailure(hex);

        assertThat(e.packet()).as("packet").isEqualTo(packet);
        assertThat(e.field()).as("field").isEqualTo(field);
        assertThat(e.reason()).as("reason").isEqualTo(reason);
        assertThat(e).hasMessageStartingWith(packet + ": ").hasMessageContaining(packet).hasMessageContaining(detail);
        assertThat(e.getStackTrace()).as("no stack trace").isEmpty();
        assertThat(e.getCause()).isNull();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource({"header", "types", "reservedValues", "fields", "fixedSize"})
    void sameFailureThroughByteBufferAndAtAnArrayOffset(String name, String hex, String packet, String field,
                                                        Reason reason, String detail) {
        byte[] wire = Bytes.fromHex(hex).toArray();

        byte[] padded = new byte[wire.length + 6];
        System.arraycopy(wire, 0, padded, 3, wire.length);
        Throwable atOffset = catchThrowable(() -> CODEC.decode(padded, 3, wire.length));
        assertThat(atOffset).isInstanceOf(DecodeException.class);
        assertSameFailure((DecodeException) atOffset, packet, field, reason);

        ByteBuffer heap = ByteBuffer.wrap(padded, 3, wire.length);
        Throwable fromHeap = catchThrowable(() -> CODEC.decode(heap));
        assertThat(fromHeap).isInstanceOf(DecodeException.class);
        assertSameFailure((DecodeException) fromHeap, packet, field, reason);

        ByteBuffer direct = ByteBuffer.allocateDirect(wire.length).put(wire).flip();
        Throwable fromDirect = catchThrowable(() -> CODEC.decode(direct));
        assertThat(fromDirect).isInstanceOf(DecodeException.class);
        assertSameFailure((DecodeException) fromDirect, packet, field, reason);
    }

    private static void assertSameFailure(DecodeException e, String packet, String field, Reason reason) {
        assertThat(e.packet()).isEqualTo(packet);
        assertThat(e.field()).isEqualTo(field);
        assertThat(e.reason()).isEqualTo(reason);
    }

    /** Fields at a known position: the offset must be the field's own (1-byte length form, header 2 bytes). */
    static Stream<Arguments> offsets() {
        return Stream.of(
                Arguments.of("reserved MsgType", "02 03", "MsgType", 1),
                Arguments.of("reserved MsgType, 3-byte form", "01 00 04 11", "MsgType", 3),
                Arguments.of("encapsulated MsgType", "03 FE 00", "MsgType", 1),
                Arguments.of("Length byte 0x00", "00 0C 20 00 01 00 02", "Length", 0),
                Arguments.of("Length mismatch", "09 0C 20 00 01 00 02", "Length", 0),
                Arguments.of("PUBLISH TopicIdType", "09 0C 23 00 01 00 02 68 69", "Flags.TopicIdType", 2),
                Arguments.of("PUBLISH TopicIdType, 3-byte form", "01 00 0B 0C 23 00 01 00 02 68 69",
                        "Flags.TopicIdType", 4),
                Arguments.of("PUBLISH TopicIdType, QoS -1", "07 0C 63 00 01 00 00", "Flags.TopicIdType", 2),
                Arguments.of("WILLTOPIC QoS -1", "06 07 60 77 2F 74", "Flags.QoS", 2),
                Arguments.of("WILLTOPICUPD QoS -1", "06 1A 60 77 2F 74", "Flags.QoS", 2),
                // A QoS -1 SUBSCRIBE is decoded; its other fields are still checked at their own offsets.
                Arguments.of("SUBSCRIBE QoS -1, TopicId of 1 byte", "06 12 61 00 01 64", "TopicId", 5),
                Arguments.of("CONNACK ReturnCode", "03 05 04", "ReturnCode", 2),
                Arguments.of("REGACK ReturnCode", "07 0B 00 01 00 01 04", "ReturnCode", 6),
                Arguments.of("PUBACK ReturnCode", "07 0D 00 01 00 01 FF", "ReturnCode", 6),
                Arguments.of("SUBACK ReturnCode", "08 13 20 00 01 00 01 04", "ReturnCode", 7),
                Arguments.of("WILLTOPICRESP ReturnCode", "03 1B 04", "ReturnCode", 2),
                Arguments.of("WILLMSGRESP ReturnCode", "03 1D FF", "ReturnCode", 2),
                Arguments.of("SUBSCRIBE TopicId of 1 byte", "06 12 01 00 01 64", "TopicId", 5),
                Arguments.of("DISCONNECT Duration", "03 18 00", "Duration", 2));
    }

    @ParameterizedTest(name = "{0}: {1} -> {2} at {3}")
    @MethodSource("offsets")
    void offsetNamesTheField(String name, String hex, String field, int offset) {
        DecodeException e = decodeFailure(hex);
        assertThat(e.field()).isEqualTo(field);
        assertThat(e.offset()).as("offset of %s", field).isEqualTo(offset);
        assertThat(e).hasMessageContaining("offset " + offset);
    }

    @Test
    void malformedTablesCoverEveryReservedTypeTheBriefNames() {
        assertThat(types().map(a -> (String) a.get()[2]).distinct())
                .contains("TYPE 0x03", "TYPE 0x11", "TYPE 0x19", "TYPE 0x1E", "TYPE 0x80", "TYPE 0xFD", "TYPE 0xFF",
                        "ENCAPSULATED");
    }

    @Test
    void everyReservedCodeIsRejectedAndEveryDefinedCodeIsNot() {
        for (int code = 0; code < 256; code++) {
            boolean defined = MessageType.fromCode(code) != null && code != 0xFE;
            byte[] input = {2, (byte) code};
            Throwable thrown = catchThrowable(() -> CODEC.decode(input));
            if (!defined) {
                assertThat(thrown).as("type 0x%02X", code).isInstanceOf(DecodeException.class);
                assertThat(((DecodeException) thrown).reason()).as("type 0x%02X", code).isEqualTo(UNKNOWN_TYPE);
                assertThat(((DecodeException) thrown).field()).isEqualTo("MsgType");
            } else if (thrown != null) {
                // A defined type with an empty body may still be malformed, but never as UNKNOWN_TYPE.
                assertThat(((DecodeException) thrown).reason()).as("type 0x%02X", code).isNotEqualTo(UNKNOWN_TYPE);
            }
        }
    }

    /**
     * Topic id type 0b11 stays an error in PUBLISH whatever the other flags say (DUP, every QoS
     * including -1, retain, the unused bits): only SUBSCRIBE and UNSUBSCRIBE accept it.
     */
    @Test
    void publishWithTopicIdType0b11IsRefusedWithEveryOtherFlag() {
        for (int high = 0; high < 0x40; high++) {
            int flags = high << 2 | 0b11;
            DecodeException e = decodeFailure(String.format("09 0C %02X 00 01 00 02 68 69", flags));
            assertThat(e.packet()).isEqualTo("PUBLISH");
            assertThat(e.field()).as("flags 0x%02X", flags).isEqualTo("Flags.TopicIdType");
            assertThat(e.reason()).as("flags 0x%02X", flags).isEqualTo(RESERVED_VALUE);
            assertThat(e.offset()).isEqualTo(2);
        }
    }

    @Test
    void decodeExceptionHasNoStackTraceEvenWhenThrownDeep() {
        DecodeException e = decodeFailure("07 0D 00 01 00 01 04");
        assertThat(e.getStackTrace()).isEmpty();
        e.fillInStackTrace();
        assertThat(e.getStackTrace()).as("stack trace stays disabled").isEmpty();
        assertThat(e.getSuppressed()).isEmpty();
    }
}
