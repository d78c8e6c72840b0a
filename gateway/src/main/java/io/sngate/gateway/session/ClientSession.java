package io.sngate.gateway.session;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.MessageType;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PingResp;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.PubComp;
import io.sngate.codec.v12.PubRec;
import io.sngate.codec.v12.PubRel;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.ShortTopicName;
import io.sngate.codec.v12.SubAck;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.TopicRef;
import io.sngate.codec.v12.UnsubAck;
import io.sngate.codec.v12.Unsubscribe;
import io.sngate.codec.v12.WillMsg;
import io.sngate.codec.v12.WillMsgReq;
import io.sngate.codec.v12.WillMsgResp;
import io.sngate.codec.v12.WillMsgUpd;
import io.sngate.codec.v12.WillTopic;
import io.sngate.codec.v12.WillTopicReq;
import io.sngate.codec.v12.WillTopicResp;
import io.sngate.codec.v12.WillTopicUpd;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Consumer;

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

        private Counters() {
        }
    }

    private final String clientId;
    private final SessionConfig config;
    private final PredefinedTopics predefined;
    private final SessionPolicy policy;
    private final RecentAnswers recentAnswers = new RecentAnswers();
    private final TopicRegistry registry;
    private final DeliveryQueue queue;
    private final Map<String, Subscription> subscriptions = new HashMap<>();
    /** Topics the device refused with a REGACK error: as if it unsubscribed from them (spec §6.10). */
    private final Set<String> refusedTopics = new HashSet<>();

    private SessionState state = SessionState.DISCONNECTED;
    private boolean cleanSession = true;
    private int keepAliveSeconds;
    private long lastHeard;
    private long sleepMillis;
    private Will will;
    private boolean upstreamOpen;
    /** The CONNECT that opened the current connection, and when it was answered: to spot a copy of it. */
    private Connect lastConnect;
    private long connAckAt;
    /** When a clean-session-0 device disconnected; it is kept for the persistent expiry after that. */
    private long disconnectedAt;
    /** A session that ended for good although its clean flag is 0: its state lives on at the broker only. */
    private boolean expired;

    // reflection bound: see sendInitiated
    /** The device has answered a message id the gateway chose, so it receives at this address. */
    private boolean proven;
    private int unprovenBytes;
    private boolean challengeSent;

    // connection set-up
    private QoS pendingWillQos = QoS.AT_MOST_ONCE;
    private boolean pendingWillRetain;
    private String pendingWillTopic;
    /** The CONNECT being answered had no will flag (so an identical one is a plain resend). */
    private boolean connectHadNoWill;
    private int setupRetries;
    private long setupDeadline = Long.MAX_VALUE;

    // device -> broker
    private long nextToken = 1;
    private final Map<Long, InboundPublish> publishesByToken = new HashMap<>();
    private final Map<Integer, InboundPublish> qos2ByMsgId = new HashMap<>();
    /**
     * QoS 2 exchanges completed with PUBCOMP, by msgId: until when a copy of that PUBLISH is a
     * late duplicate (one the network delayed past the whole exchange), not a new message.
     */
    private final java.util.LinkedHashMap<Integer, CompletedQos2> completedQos2 = new java.util.LinkedHashMap<>();
    private static final int MAX_COMPLETED_QOS2 = 64;
    private final Map<Long, PendingSubscription> subscribesByToken = new HashMap<>();
    private final Map<Long, PendingUnsubscribe> unsubscribesByToken = new HashMap<>();

    // broker -> device
    private Outgoing inflight;
    private int nextMsgId = 1;
    /**
     * The QoS 1/2 messages the session held (in flight or queued, oldest first) when it opened
     * the current upstream connection, while the broker may still be sending them again: see
     * {@link #resendOf}. Compared by identity: the upstream numbers deliveries per connection.
     */
    private final List<Delivery> heldAtConnect = new ArrayList<>();
    /** Until when a message can be a broker's resend of one in {@link #heldAtConnect}. */
    private long resendsUntil = Long.MIN_VALUE;

    public ClientSession(String clientId, SessionConfig config, PredefinedTopics predefined) {
        this(clientId, config, predefined, SessionPolicy.ALLOW_ALL, 1);
    }

    /**
     * @param firstMsgId the first message id the gateway uses towards the device: random in a
     *        running gateway, so that only a device that receives can answer one (see
     *        {@link #sendInitiated})
     */
    public ClientSession(String clientId, SessionConfig config, PredefinedTopics predefined, SessionPolicy policy,
                         int firstMsgId) {
        if (firstMsgId < 1 || firstMsgId > 0xFFFF) {
            throw new IllegalArgumentException("firstMsgId must be from 1 to 65535");
        }
        this.clientId = clientId;
        this.config = config;
        this.predefined = predefined;
        this.policy = policy;
        this.registry = new TopicRegistry(config.maxTopics(), predefined);
        this.queue = new DeliveryQueue(config.maxQueued());
        this.nextMsgId = firstMsgId;
        this.proven = !config.requiresProof();
    }

    public String clientId() {
        return clientId;
    }

    public SessionState state() {
        return state;
    }

    /**
     * True when the gateway keeps nothing more of this session: it was lost (whatever its clean
     * flag: a persistent session lives on at the broker), or it is disconnected and clean, or
     * disconnected and persistent for longer than the persistent session expiry.
     */
    public boolean isFinished() {
        return state == SessionState.LOST
                || state == SessionState.DISCONNECTED && (cleanSession || expired);
    }

    /** True once the device has shown it receives at its current address. */
    public boolean isProven() {
        return proven;
    }

    /**
     * The device is now at another link address (it woke or reconnected from a new one): that
     * address has yet to show it receives, and a CONNECT from it is never a copy of the last one.
     */
    public void onAddressChanged(int nextMsgId) {
        if (nextMsgId < 1 || nextMsgId > 0xFFFF) {
            throw new IllegalArgumentException("nextMsgId must be from 1 to 65535");
        }
        // Ids already used at the old address are known there: the new one gets unguessable ones,
        // including a REGISTER still in flight (a REGISTER may be resent under a new id; a
        // PUBLISH may not: its DUP copy keeps its id, as the spec requires).
        this.nextMsgId = nextMsgId;
        if (inflight != null && inflight.phase == Phase.REGACK) {
            inflight.msgId = nextMsgId();
        }
        proven = !config.requiresProof();
        unprovenBytes = 0;
        challengeSent = false;
        lastConnect = null;
    }

    public int queuedMessages() {
        return queue.size() + (inflight == null ? 0 : 1);
    }

    public int registeredTopics() {
        return registry.size();
    }

    /** When {@link #onTimer} must run next, or {@link Long#MAX_VALUE}. */
    public long nextDeadline() {
        long deadline = setupDeadline;
        switch (state) {
            case ACTIVE -> {
                deadline = Math.min(deadline, lastHeard + scaled(supervisedKeepAlive()));
                if (inflight != null) {
                    deadline = Math.min(deadline, inflight.deadline);
                }
            }
            case ASLEEP -> deadline = Math.min(deadline, lastHeard + scaled(sleepMillis / 1000));
            case AWAKE -> {
                deadline = Math.min(deadline, lastHeard + scaled(sleepMillis / 1000));
                if (inflight != null) {
                    deadline = Math.min(deadline, inflight.deadline);
                }
            }
            case DISCONNECTED -> {
                if (!cleanSession && !expired) {
                    deadline = Math.min(deadline, disconnectedAt + config.persistentSessionExpirySeconds() * 1000L);
                }
            }
            default -> {
            }
        }
        return deadline;
    }

    /** The keep-alive the gateway supervises: the device's, capped; none (0) counts as the cap. */
    private int supervisedKeepAlive() {
        return keepAliveSeconds == 0 ? config.maxKeepAliveSeconds()
                : Math.min(keepAliveSeconds, config.maxKeepAliveSeconds());
    }

    private long scaled(long seconds) {
        return (long) (seconds * 1000L * config.keepAliveFactor());
    }

    // ------------------------------------------------------------------ device input

    /** A packet from the device at this session's address. */
    public void onDevice(MqttSn12Message message, long now, Consumer<Effect> out) {
        if (message instanceof Connect connect) {
            lastHeard = now;
            onConnect(connect, now, out);
            return;
        }
        switch (state) {
            case AWAITING_WILL_TOPIC -> {
                if (message instanceof WillTopic willTopic) {
                    lastHeard = now;
                    onWillTopic(willTopic, now, out);
                } else {
                    notConnected(message, out);
                }
            }
            case AWAITING_WILL_MESSAGE -> {
                if (message instanceof WillMsg willMsg) {
                    lastHeard = now;
                    will = new Will(pendingWillTopic, willMsg.willMessage(), pendingWillQos, pendingWillRetain);
                    connectUpstream(now, out);
                } else if (message instanceof WillTopic willTopic) {
                    // The device resent WILLTOPIC (our WILLMSGREQ was lost, spec §6.13): ask again.
                    lastHeard = now;
                    onWillTopic(willTopic, now, out);
                } else {
                    notConnected(message, out);
                }
            }
            case CONNECTING -> {
                if (message instanceof WillTopic || message instanceof WillMsg) {
                    lastHeard = now; // a resend while the broker answers; the CONNACK will come
                } else {
                    notConnected(message, out);
                }
            }
            case ACTIVE -> {
                lastHeard = now;
                onActive(message, now, out);
            }
            case ASLEEP, AWAKE -> onSleeping(message, now, out);
            case DISCONNECTED, LOST -> notConnected(message, out);
        }
    }

    private void onConnect(Connect connect, long now, Consumer<Effect> out) {
        if (connect.protocolId() != Connect.PROTOCOL_ID) {
            refuseConnect(out, "protocol id " + connect.protocolId());
            return;
        }
        if (state == SessionState.ACTIVE && connect.equals(lastConnect) && now - connAckAt <= config.retryMillis()) {
            // The device lost our CONNACK and sent the same CONNECT again: restarting would
            // throw its subscriptions and topic ids away while it believes it is connected.
            out.accept(new Effect.Count(Counters.CONNECT_RETRANSMISSION, "CONNECT repeated within T_RETRY of its CONNACK"));
            out.accept(new Effect.SendToDevice(new ConnAck(ReturnCode.ACCEPTED)));
            return;
        }
        lastConnect = connect;
        expired = false;
        if (state == SessionState.CONNECTING && !connect.will() && connectHadNoWill
                && connect.cleanSession() == cleanSession && connect.keepAlive() == keepAliveSeconds) {
            // The device resent the CONNECT the broker is still answering (its T_RETRY ran out,
            // e.g. while the broker is slow or away): restarting would throw that attempt away
            // and, with a broker slower than T_RETRY, never connect. The CONNACK will come.
            return;
        }
        connectHadNoWill = !connect.will();
        if (upstreamOpen) {
            // A CONNECT while connected restarts the session; the old connection ends
            // without a will, as a client that reconnects is not lost.
            out.accept(new Effect.Disconnect(false, false));
            upstreamOpen = false;
        }
        // Answers still due from the old connection must not reach the restarted session;
        // the device resends what it still waits for.
        publishesByToken.clear();
        subscribesByToken.clear();
        unsubscribesByToken.clear();
        recentAnswers.clear();
        qos2ByMsgId.values().removeIf(inbound -> !inbound.brokerHasIt);
        completedQos2.clear(); // a restarted device may number its messages from 1 again
        cleanSession = connect.cleanSession();
        keepAliveSeconds = connect.keepAlive();
        if (cleanSession) {
            clearSession(out);
        }
        if (connect.will()) {
            state = SessionState.AWAITING_WILL_TOPIC;
            setupRetries = 0;
            setupDeadline = now + config.retryMillis();
            out.accept(new Effect.SendToDevice(WillTopicReq.INSTANCE));
        } else {
            connectUpstream(now, out);
        }
    }

    private void refuseConnect(Consumer<Effect> out, String why) {
        out.accept(new Effect.Discard(Counters.UNSUPPORTED, "", "CONNECT refused: " + why));
        out.accept(new Effect.SendToDevice(new ConnAck(ReturnCode.REJECTED_NOT_SUPPORTED)));
        state = SessionState.DISCONNECTED;
        expired = true; // a connection that never opened keeps nothing
        if (upstreamOpen) {
            // A connected client's refused CONNECT ends its connection: close it as a DISCONNECT would.
            upstreamOpen = false;
            out.accept(new Effect.Disconnect(false, cleanSession));
        }
    }

    private void onWillTopic(WillTopic willTopic, long now, Consumer<Effect> out) {
        if (willTopic.isEmpty()) {
            will = null; // an empty WILLTOPIC during CONNECT means: no will
            connectUpstream(now, out);
            return;
        }
        Optional<String> topic = Topics.decodeUtf8(willTopic.willTopic()).filter(Topics::isValidName);
        if (topic.isEmpty()) {
            refuseConnect(out, "will topic " + willTopic.willTopic() + " is not a valid topic name");
            setupDeadline = Long.MAX_VALUE;
            return;
        }
        pendingWillTopic = topic.get();
        pendingWillQos = willTopic.qos();
        pendingWillRetain = willTopic.retain();
        state = SessionState.AWAITING_WILL_MESSAGE;
        setupRetries = 0;
        setupDeadline = now + config.retryMillis();
        out.accept(new Effect.SendToDevice(WillMsgReq.INSTANCE));
    }

    private void connectUpstream(long now, Consumer<Effect> out) {
        state = SessionState.CONNECTING;
        setupDeadline = Long.MAX_VALUE;
        upstreamOpen = true;
        heldAtConnect.clear();
        resendsUntil = Long.MIN_VALUE;
        if (inflight != null && inflight.delivery.qos() != QoS.AT_MOST_ONCE) {
            heldAtConnect.add(inflight.delivery);
        }
        for (Delivery waiting : queue.waiting()) {
            if (waiting.qos() != QoS.AT_MOST_ONCE) {
                heldAtConnect.add(waiting);
            }
        }
        long expiry = cleanSession ? config.cleanSessionExpirySeconds() : config.persistentSessionExpirySeconds();
        out.accept(new Effect.Connect(new UpstreamConnect(clientId, cleanSession, expiry, keepAliveSeconds,
                config.maxQueued(), Optional.ofNullable(will), upstreamMaxPacketSize(config.maxPacketSize()))));
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

    private void onActive(MqttSn12Message message, long now, Consumer<Effect> out) {
        switch (message.type()) {
            case REGISTER -> onRegister((Register) message, now, out);
            case PUBLISH -> onPublish((Publish) message, now, out);
            case PUBREL -> onPubRel((PubRel) message, now, out);
            case PUBACK -> onPubAck((PubAck) message, now, out);
            case PUBREC -> onPubRec((PubRec) message, now, out);
            case PUBCOMP -> onPubComp((PubComp) message, now, out);
            case REGACK -> onRegAck((RegAck) message, now, out);
            case SUBSCRIBE -> onSubscribe((Subscribe) message, now, out);
            case UNSUBSCRIBE -> onUnsubscribe((Unsubscribe) message, now, out);
            case PINGREQ -> {
                PingReq ping = (PingReq) message;
                if (ping.hasClientId() && !ping.clientId().equals(Bytes.utf8(clientId))) {
                    out.accept(new Effect.Discard(Counters.FOREIGN_CLIENT_ID, "",
                            "PINGREQ names client " + ping.clientId()));
                } else {
                    out.accept(new Effect.SendToDevice(PingResp.INSTANCE));
                }
            }
            case PINGRESP -> {
                // an answer to a gateway ping: hearing it is all that matters
            }
            case DISCONNECT -> onDisconnect((io.sngate.codec.v12.Disconnect) message, now, out);
            case WILLTOPICUPD -> onWillTopicUpdate((WillTopicUpd) message, out);
            case WILLMSGUPD -> onWillMessageUpdate((WillMsgUpd) message, out);
            default -> out.accept(new Effect.Discard(Counters.UNSUPPORTED, "",
                    message.typeName() + " is not expected from a connected client"));
        }
    }

    private void onSleeping(MqttSn12Message message, long now, Consumer<Effect> out) {
        switch (message.type()) {
            case PINGREQ -> {
                PingReq ping = (PingReq) message;
                if (ping.hasClientId() && !ping.clientId().equals(Bytes.utf8(clientId))) {
                    out.accept(new Effect.Discard(Counters.FOREIGN_CLIENT_ID, "",
                            "PINGREQ names client " + ping.clientId()));
                    return;
                }
                lastHeard = now;
                state = SessionState.AWAKE;
                if (inflight != null) {
                    inflight.retries = 0; // a new chance for the woken device
                    resend(inflight, now, out);
                }
                pump(now, out);
            }
            case PUBACK, PUBREC, PUBCOMP, REGACK -> {
                if (state == SessionState.AWAKE) {
                    lastHeard = now;
                    onActive(message, now, out);
                } else {
                    notConnected(message, out);
                }
            }
            case DISCONNECT -> {
                lastHeard = now;
                onDisconnect((io.sngate.codec.v12.Disconnect) message, now, out);
            }
            default -> notConnected(message, out);
        }
    }

    /** A packet that needs an active session: the device must CONNECT first (spec §6.14). */
    private void notConnected(MqttSn12Message message, Consumer<Effect> out) {
        out.accept(new Effect.Discard(Counters.NOT_CONNECTED, "",
                message.typeName() + " while " + state.name().toLowerCase()));
        out.accept(new Effect.SendToDevice(Disconnect.PLAIN));
    }

    private void onRegister(Register register, long now, Consumer<Effect> out) {
        Optional<MqttSn12Message> again = recentAnswers.answerTo(register.type(), register.msgId(),
                register.topicName(), now);
        if (again.isPresent()) {
            out.accept(new Effect.Count(Counters.REQUEST_RETRANSMISSION, "REGISTER msg id " + register.msgId() + " again"));
            out.accept(new Effect.SendToDevice(again.get()));
            return;
        }
        Optional<String> name = Topics.decodeUtf8(register.topicName()).filter(Topics::isValidName);
        if (name.isEmpty()) {
            out.accept(new Effect.Discard(Counters.INVALID_TOPIC, register.topicName().toString(),
                    "REGISTER of a name that is not a valid topic"));
            out.accept(new Effect.SendToDevice(new RegAck(0, register.msgId(), ReturnCode.REJECTED_NOT_SUPPORTED)));
            return;
        }
        if (!policy.mayPublish(name.get())) {
            out.accept(new Effect.Discard(Counters.DENIED, name.get(), "REGISTER denied: the devices file does not let "
                    + "this client publish there"));
            out.accept(new Effect.SendToDevice(new RegAck(0, register.msgId(), ReturnCode.REJECTED_NOT_SUPPORTED)));
            return;
        }
        OptionalInt id = registry.idFor(name.get());
        if (id.isEmpty()) {
            out.accept(new Effect.Discard(Counters.TOPIC_IDS_EXHAUSTED, name.get(), "no topic id left"));
            out.accept(new Effect.SendToDevice(new RegAck(0, register.msgId(), ReturnCode.REJECTED_CONGESTION)));
            return;
        }
        registry.markKnownToDevice(id.getAsInt());
        RegAck ack = new RegAck(id.getAsInt(), register.msgId(), ReturnCode.ACCEPTED);
        recentAnswers.remember(register.type(), register.msgId(), register.topicName(), ack, retryWindowEnd(now));
        out.accept(new Effect.SendToDevice(ack));
    }

    /**
     * QoS 1/2 PUBLISH and PUBREL are outside the budget: one is in flight at a time and a device
     * that never answers is lost after N_RETRY resends, so what a forged address can draw with
     * them is bounded already, and a silent device still gets its resends.
     */
    private static boolean selfLimiting(MqttSn12Message message) {
        return message instanceof PubRel || message instanceof Publish publish && publish.qos() != QoS.AT_MOST_ONCE;
    }

    /** Until when a device may still be retrying a request it sent at {@code now}. */
    private long retryWindowEnd(long now) {
        return now + config.retryMillis() * (config.maxRetries() + 1L);
    }

    private void onPublish(Publish publish, long now, Consumer<Effect> out) {
        String topic = resolvePublishTopic(publish);
        if (topic == null) {
            out.accept(new Effect.Discard(Counters.INVALID_TOPIC, topicLabel(publish),
                    "PUBLISH to an unknown topic id"));
            out.accept(new Effect.SendToDevice(
                    new PubAck(publish.topicId(), publish.msgId(), ReturnCode.REJECTED_INVALID_TOPIC_ID)));
            return;
        }
        if (!policy.mayPublish(topic)) {
            out.accept(new Effect.Discard(Counters.DENIED, topic, "PUBLISH denied: the devices file does not let this "
                    + "client publish there"));
            out.accept(new Effect.SendToDevice(
                    new PubAck(publish.topicId(), publish.msgId(), ReturnCode.REJECTED_NOT_SUPPORTED)));
            return;
        }
        switch (publish.qos()) {
            case AT_MOST_ONCE, MINUS_ONE -> out.accept(
                    new Effect.Publish(0, topic, publish.data(), QoS.AT_MOST_ONCE, publish.retain()));
            case AT_LEAST_ONCE -> {
                if (publishesByToken.size() >= config.maxInflightUpstream()) {
                    rejectBusy(publish, topic, out);
                    return;
                }
                long token = nextToken++;
                publishesByToken.put(token, new InboundPublish(publish.topicId(), publish.msgId(), QoS.AT_LEAST_ONCE));
                out.accept(new Effect.Publish(token, topic, publish.data(), QoS.AT_LEAST_ONCE, publish.retain()));
            }
            case EXACTLY_ONCE -> {
                if (isLateDuplicate(publish, now)) {
                    // Forwarding it would deliver the message twice; the device already has its PUBCOMP.
                    out.accept(new Effect.Discard(Counters.QOS2_LATE_DUPLICATE, topic,
                            "DUP copy of QoS 2 msgId " + publish.msgId() + " after its exchange completed"));
                    return;
                }
                InboundPublish known = qos2ByMsgId.get(publish.msgId());
                if (known != null) {
                    // A resend: the broker has (or is getting) it once already.
                    if (known.brokerHasIt) {
                        out.accept(new Effect.SendToDevice(new PubRec(publish.msgId())));
                    }
                    return;
                }
                if (publishesByToken.size() >= config.maxInflightUpstream()) {
                    rejectBusy(publish, topic, out);
                    return;
                }
                long token = nextToken++;
                InboundPublish inbound = new InboundPublish(publish.topicId(), publish.msgId(), QoS.EXACTLY_ONCE);
                inbound.fingerprint = CompletedQos2.fingerprint(publish);
                publishesByToken.put(token, inbound);
                qos2ByMsgId.put(publish.msgId(), inbound);
                out.accept(new Effect.Publish(token, topic, publish.data(), QoS.EXACTLY_ONCE, publish.retain()));
            }
        }
    }

    /** A device retries for at most T_RETRY x (N_RETRY + 1): past that no copy can still be on its way. */
    private void rememberCompleted(InboundPublish done, long now) {
        completedQos2.values().removeIf(c -> c.until() <= now);
        completedQos2.remove(done.msgId);
        completedQos2.put(done.msgId, new CompletedQos2(now + config.retryMillis() * (config.maxRetries() + 1L),
                done.fingerprint));
        if (completedQos2.size() > MAX_COMPLETED_QOS2) {
            completedQos2.remove(completedQos2.keySet().iterator().next());
        }
    }

    /**
     * A copy of a completed exchange's PUBLISH: the same msgId and, unless the device marked it
     * DUP, the same topic and payload. The original itself (DUP 0) can be the late one, when the
     * network duplicated it and held one copy back; a device that reuses the msgId for a new
     * message within the window sends other content (or restarted with a new CONNECT, which
     * clears the window).
     */
    private boolean isLateDuplicate(Publish publish, long now) {
        CompletedQos2 done = completedQos2.get(publish.msgId());
        return done != null && done.until() > now
                && (publish.dup() || done.fingerprint() == CompletedQos2.fingerprint(publish));
    }

    private void rejectBusy(Publish publish, String topic, Consumer<Effect> out) {
        out.accept(new Effect.Discard(Counters.UPSTREAM_BUSY, topic,
                "too many publishes awaiting the broker; device told to back off"));
        out.accept(new Effect.SendToDevice(
                new PubAck(publish.topicId(), publish.msgId(), ReturnCode.REJECTED_CONGESTION)));
    }

    /** The topic name a device's PUBLISH is for, or null when its id is unknown. */
    private String resolvePublishTopic(Publish publish) {
        return switch (publish.topicIdType()) {
            case NORMAL -> registry.name(publish.topicId());
            case PREDEFINED -> predefined.name(publish.topicId()).orElse(null);
            case SHORT -> Topics.decodeUtf8(Bytes.wrap(new byte[] {
                    (byte) (publish.topicId() >>> 8), (byte) publish.topicId()}))
                    .filter(Topics::isValidName).orElse(null);
            case RESERVED -> null; // the codec never decodes a PUBLISH with TopicIdType 0b11
        };
    }

    private static String topicLabel(Publish publish) {
        return publish.topicIdType().name().toLowerCase() + ":" + publish.topicId();
    }

    private void onPubRel(PubRel pubRel, long now, Consumer<Effect> out) {
        InboundPublish inbound = qos2ByMsgId.get(pubRel.msgId());
        if (inbound != null && !inbound.brokerHasIt) {
            return; // PUBREC not sent yet, so this PUBREL is premature; the device will resend
        }
        InboundPublish completed = qos2ByMsgId.remove(pubRel.msgId());
        if (completed != null) {
            rememberCompleted(completed, now);
        }
        out.accept(new Effect.SendToDevice(new PubComp(pubRel.msgId())));
    }

    private void onSubscribe(Subscribe subscribe, long now, Consumer<Effect> out) {
        TopicRef ref = subscribe.topic();
        // QoS -1 (flags 0b11) cannot be subscribed: it is granted as QoS 0, as other gateways do.
        QoS requested = subscribe.qos() == QoS.MINUS_ONE ? QoS.AT_MOST_ONCE : subscribe.qos();
        Object request = List.of(requested, ref);
        Optional<MqttSn12Message> again = recentAnswers.answerTo(subscribe.type(), subscribe.msgId(), request, now);
        if (again.isPresent() || isPending(subscribe.msgId(), ref)) {
            // A copy of a SUBSCRIBE answered or being answered: subscribing again upstream
            // would make the broker send its retained messages a second time.
            out.accept(new Effect.Count(Counters.REQUEST_RETRANSMISSION, "SUBSCRIBE msg id " + subscribe.msgId() + " again"));
            again.ifPresent(answer -> out.accept(new Effect.SendToDevice(answer)));
            return;
        }
        String filter;
        int topicId = 0;
        if (ref instanceof TopicRef.Name name) {
            Optional<String> text = Topics.decodeUtf8(name.name()).filter(Topics::isValidFilter);
            if (text.isEmpty()) {
                out.accept(new Effect.Discard(Counters.INVALID_TOPIC, name.name().toString(),
                        "SUBSCRIBE to an invalid topic filter"));
                out.accept(new Effect.SendToDevice(
                        new SubAck(QoS.AT_MOST_ONCE, 0, subscribe.msgId(), ReturnCode.REJECTED_NOT_SUPPORTED)));
                return;
            }
            filter = text.get();
            if (!policy.maySubscribe(filter)) {
                deniedSubscribe(filter, subscribe, out);
                return;
            }
            refusedTopics.remove(filter); // subscribing again by name lifts an earlier refusal
            if (!Topics.hasWildcard(filter)) {
                OptionalInt id = registry.idFor(filter);
                if (id.isEmpty()) {
                    out.accept(new Effect.Discard(Counters.TOPIC_IDS_EXHAUSTED, filter, "no topic id left"));
                    out.accept(new Effect.SendToDevice(
                            new SubAck(QoS.AT_MOST_ONCE, 0, subscribe.msgId(), ReturnCode.REJECTED_CONGESTION)));
                    return;
                }
                topicId = id.getAsInt();
            }
        } else if (ref instanceof TopicRef.Predefined predefinedRef) {
            Optional<String> name = predefined.name(predefinedRef.topicId());
            if (name.isEmpty()) {
                out.accept(new Effect.Discard(Counters.INVALID_TOPIC, "predefined:" + predefinedRef.topicId(),
                        "SUBSCRIBE to an unknown predefined id"));
                out.accept(new Effect.SendToDevice(new SubAck(QoS.AT_MOST_ONCE, predefinedRef.topicId(),
                        subscribe.msgId(), ReturnCode.REJECTED_INVALID_TOPIC_ID)));
                return;
            }
            filter = name.get();
            topicId = predefinedRef.topicId();
        } else if (ref instanceof TopicRef.Reserved) {
            // TopicIdType 0b11 names nothing: refuse it rather than stay silent (the device waits).
            out.accept(new Effect.Discard(Counters.INVALID_TOPIC, "reserved",
                    "SUBSCRIBE with the reserved TopicIdType 0b11"));
            out.accept(new Effect.SendToDevice(
                    new SubAck(QoS.AT_MOST_ONCE, 0, subscribe.msgId(), ReturnCode.REJECTED_NOT_SUPPORTED)));
            return;
        } else {
            TopicRef.ShortName shortName = (TopicRef.ShortName) ref;
            Optional<String> name = Topics.decodeUtf8(Bytes.wrap(new byte[] {
                    (byte) (shortName.value() >>> 8), (byte) shortName.value()})).filter(Topics::isValidName);
            if (name.isEmpty()) {
                out.accept(new Effect.Discard(Counters.INVALID_TOPIC, "short:" + shortName.value(),
                        "SUBSCRIBE to a short name that is not a valid topic"));
                out.accept(new Effect.SendToDevice(
                        new SubAck(QoS.AT_MOST_ONCE, 0, subscribe.msgId(), ReturnCode.REJECTED_NOT_SUPPORTED)));
                return;
            }
            filter = name.get();
        }
        if (!policy.maySubscribe(filter)) {
            deniedSubscribe(filter, subscribe, out);
            return;
        }
        long token = nextToken++;
        subscribesByToken.put(token, new PendingSubscription(subscribe.msgId(), filter, requested,
                ref.topicIdType(), topicId, ref));
        out.accept(new Effect.Subscribe(token, filter, requested));
    }

    private void deniedSubscribe(String filter, Subscribe subscribe, Consumer<Effect> out) {
        out.accept(new Effect.Discard(Counters.DENIED, filter, "SUBSCRIBE denied: the devices file does not let "
                + "this client subscribe there"));
        out.accept(new Effect.SendToDevice(
                new SubAck(QoS.AT_MOST_ONCE, 0, subscribe.msgId(), ReturnCode.REJECTED_NOT_SUPPORTED)));
    }

    private boolean isPending(int msgId, TopicRef ref) {
        for (PendingSubscription pending : subscribesByToken.values()) {
            if (pending.msgId == msgId && pending.ref.equals(ref)) {
                return true;
            }
        }
        return false;
    }

    private void onUnsubscribe(Unsubscribe unsubscribe, long now, Consumer<Effect> out) {
        TopicRef ref = unsubscribe.topic();
        Optional<MqttSn12Message> again = recentAnswers.answerTo(unsubscribe.type(), unsubscribe.msgId(), ref, now);
        if (again.isPresent() || unsubscribesByToken.containsValue(new PendingUnsubscribe(unsubscribe.msgId(), ref))) {
            out.accept(new Effect.Count(Counters.REQUEST_RETRANSMISSION, "UNSUBSCRIBE msg id " + unsubscribe.msgId()
                    + " again"));
            again.ifPresent(answer -> out.accept(new Effect.SendToDevice(answer)));
            return;
        }
        Optional<String> filter;
        if (ref instanceof TopicRef.Name name) {
            filter = Topics.decodeUtf8(name.name()).filter(Topics::isValidFilter);
        } else if (ref instanceof TopicRef.Predefined predefinedRef) {
            filter = predefined.name(predefinedRef.topicId());
        } else if (ref instanceof TopicRef.ShortName shortName) {
            filter = Optional.of(shortName.text());
        } else {
            filter = Optional.empty(); // TopicIdType 0b11: nothing can be subscribed under it
        }
        if (filter.isEmpty()) {
            // Nothing can be subscribed under that name, so it is unsubscribed already.
            out.accept(new Effect.SendToDevice(new UnsubAck(unsubscribe.msgId())));
            return;
        }
        subscriptions.remove(filter.get());
        long token = nextToken++;
        unsubscribesByToken.put(token, new PendingUnsubscribe(unsubscribe.msgId(), ref));
        out.accept(new Effect.Unsubscribe(token, filter.get()));
    }

    private void onDisconnect(io.sngate.codec.v12.Disconnect disconnect, long now, Consumer<Effect> out) {
        out.accept(new Effect.SendToDevice(Disconnect.PLAIN));
        int duration = disconnect.duration().orElse(0);
        if (duration > 0) {
            // Going to sleep: the upstream session stays open, messages are held here.
            state = SessionState.ASLEEP;
            sleepMillis = duration * 1000L;
            lastHeard = now;
            return;
        }
        state = SessionState.DISCONNECTED;
        disconnectedAt = now;
        upstreamOpen = false;
        out.accept(new Effect.Disconnect(false, cleanSession));
        if (cleanSession) {
            clearSession(out);
        }
    }

    private void onWillTopicUpdate(WillTopicUpd update, Consumer<Effect> out) {
        if (update.isEmpty()) {
            will = null;
        } else {
            Optional<String> topic = Topics.decodeUtf8(update.willTopic()).filter(Topics::isValidName);
            if (topic.isEmpty()) {
                out.accept(new Effect.Discard(Counters.INVALID_TOPIC, update.willTopic().toString(),
                        "WILLTOPICUPD with an invalid topic"));
                out.accept(new Effect.SendToDevice(new WillTopicResp(ReturnCode.REJECTED_NOT_SUPPORTED)));
                return;
            }
            Bytes message = will == null ? Bytes.EMPTY : will.message();
            will = new Will(topic.get(), message, update.qos(), update.retain());
        }
        out.accept(new Effect.WillChanged(Optional.ofNullable(will)));
        out.accept(new Effect.SendToDevice(new WillTopicResp(ReturnCode.ACCEPTED)));
    }

    private void onWillMessageUpdate(WillMsgUpd update, Consumer<Effect> out) {
        if (will == null) {
            out.accept(new Effect.Discard(Counters.UNSUPPORTED, "", "WILLMSGUPD without a will topic"));
            out.accept(new Effect.SendToDevice(new WillMsgResp(ReturnCode.REJECTED_NOT_SUPPORTED)));
            return;
        }
        will = new Will(will.topic(), update.willMessage(), will.qos(), will.retain());
        out.accept(new Effect.WillChanged(Optional.of(will)));
        out.accept(new Effect.SendToDevice(new WillMsgResp(ReturnCode.ACCEPTED)));
    }

    // ------------------------------------------------------------------ acknowledgements from the device

    private void onPubAck(PubAck pubAck, long now, Consumer<Effect> out) {
        Outgoing current = inflight;
        // A PUBACK answers a QoS 1 PUBLISH, or rejects a PUBLISH of any QoS (spec 8.5).
        boolean answersInflight = current != null && current.msgId == pubAck.msgId()
                && (current.phase == Phase.PUBACK
                    || current.phase == Phase.PUBREC && pubAck.returnCode() != ReturnCode.ACCEPTED);
        if (!answersInflight) {
            if (pubAck.returnCode() == ReturnCode.REJECTED_INVALID_TOPIC_ID) {
                // The device does not know an id we used (e.g. for a QoS 0 message): forget
                // that it did, so the next message on it registers again.
                registry.markUnknownToDevice(pubAck.topicId());
                return;
            }
            out.accept(new Effect.Discard(Counters.UNEXPECTED_ACK, "", "PUBACK for msg id " + pubAck.msgId()));
            return;
        }
        proven = true;
        switch (pubAck.returnCode()) {
            case ACCEPTED -> complete(current, now, out);
            case REJECTED_INVALID_TOPIC_ID -> {
                if (current.topicIdType != TopicIdType.NORMAL) {
                    // a predefined id or short name cannot be registered: re-sending would loop
                    refusedByDevice(current, now, out, "PUBACK invalid topic id for " + current.topicIdType);
                    return;
                }
                registry.markUnknownToDevice(current.topicId);
                inflight = null;
                queue.pushFront(current.delivery);
                pump(now, out);
            }
            case REJECTED_CONGESTION -> current.deadline = now + config.retryMillis();
            case REJECTED_NOT_SUPPORTED -> refusedByDevice(current, now, out, "PUBACK not supported");
        }
    }

    private void onPubRec(PubRec pubRec, long now, Consumer<Effect> out) {
        Outgoing current = inflight;
        if (current == null || current.msgId != pubRec.msgId()
                || (current.phase != Phase.PUBREC && current.phase != Phase.PUBCOMP)) {
            out.accept(new Effect.Discard(Counters.UNEXPECTED_ACK, "", "PUBREC for msg id " + pubRec.msgId()));
            return;
        }
        proven = true;
        current.phase = Phase.PUBCOMP;
        current.retries = 0;
        current.deadline = now + config.retryMillis();
        if (!current.acknowledged) {
            // The device has the message (its PUBREC): the broker's exchange may end too, so a
            // reconnection resumes at PUBREL here and the broker does not send the PUBLISH again.
            current.acknowledged = true;
            out.accept(new Effect.Acknowledge(current.delivery.deliveryId()));
        }
        out.accept(new Effect.SendToDevice(new PubRel(current.msgId)));
    }

    private void onPubComp(PubComp pubComp, long now, Consumer<Effect> out) {
        Outgoing current = inflight;
        if (current == null || current.phase != Phase.PUBCOMP || current.msgId != pubComp.msgId()) {
            out.accept(new Effect.Discard(Counters.UNEXPECTED_ACK, "", "PUBCOMP for msg id " + pubComp.msgId()));
            return;
        }
        proven = true;
        complete(current, now, out);
    }

    private void onRegAck(RegAck regAck, long now, Consumer<Effect> out) {
        Outgoing current = inflight;
        if (current == null || current.phase != Phase.REGACK || current.msgId != regAck.msgId()) {
            out.accept(new Effect.Discard(Counters.UNEXPECTED_ACK, "", "REGACK for msg id " + regAck.msgId()));
            return;
        }
        proven = true;
        if (regAck.returnCode() != ReturnCode.ACCEPTED && current.challengeOnly) {
            // The REGISTER only asked the device to show it receives; the PUBLISH needs no
            // registration (a predefined or short id, or an id the device knows), so it goes out.
            current.retries = 0;
            sendPublish(current, now, false, out);
            return;
        }
        if (regAck.returnCode() != ReturnCode.ACCEPTED) {
            // The device refuses this topic (spec §6.10): as if it unsubscribed from the name.
            refusedTopics.add(current.delivery.topic());
            refusedByDevice(current, now, out, "REGACK " + regAck.returnCode());
            return;
        }
        registry.markKnownToDevice(current.registerId);
        current.retries = 0;
        sendPublish(current, now, false, out);
    }

    private void complete(Outgoing done, long now, Consumer<Effect> out) {
        inflight = null;
        if (!done.acknowledged) {
            out.accept(new Effect.Acknowledge(done.delivery.deliveryId()));
        }
        pump(now, out);
    }

    private void refusedByDevice(Outgoing refused, long now, Consumer<Effect> out, String why) {
        inflight = null;
        out.accept(new Effect.Discard(Counters.REFUSED_BY_DEVICE, refused.delivery.topic(), why));
        if (refused.delivery.qos() != QoS.AT_MOST_ONCE) {
            out.accept(new Effect.Acknowledge(refused.delivery.deliveryId()));
        }
        pump(now, out);
    }

    // ------------------------------------------------------------------ upstream input

    public void onUpstream(UpstreamEvent event, long now, Consumer<Effect> out) {
        if (event instanceof UpstreamEvent.Connected connected) {
            if (state == SessionState.CONNECTING) {
                state = SessionState.ACTIVE;
                lastHeard = now;
                connAckAt = now;
                if (connected.sessionPresent()) {
                    // The broker resends right after accepting the connection, before anything new
                    // (MQTT 5 §4.4, §4.6): T_RETRY is ample, and bounds how long a new message with
                    // the same content as a held one could be taken for a resend.
                    resendsUntil = now + config.retryMillis();
                } else {
                    heldAtConnect.clear(); // a broker without the session has nothing to send again
                }
                out.accept(new Effect.SendToDevice(new ConnAck(ReturnCode.ACCEPTED)));
                if (inflight != null) {
                    inflight.retries = 0; // a new connection: the device gets N_RETRY again
                    resend(inflight, now, out);
                }
                pump(now, out);
            }
        } else if (event instanceof UpstreamEvent.ConnectFailed failed) {
            if (state == SessionState.CONNECTING) {
                state = SessionState.DISCONNECTED;
                expired = true; // whatever a persistent session had is at the broker
                upstreamOpen = false;
                ReturnCode rc = failed.failure() == DeliveryFailure.CONGESTION
                        ? ReturnCode.REJECTED_CONGESTION : ReturnCode.REJECTED_NOT_SUPPORTED;
                out.accept(new Effect.Discard(Counters.UNSUPPORTED, "", "broker refused connection: " + failed.detail()));
                out.accept(new Effect.SendToDevice(new ConnAck(rc)));
            }
        } else if (event instanceof UpstreamEvent.PublishDone done) {
            InboundPublish inbound = publishesByToken.remove(done.token());
            if (inbound == null) {
                return;
            }
            if (done.failure().isPresent()) {
                qos2ByMsgId.remove(inbound.msgId);
                ReturnCode rc = done.failure().get() == DeliveryFailure.CONGESTION
                        ? ReturnCode.REJECTED_CONGESTION : ReturnCode.REJECTED_NOT_SUPPORTED;
                sendIfReachable(new PubAck(inbound.topicId, inbound.msgId, rc), out);
            } else if (inbound.qos == QoS.AT_LEAST_ONCE) {
                sendIfReachable(new PubAck(inbound.topicId, inbound.msgId, ReturnCode.ACCEPTED), out);
            } else {
                inbound.brokerHasIt = true;
                sendIfReachable(new PubRec(inbound.msgId), out);
            }
        } else if (event instanceof UpstreamEvent.Subscribed subscribed) {
            PendingSubscription pending = subscribesByToken.remove(subscribed.token());
            if (pending == null) {
                return;
            }
            if (subscribed.failure().isPresent() || subscribed.granted().isEmpty()) {
                ReturnCode rc = subscribed.failure().orElse(DeliveryFailure.REFUSED) == DeliveryFailure.CONGESTION
                        ? ReturnCode.REJECTED_CONGESTION : ReturnCode.REJECTED_NOT_SUPPORTED;
                sendIfReachable(new SubAck(QoS.AT_MOST_ONCE, 0, pending.msgId, rc), out);
                return;
            }
            QoS granted = QoS.min(pending.requested, subscribed.granted().get());
            subscriptions.put(pending.filter, new Subscription(pending.filter, granted, pending.topicIdType));
            if (pending.topicIdType == TopicIdType.NORMAL && pending.topicId != 0) {
                registry.markKnownToDevice(pending.topicId);
            }
            SubAck ack = new SubAck(granted, pending.topicId, pending.msgId, ReturnCode.ACCEPTED);
            recentAnswers.remember(MessageType.SUBSCRIBE, pending.msgId, List.of(pending.requested, pending.ref), ack,
                    retryWindowEnd(now));
            sendIfReachable(ack, out);
        } else if (event instanceof UpstreamEvent.Unsubscribed unsubscribed) {
            PendingUnsubscribe pending = unsubscribesByToken.remove(unsubscribed.token());
            if (pending != null) {
                UnsubAck ack = new UnsubAck(pending.msgId());
                recentAnswers.remember(MessageType.UNSUBSCRIBE, pending.msgId(), pending.ref(), ack, retryWindowEnd(now));
                sendIfReachable(ack, out);
            }
        } else if (event instanceof UpstreamEvent.Message message) {
            onBrokerMessage(message, now, out);
        }
    }

    private void sendIfReachable(MqttSn12Message message, Consumer<Effect> out) {
        if (state == SessionState.ACTIVE || state == SessionState.AWAKE) {
            out.accept(new Effect.SendToDevice(message));
        }
    }

    private void onBrokerMessage(UpstreamEvent.Message message, long now, Consumer<Effect> out) {
        Delivery delivery = new Delivery(message.deliveryId(), message.topic(), message.payload(), message.qos(),
                message.retain());
        Delivery earlier = resendOf(delivery, now);
        if (earlier != null) {
            resumeWith(earlier, delivery, out);
            return;
        }
        Optional<Delivery> displaced = queue.offer(delivery);
        if (displaced.isPresent()) {
            Delivery gone = displaced.get();
            out.accept(new Effect.Discard(Counters.QUEUE_OVERFLOW, gone.topic(),
                    "queue of " + config.maxQueued() + " full, QoS " + gone.qos().level() + " message dropped"));
            if (gone.qos() != QoS.AT_MOST_ONCE) {
                out.accept(new Effect.Acknowledge(gone.deliveryId()));
            }
        }
        pump(now, out);
    }

    /**
     * The message the session already holds that {@code incoming} is a copy of, or null.
     *
     * <p>A broker that resumes a session sends again, at once and in their order, the QoS 1/2
     * messages it has not had acknowledged (MQTT 5 §4.4), under a new delivery id: the session
     * still holds them when the device left mid-exchange or before it got them (asleep,
     * disconnected, lost). Taken for new messages, they reached the device twice: the resumed
     * exchange, then a new PUBLISH. The upstream event does not say that a message is a resend,
     * so one is recognised as a message equal to one held when the connection was opened (topic,
     * payload, QoS, retain), arriving after the broker accepted the connection with the session
     * present and before anything that is not a resend; each held message is matched once.
     */
    private Delivery resendOf(Delivery incoming, long now) {
        if (heldAtConnect.isEmpty()) {
            return null;
        }
        if (now <= resendsUntil) {
            for (Iterator<Delivery> it = heldAtConnect.iterator(); it.hasNext(); ) {
                Delivery held = it.next();
                if (held.qos() == incoming.qos() && held.retain() == incoming.retain()
                        && held.topic().equals(incoming.topic()) && held.payload().equals(incoming.payload())) {
                    it.remove();
                    return held;
                }
            }
        }
        heldAtConnect.clear(); // resends come first: once another message came, no more follow
        return null;
    }

    /**
     * The broker sent {@code held} again as {@code resent}: the exchange the session has goes on
     * under the new delivery id (the only one the new connection can acknowledge), and is not
     * started a second time.
     */
    private void resumeWith(Delivery held, Delivery resent, Consumer<Effect> out) {
        out.accept(new Effect.Count(Counters.BROKER_RESEND, "broker sent QoS " + resent.qos().level()
                + " message on " + resent.topic() + " again after the reconnection: the held one goes on"));
        if (inflight != null && inflight.delivery == held) {
            inflight.delivery = resent;
            if (inflight.acknowledged) {
                // The device has it (its PUBREC), yet the broker never heard so: tell it again.
                out.accept(new Effect.Acknowledge(resent.deliveryId()));
            }
        } else if (!queue.replace(held, resent)) {
            // Done since the reconnection (the device acknowledged it, or it was given up for good).
            out.accept(new Effect.Acknowledge(resent.deliveryId()));
        }
    }

    // ------------------------------------------------------------------ delivering to the device

    /** Starts the next delivery when nothing is in flight and the device can receive. */
    private void pump(long now, Consumer<Effect> out) {
        while (inflight == null && (state == SessionState.ACTIVE || state == SessionState.AWAKE)) {
            Delivery next = queue.poll();
            if (next == null) {
                if (state == SessionState.AWAKE) {
                    // Nothing more buffered: PINGRESP tells the device it may sleep again.
                    out.accept(new Effect.SendToDevice(PingResp.INSTANCE));
                    state = SessionState.ASLEEP;
                    lastHeard = now;
                }
                return;
            }
            startDelivery(next, now, out);
        }
    }

    private void startDelivery(Delivery delivery, long now, Consumer<Effect> out) {
        if (refusedTopics.contains(delivery.topic())) {
            out.accept(new Effect.Discard(Counters.REFUSED_BY_DEVICE, delivery.topic(),
                    "the device refused this topic's registration earlier"));
            acknowledgeGivenUp(delivery, out);
            return;
        }
        TopicIdType type;
        int topicId;
        Optional<Integer> predefinedId = predefined.id(delivery.topic());
        Subscription exact = subscriptions.get(delivery.topic());
        if (predefinedId.isPresent()) {
            type = TopicIdType.PREDEFINED;
            topicId = predefinedId.get();
        } else if (exact != null && exact.topicIdType == TopicIdType.SHORT && ShortTopicName.fits(delivery.topic())) {
            type = TopicIdType.SHORT;
            topicId = ShortTopicName.encode(delivery.topic());
        } else {
            OptionalInt id = registry.idFor(delivery.topic());
            if (id.isEmpty()) {
                out.accept(new Effect.Discard(Counters.TOPIC_IDS_EXHAUSTED, delivery.topic(),
                        "no topic id left to deliver on"));
                acknowledgeGivenUp(delivery, out);
                return;
            }
            type = TopicIdType.NORMAL;
            topicId = id.getAsInt();
        }
        int size = MqttSn12Codec.INSTANCE.encodedLength(new Publish(false, delivery.qos(), delivery.retain(), type,
                topicId, 0, delivery.payload()));
        // A REGISTER goes first when the device does not know the id, and, as a challenge, when
        // this PUBLISH would take an address that has not shown it receives past its budget
        // (see sendInitiated): its REGACK proves the address.
        int registerId = type == TopicIdType.NORMAL && !registry.isKnownToDevice(topicId) ? topicId : 0;
        boolean challengeOnly = false;
        if (registerId == 0 && !proven && !challengeSent && delivery.qos() == QoS.AT_MOST_ONCE
                && unprovenBytes + size > config.unprovenSendBytes()) {
            registerId = type == TopicIdType.NORMAL ? topicId : registry.idFor(delivery.topic()).orElse(0);
            challengeOnly = registerId != 0;
        }
        if (registerId != 0) {
            // the REGISTER that must go first has to fit the link as well (spec 8.4)
            size = Math.max(size, MqttSn12Codec.INSTANCE.encodedLength(
                    new Register(registerId, 0, Bytes.utf8(delivery.topic()))));
        }
        if (size > config.maxPacketSize()) {
            out.accept(new Effect.Discard(Counters.TOO_LARGE_FOR_DEVICE, delivery.topic(),
                    "PUBLISH/REGISTER of " + size + " bytes exceeds the link's " + config.maxPacketSize()));
            acknowledgeGivenUp(delivery, out);
            return;
        }
        Outgoing outgoing = new Outgoing(delivery, type, topicId);
        outgoing.registerId = registerId;
        outgoing.challengeOnly = challengeOnly;
        if (delivery.qos() != QoS.AT_MOST_ONCE || registerId != 0) {
            inflight = outgoing;
        }
        if (registerId != 0) {
            outgoing.phase = Phase.REGACK;
            outgoing.msgId = nextMsgId();
            outgoing.deadline = now + config.retryMillis();
            sendInitiated(new Register(registerId, outgoing.msgId, Bytes.utf8(delivery.topic())), delivery.topic(), out);
            return;
        }
        sendPublish(outgoing, now, false, out);
    }

    /**
     * Sends a packet the gateway starts (PUBLISH, REGISTER, PUBREL), as opposed to an answer to
     * the device. Until the device has answered a message id the gateway chose (ids start at a
     * random value), its source address may be forged: a few bytes of CONNECT and SUBSCRIBE would
     * otherwise turn the gateway into a reflector that sends every matching message to a victim.
     * So until then at most {@link SessionConfig#unprovenSendBytes} bytes go out, besides the
     * first REGISTER: the challenge that a delivery which would exceed the budget starts with
     * (or the registration a new topic needs anyway). Small exchanges keep their usual packets
     * (a SUBACK's topic id is used without a REGISTER), and a QoS 1/2 delivery proves the
     * address with its PUBACK or PUBREC.
     */
    private void sendInitiated(MqttSn12Message message, String topic, Consumer<Effect> out) {
        if (!proven && !selfLimiting(message)) {
            int size = MqttSn12Codec.INSTANCE.encodedLength(message);
            if (message instanceof Register && !challengeSent) {
                // Sent whatever its size, or a device with long topic names could never prove
                // itself; its resends come out of what is left of the budget.
                challengeSent = true;
                unprovenBytes += size;
            } else if (unprovenBytes + size > config.unprovenSendBytes()) {
                out.accept(new Effect.Discard(Counters.UNPROVEN_WITHHELD, topic, message.typeName() + " of " + size
                        + " bytes not sent: the device has not answered a message id of the gateway yet"
                        + " (limits.unproven-send-bytes)"));
                return;
            } else {
                unprovenBytes += size;
            }
        }
        out.accept(new Effect.SendToDevice(message));
    }

    private void acknowledgeGivenUp(Delivery delivery, Consumer<Effect> out) {
        if (delivery.qos() != QoS.AT_MOST_ONCE) {
            out.accept(new Effect.Acknowledge(delivery.deliveryId()));
        }
    }

    private void sendPublish(Outgoing outgoing, long now, boolean dup, Consumer<Effect> out) {
        Delivery d = outgoing.delivery;
        if (d.qos() == QoS.AT_MOST_ONCE) {
            inflight = null;
            sendInitiated(new Publish(false, QoS.AT_MOST_ONCE, d.retain(), outgoing.topicIdType,
                    outgoing.topicId, 0, d.payload()), d.topic(), out);
            pump(now, out);
            return;
        }
        if (outgoing.phase != Phase.PUBACK && outgoing.phase != Phase.PUBREC) {
            outgoing.msgId = nextMsgId();
        }
        outgoing.phase = d.qos() == QoS.AT_LEAST_ONCE ? Phase.PUBACK : Phase.PUBREC;
        outgoing.deadline = now + config.retryMillis();
        sendInitiated(new Publish(dup, d.qos(), d.retain(), outgoing.topicIdType,
                outgoing.topicId, outgoing.msgId, d.payload()), d.topic(), out);
    }

    private void resend(Outgoing outgoing, long now, Consumer<Effect> out) {
        switch (outgoing.phase) {
            case REGACK -> {
                outgoing.deadline = now + config.retryMillis();
                sendInitiated(new Register(outgoing.registerId, outgoing.msgId,
                        Bytes.utf8(outgoing.delivery.topic())), outgoing.delivery.topic(), out);
            }
            case PUBACK, PUBREC -> sendPublish(outgoing, now, true, out);
            case PUBCOMP -> {
                outgoing.deadline = now + config.retryMillis();
                sendInitiated(new PubRel(outgoing.msgId), outgoing.delivery.topic(), out);
            }
        }
    }

    private int nextMsgId() {
        int id = nextMsgId;
        nextMsgId = nextMsgId == 0xFFFF ? 1 : nextMsgId + 1;
        return id;
    }

    // ------------------------------------------------------------------ time

    /** Runs what is due at {@code now}: retransmissions, keep-alive and sleep supervision. */
    public void onTimer(long now, Consumer<Effect> out) {
        if (now >= setupDeadline) {
            onSetupTimeout(now, out);
        }
        switch (state) {
            case ACTIVE -> {
                int keepAlive = supervisedKeepAlive();
                if (now >= lastHeard + scaled(keepAlive)) {
                    lose("keep-alive of " + keepAlive + " s expired"
                            + (keepAlive != keepAliveSeconds ? " (capped by limits.max-keep-alive-seconds)" : ""), out);
                    return;
                }
                retransmitIfDue(now, out);
            }
            case DISCONNECTED -> {
                if (!cleanSession && !expired
                        && now >= disconnectedAt + config.persistentSessionExpirySeconds() * 1000L) {
                    expired = true;
                    out.accept(new Effect.Count(Counters.EXPIRED, "disconnected for longer than the persistent "
                            + "session expiry; what it had lives on at the broker"));
                }
            }
            case ASLEEP, AWAKE -> {
                if (now >= lastHeard + scaled(sleepMillis / 1000)) {
                    lose("asleep for longer than " + sleepMillis / 1000 + " s", out);
                    return;
                }
                if (state == SessionState.AWAKE) {
                    retransmitIfDue(now, out);
                }
            }
            default -> {
            }
        }
    }

    /**
     * Earliest retry after the link reported a failed delivery, counted from the failed send:
     * soon, since the radio has already spent its own retries, but not at once, so that a burst of
     * failures (a route being repaired) does not use up N_RETRY within a second.
     */
    static final long LINK_FAILURE_RETRY_MILLIS = 1_000;

    /**
     * The link says a packet to the device did not arrive (an XBee Transmit Status failure). If
     * an exchange waits for the device's answer, it is retried {@link #LINK_FAILURE_RETRY_MILLIS}
     * after its last send instead of T_RETRY after it; the retry counts towards N_RETRY like one
     * after a timeout. Nothing else changes: a failure with nothing in flight only is counted by
     * the transport.
     */
    public void onLinkDeliveryFailed(long now, Consumer<Effect> out) {
        Outgoing current = inflight;
        if (current == null || (state != SessionState.ACTIVE && state != SessionState.AWAKE)) {
            return;
        }
        long sentAt = current.deadline - config.retryMillis();
        long sooner = sentAt + Math.min(config.retryMillis(), LINK_FAILURE_RETRY_MILLIS);
        if (sooner < current.deadline) {
            current.deadline = Math.max(now, sooner);
            retransmitIfDue(now, out);
        }
    }

    private void onSetupTimeout(long now, Consumer<Effect> out) {
        if (setupRetries >= config.maxRetries()
                || (state != SessionState.AWAITING_WILL_TOPIC && state != SessionState.AWAITING_WILL_MESSAGE)) {
            setupDeadline = Long.MAX_VALUE;
            if (state == SessionState.AWAITING_WILL_TOPIC || state == SessionState.AWAITING_WILL_MESSAGE) {
                out.accept(new Effect.Discard(Counters.WILL_EXCHANGE_ABANDONED, "",
                        "no answer to " + (state == SessionState.AWAITING_WILL_TOPIC ? "WILLTOPICREQ" : "WILLMSGREQ")));
                state = SessionState.DISCONNECTED;
                expired = true; // a connection that never opened keeps nothing
            }
            return;
        }
        setupRetries++;
        setupDeadline = now + config.retryMillis();
        out.accept(new Effect.SendToDevice(state == SessionState.AWAITING_WILL_TOPIC
                ? WillTopicReq.INSTANCE : WillMsgReq.INSTANCE));
    }

    private void retransmitIfDue(long now, Consumer<Effect> out) {
        Outgoing current = inflight;
        if (current == null || now < current.deadline) {
            return;
        }
        if (current.retries >= config.maxRetries()) {
            lose("no answer to " + current.phase.waitsFor + " after " + current.retries + " retries", out);
            return;
        }
        current.retries++;
        resend(current, now, out);
    }

    /**
     * A device with another client id connected from this session's address: whoever was here is
     * gone from it (a new device behind the same NAT port, or this one rebooted under another id).
     * The session ends as a lost one; a persistent one lives on at the broker until its device
     * connects again.
     */
    public void onAddressTaken(String byClientId, long now, Consumer<Effect> out) {
        switch (state) {
            case DISCONNECTED -> expired = true;
            case LOST -> {
            }
            case AWAITING_WILL_TOPIC, AWAITING_WILL_MESSAGE -> {
                // No connection is open yet (a previous one was closed before the will exchange):
                // nothing to close, and no will of a connection that ended cleanly to publish.
                state = SessionState.DISCONNECTED;
                setupDeadline = Long.MAX_VALUE;
                expired = true;
                out.accept(new Effect.Lost("its address was taken by client " + byClientId + " during the will exchange"));
            }
            default -> lose("its address was taken by client " + byClientId, out);
        }
    }

    /** The device is gone without a DISCONNECT: its will is published (spec §6.14). */
    private void lose(String why, Consumer<Effect> out) {
        state = SessionState.LOST;
        boolean wasOpen = upstreamOpen;
        upstreamOpen = false;
        out.accept(new Effect.Lost(why));
        if (wasOpen) {
            out.accept(new Effect.Disconnect(true, cleanSession));
        }
        if (cleanSession) {
            clearSession(out);
        }
    }

    /** Forgets subscriptions, topic ids, will and queued messages (a clean session). */
    private void clearSession(Consumer<Effect> out) {
        subscriptions.clear();
        refusedTopics.clear();
        registry.clear();
        will = null;
        qos2ByMsgId.clear();
        heldAtConnect.clear();
        if (inflight != null) {
            queue.pushFront(inflight.delivery);
            inflight = null;
        }
        int dropped = queue.drain().size();
        if (dropped > 0) {
            out.accept(new Effect.Discard(Counters.SESSION_CLEARED, "",
                    dropped + " undelivered message(s) of the previous session dropped"));
        }
    }

    // ------------------------------------------------------------------ state records

    private enum Phase {
        REGACK("REGISTER"), PUBACK("PUBLISH"), PUBREC("PUBLISH"), PUBCOMP("PUBREL");

        final String waitsFor;

        Phase(String sent) {
            this.waitsFor = sent;
        }
    }

    /** The one delivery in flight to the device. */
    private static final class Outgoing {
        /** Replaced by the broker's resend of it after a reconnection, for its new delivery id. */
        Delivery delivery;
        final TopicIdType topicIdType;
        final int topicId;
        /** The normal topic id REGISTERed before the PUBLISH, or 0 when none is. */
        int registerId;
        /** The REGISTER only challenges the address: the PUBLISH does not need it. */
        boolean challengeOnly;
        /** Acknowledged upstream already: at the device's PUBREC, for QoS 2. */
        boolean acknowledged;
        Phase phase;
        int msgId;
        int retries;
        long deadline;

        Outgoing(Delivery delivery, TopicIdType topicIdType, int topicId) {
            this.delivery = delivery;
            this.topicIdType = topicIdType;
            this.topicId = topicId;
        }
    }

    /** A device's QoS 1/2 publish waiting for the broker. */
    private static final class InboundPublish {
        final int topicId;
        final int msgId;
        final QoS qos;
        boolean brokerHasIt;
        /** QoS 2 only: {@link CompletedQos2#fingerprint} of the PUBLISH. */
        long fingerprint;

        InboundPublish(int topicId, int msgId, QoS qos) {
            this.topicId = topicId;
            this.msgId = msgId;
            this.qos = qos;
        }
    }

    /** @param fingerprint topic and payload of the PUBLISH, to recognise a late copy without DUP */
    private record CompletedQos2(long until, long fingerprint) {
        static long fingerprint(Publish publish) {
            long topic = ((long) publish.topicIdType().ordinal() << 16) | publish.topicId();
            return (topic << 32) ^ (publish.data().hashCode() & 0xFFFFFFFFL) ^ (publish.retain() ? 1L << 62 : 0L);
        }
    }

    private record PendingSubscription(int msgId, String filter, QoS requested, TopicIdType topicIdType, int topicId,
                                       TopicRef ref) {
    }

    private record PendingUnsubscribe(int msgId, TopicRef ref) {
    }

    private record Subscription(String filter, QoS qos, TopicIdType topicIdType) {
    }
}
