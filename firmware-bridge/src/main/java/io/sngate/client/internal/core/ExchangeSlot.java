package io.sngate.client.internal.core;

import io.sngate.client.ClientConfig;
import io.sngate.client.Outcome;
import java.util.ArrayDeque;
import java.util.function.ToLongFunction;

/**
 * One exchange in flight and the requests waiting behind it, in order: how each of the client's
 * two channels runs (its publishes, and its REGISTER, SUBSCRIBE and UNSUBSCRIBE), since the spec
 * lets a client have one exchange of each kind in flight. The channels decide what starts and
 * what ends an exchange; this holds them and does what both do alike: send the exchange again
 * after a reconnect, retransmit it at T_RETRY, fail everything with a reason.
 */
final class ExchangeSlot<R> {

    private final ClientConfig config;
    private final EffectSink effects;
    private final ToLongFunction<R> requestId;
    /** Requests not started yet, oldest first. */
    final ArrayDeque<R> queue = new ArrayDeque<>();
    /** The exchange in flight, or null. */
    Exchange inFlight;

    ExchangeSlot(ClientConfig config, EffectSink effects, ToLongFunction<R> requestId) {
        this.config = config;
        this.effects = effects;
        this.requestId = requestId;
    }

    /** After a reconnect: the exchange interrupted by sleep or loss goes again. */
    void resume(long now) {
        if (inFlight != null) {
            inFlight.resend(now, config, effects);
        }
    }

    long nextDeadline() {
        return inFlight == null ? Long.MAX_VALUE : inFlight.deadline();
    }

    /** Retransmits the exchange in flight if T_RETRY has passed; returns it when N_RETRY are used up. */
    Exchange retransmitDue(long now) {
        if (inFlight != null && inFlight.isDue(now) && !inFlight.retransmit(now, config, effects)) {
            return inFlight;
        }
        return null;
    }

    /**
     * Fails the exchange in flight with {@code outcome}, or as {@link Outcome.Status#NO_ANSWER} if it
     * is {@code unanswered}: the one whose retries ran out, which the others only end with.
     */
    void failInFlight(Outcome outcome, Exchange unanswered) {
        if (inFlight != null) {
            effects.complete(inFlight.requestId(), inFlight == unanswered
                    ? Outcome.failed(Outcome.Status.NO_ANSWER, outcome.detail()) : outcome);
        }
        inFlight = null;
    }

    void failQueued(Outcome outcome) {
        for (R request : queue) {
            effects.complete(requestId.applyAsLong(request), outcome);
        }
        queue.clear();
    }

    /** Requests waiting or in flight. */
    int pending() {
        return queue.size() + (inFlight == null ? 0 : 1);
    }
}
