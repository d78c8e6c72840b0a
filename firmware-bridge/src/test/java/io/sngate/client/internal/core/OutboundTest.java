package io.sngate.client.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.client.Outcome;
import io.sngate.client.Topic;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.PubComp;
import io.sngate.codec.v12.PubRec;
import io.sngate.codec.v12.PubRel;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.ShortTopicName;
import io.sngate.codec.v12.TopicIdType;
import org.junit.jupiter.api.Test;

/** The client's own PUBLISH: QoS -1/0/1/2, one in flight, retransmission, error answers (§6.6-6.8). */
class OutboundTest extends PartFixture {

    private static final Topic TEMP = Topic.name("plant/temp");
    private static final Topic AB = Topic.shortName("ab");
    private static final int AB_ID = ShortTopicName.encode("ab");

    private final MessageIds msgIds = new MessageIds();
    private final TopicIds topics = new TopicIds();
    private final ControlChannel control = new ControlChannel(config, sink, limit, msgIds, topics);
    private final Outbound outbound = new Outbound(config, sink, limit, msgIds, topics, control);

    /** What the façade does while active: control requests first, then publishes. */
    private void pump() {
        control.pump(now);
        outbound.pump(now);
    }

    private static Publish shortPublish(boolean dup, QoS qos, int msgId, String data) {
        return new Publish(dup, qos, false, TopicIdType.SHORT, AB_ID, msgId, bytes(data));
    }

    @Test
    void qosMinusOneGoesAtOnceToPredefinedAndShortTopicsOnly() {
        assertThat(outbound.publish(1, Topic.predefined(5), bytes("p"), QoS.MINUS_ONE, true, now)).isFalse();
        assertThat(outbound.publish(2, AB, bytes("s"), QoS.MINUS_ONE, false, now)).isFalse();
        assertThat(outbound.publish(3, TEMP, bytes("n"), QoS.MINUS_ONE, false, now)).isFalse();

        assertThat(drain()).containsExactly(
                send(new Publish(false, QoS.MINUS_ONE, true, TopicIdType.PREDEFINED, 5, 0, bytes("p"))),
                completed(1, Outcome.ok()),
                send(shortPublish(false, QoS.MINUS_ONE, 0, "s")),
                completed(2, Outcome.ok()),
                completed(3, Outcome.failed(Outcome.Status.INVALID, "QoS -1 needs a predefined or short topic")));
        assertThat(outbound.pending()).isZero();
    }

    @Test
    void qos0WaitsForThePumpThenGoesWithoutAnId() {
        assertThat(outbound.publish(1, AB, bytes("x"), QoS.AT_MOST_ONCE, false, now)).isTrue();
        assertThat(drain()).isEmpty();

        pump();

        assertThat(drain()).containsExactly(send(shortPublish(false, QoS.AT_MOST_ONCE, 0, "x")), completed(1, Outcome.ok()));
    }

    @Test
    void qos1EndsWithItsPubAckAndOnlyOneIsInFlight() {
        outbound.publish(1, AB, bytes("1"), QoS.AT_LEAST_ONCE, false, now);
        outbound.publish(2, AB, bytes("2"), QoS.AT_LEAST_ONCE, false, now);
        pump();
        assertThat(drainSent()).containsExactly(shortPublish(false, QoS.AT_LEAST_ONCE, 1, "1"));

        assertThat(outbound.onPubAck(new PubAck(AB_ID, 2, ReturnCode.ACCEPTED))).as("not ours").isFalse();
        assertThat(outbound.onPubAck(new PubAck(AB_ID, 1, ReturnCode.ACCEPTED))).isTrue();
        assertThat(drain()).containsExactly(completed(1, Outcome.ok()));

        pump();
        assertThat(drainSent()).containsExactly(shortPublish(false, QoS.AT_LEAST_ONCE, 2, "2"));
    }

    @Test
    void qos2GoesOnWithPubRelWhichGetsItsOwnRetries() {
        outbound.publish(1, AB, bytes("x"), QoS.EXACTLY_ONCE, false, now);
        pump();
        drain();
        for (int retry = 1; retry <= MAX_RETRIES; retry++) {
            advance(RETRY);
            assertThat(outbound.retransmitDue(now)).isNull();
        }
        assertThat(drainSent()).containsOnly(shortPublish(true, QoS.EXACTLY_ONCE, 1, "x"));

        assertThat(outbound.onPubAck(new PubAck(AB_ID, 1, ReturnCode.ACCEPTED))).as("QoS 2 waits for PUBREC").isFalse();
        outbound.onPubRec(new PubRec(1), now);
        assertThat(drainSent()).containsExactly(new PubRel(1));
        for (int retry = 1; retry <= MAX_RETRIES; retry++) {
            advance(RETRY);
            assertThat(outbound.retransmitDue(now)).isNull();
            assertThat(drainSent()).containsExactly(new PubRel(1));
        }

        assertThat(outbound.onPubComp(new PubComp(1))).isTrue();
        assertThat(drain()).containsExactly(completed(1, Outcome.ok()));
    }

    @Test
    void aPubCompBeforeThePubRelAndAPubRecOfAnotherIdAreIgnored() {
        outbound.publish(1, AB, bytes("x"), QoS.EXACTLY_ONCE, false, now);
        pump();
        drain();

        assertThat(outbound.onPubComp(new PubComp(1))).isFalse();
        outbound.onPubRec(new PubRec(2), now);

        assertThat(drain()).isEmpty();
        assertThat(outbound.pending()).isEqualTo(1);
    }

    @Test
    void aPublishToANewNameWaitsForItsRegister() {
        outbound.publish(1, TEMP, bytes("21"), QoS.AT_LEAST_ONCE, false, now);
        outbound.publish(2, AB, bytes("x"), QoS.AT_MOST_ONCE, false, now);
        pump();
        assertThat(drainSent()).as("the short-name publish keeps its place").containsExactly(new Register(0, 1, "plant/temp"));

        topics.remember("plant/temp", 7);
        control.take(Register.class, 1);
        pump();

        assertThat(drainSent()).containsExactly(
                new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, 7, 2, bytes("21")));
    }

    @Test
    void anIdWithdrawnWhileThePublishWaitedIsRegisteredAgain() {
        topics.remember("plant/temp", 7);
        outbound.publish(1, AB, bytes("busy"), QoS.AT_LEAST_ONCE, false, now);
        outbound.publish(2, TEMP, bytes("21"), QoS.AT_LEAST_ONCE, false, now);
        pump();
        drain();

        outbound.onPubAck(new PubAck(7, 0, ReturnCode.REJECTED_INVALID_TOPIC_ID)); // answer to an older QoS 0
        assertThat(topics.knows("plant/temp")).isFalse();
        outbound.onPubAck(new PubAck(AB_ID, 1, ReturnCode.ACCEPTED));
        pump();

        assertThat(drainSent()).containsExactly(new Register(0, 2, "plant/temp"));
    }

    @Test
    void invalidTopicIdRegistersAgainOnceThenFails() {
        topics.remember("plant/temp", 7);
        outbound.publish(1, TEMP, bytes("21"), QoS.AT_LEAST_ONCE, false, now);
        pump();
        drain();

        assertThat(outbound.onPubAck(new PubAck(7, 1, ReturnCode.REJECTED_INVALID_TOPIC_ID))).isTrue();
        pump();
        assertThat(drainSent()).containsExactly(new Register(0, 2, "plant/temp"));
        assertThat(topics.knows("plant/temp")).isFalse();

        topics.remember("plant/temp", 9);
        control.take(Register.class, 2);
        pump();
        assertThat(drainSent()).containsExactly(
                new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, 9, 3, bytes("21")));

        outbound.onPubAck(new PubAck(9, 3, ReturnCode.REJECTED_INVALID_TOPIC_ID));
        pump();
        assertThat(drain()).containsExactly(completed(1, Outcome.rejected(ReturnCode.REJECTED_INVALID_TOPIC_ID)));
    }

    @Test
    void otherRefusalsEndThePublish() {
        outbound.publish(1, AB, bytes("x"), QoS.EXACTLY_ONCE, false, now);
        pump();
        drain();

        assertThat(outbound.onPubAck(new PubAck(AB_ID, 1, ReturnCode.REJECTED_CONGESTION))).isTrue();

        assertThat(drain()).containsExactly(completed(1, Outcome.rejected(ReturnCode.REJECTED_CONGESTION)));
        assertThat(outbound.pending()).isZero();
    }

    @Test
    void aRefusedRegistrationFailsOnlyThePublishesToThatName() {
        outbound.publish(1, TEMP, bytes("1"), QoS.AT_MOST_ONCE, false, now);
        outbound.publish(2, AB, bytes("2"), QoS.AT_MOST_ONCE, false, now);
        outbound.publish(3, TEMP, bytes("3"), QoS.AT_LEAST_ONCE, false, now);

        outbound.failWaitingFor("plant/temp", Outcome.rejected(ReturnCode.REJECTED_NOT_SUPPORTED));

        Outcome refused = Outcome.rejected(ReturnCode.REJECTED_NOT_SUPPORTED);
        assertThat(drain()).containsExactly(completed(1, refused), completed(3, refused));
        assertThat(outbound.pending()).isEqualTo(1);
    }

    @Test
    void theQueueIsBoundedButTheExchangeInFlightDoesNotCount() {
        outbound.publish(1, AB, bytes("1"), QoS.AT_LEAST_ONCE, false, now);
        pump();
        for (long id = 2; id <= 4; id++) {
            assertThat(outbound.publish(id, AB, bytes("q"), QoS.AT_LEAST_ONCE, false, now)).isTrue();
        }

        assertThat(outbound.publish(5, AB, bytes("5"), QoS.AT_LEAST_ONCE, false, now)).isFalse();

        assertThat(drain()).endsWith(completed(5, Outcome.failed(Outcome.Status.QUEUE_FULL, "publish queue full (3)")));
        assertThat(outbound.pending()).isEqualTo(4);
    }

    @Test
    void theExchangeInFlightIsReportedWhenNRetryAreUsedUp() {
        outbound.publish(1, AB, bytes("x"), QoS.AT_LEAST_ONCE, false, now);
        pump();
        assertThat(outbound.nextDeadline()).isEqualTo(now + RETRY);
        for (int retry = 1; retry <= MAX_RETRIES; retry++) {
            advance(RETRY);
            outbound.retransmitDue(now);
        }
        drain();
        advance(RETRY);

        Exchange unanswered = outbound.retransmitDue(now);

        assertThat(unanswered.requestId()).isEqualTo(1);
        assertThat(unanswered.packet()).isEqualTo(shortPublish(false, QoS.AT_LEAST_ONCE, 1, "x"));
        assertThat(drain()).isEmpty();
    }

    @Test
    void resumingSendsThePublishWithDupOrThePubRelAsItWas() {
        outbound.publish(1, AB, bytes("x"), QoS.EXACTLY_ONCE, false, now);
        pump();
        drain();
        outbound.resume(now);
        assertThat(drainSent()).containsExactly(shortPublish(true, QoS.EXACTLY_ONCE, 1, "x"));

        outbound.onPubRec(new PubRec(1), now);
        drain();
        outbound.resume(now);
        assertThat(drainSent()).containsExactly(new PubRel(1));
    }

    @Test
    void failingEndsTheExchangeInFlightAndTheWaitingPublishesApart() {
        outbound.publish(1, AB, bytes("1"), QoS.AT_LEAST_ONCE, false, now);
        pump();
        outbound.publish(2, AB, bytes("2"), QoS.AT_MOST_ONCE, false, now);
        outbound.publish(3, TEMP, bytes("3"), QoS.AT_LEAST_ONCE, false, now);
        drain();

        outbound.failInFlight(Outcome.failed(Outcome.Status.NOT_CONNECTED, "lost"), null);
        assertThat(drain()).containsExactly(completed(1, Outcome.failed(Outcome.Status.NOT_CONNECTED, "lost")));
        outbound.failQueued(Outcome.failed(Outcome.Status.NOT_CONNECTED, "lost"));
        assertThat(drain()).containsExactly(completed(2, Outcome.failed(Outcome.Status.NOT_CONNECTED, "lost")),
                completed(3, Outcome.failed(Outcome.Status.NOT_CONNECTED, "lost")));

        assertThat(outbound.pending()).isZero();
        assertThat(outbound.nextDeadline()).isEqualTo(Long.MAX_VALUE);
        assertThat(outbound.onPubAck(new PubAck(AB_ID, 1, ReturnCode.ACCEPTED))).isFalse();
    }
}
