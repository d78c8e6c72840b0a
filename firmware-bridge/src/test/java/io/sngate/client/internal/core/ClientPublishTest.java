package io.sngate.client.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.client.ClientState;
import io.sngate.client.Topic;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.PubComp;
import io.sngate.codec.v12.PubRec;
import io.sngate.codec.v12.PubRel;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ShortTopicName;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.TopicRef;
import io.sngate.codec.v12.Unsubscribe;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Publishing from the device: topics, QoS -1/0/1/2, one in flight, retransmission, error answers (§6.6-6.8, §6.13). */
class ClientPublishTest extends ClientHarness {

    private static final Topic TEMP = Topic.name("plant/temp");

    private static Publish publishPacket(boolean dup, QoS qos, TopicIdType type, int topicId, int msgId, String data) {
        return new Publish(dup, qos, false, type, topicId, msgId, bytes(data));
    }

    // ------------------------------------------------------------------ topics

    @Test
    void publishByNameRegistersFirstThenPublishesWithTheRegAckId() {
        connected();

        long id = publish(TEMP, "21.5", QoS.AT_LEAST_ONCE);
        assertThat(sent()).containsExactly(new Register(0, 1, "plant/temp"));
        assertPending(id);

        gateway(new RegAck(7, 1, ACCEPTED));
        assertThat(sent()).containsExactly(publishPacket(false, QoS.AT_LEAST_ONCE, TopicIdType.NORMAL, 7, 2, "21.5"));
        assertThat(core().topicId("plant/temp")).contains(7);
        assertPending(id);

        gateway(new PubAck(7, 2, ACCEPTED));
        assertOutcome(id).isSuccess();
    }

    @Test
    void severalPublishesWaitBehindOneRegisterAndGoOutInOrder() {
        connected();

        long first = publish(TEMP, "1", QoS.AT_MOST_ONCE);
        long second = publish(TEMP, "2", QoS.AT_MOST_ONCE);
        long third = publish(TEMP, "3", QoS.AT_MOST_ONCE);
        assertThat(allSent()).filteredOn(Register.class::isInstance).containsExactly(new Register(0, 1, "plant/temp"));
        assertPending(first);
        assertPending(third);

        gateway(new RegAck(7, 1, ACCEPTED));

        assertThat(sent()).containsExactly(
                publishPacket(false, QoS.AT_MOST_ONCE, TopicIdType.NORMAL, 7, 0, "1"),
                publishPacket(false, QoS.AT_MOST_ONCE, TopicIdType.NORMAL, 7, 0, "2"),
                publishPacket(false, QoS.AT_MOST_ONCE, TopicIdType.NORMAL, 7, 0, "3"));
        assertThat(completedIds()).containsExactly(first, second, third);
    }

    @Test
    void publishesToOtherTopicsKeepTheirPlaceBehindARegister() {
        connected();

        long named = publish(TEMP, "21", QoS.AT_MOST_ONCE);
        long shortName = publish(Topic.shortName("cm"), "on", QoS.AT_MOST_ONCE);
        assertThat(allSent()).containsOnlyOnce(new Register(0, 1, "plant/temp"));
        assertThat(allSent()).noneMatch(Publish.class::isInstance);
        assertPending(shortName);

        gateway(new RegAck(7, 1, ACCEPTED));

        assertThat(sent()).containsExactly(
                publishPacket(false, QoS.AT_MOST_ONCE, TopicIdType.NORMAL, 7, 0, "21"),
                Publish.toShortName("cm", QoS.AT_MOST_ONCE, false, 0, bytes("on")));
        assertThat(completedIds()).containsExactly(named, shortName);
    }

    @Test
    void aKnownTopicNeedsNoRegister() {
        connected();
        registered("plant/temp", 7);

        long id = publish(TEMP, "22", QoS.AT_MOST_ONCE);

        assertThat(sent()).containsExactly(publishPacket(false, QoS.AT_MOST_ONCE, TopicIdType.NORMAL, 7, 0, "22"));
        assertOutcome(id).isSuccess();
    }

    @Test
    void predefinedTopicIdNeedsNoRegister() {
        configure(DEFAULTS.withPredefinedTopics(Map.of(12, "plant/config")));
        connected();

        long id = publish(Topic.predefined(12), "v2", QoS.AT_LEAST_ONCE);

        assertThat(sent()).containsExactly(publishPacket(false, QoS.AT_LEAST_ONCE, TopicIdType.PREDEFINED, 12, 1, "v2"));
        gateway(new PubAck(12, 1, ACCEPTED));
        assertOutcome(id).isSuccess();
    }

    @Test
    void shortTopicNameNeedsNoRegister() {
        connected();

        long id = publish(Topic.shortName("ab"), "hi", QoS.AT_MOST_ONCE);

        assertThat(sent()).containsExactly(Publish.toShortName("ab", QoS.AT_MOST_ONCE, false, 0, bytes("hi")));
        assertThat(sentPublish().topicId()).isEqualTo(ShortTopicName.encode("ab"));
        assertOutcome(id).isSuccess();
    }

    @Test
    void retainFlagIsCarried() {
        connected();

        publish(Topic.shortName("ab"), "hi", QoS.AT_MOST_ONCE, true);

        assertThat(sentPublish().retain()).isTrue();
    }

    @Test
    void registerRejectionFailsThePublishesWaitingForIt() {
        connected();
        long first = publish(TEMP, "1", QoS.AT_LEAST_ONCE);
        long second = publish(TEMP, "2", QoS.AT_MOST_ONCE);
        long other = publish(Topic.shortName("cm"), "x", QoS.AT_MOST_ONCE);

        gateway(new RegAck(0, 1, NOT_SUPPORTED));

        assertOutcome(first).isRejectedWith(NOT_SUPPORTED);
        assertOutcome(second).isRejectedWith(NOT_SUPPORTED);
        assertThat(sent()).containsExactly(Publish.toShortName("cm", QoS.AT_MOST_ONCE, false, 0, bytes("x")));
        assertOutcome(other).isSuccess();
        assertThat(core().topicId("plant/temp")).isEmpty();
    }

    // ------------------------------------------------------------------ QoS flows

    @Test
    void qos0CompletesAtOnce() {
        connected();

        long id = publish(Topic.shortName("ab"), "x", QoS.AT_MOST_ONCE);

        assertThat(sentPublish().msgId()).isZero();
        assertThat(completedIds()).containsExactly(id);
        assertOutcome(id).isSuccess();
        assertThat(core().pendingRequests()).isZero();
    }

    @Test
    void qos1CompletesOnThePubAck() {
        connected();

        long id = publish(Topic.shortName("ab"), "x", QoS.AT_LEAST_ONCE);
        Publish sent = sentPublish();
        assertThat(sent.qos()).isEqualTo(QoS.AT_LEAST_ONCE);
        assertThat(sent.msgId()).isEqualTo(1);
        assertThat(core().pendingRequests()).isEqualTo(1);

        gateway(new PubAck(sent.topicId(), 2, ACCEPTED)); // not ours
        assertThat(effects()).isEmpty();
        assertPending(id);

        gateway(new PubAck(sent.topicId(), 1, ACCEPTED));
        assertOutcome(id).isSuccess();
        assertThat(core().pendingRequests()).isZero();
    }

    @Test
    void qos2RunsPublishPubRecPubRelPubComp() {
        connected();
        int topic = ShortTopicName.encode("ab");

        long id = publish(Topic.shortName("ab"), "x", QoS.EXACTLY_ONCE);
        assertThat(sent()).containsExactly(publishPacket(false, QoS.EXACTLY_ONCE, TopicIdType.SHORT, topic, 1, "x"));

        gateway(new PubRec(1));
        assertThat(sent()).containsExactly(new PubRel(1));
        assertPending(id);

        gateway(new PubComp(1));
        assertThat(sent()).isEmpty();
        assertOutcome(id).isSuccess();
    }

    @Test
    void qos2IgnoresAnAcceptingPubAckAndAPubCompBeforePubRel() {
        connected();
        long id = publish(Topic.shortName("ab"), "x", QoS.EXACTLY_ONCE);

        gateway(new PubAck(ShortTopicName.encode("ab"), 1, ACCEPTED));
        gateway(new PubComp(1));
        assertPending(id);

        gateway(new PubRec(1));
        gateway(new PubComp(1));
        assertOutcome(id).isSuccess();
    }

    @Test
    void onlyOneQos1Or2PublishIsInFlight() {
        connected();
        int ab = ShortTopicName.encode("ab");

        long first = publish(Topic.shortName("ab"), "1", QoS.AT_LEAST_ONCE);
        assertThat(sent()).containsExactly(publishPacket(false, QoS.AT_LEAST_ONCE, TopicIdType.SHORT, ab, 1, "1"));
        long second = publish(Topic.shortName("ab"), "2", QoS.EXACTLY_ONCE);
        long third = publish(Topic.shortName("ab"), "3", QoS.AT_MOST_ONCE);
        assertThat(sent()).isEmpty();
        assertThat(core().pendingRequests()).isEqualTo(3);

        gateway(new PubAck(ab, 1, ACCEPTED));
        assertOutcome(first).isSuccess();
        assertThat(sent()).containsExactly(publishPacket(false, QoS.EXACTLY_ONCE, TopicIdType.SHORT, ab, 2, "2"));

        gateway(new PubRec(2));
        assertThat(sent()).containsExactly(new PubRel(2));
        gateway(new PubComp(2));
        assertOutcome(second).isSuccess();
        // the QoS 0 publish kept its place in the queue
        assertThat(sent()).containsExactly(publishPacket(false, QoS.AT_MOST_ONCE, TopicIdType.SHORT, ab, 0, "3"));
        assertOutcome(third).isSuccess();
    }

    @Test
    void aPublishInFlightDoesNotHoldUpSubscribeOrRegister() {
        connected();
        publish(Topic.shortName("ab"), "1", QoS.AT_LEAST_ONCE);

        subscribe(Topic.name("plant/#"), QoS.AT_LEAST_ONCE);

        assertThat(sent()).containsExactly(new Subscribe(false, QoS.AT_LEAST_ONCE, 2, TopicRef.name("plant/#")));
    }

    // ------------------------------------------------------------------ retransmission

    @Test
    void qos1PublishIsRetransmittedWithDupAfterTRetry() {
        connected();
        long id = publish(Topic.shortName("ab"), "x", QoS.AT_LEAST_ONCE);
        Publish original = sentPublish();

        advance(RETRY - 1);
        assertThat(sent()).isEmpty();
        advance(1);
        assertThat(sent()).containsExactly(original.asDuplicate());
        assertThat(sentPublish().dup()).isTrue();
        assertThat(sentPublish().msgId()).isEqualTo(original.msgId());

        advance(RETRY);
        assertThat(sent()).containsExactly(original.asDuplicate());

        gateway(new PubAck(original.topicId(), original.msgId(), ACCEPTED));
        assertOutcome(id).isSuccess();
        advance(10 * RETRY);
        assertThat(sent()).doesNotContain(original.asDuplicate());
    }

    @Test
    void qos2PubRelIsRetransmittedAfterTRetryWithFreshRetries() {
        connected();
        long id = publish(Topic.shortName("ab"), "x", QoS.EXACTLY_ONCE);
        Publish original = sentPublish();

        // the PUBLISH uses up all but one of its retransmissions ...
        advance(MAX_RETRIES * RETRY);
        assertThat(allSent()).filteredOn(original.asDuplicate()::equals).hasSize(MAX_RETRIES);
        gateway(new PubRec(original.msgId()));
        assertThat(sent()).containsExactly(new PubRel(original.msgId()));

        // ... the PUBREL gets its own N_RETRY
        for (int retry = 1; retry <= MAX_RETRIES; retry++) {
            advance(RETRY);
            assertThat(sent()).as("PUBREL retransmission %d", retry).containsExactly(new PubRel(original.msgId()));
        }
        assertThat(state()).isEqualTo(ClientState.ACTIVE);
        gateway(new PubComp(original.msgId()));
        assertOutcome(id).isSuccess();
    }

    @Test
    void afterNRetryTheConnectionIsLostAndAllPendingRequestsFail() {
        connected();
        long inFlight = publish(Topic.shortName("ab"), "1", QoS.AT_LEAST_ONCE);
        long waiting = publish(Topic.shortName("ab"), "2", QoS.AT_LEAST_ONCE);
        long waitingForRegister = publish(TEMP, "3", QoS.AT_MOST_ONCE);
        long subscribe = subscribe(Topic.shortName("cm"), QoS.AT_MOST_ONCE);
        long unsubscribe = unsubscribe(Topic.shortName("cm"));
        Publish original = (Publish) allSent().get(1);

        for (int retry = 1; retry <= MAX_RETRIES; retry++) {
            advance(RETRY);
            assertThat(sent()).as("retransmission %d", retry).contains(original.asDuplicate());
            assertThat(state()).isEqualTo(ClientState.ACTIVE);
        }
        advance(RETRY);

        assertThat(sent()).isEmpty();
        assertThat(stateChanges()).containsExactly(ClientState.LOST);
        for (long id : new long[] {inFlight, waiting, waitingForRegister, subscribe, unsubscribe}) {
            assertOutcome(id).isFailedWithoutAnswer().hasDetailContaining("lost");
        }
        assertThat(core().pendingRequests()).isZero();
        assertThat(core().nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    // ------------------------------------------------------------------ error answers

    @Test
    void pubAckInvalidTopicIdRegistersAgainOnceAndResends() {
        connected();
        long id = publish(TEMP, "21", QoS.AT_LEAST_ONCE);
        gateway(new RegAck(7, 1, ACCEPTED));
        assertThat(sent()).containsExactly(publishPacket(false, QoS.AT_LEAST_ONCE, TopicIdType.NORMAL, 7, 2, "21"));

        gateway(new PubAck(7, 2, INVALID_TOPIC_ID));
        assertThat(sent()).containsExactly(new Register(0, 3, "plant/temp"));
        assertPending(id);

        gateway(new RegAck(9, 3, ACCEPTED));
        assertThat(sent()).containsExactly(publishPacket(false, QoS.AT_LEAST_ONCE, TopicIdType.NORMAL, 9, 4, "21"));
        assertThat(core().topicId("plant/temp")).contains(9);

        gateway(new PubAck(9, 4, ACCEPTED));
        assertOutcome(id).isSuccess();
    }

    @Test
    void pubAckInvalidTopicIdTwiceFailsTheRequest() {
        connected();
        long id = publish(TEMP, "21", QoS.AT_LEAST_ONCE);
        gateway(new RegAck(7, 1, ACCEPTED));
        gateway(new PubAck(7, 2, INVALID_TOPIC_ID));
        gateway(new RegAck(9, 3, ACCEPTED));

        gateway(new PubAck(9, 4, INVALID_TOPIC_ID));

        assertThat(sent()).isEmpty();
        assertOutcome(id).isRejectedWith(INVALID_TOPIC_ID);
    }

    @Test
    void pubAckInvalidTopicIdForAPredefinedIdFailsWithoutRegister() {
        configure(DEFAULTS.withPredefinedTopics(Map.of(12, "plant/config")));
        connected();
        long id = publish(Topic.predefined(12), "v2", QoS.AT_LEAST_ONCE);

        gateway(new PubAck(12, 1, INVALID_TOPIC_ID));

        assertThat(sent()).isEmpty();
        assertOutcome(id).isRejectedWith(INVALID_TOPIC_ID);
    }

    @Test
    void pubAckCongestionFailsTheRequestAndTheNextOneGoesOut() {
        connected();
        int ab = ShortTopicName.encode("ab");
        long first = publish(Topic.shortName("ab"), "1", QoS.AT_LEAST_ONCE);
        long second = publish(Topic.shortName("ab"), "2", QoS.AT_LEAST_ONCE);

        gateway(new PubAck(ab, 1, CONGESTION));

        assertOutcome(first).isRejectedWith(CONGESTION).hasDetailContaining("congestion");
        assertThat(sent()).containsExactly(publishPacket(false, QoS.AT_LEAST_ONCE, TopicIdType.SHORT, ab, 2, "2"));
        assertPending(second);
    }

    @Test
    void pubAckNotSupportedFailsTheRequest() {
        connected();
        long id = publish(Topic.shortName("ab"), "1", QoS.EXACTLY_ONCE);

        gateway(new PubAck(ShortTopicName.encode("ab"), 1, NOT_SUPPORTED));

        assertOutcome(id).isRejectedWith(NOT_SUPPORTED);
        assertThat(core().pendingRequests()).isZero();
    }

    @Test
    void pubAckInvalidTopicIdForAQos0PublishMakesTheNextPublishRegisterAgain() {
        connected();
        registered("plant/temp", 7);
        publish(TEMP, "1", QoS.AT_MOST_ONCE);

        gateway(new PubAck(7, 0, INVALID_TOPIC_ID));
        assertThat(core().topicId("plant/temp")).isEmpty();

        publish(TEMP, "2", QoS.AT_MOST_ONCE);
        assertThat(sent()).containsExactly(new Register(0, 2, "plant/temp"));
    }

    @Test
    void aWaitingPublishWhoseTopicIdWasWithdrawnRegistersAgain() {
        connected();
        registered("plant/temp", 7);
        publish(Topic.shortName("ab"), "busy", QoS.AT_LEAST_ONCE); // in flight, msgId 2
        long queued = publish(TEMP, "2", QoS.AT_LEAST_ONCE); // id known: waits without a REGISTER
        assertThat(sent()).isEmpty();

        gateway(new PubAck(7, 0, INVALID_TOPIC_ID)); // the gateway dropped id 7 (answer to an earlier QoS 0)
        gateway(new PubAck(ShortTopicName.encode("ab"), 2, ACCEPTED));

        assertThat(sent()).containsExactly(new Register(0, 3, "plant/temp"));
        gateway(new RegAck(8, 3, ACCEPTED));
        assertThat(sent()).containsExactly(publishPacket(false, QoS.AT_LEAST_ONCE, TopicIdType.NORMAL, 8, 4, "2"));
        gateway(new PubAck(8, 4, ACCEPTED));
        assertOutcome(queued).isSuccess();
    }

    // ------------------------------------------------------------------ QoS -1

    @Test
    void qosMinusOneNeedsNoConnection() {
        configure(DEFAULTS.withPredefinedTopics(Map.of(3, "plant/alarm")));

        long predefined = publish(Topic.predefined(3), "fire", QoS.MINUS_ONE);
        assertThat(sent()).containsExactly(publishPacket(false, QoS.MINUS_ONE, TopicIdType.PREDEFINED, 3, 0, "fire"));
        assertOutcome(predefined).isSuccess();

        long shortName = publish(Topic.shortName("al"), "smoke", QoS.MINUS_ONE);
        assertThat(sent()).containsExactly(Publish.toShortName("al", QoS.MINUS_ONE, false, 0, bytes("smoke")));
        assertOutcome(shortName).isSuccess();

        assertThat(state()).isEqualTo(ClientState.DISCONNECTED);
        assertThat(stateChanges()).isEmpty();
        assertThat(core().pendingRequests()).isZero();
    }

    @Test
    void qosMinusOneRefusesTopicNames() {
        long id = publish(TEMP, "21", QoS.MINUS_ONE);

        assertThat(sent()).isEmpty();
        assertOutcome(id).isFailedWithoutAnswer().hasDetailContaining("QoS -1");
    }

    @Test
    void qosMinusOneDoesNotWaitForThePublishInFlight() {
        connected();
        publish(Topic.shortName("ab"), "1", QoS.AT_LEAST_ONCE);

        long id = publish(Topic.shortName("al"), "now", QoS.MINUS_ONE);

        assertThat(sent()).containsExactly(Publish.toShortName("al", QoS.MINUS_ONE, false, 0, bytes("now")));
        assertOutcome(id).isSuccess();
    }

    // ------------------------------------------------------------------ bounds

    @Test
    void aFullPublishQueueFailsTheRequestAtOnce() {
        configure(DEFAULTS.withMaxQueued(2));
        connected();
        int ab = ShortTopicName.encode("ab");
        long inFlight = publish(Topic.shortName("ab"), "1", QoS.AT_LEAST_ONCE);
        long queued1 = publish(Topic.shortName("ab"), "2", QoS.AT_LEAST_ONCE);
        long queued2 = publish(Topic.shortName("ab"), "3", QoS.AT_MOST_ONCE);

        long refused = publish(Topic.shortName("ab"), "4", QoS.AT_LEAST_ONCE);
        assertThat(sent()).isEmpty();
        assertOutcome(refused).isFailedWithoutAnswer().hasDetailContaining("queue full");
        assertPending(inFlight);
        assertPending(queued1);
        assertPending(queued2);

        gateway(new PubAck(ab, 1, ACCEPTED));
        long accepted = publish(Topic.shortName("ab"), "5", QoS.AT_LEAST_ONCE);
        assertPending(accepted);
    }

    @Test
    void publishesWaitWhileNotConnectedUpToTheBound() {
        configure(DEFAULTS.withMaxQueued(1));
        long waiting = publish(Topic.shortName("ab"), "1", QoS.AT_MOST_ONCE);
        long refused = publish(Topic.shortName("ab"), "2", QoS.AT_MOST_ONCE);
        assertThat(sent()).isEmpty();
        assertOutcome(refused).isFailedWithoutAnswer().hasDetailContaining("queue full");

        connected();

        assertThat(sent()).containsExactly(Publish.toShortName("ab", QoS.AT_MOST_ONCE, false, 0, bytes("1")));
        assertOutcome(waiting).isSuccess();
    }

    @Test
    void messageIdsSkipZeroWhenTheyWrap() {
        connected();
        int ab = ShortTopicName.encode("ab");
        for (int i = 1; i <= 0xFFFF; i++) {
            publish(Topic.shortName("ab"), "x", QoS.AT_LEAST_ONCE);
            gateway(new PubAck(ab, i, ACCEPTED));
        }

        publish(Topic.shortName("ab"), "x", QoS.AT_LEAST_ONCE);

        assertThat(sentPublish().msgId()).isEqualTo(1);
    }

    @Test
    void unsubscribeQueuedBehindControlsDoesNotBlockPublishes() {
        connected();
        subscribe(Topic.name("a/b"), QoS.AT_MOST_ONCE);
        unsubscribe(Topic.name("a/b"));
        assertThat(sent()).isEmpty();

        long id = publish(Topic.shortName("ab"), "x", QoS.AT_MOST_ONCE);

        assertThat(sent()).hasSize(1).noneMatch(Unsubscribe.class::isInstance);
        assertOutcome(id).isSuccess();
    }
}
