package io.sngate.gateway.upstream.core;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnAckVariableHeader;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;

/**
 * The packets a broker sends, built with netty-codec-mqtt's message classes the way its
 * {@code MqttDecoder} hands them over for MQTT 5 (reply variable headers with a reason code,
 * CONNACK properties as {@link MqttProperties.IntegerProperty}).
 */
final class BrokerPackets {

    private BrokerPackets() {
    }

    /** A CONNACK being built: accepted, no session, no properties unless set. */
    static final class ConnAck {
        private MqttConnectReturnCode code = MqttConnectReturnCode.CONNECTION_ACCEPTED;
        private boolean sessionPresent;
        private final MqttProperties props = new MqttProperties();

        ConnAck sessionPresent(boolean value) {
            sessionPresent = value;
            return this;
        }

        ConnAck receiveMaximum(int value) {
            return intProperty(MqttPropertyType.RECEIVE_MAXIMUM, value);
        }

        ConnAck serverKeepAlive(int seconds) {
            return intProperty(MqttPropertyType.SERVER_KEEP_ALIVE, seconds);
        }

        ConnAck maximumQos(int qos) {
            return intProperty(MqttPropertyType.MAXIMUM_QOS, qos);
        }

        ConnAck retainAvailable(boolean value) {
            return intProperty(MqttPropertyType.RETAIN_AVAILABLE, value ? 1 : 0);
        }

        ConnAck maximumPacketSize(int bytes) {
            return intProperty(MqttPropertyType.MAXIMUM_PACKET_SIZE, bytes);
        }

        ConnAck reasonString(String text) {
            props.add(new MqttProperties.StringProperty(MqttPropertyType.REASON_STRING.value(), text));
            return this;
        }

        /** A refusal (reason code 0x80 or more). */
        ConnAck refused(int reason) {
            code = MqttConnectReturnCode.valueOf((byte) reason);
            return this;
        }

        private ConnAck intProperty(MqttPropertyType type, int value) {
            props.add(new MqttProperties.IntegerProperty(type.value(), value));
            return this;
        }

        MqttConnAckMessage build() {
            return new MqttConnAckMessage(fixed(MqttMessageType.CONNACK, MqttQoS.AT_MOST_ONCE),
                    new MqttConnAckVariableHeader(code, sessionPresent, props));
        }
    }

    static ConnAck connAck() {
        return new ConnAck();
    }

    /** CONNACK refusing the connection with {@code reason}. */
    static MqttConnAckMessage connAckRefused(int reason) {
        return connAck().refused(reason).build();
    }

    static MqttMessage pubAck(int packetId) {
        return pubAck(packetId, 0);
    }

    static MqttMessage pubAck(int packetId, int reason) {
        return reply(MqttMessageType.PUBACK, packetId, reason);
    }

    static MqttMessage pubRec(int packetId) {
        return pubRec(packetId, 0);
    }

    static MqttMessage pubRec(int packetId, int reason) {
        return reply(MqttMessageType.PUBREC, packetId, reason);
    }

    static MqttMessage pubComp(int packetId) {
        return pubComp(packetId, 0);
    }

    static MqttMessage pubComp(int packetId, int reason) {
        return reply(MqttMessageType.PUBCOMP, packetId, reason);
    }

    /** The broker's PUBREL of a QoS 2 message it sent us. */
    static MqttMessage pubRel(int packetId) {
        return reply(MqttMessageType.PUBREL, packetId, 0);
    }

    /** SUBACK with one reason code: the granted QoS (0..2) or a failure (0x80 or more). */
    static MqttSubAckMessage subAck(int packetId, int reasonCode) {
        return new MqttSubAckMessage(fixed(MqttMessageType.SUBACK, MqttQoS.AT_MOST_ONCE),
                new MqttMessageIdAndPropertiesVariableHeader(packetId, MqttProperties.NO_PROPERTIES),
                new MqttSubAckPayload(reasonCode));
    }

    /** UNSUBACK with one reason code. */
    static MqttUnsubAckMessage unsubAck(int packetId, int reasonCode) {
        return MqttMessageBuilders.unsubAck().packetId(packetId).addReasonCode((short) reasonCode).build();
    }

    /** A PUBLISH from the broker (QoS 0: {@code packetId} 0), UTF-8 text payload. */
    static MqttPublishMessage message(String topic, String payload, int qos, int packetId) {
        return message(topic, payload, qos, packetId, false, false);
    }

    static MqttPublishMessage message(String topic, String payload, int qos, int packetId, boolean dup,
                                      boolean retain) {
        return message(topic, payload.getBytes(UTF_8), qos, packetId, dup, retain);
    }

    static MqttPublishMessage message(String topic, byte[] payload, int qos, int packetId, boolean dup,
                                      boolean retain) {
        return new MqttPublishMessage(
                new MqttFixedHeader(MqttMessageType.PUBLISH, dup, MqttQoS.valueOf(qos), retain, 0),
                new MqttPublishVariableHeader(topic, packetId), Unpooled.wrappedBuffer(payload));
    }

    static MqttMessage pingResp() {
        return new MqttMessage(fixed(MqttMessageType.PINGRESP, MqttQoS.AT_MOST_ONCE));
    }

    static MqttMessage disconnect(int reason) {
        return MqttMessageBuilders.disconnect().reasonCode((byte) reason).build();
    }

    /** What netty's decoder hands over for bytes it cannot decode. */
    static MqttMessage malformed(String why) {
        return new MqttMessage(fixed(MqttMessageType.PUBLISH, MqttQoS.AT_MOST_ONCE), null, null,
                DecoderResult.failure(new IllegalArgumentException(why)));
    }

    private static MqttMessage reply(MqttMessageType type, int packetId, int reason) {
        MqttQoS qos = type == MqttMessageType.PUBREL ? MqttQoS.AT_LEAST_ONCE : MqttQoS.AT_MOST_ONCE;
        return new MqttMessage(fixed(type, qos),
                new MqttPubReplyMessageVariableHeader(packetId, (byte) reason, MqttProperties.NO_PROPERTIES));
    }

    private static MqttFixedHeader fixed(MqttMessageType type, MqttQoS qos) {
        return new MqttFixedHeader(type, false, qos, false, 0);
    }
}
