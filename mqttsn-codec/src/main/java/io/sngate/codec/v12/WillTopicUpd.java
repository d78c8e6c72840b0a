package io.sngate.codec.v12;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;

/**
 * WILLTOPICUPD: the will topic with the will's QoS and retain flag. The empty form (an empty topic,
 * two bytes on the wire) deletes the stored will topic and will message. QoS -1 means
 * nothing for a will and is refused.
 */
public record WillTopicUpd(QoS qos, boolean retain, Bytes willTopic) implements MqttSn12Message {

    public static final WillTopicUpd EMPTY = new WillTopicUpd(QoS.AT_MOST_ONCE, false, Bytes.EMPTY);

    public WillTopicUpd {
        Check.notNull("qos", qos);
        Check.notNull("willTopic", willTopic);
        if (qos == QoS.MINUS_ONE) {
            throw new IllegalArgumentException("will QoS must be 0, 1 or 2");
        }
        if (willTopic.isEmpty() && (qos != QoS.AT_MOST_ONCE || retain)) {
            throw new IllegalArgumentException("the empty WILLTOPICUPD carries no flags");
        }
    }

    public WillTopicUpd(QoS qos, boolean retain, String willTopic) {
        this(qos, retain, Bytes.utf8(willTopic));
    }

    /** True for the empty form that deletes the will. */
    public boolean isEmpty() {
        return willTopic.isEmpty();
    }

    @Override
    public MessageType type() {
        return MessageType.WILLTOPICUPD;
    }
}
