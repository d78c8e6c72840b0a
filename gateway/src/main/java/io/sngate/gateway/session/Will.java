package io.sngate.gateway.session;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;

/** A client's will: published by the broker (or the gateway) when the client is lost. */
public record Will(String topic, Bytes message, QoS qos, boolean retain) {
    public Will {
        if (topic.isEmpty()) {
            throw new IllegalArgumentException("will topic must not be empty");
        }
    }
}
