package io.sngate.codec.v12;

/** WILLTOPICREQ: the gateway asks for the will topic. */
public record WillTopicReq() implements MqttSn12Message {

    public static final WillTopicReq INSTANCE = new WillTopicReq();

    @Override
    public MessageType type() {
        return MessageType.WILLTOPICREQ;
    }
}
