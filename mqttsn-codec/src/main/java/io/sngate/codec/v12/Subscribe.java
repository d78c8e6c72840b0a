package io.sngate.codec.v12;

import io.sngate.codec.QoS;

/**
 * SUBSCRIBE with the requested QoS: 0, 1, 2, or {@link QoS#MINUS_ONE} for the QoS bits 0b11.
 * QoS -1 has no meaning in a subscription, but real clients send it and a gateway must be
 * able to answer them (e.g. with a rejection or by granting a lower QoS) rather than drop the
 * packet, so the record keeps what came and the gateway judges it.
 */
public record Subscribe(boolean dup, QoS qos, int msgId, TopicRef topic) implements MqttSn12Message {
    public Subscribe {
        Check.notNull("qos", qos);
        Check.uint16("msgId", msgId);
        Check.notNull("topic", topic);
    }

    @Override
    public MessageType type() {
        return MessageType.SUBSCRIBE;
    }
}
