package io.sngate.client.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.client.Outcome;
import io.sngate.client.Topic;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicRef;
import io.sngate.codec.v12.Unsubscribe;
import org.junit.jupiter.api.Test;

/** The channel that carries REGISTER, SUBSCRIBE and UNSUBSCRIBE, one at a time (§6.5, §6.9). */
class ControlChannelTest extends PartFixture {

    private final MessageIds msgIds = new MessageIds();
    private final TopicIds topics = new TopicIds();
    private final ControlChannel channel = new ControlChannel(config, sink, limit, msgIds, topics);

    private static ControlRequest subscription(long id, String filter) {
        return new ControlRequest.Subscription(id, Topic.name(filter), QoS.AT_LEAST_ONCE);
    }

    private static ControlRequest registration(long id, String name) {
        return new ControlRequest.Registration(id, new Topic.Name(name));
    }

    @Test
    void requestsGoOneAtATimeInTheOrderMade() {
        channel.enqueue(subscription(1, "a/#"));
        channel.enqueue(new ControlRequest.Unsubscription(2, Topic.shortName("cm")));

        channel.pump(now);
        channel.pump(now);
        assertThat(drainSent()).containsExactly(new Subscribe(false, QoS.AT_LEAST_ONCE, 1, TopicRef.name("a/#")));
        assertThat(channel.pending()).isEqualTo(2);

        Exchange answered = channel.take(Subscribe.class, 1);
        assertThat(answered.requestId()).isEqualTo(1);
        channel.pump(now);

        assertThat(drainSent()).containsExactly(new Unsubscribe(2, TopicRef.shortName("cm")));
        assertThat(channel.pending()).isEqualTo(1);
    }

    @Test
    void theQueueIsBoundedButTheExchangeInFlightDoesNotCount() {
        assertThat(channel.enqueue(subscription(1, "a"))).isTrue();
        channel.pump(now);
        for (long id = 2; id <= 4; id++) {
            assertThat(channel.enqueue(subscription(id, "a"))).isTrue();
        }

        assertThat(channel.enqueue(subscription(5, "a"))).isFalse();

        assertThat(drain()).endsWith(completed(5, Outcome.failed(Outcome.Status.QUEUE_FULL, "request queue full (3)")));
        assertThat(channel.pending()).isEqualTo(4);
    }

    @Test
    void aRegistrationForAWaitingPublishGoesFirstAndOnlyOnce() {
        channel.enqueue(subscription(1, "x/#"));

        channel.ensureRegistered("a/b");
        channel.ensureRegistered("a/b");
        channel.pump(now);

        assertThat(drainSent()).containsExactly(new Register(0, 1, "a/b"));
        assertThat(channel.pending()).isEqualTo(2);
    }

    @Test
    void aRegistrationQueuedOrInFlightServesAWaitingPublish() {
        channel.enqueue(registration(1, "a/b"));
        channel.ensureRegistered("a/b");
        assertThat(channel.pending()).isEqualTo(1);

        channel.pump(now);
        channel.ensureRegistered("a/b");

        assertThat(channel.pending()).isEqualTo(1);
        assertThat(drainSent()).containsExactly(new Register(0, 1, "a/b"));
    }

    @Test
    void theAppsRegistrationsAreNotMergedAndTheInternalOneCompletesNothing() {
        channel.enqueue(registration(1, "a/b"));
        channel.enqueue(registration(2, "a/b"));
        assertThat(channel.pending()).isEqualTo(2);

        channel.ensureRegistered("c/d");
        channel.pump(now);
        Exchange internal = channel.take(Register.class, 1);

        assertThat(internal.requestId()).isZero();
        assertThat(drainSent()).containsExactly(new Register(0, 1, "c/d"));
    }

    @Test
    void aRegistrationForANameKnownMeanwhileCompletesWithoutAPacket() {
        channel.enqueue(registration(1, "a/b"));
        channel.enqueue(subscription(2, "x/#"));
        topics.remember("a/b", 9);

        channel.pump(now);

        assertThat(drain()).containsExactly(
                completed(1, Outcome.ok(9, null)),
                send(new Subscribe(false, QoS.AT_LEAST_ONCE, 2, TopicRef.name("x/#"))));
    }

    @Test
    void anAnswerMustMatchThePacketTypeAndTheMessageId() {
        channel.enqueue(subscription(1, "a/#"));
        channel.pump(now);

        assertThat(channel.take(Unsubscribe.class, 1)).isNull();
        assertThat(channel.take(Subscribe.class, 2)).isNull();
        assertThat(channel.take(Subscribe.class, 1)).isNotNull();
        assertThat(channel.take(Subscribe.class, 1)).as("already taken").isNull();
        assertThat(channel.pending()).isZero();
    }

    @Test
    void theExchangeInFlightIsRetransmittedThenReportedWhenNRetryAreUsedUp() {
        channel.enqueue(subscription(1, "a/#"));
        channel.pump(now);
        drain();
        assertThat(channel.nextDeadline()).isEqualTo(now + RETRY);

        advance(RETRY - 1);
        assertThat(channel.retransmitDue(now)).isNull();
        assertThat(drain()).isEmpty();
        for (int retry = 1; retry <= MAX_RETRIES; retry++) {
            advance(RETRY);
            assertThat(channel.retransmitDue(now)).isNull();
            assertThat(drainSent()).containsExactly(new Subscribe(true, QoS.AT_LEAST_ONCE, 1, TopicRef.name("a/#")));
        }
        advance(RETRY);

        Exchange unanswered = channel.retransmitDue(now);
        assertThat(unanswered.requestId()).isEqualTo(1);
        assertThat(drain()).isEmpty();
        assertThat(channel.pending()).as("still in flight until the caller ends it").isEqualTo(1);
    }

    @Test
    void resumingSendsTheExchangeInFlightAgain() {
        channel.resume(now);
        assertThat(drain()).isEmpty();
        channel.enqueue(subscription(1, "a/#"));
        channel.pump(now);
        drain();

        advance(5 * RETRY);
        channel.resume(now);

        assertThat(drainSent()).containsExactly(new Subscribe(true, QoS.AT_LEAST_ONCE, 1, TopicRef.name("a/#")));
        assertThat(channel.nextDeadline()).isEqualTo(now + RETRY);
    }

    @Test
    void failingEndsTheExchangeInFlightAndTheWaitingRequestsApart() {
        channel.enqueue(subscription(1, "a"));
        channel.pump(now);
        channel.enqueue(subscription(2, "b"));
        channel.enqueue(registration(3, "c"));
        drain();

        channel.failInFlight(Outcome.failed(Outcome.Status.NOT_CONNECTED, "gone"), null);
        assertThat(drain()).containsExactly(completed(1, Outcome.failed(Outcome.Status.NOT_CONNECTED, "gone")));
        channel.failQueued(Outcome.failed(Outcome.Status.NOT_CONNECTED, "gone"));
        assertThat(drain()).containsExactly(completed(2, Outcome.failed(Outcome.Status.NOT_CONNECTED, "gone")),
                completed(3, Outcome.failed(Outcome.Status.NOT_CONNECTED, "gone")));

        assertThat(channel.pending()).isZero();
        assertThat(channel.nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }
}
