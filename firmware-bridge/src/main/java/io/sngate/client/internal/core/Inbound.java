package io.sngate.client.internal.core;

import io.sngate.client.ClientConfig;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.PubComp;
import io.sngate.codec.v12.PubRec;
import io.sngate.codec.v12.PubRel;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.ShortTopicName;
import java.util.HashSet;
import java.util.Set;

/**
 * PUBLISH from the gateway (spec §6.10): each message is named and handed to
 * the application once. For QoS 2 the message ids between PUBLISH and PUBREL are remembered, so
 * a PUBLISH the gateway sends again (its PUBREC got lost) is answered but not delivered twice.
 */
final class Inbound {

    private final ClientConfig config;
    private final EffectSink effects;
    private final TopicIds topics;
    private final SessionExchange session;
    /** QoS 2 messages delivered whose PUBREL has not come yet. */
    private final Set<Integer> receivedQos2 = new HashSet<>();

    Inbound(ClientConfig config, EffectSink effects, TopicIds topics, SessionExchange session) {
        this.config = config;
        this.effects = effects;
        this.topics = topics;
        this.session = session;
    }

    void onPublish(Publish publish, long now) {
        String topic = switch (publish.topicIdType()) {
            case NORMAL -> topics.name(publish.topicId());
            case PREDEFINED -> config.predefinedTopics().get(publish.topicId());
            case SHORT -> ShortTopicName.decode(publish.topicId());
            // A Publish cannot hold it (the codec refuses 0b11 in PUBLISH); if one ever did, it names no topic.
            case RESERVED -> null;
        };
        if (topic == null) {
            // The spec's answer to an id we do not know: the gateway will register it again.
            effects.send(new PubAck(publish.topicId(), publish.msgId(), ReturnCode.REJECTED_INVALID_TOPIC_ID), now);
            return;
        }
        switch (publish.qos()) {
            case AT_MOST_ONCE, MINUS_ONE ->
                    effects.deliver(topic, publish.data(), QoS.AT_MOST_ONCE, publish.retain());
            case AT_LEAST_ONCE -> {
                effects.deliver(topic, publish.data(), publish.qos(), publish.retain());
                effects.send(new PubAck(publish.topicId(), publish.msgId(), ReturnCode.ACCEPTED), now);
            }
            case EXACTLY_ONCE -> {
                if (receivedQos2.add(publish.msgId())) {
                    effects.deliver(topic, publish.data(), publish.qos(), publish.retain());
                }
                effects.send(new PubRec(publish.msgId()), now);
            }
        }
        session.stillFlushing(now);
    }

    /** Ends a QoS 2 reception: after PUBREL the same message id is a new message. */
    void onPubRel(PubRel pubRel, long now) {
        receivedQos2.remove(pubRel.msgId());
        effects.send(new PubComp(pubRel.msgId()), now);
        session.stillFlushing(now);
    }

    /** A clean session: the gateway will not resend what it sent before. */
    void clear() {
        receivedQos2.clear();
    }
}
