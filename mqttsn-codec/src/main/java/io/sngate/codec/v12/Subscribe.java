package io.sngate.codec.v12;

import io.sngate.codec.QoS;

/** SUBSCRIBE with the requested QoS (0, 1 or 2: QoS -1 cannot be subscribed). */
public record Subscribe(boolean dup, QoS qos, int msgId, TopicRef topic) implements MqttSn12Message {
    public Subscribe {
        Check.notNull("qos", qos);
        Check.uint16("msgId", msgId);
        Check.notNull("topic", topic);
        if (qos == QoS.MINUS_ONE) {
            throw new IllegalArgumentException("SUBSCRIBE QoS must be 0, 1 or 2");
        }
    }

    @Override
    public MessageType type() {
        return MessageType.SUBSCRIBE;
    }
}
