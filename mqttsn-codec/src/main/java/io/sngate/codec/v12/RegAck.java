package io.sngate.codec.v12;

/** REGACK, in both directions: echoes the MsgId; from the gateway it carries the assigned topic id. */
public record RegAck(int topicId, int msgId, ReturnCode returnCode) implements MqttSn12Message {
    public RegAck {
        Check.uint16("topicId", topicId);
        Check.uint16("msgId", msgId);
        Check.notNull("returnCode", returnCode);
    }

    @Override
    public MessageType type() {
        return MessageType.REGACK;
    }
}
