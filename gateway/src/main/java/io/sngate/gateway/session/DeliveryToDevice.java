package io.sngate.gateway.session;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.PubComp;
import io.sngate.codec.v12.PubRec;
import io.sngate.codec.v12.PubRel;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.ShortTopicName;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.gateway.session.ClientSession.Counters;
import io.sngate.gateway.session.InFlight.Phase;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;

/**
 * The broker's messages on their way to the device: the gateway as sender of the QoS flows,
 * with the REGISTER a topic the device does not know needs first (spec §6.10), one exchange in
 * flight at a time, the rest waiting in a bounded queue, and retransmission after T_RETRY up
 * to N_RETRY times (1.2 leaves the gateway's side open; the client's rule of §6.13 is reused).
 *
 * <p>A QoS 1/2 message is acknowledged upstream only when the device has it (its PUBACK, or its
 * PUBREC for QoS 2) or refused it for good (DESIGN rule 4). An exchange interrupted by the device
 * leaving resumes where it stopped when the device can receive again (DUP PUBLISH under the same
 * msg id, or PUBREL), and the broker's resend of it does not start it again ({@link BrokerResends}).
 */
final class DeliveryToDevice {

    /** What the state machine does when the delivery side has news for it. */
    interface Listener {
        /** An awake device got everything that was waiting: it may sleep again. */
        void drained(long now, Consumer<Effect> out);
    }

    private final SessionContext ctx;
    private final Subscriptions subscriptions;
    private final ReflectionBound bound;
    private final Listener listener;
    private final DeliveryQueue queue;
    private final BrokerResends resends;
    private InFlight inflight;
    private int nextMsgId;

    DeliveryToDevice(SessionContext ctx, Subscriptions subscriptions, ReflectionBound bound, int firstMsgId,
                     Listener listener) {
        this.ctx = ctx;
        this.subscriptions = subscriptions;
        this.bound = bound;
        this.listener = listener;
        this.queue = new DeliveryQueue(ctx.config.maxQueued());
        this.resends = new BrokerResends(ctx.config.retryMillis());
        this.nextMsgId = firstMsgId;
    }

    /** Messages waiting for the device, the one in flight included. */
    int queued() {
        return queue.size() + (inflight == null ? 0 : 1);
    }

    int inFlight() {
        return inflight == null ? 0 : 1;
    }

    /** When the exchange in flight must be retransmitted, or {@link Long#MAX_VALUE}. */
    long deadline() {
        return inflight == null ? Long.MAX_VALUE : inflight.deadline;
    }

    /**
     * The device is at a new address: ids already used at the old one are known there, so the
     * new one gets unguessable ones, including a REGISTER still in flight (a REGISTER may be
     * resent under a new id; a PUBLISH may not: its DUP copy keeps its id, as the spec requires).
     */
    void addressChanged(int firstMsgId) {
        nextMsgId = firstMsgId;
        if (inflight != null && inflight.phase == Phase.REGACK) {
            inflight.msgId = nextMsgId();
        }
    }

    // ------------------------------------------------------------------ the broker's side

    void onBrokerMessage(UpstreamEvent.Message message, long now, Consumer<Effect> out) {
        Delivery delivery = new Delivery(message.deliveryId(), message.topic(), message.payload(), message.qos(),
                message.retain());
        // Only what the broker marks DUP can be its resend of a message the session holds.
        Optional<Delivery> earlier = message.dup() ? resends.resendOf(delivery, now) : resends.notAResend();
        if (earlier.isPresent()) {
            resumeWith(earlier.get(), delivery, out);
            return;
        }
        Optional<Delivery> displaced = queue.offer(delivery);
        if (displaced.isPresent()) {
            Delivery gone = displaced.get();
            out.accept(new Effect.Discard(Counters.QUEUE_OVERFLOW, gone.topic(),
                    "queue of " + ctx.config.maxQueued() + " full, QoS " + gone.qos().level() + " message dropped"));
            if (gone.qos() != QoS.AT_MOST_ONCE) {
                out.accept(new Effect.Acknowledge(gone.deliveryId()));
            }
        }
        pump(now, out);
    }

    /** A new upstream connection is being opened: what is held now, the broker may send again. */
    void connectionOpening() {
        List<Delivery> held = new ArrayList<>();
        if (inflight != null) {
            held.add(inflight.delivery);
        }
        held.addAll(queue.waiting());
        resends.connectionOpening(held);
    }

    void connectionAccepted(boolean sessionPresent, long now) {
        resends.connectionAccepted(sessionPresent, now);
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

    // ------------------------------------------------------------------ the device's answers

    void onPubAck(PubAck pubAck, long now, Consumer<Effect> out) {
        InFlight current = inflight;
        // A PUBACK answers a QoS 1 PUBLISH, or rejects a PUBLISH of any QoS (spec 8.5).
        boolean answersInflight = current != null && current.msgId == pubAck.msgId()
                && (current.phase == Phase.PUBACK
                    || current.phase == Phase.PUBREC && pubAck.returnCode() != ReturnCode.ACCEPTED);
        if (!answersInflight) {
            if (pubAck.returnCode() == ReturnCode.REJECTED_INVALID_TOPIC_ID) {
                // The device does not know an id we used (e.g. for a QoS 0 message): forget
                // that it did, so the next message on it registers again.
                ctx.registry.markUnknownToDevice(pubAck.topicId());
                return;
            }
            out.accept(new Effect.Discard(Counters.UNEXPECTED_ACK, "", "PUBACK for msg id " + pubAck.msgId()));
            return;
        }
        bound.proven();
        switch (pubAck.returnCode()) {
            case ACCEPTED -> complete(current, now, out);
            case REJECTED_INVALID_TOPIC_ID -> {
                if (current.topicIdType != TopicIdType.NORMAL) {
                    // a predefined id or short name cannot be registered: re-sending would loop
                    refusedByDevice(current, now, out, "PUBACK invalid topic id for " + current.topicIdType);
                    return;
                }
                ctx.registry.markUnknownToDevice(current.topicId);
                inflight = null;
                queue.pushFront(current.delivery);
                pump(now, out);
            }
            case REJECTED_CONGESTION -> current.deadline = now + ctx.config.retryMillis();
            case REJECTED_NOT_SUPPORTED -> refusedByDevice(current, now, out, "PUBACK not supported");
        }
    }

    void onPubRec(PubRec pubRec, long now, Consumer<Effect> out) {
        InFlight current = inflight;
        if (current == null || current.msgId != pubRec.msgId()
                || (current.phase != Phase.PUBREC && current.phase != Phase.PUBCOMP)) {
            out.accept(new Effect.Discard(Counters.UNEXPECTED_ACK, "", "PUBREC for msg id " + pubRec.msgId()));
            return;
        }
        bound.proven();
        current.phase = Phase.PUBCOMP;
        current.retries = 0;
        current.deadline = now + ctx.config.retryMillis();
        if (!current.acknowledged) {
            // The device has the message (its PUBREC): the broker's exchange may end too, so a
            // reconnection resumes at PUBREL here and the broker does not send the PUBLISH again.
            current.acknowledged = true;
            out.accept(new Effect.Acknowledge(current.delivery.deliveryId()));
        }
        out.accept(new Effect.SendToDevice(new PubRel(current.msgId)));
    }

    void onPubComp(PubComp pubComp, long now, Consumer<Effect> out) {
        InFlight current = inflight;
        if (current == null || current.phase != Phase.PUBCOMP || current.msgId != pubComp.msgId()) {
            out.accept(new Effect.Discard(Counters.UNEXPECTED_ACK, "", "PUBCOMP for msg id " + pubComp.msgId()));
            return;
        }
        bound.proven();
        complete(current, now, out);
    }

    void onRegAck(RegAck regAck, long now, Consumer<Effect> out) {
        InFlight current = inflight;
        if (current == null || current.phase != Phase.REGACK || current.msgId != regAck.msgId()) {
            out.accept(new Effect.Discard(Counters.UNEXPECTED_ACK, "", "REGACK for msg id " + regAck.msgId()));
            return;
        }
        bound.proven();
        if (regAck.returnCode() != ReturnCode.ACCEPTED && current.challengeOnly) {
            // The REGISTER only asked the device to show it receives; the PUBLISH needs no
            // registration (a predefined or short id, or an id the device knows), so it goes out.
            current.retries = 0;
            sendPublish(current, now, false, out);
            return;
        }
        if (regAck.returnCode() != ReturnCode.ACCEPTED) {
            // The device refuses this topic (spec §6.10): as if it unsubscribed from the name.
            subscriptions.refuse(current.delivery.topic());
            refusedByDevice(current, now, out, "REGACK " + regAck.returnCode());
            return;
        }
        ctx.registry.markKnownToDevice(current.registerId);
        current.retries = 0;
        sendPublish(current, now, false, out);
    }

    private void complete(InFlight done, long now, Consumer<Effect> out) {
        inflight = null;
        if (!done.acknowledged) {
            out.accept(new Effect.Acknowledge(done.delivery.deliveryId()));
        }
        pump(now, out);
    }

    private void refusedByDevice(InFlight refused, long now, Consumer<Effect> out, String why) {
        inflight = null;
        out.accept(new Effect.Discard(Counters.REFUSED_BY_DEVICE, refused.delivery.topic(), why));
        if (refused.delivery.qos() != QoS.AT_MOST_ONCE) {
            out.accept(new Effect.Acknowledge(refused.delivery.deliveryId()));
        }
        pump(now, out);
    }

    // ------------------------------------------------------------------ sending

    /**
     * The device can receive again (a new connection, or it woke up): the exchange in flight is
     * resent with a fresh N_RETRY, then what waits goes out.
     */
    void resume(long now, Consumer<Effect> out) {
        if (inflight != null) {
            inflight.retries = 0;
            resend(inflight, now, out);
        }
        pump(now, out);
    }

    /** Starts the next delivery when nothing is in flight and the device can receive. */
    private void pump(long now, Consumer<Effect> out) {
        while (inflight == null && ctx.deviceReceives()) {
            Delivery next = queue.poll();
            if (next == null) {
                if (ctx.state == SessionState.AWAKE) {
                    listener.drained(now, out);
                }
                return;
            }
            startDelivery(next, now, out);
        }
    }

    private void startDelivery(Delivery delivery, long now, Consumer<Effect> out) {
        if (subscriptions.isRefused(delivery.topic())) {
            out.accept(new Effect.Discard(Counters.REFUSED_BY_DEVICE, delivery.topic(),
                    "the device refused this topic's registration earlier"));
            acknowledgeGivenUp(delivery, out);
            return;
        }
        TopicIdType type;
        int topicId;
        Optional<Integer> predefinedId = ctx.predefined.id(delivery.topic());
        // A device that subscribed to this very name was given a normal id in its SUBACK: that is
        // the id promised for its PUBLISHes (spec 5.4.16), and it need not know the predefined one.
        if (predefinedId.isPresent() && !subscriptions.byName(delivery.topic())) {
            type = TopicIdType.PREDEFINED;
            topicId = predefinedId.get();
        } else if (subscriptions.byShortName(delivery.topic()) && ShortTopicName.fits(delivery.topic())) {
            type = TopicIdType.SHORT;
            topicId = ShortTopicName.encode(delivery.topic());
        } else {
            OptionalInt id = ctx.registry.idFor(delivery.topic());
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
        // (see ReflectionBound): its REGACK proves the address.
        int registerId = type == TopicIdType.NORMAL && !ctx.registry.isKnownToDevice(topicId) ? topicId : 0;
        boolean challengeOnly = false;
        if (registerId == 0 && bound.needsChallenge(delivery.qos(), size)) {
            registerId = type == TopicIdType.NORMAL ? topicId : ctx.registry.idFor(delivery.topic()).orElse(0);
            challengeOnly = registerId != 0;
        }
        if (registerId != 0) {
            // the REGISTER that must go first has to fit the link as well (spec 8.4)
            size = Math.max(size, MqttSn12Codec.INSTANCE.encodedLength(
                    new Register(registerId, 0, Bytes.utf8(delivery.topic()))));
        }
        int limit = ctx.packetLimit();
        if (size > limit) {
            out.accept(new Effect.Discard(Counters.TOO_LARGE_FOR_DEVICE, delivery.topic(),
                    "PUBLISH/REGISTER of " + size + " bytes exceeds the link's " + limit));
            acknowledgeGivenUp(delivery, out);
            return;
        }
        InFlight outgoing = new InFlight(delivery, type, topicId);
        outgoing.registerId = registerId;
        outgoing.challengeOnly = challengeOnly;
        if (delivery.qos() != QoS.AT_MOST_ONCE || registerId != 0) {
            inflight = outgoing;
        }
        if (registerId != 0) {
            outgoing.phase = Phase.REGACK;
            outgoing.msgId = nextMsgId();
            outgoing.deadline = now + ctx.config.retryMillis();
            bound.send(new Register(registerId, outgoing.msgId, Bytes.utf8(delivery.topic())), delivery.topic(), out);
            return;
        }
        sendPublish(outgoing, now, false, out);
    }

    private void acknowledgeGivenUp(Delivery delivery, Consumer<Effect> out) {
        if (delivery.qos() != QoS.AT_MOST_ONCE) {
            out.accept(new Effect.Acknowledge(delivery.deliveryId()));
        }
    }

    private void sendPublish(InFlight outgoing, long now, boolean dup, Consumer<Effect> out) {
        Delivery d = outgoing.delivery;
        if (d.qos() == QoS.AT_MOST_ONCE) {
            inflight = null;
            bound.send(new Publish(false, QoS.AT_MOST_ONCE, d.retain(), outgoing.topicIdType,
                    outgoing.topicId, 0, d.payload()), d.topic(), out);
            pump(now, out);
            return;
        }
        if (outgoing.phase != Phase.PUBACK && outgoing.phase != Phase.PUBREC) {
            outgoing.msgId = nextMsgId();
        }
        outgoing.phase = d.qos() == QoS.AT_LEAST_ONCE ? Phase.PUBACK : Phase.PUBREC;
        outgoing.deadline = now + ctx.config.retryMillis();
        bound.send(new Publish(dup, d.qos(), d.retain(), outgoing.topicIdType,
                outgoing.topicId, outgoing.msgId, d.payload()), d.topic(), out);
    }

    private void resend(InFlight outgoing, long now, Consumer<Effect> out) {
        switch (outgoing.phase) {
            case REGACK -> {
                outgoing.deadline = now + ctx.config.retryMillis();
                bound.send(new Register(outgoing.registerId, outgoing.msgId,
                        Bytes.utf8(outgoing.delivery.topic())), outgoing.delivery.topic(), out);
            }
            case PUBACK, PUBREC -> sendPublish(outgoing, now, true, out);
            case PUBCOMP -> {
                outgoing.deadline = now + ctx.config.retryMillis();
                bound.send(new PubRel(outgoing.msgId), outgoing.delivery.topic(), out);
            }
        }
    }

    private int nextMsgId() {
        int id = nextMsgId;
        nextMsgId = nextMsgId == 0xFFFF ? 1 : nextMsgId + 1;
        return id;
    }

    // ------------------------------------------------------------------ retransmission

    /**
     * Resends the exchange in flight when its T_RETRY ran out; the reason the device counts as
     * lost when it did not answer N_RETRY resends.
     */
    Optional<String> retransmitIfDue(long now, Consumer<Effect> out) {
        InFlight current = inflight;
        if (current == null || now < current.deadline) {
            return Optional.empty();
        }
        if (current.retries >= ctx.config.maxRetries()) {
            return Optional.of("no answer to " + current.phase.waitsFor + " after " + current.retries + " retries");
        }
        current.retries++;
        resend(current, now, out);
        return Optional.empty();
    }

    /**
     * The link says a packet to the device did not arrive: the exchange waiting for the device's
     * answer is retried {@code retryMillis} after its last send instead of T_RETRY after it (the
     * retry counts towards N_RETRY like one after a timeout). The reason the device counts as
     * lost, when that retry was its last.
     */
    Optional<String> linkDeliveryFailed(long retryMillis, long now, Consumer<Effect> out) {
        InFlight current = inflight;
        if (current == null || !ctx.deviceReceives()) {
            return Optional.empty();
        }
        long sentAt = current.deadline - ctx.config.retryMillis();
        long sooner = sentAt + Math.min(ctx.config.retryMillis(), retryMillis);
        if (sooner < current.deadline) {
            current.deadline = Math.max(now, sooner);
            return retransmitIfDue(now, out);
        }
        return Optional.empty();
    }

    /** A clean session forgets what waits for the device, counted; nothing is acknowledged upstream. */
    void clear(Consumer<Effect> out) {
        resends.clear();
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
}
