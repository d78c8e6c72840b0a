package io.sngate.gateway.session;

import io.sngate.codec.QoS;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.PubComp;
import io.sngate.codec.v12.PubRec;
import io.sngate.codec.v12.PubRel;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.gateway.session.ClientSession.Counters;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The device's PUBLISH on its way to the broker, and the gateway's receiver side of QoS 2
 * (spec §6.6). A QoS 1/2 PUBLISH is answered (PUBACK, PUBREC) only when the broker has it
 * (DESIGN rule 4), and a QoS 2 message reaches the broker once: a resend while its exchange
 * is open is not forwarded again, nor is a late copy of one that completed.
 *
 * <p>QoS 2 is <em>chained</em>: the device's exchange and the broker's move in step, so that
 * the broker's session always holds the exchange where the device does. PUBREC goes to the
 * device at the broker's PUBREC ({@link UpstreamEvent.PublishReceived}); the device's PUBREL is
 * released upstream ({@link Effect.Release}); PUBCOMP goes to the device at the broker's
 * PUBCOMP. Every publish carries the device's message id, which transparent mode uses as the
 * packet id of the device's broker session: after a gateway crash the device's DUP PUBLISH (or
 * its PUBREL) finds the broker's state for that packet id, and nothing is delivered twice. A
 * PUBREL for an exchange this session does not know (begun before a restart) is therefore
 * released upstream too, and answered when the broker has answered.
 */
final class PublishFromDevice {

    /** Completed QoS 2 exchanges remembered at most, the oldest forgotten first. */
    private static final int MAX_COMPLETED_QOS2 = 64;

    private final SessionContext ctx;
    private final TopicRegistration topics;
    private Map<Long, InboundPublish> publishesByToken = SparseMaps.none();
    private Map<Integer, InboundPublish> qos2ByMsgId = SparseMaps.none();
    /**
     * QoS 2 exchanges completed with PUBCOMP, by msgId: until when a copy of that PUBLISH is a
     * late duplicate (one the network delayed past the whole exchange), not a new message.
     */
    private Map<Integer, CompletedQos2> completedQos2 = SparseMaps.none();

    PublishFromDevice(SessionContext ctx, TopicRegistration topics) {
        this.ctx = ctx;
        this.topics = topics;
    }

    /** QoS 1/2 PUBLISHes handed upstream whose broker acknowledgement has not come yet. */
    int inFlight() {
        return publishesByToken.size();
    }

    void onPublish(Publish publish, long now, Consumer<Effect> out) {
        String topic = topics.topicOf(publish);
        if (topic == null) {
            out.accept(new Effect.Discard(Counters.INVALID_TOPIC, TopicRegistration.label(publish),
                    "PUBLISH to an unknown topic id"));
            out.accept(new Effect.SendToDevice(
                    new PubAck(publish.topicId(), publish.msgId(), ReturnCode.REJECTED_INVALID_TOPIC_ID)));
            return;
        }
        if (!ctx.policy.mayPublish(topic)) {
            out.accept(new Effect.Discard(Counters.DENIED, topic, "PUBLISH denied: the devices file does not let this "
                    + "client publish there"));
            out.accept(new Effect.SendToDevice(
                    new PubAck(publish.topicId(), publish.msgId(), ReturnCode.REJECTED_NOT_SUPPORTED)));
            return;
        }
        switch (publish.qos()) {
            case AT_MOST_ONCE, MINUS_ONE -> out.accept(
                    new Effect.Publish(0, topic, publish.data(), QoS.AT_MOST_ONCE, publish.retain(), 0));
            case AT_LEAST_ONCE -> {
                if (publishesByToken.size() >= ctx.config.maxInflightUpstream()) {
                    rejectBusy(publish, topic, out);
                    return;
                }
                long token = ctx.nextToken();
                publishesByToken = SparseMaps.writable(publishesByToken);
                publishesByToken.put(token, new InboundPublish(publish.topicId(), publish.msgId(), QoS.AT_LEAST_ONCE));
                out.accept(new Effect.Publish(token, topic, publish.data(), QoS.AT_LEAST_ONCE, publish.retain(),
                        publish.msgId()));
            }
            case EXACTLY_ONCE -> {
                if (isLateDuplicate(publish, now)) {
                    // Forwarding it would deliver the message twice; the device already has its PUBCOMP.
                    out.accept(new Effect.Discard(Counters.QOS2_LATE_DUPLICATE, topic,
                            "DUP copy of QoS 2 msgId " + publish.msgId() + " after its exchange completed"));
                    return;
                }
                InboundPublish known = qos2ByMsgId.get(publish.msgId());
                if (known != null && known.releaseOnly) {
                    // Its PUBREL came first (a resumed exchange): the message is past PUBREC.
                    out.accept(new Effect.SendToDevice(new PubRec(publish.msgId())));
                    return;
                }
                if (known != null) {
                    // A resend: the broker has (or is getting) it once already.
                    if (known.brokerHasIt) {
                        out.accept(new Effect.SendToDevice(new PubRec(publish.msgId())));
                    }
                    return;
                }
                if (publishesByToken.size() >= ctx.config.maxInflightUpstream()) {
                    rejectBusy(publish, topic, out);
                    return;
                }
                long token = ctx.nextToken();
                InboundPublish inbound = new InboundPublish(publish.topicId(), publish.msgId(), QoS.EXACTLY_ONCE);
                inbound.fingerprint = CompletedQos2.fingerprint(publish);
                inbound.token = token;
                track(token, inbound);
                out.accept(new Effect.Publish(token, topic, publish.data(), QoS.EXACTLY_ONCE, publish.retain(),
                        publish.msgId()));
            }
        }
    }

    void onPubRel(PubRel pubRel, long now, Consumer<Effect> out) {
        int msgId = pubRel.msgId();
        InboundPublish inbound = qos2ByMsgId.get(msgId);
        if (inbound == null) {
            CompletedQos2 done = completedQos2.get(msgId);
            if (done != null && done.until() > now) {
                out.accept(new Effect.SendToDevice(new PubComp(msgId))); // our PUBCOMP was lost
                return;
            }
            // An exchange begun before this session (a gateway restart, or an upstream
            // connection that ended for good after PUBREC): the broker may hold it at PUBREL.
            long token = ctx.nextToken();
            InboundPublish resumed = new InboundPublish(0, msgId, QoS.EXACTLY_ONCE);
            resumed.token = token;
            resumed.brokerHasIt = true;
            resumed.released = true;
            resumed.releaseOnly = true;
            track(token, resumed);
            out.accept(new Effect.Count(Counters.QOS2_RELEASE_RESUMED,
                    "PUBREL for msg id " + msgId + " of an exchange begun before this session"));
            out.accept(new Effect.Release(token, msgId));
            return;
        }
        if (!inbound.brokerHasIt) {
            return; // PUBREC not sent yet, so this PUBREL is premature; the device will resend
        }
        if (inbound.brokerDone) {
            // The upstream finished the broker's exchange by itself: nothing is left to release.
            complete(inbound, now, out);
            return;
        }
        if (!inbound.released) {
            inbound.released = true;
            out.accept(new Effect.Release(inbound.token, msgId));
        }
        // else: a resent PUBREL while the broker's PUBCOMP is on its way; PUBCOMP answers both.
    }

    /** The broker has a chained QoS 2 publish (its PUBREC): now the device gets PUBREC. */
    void onPublishReceived(UpstreamEvent.PublishReceived received, Consumer<Effect> out) {
        InboundPublish inbound = publishesByToken.get(received.token());
        if (inbound == null || inbound.brokerHasIt) {
            return;
        }
        inbound.brokerHasIt = true;
        ctx.sendIfReachable(new PubRec(inbound.msgId), out);
    }

    /**
     * The broker's answer to a QoS 1/2 publish: now the device gets its PUBACK, or for QoS 2 its
     * PUBCOMP (the broker's PUBCOMP), or PUBREC when the upstream completed the broker's whole
     * exchange by itself.
     */
    void onPublishDone(UpstreamEvent.PublishDone done, long now, Consumer<Effect> out) {
        InboundPublish inbound = publishesByToken.remove(done.token());
        if (inbound == null) {
            return;
        }
        if (done.failure().isPresent()) {
            if (qos2ByMsgId.get(inbound.msgId) == inbound) {
                qos2ByMsgId.remove(inbound.msgId);
            }
            if (inbound.brokerHasIt) {
                // The device has PUBREC; its next PUBREL is released again, on the connection
                // the gateway has then (the broker keeps the exchange in the device's session).
                out.accept(new Effect.Count(Counters.QOS2_RELEASE_FAILED, "PUBREL of msg id " + inbound.msgId
                        + " not completed upstream (" + done.failure().get() + "); the device's next PUBREL retries"));
                return;
            }
            ReturnCode rc = done.failure().get() == DeliveryFailure.CONGESTION
                    ? ReturnCode.REJECTED_CONGESTION : ReturnCode.REJECTED_NOT_SUPPORTED;
            ctx.sendIfReachable(new PubAck(inbound.topicId, inbound.msgId, rc), out);
        } else if (inbound.qos == QoS.AT_LEAST_ONCE) {
            ctx.sendIfReachable(new PubAck(inbound.topicId, inbound.msgId, ReturnCode.ACCEPTED), out);
        } else if (inbound.released) {
            complete(inbound, now, out);
        } else {
            inbound.brokerDone = true;
            if (!inbound.brokerHasIt) {
                inbound.brokerHasIt = true;
                ctx.sendIfReachable(new PubRec(inbound.msgId), out);
            }
        }
    }

    private void complete(InboundPublish inbound, long now, Consumer<Effect> out) {
        if (qos2ByMsgId.get(inbound.msgId) == inbound) {
            qos2ByMsgId.remove(inbound.msgId);
        }
        if (!inbound.releaseOnly) {
            rememberCompleted(inbound, now);
        }
        ctx.sendIfReachable(new PubComp(inbound.msgId), out);
    }

    /**
     * A new connection: answers still due from the old one must not reach it (the device resends
     * what it still waits for), and a restarted device may number its messages from 1 again. A
     * QoS 2 message the broker has stays known, so its resend is answered, not forwarded again.
     */
    void restart() {
        publishesByToken.clear();
        // Kept: PUBREC sent, the broker's own exchange not done. The new connection knows none
        // of their tokens, so the device's PUBREL is released there by message id (a resumed
        // exchange); the broker's PUBREL-waiting state for that packet id answers it.
        qos2ByMsgId.values().removeIf(inbound -> !inbound.brokerHasIt || inbound.releaseOnly);
        for (InboundPublish kept : qos2ByMsgId.values()) {
            kept.released = false;
            kept.token = ctx.nextToken();
            publishesByToken = SparseMaps.writable(publishesByToken);
            publishesByToken.put(kept.token, kept);
        }
        completedQos2.clear();
    }

    /** A clean session keeps no exchange. */
    void clear() {
        qos2ByMsgId.clear();
    }

    /** A QoS 2 exchange in progress, by its token and by the device's message id. */
    private void track(long token, InboundPublish inbound) {
        publishesByToken = SparseMaps.writable(publishesByToken);
        qos2ByMsgId = SparseMaps.writable(qos2ByMsgId);
        publishesByToken.put(token, inbound);
        qos2ByMsgId.put(inbound.msgId, inbound);
    }

    private void rejectBusy(Publish publish, String topic, Consumer<Effect> out) {
        out.accept(new Effect.Discard(Counters.UPSTREAM_BUSY, topic,
                "too many publishes awaiting the broker; device told to back off"));
        out.accept(new Effect.SendToDevice(
                new PubAck(publish.topicId(), publish.msgId(), ReturnCode.REJECTED_CONGESTION)));
    }

    /** A device retries for at most T_RETRY x (N_RETRY + 1): past that no copy can still be on its way. */
    private void rememberCompleted(InboundPublish done, long now) {
        completedQos2.values().removeIf(c -> c.until() <= now);
        completedQos2.remove(done.msgId);
        completedQos2 = SparseMaps.writableLinked(completedQos2);
        completedQos2.put(done.msgId, new CompletedQos2(ctx.retryWindowEnd(now), done.fingerprint));
        if (completedQos2.size() > MAX_COMPLETED_QOS2) {
            completedQos2.remove(completedQos2.keySet().iterator().next());
        }
    }

    /**
     * A copy of a completed exchange's PUBLISH: the same msgId and, unless the device marked it
     * DUP, the same topic and payload. The original itself (DUP 0) can be the late one, when the
     * network duplicated it and held one copy back; a device that reuses the msgId for a new
     * message within the window sends other content (or restarted with a new CONNECT, which
     * clears the window).
     */
    private boolean isLateDuplicate(Publish publish, long now) {
        CompletedQos2 done = completedQos2.get(publish.msgId());
        return done != null && done.until() > now
                && (publish.dup() || done.fingerprint() == CompletedQos2.fingerprint(publish));
    }

    /** A device's QoS 1/2 publish waiting for the broker. */
    private static final class InboundPublish {
        final int topicId;
        final int msgId;
        final QoS qos;
        long token;
        /** The device has PUBREC (sent at the broker's PUBREC, or at its PUBCOMP when not chained). */
        boolean brokerHasIt;
        /** The device's PUBREL was released upstream; PUBCOMP follows the broker's. */
        boolean released;
        /** The upstream finished the broker's exchange by itself: the device's PUBREL is answered at once. */
        boolean brokerDone;
        /** Only a PUBREL is known: an exchange begun before this session. */
        boolean releaseOnly;
        /** QoS 2 only: {@link CompletedQos2#fingerprint} of the PUBLISH. */
        long fingerprint;

        InboundPublish(int topicId, int msgId, QoS qos) {
            this.topicId = topicId;
            this.msgId = msgId;
            this.qos = qos;
        }
    }

    /** @param fingerprint topic and payload of the PUBLISH, to recognise a late copy without DUP */
    private record CompletedQos2(long until, long fingerprint) {
        static long fingerprint(Publish publish) {
            long topic = ((long) publish.topicIdType().ordinal() << 16) | publish.topicId();
            return (topic << 32) ^ (publish.data().hashCode() & 0xFFFFFFFFL) ^ (publish.retain() ? 1L << 62 : 0L);
        }
    }
}
