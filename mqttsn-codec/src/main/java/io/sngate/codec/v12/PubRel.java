package io.sngate.codec.v12;

/** PUBREL: the QoS 2 sender releases the message. */
public record PubRel(int msgId) implements MqttSn12Message {
    public PubRel {
        Check.uint16("msgId", msgId);
    }

    @Override
    public MessageType type() {
        return MessageType.PUBREL;
    }
}
