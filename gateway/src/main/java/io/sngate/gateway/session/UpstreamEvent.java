package io.sngate.gateway.session;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import java.util.Optional;

/** What the upstream side tells a session. */
public sealed interface UpstreamEvent {

    /** The broker accepted the client's connection. */
    record Connected(boolean sessionPresent) implements UpstreamEvent {
    }

    /** The broker refused or could not be reached. */
    record ConnectFailed(DeliveryFailure failure, String detail) implements UpstreamEvent {
    }

    /** A device's QoS 1/2 publish is done at the broker, or failed. */
    record PublishDone(long token, Optional<DeliveryFailure> failure) implements UpstreamEvent {
    }

    /** The broker's SUBACK: the granted QoS, or a failure. */
    record Subscribed(long token, Optional<QoS> granted, Optional<DeliveryFailure> failure) implements UpstreamEvent {
    }

    record Unsubscribed(long token) implements UpstreamEvent {
    }

    /**
     * A message from the broker for this device. QoS 1/2 ones must be answered with
     * {@link Effect.Acknowledge} carrying {@code deliveryId} once the device has them.
     */
    record Message(long deliveryId, String topic, Bytes payload, QoS qos, boolean retain) implements UpstreamEvent {
    }
}
