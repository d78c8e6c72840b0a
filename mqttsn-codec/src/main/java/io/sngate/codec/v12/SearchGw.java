package io.sngate.codec.v12;

/** SEARCHGW: a client's broadcast looking for gateways, within {@code radius} hops (0 = everywhere). */
public record SearchGw(int radius) implements MqttSn12Message {
    public SearchGw {
        Check.uint8("radius", radius);
    }

    @Override
    public MessageType type() {
        return MessageType.SEARCHGW;
    }
}
