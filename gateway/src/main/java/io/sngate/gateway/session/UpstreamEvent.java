package io.sngate.gateway.session;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import java.util.Optional;

/**
 * What the broker side tells its owner: the one vocabulary from the upstream MQTT client core
 * ({@code io.sngate.gateway.upstream.core}) to a device session. Transparent mode passes a
 * connection's events to its session as they are; aggregating mode routes them by token and
 * fans messages out.
 */
public sealed interface UpstreamEvent {

    /**
     * Handles every kind of event, one method each: Java 17 has no exhaustive {@code switch}
     * over a sealed type, and this gives the same guarantee (a new event is a new method, which
     * every handler must implement or the build fails).
     */
    interface Handler {
        void connected(Connected event);

        void connectFailed(ConnectFailed event);

        void connectionLost(ConnectionLost event);

        void reconnected(Reconnected event);

        void publishReceived(PublishReceived event);

        void publishDone(PublishDone event);

        void subscribed(Subscribed event);

        void unsubscribed(Unsubscribed event);

        void message(Message event);
    }

    /** Calls the method of {@code handler} for this kind of event. */
    void applyTo(Handler handler);

    /** The broker accepted the client's connection. */
    record Connected(boolean sessionPresent) implements UpstreamEvent {
        @Override
        public void applyTo(Handler handler) {
            handler.connected(this);
        }
    }

    /**
     * The broker refused or could not be reached, or the connection ended for good:
     * {@code CONGESTION} when trying again later may work, {@code REFUSED} when it will not.
     */
    record ConnectFailed(DeliveryFailure failure, String detail) implements UpstreamEvent {
        @Override
        public void applyTo(Handler handler) {
            handler.connectFailed(this);
        }
    }

    /** An established broker connection was lost; reconnection is under way. */
    record ConnectionLost(String detail) implements UpstreamEvent {
        @Override
        public void applyTo(Handler handler) {
            handler.connectionLost(this);
        }
    }

    /**
     * The broker connection is back (after {@link ConnectionLost}) and what was in flight has
     * been re-sent; without {@code sessionPresent} the broker forgot the session's
     * subscriptions. Also sent, with {@code false} and no loss before, when the broker lost the
     * session during a will update.
     */
    record Reconnected(boolean sessionPresent) implements UpstreamEvent {
        @Override
        public void applyTo(Handler handler) {
            handler.reconnected(this);
        }
    }

    /**
     * The broker has a chained QoS 2 publish (its PUBREC): the device may have its PUBREC now,
     * and the exchange goes on with the device's PUBREL ({@link Effect.Release}).
     */
    record PublishReceived(long token) implements UpstreamEvent {
        @Override
        public void applyTo(Handler handler) {
            handler.publishReceived(this);
        }
    }

    /** A device's QoS 1/2 publish is done at the broker, or failed. */
    record PublishDone(long token, Optional<DeliveryFailure> failure) implements UpstreamEvent {
        @Override
        public void applyTo(Handler handler) {
            handler.publishDone(this);
        }
    }

    /** The broker's SUBACK: the granted QoS, or a failure. */
    record Subscribed(long token, Optional<QoS> granted, Optional<DeliveryFailure> failure) implements UpstreamEvent {
        @Override
        public void applyTo(Handler handler) {
            handler.subscribed(this);
        }
    }

    record Unsubscribed(long token) implements UpstreamEvent {
        @Override
        public void applyTo(Handler handler) {
            handler.unsubscribed(this);
        }
    }

    /**
     * A message from the broker for this device. QoS 1/2 ones must be answered with
     * {@link Effect.Acknowledge} carrying {@code deliveryId} once the device has them.
     *
     * @param dup the broker marked it as sent before (MQTT's DUP flag: its resend of a message it
     *            had not had acknowledged, after a reconnection)
     */
    record Message(long deliveryId, String topic, Bytes payload, QoS qos, boolean retain, boolean dup)
            implements UpstreamEvent {

        /** A message sent for the first time (DUP 0). */
        public Message(long deliveryId, String topic, Bytes payload, QoS qos, boolean retain) {
            this(deliveryId, topic, payload, qos, retain, false);
        }

        @Override
        public void applyTo(Handler handler) {
            handler.message(this);
        }
    }
}
