package io.sngate.codec.v12;

/** UNSUBACK: echoes the UNSUBSCRIBE's MsgId. */
public record UnsubAck(int msgId) implements MqttSn12Message {
    public UnsubAck {
        Check.uint16("msgId", msgId);
    }

    @Override
    public MessageType type() {
        return MessageType.UNSUBACK;
    }
}
