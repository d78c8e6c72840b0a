package io.sngate.gateway.upstream.core;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.sngate.codec.QoS;
import io.sngate.gateway.session.DeliveryFailure;
import io.sngate.gateway.session.UpstreamEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Our requests to the broker: a bounded FIFO queue, and the window in flight. The window holds
 * at most the broker's Receive Maximum of QoS 1/2 publishes (MQTT 5 §4.9), and never sends
 * while the socket pushes back. After a reconnection what was in flight is re-sent (PUBLISH
 * with DUP when the broker kept the session, PUBREL where its PUBREC had come), before anything
 * new; {@link CulpritSearch} decides when that happens one request at a time.
 *
 * <p>A QoS 2 publish may be <em>chained</em> to its device's own exchange: the owner hears
 * {@link UpstreamEvent.PublishReceived} at the broker's PUBREC, and PUBREL goes only once the
 * owner {@link #release releases} it (the device's PUBREL). With the device's message id as the
 * packet id, the broker's session then holds the exchange at the same point as the device does,
 * so a gateway restart in the middle loses nothing and duplicates nothing.
 *
 * <p>Every QoS 1/2 publish, subscribe and unsubscribe completes exactly once; a QoS 0 publish
 * completes only when it could not be sent. Failures are counted and logged at WARN.
 */
final class OutboundWindow {

    private static final Logger DISCARD_LOG = LoggerFactory.getLogger("io.sngate.gateway.discard");
    private static final int MAX_PACKET_ID = 0xFFFF;

    private final CoreContext ctx;
    private final int maxQueued;
    final CulpritSearch culprits;
    private final ArrayDeque<Request> queue = new ArrayDeque<>();
    final LinkedHashMap<Integer, Request> inFlight = new LinkedHashMap<>();
    /** Chained QoS 2 publishes in flight, by token, for {@link #release}. */
    private final HashMap<Long, Request> chained = new HashMap<>();
    /** In-flight requests to re-send after a reconnection, waiting for send quota. */
    final ArrayDeque<Request> resend = new ArrayDeque<>();
    /** Whether the PUBLISHes in {@link #resend} go with DUP (the broker kept the session). */
    private boolean resendDup;
    /** QoS 1/2 publishes counting against the broker's Receive Maximum now. */
    int inFlightPublishes;
    private int nextPacketId = 1;
    private BrokerLimits limits = BrokerLimits.unlimited(0);
    /** Counts CONNACKs: tells the requests written on the current network connection. */
    long connectionNumber;

    OutboundWindow(CoreContext ctx, int maxQueued) {
        this.ctx = ctx;
        this.maxQueued = maxQueued;
        this.culprits = new CulpritSearch(ctx, this);
    }

    int queued() {
        return queue.size();
    }

    int inFlight() {
        return inFlight.size();
    }

    // ------------------------------------------------------------------ requests

    void submit(Request r) {
        if (ctx.state() == ClientState.CLOSED) {
            reject(r, "connection closed");
            return;
        }
        if (queue.isEmpty() && resend.isEmpty() && canSendNow(r)) {
            send(r);
            return;
        }
        if (queue.size() >= maxQueued) {
            reject(r, "queue full (" + maxQueued + " requests, state " + ctx.state() + ")");
            return;
        }
        queue.add(r);
    }

    /**
     * The owner's device sent PUBREL for the chained publish {@code token}: PUBREL goes to the
     * broker now, or when the connection is back. A token this connection does not know is an
     * exchange begun before a gateway restart: its PUBREL goes with {@code packetId} (the
     * device's message id), and the broker answers PUBCOMP whether or not it still holds it.
     */
    void release(long token, int packetId) {
        Request r = chained.get(token);
        if (r == null) {
            if (packetId > 0) {
                submit(Request.release(token, packetId));
            } else {
                ctx.event(new UpstreamEvent.PublishDone(token, Optional.empty()));
            }
            return;
        }
        if (r.released) {
            return;
        }
        r.released = true;
        if (r.pubrecReceived && ctx.connected() && r.writtenOn == connectionNumber && !resend.contains(r)) {
            ctx.send(Packets.pubReply(MqttMessageType.PUBREL, r.packetId, (byte) 0));
        }
        // Otherwise the re-send after the reconnection carries it (PUBLISH again if the broker lost it).
    }

    private boolean canSendNow(Request r) {
        // While probing nothing new goes, QoS 0 included: it could be what the broker refuses.
        if (!ctx.connected() || culprits.probing() || !ctx.writable()) {
            return false;
        }
        if (r.kind == Request.Kind.PUBLISH && r.qos == 0) {
            return true;
        }
        if (inFlight.size() >= MAX_PACKET_ID) {
            return false;
        }
        if (r.fixedPacketId != 0 && inFlight.containsKey(r.fixedPacketId)) {
            return false; // its id is still taken: it waits, and so does what is behind it (order)
        }
        return !r.countsAgainstReceiveMaximum() || inFlightPublishes < limits.sendQuota();
    }

    /** Sends what the window, the send quota and the socket allow, in order. */
    void drain() {
        if (!ctx.connected()) {
            return;
        }
        if (culprits.probing()) {
            culprits.probeNext();
            if (culprits.probing()) {
                return;
            }
        }
        if (!resend.isEmpty()) {
            sendResends();
            if (!resend.isEmpty()) {
                return;
            }
        }
        while (!queue.isEmpty() && canSendNow(queue.peek())) {
            send(queue.poll());
        }
    }

    private void send(Request r) {
        if (r.kind == Request.Kind.PUBLISH) {
            if (!r.releaseOnly()) {
                String problem = limits.publishProblem(r);
                if (problem != null) {
                    refuse(r, problem);
                    return;
                }
                ctx.counters().messagesOut++;
                if (r.qos == 0) {
                    ctx.send(Packets.publish(r, false));
                    return;
                }
            }
            takeQuota(r);
        }
        r.packetId = r.fixedPacketId != 0 ? r.fixedPacketId : allocatePacketId();
        r.writtenOn = connectionNumber;
        inFlight.put(r.packetId, r);
        if (r.awaitRelease) {
            chained.put(r.token, r);
        }
        ctx.send(packetFor(r, false));
    }

    /** The packet that carries {@code r} now, or null while a chained QoS 2 waits for its release. */
    private MqttMessage packetFor(Request r, boolean dup) {
        return switch (r.kind) {
            case PUBLISH -> !r.pubrecReceived ? Packets.publish(r, dup)
                    : r.released ? Packets.pubReply(MqttMessageType.PUBREL, r.packetId, (byte) 0) : null;
            case SUBSCRIBE -> Packets.subscribe(r);
            case UNSUBSCRIBE -> Packets.unsubscribe(r);
        };
    }

    private int allocatePacketId() {
        for (int i = 0; i < MAX_PACKET_ID; i++) {
            int id = nextPacketId;
            nextPacketId = id == MAX_PACKET_ID ? 1 : id + 1;
            if (!inFlight.containsKey(id)) {
                return id;
            }
        }
        throw new IllegalStateException("no free packet identifier"); // canSendNow prevents this
    }

    // ------------------------------------------------------------------ connections

    /** A CONNACK accepted a connection; after the first one, what was in flight goes again. */
    void onConnected(BrokerLimits brokerLimits, boolean sessionPresent, boolean first) {
        limits = brokerLimits;
        connectionNumber++;
        if (!first) {
            retransmitInFlight(sessionPresent);
        }
    }

    /**
     * After a reconnection: unacknowledged PUBLISH with DUP, pending PUBREL, SUBSCRIBE and
     * UNSUBSCRIBE again, sent by {@link #drain()}; one at a time while any of them is a suspect.
     */
    private void retransmitInFlight(boolean sessionPresent) {
        resend.clear();
        culprits.reset();
        int suspects = 0;
        for (Request r : inFlight.values()) {
            if (!sessionPresent && r.pubrecReceived && !r.releaseOnly()) {
                // The broker lost the QoS 2 state: only a new PUBLISH gets the message there.
                r.pubrecReceived = false;
            }
            if (r.suspect) {
                suspects++;
            }
            r.holdsQuota = false;
            resend.add(r);
        }
        // The send quota starts afresh with each network connection (MQTT 5 §4.9).
        inFlightPublishes = 0;
        resendDup = sessionPresent;
        if (suspects > 0) {
            culprits.begin(suspects, inFlight.size());
        }
    }

    private void sendResends() {
        while (!resend.isEmpty()) {
            Request r = resend.peek();
            if (inFlight.get(r.packetId) != r) {
                resend.poll(); // answered meanwhile
                continue;
            }
            if (r.countsAgainstReceiveMaximum()) {
                if (inFlightPublishes >= limits.sendQuota()) {
                    return;
                }
                takeQuota(r);
            }
            resend.poll();
            resendOne(r);
        }
    }

    /** Writes {@code r} again; false when nothing was written (a chained QoS 2 awaiting release). */
    boolean resendOne(Request r) {
        r.writtenOn = connectionNumber;
        MqttMessage packet = packetFor(r, resendDup);
        if (packet == null) {
            return false;
        }
        ctx.counters().retransmissions++;
        ctx.send(packet);
        return true;
    }

    /** The connection is gone; what its end says about the outstanding requests is weighed first. */
    void onConnectionLost(Evidence evidence, String detail) {
        culprits.weigh(evidence, detail);
        resend.clear();
        culprits.reset();
    }

    /** The connection is over for good: everything waiting fails with CONGESTION. */
    void failEverything(String detail) {
        List<Request> failed = new ArrayList<>(inFlight.values());
        failed.addAll(queue);
        inFlight.clear();
        queue.clear();
        resend.clear();
        chained.clear();
        culprits.reset();
        inFlightPublishes = 0;
        for (Request r : failed) {
            r.holdsQuota = false;
            ctx.counters().requestsFailedOnClose++;
            if (r.kind == Request.Kind.PUBLISH) {
                DISCARD_LOG.warn("upstream {}: {} '{}' failed: connection ended ({})", ctx.clientId(), r.describe(),
                        r.topic, detail);
            }
            complete(r, Optional.of(DeliveryFailure.CONGESTION), Optional.empty());
        }
    }

    // ------------------------------------------------------------------ answers

    void onPubAck(int packetId, int reason) {
        Request r = inFlight.get(packetId);
        if (r == null || r.kind != Request.Kind.PUBLISH || r.qos != 1) {
            ctx.protocolError(Packets.PROTOCOL_ERROR, "PUBACK for unknown packet id " + packetId);
            return;
        }
        inFlight.remove(packetId);
        publishDone(r, reason);
    }

    void onPubRec(int packetId, int reason) {
        Request r = inFlight.get(packetId);
        if (r == null || r.kind != Request.Kind.PUBLISH || r.qos != 2) {
            if (ctx.connected()) {
                ctx.send(Packets.pubReply(MqttMessageType.PUBREL, packetId, Packets.PACKET_ID_NOT_FOUND));
            }
            return;
        }
        if (reason >= 0x80) {
            inFlight.remove(packetId);
            publishDone(r, reason);
            return;
        }
        r.pubrecReceived = true;
        if (r.released) {
            if (ctx.connected()) {
                ctx.send(Packets.pubReply(MqttMessageType.PUBREL, packetId, (byte) 0));
            }
            return;
        }
        if (!r.receivedReported) {
            r.receivedReported = true;
            ctx.event(new UpstreamEvent.PublishReceived(r.token));
        }
        drain(); // a probe waiting for its device's release is answered as far as the broker goes
    }

    void onPubComp(int packetId, int reason) {
        Request r = inFlight.get(packetId);
        if (r == null || r.kind != Request.Kind.PUBLISH || r.qos != 2) {
            ctx.protocolError(Packets.PROTOCOL_ERROR, "PUBCOMP for unknown packet id " + packetId);
            return;
        }
        inFlight.remove(packetId);
        // PUBCOMP only ends the exchange: the broker accepted the message at its PUBREC, and 0x92
        // (packet id not found) says it had already completed it, e.g. before a gateway restart.
        publishDone(r, 0);
    }

    /** {@code r} takes one of the broker's Receive Maximum slots on this connection. */
    void takeQuota(Request r) {
        inFlightPublishes++;
        r.holdsQuota = true;
    }

    private void publishDone(Request r, int reason) {
        // Only a request re-sent on this connection holds a slot: an answer to one still waiting
        // to be re-sent frees none (the broker should not send it, but one that does must not
        // let the window grow past its Receive Maximum).
        if (r.holdsQuota) {
            r.holdsQuota = false;
            inFlightPublishes--;
        }
        if (r.awaitRelease) {
            chained.remove(r.token);
        }
        if (reason >= 0x80) {
            refusedByBroker(r, String.format("broker answered 0x%02X", reason));
        } else {
            ctx.counters().publishesCompleted++;
            ctx.event(new UpstreamEvent.PublishDone(r.token, Optional.empty()));
        }
        drain();
    }

    void onSubAck(MqttSubAckMessage msg) {
        int packetId = msg.variableHeader().messageId();
        Request r = inFlight.get(packetId);
        if (r == null || r.kind != Request.Kind.SUBSCRIBE) {
            ctx.protocolError(Packets.PROTOCOL_ERROR, "SUBACK for unknown packet id " + packetId);
            return;
        }
        inFlight.remove(packetId);
        List<Integer> codes = msg.payload().reasonCodes();
        int code = codes.isEmpty() ? 0x80 : codes.get(0);
        if (code <= 2) {
            complete(r, Optional.empty(), Optional.of(code));
        } else {
            refusedByBroker(r, String.format("broker answered 0x%02X", code));
        }
        drain();
    }

    void onUnsubAck(MqttUnsubAckMessage msg) {
        int packetId = msg.variableHeader().messageId();
        Request r = inFlight.get(packetId);
        if (r == null || r.kind != Request.Kind.UNSUBSCRIBE) {
            ctx.protocolError(Packets.PROTOCOL_ERROR, "UNSUBACK for unknown packet id " + packetId);
            return;
        }
        inFlight.remove(packetId);
        List<Short> codes = msg.payload() == null ? List.of() : msg.payload().unsubscribeReasonCodes();
        int code = codes.isEmpty() ? 0 : codes.get(0) & 0xFF;
        if (code >= 0x80) {
            // The owner hears Unsubscribed either way (MQTT-SN has no failure to report for it).
            refusedByBroker(r, String.format("broker answered 0x%02X", code));
        } else {
            complete(r, Optional.empty(), Optional.empty());
        }
        drain();
    }

    // ------------------------------------------------------------------ outcomes

    void reject(Request r, String why) {
        ctx.counters().requestsRejectedCongestion++;
        DISCARD_LOG.warn("upstream {}: {} '{}' rejected with CONGESTION: {}", ctx.clientId(), r.describe(), r.topic,
                why);
        complete(r, Optional.of(DeliveryFailure.CONGESTION), Optional.empty());
    }

    void refusedByBroker(Request r, String why) {
        ctx.counters().refusedByBroker++;
        refuse(r, why);
    }

    void refuse(Request r, String why) {
        ctx.counters().requestsRefused++;
        DISCARD_LOG.warn("upstream {}: {} '{}' refused: {}", ctx.clientId(), r.describe(), r.topic, why);
        complete(r, Optional.of(DeliveryFailure.REFUSED), Optional.empty());
    }

    private void complete(Request r, Optional<DeliveryFailure> failure, Optional<Integer> granted) {
        if (r.awaitRelease) {
            chained.remove(r.token);
        }
        ctx.event(switch (r.kind) {
            case PUBLISH -> new UpstreamEvent.PublishDone(r.token, failure);
            case SUBSCRIBE -> new UpstreamEvent.Subscribed(r.token, granted.map(QoS::ofLevel), failure);
            case UNSUBSCRIBE -> new UpstreamEvent.Unsubscribed(r.token);
        });
    }
}
