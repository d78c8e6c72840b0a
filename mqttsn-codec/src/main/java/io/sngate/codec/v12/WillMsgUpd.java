package io.sngate.codec.v12;

import io.sngate.codec.Bytes;

/** WILLMSGUPD: the will message, opaque bytes. */
public record WillMsgUpd(Bytes willMessage) implements MqttSn12Message {
    public WillMsgUpd {
        Check.notNull("willMessage", willMessage);
    }

    @Override
    public MessageType type() {
        return MessageType.WILLMSGUPD;
    }
}
