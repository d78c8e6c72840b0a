package io.sngate.codec.v12;

/** CONNACK. */
public record ConnAck(ReturnCode returnCode) implements MqttSn12Message {
    public ConnAck {
        Check.notNull("returnCode", returnCode);
    }

    @Override
    public MessageType type() {
        return MessageType.CONNACK;
    }
}
