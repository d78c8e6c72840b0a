package io.sngate.client.internal.core;

import io.sngate.client.ClientConfig;
import io.sngate.client.Outcome;
import io.sngate.client.Topic;
import io.sngate.codec.Bytes;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.Register;

/**
 * The channel for REGISTER, SUBSCRIBE and UNSUBSCRIBE: the spec lets a client have one of
 * them in flight (§6.5, §6.9); the others wait in a bounded queue, in order, except that a
 * registration a waiting publish needs goes first. {@link Registrations} and
 * {@link Subscriptions} take the answers; this class only carries the exchanges.
 *
 * <p>It runs beside the publish channel: a PUBLISH in flight does not hold up a SUBSCRIBE.
 */
final class ControlChannel {

    private final ClientConfig config;
    private final EffectSink effects;
    private final PacketLimit limit;
    private final MessageIds msgIds;
    private final TopicIds topics;
    private final ExchangeSlot<ControlRequest> slot;

    ControlChannel(ClientConfig config, EffectSink effects, PacketLimit limit, MessageIds msgIds, TopicIds topics) {
        this.config = config;
        this.effects = effects;
        this.limit = limit;
        this.msgIds = msgIds;
        this.topics = topics;
        this.slot = new ExchangeSlot<>(config, effects, ControlRequest::requestId);
    }

    /**
     * Queues {@code request}; false (and the request failed) when its packet is larger than the
     * link carries or the queue is full.
     */
    boolean enqueue(ControlRequest request) {
        if (!limit.admits(request.requestId(), request.packet(0))) {
            return false;
        }
        if (slot.queue.size() >= config.maxQueued()) {
            effects.complete(request.requestId(),
                    Outcome.failed(Outcome.Status.QUEUE_FULL, "request queue full (" + config.maxQueued() + ")"));
            return false;
        }
        slot.queue.addLast(request);
        return true;
    }

    /**
     * Makes sure a REGISTER for {@code name} is on its way, for a publish that waits for the id:
     * one already queued or in flight will do; otherwise one goes ahead of the queue, outside the
     * bound (the publish was already admitted).
     */
    void ensureRegistered(String name) {
        for (ControlRequest pending : slot.queue) {
            if (pending instanceof ControlRequest.Registration registration && registration.topic().name().equals(name)) {
                return;
            }
        }
        if (slot.inFlight != null && slot.inFlight.packet() instanceof Register register
                && register.topicName().equals(Bytes.utf8(name))) {
            return;
        }
        slot.queue.addFirst(new ControlRequest.Registration(0, new Topic.Name(name)));
    }

    /** Starts waiting requests while nothing is in flight (the caller checks the client is active). */
    void pump(long now) {
        while (slot.inFlight == null && !slot.queue.isEmpty()) {
            start(slot.queue.pollFirst(), now);
        }
    }

    private void start(ControlRequest request, long now) {
        int msgId = msgIds.next();
        if (request instanceof ControlRequest.Registration registration && topics.knows(registration.topic().name())) {
            // The id arrived while the request waited (an earlier REGACK, the gateway's REGISTER,
            // a SUBACK): no packet needed. The message id stays used; ids need only be unique.
            effects.complete(request.requestId(), Outcome.ok(topics.id(registration.topic().name()), null));
            return;
        }
        MqttSn12Message packet = request.packet(msgId);
        slot.inFlight = new Exchange(request.requestId(), packet, msgId, now, config);
        effects.send(packet, now);
    }

    /**
     * The exchange in flight if {@code answerTo} is its packet type and {@code msgId} its id; it
     * ends here, so the next request may go. Null for an answer that is not ours (late, duplicated).
     */
    Exchange take(Class<? extends MqttSn12Message> answerTo, int msgId) {
        Exchange exchange = slot.inFlight;
        if (exchange == null || !answerTo.isInstance(exchange.packet()) || exchange.msgId() != msgId) {
            return null;
        }
        slot.inFlight = null;
        return exchange;
    }

    /** After a reconnect: the exchange interrupted by sleep or loss goes again. */
    void resume(long now) {
        slot.resume(now);
    }

    long nextDeadline() {
        return slot.nextDeadline();
    }

    /** Retransmits the exchange in flight if T_RETRY has passed; returns it when N_RETRY are used up. */
    Exchange retransmitDue(long now) {
        return slot.retransmitDue(now);
    }

    /** See {@link ExchangeSlot#failInFlight}. */
    void failInFlight(Outcome outcome, Exchange unanswered) {
        slot.failInFlight(outcome, unanswered);
    }

    void failQueued(Outcome outcome) {
        slot.failQueued(outcome);
    }

    /** Requests waiting or in flight. */
    int pending() {
        return slot.pending();
    }
}
