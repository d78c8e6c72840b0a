package io.sngate.client.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.client.Outcome;
import io.sngate.client.Topic;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.ShortTopicName;
import io.sngate.codec.v12.SubAck;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicRef;
import io.sngate.codec.v12.UnsubAck;
import io.sngate.codec.v12.Unsubscribe;
import org.junit.jupiter.api.Test;

/** SUBSCRIBE and UNSUBSCRIBE on the control channel (§6.9). */
class SubscriptionsTest extends PartFixture {

    private final TopicIds topics = new TopicIds();
    private final ControlChannel control = new ControlChannel(config, sink, limit, new MessageIds(), topics);
    private final Subscriptions subscriptions = new Subscriptions(sink, topics, control);

    private void subscribed(long id, Topic topic, QoS qos) {
        assertThat(subscriptions.subscribe(id, topic, qos)).isTrue();
        control.pump(now);
        drain();
    }

    @Test
    void qosMinusOneCannotBeSubscribed() {
        assertThat(subscriptions.subscribe(1, Topic.name("a/b"), QoS.MINUS_ONE)).isFalse();

        assertThat(drain())
                .containsExactly(completed(1, Outcome.failed(Outcome.Status.INVALID, "QoS -1 cannot be subscribed")));
        assertThat(control.pending()).isZero();
    }

    @Test
    void subscribingToAPlainNameLearnsItsIdAndTheGrantedQos() {
        assertThat(subscriptions.subscribe(1, Topic.name("plant/temp"), QoS.EXACTLY_ONCE)).isTrue();
        control.pump(now);
        assertThat(drainSent()).containsExactly(new Subscribe(false, QoS.EXACTLY_ONCE, 1, TopicRef.name("plant/temp")));

        assertThat(subscriptions.onSubAck(new SubAck(QoS.AT_LEAST_ONCE, 17, 1, ReturnCode.ACCEPTED))).isTrue();

        assertThat(drain()).containsExactly(completed(1, Outcome.ok(17, QoS.AT_LEAST_ONCE)));
        assertThat(topics.id("plant/temp")).isEqualTo(17);
    }

    @Test
    void aFilterWithWildcardsGetsNoIdWhateverTheSubAckSays() {
        subscribed(1, Topic.name("plant/+/temp"), QoS.AT_MOST_ONCE);
        subscriptions.onSubAck(new SubAck(QoS.AT_MOST_ONCE, 17, 1, ReturnCode.ACCEPTED));
        subscribed(2, Topic.name("plant/#"), QoS.AT_MOST_ONCE);
        subscriptions.onSubAck(new SubAck(QoS.AT_MOST_ONCE, 18, 2, ReturnCode.ACCEPTED));

        assertThat(topics.name(17)).isNull();
        assertThat(topics.name(18)).isNull();
    }

    @Test
    void aSubAckWithoutAnIdOrForAShortNameLearnsNothing() {
        subscribed(1, Topic.name("plant/temp"), QoS.AT_MOST_ONCE);
        subscriptions.onSubAck(new SubAck(QoS.AT_MOST_ONCE, 0, 1, ReturnCode.ACCEPTED));
        subscribed(2, Topic.shortName("cm"), QoS.AT_MOST_ONCE);
        subscriptions.onSubAck(new SubAck(QoS.AT_MOST_ONCE, ShortTopicName.encode("cm"), 2, ReturnCode.ACCEPTED));

        assertThat(topics.knows("plant/temp")).isFalse();
        assertThat(topics.name(ShortTopicName.encode("cm"))).isNull();
    }

    @Test
    void aRefusedSubscribeFailsWithTheGatewaysAnswer() {
        subscribed(1, Topic.name("plant/temp"), QoS.AT_LEAST_ONCE);

        assertThat(subscriptions.onSubAck(new SubAck(QoS.MINUS_ONE, 17, 1, ReturnCode.REJECTED_CONGESTION))).isTrue();

        assertThat(drain()).containsExactly(completed(1, Outcome.rejected(ReturnCode.REJECTED_CONGESTION)));
        assertThat(topics.knows("plant/temp")).isFalse();
    }

    @Test
    void unsubscribeCompletesOnItsUnsubAck() {
        assertThat(subscriptions.unsubscribe(4, Topic.predefined(3))).isTrue();
        control.pump(now);
        assertThat(drainSent()).containsExactly(new Unsubscribe(1, TopicRef.predefined(3)));

        assertThat(subscriptions.onUnsubAck(new UnsubAck(2))).isFalse();
        assertThat(subscriptions.onUnsubAck(new UnsubAck(1))).isTrue();

        assertThat(drain()).containsExactly(completed(4, Outcome.ok()));
    }

    @Test
    void anAnswerOfTheOtherKindIsNotOurs() {
        subscribed(1, Topic.name("a/b"), QoS.AT_MOST_ONCE);

        assertThat(subscriptions.onUnsubAck(new UnsubAck(1))).isFalse();
        assertThat(drain()).isEmpty();
        assertThat(control.pending()).isEqualTo(1);
    }
}
