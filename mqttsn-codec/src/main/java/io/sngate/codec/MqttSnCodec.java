package io.sngate.codec;

import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import java.nio.ByteBuffer;

/**
 * Encodes and decodes the packets of one MQTT-SN version. Stateless and thread-safe.
 *
 * <p>Decoding is total: any input gives a message or a {@link DecodeException}.
 * Decoded messages view the input array (see {@link Bytes}).
 */
public interface MqttSnCodec<M extends MqttSnMessage> {

    /** The MQTT-SN 1.2 codec. */
    static MqttSnCodec<MqttSn12Message> v12() {
        return MqttSn12Codec.INSTANCE;
    }

    /** Decodes exactly {@code length} bytes at {@code offset}: one whole packet, nothing more. */
    M decode(byte[] input, int offset, int length) throws DecodeException;

    default M decode(byte[] packet) throws DecodeException {
        return decode(packet, 0, packet.length);
    }

    /**
     * Decodes the remaining bytes of {@code buffer} as one packet. A heap buffer is viewed,
     * a direct one copied. The buffer's position does not move.
     */
    default M decode(ByteBuffer buffer) throws DecodeException {
        if (buffer.hasArray()) {
            return decode(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
        }
        byte[] copy = new byte[buffer.remaining()];
        buffer.duplicate().get(copy);
        return decode(copy);
    }

    /** The number of bytes {@link #encode(MqttSnMessage, byte[], int)} writes. */
    int encodedLength(M message);

    /** Writes the packet into {@code target} at {@code offset}; returns the bytes written. */
    int encode(M message, byte[] target, int offset);

    default byte[] encode(M message) {
        byte[] out = new byte[encodedLength(message)];
        encode(message, out, 0);
        return out;
    }

    /** Puts the packet at the buffer's position, advancing it. */
    default void encode(M message, ByteBuffer target) {
        int length = encodedLength(message);
        if (target.remaining() < length) {
            throw new java.nio.BufferOverflowException();
        }
        if (target.hasArray()) {
            encode(message, target.array(), target.arrayOffset() + target.position());
            target.position(target.position() + length);
        } else {
            target.put(encode(message));
        }
    }
}
