package io.sngate.codec.v12;

import io.sngate.codec.Bytes;

/**
 * REGISTER, in both directions: a client sends topic id 0x0000 and asks for one; a gateway
 * sends the id it assigned before it first publishes on that topic.
 */
public record Register(int topicId, int msgId, Bytes topicName) implements MqttSn12Message {
    public Register {
        Check.uint16("topicId", topicId);
        Check.uint16("msgId", msgId);
        Check.notNull("topicName", topicName);
        if (topicName.isEmpty()) {
            throw new IllegalArgumentException("topicName must not be empty");
        }
    }

    public Register(int topicId, int msgId, String topicName) {
        this(topicId, msgId, Bytes.utf8(topicName));
    }

    @Override
    public MessageType type() {
        return MessageType.REGISTER;
    }
}
