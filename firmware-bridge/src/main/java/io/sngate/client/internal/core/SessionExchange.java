package io.sngate.client.internal.core;

import io.sngate.client.ClientConfig;
import io.sngate.client.ClientState;
import io.sngate.client.Outcome;
import io.sngate.codec.v12.MqttSn12Message;

/**
 * The one exchange about the session itself: CONNECT (with its will exchange), DISCONNECT
 * (plain or to sleep) or PINGREQ (keep-alive or wake). They exclude each other, since each
 * moves the session somewhere else, so a new one supersedes the one waiting. {@link Connection}
 * and {@link Supervision} start them; {@link Supervision} times them out.
 */
final class SessionExchange {

    private final ClientConfig config;
    private final EffectSink effects;
    private Exchange current;

    SessionExchange(ClientConfig config, EffectSink effects) {
        this.config = config;
        this.effects = effects;
    }

    /** The exchange waiting for its answer, or null. */
    Exchange current() {
        return current;
    }

    /** The request waiting, if any, fails with {@code why}; the caller then {@link #start}s its own. */
    void supersede(String why) {
        if (current != null) {
            effects.complete(current.requestId(), Outcome.failed(Outcome.Status.CANCELLED, why));
        }
    }

    void start(long requestId, MqttSn12Message packet, long now) {
        current = new Exchange(requestId, packet, 0, now, config);
        effects.send(packet, now);
    }

    /** Ends the exchange (answered, or given up) and returns it. */
    Exchange take() {
        Exchange exchange = current;
        current = null;
        return exchange;
    }

    /** The gateway is working on it (a will request during CONNECT): T_RETRY starts again. */
    void restartTimer(long now) {
        current.restartTimer(now, config);
    }

    /** Spec §6.14: while awake, every message but PINGRESP restarts the wake PINGREQ's T_RETRY. */
    void stillFlushing(long now) {
        if (effects.state() == ClientState.AWAKE && current != null) {
            current.restartTimer(now, config);
        }
    }

    long deadline() {
        return current == null ? Long.MAX_VALUE : current.deadline();
    }
}
