package io.sngate.gateway.upstream.core;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.sngate.gateway.session.Topics;
import io.sngate.gateway.session.UpstreamEvent;
import io.sngate.gateway.upstream.ConnectOptions;
import io.sngate.hw.ReconnectBackoff;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongConsumer;

/**
 * One MQTT 5 client session with a broker, without I/O: the upstream counterpart of the device
 * session core. Inputs are the packets the broker sent (decoded by netty-codec-mqtt), the I/O
 * adapter's news about the network connection, the owner's requests and timer firings, each
 * with the current time in milliseconds; effects go to a {@link CoreOutput}: open, send, close,
 * and {@link UpstreamEvent}s for the owner. Tests drive it with a fake clock and a recording
 * output; {@code MqttConnection} drives it with a Netty channel and one timer.
 *
 * <p>One part per concern, all sharing this object's effect sink and clock:
 * <ul>
 * <li>{@link ConnectionCycle}: connect, CONNACK, reconnect with backoff, will updates, ending;
 * <li>{@link OutboundWindow}: the request queue and the window in flight under the broker's
 * Receive Maximum, re-sending after a reconnection, chained QoS 2; with {@link CulpritSearch},
 * which finds a request the broker keeps ending the connection over;
 * <li>{@link InboundQos}: the broker's messages, our Receive Maximum, QoS 1/2 acknowledgements;
 * <li>{@link KeepAlive}: PINGREQ and the keep-alive timeout.
 * </ul>
 *
 * <p>Not thread-safe: the adapter calls it on one thread (the connection's event loop).
 */
public final class MqttClientCore {

    /** How long a broker may take to close the connection after our DISCONNECT. */
    public static final long DISCONNECT_LINGER_MILLIS = 2000;

    /**
     * How long a connection must have lasted for its loss to start the reconnection backoff
     * afresh. A broker that does not want us (a refused packet, a quota, a misconfiguration)
     * ends the connection within milliseconds of CONNACK or of our first packets, so a
     * connection that lived this long was a working one and was lost to an ordinary outage.
     */
    public static final long HEALTHY_AFTER_MILLIS = 10_000;

    private final CoreOutput out;
    private final ClientCounters counters = new ClientCounters();
    private final KeepAlive keepAlive = new KeepAlive();
    private final InboundQos inbound;
    private final OutboundWindow window;
    private final ConnectionCycle cycle;
    private boolean writable = true;
    private long now;

    private final CoreContext context = new CoreContext() {
        @Override
        public void send(MqttMessage packet) {
            if (cycle.outputClosed()) {
                return; // see ConnectionCycle#outputClosed
            }
            keepAlive.sent(now);
            out.send(packet);
        }

        @Override
        public void event(UpstreamEvent event) {
            out.event(event);
        }

        @Override
        public void protocolError(byte reason, String detail) {
            cycle.protocolError(reason, detail);
        }

        @Override
        public ClientState state() {
            return cycle.state();
        }

        @Override
        public boolean writable() {
            return writable && !cycle.outputClosed();
        }

        @Override
        public String clientId() {
            return cycle.options().clientId();
        }

        @Override
        public ClientCounters counters() {
            return counters;
        }

        @Override
        public long now() {
            return now;
        }
    };

    /**
     * @param broker                 host:port, for messages
     * @param reconnectDelayObserver hears the delay of every reconnection scheduled (tests)
     */
    public MqttClientCore(ConnectOptions options, String broker, ReconnectBackoff backoff, CoreOutput out,
                          LongConsumer reconnectDelayObserver) {
        this(options, broker, backoff, out, reconnectDelayObserver, new OutageLog(broker));
    }

    /** @param outages where this connection's broker failures go: the gateway shares one among all */
    public MqttClientCore(ConnectOptions options, String broker, ReconnectBackoff backoff, CoreOutput out,
                          LongConsumer reconnectDelayObserver, OutageLog outages) {
        this.out = Objects.requireNonNull(out, "out");
        this.inbound = new InboundQos(context, options.receiveMaximum());
        this.window = new OutboundWindow(context, options.maxQueuedRequests());
        this.cycle = new ConnectionCycle(context, out, options, broker, backoff, reconnectDelayObserver, window,
                inbound, keepAlive, Objects.requireNonNull(outages, "outages"));
    }

    // ------------------------------------------------------------------ the connection

    /** Opens the connection (once; later calls are ignored). */
    public void start(long now) {
        this.now = now;
        cycle.start();
    }

    /** The TCP connection asked for by {@link CoreOutput#open()} is up. */
    public void onOpened(long now) {
        this.now = now;
        writable = true;
        cycle.onOpened();
    }

    /** The socket's writability changed (TCP back-pressure). */
    public void onWritabilityChanged(boolean isWritable, long now) {
        this.now = now;
        writable = isWritable;
        if (isWritable) {
            window.drain();
        }
    }

    /** An I/O error on the open connection; the core closes it. */
    public void onIoError(String detail, long now) {
        this.now = now;
        cycle.onIoError(detail);
    }

    /**
     * The connection closed (or could not be opened).
     *
     * @param ioDetail what the I/O layer knows about why (e.g. "cannot connect to ...: refused"), or null
     */
    public void onClosed(String ioDetail, long now) {
        this.now = now;
        cycle.onClosed(ioDetail);
    }

    /** A packet from the broker. */
    public void onPacket(MqttMessage msg, long now) {
        this.now = now;
        ClientState state = cycle.state();
        if (state == ClientState.CLOSED || !cycle.channelOpen() || cycle.inputClosed()) {
            return;
        }
        keepAlive.received(now);
        if (msg.decoderResult().isFailure()) {
            cycle.protocolError(Packets.MALFORMED_PACKET,
                    "malformed packet from the broker: " + Packets.describe(msg.decoderResult().cause()));
            return;
        }
        MqttMessageType type = msg.fixedHeader().messageType();
        if (state == ClientState.CONNECTING) {
            if (type == MqttMessageType.CONNACK) {
                cycle.onConnAck((MqttConnAckMessage) msg);
            } else {
                cycle.protocolError(Packets.PROTOCOL_ERROR, "expected CONNACK, got " + type);
            }
            return;
        }
        switch (type) {
            case PUBLISH -> inbound.onPublish((MqttPublishMessage) msg);
            case PUBACK -> window.onPubAck(Packets.messageId(msg), Packets.reasonCode(msg));
            case PUBREC -> window.onPubRec(Packets.messageId(msg), Packets.reasonCode(msg));
            case PUBREL -> inbound.onPubRel(Packets.messageId(msg));
            case PUBCOMP -> window.onPubComp(Packets.messageId(msg), Packets.reasonCode(msg));
            case SUBACK -> window.onSubAck((MqttSubAckMessage) msg);
            case UNSUBACK -> window.onUnsubAck((MqttUnsubAckMessage) msg);
            case PINGRESP -> keepAlive.pingResponse();
            case DISCONNECT -> cycle.onDisconnect(msg);
            default -> cycle.protocolError(Packets.PROTOCOL_ERROR, "unexpected " + type + " from the broker");
        }
    }

    /** Runs what is due at {@code now}: CONNACK timeout, reconnection, keep-alive, DISCONNECT linger. */
    public void onTimer(long now) {
        this.now = now;
        cycle.onTimer(now);
    }

    /** When {@link #onTimer} should run next (milliseconds, the clock of the inputs), or Long.MAX_VALUE. */
    public long nextDeadline() {
        return cycle.nextDeadline();
    }

    // ------------------------------------------------------------------ the owner's requests

    /**
     * Publishes a message. QoS 1/2: {@code PublishDone} when the broker has it (or it failed).
     * QoS 0: fire and forget, reported only if it cannot be sent. The payload array is not copied.
     *
     * @param packetId the packet id to use (the device's message id, so that the broker's
     *                 session recognises a re-sent exchange after a gateway restart), or 0
     * @param chained  QoS 2 only: {@code PublishReceived} at the broker's PUBREC, and PUBREL
     *                 only once {@link #release released}
     */
    public void publish(long token, String topic, byte[] payload, int qos, boolean retain, int packetId,
                        boolean chained, long now) {
        this.now = now;
        Request r = new Request(Request.Kind.PUBLISH, token, topic, payload, qos, retain,
                qos > 0 ? packetId : 0, chained && qos == 2);
        if (!Topics.isValidName(topic)) {
            window.refuse(r, "invalid topic name");
            return;
        }
        window.submit(r);
    }

    /** {@link #publish} without the local topic check (tests: a name the broker refuses). */
    public void publishUnchecked(long token, String topic, byte[] payload, int qos, boolean retain, long now) {
        this.now = now;
        window.submit(new Request(Request.Kind.PUBLISH, token, topic, payload, qos, retain, 0, false));
    }

    /**
     * The device released the chained QoS 2 publish {@code token} (its PUBREL): PUBREL goes
     * upstream; {@code PublishDone} follows the broker's PUBCOMP. A token unknown here (an
     * exchange begun before a restart) sends PUBREL for {@code packetId} when it is not 0, and
     * is done at once otherwise.
     */
    public void release(long token, int packetId, long now) {
        this.now = now;
        window.release(token, packetId);
    }

    /** Subscribes: {@code Subscribed} with the granted QoS or a failure. */
    public void subscribe(long token, String topicFilter, int qos, long now) {
        this.now = now;
        Request r = new Request(Request.Kind.SUBSCRIBE, token, topicFilter, null, qos, false, 0, false);
        if (!Topics.isValidFilter(topicFilter)) {
            window.refuse(r, "invalid topic filter");
            return;
        }
        window.submit(r);
    }

    /** Unsubscribes: {@code Unsubscribed} when done. */
    public void unsubscribe(long token, String topicFilter, long now) {
        this.now = now;
        Request r = new Request(Request.Kind.UNSUBSCRIBE, token, topicFilter, null, 0, false, 0, false);
        if (!Topics.isValidFilter(topicFilter)) {
            window.refuse(r, "invalid topic filter");
            return;
        }
        window.submit(r);
    }

    /** The owner has message {@code deliveryId} safe: PUBACK (QoS 1) or PUBREC (QoS 2). */
    public void acknowledge(long deliveryId, long now) {
        this.now = now;
        inbound.acknowledge(deliveryId);
    }

    /** Changes the will; a live connection is re-established to carry it. */
    public void updateWill(Optional<ConnectOptions.Will> will, long now) {
        this.now = now;
        cycle.updateWill(will);
    }

    /**
     * Ends the connection: DISCONNECT 0x04 (the broker publishes the will) or 0x00 (it discards
     * it), optionally with a new session expiry; whatever waits fails with CONGESTION.
     */
    public void disconnect(boolean publishWill, OptionalLong sessionExpirySeconds, long now) {
        this.now = now;
        cycle.end(publishWill ? Packets.DISCONNECT_WITH_WILL : Packets.NORMAL_DISCONNECTION, sessionExpirySeconds,
                publishWill ? "disconnected with will" : "disconnected");
    }

    /** Gateway shutdown: DISCONNECT 0x00 keeping the session expiry (the broker keeps the session, no will). */
    public void close(long now) {
        this.now = now;
        cycle.end(Packets.NORMAL_DISCONNECTION, OptionalLong.empty(), "closed");
    }

    /** Test hook: the connection drops without DISCONNECT, as a network failure would. */
    public void dropConnection(long now) {
        this.now = now;
        cycle.drop();
    }

    // ------------------------------------------------------------------ state

    public ClientState state() {
        return cycle.state();
    }

    /** Ended for good and no connection left open. */
    public boolean isFinished() {
        return cycle.state() == ClientState.CLOSED && !cycle.channelOpen();
    }

    public ConnectOptions options() {
        return cycle.options();
    }

    public ClientCounters counters() {
        return counters;
    }

    /** Requests waiting to be sent. */
    public int queuedRequests() {
        return window.queued();
    }

    /** QoS 1/2 publishes, subscribes and unsubscribes sent and not yet answered. */
    public int inFlightRequests() {
        return window.inFlight();
    }

    /** Inbound QoS 1/2 messages not completely acknowledged. */
    public int inboundPending() {
        return inbound.pending();
    }

    /** Whether a DISCONNECT reason code blames one of our packets (see {@link CulpritSearch}). */
    public static boolean blamesAPacket(int reason) {
        return ConnectionCycle.blamesAPacket(reason);
    }
}
