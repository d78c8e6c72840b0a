package io.sngate.client.gpio;

import io.sngate.codec.QoS;
import java.time.Duration;
import java.util.Objects;

/**
 * How a digital input is published.
 *
 * @param topic      the topic name each change goes to
 * @param qos        -1, 0, 1 or 2
 * @param retain     whether the broker keeps the last state for new subscribers
 * @param debounce   how long a level must hold before it counts (mechanical buttons bounce for a few ms)
 * @param activeLow  a low pin means "on" (a button to ground with a pull-up)
 * @param onPayload  what is published for "on"
 * @param offPayload what is published for "off"
 */
public record InputBinding(String topic, QoS qos, boolean retain, Duration debounce, boolean activeLow,
                           String onPayload, String offPayload) {

    /** Long enough for a push button's bounce, short enough to feel instant. */
    public static final Duration DEFAULT_DEBOUNCE = Duration.ofMillis(30);

    /** Checks the topic, QoS and debounce time; a bad one fails naming it. */
    public InputBinding {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(qos, "qos");
        Objects.requireNonNull(debounce, "debounce");
        Objects.requireNonNull(onPayload, "onPayload");
        Objects.requireNonNull(offPayload, "offPayload");
        if (topic.isEmpty()) {
            throw new IllegalArgumentException("topic must not be empty");
        }
        if (debounce.isNegative()) {
            throw new IllegalArgumentException("debounce must not be negative: " + debounce);
        }
    }

    /** "1" and "0" on {@code topic}, QoS 1, retained, {@link #DEFAULT_DEBOUNCE}, active high. */
    public static InputBinding of(String topic) {
        return new InputBinding(topic, QoS.AT_LEAST_ONCE, true, DEFAULT_DEBOUNCE, false, "1", "0");
    }

    /** With messages published at QoS {@code other}. */
    public InputBinding withQos(QoS other) {
        return new InputBinding(topic, other, retain, debounce, activeLow, onPayload, offPayload);
    }

    /** With a debounce time of {@code other}. */
    public InputBinding withDebounce(Duration other) {
        return new InputBinding(topic, qos, retain, other, activeLow, onPayload, offPayload);
    }

    /** With the pin read as on when low (a button to ground with a pull-up), or when high. */
    public InputBinding withActiveLow(boolean low) {
        return new InputBinding(topic, qos, retain, debounce, low, onPayload, offPayload);
    }
}
