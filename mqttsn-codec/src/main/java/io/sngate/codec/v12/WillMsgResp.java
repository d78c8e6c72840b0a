package io.sngate.codec.v12;

/**
 * WILLMSGRESP. Peers older than 1.2 send it without the return code (two bytes); that decodes
 * as {@link ReturnCode#ACCEPTED}.
 */
public record WillMsgResp(ReturnCode returnCode) implements MqttSn12Message {
    public WillMsgResp {
        Check.notNull("returnCode", returnCode);
    }

    @Override
    public MessageType type() {
        return MessageType.WILLMSGRESP;
    }
}
