package io.sngate.client.internal.core;

import io.sngate.client.ClientConfig;
import io.sngate.client.Outcome;
import io.sngate.client.Topic;
import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.PubComp;
import io.sngate.codec.v12.PubRec;
import io.sngate.codec.v12.PubRel;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.ShortTopicName;
import io.sngate.codec.v12.TopicIdType;
import java.util.Iterator;

/**
 * The client's own PUBLISH (spec §6.6-6.8): QoS -1 at once, without a connection; QoS 0, 1 and
 * 2 in the order asked, behind one QoS 1/2 exchange in flight (PUBLISH-PUBACK, or
 * PUBLISH-PUBREC-PUBREL-PUBCOMP), in a bounded queue. A publish to a topic name waits at the
 * head of the queue until the name has an id, so publishes keep their order.
 */
final class Outbound {

    /** @param retried whether it was already sent again after a PUBACK "invalid topic id" */
    private record PublishRequest(long requestId, Topic topic, Bytes payload, QoS qos, boolean retain,
                                  boolean retried) {
        PublishRequest retry() {
            return new PublishRequest(requestId, topic, payload, qos, retain, true);
        }
    }

    private final ClientConfig config;
    private final EffectSink effects;
    private final PacketLimit limit;
    private final MessageIds msgIds;
    private final TopicIds topics;
    private final ControlChannel control;
    private final ExchangeSlot<PublishRequest> slot;
    /** Set while {@code slot.inFlight} is: the request that exchange carries (to send it again). */
    private PublishRequest inFlightRequest;

    Outbound(ClientConfig config, EffectSink effects, PacketLimit limit, MessageIds msgIds, TopicIds topics,
             ControlChannel control) {
        this.config = config;
        this.effects = effects;
        this.limit = limit;
        this.msgIds = msgIds;
        this.topics = topics;
        this.control = control;
        this.slot = new ExchangeSlot<>(config, effects, PublishRequest::requestId);
    }

    /** True when the publish was queued (the façade then pumps); false when it already ended. */
    boolean publish(long requestId, Topic topic, Bytes payload, QoS qos, boolean retain, long now) {
        if (qos == QoS.MINUS_ONE && topic instanceof Topic.Name) {
            // QoS -1 goes without a connection, so there is no session to register a name in.
            effects.complete(requestId,
                    Outcome.failed(Outcome.Status.INVALID, "QoS -1 needs a predefined or short topic"));
            return false;
        }
        if (!fits(requestId, topic, payload, qos, retain)) {
            return false;
        }
        if (qos == QoS.MINUS_ONE) {
            effects.send(packet(topic, resolveId(topic), qos, retain, 0, payload), now);
            effects.complete(requestId, Outcome.ok());
            return false;
        }
        if (slot.queue.size() >= config.maxQueued()) {
            effects.complete(requestId,
                    Outcome.failed(Outcome.Status.QUEUE_FULL, "publish queue full (" + config.maxQueued() + ")"));
            return false;
        }
        if (topic instanceof Topic.Name name && !topics.knows(name.name())) {
            control.ensureRegistered(name.name());
        }
        slot.queue.addLast(new PublishRequest(requestId, topic, payload, qos, retain, false));
        return true;
    }

    /**
     * Whether the PUBLISH, and for a topic name its REGISTER, fit the link. The REGISTER is
     * checked even for a name known now: the id may be forgotten (clean session, a PUBACK
     * "invalid topic id") and the name registered again while the publish waits.
     */
    private boolean fits(long requestId, Topic topic, Bytes payload, QoS qos, boolean retain) {
        // Whatever the topic, the PUBLISH carries a two-byte id and message id: its size is known now.
        Publish publish = new Publish(false, qos, retain, TopicIdType.NORMAL, 0, 0, payload);
        if (topic instanceof Topic.Name name) {
            return limit.admits(requestId, new ControlRequest.Registration(requestId, name).packet(0), publish);
        }
        return limit.admits(requestId, publish);
    }

    /** Sends what may go: QoS 0 publishes and one QoS 1/2 (the caller checks the client is active). */
    void pump(long now) {
        while (slot.inFlight == null && !slot.queue.isEmpty()) {
            PublishRequest next = slot.queue.peekFirst();
            Integer topicId = resolveId(next.topic());
            if (topicId == null) {
                // Waiting for its REGISTER; the id may have been dropped after it was queued
                // (error PUBACK, clean-session CONNECT), so make sure one is on its way. The
                // control queue is empty or busy here (it was pumped first), so this starts at
                // most that REGISTER.
                control.ensureRegistered(((Topic.Name) next.topic()).name());
                control.pump(now);
                return;
            }
            slot.queue.pollFirst();
            if (next.qos() == QoS.AT_MOST_ONCE) {
                effects.send(packet(next.topic(), topicId, next.qos(), next.retain(), 0, next.payload()), now);
                effects.complete(next.requestId(), Outcome.ok());
                continue;
            }
            int msgId = msgIds.next();
            Publish packet = packet(next.topic(), topicId, next.qos(), next.retain(), msgId, next.payload());
            slot.inFlight = new Exchange(next.requestId(), packet, msgId, now, config);
            inFlightRequest = next;
            effects.send(packet, now);
        }
    }

    /** @return whether it ended the exchange in flight (the next requests may go) */
    boolean onPubAck(PubAck pubAck) {
        Exchange exchange = slot.inFlight;
        if (exchange == null || exchange.msgId() != pubAck.msgId() || !(exchange.packet() instanceof Publish publish)) {
            if (pubAck.returnCode() == ReturnCode.REJECTED_INVALID_TOPIC_ID) {
                topics.forget(pubAck.topicId()); // an error answer to a QoS 0 publish
            }
            return false;
        }
        if (publish.qos() == QoS.EXACTLY_ONCE && pubAck.returnCode() == ReturnCode.ACCEPTED) {
            return false; // QoS 2 continues with PUBREC
        }
        PublishRequest request = inFlightRequest;
        slot.inFlight = null;
        inFlightRequest = null;
        if (pubAck.returnCode() == ReturnCode.ACCEPTED) {
            effects.complete(exchange.requestId(), Outcome.ok());
        } else if (pubAck.returnCode() == ReturnCode.REJECTED_INVALID_TOPIC_ID
                && publish.topicIdType() == TopicIdType.NORMAL && request != null && !request.retried()) {
            // The gateway lost our registration: register again once and resend.
            topics.forget(publish.topicId());
            PublishRequest again = request.retry();
            control.ensureRegistered(((Topic.Name) again.topic()).name());
            slot.queue.addFirst(again);
        } else {
            effects.complete(exchange.requestId(), Outcome.rejected(pubAck.returnCode()));
        }
        return true;
    }

    void onPubRec(PubRec pubRec, long now) {
        if (slot.inFlight == null || slot.inFlight.msgId() != pubRec.msgId()) {
            return;
        }
        slot.inFlight.moveOn(new PubRel(pubRec.msgId()), now, config, effects);
    }

    /** @return whether it ended the exchange in flight (the next requests may go) */
    boolean onPubComp(PubComp pubComp) {
        Exchange exchange = slot.inFlight;
        if (exchange == null || exchange.msgId() != pubComp.msgId() || !(exchange.packet() instanceof PubRel)) {
            return false;
        }
        slot.inFlight = null;
        inFlightRequest = null;
        effects.complete(exchange.requestId(), Outcome.ok());
        return true;
    }

    /** The name's REGISTER was refused: the publishes waiting for it end with that answer. */
    void failWaitingFor(String name, Outcome outcome) {
        for (Iterator<PublishRequest> it = slot.queue.iterator(); it.hasNext(); ) {
            PublishRequest request = it.next();
            if (request.topic().equals(Topic.name(name))) {
                it.remove();
                effects.complete(request.requestId(), outcome);
            }
        }
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
        inFlightRequest = null;
    }

    void failQueued(Outcome outcome) {
        slot.failQueued(outcome);
    }

    /** Requests waiting or in flight. */
    int pending() {
        return slot.pending();
    }

    /** The id that goes in the PUBLISH: null for a name not registered (yet). */
    private Integer resolveId(Topic topic) {
        if (topic instanceof Topic.Name name) {
            return topics.id(name.name());
        }
        if (topic instanceof Topic.Predefined predefined) {
            return predefined.id();
        }
        return ShortTopicName.encode(((Topic.Short) topic).name());
    }

    private static Publish packet(Topic topic, int topicId, QoS qos, boolean retain, int msgId, Bytes payload) {
        TopicIdType type = topic instanceof Topic.Name ? TopicIdType.NORMAL
                : topic instanceof Topic.Predefined ? TopicIdType.PREDEFINED : TopicIdType.SHORT;
        return new Publish(false, qos, retain, type, topicId, msgId, payload);
    }
}
