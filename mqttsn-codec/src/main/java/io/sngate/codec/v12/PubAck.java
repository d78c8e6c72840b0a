package io.sngate.codec.v12;

/** PUBACK: echoes topic id and MsgId. Also sent for any QoS to report an error (invalid topic id, congestion). */
public record PubAck(int topicId, int msgId, ReturnCode returnCode) implements MqttSn12Message {
    public PubAck {
        Check.uint16("topicId", topicId);
        Check.uint16("msgId", msgId);
        Check.notNull("returnCode", returnCode);
    }

    @Override
    public MessageType type() {
        return MessageType.PUBACK;
    }
}
