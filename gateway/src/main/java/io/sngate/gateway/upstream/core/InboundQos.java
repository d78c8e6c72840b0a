package io.sngate.gateway.upstream.core;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.gateway.session.UpstreamEvent;
import java.util.HashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Messages from the broker: each gets a delivery id the owner acknowledges once the message is
 * safe (PUBACK for QoS 1, PUBREC for QoS 2; the broker's PUBREL is then answered with PUBCOMP
 * here). At most the Receive Maximum we announced is unacknowledged; a broker sending more is
 * disconnected with 0x93. A QoS 2 message the broker sends again before its PUBREL is not
 * delivered twice.
 */
final class InboundQos {

    private static final Logger LOG = LoggerFactory.getLogger(InboundQos.class);

    /** A QoS 1/2 message from the broker that is not done yet. */
    private static final class Inbound {
        final long deliveryId;
        final int packetId;
        final int qos;
        /** The owner acknowledged it (QoS 2: PUBREC sent or to be sent). */
        boolean acknowledged;

        Inbound(long deliveryId, int packetId, int qos) {
            this.deliveryId = deliveryId;
            this.packetId = packetId;
            this.qos = qos;
        }
    }

    private final CoreContext ctx;
    private final int receiveMaximum;
    private long nextDeliveryId = 1;
    private final HashMap<Long, Inbound> unacknowledged = new HashMap<>();
    /** QoS 2 messages by the broker's packet id, until PUBREL. */
    private final HashMap<Integer, Inbound> qos2ByPacketId = new HashMap<>();
    private int unacknowledgedQos1;

    InboundQos(CoreContext ctx, int receiveMaximum) {
        this.ctx = ctx;
        this.receiveMaximum = receiveMaximum;
    }

    /** QoS 1/2 messages not completely acknowledged. */
    int pending() {
        return unacknowledgedQos1 + qos2ByPacketId.size();
    }

    void onPublish(MqttPublishMessage msg) {
        int qos = msg.fixedHeader().qosLevel().value();
        String topic = msg.variableHeader().topicName();
        boolean retain = msg.fixedHeader().isRetain();
        if (qos > 0 && !ctx.connected()) {
            // After our DISCONNECT (will update): the broker keeps it in the session and re-sends it.
            return;
        }
        ClientCounters counters = ctx.counters();
        if (qos == 0) {
            counters.messagesIn++;
            deliver(nextDeliveryId++, topic, msg, 0, retain);
            return;
        }
        int packetId = msg.variableHeader().packetId();
        if (qos == 2) {
            Inbound known = qos2ByPacketId.get(packetId);
            if (known != null) {
                counters.duplicatesSuppressed++;
                if (known.acknowledged) {
                    ctx.send(Packets.pubReply(MqttMessageType.PUBREC, packetId, (byte) 0));
                }
                return;
            }
        }
        if (pending() >= receiveMaximum) {
            ctx.protocolError(Packets.RECEIVE_MAXIMUM_EXCEEDED, "broker exceeded our receive maximum of "
                    + receiveMaximum + " (topic '" + topic + "')");
            return;
        }
        Inbound in = new Inbound(nextDeliveryId++, packetId, qos);
        unacknowledged.put(in.deliveryId, in);
        if (qos == 1) {
            unacknowledgedQos1++;
        } else {
            qos2ByPacketId.put(packetId, in);
        }
        counters.messagesIn++;
        deliver(in.deliveryId, topic, msg, qos, retain);
    }

    private void deliver(long deliveryId, String topic, MqttPublishMessage msg, int qos, boolean retain) {
        // A copy: the packet's buffer goes back to Netty once the input is handled.
        Bytes payload = Bytes.wrap(ByteBufUtil.getBytes(msg.payload()));
        boolean dup = qos > 0 && msg.fixedHeader().isDup();
        ctx.event(new UpstreamEvent.Message(deliveryId, topic, payload, QoS.ofLevel(qos), retain, dup));
    }

    /**
     * The owner has message {@code deliveryId} safe. Unknown ids, QoS 0 ids and QoS 1 ids from
     * before a reconnection are ignored (the broker redelivers such QoS 1 messages under a new
     * id). A QoS 2 id stays valid across reconnections while the broker session lives: the broker
     * re-sends the PUBLISH, it is not delivered again, and this acknowledgement answers it.
     */
    void acknowledge(long deliveryId) {
        Inbound in = unacknowledged.remove(deliveryId);
        if (in == null) {
            ctx.counters().staleAcknowledgements++;
            LOG.debug("upstream {}: acknowledgement of unknown or stale delivery {} ignored", ctx.clientId(),
                    deliveryId);
            return;
        }
        if (in.qos == 1) {
            unacknowledgedQos1--;
            if (ctx.connected()) {
                ctx.send(Packets.pubReply(MqttMessageType.PUBACK, in.packetId, (byte) 0));
            }
        } else {
            in.acknowledged = true;
            if (ctx.connected()) {
                ctx.send(Packets.pubReply(MqttMessageType.PUBREC, in.packetId, (byte) 0));
            }
        }
    }

    void onPubRel(int packetId) {
        Inbound in = qos2ByPacketId.remove(packetId);
        if (in != null) {
            unacknowledged.remove(in.deliveryId);
        }
        if (ctx.connected()) {
            ctx.send(Packets.pubReply(MqttMessageType.PUBCOMP, packetId, in == null ? Packets.PACKET_ID_NOT_FOUND : 0));
        }
    }

    /** A connection was accepted: without session state the broker will not come back for any of these. */
    void onConnected(boolean sessionPresent) {
        if (!sessionPresent) {
            clear();
        }
    }

    /** QoS 1 deliveries of a lost connection: the broker redelivers them, old ids are stale. */
    void forgetQos1() {
        if (unacknowledgedQos1 == 0) {
            return;
        }
        unacknowledged.values().removeIf(in -> in.qos == 1);
        unacknowledgedQos1 = 0;
    }

    void clear() {
        unacknowledged.clear();
        qos2ByPacketId.clear();
        unacknowledgedQos1 = 0;
    }
}
