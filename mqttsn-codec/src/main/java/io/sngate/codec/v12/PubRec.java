package io.sngate.codec.v12;

/** PUBREC: first answer to a QoS 2 PUBLISH. */
public record PubRec(int msgId) implements MqttSn12Message {
    public PubRec {
        Check.uint16("msgId", msgId);
    }

    @Override
    public MessageType type() {
        return MessageType.PUBREC;
    }
}
