package io.sngate.codec.v12;

/** PINGRESP; to a waking client it also means no more buffered messages. */
public record PingResp() implements MqttSn12Message {

    public static final PingResp INSTANCE = new PingResp();

    @Override
    public MessageType type() {
        return MessageType.PINGRESP;
    }
}
