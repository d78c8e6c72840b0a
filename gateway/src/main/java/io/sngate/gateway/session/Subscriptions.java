package io.sngate.gateway.session;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.MessageType;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.SubAck;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.TopicRef;
import io.sngate.codec.v12.UnsubAck;
import io.sngate.codec.v12.Unsubscribe;
import io.sngate.gateway.session.ClientSession.Counters;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Consumer;

/**
 * SUBSCRIBE and UNSUBSCRIBE (spec §6.9), answered once the broker answered, and what the
 * device is subscribed to: the granted QoS, the topic id type a delivery uses, and the topics
 * it refused (spec §6.10).
 */
final class Subscriptions {

    private final SessionContext ctx;
    private Map<String, Subscription> subscriptions = SparseMaps.none();
    /** Topics the device refused with a REGACK error: as if it unsubscribed from them (spec §6.10). */
    private Set<String> refusedTopics = SparseMaps.noneSet();
    private Map<Long, PendingSubscription> subscribesByToken = SparseMaps.none();
    private Map<Long, PendingUnsubscribe> unsubscribesByToken = SparseMaps.none();

    Subscriptions(SessionContext ctx) {
        this.ctx = ctx;
    }

    void onSubscribe(Subscribe subscribe, long now, Consumer<Effect> out) {
        TopicRef ref = subscribe.topic();
        // QoS -1 (flags 0b11) cannot be subscribed: it is granted as QoS 0, as other gateways do.
        QoS requested = subscribe.qos() == QoS.MINUS_ONE ? QoS.AT_MOST_ONCE : subscribe.qos();
        Object request = List.of(requested, ref);
        Optional<MqttSn12Message> again = ctx.recentAnswers.answerTo(subscribe.type(), subscribe.msgId(), request, now);
        if (again.isPresent() || isPending(subscribe.msgId(), ref)) {
            // A copy of a SUBSCRIBE answered or being answered: subscribing again upstream
            // would make the broker send its retained messages a second time.
            out.accept(new Effect.Count(Counters.REQUEST_RETRANSMISSION,
                    "SUBSCRIBE msg id " + subscribe.msgId() + " again"));
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
            if (!ctx.policy.maySubscribe(filter)) {
                denied(filter, subscribe, out);
                return;
            }
            refusedTopics.remove(filter); // subscribing again by name lifts an earlier refusal
            if (!Topics.hasWildcard(filter)) {
                OptionalInt id = ctx.registry.idFor(filter);
                if (id.isEmpty()) {
                    out.accept(new Effect.Discard(Counters.TOPIC_IDS_EXHAUSTED, filter, "no topic id left"));
                    out.accept(new Effect.SendToDevice(
                            new SubAck(QoS.AT_MOST_ONCE, 0, subscribe.msgId(), ReturnCode.REJECTED_CONGESTION)));
                    return;
                }
                topicId = id.getAsInt();
            }
        } else if (ref instanceof TopicRef.Predefined predefinedRef) {
            Optional<String> name = ctx.predefined.name(predefinedRef.topicId());
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
        if (!ctx.policy.maySubscribe(filter)) {
            denied(filter, subscribe, out);
            return;
        }
        long token = ctx.nextToken();
        subscribesByToken = SparseMaps.writable(subscribesByToken);
        subscribesByToken.put(token, new PendingSubscription(subscribe.msgId(), filter, requested,
                ref.topicIdType(), topicId, ref));
        out.accept(new Effect.Subscribe(token, filter, requested));
    }

    void onUnsubscribe(Unsubscribe unsubscribe, long now, Consumer<Effect> out) {
        TopicRef ref = unsubscribe.topic();
        Optional<MqttSn12Message> again = ctx.recentAnswers.answerTo(unsubscribe.type(), unsubscribe.msgId(), ref, now);
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
            filter = ctx.predefined.name(predefinedRef.topicId());
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
        long token = ctx.nextToken();
        unsubscribesByToken = SparseMaps.writable(unsubscribesByToken);
        unsubscribesByToken.put(token, new PendingUnsubscribe(unsubscribe.msgId(), ref));
        out.accept(new Effect.Unsubscribe(token, filter.get()));
    }

    /** The broker's SUBACK: the device gets its own, at the lower of the requested and granted QoS. */
    void onSubscribed(UpstreamEvent.Subscribed subscribed, long now, Consumer<Effect> out) {
        PendingSubscription pending = subscribesByToken.remove(subscribed.token());
        if (pending == null) {
            return;
        }
        if (subscribed.failure().isPresent() || subscribed.granted().isEmpty()) {
            ReturnCode rc = subscribed.failure().orElse(DeliveryFailure.REFUSED) == DeliveryFailure.CONGESTION
                    ? ReturnCode.REJECTED_CONGESTION : ReturnCode.REJECTED_NOT_SUPPORTED;
            ctx.sendIfReachable(new SubAck(QoS.AT_MOST_ONCE, 0, pending.msgId, rc), out);
            return;
        }
        QoS granted = QoS.min(pending.requested, subscribed.granted().get());
        subscriptions = SparseMaps.writable(subscriptions);
        subscriptions.put(pending.filter, new Subscription(pending.filter, granted, pending.topicIdType));
        if (pending.topicIdType == TopicIdType.NORMAL && pending.topicId != 0) {
            ctx.registry.markKnownToDevice(pending.topicId);
        }
        SubAck ack = new SubAck(granted, pending.topicId, pending.msgId, ReturnCode.ACCEPTED);
        ctx.recentAnswers.remember(MessageType.SUBSCRIBE, pending.msgId, List.of(pending.requested, pending.ref), ack,
                ctx.retryWindowEnd(now));
        ctx.sendIfReachable(ack, out);
    }

    void onUnsubscribed(UpstreamEvent.Unsubscribed unsubscribed, long now, Consumer<Effect> out) {
        PendingUnsubscribe pending = unsubscribesByToken.remove(unsubscribed.token());
        if (pending != null) {
            UnsubAck ack = new UnsubAck(pending.msgId());
            ctx.recentAnswers.remember(MessageType.UNSUBSCRIBE, pending.msgId(), pending.ref(), ack,
                    ctx.retryWindowEnd(now));
            ctx.sendIfReachable(ack, out);
        }
    }

    /**
     * The broker came back without the session (it restarted without persistence, or expired
     * it): its subscriptions are gone, so each is made again, at the QoS the device holds.
     * Their SUBACKs are the gateway's business, not the device's: their tokens are not pending.
     */
    void resubscribe(Consumer<Effect> out) {
        for (Subscription subscription : subscriptions.values()) {
            out.accept(new Effect.Count(Counters.RESUBSCRIBED, "broker lost the session: subscribing to '"
                    + subscription.filter + "' again"));
            out.accept(new Effect.Subscribe(ctx.nextToken(), subscription.filter, subscription.qos));
        }
    }

    /** The device subscribed to exactly this topic by short name, so a delivery may use it too. */
    boolean byShortName(String topic) {
        Subscription exact = subscriptions.get(topic);
        return exact != null && exact.topicIdType == TopicIdType.SHORT;
    }

    /** The device subscribed to exactly this topic by name: its SUBACK gave it a normal id for it. */
    boolean byName(String topic) {
        Subscription exact = subscriptions.get(topic);
        return exact != null && exact.topicIdType == TopicIdType.NORMAL;
    }

    /** The device refused this topic's registration: nothing more is delivered on it. */
    boolean isRefused(String topic) {
        return refusedTopics.contains(topic);
    }

    void refuse(String topic) {
        refusedTopics = SparseMaps.writable(refusedTopics);
        refusedTopics.add(topic);
    }

    /** A new connection: the broker's answers to the old one's requests are not passed on. */
    void restart() {
        subscribesByToken.clear();
        unsubscribesByToken.clear();
    }

    /** A clean session forgets what the device was subscribed to and refused. */
    void clear() {
        subscriptions.clear();
        refusedTopics.clear();
    }

    private void denied(String filter, Subscribe subscribe, Consumer<Effect> out) {
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

    /** What the device is subscribed to, by filter. */
    List<SessionView.Subscription> list() {
        List<SessionView.Subscription> list = new java.util.ArrayList<>(subscriptions.size());
        new java.util.TreeMap<>(subscriptions).forEach((filter, s) -> list.add(new SessionView.Subscription(filter,
                s.qos().level())));
        return list;
    }

    private record PendingSubscription(int msgId, String filter, QoS requested, TopicIdType topicIdType, int topicId,
                                       TopicRef ref) {
    }

    private record PendingUnsubscribe(int msgId, TopicRef ref) {
    }

    private record Subscription(String filter, QoS qos, TopicIdType topicIdType) {
    }
}
