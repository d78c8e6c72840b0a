package io.sngate.client.internal.core;

import io.sngate.client.Outcome;
import io.sngate.client.Topic;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.SubAck;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicRef;
import io.sngate.codec.v12.UnsubAck;
import io.sngate.codec.v12.Unsubscribe;

/**
 * SUBSCRIBE and UNSUBSCRIBE (spec §6.9), carried on the {@link ControlChannel}. A
 * SUBACK for a plain name also gives that name's topic id, which names the messages to come.
 */
final class Subscriptions {

    private final EffectSink effects;
    private final TopicIds topics;
    private final ControlChannel control;

    Subscriptions(EffectSink effects, TopicIds topics, ControlChannel control) {
        this.effects = effects;
        this.topics = topics;
        this.control = control;
    }

    /** True when it was queued (the façade then pumps). */
    boolean subscribe(long requestId, Topic topic, QoS qos) {
        if (qos == QoS.MINUS_ONE) {
            effects.complete(requestId, Outcome.failed(Outcome.Status.INVALID, "QoS -1 cannot be subscribed"));
            return false;
        }
        return control.enqueue(new ControlRequest.Subscription(requestId, topic, qos));
    }

    /** True when it was queued (the façade then pumps). */
    boolean unsubscribe(long requestId, Topic topic) {
        return control.enqueue(new ControlRequest.Unsubscription(requestId, topic));
    }

    /** @return whether it ended the exchange in flight (the next requests may go) */
    boolean onSubAck(SubAck subAck) {
        Exchange exchange = control.take(Subscribe.class, subAck.msgId());
        if (exchange == null) {
            return false;
        }
        Subscribe subscribe = (Subscribe) exchange.packet();
        if (subAck.returnCode() != ReturnCode.ACCEPTED) {
            effects.complete(exchange.requestId(), Outcome.rejected(subAck.returnCode()));
        } else {
            // A filter with wildcards has no id of its own: whatever id a gateway puts in its
            // SUBACK must not be taken for the filter's.
            if (subscribe.topic() instanceof TopicRef.Name name && subAck.topicId() != 0
                    && !name.name().utf8().contains("+") && !name.name().utf8().contains("#")) {
                topics.remember(name.name().utf8(), subAck.topicId());
            }
            effects.complete(exchange.requestId(), Outcome.ok(subAck.topicId(), subAck.grantedQos()));
        }
        return true;
    }

    /** @return whether it ended the exchange in flight (the next requests may go) */
    boolean onUnsubAck(UnsubAck unsubAck) {
        Exchange exchange = control.take(Unsubscribe.class, unsubAck.msgId());
        if (exchange == null) {
            return false;
        }
        effects.complete(exchange.requestId(), Outcome.ok());
        return true;
    }
}
