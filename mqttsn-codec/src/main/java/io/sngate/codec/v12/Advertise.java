package io.sngate.codec.v12;

/** ADVERTISE: a gateway's periodic broadcast; {@code duration} is seconds until the next one. */
public record Advertise(int gwId, int duration) implements MqttSn12Message {
    public Advertise {
        Check.uint8("gwId", gwId);
        Check.uint16("duration", duration);
    }

    @Override
    public MessageType type() {
        return MessageType.ADVERTISE;
    }
}
