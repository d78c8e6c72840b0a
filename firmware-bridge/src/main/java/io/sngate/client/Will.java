package io.sngate.client;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import java.util.Objects;

/**
 * A last will: the message the gateway publishes for the client when it loses it without a
 * DISCONNECT (keep-alive expired, or the gateway dropped the session). Set it with
 * {@link MqttSnClient.Builder#will}; it goes with every CONNECT (spec §6.3's will exchange).
 *
 * <pre>
 * Will will = Will.utf8("plant/sensor-1/status", "offline", QoS.AT_LEAST_ONCE, true);
 * </pre>
 *
 * @param topic   the will topic's name
 * @param message the will message (may be empty)
 * @param qos     0, 1 or 2
 * @param retain  whether the broker retains it
 */
public record Will(String topic, Bytes message, QoS qos, boolean retain) {

    /** Checks the topic is not empty and the QoS is 0, 1 or 2. */
    public Will {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(qos, "qos");
        if (topic.isEmpty()) {
            throw new IllegalArgumentException("will topic must not be empty");
        }
        if (qos == QoS.MINUS_ONE) {
            throw new IllegalArgumentException("will QoS must be 0, 1 or 2, not -1");
        }
    }

    /** A will whose message is {@code text} in UTF-8. */
    public static Will utf8(String topic, String text, QoS qos, boolean retain) {
        return new Will(topic, Bytes.utf8(text), qos, retain);
    }
}
