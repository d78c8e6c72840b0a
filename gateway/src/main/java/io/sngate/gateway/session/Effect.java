package io.sngate.gateway.session;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.MqttSn12Message;
import java.util.Optional;

/**
 * What a session asks the world to do. The session core performs no I/O: it returns
 * effects, and the gateway carries them out (send a datagram, write to the broker).
 * Requests that expect an answer carry a token; the answer comes back as an
 * {@link UpstreamEvent} with the same token.
 */
public sealed interface Effect {

    /**
     * Carries out every kind of effect, one method each: Java 17 has no exhaustive {@code switch}
     * over a sealed type, and this gives the same guarantee (a new effect is a new method, which
     * every handler must implement or the build fails).
     */
    interface Handler {
        void sendToDevice(SendToDevice effect);

        void connect(Connect effect);

        void disconnect(Disconnect effect);

        void willChanged(WillChanged effect);

        void lost(Lost effect);

        void publish(Publish effect);

        void subscribe(Subscribe effect);

        void unsubscribe(Unsubscribe effect);

        void release(Release effect);

        void acknowledge(Acknowledge effect);

        void discard(Discard effect);

        void count(Count effect);
    }

    /** Calls the method of {@code handler} for this kind of effect. */
    void applyTo(Handler handler);

    /** Send a packet to the device at the session's link address. */
    record SendToDevice(MqttSn12Message message) implements Effect {
        @Override
        public void applyTo(Handler handler) {
            handler.sendToDevice(this);
        }
    }

    /** Open the client's upstream session (closing any previous connection of it first). */
    record Connect(UpstreamConnect request) implements Effect {
        @Override
        public void applyTo(Handler handler) {
            handler.connect(this);
        }
    }

    /**
     * Close the client's upstream connection.
     *
     * @param publishWill the client was lost: the will must be published
     * @param endSession  the device ended its session (clean session, plain DISCONNECT):
     *                    the broker may forget it now
     */
    record Disconnect(boolean publishWill, boolean endSession) implements Effect {
        @Override
        public void applyTo(Handler handler) {
            handler.disconnect(this);
        }
    }

    /**
     * The client's will changed while connected (WILLTOPICUPD/WILLMSGUPD). MQTT fixes a will at
     * connect time, so a transparent upstream reconnects (clean start 0) to carry it.
     */
    record WillChanged(Optional<Will> will) implements Effect {
        @Override
        public void applyTo(Handler handler) {
            handler.willChanged(this);
        }
    }

    /** The device was lost (keep-alive, sleep or retransmission supervision expired). */
    record Lost(String reason) implements Effect {
        @Override
        public void applyTo(Handler handler) {
            handler.lost(this);
        }
    }

    /**
     * Publish a device's message; QoS 1/2 are answered with {@link UpstreamEvent.PublishDone},
     * QoS 2 first with {@link UpstreamEvent.PublishReceived} (then {@link Release}).
     *
     * @param msgId the device's message id (0 for QoS 0): the packet id of the device's own broker
     *              session in transparent mode
     */
    record Publish(long token, String topic, Bytes payload, QoS qos, boolean retain, int msgId) implements Effect {
        @Override
        public void applyTo(Handler handler) {
            handler.publish(this);
        }
    }

    /** Answered with {@link UpstreamEvent.Subscribed}. */
    record Subscribe(long token, String topicFilter, QoS qos) implements Effect {
        @Override
        public void applyTo(Handler handler) {
            handler.subscribe(this);
        }
    }

    /** Answered with {@link UpstreamEvent.Unsubscribed}. */
    record Unsubscribe(long token, String topicFilter) implements Effect {
        @Override
        public void applyTo(Handler handler) {
            handler.unsubscribe(this);
        }
    }

    /**
     * The device sent PUBREL for its QoS 2 publish {@code token}: release the broker's exchange
     * (answered with {@link UpstreamEvent.PublishDone} at the broker's PUBCOMP). {@code msgId}
     * is the device's message id, for an exchange begun before a gateway restart.
     */
    record Release(long token, int msgId) implements Effect {
        @Override
        public void applyTo(Handler handler) {
            handler.release(this);
        }
    }

    /** The device has a broker's message (or refused it for good): acknowledge it upstream. */
    record Acknowledge(long deliveryId) implements Effect {
        @Override
        public void applyTo(Handler handler) {
            handler.acknowledge(this);
        }
    }

    /**
     * Something the gateway discarded or refused: counted under {@code counter} and logged at
     * WARN with the client id and topic. Never a silent drop.
     */
    record Discard(String counter, String topic, String detail) implements Effect {
        @Override
        public void applyTo(Handler handler) {
            handler.discard(this);
        }
    }

    /**
     * Something harmless but worth counting (a retransmission answered again, an expired
     * session): counted under {@code counter}, logged at DEBUG.
     */
    record Count(String counter, String detail) implements Effect {
        @Override
        public void applyTo(Handler handler) {
            handler.count(this);
        }
    }
}
