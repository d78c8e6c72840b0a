package io.sngate.gateway.upstream.core;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.sngate.gateway.session.Topics;

/**
 * What the broker's CONNACK allows (MQTT 5 §3.2.2.3): how many QoS 1/2 publishes may be
 * unacknowledged (its Receive Maximum, our send quota), the highest QoS, retain, packet size.
 */
record BrokerLimits(int sendQuota, int maximumQos, boolean retainAvailable, long maximumPacketSize,
                    int keepAliveSeconds) {

    static BrokerLimits fromConnAck(MqttProperties props, int requestedKeepAlive) {
        int quota = Packets.intProperty(props, MqttPropertyType.RECEIVE_MAXIMUM, 65_535);
        int maxPacket = Packets.intProperty(props, MqttPropertyType.MAXIMUM_PACKET_SIZE, 0);
        return new BrokerLimits(quota <= 0 ? 65_535 : quota,
                Packets.intProperty(props, MqttPropertyType.MAXIMUM_QOS, 2),
                Packets.intProperty(props, MqttPropertyType.RETAIN_AVAILABLE, 1) != 0,
                maxPacket == 0 ? Long.MAX_VALUE : Integer.toUnsignedLong(maxPacket),
                Packets.intProperty(props, MqttPropertyType.SERVER_KEEP_ALIVE, requestedKeepAlive));
    }

    /** Before any CONNACK: MQTT's defaults. */
    static BrokerLimits unlimited(int keepAliveSeconds) {
        return new BrokerLimits(65_535, 2, true, Long.MAX_VALUE, keepAliveSeconds);
    }

    /** What this broker forbids about a publish, or null. */
    String publishProblem(Request r) {
        if (r.qos > maximumQos) {
            return "broker maximum QoS is " + maximumQos;
        }
        if (r.retain && !retainAvailable) {
            return "broker does not support retained messages";
        }
        long size = 2 + Topics.utf8Length(r.topic) + (r.qos > 0 ? 2 : 0) + 1 + (long) r.payload.length;
        size += size < 128 ? 2 : size < 16_384 ? 3 : size < 2_097_152 ? 4 : 5;
        if (size > maximumPacketSize) {
            return "packet of " + size + " bytes exceeds the broker's maximum packet size " + maximumPacketSize;
        }
        return null;
    }
}
