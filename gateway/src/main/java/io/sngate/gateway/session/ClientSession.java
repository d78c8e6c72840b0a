package io.sngate.gateway.session;

import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.PubComp;
import io.sngate.codec.v12.PubRec;
import io.sngate.codec.v12.PubRel;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.Unsubscribe;
import io.sngate.codec.v12.WillMsg;
import io.sngate.codec.v12.WillMsgUpd;
import io.sngate.codec.v12.WillTopic;
import io.sngate.codec.v12.WillTopicUpd;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * One device's MQTT-SN 1.2 session as the gateway keeps it: a sans-I/O state machine.
 *
 * <p>Inputs are a packet from the device, an event from the upstream side, or the passing of
 * time; each comes with the current time in milliseconds and a sink for the {@link Effect}s
 * the input causes. The session never reads a clock, sleeps or touches a socket, so every
 * flow can be driven by tests in microseconds. After each input, {@link #nextDeadline()}
 * says when {@link #onTimer} must be called next.
 *
 * <p>Durability (DESIGN rule 4): a device's QoS 1/2 PUBLISH is acknowledged to the device only
 * after the broker acknowledged it; a broker's QoS 1/2 message is acknowledged upstream only
 * after the device acknowledged it (or refused it for good, which is counted).
 *
 * <p>This class is the façade: it owns the state machine (spec §6.14: connecting, active,
 * asleep, awake, disconnected, lost) and the session's lifetime, and routes each input to the
 * part that handles its concern, all writing to the one effect sink of the input:
 * <ul>
 *   <li>{@link ConnectHandshake}: CONNECT copies, the will exchange, the upstream connect request;
 *   <li>{@link TopicRegistration}: REGISTER from the device, topic ids of its PUBLISHes;
 *   <li>{@link PublishFromDevice}: the device's PUBLISHes to the broker, QoS 2 from the device;
 *   <li>{@link Subscriptions}: SUBSCRIBE, UNSUBSCRIBE, and what the device is subscribed to;
 *   <li>{@link WillUpdates}: the will, and WILLTOPICUPD and WILLMSGUPD;
 *   <li>{@link SleepingClient}: the sleep duration and its supervision;
 *   <li>{@link DeliveryToDevice}: the broker's messages to the device, and their retransmission,
 *       with {@link ReflectionBound} (what goes to an unproven address) and {@link BrokerResends}
 *       (the broker's resends after a reconnection);
 *   <li>{@link KeepAlive}: keep-alive supervision and PINGREQ.
 * </ul>
 * What they share is in {@link SessionContext}.
 *
 * <p>Not thread-safe: one event loop owns a session (DESIGN rule 2).
 */
public final class ClientSession {

    /** Names of the counters this class reports through {@link Effect.Discard}. */
    public static final class Counters {
        public static final String INVALID_TOPIC = "invalid_topic";
        public static final String NOT_CONNECTED = "not_connected";
        public static final String QUEUE_OVERFLOW = "queue_overflow";
        public static final String TOO_LARGE_FOR_DEVICE = "too_large_for_device";
        public static final String REFUSED_BY_DEVICE = "refused_by_device";
        public static final String TOPIC_IDS_EXHAUSTED = "topic_ids_exhausted";
        public static final String SESSION_CLEARED = "session_cleared";
        public static final String UNEXPECTED_ACK = "unexpected_ack";
        public static final String FOREIGN_CLIENT_ID = "pingreq_foreign_client_id";
        public static final String WILL_EXCHANGE_ABANDONED = "will_exchange_abandoned";
        public static final String UPSTREAM_BUSY = "upstream_busy";
        public static final String UNSUPPORTED = "unsupported";
        public static final String QOS2_LATE_DUPLICATE = "qos2_late_duplicate";
        public static final String CONNECT_RETRANSMISSION = "connect_retransmission";
        public static final String REQUEST_RETRANSMISSION = "request_retransmission";
        public static final String UNPROVEN_WITHHELD = "unproven_withheld";
        public static final String DENIED = "denied";
        public static final String EXPIRED = "expired";
        public static final String BROKER_RESEND = "broker_resend";
        /** A PUBREL for a QoS 2 exchange begun before this session, released upstream by msg id. */
        public static final String QOS2_RELEASE_RESUMED = "qos2_release_resumed";
        /** A released QoS 2 exchange the upstream could not complete; the device's next PUBREL retries. */
        public static final String QOS2_RELEASE_FAILED = "qos2_release_failed";
        /** The broker lost the session's subscriptions (no session after a reconnection): subscribed again. */
        public static final String RESUBSCRIBED = "resubscribed";
        /** A CONNECT that found the broker away or busy: answered with congestion, the device tries again. */
        public static final String BROKER_UNAVAILABLE = "broker_unavailable";
        /** A disconnected persistent session an operator ended through the admin API. */
        public static final String KICKED = "kicked";

        private Counters() {
        }
    }

    /**
     * Earliest retry after the link reported a failed delivery, counted from the failed send:
     * soon, since the radio has already spent its own retries, but not at once, so that a burst of
     * failures (a route being repaired) does not use up N_RETRY within a second.
     */
    static final long LINK_FAILURE_RETRY_MILLIS = 1_000;

    private final SessionContext ctx;
    private final ConnectHandshake handshake;
    private final WillUpdates wills = new WillUpdates();
    private final TopicRegistration topics;
    private final PublishFromDevice publishes;
    private final Subscriptions subscriptions;
    private final ReflectionBound bound;
    private final SleepingClient sleep;
    private final KeepAlive keepAlive;
    private final DeliveryToDevice delivery;

    private boolean upstreamOpen;
    /** When a clean-session-0 device disconnected; it is kept for the persistent expiry after that. */
    private long disconnectedAt;
    /** A session that ended for good although its clean flag is 0: its state lives on at the broker only. */
    private boolean expired;

    public ClientSession(String clientId, SessionConfig config, PredefinedTopics predefined) {
        this(clientId, config, predefined, SessionPolicy.ALLOW_ALL, 1);
    }

    /**
     * @param firstMsgId the first message id the gateway uses towards the device: random in a
     *        running gateway, so that only a device that receives can answer one (see
     *        {@link ReflectionBound})
     */
    public ClientSession(String clientId, SessionConfig config, PredefinedTopics predefined, SessionPolicy policy,
                         int firstMsgId) {
        this(clientId, config, predefined, policy, firstMsgId, config::maxPacketSize);
    }

    /**
     * @param linkLimit the largest packet the device's link carries now, asked at each delivery
     *        (and at each upstream connection): a radio's limit can change while the session
     *        lives, and a device can move to another link; {@link SessionConfig#maxPacketSize()}
     *        stays the ceiling
     */
    public ClientSession(String clientId, SessionConfig config, PredefinedTopics predefined, SessionPolicy policy,
                         int firstMsgId, IntSupplier linkLimit) {
        if (firstMsgId < 1 || firstMsgId > 0xFFFF) {
            throw new IllegalArgumentException("firstMsgId must be from 1 to 65535");
        }
        this.ctx = new SessionContext(clientId, config, predefined, policy, linkLimit);
        this.handshake = new ConnectHandshake(ctx);
        this.topics = new TopicRegistration(ctx);
        this.publishes = new PublishFromDevice(ctx, topics);
        this.subscriptions = new Subscriptions(ctx);
        this.bound = new ReflectionBound(config);
        this.sleep = new SleepingClient(ctx);
        this.keepAlive = new KeepAlive(ctx);
        this.delivery = new DeliveryToDevice(ctx, subscriptions, bound, firstMsgId, this::backToSleep);
    }

    public String clientId() {
        return ctx.clientId;
    }

    public SessionState state() {
        return ctx.state;
    }

    /**
     * True when the gateway keeps nothing more of this session: it was lost (whatever its clean
     * flag: a persistent session lives on at the broker), or it is disconnected and clean, or
     * disconnected and persistent for longer than the persistent session expiry.
     */
    public boolean isFinished() {
        return ctx.state == SessionState.LOST
                || ctx.state == SessionState.DISCONNECTED && (ctx.cleanSession || expired);
    }

    /** True once the device has shown it receives at its current address. */
    public boolean isProven() {
        return bound.isProven();
    }

    /**
     * The device is now at another link address (it woke or reconnected from a new one): that
     * address has yet to show it receives, and a CONNECT from it is never a copy of the last one.
     */
    public void onAddressChanged(int nextMsgId) {
        if (nextMsgId < 1 || nextMsgId > 0xFFFF) {
            throw new IllegalArgumentException("nextMsgId must be from 1 to 65535");
        }
        delivery.addressChanged(nextMsgId);
        bound.addressChanged();
        handshake.forgetLastConnect();
    }

    /** The clean flag of the device's last CONNECT. */
    public boolean cleanSession() {
        return ctx.cleanSession;
    }

    /** The keep-alive of the device's last CONNECT, in seconds (0: none asked). */
    public int keepAliveSeconds() {
        return keepAlive.seconds();
    }

    /** The sleep duration of the device's last DISCONNECT with one, in seconds. */
    public long sleepSeconds() {
        return sleep.seconds();
    }

    /** A copy of what the session holds now, for the admin API. */
    public SessionView view() {
        return new SessionView(ctx.clientId, ctx.state, ctx.cleanSession, keepAlive.seconds(), sleep.seconds(),
                ctx.lastHeard, ctx.registry.entries(), subscriptions.list(), delivery.queued(), delivery.inFlight(),
                publishes.inFlight(), bound.isProven());
    }

    public int queuedMessages() {
        return delivery.queued();
    }

    public int registeredTopics() {
        return ctx.registry.size();
    }

    /** When {@link #onTimer} must run next, or {@link Long#MAX_VALUE}. */
    public long nextDeadline() {
        long deadline = handshake.deadline();
        switch (ctx.state) {
            case ACTIVE -> deadline = Math.min(deadline, Math.min(keepAlive.deadline(), delivery.deadline()));
            case ASLEEP -> deadline = Math.min(deadline, sleep.deadline());
            case AWAKE -> deadline = Math.min(deadline, Math.min(sleep.deadline(), delivery.deadline()));
            case DISCONNECTED -> {
                if (!ctx.cleanSession && !expired) {
                    deadline = Math.min(deadline, expiresAt());
                }
            }
            default -> {
            }
        }
        return deadline;
    }

    /**
     * The MQTT packet size above which a message can never reach a device whose link carries
     * {@code linkLimit} bytes: its MQTT-SN PUBLISH is at least the payload plus 7 bytes, and a
     * REGISTER of its topic must fit as well, so an MQTT PUBLISH (payload, topic, and at most a
     * few dozen bytes of header and properties) larger than twice the limit plus 64 cannot be
     * sent. Announced to the broker as Maximum Packet Size, so such a message stays there; one
     * below it that still does not fit is refused by the session and counted.
     */
    public static int upstreamMaxPacketSize(int linkLimit) {
        return (int) Math.min(268_435_455L, 2L * linkLimit + 64);
    }

    // ------------------------------------------------------------------ device input

    /** A packet from the device at this session's address. */
    public void onDevice(MqttSn12Message message, long now, Consumer<Effect> out) {
        if (message instanceof Connect connect) {
            ctx.lastHeard = now;
            onConnect(connect, now, out);
            return;
        }
        switch (ctx.state) {
            case AWAITING_WILL_TOPIC -> {
                if (message instanceof WillTopic willTopic) {
                    ctx.lastHeard = now;
                    onWillTopic(willTopic, now, out);
                } else {
                    notConnected(message, out);
                }
            }
            case AWAITING_WILL_MESSAGE -> {
                if (message instanceof WillMsg willMsg) {
                    ctx.lastHeard = now;
                    wills.set(handshake.willOf(willMsg));
                    connectUpstream(out);
                } else if (message instanceof WillTopic willTopic) {
                    // The device resent WILLTOPIC (our WILLMSGREQ was lost, spec §6.13): ask again.
                    ctx.lastHeard = now;
                    onWillTopic(willTopic, now, out);
                } else {
                    notConnected(message, out);
                }
            }
            case CONNECTING -> {
                if (message instanceof WillTopic || message instanceof WillMsg) {
                    ctx.lastHeard = now; // a resend while the broker answers; the CONNACK will come
                } else {
                    notConnected(message, out);
                }
            }
            case ACTIVE -> {
                ctx.lastHeard = now;
                onActive(message, now, out);
            }
            case ASLEEP, AWAKE -> onSleeping(message, now, out);
            case DISCONNECTED, LOST -> notConnected(message, out);
        }
    }

    private void onActive(MqttSn12Message message, long now, Consumer<Effect> out) {
        switch (message.type()) {
            case REGISTER -> topics.onRegister((Register) message, now, out);
            case PUBLISH -> publishes.onPublish((Publish) message, now, out);
            case PUBREL -> publishes.onPubRel((PubRel) message, now, out);
            case PUBACK -> delivery.onPubAck((PubAck) message, now, out);
            case PUBREC -> delivery.onPubRec((PubRec) message, now, out);
            case PUBCOMP -> delivery.onPubComp((PubComp) message, now, out);
            case REGACK -> delivery.onRegAck((RegAck) message, now, out);
            case SUBSCRIBE -> subscriptions.onSubscribe((Subscribe) message, now, out);
            case UNSUBSCRIBE -> subscriptions.onUnsubscribe((Unsubscribe) message, now, out);
            case PINGREQ -> keepAlive.onPingReq((PingReq) message, out);
            case PINGRESP -> {
                // an answer to a gateway ping: hearing it is all that matters
            }
            case DISCONNECT -> onDisconnect((Disconnect) message, now, out);
            case WILLTOPICUPD -> wills.onWillTopicUpdate((WillTopicUpd) message, out);
            case WILLMSGUPD -> wills.onWillMessageUpdate((WillMsgUpd) message, out);
            default -> out.accept(new Effect.Discard(Counters.UNSUPPORTED, "",
                    message.typeName() + " is not expected from a connected client"));
        }
    }

    /** Asleep, a client may only wake (PINGREQ) or leave; awake, it also answers what it receives. */
    private void onSleeping(MqttSn12Message message, long now, Consumer<Effect> out) {
        switch (message.type()) {
            case PINGREQ -> {
                if (keepAlive.isForeign((PingReq) message, out)) {
                    return;
                }
                ctx.lastHeard = now;
                ctx.state = SessionState.AWAKE;
                delivery.resume(now, out); // a new chance for the woken device, then what waits
            }
            case PUBACK, PUBREC, PUBCOMP, REGACK -> {
                if (ctx.state == SessionState.AWAKE) {
                    ctx.lastHeard = now;
                    onActive(message, now, out);
                } else {
                    notConnected(message, out);
                }
            }
            case DISCONNECT -> {
                ctx.lastHeard = now;
                onDisconnect((Disconnect) message, now, out);
            }
            default -> notConnected(message, out);
        }
    }

    /** Everything that waited for the awake device went out: it may sleep again. */
    private void backToSleep(long now, Consumer<Effect> out) {
        sleep.backToSleep(now, out);
        ctx.state = SessionState.ASLEEP;
    }

    /** A packet that needs an active session: the device must CONNECT first (spec §6.14). */
    private void notConnected(MqttSn12Message message, Consumer<Effect> out) {
        out.accept(new Effect.Discard(Counters.NOT_CONNECTED, "",
                message.typeName() + " while " + ctx.state.name().toLowerCase()));
        out.accept(new Effect.SendToDevice(Disconnect.PLAIN));
    }

    // ------------------------------------------------------------------ connecting

    private void onConnect(Connect connect, long now, Consumer<Effect> out) {
        if (connect.protocolId() != Connect.PROTOCOL_ID) {
            refuseConnect(out, "protocol id " + connect.protocolId());
            return;
        }
        if (handshake.isRepeat(connect, now, keepAlive.seconds(), out)) {
            return;
        }
        expired = false;
        if (upstreamOpen) {
            // A CONNECT while connected restarts the session; the old connection ends
            // without a will, as a client that reconnects is not lost.
            out.accept(new Effect.Disconnect(false, false));
            upstreamOpen = false;
        }
        // Answers still due from the old connection must not reach the restarted session;
        // the device resends what it still waits for.
        publishes.restart();
        subscriptions.restart();
        ctx.recentAnswers.clear();
        ctx.cleanSession = connect.cleanSession();
        keepAlive.set(connect.keepAlive());
        if (ctx.cleanSession) {
            clearSession(out);
        }
        if (connect.will()) {
            ctx.state = SessionState.AWAITING_WILL_TOPIC;
            handshake.askWillTopic(now, out);
        } else {
            connectUpstream(out);
        }
    }

    private void onWillTopic(WillTopic willTopic, long now, Consumer<Effect> out) {
        switch (handshake.onWillTopic(willTopic, now, out)) {
            case NO_WILL -> {
                wills.clear();
                connectUpstream(out);
            }
            case INVALID -> refuseConnect(out, "will topic " + willTopic.willTopic() + " is not a valid topic name");
            case ASKED_FOR_MESSAGE -> ctx.state = SessionState.AWAITING_WILL_MESSAGE;
        }
    }

    private void refuseConnect(Consumer<Effect> out, String why) {
        out.accept(new Effect.Discard(Counters.UNSUPPORTED, "", "CONNECT refused: " + why));
        out.accept(new Effect.SendToDevice(new ConnAck(ReturnCode.REJECTED_NOT_SUPPORTED)));
        ctx.state = SessionState.DISCONNECTED;
        expired = true; // a connection that never opened keeps nothing
        if (upstreamOpen) {
            // A connected client's refused CONNECT ends its connection: close it as a DISCONNECT would.
            upstreamOpen = false;
            out.accept(new Effect.Disconnect(false, ctx.cleanSession));
        }
    }

    private void connectUpstream(Consumer<Effect> out) {
        ctx.state = SessionState.CONNECTING;
        upstreamOpen = true;
        delivery.connectionOpening();
        out.accept(handshake.upstreamRequest(keepAlive.seconds(), wills.current()));
    }

    private void onDisconnect(Disconnect disconnect, long now, Consumer<Effect> out) {
        out.accept(new Effect.SendToDevice(Disconnect.PLAIN));
        int duration = disconnect.duration().orElse(0);
        if (duration > 0) {
            // Going to sleep: the upstream session stays open, messages are held here.
            ctx.state = SessionState.ASLEEP;
            sleep.fallAsleep(duration, now);
            return;
        }
        ctx.state = SessionState.DISCONNECTED;
        disconnectedAt = now;
        upstreamOpen = false;
        out.accept(new Effect.Disconnect(false, ctx.cleanSession));
        if (ctx.cleanSession) {
            clearSession(out);
        }
    }

    // ------------------------------------------------------------------ upstream input

    public void onUpstream(UpstreamEvent event, long now, Consumer<Effect> out) {
        event.applyTo(new UpstreamInput(now, out));
    }

    /** One upstream event, routed to the part it concerns; every kind has its method. */
    private final class UpstreamInput implements UpstreamEvent.Handler {
        private final long now;
        private final Consumer<Effect> out;

        UpstreamInput(long now, Consumer<Effect> out) {
            this.now = now;
            this.out = out;
        }

        @Override
        public void connected(UpstreamEvent.Connected connected) {
            if (ctx.state == SessionState.CONNECTING) {
                ctx.state = SessionState.ACTIVE;
                ctx.lastHeard = now;
                delivery.connectionAccepted(connected.sessionPresent(), now);
                handshake.accepted(now, out);
                delivery.resume(now, out); // a new connection: the device gets N_RETRY again
            }
        }

        @Override
        public void connectFailed(UpstreamEvent.ConnectFailed failed) {
            if (ctx.state == SessionState.CONNECTING) {
                ctx.state = SessionState.DISCONNECTED;
                expired = true; // whatever a persistent session had is at the broker
                upstreamOpen = false;
                if (failed.failure() == DeliveryFailure.CONGESTION) {
                    // The broker as a whole is away or busy: the gateway's outage log tells that
                    // once, and the device is told to come back later.
                    out.accept(new Effect.Count(Counters.BROKER_UNAVAILABLE, "CONNECT answered with congestion: "
                            + failed.detail()));
                    out.accept(new Effect.SendToDevice(new ConnAck(ReturnCode.REJECTED_CONGESTION)));
                } else {
                    out.accept(new Effect.Discard(Counters.UNSUPPORTED, "",
                            "broker refused connection: " + failed.detail()));
                    out.accept(new Effect.SendToDevice(new ConnAck(ReturnCode.REJECTED_NOT_SUPPORTED)));
                }
            }
            // Once connected, an upstream that ends for good fails what is pending
            // (PublishDone, Subscribed with CONGESTION); the device learns it from those.
        }

        @Override
        public void connectionLost(UpstreamEvent.ConnectionLost lost) {
            // The upstream reconnects by itself and re-sends what is in flight: the device
            // waits a little longer for its answers, nothing else changes for it.
        }

        @Override
        public void reconnected(UpstreamEvent.Reconnected reconnected) {
            if (!reconnected.sessionPresent()) {
                subscriptions.resubscribe(out);
            }
        }

        @Override
        public void publishReceived(UpstreamEvent.PublishReceived received) {
            publishes.onPublishReceived(received, out);
        }

        @Override
        public void publishDone(UpstreamEvent.PublishDone done) {
            publishes.onPublishDone(done, now, out);
        }

        @Override
        public void subscribed(UpstreamEvent.Subscribed subscribed) {
            subscriptions.onSubscribed(subscribed, now, out);
        }

        @Override
        public void unsubscribed(UpstreamEvent.Unsubscribed unsubscribed) {
            subscriptions.onUnsubscribed(unsubscribed, now, out);
        }

        @Override
        public void message(UpstreamEvent.Message message) {
            delivery.onBrokerMessage(message, now, out);
        }
    }

    // ------------------------------------------------------------------ time

    /** Runs what is due at {@code now}: retransmissions, keep-alive and sleep supervision. */
    public void onTimer(long now, Consumer<Effect> out) {
        ctx.recentAnswers.forgetExpired(now); // an idle session's memory back, at its next timer
        if (now >= handshake.deadline() && handshake.onTimeout(now, out)) {
            ctx.state = SessionState.DISCONNECTED;
            expired = true; // a connection that never opened keeps nothing
        }
        switch (ctx.state) {
            case ACTIVE -> {
                Optional<String> silent = keepAlive.expired(now);
                if (silent.isPresent()) {
                    lose(silent.get(), out);
                    return;
                }
                delivery.retransmitIfDue(now, out).ifPresent(why -> lose(why, out));
            }
            case DISCONNECTED -> {
                if (!ctx.cleanSession && !expired && now >= expiresAt()) {
                    expired = true;
                    out.accept(new Effect.Count(Counters.EXPIRED, "disconnected for longer than the persistent "
                            + "session expiry; what it had lives on at the broker"));
                }
            }
            case ASLEEP, AWAKE -> {
                Optional<String> overslept = sleep.expired(now);
                if (overslept.isPresent()) {
                    lose(overslept.get(), out);
                    return;
                }
                if (ctx.state == SessionState.AWAKE) {
                    delivery.retransmitIfDue(now, out).ifPresent(why -> lose(why, out));
                }
            }
            default -> {
            }
        }
    }

    /** When a disconnected persistent session stops being kept here. */
    private long expiresAt() {
        return disconnectedAt + ctx.config.persistentSessionExpirySeconds() * 1000L;
    }

    /**
     * The link says a packet to the device did not arrive (an XBee Transmit Status failure). If
     * an exchange waits for the device's answer, it is retried {@link #LINK_FAILURE_RETRY_MILLIS}
     * after its last send instead of T_RETRY after it; the retry counts towards N_RETRY like one
     * after a timeout. Nothing else changes: a failure with nothing in flight only is counted by
     * the transport.
     */
    public void onLinkDeliveryFailed(long now, Consumer<Effect> out) {
        delivery.linkDeliveryFailed(LINK_FAILURE_RETRY_MILLIS, now, out).ifPresent(why -> lose(why, out));
    }

    // ------------------------------------------------------------------ the session's end

    /**
     * A device with another client id connected from this session's address: whoever was here is
     * gone from it (a new device behind the same NAT port, or this one rebooted under another id).
     * The session ends as a lost one; a persistent one lives on at the broker until its device
     * connects again.
     */
    public void onAddressTaken(String byClientId, long now, Consumer<Effect> out) {
        switch (ctx.state) {
            case DISCONNECTED -> expired = true;
            case LOST -> {
            }
            case AWAITING_WILL_TOPIC, AWAITING_WILL_MESSAGE -> {
                // No connection is open yet (a previous one was closed before the will exchange):
                // nothing to close, and no will of a connection that ended cleanly to publish.
                ctx.state = SessionState.DISCONNECTED;
                handshake.stopTimer();
                expired = true;
                out.accept(new Effect.Lost("its address was taken by client " + byClientId
                        + " during the will exchange"));
            }
            default -> lose("its address was taken by client " + byClientId, out);
        }
    }

    /**
     * An operator ends the session (the admin API's kick): it ends as a lost one, will and all,
     * since the device did not ask to leave; a device that can receive is told with a DISCONNECT
     * so that it does not keep publishing into a session that is gone. A kept persistent session
     * of a disconnected device is forgotten here (it lives on at the broker).
     *
     * @return false when there was nothing to end (the session had already ended)
     */
    public boolean kick(String why, long now, Consumer<Effect> out) {
        switch (ctx.state) {
            case LOST -> {
                return false;
            }
            case DISCONNECTED -> {
                if (isFinished()) {
                    return false;
                }
                expired = true;
                out.accept(new Effect.Count(Counters.KICKED, why));
                return true;
            }
            case AWAITING_WILL_TOPIC, AWAITING_WILL_MESSAGE -> {
                out.accept(new Effect.SendToDevice(Disconnect.PLAIN));
                ctx.state = SessionState.DISCONNECTED;
                handshake.stopTimer();
                expired = true;
                out.accept(new Effect.Lost(why + " during the will exchange"));
                return true;
            }
            default -> {
                ctx.sendIfReachable(Disconnect.PLAIN, out);
                lose(why, out);
                return true;
            }
        }
    }

    /** The device is gone without a DISCONNECT: its will is published (spec §6.14). */
    private void lose(String why, Consumer<Effect> out) {
        ctx.state = SessionState.LOST;
        boolean wasOpen = upstreamOpen;
        upstreamOpen = false;
        out.accept(new Effect.Lost(why));
        if (wasOpen) {
            out.accept(new Effect.Disconnect(true, ctx.cleanSession));
        }
        if (ctx.cleanSession) {
            clearSession(out);
        }
    }

    /** Forgets subscriptions, topic ids, will and queued messages (a clean session). */
    private void clearSession(Consumer<Effect> out) {
        subscriptions.clear();
        ctx.registry.clear();
        wills.clear();
        publishes.clear();
        delivery.clear(out);
    }
}
