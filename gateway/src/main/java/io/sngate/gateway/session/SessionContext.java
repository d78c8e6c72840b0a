package io.sngate.gateway.session;

import io.sngate.codec.v12.MqttSn12Message;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * What the parts of one {@link ClientSession} share: who the client is, its bounds and rules,
 * its topic ids, the state of its state machine and when the device was last heard from.
 *
 * <p>Only {@link ClientSession} changes {@link #state}: the façade owns the state machine, the
 * parts read where it is. Effects go to the one sink each input comes with.
 */
final class SessionContext {

    final String clientId;
    final SessionConfig config;
    final PredefinedTopics predefined;
    final SessionPolicy policy;
    /** The largest packet the device's link carries now (a radio's NP can change while the session lives). */
    private final IntSupplier linkLimit;
    final TopicRegistry registry;
    /** Answers to the device's last REGISTER, SUBSCRIBE and UNSUBSCRIBE requests, for their copies. */
    final RecentAnswers recentAnswers = new RecentAnswers();

    SessionState state = SessionState.DISCONNECTED;
    /** When the device was last heard from: keep-alive and sleep supervision count from here. */
    long lastHeard;
    /** The client's clean flag, as its last CONNECT gave it. */
    boolean cleanSession = true;

    /** One sequence for every upstream request, so that no two pending ones share a token. */
    private long nextToken = 1;

    SessionContext(String clientId, SessionConfig config, PredefinedTopics predefined, SessionPolicy policy,
                   IntSupplier linkLimit) {
        this.clientId = clientId;
        this.config = config;
        this.predefined = predefined;
        this.policy = policy;
        this.linkLimit = linkLimit;
        this.registry = new TopicRegistry(config.maxTopics(), predefined);
    }

    /** The largest packet that may be sent to the device now: the link's limit, within the configured one. */
    int packetLimit() {
        return Math.min(config.maxPacketSize(), linkLimit.getAsInt());
    }

    long nextToken() {
        return nextToken++;
    }

    /** The device is connected and awake, so a packet sent now can reach it. */
    boolean deviceReceives() {
        return state == SessionState.ACTIVE || state == SessionState.AWAKE;
    }

    /** An answer that comes from the broker after the device may have gone to sleep or away. */
    void sendIfReachable(MqttSn12Message message, Consumer<Effect> out) {
        if (deviceReceives()) {
            out.accept(new Effect.SendToDevice(message));
        }
    }

    /** Until when a device may still be retrying a request it sent at {@code now}. */
    long retryWindowEnd(long now) {
        return now + config.retryMillis() * (config.maxRetries() + 1L);
    }
}
