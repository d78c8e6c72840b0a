package io.sngate.codec.v12;

import io.sngate.codec.Bytes;

/** WILLMSG: the will message, opaque bytes. */
public record WillMsg(Bytes willMessage) implements MqttSn12Message {
    public WillMsg {
        Check.notNull("willMessage", willMessage);
    }

    @Override
    public MessageType type() {
        return MessageType.WILLMSG;
    }
}
