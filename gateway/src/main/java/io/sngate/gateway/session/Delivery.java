package io.sngate.gateway.session;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;

/** A broker's message on its way to the device. */
record Delivery(long deliveryId, String topic, Bytes payload, QoS qos, boolean retain) {
}
