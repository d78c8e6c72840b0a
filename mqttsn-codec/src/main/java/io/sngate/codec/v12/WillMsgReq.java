package io.sngate.codec.v12;

/** WILLMSGREQ: the gateway asks for the will message. */
public record WillMsgReq() implements MqttSn12Message {

    public static final WillMsgReq INSTANCE = new WillMsgReq();

    @Override
    public MessageType type() {
        return MessageType.WILLMSGREQ;
    }
}
