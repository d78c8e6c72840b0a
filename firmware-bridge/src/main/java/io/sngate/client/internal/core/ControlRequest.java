package io.sngate.client.internal.core;

import io.sngate.client.Topic;
import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ShortTopicName;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicRef;
import io.sngate.codec.v12.Unsubscribe;

/** A request on the control channel: REGISTER, SUBSCRIBE or UNSUBSCRIBE, one in flight at a time. */
sealed interface ControlRequest {

    /** The application's request, or 0 for a registration the core makes for a waiting publish. */
    long requestId();

    /** The packet that carries it, numbered {@code msgId}. */
    MqttSn12Message packet(int msgId);

    record Registration(long requestId, Topic.Name topic) implements ControlRequest {
        @Override
        public MqttSn12Message packet(int msgId) {
            return new Register(0, msgId, Bytes.utf8(topic.name()));
        }
    }

    record Subscription(long requestId, Topic topic, QoS qos) implements ControlRequest {
        @Override
        public MqttSn12Message packet(int msgId) {
            return new Subscribe(false, qos, msgId, topicRef(topic));
        }
    }

    record Unsubscription(long requestId, Topic topic) implements ControlRequest {
        @Override
        public MqttSn12Message packet(int msgId) {
            return new Unsubscribe(msgId, topicRef(topic));
        }
    }

    private static TopicRef topicRef(Topic topic) {
        if (topic instanceof Topic.Name name) {
            return new TopicRef.Name(Bytes.utf8(name.name()));
        }
        if (topic instanceof Topic.Predefined predefined) {
            return new TopicRef.Predefined(predefined.id());
        }
        return new TopicRef.ShortName(ShortTopicName.encode(((Topic.Short) topic).name()));
    }
}
