package io.sngate.codec.v12;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.MqttSnCodec;
import java.util.Arrays;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Shared checks for the byte-exact MQTT-SN 1.2 vector tests ({@code *VectorsTest}).
 *
 * <p>Every vector is a name, the exact bytes as hex (from the spec digest
 * {@code /work/shared/spec/mqtt-sn-1.2.md}) and the record they stand for. A canonical vector
 * must satisfy all three of: {@code decode(bytes) == record}, {@code encode(record) == bytes},
 * {@code encodedLength(record) == bytes.length}. A non-canonical vector (an input the decoder
 * must accept but the encoder never writes) decodes to the record, which then encodes to the
 * canonical bytes.
 *
 * <p>Abstract, so JUnit does not run it on its own.
 */
abstract class AbstractVectorsTest {

    static final MqttSnCodec<MqttSn12Message> CODEC = MqttSnCodec.v12();

    /** Spec digest §3 flag masks, written out here rather than taken from the codec. */
    static final int DUP = 0x80;
    static final int RETAIN = 0x10;
    static final int WILL = 0x08;
    static final int CLEAN_SESSION = 0x04;

    /** A table row: name (shown in the test report), hex bytes, expected record. */
    static Arguments vector(String name, String hex, MqttSn12Message message) {
        return Arguments.of(name, hex, message);
    }

    /** A table row for an input that decodes to {@code message} but encodes as {@code canonicalHex}. */
    static Arguments nonCanonical(String name, String hex, MqttSn12Message message, String canonicalHex) {
        return Arguments.of(name, hex, message, canonicalHex);
    }

    /** decode, encode and encodedLength agree with the vector; also at a non-zero array offset. */
    static void assertVector(String hex, MqttSn12Message expected) throws DecodeException {
        byte[] wire = Bytes.fromHex(hex).toArray();

        assertThat(CODEC.decode(wire)).as("decode(%s)", shortHex(wire)).isEqualTo(expected);
        assertThat(Bytes.wrap(CODEC.encode(expected)).toHex()).as("encode(%s)", expected)
                .isEqualTo(Bytes.wrap(wire).toHex());
        assertThat(CODEC.encodedLength(expected)).as("encodedLength(%s)", expected).isEqualTo(wire.length);

        // The same packet written into and read from the middle of a larger array.
        byte[] target = new byte[wire.length + 7];
        Arrays.fill(target, (byte) 0xA5);
        int written = CODEC.encode(expected, target, 3);
        assertThat(written).as("bytes written by encode(msg, array, 3)").isEqualTo(wire.length);
        assertThat(Arrays.copyOfRange(target, 3, 3 + wire.length)).as("encode at offset 3").isEqualTo(wire);
        assertThat(Arrays.copyOfRange(target, 0, 3)).as("bytes before the packet untouched")
                .containsOnly((byte) 0xA5);
        assertThat(Arrays.copyOfRange(target, 3 + wire.length, target.length)).as("bytes after the packet untouched")
                .containsOnly((byte) 0xA5);
        assertThat(CODEC.decode(target, 3, wire.length)).as("decode at offset 3").isEqualTo(expected);
    }

    /** An accepted but non-canonical input: decodes to {@code expected}, which encodes as {@code canonicalHex}. */
    static void assertNonCanonical(String hex, MqttSn12Message expected, String canonicalHex) throws DecodeException {
        byte[] wire = Bytes.fromHex(hex).toArray();
        byte[] canonical = Bytes.fromHex(canonicalHex).toArray();

        assertThat(CODEC.decode(wire)).as("decode(%s)", shortHex(wire)).isEqualTo(expected);
        assertThat(Bytes.wrap(CODEC.encode(expected)).toHex()).as("canonical encode(%s)", expected)
                .isEqualTo(Bytes.wrap(canonical).toHex());
        assertThat(CODEC.encodedLength(expected)).as("encodedLength(%s)", expected).isEqualTo(canonical.length);
        assertThat(CODEC.decode(canonical)).as("decode(canonical)").isEqualTo(expected);
    }

    /** {@code count} bytes 0x00, 0x01, ... 0xFF, 0x00, ... as hex: content that is easy to check and not all ASCII. */
    static String patternHex(int count) {
        return Bytes.wrap(pattern(count)).toHex();
    }

    static byte[] pattern(int count) {
        byte[] bytes = new byte[count];
        for (int i = 0; i < count; i++) {
            bytes[i] = (byte) i;
        }
        return bytes;
    }

    /** {@code count} copies of ASCII {@code c} as hex. */
    static String repeatHex(char c, int count) {
        return String.format("%02x", (int) c).repeat(count);
    }

    static Bytes hex(String hex) {
        return Bytes.fromHex(hex);
    }

    private static String shortHex(byte[] wire) {
        String hex = Bytes.wrap(wire).toHex();
        return hex.length() <= 64 ? hex : hex.substring(0, 64) + "...(" + wire.length + " bytes)";
    }
}
