package io.sngate.device;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.Advertise;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.GwInfo;
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
import io.sngate.codec.v12.SearchGw;
import io.sngate.codec.v12.ShortTopicName;
import io.sngate.codec.v12.SubAck;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.TopicRef;
import io.sngate.codec.v12.UnsubAck;
import io.sngate.codec.v12.Unsubscribe;
import io.sngate.codec.v12.WillMsg;
import io.sngate.codec.v12.WillTopic;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The device side of MQTT-SN 1.2 as a sans-I/O state machine: application requests,
 * packets from the gateway and the passing of time go in (each with the current time);
 * {@link ClientEffect}s come out. No sockets, threads or clocks inside, so a whole fleet
 * can be simulated deterministically from a seed.
 *
 * <p>It follows the client rules of the spec, so it works with any conforming gateway: one
 * QoS 1/2 PUBLISH in flight, one REGISTER/SUBSCRIBE/UNSUBSCRIBE in flight, retransmission
 * after T_RETRY with DUP up to N_RETRY, keep-alive pings, SEARCHGW after a random delay.
 * Requests wait in bounded queues behind the one in flight; past the bound they fail at once.
 *
 * <p>Not thread-safe: one thread drives it (the client API serialises calls).
 */
public final class ClientCore {

    /** Last-will settings sent in the will exchange of CONNECT. */
    public record WillSpec(String topic, Bytes message, QoS qos, boolean retain) {
    }

    private final ClientConfig config;
    private final Random random;
    private ClientState state = ClientState.DISCONNECTED;
    private long nextRequestId = 1;
    private int nextMsgId = 1;

    private final Map<String, Integer> idByName = new HashMap<>();
    private final Map<Integer, String> nameById = new HashMap<>();

    private final ArrayDeque<PublishRequest> publishes = new ArrayDeque<>();
    private final ArrayDeque<ControlRequest> controls = new ArrayDeque<>();
    private Exchange publishInFlight;
    private Exchange controlInFlight;
    /** CONNECT, DISCONNECT (plain or sleep), or a PINGREQ (keep-alive or wake). */
    private Exchange sessionExchange;
    private final Set<Integer> receivedQos2 = new HashSet<>();

    private WillSpec will;
    private long lastSent;

    // discovery
    private final Map<Integer, GatewayRecord> gateways = new HashMap<>();
    private long searchRequestId;
    private long searchAt = Long.MAX_VALUE;
    private int searchRadius;
    private int searchAttempt;

    public ClientCore(ClientConfig config, Random random) {
        this.config = config;
        this.random = random;
    }

    public ClientState state() {
        return state;
    }

    public ClientConfig config() {
        return config;
    }

    /** The topic id the gateway gave for {@code name}, if known. */
    public Optional<Integer> topicId(String name) {
        return Optional.ofNullable(idByName.get(name));
    }

    /** Requests waiting or in flight. */
    public int pendingRequests() {
        return publishes.size() + controls.size() + (publishInFlight == null ? 0 : 1)
                + (controlInFlight == null ? 0 : 1);
    }

    // ------------------------------------------------------------------ requests

    /** Connects (or reconnects) to the gateway; completes with the CONNACK. */
    public long connect(boolean cleanSession, Optional<WillSpec> willSpec, long now, Consumer<ClientEffect> out) {
        long id = nextRequestId++;
        if (sessionExchange != null) {
            complete(sessionExchange.requestId, Outcome.failed("superseded by a new CONNECT"), out);
        }
        will = willSpec.orElse(null);
        if (cleanSession) {
            idByName.clear();
            nameById.clear();
            receivedQos2.clear();
        }
        Connect connect = new Connect(will != null, cleanSession, Connect.PROTOCOL_ID, config.keepAliveSeconds(),
                Bytes.utf8(config.clientId()));
        changeState(ClientState.CONNECTING, "connect requested", out);
        sessionExchange = new Exchange(id, connect, 0, now + config.retryMillis());
        send(connect, now, out);
        return id;
    }

    /** Publishes; QoS -1 needs no connection and accepts only predefined and short topics. */
    public long publish(Topic topic, Bytes payload, QoS qos, boolean retain, long now, Consumer<ClientEffect> out) {
        long id = nextRequestId++;
        if (qos == QoS.MINUS_ONE) {
            if (topic instanceof Topic.Name) {
                complete(id, Outcome.failed("QoS -1 needs a predefined or short topic"), out);
                return id;
            }
            send(publishPacket(topic, resolveId(topic), qos, retain, 0, payload, false), now, out);
            complete(id, Outcome.ok(), out);
            return id;
        }
        if (publishes.size() >= config.maxQueued()) {
            complete(id, Outcome.failed("publish queue full (" + config.maxQueued() + ")"), out);
            return id;
        }
        if (topic instanceof Topic.Name name && !idByName.containsKey(name.name())) {
            ensureRegistered(name.name());
        }
        publishes.addLast(new PublishRequest(id, topic, payload, qos, retain));
        pump(now, out);
        return id;
    }

    /** Registers a topic name explicitly; completes with its id. */
    public long register(String topicName, long now, Consumer<ClientEffect> out) {
        long id = nextRequestId++;
        enqueueControl(new ControlRequest(id, ControlKind.REGISTER, Topic.name(topicName), QoS.AT_MOST_ONCE), now, out);
        return id;
    }

    public long subscribe(Topic topic, QoS qos, long now, Consumer<ClientEffect> out) {
        long id = nextRequestId++;
        if (qos == QoS.MINUS_ONE) {
            complete(id, Outcome.failed("QoS -1 cannot be subscribed"), out);
            return id;
        }
        enqueueControl(new ControlRequest(id, ControlKind.SUBSCRIBE, topic, qos), now, out);
        return id;
    }

    public long unsubscribe(Topic topic, long now, Consumer<ClientEffect> out) {
        long id = nextRequestId++;
        enqueueControl(new ControlRequest(id, ControlKind.UNSUBSCRIBE, topic, QoS.AT_MOST_ONCE), now, out);
        return id;
    }

    /** Goes to sleep for {@code seconds}: the gateway buffers messages meanwhile. */
    public long sleep(int seconds, long now, Consumer<ClientEffect> out) {
        long id = nextRequestId++;
        if (state != ClientState.ACTIVE && state != ClientState.AWAKE && state != ClientState.ASLEEP) {
            complete(id, Outcome.failed("cannot sleep while " + state.name().toLowerCase()), out);
            return id;
        }
        Disconnect sleep = Disconnect.sleep(seconds);
        startSessionExchange(id, sleep, now, out);
        return id;
    }

    /** Wakes to fetch what the gateway buffered; completes when the gateway says that was all. */
    public long wake(long now, Consumer<ClientEffect> out) {
        long id = nextRequestId++;
        if (state != ClientState.ASLEEP) {
            complete(id, Outcome.failed("not asleep"), out);
            return id;
        }
        changeState(ClientState.AWAKE, "polling the gateway", out);
        startSessionExchange(id, PingReq.wake(config.clientId()), now, out);
        return id;
    }

    public long disconnect(long now, Consumer<ClientEffect> out) {
        long id = nextRequestId++;
        if (state == ClientState.DISCONNECTED || state == ClientState.LOST || state == ClientState.SEARCHING) {
            complete(id, Outcome.ok(), out);
            return id;
        }
        startSessionExchange(id, Disconnect.PLAIN, now, out);
        return id;
    }

    /** Looks for gateways: SEARCHGW after a random delay, repeated with growing intervals. */
    public long searchGateway(int radius, long now, Consumer<ClientEffect> out) {
        long id = nextRequestId++;
        if (searchRequestId != 0) {
            complete(searchRequestId, Outcome.failed("superseded by a new search"), out);
        }
        searchRequestId = id;
        searchRadius = radius;
        searchAttempt = 0;
        searchAt = now + randomDelay(config.searchDelayMillis());
        if (state == ClientState.DISCONNECTED || state == ClientState.LOST) {
            changeState(ClientState.SEARCHING, "searching for a gateway", out);
        }
        return id;
    }

    private void startSessionExchange(long id, MqttSn12Message packet, long now, Consumer<ClientEffect> out) {
        if (sessionExchange != null) {
            complete(sessionExchange.requestId, Outcome.failed("superseded by " + packet.typeName()), out);
        }
        sessionExchange = new Exchange(id, packet, 0, now + config.retryMillis());
        send(packet, now, out);
    }

    private void enqueueControl(ControlRequest request, long now, Consumer<ClientEffect> out) {
        if (controls.size() >= config.maxQueued()) {
            complete(request.requestId, Outcome.failed("request queue full (" + config.maxQueued() + ")"), out);
            return;
        }
        controls.addLast(request);
        pump(now, out);
    }

    private void ensureRegistered(String name) {
        for (ControlRequest pending : controls) {
            if (pending.kind == ControlKind.REGISTER && pending.topic.equals(Topic.name(name))) {
                return;
            }
        }
        if (controlInFlight != null && controlInFlight.packet instanceof Register register
                && register.topicName().equals(Bytes.utf8(name))) {
            return;
        }
        // An internal registration, ahead of the queue: the publish is waiting for it.
        controls.addFirst(new ControlRequest(0, ControlKind.REGISTER, Topic.name(name), QoS.AT_MOST_ONCE));
    }

    // ------------------------------------------------------------------ packets from the gateway

    /** A packet from the gateway ({@code from} is the link's address of the sender). */
    public void onPacket(MqttSn12Message message, Object from, long now, Consumer<ClientEffect> out) {
        switch (message.type()) {
            case ADVERTISE -> onAdvertise((Advertise) message, from, now, out);
            case GWINFO -> onGwInfo((GwInfo) message, from, now, out);
            case SEARCHGW -> {
                // Another client searches: ours would be redundant (spec §6.1), so wait for its answer.
                if (searchAt != Long.MAX_VALUE) {
                    searchAt = Math.max(searchAt, now + config.retryMillis());
                }
            }
            case WILLTOPICREQ -> {
                if (state == ClientState.CONNECTING && will != null) {
                    send(new WillTopic(will.qos(), will.retain(), will.topic()), now, out);
                    sessionExchange.deadline = now + config.retryMillis();
                }
            }
            case WILLMSGREQ -> {
                if (state == ClientState.CONNECTING && will != null) {
                    send(new WillMsg(will.message()), now, out);
                    sessionExchange.deadline = now + config.retryMillis();
                }
            }
            case CONNACK -> onConnAck((ConnAck) message, now, out);
            case REGISTER -> onGatewayRegister((Register) message, now, out);
            case REGACK -> onRegAck((RegAck) message, now, out);
            case PUBLISH -> onGatewayPublish((Publish) message, now, out);
            case PUBACK -> onPubAck((PubAck) message, now, out);
            case PUBREC -> onPubRec((PubRec) message, now, out);
            case PUBCOMP -> onPubComp((PubComp) message, now, out);
            case PUBREL -> {
                receivedQos2.remove(((PubRel) message).msgId());
                send(new PubComp(((PubRel) message).msgId()), now, out);
                stillFlushing(now);
            }
            case SUBACK -> onSubAck((SubAck) message, now, out);
            case UNSUBACK -> onUnsubAck((UnsubAck) message, now, out);
            case PINGREQ -> {
                if (state == ClientState.ACTIVE) {
                    send(PingResp.INSTANCE, now, out); // a gateway checking on us
                }
            }
            case PINGRESP -> onPingResp(now, out);
            case DISCONNECT -> onDisconnect(now, out);
            default -> {
                // WILLTOPICRESP/WILLMSGRESP and the like need no action; SUBSCRIBE/UNSUBSCRIBE (any
                // TopicRef, TopicRef.Reserved included) are a client's packets, unsupported here
            }
        }
    }

    private void onConnAck(ConnAck connAck, long now, Consumer<ClientEffect> out) {
        if (state != ClientState.CONNECTING || sessionExchange == null) {
            return;
        }
        Exchange exchange = sessionExchange;
        sessionExchange = null;
        if (connAck.returnCode() == ReturnCode.ACCEPTED) {
            changeState(ClientState.ACTIVE, "connected", out);
            complete(exchange.requestId, Outcome.ok(), out);
            if (publishInFlight != null) {
                resend(publishInFlight, now, out); // a clean-session-0 reconnect resumes the exchange
            }
            if (controlInFlight != null) {
                resend(controlInFlight, now, out);
            }
            pump(now, out);
        } else {
            changeState(ClientState.DISCONNECTED, "connection refused: " + connAck.returnCode(), out);
            complete(exchange.requestId, Outcome.rejected(connAck.returnCode()), out);
        }
    }

    private void onGatewayRegister(Register register, long now, Consumer<ClientEffect> out) {
        String name = register.topicName().utf8();
        remember(name, register.topicId());
        send(new RegAck(register.topicId(), register.msgId(), ReturnCode.ACCEPTED), now, out);
        stillFlushing(now);
    }

    /** Spec §6.14: while awake, every message but PINGRESP restarts the wake PINGREQ's T_RETRY. */
    private void stillFlushing(long now) {
        if (state == ClientState.AWAKE && sessionExchange != null) {
            sessionExchange.deadline = now + config.retryMillis();
        }
    }

    private void onRegAck(RegAck regAck, long now, Consumer<ClientEffect> out) {
        Exchange exchange = controlInFlight;
        if (exchange == null || !(exchange.packet instanceof Register register) || exchange.msgId != regAck.msgId()) {
            return;
        }
        controlInFlight = null;
        String name = register.topicName().utf8();
        if (regAck.returnCode() == ReturnCode.ACCEPTED) {
            remember(name, regAck.topicId());
            complete(exchange.requestId, Outcome.ok(regAck.topicId(), null), out);
        } else {
            complete(exchange.requestId, Outcome.rejected(regAck.returnCode()), out);
            failPublishesWaitingFor(name, Outcome.rejected(regAck.returnCode()), out);
        }
        pump(now, out);
    }

    private void onGatewayPublish(Publish publish, long now, Consumer<ClientEffect> out) {
        String topic = switch (publish.topicIdType()) {
            case NORMAL -> nameById.get(publish.topicId());
            case PREDEFINED -> config.predefinedTopics().get(publish.topicId());
            case SHORT -> ShortTopicName.decode(publish.topicId());
            // A Publish cannot hold it (the codec refuses 0b11 in PUBLISH); if one ever did, it names no topic.
            case RESERVED -> null;
        };
        if (topic == null) {
            // The spec's answer to an id we do not know: the gateway will register it again.
            send(new PubAck(publish.topicId(), publish.msgId(), ReturnCode.REJECTED_INVALID_TOPIC_ID), now, out);
            return;
        }
        switch (publish.qos()) {
            case AT_MOST_ONCE, MINUS_ONE -> out.accept(
                    new ClientEffect.MessageReceived(topic, publish.data(), QoS.AT_MOST_ONCE, publish.retain()));
            case AT_LEAST_ONCE -> {
                out.accept(new ClientEffect.MessageReceived(topic, publish.data(), publish.qos(), publish.retain()));
                send(new PubAck(publish.topicId(), publish.msgId(), ReturnCode.ACCEPTED), now, out);
            }
            case EXACTLY_ONCE -> {
                if (receivedQos2.add(publish.msgId())) {
                    out.accept(new ClientEffect.MessageReceived(topic, publish.data(), publish.qos(), publish.retain()));
                }
                send(new PubRec(publish.msgId()), now, out);
            }
        }
        stillFlushing(now);
    }

    private void onPubAck(PubAck pubAck, long now, Consumer<ClientEffect> out) {
        Exchange exchange = publishInFlight;
        if (exchange == null || exchange.msgId != pubAck.msgId() || !(exchange.packet instanceof Publish publish)) {
            if (pubAck.returnCode() == ReturnCode.REJECTED_INVALID_TOPIC_ID) {
                forget(pubAck.topicId()); // an error answer to a QoS 0 publish
            }
            return;
        }
        if (publish.qos() == QoS.EXACTLY_ONCE && pubAck.returnCode() == ReturnCode.ACCEPTED) {
            return; // QoS 2 continues with PUBREC
        }
        publishInFlight = null;
        if (pubAck.returnCode() == ReturnCode.ACCEPTED) {
            complete(exchange.requestId, Outcome.ok(), out);
        } else if (pubAck.returnCode() == ReturnCode.REJECTED_INVALID_TOPIC_ID
                && publish.topicIdType() == TopicIdType.NORMAL && exchange.request != null && !exchange.request.retried) {
            // The gateway lost our registration: register again once and resend.
            forget(publish.topicId());
            PublishRequest again = exchange.request.retry();
            ensureRegistered(((Topic.Name) again.topic).name());
            publishes.addFirst(again);
        } else {
            complete(exchange.requestId, Outcome.rejected(pubAck.returnCode()), out);
        }
        pump(now, out);
    }

    private void onPubRec(PubRec pubRec, long now, Consumer<ClientEffect> out) {
        Exchange exchange = publishInFlight;
        if (exchange == null || exchange.msgId != pubRec.msgId()) {
            return;
        }
        exchange.packet = new PubRel(pubRec.msgId());
        exchange.retries = 0;
        exchange.deadline = now + config.retryMillis();
        send(exchange.packet, now, out);
    }

    private void onPubComp(PubComp pubComp, long now, Consumer<ClientEffect> out) {
        Exchange exchange = publishInFlight;
        if (exchange == null || exchange.msgId != pubComp.msgId() || !(exchange.packet instanceof PubRel)) {
            return;
        }
        publishInFlight = null;
        complete(exchange.requestId, Outcome.ok(), out);
        pump(now, out);
    }

    private void onSubAck(SubAck subAck, long now, Consumer<ClientEffect> out) {
        Exchange exchange = controlInFlight;
        if (exchange == null || !(exchange.packet instanceof Subscribe subscribe) || exchange.msgId != subAck.msgId()) {
            return;
        }
        controlInFlight = null;
        if (subAck.returnCode() != ReturnCode.ACCEPTED) {
            complete(exchange.requestId, Outcome.rejected(subAck.returnCode()), out);
        } else {
            if (subscribe.topic() instanceof TopicRef.Name name && subAck.topicId() != 0
                    && !name.name().utf8().contains("+") && !name.name().utf8().contains("#")) {
                remember(name.name().utf8(), subAck.topicId());
            }
            complete(exchange.requestId, Outcome.ok(subAck.topicId(), subAck.grantedQos()), out);
        }
        pump(now, out);
    }

    private void onUnsubAck(UnsubAck unsubAck, long now, Consumer<ClientEffect> out) {
        Exchange exchange = controlInFlight;
        if (exchange == null || !(exchange.packet instanceof Unsubscribe) || exchange.msgId != unsubAck.msgId()) {
            return;
        }
        controlInFlight = null;
        complete(exchange.requestId, Outcome.ok(), out);
        pump(now, out);
    }

    private void onPingResp(long now, Consumer<ClientEffect> out) {
        if (sessionExchange == null || !(sessionExchange.packet instanceof PingReq)) {
            return;
        }
        Exchange exchange = sessionExchange;
        sessionExchange = null;
        if (state == ClientState.AWAKE) {
            changeState(ClientState.ASLEEP, "gateway has nothing more buffered", out);
        }
        complete(exchange.requestId, Outcome.ok(), out);
    }

    private void onDisconnect(long now, Consumer<ClientEffect> out) {
        Exchange exchange = sessionExchange;
        if (exchange != null && exchange.packet instanceof Disconnect disconnect) {
            sessionExchange = null;
            if (disconnect.isSleep()) {
                changeState(ClientState.ASLEEP, "sleeping " + disconnect.duration().getAsInt() + " s", out);
            } else {
                changeState(ClientState.DISCONNECTED, "disconnected", out);
                failAll("disconnected", out);
            }
            complete(exchange.requestId, Outcome.ok(), out);
            return;
        }
        if (state == ClientState.ACTIVE || state == ClientState.AWAKE || state == ClientState.ASLEEP) {
            // An unsolicited DISCONNECT: the gateway does not know us (any more); reconnect needed.
            changeState(ClientState.LOST, "gateway sent DISCONNECT", out);
            if (exchange != null) {
                sessionExchange = null;
                complete(exchange.requestId, Outcome.failed("gateway sent DISCONNECT"), out);
            }
        }
    }

    private void onAdvertise(Advertise advertise, Object from, long now, Consumer<ClientEffect> out) {
        GatewayRecord known = gateways.get(advertise.gwId());
        long expiry = now + advertise.duration() * 1000L * config.advertiseMisses();
        if (known == null) {
            gateways.put(advertise.gwId(), new GatewayRecord(from, expiry));
            out.accept(new ClientEffect.GatewayFound(advertise.gwId(), from));
        } else {
            known.expiresAt = expiry;
            known.address = from;
        }
        finishSearch(now, out);
    }

    private void onGwInfo(GwInfo gwInfo, Object from, long now, Consumer<ClientEffect> out) {
        Object address = gwInfo.gwAddress().isEmpty() ? from : gwInfo.gwAddress();
        if (!gateways.containsKey(gwInfo.gwId())) {
            gateways.put(gwInfo.gwId(), new GatewayRecord(address, Long.MAX_VALUE));
            out.accept(new ClientEffect.GatewayFound(gwInfo.gwId(), address));
        }
        finishSearch(now, out);
    }

    private void finishSearch(long now, Consumer<ClientEffect> out) {
        if (searchRequestId != 0) {
            long id = searchRequestId;
            searchRequestId = 0;
            searchAt = Long.MAX_VALUE;
            if (state == ClientState.SEARCHING) {
                changeState(ClientState.DISCONNECTED, "gateway found", out);
            }
            complete(id, Outcome.ok(), out);
        }
    }

    // ------------------------------------------------------------------ sending

    private void pump(long now, Consumer<ClientEffect> out) {
        if (state != ClientState.ACTIVE) {
            return;
        }
        while (controlInFlight == null && !controls.isEmpty()) {
            startControl(controls.pollFirst(), now, out);
        }
        while (publishInFlight == null && !publishes.isEmpty()) {
            PublishRequest next = publishes.peekFirst();
            Integer topicId = resolveId(next.topic);
            if (topicId == null) {
                // Waiting for its REGISTER; the id may have been dropped after it was queued
                // (error PUBACK, clean-session CONNECT), so make sure one is on its way.
                ensureRegistered(((Topic.Name) next.topic).name());
                if (controlInFlight == null) {
                    startControl(controls.pollFirst(), now, out);
                }
                return;
            }
            publishes.pollFirst();
            if (next.qos == QoS.AT_MOST_ONCE) {
                send(publishPacket(next.topic, topicId, next.qos, next.retain, 0, next.payload, false), now, out);
                complete(next.requestId, Outcome.ok(), out);
                continue;
            }
            int msgId = nextMsgId();
            Publish packet = publishPacket(next.topic, topicId, next.qos, next.retain, msgId, next.payload, false);
            publishInFlight = new Exchange(next.requestId, packet, msgId, now + config.retryMillis());
            publishInFlight.request = next;
            send(packet, now, out);
        }
    }

    private void startControl(ControlRequest request, long now, Consumer<ClientEffect> out) {
        int msgId = nextMsgId();
        MqttSn12Message packet;
        switch (request.kind) {
            case REGISTER -> {
                String name = ((Topic.Name) request.topic).name();
                if (idByName.containsKey(name)) {
                    if (request.requestId != 0) {
                        complete(request.requestId, Outcome.ok(idByName.get(name), null), out);
                    }
                    return;
                }
                packet = new Register(0, msgId, Bytes.utf8(name));
            }
            case SUBSCRIBE -> packet = new Subscribe(false, request.qos, msgId, topicRef(request.topic));
            default -> packet = new Unsubscribe(msgId, topicRef(request.topic));
        }
        controlInFlight = new Exchange(request.requestId, packet, msgId, now + config.retryMillis());
        send(packet, now, out);
    }

    private static TopicRef topicRef(Topic topic) {
        if (topic instanceof Topic.Name name) {
            return new TopicRef.Name(Bytes.utf8(name.name()));
        }
        if (topic instanceof Topic.Predefined predefined) {
            return new TopicRef.Predefined(predefined.id());
        }
        return new TopicRef.ShortName(ShortTopicName.encode(((Topic.Short) topic).name()));
    }

    private Integer resolveId(Topic topic) {
        if (topic instanceof Topic.Name name) {
            return idByName.get(name.name());
        }
        if (topic instanceof Topic.Predefined predefined) {
            return predefined.id();
        }
        return ShortTopicName.encode(((Topic.Short) topic).name());
    }

    private static Publish publishPacket(Topic topic, int topicId, QoS qos, boolean retain, int msgId, Bytes payload,
                                         boolean dup) {
        TopicIdType type = topic instanceof Topic.Name ? TopicIdType.NORMAL
                : topic instanceof Topic.Predefined ? TopicIdType.PREDEFINED : TopicIdType.SHORT;
        return new Publish(dup, qos, retain, type, topicId, msgId, payload);
    }

    private void send(MqttSn12Message message, long now, Consumer<ClientEffect> out) {
        lastSent = now;
        out.accept(new ClientEffect.Send(message));
    }

    private void resend(Exchange exchange, long now, Consumer<ClientEffect> out) {
        MqttSn12Message packet = exchange.packet;
        if (packet instanceof Publish publish) {
            packet = publish.asDuplicate();
        } else if (packet instanceof Subscribe subscribe) {
            packet = new Subscribe(true, subscribe.qos(), subscribe.msgId(), subscribe.topic());
        }
        exchange.deadline = now + config.retryMillis();
        send(packet, now, out);
    }

    private int nextMsgId() {
        int id = nextMsgId;
        nextMsgId = nextMsgId == 0xFFFF ? 1 : nextMsgId + 1;
        return id;
    }

    // ------------------------------------------------------------------ time

    /** When {@link #onTimer} must run next, or {@link Long#MAX_VALUE}. */
    public long nextDeadline() {
        long deadline = searchAt;
        if (sessionExchange != null) {
            deadline = Math.min(deadline, sessionExchange.deadline);
        }
        if (state == ClientState.ACTIVE) { // asleep or awake, exchanges resume after the next CONNECT
            if (publishInFlight != null) {
                deadline = Math.min(deadline, publishInFlight.deadline);
            }
            if (controlInFlight != null) {
                deadline = Math.min(deadline, controlInFlight.deadline);
            }
        }
        if (state == ClientState.ACTIVE && config.keepAliveSeconds() > 0 && sessionExchange == null) {
            deadline = Math.min(deadline, lastSent + config.keepAliveSeconds() * 1000L);
        }
        for (GatewayRecord gateway : gateways.values()) {
            deadline = Math.min(deadline, gateway.expiresAt);
        }
        return deadline;
    }

    public void onTimer(long now, Consumer<ClientEffect> out) {
        if (now >= searchAt) {
            out.accept(new ClientEffect.Broadcast(new SearchGw(searchRadius), searchRadius));
            searchAttempt++;
            // Growing intervals (spec §6.1), capped at 16 x T_RETRY.
            searchAt = now + config.retryMillis() * (1L << Math.min(searchAttempt, 4));
        }
        for (Iterator<Map.Entry<Integer, GatewayRecord>> it = gateways.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Integer, GatewayRecord> entry = it.next();
            if (now >= entry.getValue().expiresAt) {
                it.remove();
                out.accept(new ClientEffect.GatewayLost(entry.getKey()));
            }
        }
        if (sessionExchange != null && now >= sessionExchange.deadline) {
            if (!retry(sessionExchange, now, out)) {
                Exchange failed = sessionExchange;
                sessionExchange = null;
                if (state == ClientState.AWAKE) {
                    // Spec §6.14: a wake poll that gets no answer goes back to sleep.
                    changeState(ClientState.ASLEEP, "no answer to the wake PINGREQ", out);
                    complete(failed.requestId, Outcome.failed("no answer to PINGREQ"), out);
                } else if (failed.packet instanceof Disconnect) {
                    // The gateway did not confirm; we are gone from its point of view either way.
                    changeState(ClientState.DISCONNECTED, "no answer to DISCONNECT", out);
                    failAll("disconnected (no answer to DISCONNECT)", out);
                    complete(failed.requestId, Outcome.ok(), out);
                } else {
                    lose("no answer to " + failed.packet.typeName(), out);
                    complete(failed.requestId, Outcome.failed("no answer to " + failed.packet.typeName()), out);
                }
                return;
            }
        }
        if (state == ClientState.ACTIVE) {
            for (Exchange exchange : new Exchange[] {publishInFlight, controlInFlight}) {
                if (exchange != null && now >= exchange.deadline && !retry(exchange, now, out)) {
                    lose("no answer to " + exchange.packet.typeName(), out);
                    return;
                }
            }
        }
        if (state == ClientState.ACTIVE && config.keepAliveSeconds() > 0 && sessionExchange == null
                && now >= lastSent + config.keepAliveSeconds() * 1000L) {
            startSessionExchange(0, PingReq.PLAIN, now, out);
        }
    }

    private boolean retry(Exchange exchange, long now, Consumer<ClientEffect> out) {
        if (exchange.retries >= config.maxRetries()) {
            return false;
        }
        exchange.retries++;
        resend(exchange, now, out);
        return true;
    }

    private void lose(String why, Consumer<ClientEffect> out) {
        changeState(ClientState.LOST, why, out);
        failAll("connection lost: " + why, out);
    }

    /** Fails every request in flight or waiting (after a disconnect or loss). */
    private void failAll(String why, Consumer<ClientEffect> out) {
        for (Exchange exchange : new Exchange[] {publishInFlight, controlInFlight}) {
            if (exchange != null) {
                complete(exchange.requestId, Outcome.failed(why), out);
            }
        }
        publishInFlight = null;
        controlInFlight = null;
        for (PublishRequest request : publishes) {
            complete(request.requestId, Outcome.failed(why), out);
        }
        publishes.clear();
        for (ControlRequest request : controls) {
            complete(request.requestId, Outcome.failed(why), out);
        }
        controls.clear();
    }

    private void failPublishesWaitingFor(String name, Outcome outcome, Consumer<ClientEffect> out) {
        for (Iterator<PublishRequest> it = publishes.iterator(); it.hasNext(); ) {
            PublishRequest request = it.next();
            if (request.topic.equals(Topic.name(name))) {
                it.remove();
                complete(request.requestId, outcome, out);
            }
        }
    }

    private void remember(String name, int id) {
        Integer previous = idByName.put(name, id);
        if (previous != null && previous != id) {
            nameById.remove(previous);
        }
        nameById.put(id, name);
    }

    private void forget(int id) {
        String name = nameById.remove(id);
        if (name != null) {
            idByName.remove(name);
        }
    }

    private void changeState(ClientState to, String reason, Consumer<ClientEffect> out) {
        if (state != to) {
            ClientState from = state;
            state = to;
            out.accept(new ClientEffect.StateChanged(from, to, reason));
        }
    }

    private static void complete(long requestId, Outcome outcome, Consumer<ClientEffect> out) {
        if (requestId != 0) {
            out.accept(new ClientEffect.Completed(requestId, outcome));
        }
    }

    private long randomDelay(long max) {
        return max <= 0 ? 0 : (long) (random.nextDouble() * max);
    }

    // ------------------------------------------------------------------ records

    private enum ControlKind { REGISTER, SUBSCRIBE, UNSUBSCRIBE }

    private record ControlRequest(long requestId, ControlKind kind, Topic topic, QoS qos) {
    }

    private record PublishRequest(long requestId, Topic topic, Bytes payload, QoS qos, boolean retain,
                                  boolean retried) {
        PublishRequest(long requestId, Topic topic, Bytes payload, QoS qos, boolean retain) {
            this(requestId, topic, payload, qos, retain, false);
        }

        PublishRequest retry() {
            return new PublishRequest(requestId, topic, payload, qos, retain, true);
        }
    }

    /** A packet waiting for its answer. */
    private static final class Exchange {
        final long requestId;
        MqttSn12Message packet;
        final int msgId;
        int retries;
        long deadline;
        PublishRequest request;

        Exchange(long requestId, MqttSn12Message packet, int msgId, long deadline) {
            this.requestId = requestId;
            this.packet = packet;
            this.msgId = msgId;
            this.deadline = deadline;
        }
    }

    private static final class GatewayRecord {
        Object address;
        long expiresAt;

        GatewayRecord(Object address, long expiresAt) {
            this.address = address;
            this.expiresAt = expiresAt;
        }
    }
}
