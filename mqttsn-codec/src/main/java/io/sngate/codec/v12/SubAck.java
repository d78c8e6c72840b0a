package io.sngate.codec.v12;

import io.sngate.codec.QoS;

/**
 * SUBACK. {@code topicId} is the assigned id for a plain topic name and 0x0000 for
 * wildcards, short names and rejections (peers differ; clients should not rely on it).
 * The granted QoS is decoded as sent, even 0b11, which some gateways put in rejections.
 */
public record SubAck(QoS grantedQos, int topicId, int msgId, ReturnCode returnCode) implements MqttSn12Message {
    public SubAck {
        Check.notNull("grantedQos", grantedQos);
        Check.uint16("topicId", topicId);
        Check.uint16("msgId", msgId);
        Check.notNull("returnCode", returnCode);
    }

    @Override
    public MessageType type() {
        return MessageType.SUBACK;
    }
}
