package io.sngate.gateway;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.gateway.session.UpstreamConnect;
import io.sngate.gateway.session.UpstreamEvent;
import io.sngate.gateway.session.Will;
import io.netty.channel.EventLoop;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One session's side of the broker: what a session's upstream effects are carried out on.
 * Transparent mode gives each session its own MQTT 5 connection; aggregating mode gives each
 * a view of one shared connection. Methods are called on the session's event loop, and
 * events are delivered there too.
 */
public interface SessionUpstream {

    /** Makes the upstream side of sessions. */
    interface Factory extends AutoCloseable {
        SessionUpstream create(String clientId, EventLoop loop, Consumer<UpstreamEvent> events);

        /** Publishes a QoS -1 message (forwarded as QoS 0, no session). */
        void publishWithoutSession(String topic, Bytes payload, boolean retain);

        /** Where the broker is, for the ready line. */
        String brokerUri();

        @Override
        void close();
    }

    void connect(UpstreamConnect request);

    /**
     * Publishes a device's message. QoS 2 is chained to the device's exchange: the session hears
     * {@link UpstreamEvent.PublishReceived} at the broker's PUBREC and {@link #release releases}
     * it at the device's PUBREL.
     *
     * @param msgId the device's message id (QoS 1/2; 0 for the gateway's own publishes): in
     *              transparent mode the packet id of the device's own broker session, so that
     *              the broker recognises an exchange re-sent after a gateway restart
     */
    void publish(long token, String topic, Bytes payload, QoS qos, boolean retain, int msgId);

    /** The device sent PUBREL for the QoS 2 publish {@code token} (message id {@code msgId}). */
    void release(long token, int msgId);

    void subscribe(long token, String topicFilter, QoS qos);

    void unsubscribe(long token, String topicFilter);

    /** The device has the broker's message {@code deliveryId}. */
    void acknowledge(long deliveryId);

    void willChanged(Optional<Will> will);

    /** The device left ({@code publishWill}: lost; {@code endSession}: the broker may forget it). */
    void disconnect(boolean publishWill, boolean endSession);

    /** The gateway stops: close without publishing the will, keeping the broker session. */
    void shutdown();
}
