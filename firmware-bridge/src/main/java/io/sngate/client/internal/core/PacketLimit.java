package io.sngate.client.internal.core;

import io.sngate.client.Outcome;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import java.util.function.IntSupplier;

/**
 * The one rule for how large a client's packet may be: no larger than its link carries, nor than
 * MQTT-SN's Length field can say. Each part checks here, when a request comes in, every packet
 * that request will put on the wire (a CONNECT's WILLTOPIC and WILLMSG included, though they go
 * only when the gateway asks), before it sends or queues anything. A request that does not fit
 * fails at once as {@link Outcome.Status#INVALID}; sent anyway, the link would refuse its packet
 * on every retransmission until the request ended as NO_ANSWER and the gateway counted as lost.
 *
 * <p>The limit is asked again for each request, not kept: a DTLS link's changes with the cipher
 * suite its handshake settles on.
 */
final class PacketLimit {

    private final IntSupplier linkMaximum;
    private final EffectSink effects;

    /** @param linkMaximum the link's largest packet, asked on the core's thread */
    PacketLimit(IntSupplier linkMaximum, EffectSink effects) {
        this.linkMaximum = linkMaximum;
        this.effects = effects;
    }

    /**
     * Whether every one of {@code packets} fits. If one does not, request {@code requestId} ends
     * as INVALID, naming that packet's kind, its size and the limit, and the caller sends nothing.
     * The message ids in the packets do not matter: they are two bytes whatever their value.
     */
    boolean admits(long requestId, MqttSn12Message... packets) {
        int limit = linkMaximum.getAsInt();
        for (MqttSn12Message packet : packets) {
            String refusal = refusal(packet, limit);
            if (refusal != null) {
                effects.complete(requestId, Outcome.failed(Outcome.Status.INVALID, refusal));
                return false;
            }
        }
        return true;
    }

    private static String refusal(MqttSn12Message packet, int limit) {
        int size;
        try {
            size = MqttSn12Codec.INSTANCE.encodedLength(packet);
        } catch (IllegalArgumentException pastMqttSn) {
            return packet.typeName() + " not sent: " + pastMqttSn.getMessage();
        }
        if (size <= limit) {
            return null;
        }
        return packet.typeName() + " of " + size + " bytes exceeds the link's maximum packet size of " + limit
                + " bytes";
    }
}
