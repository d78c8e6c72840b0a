package io.sngate.codec.v12;

/**
 * WILLTOPICRESP. Peers older than 1.2 send it without the return code (two bytes); that decodes
 * as {@link ReturnCode#ACCEPTED}.
 */
public record WillTopicResp(ReturnCode returnCode) implements MqttSn12Message {
    public WillTopicResp {
        Check.notNull("returnCode", returnCode);
    }

    @Override
    public MessageType type() {
        return MessageType.WILLTOPICRESP;
    }
}
