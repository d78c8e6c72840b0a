package io.sngate.codec.frame;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.Packets12;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/** Properties of {@link ForwarderEncapsulation}: byte-exact round trips and total, strict decoding. */
class ForwarderEncapsulationPropertiesTest {

    private static final MqttSn12Codec CODEC = MqttSn12Codec.INSTANCE;

    /** Any Ctrl byte, node id and 1.2 packet survive encode/decode, byte for byte. */
    @Property
    void roundTrips(@ForAll @IntRange(min = 0, max = 255) int ctrl, @ForAll("nodeIds") Bytes nodeId,
                    @ForAll("packets") MqttSn12Message message) throws DecodeException {
        byte[] inner = CODEC.encode(message);
        Encapsulated frame = new Encapsulated(ctrl, nodeId, Bytes.wrap(inner));
        byte[] encoded = ForwarderEncapsulation.encode(frame);

        assertThat(encoded).hasSize(3 + nodeId.length() + inner.length);
        assertThat(encoded[0] & 0xFF).isEqualTo(3 + nodeId.length());
        assertThat(ForwarderEncapsulation.isEncapsulated(encoded, 0, encoded.length)).isTrue();
        Encapsulated decoded = ForwarderEncapsulation.decode(encoded);
        assertThat(decoded).isEqualTo(frame);
        assertThat(decoded.radius()).isEqualTo(ctrl & 3);
        assertThat(ForwarderEncapsulation.encode(decoded)).isEqualTo(encoded);
        int at = encoded[0] & 0xFF;
        assertThat(CODEC.decode(encoded, at, encoded.length - at)).isEqualTo(message);
    }

    /** Cutting bytes off a frame or adding bytes to it never decodes: the inner Length must match. */
    @Property
    void truncatedOrExtendedFramesAreRejected(@ForAll("frames") byte[] frame,
                                              @ForAll @IntRange(min = 1, max = 300) int delta) {
        int shorter = Math.max(0, frame.length - delta);
        assertRejected(Arrays.copyOf(frame, shorter));
        assertRejected(Arrays.copyOf(frame, frame.length + delta));
    }

    /**
     * Decoding is total and strict: any input decodes or throws DecodeException, nothing else,
     * and whatever decodes encodes back to exactly the input.
     */
    @Property
    void decodingIsTotalAndByteExact(@ForAll("frameShaped") byte[] input) {
        Encapsulated decoded;
        try {
            decoded = ForwarderEncapsulation.decode(input);
        } catch (DecodeException e) {
            assertThat(e.packet()).isEqualTo(ForwarderEncapsulation.PACKET);
            assertThat(e.offset()).isBetween(0, input.length);
            return;
        } catch (Throwable t) {
            throw new AssertionError("decode threw " + t + " for " + Bytes.wrap(input).toHex(), t);
        }
        assertThat(ForwarderEncapsulation.isEncapsulated(input, 0, input.length)).isTrue();
        assertThat(ForwarderEncapsulation.encode(decoded)).isEqualTo(input);
    }

    private static void assertRejected(byte[] bytes) {
        try {
            ForwarderEncapsulation.decode(bytes);
            fail("decoded " + Bytes.wrap(bytes).toHex());
        } catch (DecodeException expected) {
            assertThat(expected.packet()).isEqualTo(ForwarderEncapsulation.PACKET);
        }
    }

    @Provide
    Arbitrary<Bytes> nodeIds() {
        return Frames12.nodeId();
    }

    @Provide
    Arbitrary<MqttSn12Message> packets() {
        return Packets12.any();
    }

    @Provide
    Arbitrary<byte[]> frames() {
        return Frames12.encapsulated(Frames12.nodeId(), 600);
    }

    /**
     * Random bytes, and random bytes shaped like the header: 0xFE at byte 1, a small Length,
     * an inner Length that is right, nearly right, or in the 3-byte form.
     */
    @Provide
    Arbitrary<byte[]> frameShaped() {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(40);
        Arbitrary<byte[]> shaped = Arbitraries.integers().between(0, 12).flatMap(nodeIdLength ->
                Arbitraries.bytes().array(byte[].class).ofMaxSize(24).flatMap(tail ->
                        Arbitraries.integers().between(-2, 2).flatMap(skew ->
                                Arbitraries.of(true, false).map(longForm -> {
                                    int headerLength = 3 + nodeIdLength;
                                    int innerLength = tail.length + (longForm ? 4 : 2);
                                    byte[] out = new byte[headerLength + innerLength];
                                    out[0] = (byte) (headerLength + (skew == 2 ? 1 : 0));
                                    out[1] = (byte) 0xFE;
                                    int p = headerLength;
                                    if (longForm) {
                                        out[p++] = 0x01;
                                        out[p++] = (byte) ((innerLength + skew) >>> 8);
                                        out[p++] = (byte) (innerLength + skew);
                                    } else {
                                        out[p++] = (byte) (innerLength + skew);
                                    }
                                    System.arraycopy(tail, 0, out, p + 1, tail.length);
                                    out[p] = tail.length > 0 ? tail[0] : (byte) 0x17;
                                    return out;
                                }))));
        return Arbitraries.frequencyOf(Tuple.of(1, random), Tuple.of(3, shaped));
    }
}
