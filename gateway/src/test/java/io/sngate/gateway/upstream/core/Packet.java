package io.sngate.gateway.upstream.core;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.sngate.codec.Bytes;

/**
 * A packet the client core wrote, as a value: the fields of netty-codec-mqtt's message that the
 * tests compare, so that {@code assertThat(sent()).containsExactly(Packet.publish(1, "a/b", 1, "m1"),
 * Packet.pubRel(2))} checks type, packet id, DUP and reason code at once. Fields a type does not
 * have are 0, false or null; {@code sessionExpiry} is -1 when the property is absent.
 *
 * @param topic   PUBLISH: the topic; SUBSCRIBE / UNSUBSCRIBE: the (only) filter; CONNECT: the will topic
 * @param payload PUBLISH: the payload; CONNECT: the will payload
 * @param qos     PUBLISH: its QoS; SUBSCRIBE: the QoS asked for; CONNECT: the will QoS
 * @param reason  PUBACK, PUBREC, PUBREL, PUBCOMP, DISCONNECT: the reason code
 */
record Packet(MqttMessageType type, int packetId, boolean dup, int qos, boolean retain, String topic, Bytes payload,
              int reason, boolean cleanStart, long sessionExpiry) {

    /** The value of what the core handed to {@link CoreOutput}. */
    static Packet of(MqttMessage msg) {
        MqttMessageType type = msg.fixedHeader().messageType();
        if (msg instanceof MqttPublishMessage p) {
            return new Packet(type, p.variableHeader().packetId(), p.fixedHeader().isDup(),
                    p.fixedHeader().qosLevel().value(), p.fixedHeader().isRetain(), p.variableHeader().topicName(),
                    Bytes.wrap(ByteBufUtil.getBytes(p.payload())), 0, false, -1);
        }
        if (msg instanceof MqttConnectMessage c) {
            boolean will = c.variableHeader().isWillFlag();
            return new Packet(type, 0, false, will ? c.variableHeader().willQos() : 0,
                    will && c.variableHeader().isWillRetain(), will ? c.payload().willTopic() : null,
                    will ? Bytes.wrap(c.payload().willMessageInBytes()) : null, 0, c.variableHeader().isCleanSession(),
                    -1);
        }
        if (msg instanceof MqttSubscribeMessage s) {
            MqttTopicSubscription first = s.payload().topicSubscriptions().get(0);
            return new Packet(type, s.variableHeader().messageId(), false, first.qualityOfService().value(), false,
                    first.topicFilter(), null, 0, false, -1);
        }
        if (msg instanceof MqttUnsubscribeMessage u) {
            return new Packet(type, u.variableHeader().messageId(), false, 0, false, u.payload().topics().get(0), null,
                    0, false, -1);
        }
        Object header = msg.variableHeader();
        if (header instanceof MqttPubReplyMessageVariableHeader r) {
            return simple(type, r.messageId(), r.reasonCode() & 0xFF);
        }
        if (header instanceof MqttMessageIdVariableHeader id) {
            return simple(type, id.messageId(), 0);
        }
        if (header instanceof MqttReasonCodeAndPropertiesVariableHeader r) {
            MqttProperties.MqttProperty<?> expiry =
                    r.properties().getProperty(MqttPropertyType.SESSION_EXPIRY_INTERVAL.value());
            return new Packet(type, 0, false, 0, false, null, null, r.reasonCode() & 0xFF, false,
                    expiry == null ? -1 : Integer.toUnsignedLong((Integer) expiry.value()));
        }
        return simple(type, 0, 0);
    }

    private static Packet simple(MqttMessageType type, int packetId, int reason) {
        return new Packet(type, packetId, false, 0, false, null, null, reason, false, -1);
    }

    // ------------------------------------------------------------------ what the tests expect

    /** CONNECT without a will. */
    static Packet connect(boolean cleanStart) {
        return new Packet(MqttMessageType.CONNECT, 0, false, 0, false, null, null, 0, cleanStart, -1);
    }

    /** CONNECT with a will (UTF-8 text payload). */
    static Packet connect(boolean cleanStart, String willTopic, String willPayload, int willQos, boolean willRetain) {
        return new Packet(MqttMessageType.CONNECT, 0, false, willQos, willRetain, willTopic, Bytes.utf8(willPayload), 0,
                cleanStart, -1);
    }

    /** PUBLISH without DUP and retain, with a UTF-8 text payload. */
    static Packet publish(int packetId, String topic, int qos, String payload) {
        return new Packet(MqttMessageType.PUBLISH, packetId, false, qos, false, topic, Bytes.utf8(payload), 0, false,
                -1);
    }

    Packet asDup() {
        return new Packet(type, packetId, true, qos, retain, topic, payload, reason, cleanStart, sessionExpiry);
    }

    Packet asRetained() {
        return new Packet(type, packetId, dup, qos, true, topic, payload, reason, cleanStart, sessionExpiry);
    }

    static Packet pubAck(int packetId) {
        return simple(MqttMessageType.PUBACK, packetId, 0);
    }

    static Packet pubRec(int packetId) {
        return simple(MqttMessageType.PUBREC, packetId, 0);
    }

    static Packet pubRel(int packetId) {
        return pubRel(packetId, 0);
    }

    static Packet pubRel(int packetId, int reason) {
        return simple(MqttMessageType.PUBREL, packetId, reason);
    }

    static Packet pubComp(int packetId) {
        return pubComp(packetId, 0);
    }

    static Packet pubComp(int packetId, int reason) {
        return simple(MqttMessageType.PUBCOMP, packetId, reason);
    }

    static Packet subscribe(int packetId, String filter, int qos) {
        return new Packet(MqttMessageType.SUBSCRIBE, packetId, false, qos, false, filter, null, 0, false, -1);
    }

    static Packet unsubscribe(int packetId, String filter) {
        return new Packet(MqttMessageType.UNSUBSCRIBE, packetId, false, 0, false, filter, null, 0, false, -1);
    }

    static Packet pingReq() {
        return simple(MqttMessageType.PINGREQ, 0, 0);
    }

    static Packet disconnect(int reason) {
        return new Packet(MqttMessageType.DISCONNECT, 0, false, 0, false, null, null, reason, false, -1);
    }

    static Packet disconnect(int reason, long sessionExpiry) {
        return new Packet(MqttMessageType.DISCONNECT, 0, false, 0, false, null, null, reason, false, sessionExpiry);
    }
}
