package io.sngate.client.internal.core;

import io.sngate.client.ClientConfig;
import io.sngate.client.ClientState;
import io.sngate.client.LinkAddress;
import io.sngate.client.Topic;
import io.sngate.client.Will;
import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.Advertise;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.GwInfo;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.PubComp;
import io.sngate.codec.v12.PubRec;
import io.sngate.codec.v12.PubRel;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.SubAck;
import io.sngate.codec.v12.UnsubAck;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

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
 * A request whose packet is larger than the link carries fails at once too, as INVALID, with
 * nothing sent ({@link PacketLimit}).
 *
 * <p>This class only routes: each concern is a part of its own ({@link Connection},
 * {@link Registrations}, {@link Outbound}, {@link Inbound}, {@link Subscriptions},
 * {@link Supervision}, {@link Discovery}), and all of them put their effects in one
 * {@link EffectSink}, pointed at the caller's consumer for the length of each input.
 *
 * <p>Not thread-safe: one thread drives it ({@code MqttSnClient} serialises calls on its runtime).
 * Not API: {@code MqttSnClient} is the client for applications; the simulator's benchmark drives
 * cores directly, to run thousands of devices on raw sockets.
 */
public final class ClientCore {

    private final ClientConfig config;
    private final EffectSink effects = new EffectSink();
    private final TopicIds topics = new TopicIds();
    private final ControlChannel control;
    private final Outbound outbound;
    private final Inbound inbound;
    private final Registrations registrations;
    private final Subscriptions subscriptions;
    private final Connection connection;
    private final Supervision supervision;
    private final Discovery discovery;
    private long nextRequestId = 1;

    /** A core whose packets may be as large as MQTT-SN allows (a driver that has no link of its own). */
    public ClientCore(ClientConfig config, Random random) {
        this(config, random, () -> MqttSn12Codec.MAX_PACKET_LENGTH);
    }

    /**
     * @param maxPacketSize the largest packet the link carries ({@code Link.maxPacketSize()}), asked
     *                      on the core's thread at each request
     */
    public ClientCore(ClientConfig config, Random random, IntSupplier maxPacketSize) {
        this.config = config;
        MessageIds msgIds = new MessageIds();
        PacketLimit limit = new PacketLimit(maxPacketSize, effects);
        SessionExchange session = new SessionExchange(config, effects);
        control = new ControlChannel(config, effects, limit, msgIds, topics);
        outbound = new Outbound(config, effects, limit, msgIds, topics, control);
        inbound = new Inbound(config, effects, topics, session);
        registrations = new Registrations(effects, topics, control, outbound, session);
        subscriptions = new Subscriptions(effects, topics, control);
        connection = new Connection(config, effects, limit, session, topics, inbound);
        supervision = new Supervision(config, effects, limit, session, outbound, control);
        discovery = new Discovery(config, random, effects, limit);
    }

    public ClientState state() {
        return effects.state();
    }

    public ClientConfig config() {
        return config;
    }

    /** The topic id the gateway gave for {@code name}, if known. */
    public Optional<Integer> topicId(String name) {
        return Optional.ofNullable(topics.id(name));
    }

    /** Requests waiting or in flight. */
    public int pendingRequests() {
        return outbound.pending() + control.pending();
    }

    // ------------------------------------------------------------------ requests

    /** Connects (or reconnects) to the gateway; completes with the CONNACK. */
    public long connect(boolean cleanSession, Optional<Will> will, long now, Consumer<ClientEffect> out) {
        long id = nextRequestId++;
        handle(out, () -> connection.connect(id, cleanSession, will, now));
        return id;
    }

    /** Publishes; QoS -1 needs no connection and accepts only predefined and short topics. */
    public long publish(Topic topic, Bytes payload, QoS qos, boolean retain, long now, Consumer<ClientEffect> out) {
        long id = nextRequestId++;
        handle(out, () -> {
            if (outbound.publish(id, topic, payload, qos, retain, now)) {
                pump(now);
            }
        });
        return id;
    }

    /** Registers a topic name explicitly; completes with its id. */
    public long register(String topicName, long now, Consumer<ClientEffect> out) {
        long id = nextRequestId++;
        Topic.Name topic = new Topic.Name(topicName);
        handle(out, () -> {
            if (registrations.register(id, topic)) {
                pump(now);
            }
        });
        return id;
    }

    public long subscribe(Topic topic, QoS qos, long now, Consumer<ClientEffect> out) {
        long id = nextRequestId++;
        handle(out, () -> {
            if (subscriptions.subscribe(id, topic, qos)) {
                pump(now);
            }
        });
        return id;
    }

    public long unsubscribe(Topic topic, long now, Consumer<ClientEffect> out) {
        long id = nextRequestId++;
        handle(out, () -> {
            if (subscriptions.unsubscribe(id, topic)) {
                pump(now);
            }
        });
        return id;
    }

    /** Goes to sleep for {@code seconds}: the gateway buffers messages meanwhile. */
    public long sleep(int seconds, long now, Consumer<ClientEffect> out) {
        long id = nextRequestId++;
        handle(out, () -> supervision.sleep(id, seconds, now));
        return id;
    }

    /** Wakes to fetch what the gateway buffered; completes when the gateway says that was all. */
    public long wake(long now, Consumer<ClientEffect> out) {
        long id = nextRequestId++;
        handle(out, () -> supervision.wake(id, now));
        return id;
    }

    public long disconnect(long now, Consumer<ClientEffect> out) {
        long id = nextRequestId++;
        handle(out, () -> supervision.disconnect(id, now));
        return id;
    }

    /** Looks for gateways: SEARCHGW after a random delay, repeated with growing intervals. */
    public long searchGateway(int radius, long now, Consumer<ClientEffect> out) {
        long id = nextRequestId++;
        handle(out, () -> discovery.search(id, radius, now));
        return id;
    }

    // ------------------------------------------------------------------ packets from the gateway

    /** A packet from the gateway ({@code from} is the link's address of the sender). */
    public void onPacket(MqttSn12Message message, LinkAddress from, long now, Consumer<ClientEffect> out) {
        handle(out, () -> route(message, from, now));
    }

    private void route(MqttSn12Message message, LinkAddress from, long now) {
        switch (message.type()) {
            case ADVERTISE -> discovery.onAdvertise((Advertise) message, from, now);
            case GWINFO -> discovery.onGwInfo((GwInfo) message, from);
            case SEARCHGW -> discovery.onSearchGwHeard(now);
            case WILLTOPICREQ -> connection.onWillTopicReq(now);
            case WILLMSGREQ -> connection.onWillMsgReq(now);
            case CONNACK -> {
                if (connection.onConnAck((ConnAck) message)) {
                    // A clean-session-0 reconnect resumes what was in flight, before anything new.
                    outbound.resume(now);
                    control.resume(now);
                    pump(now);
                }
            }
            case REGISTER -> registrations.onGatewayRegister((Register) message, now);
            case REGACK -> {
                if (registrations.onRegAck((RegAck) message)) {
                    pump(now);
                }
            }
            case PUBLISH -> inbound.onPublish((Publish) message, now);
            case PUBACK -> {
                if (outbound.onPubAck((PubAck) message)) {
                    pump(now);
                }
            }
            case PUBREC -> outbound.onPubRec((PubRec) message, now);
            case PUBCOMP -> {
                if (outbound.onPubComp((PubComp) message)) {
                    pump(now);
                }
            }
            case PUBREL -> inbound.onPubRel((PubRel) message, now);
            case SUBACK -> {
                if (subscriptions.onSubAck((SubAck) message)) {
                    pump(now);
                }
            }
            case UNSUBACK -> {
                if (subscriptions.onUnsubAck((UnsubAck) message)) {
                    pump(now);
                }
            }
            case PINGREQ -> supervision.onGatewayPing(now);
            case PINGRESP -> supervision.onPingResp();
            case DISCONNECT -> supervision.onDisconnect();
            default -> {
                // WILLTOPICRESP/WILLMSGRESP and the like need no action; SUBSCRIBE/UNSUBSCRIBE (any
                // TopicRef, TopicRef.Reserved included) are a client's packets, unsupported here
            }
        }
    }

    /**
     * Lets waiting requests go once a slot is free or a request was queued: control requests
     * first, since a publish may be waiting for a REGISTER. Only while active: asleep, awake or
     * disconnected, requests wait for the next CONNACK.
     */
    private void pump(long now) {
        if (effects.state() != ClientState.ACTIVE) {
            return;
        }
        control.pump(now);
        outbound.pump(now);
    }

    // ------------------------------------------------------------------ time

    /** When {@link #onTimer} must run next, or {@link Long#MAX_VALUE}. */
    public long nextDeadline() {
        return Math.min(discovery.nextDeadline(), supervision.nextDeadline());
    }

    public void onTimer(long now, Consumer<ClientEffect> out) {
        handle(out, () -> {
            discovery.onTimer(now);
            supervision.onTimer(now);
        });
    }

    /** Runs one input with {@code out} receiving its effects (and the previous target back after it). */
    private void handle(Consumer<ClientEffect> out, Runnable input) {
        Consumer<ClientEffect> outer = effects.bind(out);
        try {
            input.run();
        } finally {
            effects.bind(outer);
        }
    }
}
