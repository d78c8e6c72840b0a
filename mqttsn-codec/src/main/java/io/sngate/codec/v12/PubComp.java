package io.sngate.codec.v12;

/** PUBCOMP: the QoS 2 exchange is complete. */
public record PubComp(int msgId) implements MqttSn12Message {
    public PubComp {
        Check.uint16("msgId", msgId);
    }

    @Override
    public MessageType type() {
        return MessageType.PUBCOMP;
    }
}
