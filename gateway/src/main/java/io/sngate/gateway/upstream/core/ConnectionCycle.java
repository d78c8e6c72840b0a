package io.sngate.gateway.upstream.core;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.sngate.gateway.session.DeliveryFailure;
import io.sngate.gateway.session.UpstreamEvent;
import io.sngate.gateway.upstream.ConnectOptions;
import io.sngate.hw.ReconnectBackoff;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connecting and reconnecting: one network connection after another, each opened, answered by
 * CONNACK (or not, within the connect timeout), and ended by us or by the broker.
 *
 * <p>If the first attempt fails (TCP, timeout, or a CONNACK reason code &gt;= 0x80) the owner
 * hears {@code ConnectFailed} and nothing is retried. Once connected, a lost connection
 * ({@code ConnectionLost}: TCP closed, broker DISCONNECT, keep-alive timeout) is re-established
 * with capped, jittered exponential backoff, always with Clean Start 0; then {@code Reconnected}.
 * A reconnection the broker refuses for good (not authorised...) or a session taken over ends
 * the connection with {@code ConnectFailed(REFUSED)}. With {@code retryForever} (aggregating
 * mode's shared connection) a failed first attempt and a refusal are retried like a lost
 * connection instead; only a takeover ends it.
 *
 * <p>The backoff starts afresh only after the loss of a connection that lasted
 * {@link MqttClientCore#HEALTHY_AFTER_MILLIS 10 s}, not at every CONNACK: a broker that ends each
 * connection right after CONNACK, or right after our first packets, meets delays growing up to
 * the cap. Time is the proof of health rather than an acknowledgement, because a broker over a
 * rate or quota limit acknowledges some messages and then disconnects.
 *
 * <p>MQTT fixes the will at CONNECT, so a new will re-establishes a live connection (DISCONNECT
 * 0x00 keeps the session and discards the old will; then CONNECT, Clean Start 0, new will).
 */
final class ConnectionCycle {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionCycle.class);
    private static final Logger DISCARD_LOG = LoggerFactory.getLogger("io.sngate.gateway.discard");

    private final CoreContext ctx;
    private final CoreOutput out;
    private final String broker;
    private final ReconnectBackoff backoff;
    private final LongConsumer reconnectDelayObserver;
    private final OutboundWindow window;
    private final InboundQos inbound;
    private final KeepAlive keepAlive;
    private final OutageLog outages;

    private ConnectOptions options;
    private volatile ClientState state = ClientState.NEW;
    /** A network connection exists (opening, open, or closing): onClosed will come for it. */
    private boolean channelOpen;
    private boolean everConnected;
    private boolean lossReported;
    private int reconnectAttempt;
    private long reconnectAt = Long.MAX_VALUE;
    private long connackDeadline = Long.MAX_VALUE;
    /** After our DISCONNECT: when we close if the broker has not. */
    private long lingerDeadline = Long.MAX_VALUE;
    private long connectedAt;
    /** Why the current connection is being closed (first reason wins). */
    private String closeDetail;
    /** What the broker's way of ending the current connection tells; null until it ends. */
    private Evidence closeEvidence;
    /** The current attempt was refused by CONNACK: retryable or not. */
    private Boolean refusalRetryable;
    /** Whether the next close ends the connection for good (session taken over). */
    private boolean terminalClose;
    /** The will changed after the current CONNECT was written. */
    private boolean willChangedDuringConnect;
    /**
     * We are closing the current connection: nothing more is written on it (not after our
     * DISCONNECT, MQTT 5 §3.14.4, nor on one we abandoned).
     */
    private boolean outputClosed;
    /**
     * We abandoned the current connection (timeout, protocol error, I/O error): what the broker
     * still sends on it is not read. After our DISCONNECT, by contrast, its answers to what we
     * sent before are still taken: they complete requests.
     */
    private boolean inputClosed;

    ConnectionCycle(CoreContext ctx, CoreOutput out, ConnectOptions options, String broker, ReconnectBackoff backoff,
                    LongConsumer reconnectDelayObserver, OutboundWindow window, InboundQos inbound,
                    KeepAlive keepAlive, OutageLog outages) {
        this.ctx = ctx;
        this.out = out;
        this.options = options;
        this.broker = broker;
        this.backoff = backoff;
        this.reconnectDelayObserver = reconnectDelayObserver;
        this.window = window;
        this.inbound = inbound;
        this.keepAlive = keepAlive;
        this.outages = outages;
    }

    ClientState state() {
        return state;
    }

    ConnectOptions options() {
        return options;
    }

    boolean channelOpen() {
        return channelOpen;
    }

    boolean outputClosed() {
        return outputClosed;
    }

    boolean inputClosed() {
        return inputClosed;
    }

    long nextDeadline() {
        long at = lingerDeadline;
        switch (state) {
            case CONNECTING -> at = Math.min(at, connackDeadline);
            case RECONNECT_WAIT -> at = Math.min(at, reconnectAt);
            case CONNECTED -> at = Math.min(at, keepAlive.deadline());
            default -> {
            }
        }
        return at;
    }

    // ------------------------------------------------------------------ inputs

    void start() {
        if (state != ClientState.NEW) {
            LOG.warn("upstream {}: connect() called in state {}, ignored", options.clientId(), state);
            return;
        }
        attemptConnect();
    }

    void onOpened() {
        if (state == ClientState.CONNECTING) {
            // This CONNECT carries the will as it is now: a change made before it needs no update.
            willChangedDuringConnect = false;
            ctx.send(Packets.connect(options, !everConnected && options.cleanStart()));
        }
    }

    void onTimer(long now) {
        if (now >= lingerDeadline) {
            lingerDeadline = Long.MAX_VALUE;
            if (channelOpen) {
                LOG.debug("upstream {}: the broker did not close the connection after DISCONNECT; closing it",
                        options.clientId());
                out.close();
            }
        }
        switch (state) {
            case CONNECTING -> {
                if (now >= connackDeadline) {
                    connackDeadline = Long.MAX_VALUE;
                    closeChannel("no CONNACK from " + broker + " within " + options.connectTimeout().toMillis() + " ms");
                }
            }
            case RECONNECT_WAIT -> {
                if (now >= reconnectAt) {
                    attemptConnect();
                }
            }
            case CONNECTED -> {
                switch (keepAlive.check(now)) {
                    case PING -> ctx.send(Packets.PINGREQ);
                    case TIMEOUT -> {
                        String detail = "keep-alive timeout: no PINGRESP within " + keepAlive.intervalSeconds() + " s";
                        // Closing: nothing more is due on this connection (a deadline left in the
                        // past would fire the timer again at once until the close completes).
                        keepAlive.stop();
                        closeChannel(detail);
                    }
                    case NOTHING -> {
                    }
                }
            }
            default -> {
            }
        }
    }

    void onConnAck(MqttConnAckMessage msg) {
        connackDeadline = Long.MAX_VALUE;
        MqttConnectReturnCode code = msg.variableHeader().connectReturnCode();
        int reason = code.byteValue() & 0xFF;
        MqttProperties props = msg.variableHeader().properties();
        if (reason >= 0x80) {
            refusalRetryable = isRetryableRefusal(reason);
            String reasonString = Packets.stringProperty(props, MqttPropertyType.REASON_STRING);
            closeChannel(String.format("broker refused the connection: 0x%02X %s%s", reason, code,
                    reasonString == null ? "" : " (" + reasonString + ")"));
            return;
        }
        if (Packets.intProperty(props, MqttPropertyType.RECEIVE_MAXIMUM, 1) == 0) {
            // MQTT 5 §3.2.2.3.3: a Receive Maximum of 0 is a protocol error.
            refusalRetryable = true;
            protocolError(Packets.PROTOCOL_ERROR, "broker sent CONNACK with Receive Maximum 0");
            return;
        }
        boolean sessionPresent = msg.variableHeader().isSessionPresent();
        BrokerLimits limits = BrokerLimits.fromConnAck(props, options.keepAliveSeconds());
        keepAlive.start(limits.keepAliveSeconds(), ctx.now());
        boolean first = !everConnected;
        everConnected = true;
        // reconnectAttempt is not reset here: a broker that ends every connection right after
        // CONNACK must meet a growing backoff. forgiveIfHealthy() resets it when a connection ends.
        connectedAt = ctx.now();
        state = ClientState.CONNECTED;
        boolean wasLost = lossReported;
        lossReported = false;
        inbound.onConnected(sessionPresent);
        window.onConnected(limits, sessionPresent, first);
        outages.connected(options.clientId());
        if (first) {
            // DEBUG: the device's own "connected" line tells this in the gateway's log.
            LOG.debug("upstream {}: connected to {} (session present: {})", options.clientId(), broker, sessionPresent);
            ctx.event(new UpstreamEvent.Connected(sessionPresent));
        } else {
            ClientCounters counters = ctx.counters();
            if (wasLost) {
                counters.reconnects++;
                LOG.debug("upstream {}: reconnected to {} (session present: {}, {} re-sent)", options.clientId(),
                        broker, sessionPresent, window.inFlight());
            } else {
                counters.willUpdates++;
                LOG.debug("upstream {}: reconnected with a new will (session present: {})", options.clientId(),
                        sessionPresent);
            }
            if (wasLost || !sessionPresent) {
                ctx.event(new UpstreamEvent.Reconnected(sessionPresent));
            }
        }
        window.drain();
        if (willChangedDuringConnect && state == ClientState.CONNECTED) {
            beginWillUpdate();
        }
    }

    void onDisconnect(MqttMessage msg) {
        int reason = msg.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader h
                ? h.reasonCode() & 0xFF : 0;
        String reasonString = msg.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader h
                ? Packets.stringProperty(h.properties(), MqttPropertyType.REASON_STRING) : null;
        if (reason == Packets.SESSION_TAKEN_OVER) {
            terminalClose = true;
        }
        if (closeDetail == null) {
            closeEvidence = blamesAPacket(reason) ? Evidence.PACKET : Evidence.NONE;
        }
        closeChannel(String.format("broker sent DISCONNECT 0x%02X%s", reason,
                reasonString == null ? "" : " (" + reasonString + ")"));
    }

    /** An I/O error on the connection: typically a reset by the broker. */
    void onIoError(String detail) {
        if (closeDetail == null) {
            // mosquitto closing on a refused packet while more of ours are unread resets the
            // connection, and its DISCONNECT may be lost.
            closeEvidence = Evidence.ABRUPT;
        }
        closeChannel(detail);
    }

    /**
     * The network connection is closed.
     *
     * @param ioDetail why the I/O layer saw it end (a TCP connect that failed), or null
     */
    void onClosed(String ioDetail) {
        if (!channelOpen) {
            return;
        }
        channelOpen = false;
        lingerDeadline = Long.MAX_VALUE;
        connackDeadline = Long.MAX_VALUE;
        keepAlive.stop();
        if (closeDetail == null && ioDetail != null) {
            closeDetail = ioDetail;
        }
        // No reason of ours and no DISCONNECT: the broker closed (FIN), or reset, the connection.
        Evidence evidence = closeEvidence != null ? closeEvidence
                : closeDetail == null ? Evidence.ABRUPT : Evidence.NONE;
        closeEvidence = null;
        String detail = closeDetail != null ? closeDetail : "connection closed by the broker";
        closeDetail = null;
        switch (state) {
            case CONNECTING -> {
                ctx.counters().connectFailures++;
                Boolean refusal = refusalRetryable;
                attemptFailed(refusal == null || refusal, detail);
            }
            case CONNECTED -> connectionLost(detail, evidence);
            case UPDATING_WILL -> {
                if (terminalClose) {
                    // Taken over before the broker read our DISCONNECT: reconnecting would take it back.
                    connectionLost(detail, evidence);
                } else {
                    forgiveIfHealthy();
                    inbound.forgetQos1();
                    attemptConnect();
                }
            }
            default -> {
                // CLOSED: ended on purpose; NEW / RECONNECT_WAIT have no connection.
            }
        }
    }

    void updateWill(Optional<ConnectOptions.Will> will) {
        if (state == ClientState.CLOSED || options.will().equals(will)) {
            return;
        }
        options = options.withWill(will);
        switch (state) {
            case CONNECTED -> beginWillUpdate();
            case CONNECTING -> willChangedDuringConnect = true;
            default -> {
                // NEW, RECONNECT_WAIT, UPDATING_WILL: the next CONNECT carries the new will.
            }
        }
    }

    /** Ends for good, with DISCONNECT {@code reason} when connected; see MqttConnection#disconnect. */
    void end(byte reason, OptionalLong sessionExpiry, String detail) {
        if (state == ClientState.CLOSED) {
            return;
        }
        ClientState was = state;
        warnIfWillCannotBeSent(was, reason, sessionExpiry);
        finish(detail);
        if (!channelOpen) {
            return;
        }
        if (was == ClientState.CONNECTED) {
            MqttMessage disconnect = Packets.disconnect(reason);
            if (sessionExpiry.isPresent()) {
                long expiry = sessionExpiry.getAsLong();
                if (options.sessionExpirySeconds() == 0 && expiry != 0) {
                    // MQTT 5 §3.14.2.2.2: a session that expires with the connection cannot be extended.
                    LOG.warn("upstream {}: session expiry {} ignored: the session was opened with expiry 0",
                            options.clientId(), expiry);
                } else {
                    disconnect = Packets.disconnect(reason, expiry);
                }
            }
            closeDetail = detail;
            disconnectAndAwaitClose(disconnect);
        } else {
            closeChannel(detail);
        }
    }

    void protocolError(byte reason, String detail) {
        ctx.counters().protocolErrors++;
        LOG.warn("upstream {}: {}", options.clientId(), detail);
        boolean closing = closeDetail != null;
        if (!closing) {
            closeDetail = detail;
        }
        // One DISCONNECT at most: nothing may follow it on the connection (MQTT 5 §3.14.4), and a
        // connection already being closed (more of the broker's packets read meanwhile) gets none.
        if (state == ClientState.CONNECTED && !closing) {
            ctx.send(Packets.disconnect(reason));
        }
        outputClosed = true;
        inputClosed = true;
        out.close();
    }

    /** Test hook: the connection drops without DISCONNECT, as a network failure would. */
    void drop() {
        if (channelOpen) {
            closeChannel("connection dropped (test)");
        }
    }

    // ------------------------------------------------------------------ steps

    private void attemptConnect() {
        reconnectAt = Long.MAX_VALUE;
        state = ClientState.CONNECTING;
        ctx.counters().connectAttempts++;
        refusalRetryable = null;
        terminalClose = false;
        willChangedDuringConnect = false;
        closeDetail = null;
        closeEvidence = null;
        outputClosed = false;
        inputClosed = false;
        connackDeadline = ctx.now() + options.connectTimeout().toMillis();
        channelOpen = true;
        out.open();
    }

    private void beginWillUpdate() {
        state = ClientState.UPDATING_WILL;
        keepAlive.stop();
        LOG.debug("upstream {}: re-connecting to change the will", options.clientId());
        closeDetail = "re-connecting to change the will";
        disconnectAndAwaitClose(Packets.disconnect(Packets.NORMAL_DISCONNECTION));
    }

    private void disconnectAndAwaitClose(MqttMessage disconnect) {
        lingerDeadline = ctx.now() + MqttClientCore.DISCONNECT_LINGER_MILLIS;
        out.disconnect(disconnect);
        outputClosed = true;
    }

    private void closeChannel(String detail) {
        if (closeDetail == null) {
            closeDetail = detail;
        }
        outputClosed = true;
        inputClosed = true;
        out.close();
    }

    private void attemptFailed(boolean retryable, String detail) {
        if (!everConnected) {
            if (retryable) {
                outages.connectionFailed(options.clientId(), detail);
            } else {
                outages.refused(options.clientId(), detail);
            }
            if (options.retryForever()) {
                // Nothing was lost (it never was up): the owner already treats it as down.
                scheduleReconnect(detail);
                return;
            }
            finish(detail);
            ctx.event(new UpstreamEvent.ConnectFailed(failure(retryable), detail));
            return;
        }
        if (!lossReported) {
            // A will update's reconnection failed: to the owner this is a lost connection.
            lossReported = true;
            ctx.counters().connectionsLost++;
            ctx.event(new UpstreamEvent.ConnectionLost(detail));
        }
        if (!retryable && options.retryForever()) {
            outages.refused(options.clientId(), detail);
            scheduleReconnect(detail);
            return;
        }
        if (!retryable) {
            LOG.warn("upstream {}: reconnection refused for good: {}", options.clientId(), detail);
            finish(detail);
            ctx.event(new UpstreamEvent.ConnectFailed(DeliveryFailure.REFUSED, detail));
            return;
        }
        outages.connectionFailed(options.clientId(), detail);
        scheduleReconnect(detail);
    }

    private static DeliveryFailure failure(boolean retryable) {
        return retryable ? DeliveryFailure.CONGESTION : DeliveryFailure.REFUSED;
    }

    private void connectionLost(String detail, Evidence evidence) {
        ctx.counters().connectionsLost++;
        lossReported = true;
        forgiveIfHealthy();
        inbound.forgetQos1();
        if (terminalClose) {
            LOG.info("upstream {}: connection lost: {}", options.clientId(), detail);
        } else {
            outages.connectionFailed(options.clientId(), "connection lost: " + detail);
        }
        ctx.event(new UpstreamEvent.ConnectionLost(detail));
        if (terminalClose) {
            window.resend.clear();
            finish(detail);
            ctx.event(new UpstreamEvent.ConnectFailed(DeliveryFailure.REFUSED, detail));
            return;
        }
        window.onConnectionLost(evidence, detail);
        scheduleReconnect(detail);
    }

    /** A connection that lasted starts the backoff afresh. */
    private void forgiveIfHealthy() {
        if (ctx.now() - connectedAt >= MqttClientCore.HEALTHY_AFTER_MILLIS) {
            reconnectAttempt = 0;
        }
    }

    private void scheduleReconnect(String detail) {
        long delay = backoff.delayMillis(reconnectAttempt++);
        reconnectDelayObserver.accept(delay);
        state = ClientState.RECONNECT_WAIT;
        reconnectAt = ctx.now() + delay;
        LOG.debug("upstream {}: reconnecting in {} ms (attempt {}, last: {})", options.clientId(), delay,
                reconnectAttempt, detail);
    }

    /** Ends for good (the connection, if any, is closed by the caller): fails everything waiting. */
    private void finish(String detail) {
        state = ClientState.CLOSED;
        reconnectAt = Long.MAX_VALUE;
        connackDeadline = Long.MAX_VALUE;
        keepAlive.stop();
        window.failEverything(detail);
        inbound.clear();
    }

    private void warnIfWillCannotBeSent(ClientState was, byte reason, OptionalLong sessionExpiry) {
        if (was == ClientState.CONNECTED) {
            return;
        }
        if (reason == Packets.DISCONNECT_WITH_WILL && options.will().isPresent()) {
            DISCARD_LOG.warn("upstream {}: will to '{}' not published on request: not connected to the broker ({})",
                    options.clientId(), options.will().get().topic(), was);
        }
        if (sessionExpiry.isPresent()) {
            LOG.warn("upstream {}: session expiry {} not sent: not connected to the broker ({})",
                    options.clientId(), sessionExpiry.getAsLong(), was);
        }
    }

    private static boolean isRetryableRefusal(int reason) {
        return switch (reason) {
            // unspecified error, implementation specific, server unavailable, server busy,
            // quota exceeded, use another server, server moved, connection rate exceeded
            case 0x80, 0x83, 0x88, 0x89, 0x97, 0x9C, 0x9D, 0x9F -> true;
            default -> false;
        };
    }

    /**
     * Whether a DISCONNECT reason code says the broker refused a packet we sent (MQTT 5
     * §3.14.2.1). Only these make what was outstanding a suspect: each names something wrong with
     * one packet, which sending it again cannot fix. Left out on purpose: 0x80 (unspecified), 0x89
     * and 0x8B (busy, shutting down), 0x8D (keep-alive), 0x8E (taken over, ends the connection),
     * 0x98, 0x9C, 0x9D, 0x9F, 0xA0 (administrative or connection-wide), and the volume limits 0x93
     * (receive maximum exceeded: about how many were in flight, which we bound by the CONNACK),
     * 0x96 (message rate too high) and 0x97 (quota exceeded): a limit crossed by many packets
     * would blame whichever one came last, and the backoff is the answer to those.
     */
    static boolean blamesAPacket(int reason) {
        return switch (reason) {
            // malformed packet, protocol error: mosquitto sends 0x81 for a topic that is not
            // valid UTF-8 or holds a control character or a non-character (U+0001, U+007F, U+FFFF)
            case 0x81, 0x82 -> true;
            // implementation specific error: "the packet received is valid but cannot be
            // processed by this implementation"
            case 0x83 -> true;
            // not authorized, topic filter invalid, topic name invalid, topic alias invalid,
            // packet too large, payload format invalid, retain / QoS not supported
            case 0x87, 0x8F, 0x90, 0x94, 0x95, 0x99, 0x9A, 0x9B -> true;
            // shared subscriptions, subscription identifiers, wildcard subscriptions not supported
            case 0x9E, 0xA1, 0xA2 -> true;
            default -> false;
        };
    }
}
