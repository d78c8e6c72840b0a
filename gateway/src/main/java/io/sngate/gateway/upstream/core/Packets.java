package io.sngate.gateway.upstream.core;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.sngate.gateway.upstream.ConnectOptions;

/**
 * The MQTT 5 packets the client core writes, built with netty-codec-mqtt's types (the wire
 * format stays Netty's), and the reading of the fields it needs from the packets it receives.
 */
final class Packets {

    /** Reasons a DISCONNECT may carry (MQTT 5 §3.14.2.1). */
    static final byte NORMAL_DISCONNECTION = 0x00;
    static final byte DISCONNECT_WITH_WILL = 0x04;
    static final byte MALFORMED_PACKET = (byte) 0x81;
    static final byte PROTOCOL_ERROR = (byte) 0x82;
    static final int SESSION_TAKEN_OVER = 0x8E;
    static final byte RECEIVE_MAXIMUM_EXCEEDED = (byte) 0x93;
    static final byte PACKET_ID_NOT_FOUND = (byte) 0x92;

    static final MqttMessage PINGREQ = new MqttMessage(
            new MqttFixedHeader(MqttMessageType.PINGREQ, false, MqttQoS.AT_MOST_ONCE, false, 0));

    private Packets() {
    }

    static MqttConnectMessage connect(ConnectOptions options, boolean cleanStart) {
        MqttProperties props = new MqttProperties();
        if (options.sessionExpirySeconds() != 0) {
            props.add(intProperty(MqttPropertyType.SESSION_EXPIRY_INTERVAL, (int) options.sessionExpirySeconds()));
        }
        if (options.receiveMaximum() != 65_535) {
            props.add(intProperty(MqttPropertyType.RECEIVE_MAXIMUM, options.receiveMaximum()));
        }
        props.add(intProperty(MqttPropertyType.MAXIMUM_PACKET_SIZE, options.maxPacketSize()));
        MqttMessageBuilders.ConnectBuilder b = MqttMessageBuilders.connect()
                .protocolVersion(MqttVersion.MQTT_5)
                .clientId(options.clientId())
                .cleanSession(cleanStart)
                .keepAlive(options.keepAliveSeconds())
                .properties(props);
        options.will().ifPresent(w -> b.willFlag(true)
                .willTopic(w.topic())
                .willMessage(w.payload())
                .willQoS(MqttQoS.valueOf(w.qos()))
                .willRetain(w.retain())
                .willProperties(MqttProperties.NO_PROPERTIES));
        options.username().ifPresent(u -> {
            b.hasUser(true).username(u);
            options.password().ifPresent(p -> b.hasPassword(true).password(p));
        });
        return b.build();
    }

    static MqttPublishMessage publish(Request r, boolean dup) {
        return new MqttPublishMessage(
                new MqttFixedHeader(MqttMessageType.PUBLISH, dup && r.qos > 0, MqttQoS.valueOf(r.qos), r.retain, 0),
                new MqttPublishVariableHeader(r.topic, r.qos > 0 ? r.packetId : 0),
                Unpooled.wrappedBuffer(r.payload));
    }

    static MqttMessage subscribe(Request r) {
        return MqttMessageBuilders.subscribe()
                .messageId(r.packetId)
                .addSubscription(r.topic, new MqttSubscriptionOption(MqttQoS.valueOf(r.qos), false, false,
                        MqttSubscriptionOption.RetainedHandlingPolicy.SEND_AT_SUBSCRIBE))
                .build();
    }

    static MqttMessage unsubscribe(Request r) {
        return MqttMessageBuilders.unsubscribe().messageId(r.packetId).addTopicFilter(r.topic).build();
    }

    static MqttMessage pubReply(MqttMessageType type, int packetId, byte reason) {
        MqttQoS qos = type == MqttMessageType.PUBREL ? MqttQoS.AT_LEAST_ONCE : MqttQoS.AT_MOST_ONCE;
        return new MqttMessage(new MqttFixedHeader(type, false, qos, false, 0),
                new MqttPubReplyMessageVariableHeader(packetId, reason, MqttProperties.NO_PROPERTIES));
    }

    static MqttMessage disconnect(byte reason) {
        return MqttMessageBuilders.disconnect().reasonCode(reason).build();
    }

    static MqttMessage disconnect(byte reason, long sessionExpiry) {
        MqttProperties props = new MqttProperties();
        props.add(intProperty(MqttPropertyType.SESSION_EXPIRY_INTERVAL, (int) sessionExpiry));
        return MqttMessageBuilders.disconnect().reasonCode(reason).properties(props).build();
    }

    static int messageId(MqttMessage msg) {
        return ((MqttMessageIdVariableHeader) msg.variableHeader()).messageId();
    }

    static int reasonCode(MqttMessage msg) {
        return msg.variableHeader() instanceof MqttPubReplyMessageVariableHeader h ? h.reasonCode() & 0xFF : 0;
    }

    static MqttProperties.IntegerProperty intProperty(MqttPropertyType type, int value) {
        return new MqttProperties.IntegerProperty(type.value(), value);
    }

    static int intProperty(MqttProperties props, MqttPropertyType type, int fallback) {
        if (props == null) {
            return fallback;
        }
        MqttProperties.MqttProperty<?> p = props.getProperty(type.value());
        return p != null && p.value() instanceof Integer i ? i : fallback;
    }

    static String stringProperty(MqttProperties props, MqttPropertyType type) {
        if (props == null) {
            return null;
        }
        MqttProperties.MqttProperty<?> p = props.getProperty(type.value());
        return p != null && p.value() instanceof String s ? s : null;
    }

    static String describe(Throwable t) {
        if (t == null) {
            return "unknown cause";
        }
        String name = t.getClass().getSimpleName();
        return t.getMessage() == null ? name : name + ": " + t.getMessage();
    }
}
