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

    /** Send a packet to the device at the session's link address. */
    record SendToDevice(MqttSn12Message message) implements Effect {
    }

    /** Open the client's upstream session (closing any previous connection of it first). */
    record Connect(UpstreamConnect request) implements Effect {
    }

    /**
     * Close the client's upstream connection.
     *
     * @param publishWill the client was lost: the will must be published
     * @param endSession  the device ended its session (clean session, plain DISCONNECT):
     *                    the broker may forget it now
     */
    record Disconnect(boolean publishWill, boolean endSession) implements Effect {
    }

    /**
     * The client's will changed while connected (WILLTOPICUPD/WILLMSGUPD). MQTT fixes a will at
     * connect time, so a transparent upstream reconnects (clean start 0) to carry it.
     */
    record WillChanged(Optional<Will> will) implements Effect {
    }

    /** The device was lost (keep-alive, sleep or retransmission supervision expired). */
    record Lost(String reason) implements Effect {
    }

    /** Publish a device's message; QoS 1/2 are answered with {@link UpstreamEvent.PublishDone}. */
    record Publish(long token, String topic, Bytes payload, QoS qos, boolean retain) implements Effect {
    }

    /** Answered with {@link UpstreamEvent.Subscribed}. */
    record Subscribe(long token, String topicFilter, QoS qos) implements Effect {
    }

    /** Answered with {@link UpstreamEvent.Unsubscribed}. */
    record Unsubscribe(long token, String topicFilter) implements Effect {
    }

    /** The device has a broker's message (or refused it for good): acknowledge it upstream. */
    record Acknowledge(long deliveryId) implements Effect {
    }

    /**
     * Something the gateway discarded or refused: counted under {@code counter} and logged at
     * WARN with the client id and topic. Never a silent drop.
     */
    record Discard(String counter, String topic, String detail) implements Effect {
    }

    /**
     * Something harmless but worth counting (a retransmission answered again, an expired
     * session): counted under {@code counter}, logged at DEBUG.
     */
    record Count(String counter, String detail) implements Effect {
    }
}
