package io.sngate.codec.frame;

import io.sngate.codec.Bytes;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.Packets12;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/** jqwik generators for whole MQTT-SN 1.2 frames as they appear on a serial line or in a datagram. */
final class Frames12 {

    private static final MqttSn12Codec CODEC = MqttSn12Codec.INSTANCE;

    private Frames12() {
    }

    /** The encoding of any 1.2 packet of at most {@code maxLength} bytes (canonical form). */
    static Arbitrary<byte[]> packet(int maxLength) {
        return Packets12.any().filter(m -> CODEC.encodedLength(m) <= maxLength).map(CODEC::encode);
    }

    /** The same packet in the 3-byte length form (a packet already in it is kept). */
    static byte[] longForm(byte[] packet) {
        if (packet[0] == 0x01) {
            return packet;
        }
        int total = packet.length + 2;
        byte[] out = new byte[total];
        out[0] = 0x01;
        out[1] = (byte) (total >>> 8);
        out[2] = (byte) total;
        System.arraycopy(packet, 1, out, 3, packet.length - 1);
        return out;
    }

    /** A node id: mostly the usual 0..8 bytes, sometimes up to the longest allowed. */
    static Arbitrary<Bytes> nodeId() {
        Arbitrary<byte[]> shortIds = Arbitraries.bytes().array(byte[].class).ofMaxSize(8);
        Arbitrary<byte[]> anyIds = Arbitraries.bytes().array(byte[].class)
                .ofMaxSize(ForwarderEncapsulation.MAX_NODE_ID_LENGTH);
        return Arbitraries.frequencyOf(Tuple.of(5, shortIds), Tuple.of(1, anyIds)).map(Bytes::copyOf);
    }

    /** An encapsulated frame: any Ctrl byte, a node id and a packet of at most {@code maxInner} bytes. */
    static Arbitrary<byte[]> encapsulated(Arbitrary<Bytes> nodeIds, int maxInner) {
        return Combinators.combine(Arbitraries.integers().between(0, 0xFF), nodeIds, packetInEitherForm(maxInner))
                .as((ctrl, id, inner) -> ForwarderEncapsulation.encode(ctrl, id, Bytes.wrap(inner)));
    }

    static Arbitrary<byte[]> packetInEitherForm(int maxLength) {
        return Arbitraries.frequencyOf(
                Tuple.of(4, packet(maxLength)),
                Tuple.of(1, packet(maxLength - 2).map(Frames12::longForm)));
    }

    /** Any frame of a serial line of at most {@code maxLength} bytes: plain packets in either form, or encapsulated. */
    static Arbitrary<byte[]> frame(int maxLength) {
        int nodeIdMax = 8;
        Arbitrary<Bytes> shortIds = Arbitraries.bytes().array(byte[].class).ofMaxSize(nodeIdMax).map(Bytes::copyOf);
        return Arbitraries.frequencyOf(
                Tuple.of(5, packetInEitherForm(maxLength)),
                Tuple.of(2, encapsulated(shortIds, maxLength - 3 - nodeIdMax)));
    }

    static Arbitrary<List<byte[]>> frames(int maxLength, int maxCount) {
        return frame(maxLength).list().ofMaxSize(maxCount);
    }
}
