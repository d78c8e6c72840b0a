package io.sngate.codec.v12;

/** UNSUBSCRIBE. */
public record Unsubscribe(int msgId, TopicRef topic) implements MqttSn12Message {
    public Unsubscribe {
        Check.uint16("msgId", msgId);
        Check.notNull("topic", topic);
    }

    @Override
    public MessageType type() {
        return MessageType.UNSUBSCRIBE;
    }
}
