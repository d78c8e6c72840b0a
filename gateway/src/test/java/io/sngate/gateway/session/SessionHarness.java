package io.sngate.gateway.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.SubAck;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntSupplier;

/**
 * Test fixture for {@link ClientSession}: one session, a fake clock and the effects of the
 * last step. Test classes extend it so the tests read like the flow:
 *
 * <pre>
 * device(new Connect(false, true, 60, CLIENT_ID));
 * upstream(new UpstreamEvent.Connected(false));
 * assertThat(sent()).containsExactly(new ConnAck(ReturnCode.ACCEPTED));
 * </pre>
 *
 * <p>Every input ({@link #device}, {@link #upstream}, {@link #advance}) starts a fresh list of
 * effects, so {@link #effects()} and {@link #sent()} are what that one input caused;
 * {@link #history()} keeps everything. {@link #configure} must come before the first input.
 */
class SessionHarness {

    static final String CLIENT_ID = "sensor-1";
    static final long START = 1_000_000L;
    static final long RETRY = SessionConfig.DEFAULTS.retryMillis();
    static final int MAX_RETRIES = SessionConfig.DEFAULTS.maxRetries();

    private SessionConfig config = SessionConfig.DEFAULTS;
    private PredefinedTopics predefined = PredefinedTopics.NONE;
    private SessionPolicy policy = SessionPolicy.ALLOW_ALL;
    private int firstMsgId = 1;
    /** What the session's link carries now; null: the config's maxPacketSize, fixed. */
    private IntSupplier linkLimit;
    private ClientSession session;
    private long now = START;
    private final List<Effect> effects = new ArrayList<>();
    private final List<Effect> history = new ArrayList<>();

    // ------------------------------------------------------------------ set-up

    /** Replaces config and predefined topics; only before the first input. */
    void configure(SessionConfig newConfig, PredefinedTopics newPredefined) {
        if (session != null) {
            throw new IllegalStateException("configure before the first input");
        }
        this.config = newConfig;
        this.predefined = newPredefined;
    }

    void configure(SessionConfig newConfig) {
        configure(newConfig, predefined);
    }

    void predefine(Map<Integer, String> topics) {
        configure(config, new PredefinedTopics(topics));
    }

    /** What the device may publish and subscribe to (the devices file); only before the first input. */
    void policy(SessionPolicy newPolicy) {
        if (session != null) {
            throw new IllegalStateException("set the policy before the first input");
        }
        this.policy = newPolicy;
    }

    /** The first message id the gateway uses towards the device; only before the first input. */
    void firstMsgId(int msgId) {
        if (session != null) {
            throw new IllegalStateException("set the first msg id before the first input");
        }
        this.firstMsgId = msgId;
    }

    /** The largest packet the device's link carries, asked by the session as it goes; only before the first input. */
    void linkLimit(IntSupplier limit) {
        if (session != null) {
            throw new IllegalStateException("set the link limit before the first input");
        }
        this.linkLimit = limit;
    }

    static SessionConfig config(int maxTopics, int maxQueued, int maxInflightUpstream, int maxPacketSize) {
        SessionConfig d = SessionConfig.DEFAULTS;
        return new SessionConfig(d.retryMillis(), d.maxRetries(), d.keepAliveFactor(), maxTopics, maxQueued,
                maxInflightUpstream, maxPacketSize, d.cleanSessionExpirySeconds(),
                d.persistentSessionExpirySeconds(), d.maxKeepAliveSeconds(), d.unprovenSendBytes());
    }

    ClientSession session() {
        if (session == null) {
            session = linkLimit == null ? new ClientSession(CLIENT_ID, config, predefined, policy, firstMsgId)
                    : new ClientSession(CLIENT_ID, config, predefined, policy, firstMsgId, linkLimit);
        }
        return session;
    }

    SessionConfig config() {
        return config;
    }

    long now() {
        return now;
    }

    // ------------------------------------------------------------------ inputs

    void device(MqttSn12Message message) {
        effects.clear();
        session().onDevice(message, now, this::collect);
    }

    /** The link reports that a packet to the device was not delivered. */
    void linkDeliveryFailed() {
        effects.clear();
        session().onLinkDeliveryFailed(now, this::collect);
    }

    /** The first message id the session draws at a new address in {@link #addressChanged()}. */
    static final int MSG_ID_AFTER_MOVE = 23_456;

    /** The device is now at another link address (it woke or reconnected from a new one). */
    void addressChanged() {
        addressChanged(MSG_ID_AFTER_MOVE);
    }

    void addressChanged(int nextMsgId) {
        effects.clear();
        session().onAddressChanged(nextMsgId);
    }

    /** A device with another client id connected from this session's address. */
    void addressTaken(String byClientId) {
        effects.clear();
        session().onAddressTaken(byClientId, now, this::collect);
    }

    /** An operator ends the session (the admin API); returns what the session answered. */
    boolean kick(String why) {
        effects.clear();
        return session().kick(why, now, this::collect);
    }

    void upstream(UpstreamEvent event) {
        effects.clear();
        session().onUpstream(event, now, this::collect);
    }

    /**
     * Lets {@code millis} pass: {@code onTimer} runs at every deadline reached on the way
     * (at the deadline's exact time), then the clock stops at now + millis.
     */
    void advance(long millis) {
        effects.clear();
        long target = now + millis;
        int guard = 0;
        for (long deadline = session().nextDeadline(); deadline <= target; deadline = session().nextDeadline()) {
            if (++guard > 10_000) {
                throw new AssertionError("timer does not move on: deadline " + deadline);
            }
            now = Math.max(now, deadline);
            session().onTimer(now, this::collect);
        }
        now = target;
    }

    private void collect(Effect effect) {
        effects.add(effect);
        history.add(effect);
    }

    // ------------------------------------------------------------------ observations

    /** The effects of the last input. */
    List<Effect> effects() {
        return List.copyOf(effects);
    }

    /** Everything since the session was created. */
    List<Effect> history() {
        return List.copyOf(history);
    }

    /** The packets the last input sent to the device. */
    List<MqttSn12Message> sent() {
        return effects.stream()
                .filter(Effect.SendToDevice.class::isInstance)
                .map(e -> ((Effect.SendToDevice) e).message())
                .toList();
    }

    /** The effects of the last input that are not packets for the device. */
    List<Effect> upstreamEffects() {
        return effects.stream().filter(e -> !(e instanceof Effect.SendToDevice)).toList();
    }

    <T extends Effect> List<T> effects(Class<T> type) {
        return effects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The counters of the Discard effects of the last input. */
    List<String> counters() {
        return effects(Effect.Discard.class).stream().map(Effect.Discard::counter).toList();
    }

    /** The counters of the Count effects of the last input. */
    List<String> counted() {
        return effects(Effect.Count.class).stream().map(Effect.Count::counter).toList();
    }

    /** The single Publish effect of the last input. */
    Effect.Publish published() {
        List<Effect.Publish> publishes = effects(Effect.Publish.class);
        assertThat(publishes).hasSize(1);
        return publishes.get(0);
    }

    SessionState state() {
        return session().state();
    }

    // ------------------------------------------------------------------ whole flows

    static Bytes bytes(String text) {
        return Bytes.utf8(text);
    }

    static Connect connectPacket(boolean will, boolean cleanSession, int keepAlive) {
        return new Connect(will, cleanSession, keepAlive, CLIENT_ID);
    }

    /** CONNECT without will, the broker accepts: the session is ACTIVE. */
    void connect(boolean cleanSession, int keepAlive) {
        device(connectPacket(false, cleanSession, keepAlive));
        assertThat(effects(Effect.Connect.class)).hasSize(1);
        upstream(new UpstreamEvent.Connected(!cleanSession));
        assertThat(sent()).startsWith(new ConnAck(ReturnCode.ACCEPTED));
        assertThat(state()).isEqualTo(SessionState.ACTIVE);
    }

    void connect() {
        connect(true, 60);
    }

    /** The device registers {@code name}; returns the topic id from the REGACK. */
    int register(String name, int msgId) {
        device(new Register(0, msgId, name));
        assertThat(sent()).hasSize(1);
        RegAck ack = (RegAck) sent().get(0);
        assertThat(ack.returnCode()).isEqualTo(ReturnCode.ACCEPTED);
        assertThat(ack.msgId()).isEqualTo(msgId);
        return ack.topicId();
    }

    /** SUBSCRIBE, the broker grants {@code granted}: returns the SUBACK. */
    SubAck subscribe(TopicRef topic, QoS requested, QoS granted, int msgId) {
        device(new Subscribe(false, requested, msgId, topic));
        List<Effect.Subscribe> subscribes = effects(Effect.Subscribe.class);
        assertThat(subscribes).hasSize(1);
        assertThat(sent()).isEmpty();
        upstream(new UpstreamEvent.Subscribed(subscribes.get(0).token(), Optional.of(granted), Optional.empty()));
        assertThat(sent()).hasSize(1);
        return (SubAck) sent().get(0);
    }

    /** Subscribes to a topic name or filter with QoS 2 granted; returns the SUBACK's topic id. */
    int subscribe(String filter) {
        SubAck ack = subscribe(TopicRef.name(filter), QoS.EXACTLY_ONCE, QoS.EXACTLY_ONCE, 100);
        assertThat(ack.returnCode()).isEqualTo(ReturnCode.ACCEPTED);
        return ack.topicId();
    }

    /** A broker's message for the device. */
    void message(long deliveryId, String topic, String payload, QoS qos) {
        upstream(new UpstreamEvent.Message(deliveryId, topic, bytes(payload), qos, false));
    }

    /** A broker's message it sends again (DUP 1), as after a reconnection to a kept session. */
    void resent(long deliveryId, String topic, String payload, QoS qos) {
        upstream(new UpstreamEvent.Message(deliveryId, topic, bytes(payload), qos, false, true));
    }
}
