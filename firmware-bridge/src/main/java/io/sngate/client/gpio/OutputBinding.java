package io.sngate.client.gpio;

import io.sngate.codec.QoS;
import java.util.Objects;

/**
 * How a digital output follows a topic.
 *
 * @param topic     the topic name (no wildcards: one topic drives one pin)
 * @param qos       the subscription's QoS (0, 1 or 2)
 * @param activeLow "on" drives the pin low (e.g. a relay board that switches on a low input)
 */
public record OutputBinding(String topic, QoS qos, boolean activeLow) {

    /** Checks the topic and QoS; a bad one fails naming it. */
    public OutputBinding {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(qos, "qos");
        if (topic.isEmpty()) {
            throw new IllegalArgumentException("topic must not be empty");
        }
        if (topic.contains("+") || topic.contains("#")) {
            throw new IllegalArgumentException("topic '" + topic + "' has a wildcard: one topic drives one pin");
        }
        if (qos == QoS.MINUS_ONE) {
            throw new IllegalArgumentException("QoS -1 cannot be subscribed");
        }
    }

    /** Active high, QoS 1. */
    public static OutputBinding of(String topic) {
        return new OutputBinding(topic, QoS.AT_LEAST_ONCE, false);
    }

    /** With the subscription at QoS {@code other}. */
    public OutputBinding withQos(QoS other) {
        return new OutputBinding(topic, other, activeLow);
    }

    /** With the pin driven low for on (an LED to 3.3 V), or high. */
    public OutputBinding withActiveLow(boolean low) {
        return new OutputBinding(topic, qos, low);
    }
}
