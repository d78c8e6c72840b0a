package io.sngate.codec.v12;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;

/**
 * PUBLISH, in both directions. The topic is a 16-bit field read according to
 * {@code topicIdType}: a registered id, a predefined id, or a two-byte short name; never
 * {@link TopicIdType#RESERVED}, which gives no way to read that field (the codec refuses a
 * PUBLISH with 0b11).
 *
 * <p>Kept flat (no nested topic value) because it is the hot packet: decoding one costs
 * this record and the payload view. MsgId is 0 for QoS 0 and -1 by convention; the codec
 * keeps whatever a peer sent so a gateway can decide.
 */
public record Publish(boolean dup, QoS qos, boolean retain, TopicIdType topicIdType, int topicId, int msgId,
                      Bytes data) implements MqttSn12Message {

    public Publish {
        Check.notNull("qos", qos);
        Check.notNull("topicIdType", topicIdType);
        if (topicIdType == TopicIdType.RESERVED) {
            // Encoding it would give bytes the codec refuses to decode.
            throw new IllegalArgumentException("PUBLISH cannot carry the reserved topic id type 0b11");
        }
        Check.uint16("topicId", topicId);
        Check.uint16("msgId", msgId);
        Check.notNull("data", data);
    }

    /** A publish to a short topic name such as {@code "ab"}. */
    public static Publish toShortName(String name, QoS qos, boolean retain, int msgId, Bytes data) {
        return new Publish(false, qos, retain, TopicIdType.SHORT, ShortTopicName.encode(name), msgId, data);
    }

    /** The same message with DUP set, for a retransmission. */
    public Publish asDuplicate() {
        return dup ? this : new Publish(true, qos, retain, topicIdType, topicId, msgId, data);
    }

    @Override
    public MessageType type() {
        return MessageType.PUBLISH;
    }
}
