package io.sngate.codec.v12;

import io.sngate.codec.MqttSnMessage;
import io.sngate.codec.ProtocolVersion;

/**
 * A packet of MQTT-SN 1.2. The family is sealed because 1.2 is a frozen specification:
 * code may rely on handling every one of these types.
 */
public sealed interface MqttSn12Message extends MqttSnMessage
        permits Advertise, SearchGw, GwInfo, Connect, ConnAck, WillTopicReq, WillTopic, WillMsgReq, WillMsg,
                Register, RegAck, Publish, PubAck, PubComp, PubRec, PubRel, Subscribe, SubAck, Unsubscribe,
                UnsubAck, PingReq, PingResp, Disconnect, WillTopicUpd, WillTopicResp, WillMsgUpd, WillMsgResp {

    MessageType type();

    @Override
    default ProtocolVersion version() {
        return ProtocolVersion.V1_2;
    }

    @Override
    default String typeName() {
        return type().name();
    }
}
