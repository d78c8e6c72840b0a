package io.sngate.gateway.session;

import static io.sngate.gateway.session.ClientSession.Counters.INVALID_TOPIC;
import static io.sngate.gateway.session.ClientSession.Counters.UPSTREAM_BUSY;
import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.PubComp;
import io.sngate.codec.v12.PubRec;
import io.sngate.codec.v12.PubRel;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.ShortTopicName;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.gateway.session.UpstreamEvent.PublishDone;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** A device's PUBLISH to the broker (spec 8.5), acknowledged only once the broker has it. */
class PublishFromDeviceTest extends SessionHarness {

    private static final int PREDEFINED_ID = 0x0042;
    private int topicId;

    private static Publish publish(QoS qos, int topicId, int msgId, String payload) {
        return new Publish(false, qos, false, TopicIdType.NORMAL, topicId, msgId, Bytes.utf8(payload));
    }

    @BeforeEach
    void connectAndRegister() {
        predefine(Map.of(PREDEFINED_ID, "pre/config"));
        connect();
        topicId = register("room/temp", 1);
    }

    @Nested
    class QoS0 {

        @Test
        void isForwardedAtOnceWithoutAnswer() {
            device(publish(QoS.AT_MOST_ONCE, topicId, 0, "21.5"));

            assertThat(effects()).containsExactly(
                    new Effect.Publish(0, "room/temp", bytes("21.5"), QoS.AT_MOST_ONCE, false, 0));
        }

        @Test
        void retainIsPassedOn() {
            device(new Publish(false, QoS.AT_MOST_ONCE, true, TopicIdType.NORMAL, topicId, 0, bytes("x")));

            assertThat(published().retain()).isTrue();
        }

        @Test
        void toAPredefinedId() {
            device(new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.PREDEFINED, PREDEFINED_ID, 0, bytes("on")));

            assertThat(effects()).containsExactly(
                    new Effect.Publish(0, "pre/config", bytes("on"), QoS.AT_MOST_ONCE, false, 0));
        }

        @Test
        void toAShortName() {
            device(Publish.toShortName("ab", QoS.AT_MOST_ONCE, false, 0, bytes("v")));

            assertThat(effects()).containsExactly(new Effect.Publish(0, "ab", bytes("v"), QoS.AT_MOST_ONCE, false, 0));
        }

        @Test
        void qosMinusOneFromAConnectedClientGoesOutAsQoS0() {
            device(new Publish(false, QoS.MINUS_ONE, false, TopicIdType.PREDEFINED, PREDEFINED_ID, 0, bytes("x")));

            assertThat(effects()).containsExactly(
                    new Effect.Publish(0, "pre/config", bytes("x"), QoS.AT_MOST_ONCE, false, 0));
        }

        @Test
        void emptyPayloadIsFine() {
            device(publish(QoS.AT_MOST_ONCE, topicId, 0, ""));

            assertThat(published().payload()).isEqualTo(Bytes.EMPTY);
        }
    }

    @Nested
    class UnknownTopics {

        @Test
        void unknownNormalIdIsAnsweredInvalidTopicIdEvenForQoS0() {
            device(publish(QoS.AT_MOST_ONCE, 0x0999, 0, "x"));

            assertThat(sent()).containsExactly(new PubAck(0x0999, 0, ReturnCode.REJECTED_INVALID_TOPIC_ID));
            assertThat(counters()).containsExactly(INVALID_TOPIC);
            assertThat(effects(Effect.Publish.class)).isEmpty();
        }

        @Test
        void unknownNormalIdWithQoS1() {
            device(publish(QoS.AT_LEAST_ONCE, 0x0999, 5, "x"));

            assertThat(sent()).containsExactly(new PubAck(0x0999, 5, ReturnCode.REJECTED_INVALID_TOPIC_ID));
            assertThat(effects(Effect.Publish.class)).isEmpty();
        }

        @Test
        void unknownPredefinedId() {
            device(new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.PREDEFINED, 0x0043, 6, bytes("x")));

            assertThat(sent()).containsExactly(new PubAck(0x0043, 6, ReturnCode.REJECTED_INVALID_TOPIC_ID));
            assertThat(counters()).containsExactly(INVALID_TOPIC);
        }

        @Test
        void aNormalIdIsNotAPredefinedOne() {
            device(new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.PREDEFINED, topicId, 0, bytes("x")));

            assertThat(sent()).containsExactly(new PubAck(topicId, 0, ReturnCode.REJECTED_INVALID_TOPIC_ID));
        }

        @Test
        void shortNameWithAWildcardIsInvalid() {
            device(Publish.toShortName("a+", QoS.AT_MOST_ONCE, false, 0, bytes("x")));

            assertThat(sent()).containsExactly(
                    new PubAck(ShortTopicName.encode("a+"), 0, ReturnCode.REJECTED_INVALID_TOPIC_ID));
            assertThat(effects(Effect.Publish.class)).isEmpty();
        }
    }

    @Nested
    class QoS1 {

        @Test
        void pubAckOnlyAfterTheBrokerHasIt() {
            device(publish(QoS.AT_LEAST_ONCE, topicId, 11, "21.5"));

            Effect.Publish upstream = published();
            assertThat(upstream).isEqualTo(
                    new Effect.Publish(upstream.token(), "room/temp", bytes("21.5"), QoS.AT_LEAST_ONCE, false, 11));
            assertThat(sent()).isEmpty();

            upstream(new PublishDone(upstream.token(), Optional.empty()));

            assertThat(effects()).containsExactly(
                    new Effect.SendToDevice(new PubAck(topicId, 11, ReturnCode.ACCEPTED)));
        }

        @Test
        void toAShortNameEchoesTheShortName() {
            device(Publish.toShortName("ab", QoS.AT_LEAST_ONCE, false, 12, bytes("v")));
            upstream(new PublishDone(published().token(), Optional.empty()));

            assertThat(sent()).containsExactly(new PubAck(ShortTopicName.encode("ab"), 12, ReturnCode.ACCEPTED));
        }

        @Test
        void brokerCongestionBecomesReturnCodeCongestion() {
            device(publish(QoS.AT_LEAST_ONCE, topicId, 11, "x"));

            upstream(new PublishDone(published().token(), Optional.of(DeliveryFailure.CONGESTION)));

            assertThat(sent()).containsExactly(new PubAck(topicId, 11, ReturnCode.REJECTED_CONGESTION));
        }

        @Test
        void brokerRefusalBecomesReturnCodeNotSupported() {
            device(publish(QoS.AT_LEAST_ONCE, topicId, 11, "x"));

            upstream(new PublishDone(published().token(), Optional.of(DeliveryFailure.REFUSED)));

            assertThat(sent()).containsExactly(new PubAck(topicId, 11, ReturnCode.REJECTED_NOT_SUPPORTED));
        }

        @Test
        void tokensAreDistinctAndAnswersMayComeInAnyOrder() {
            device(publish(QoS.AT_LEAST_ONCE, topicId, 1, "a"));
            long first = published().token();
            device(publish(QoS.AT_LEAST_ONCE, topicId, 2, "b"));
            long second = published().token();
            assertThat(first).isNotEqualTo(second);

            upstream(new PublishDone(second, Optional.empty()));
            assertThat(sent()).containsExactly(new PubAck(topicId, 2, ReturnCode.ACCEPTED));
            upstream(new PublishDone(first, Optional.empty()));
            assertThat(sent()).containsExactly(new PubAck(topicId, 1, ReturnCode.ACCEPTED));
        }

        @Test
        void anUnknownOrRepeatedTokenIsIgnored() {
            device(publish(QoS.AT_LEAST_ONCE, topicId, 1, "a"));
            long token = published().token();
            upstream(new PublishDone(token, Optional.empty()));

            upstream(new PublishDone(token, Optional.empty()));
            assertThat(effects()).isEmpty();
            upstream(new PublishDone(9_999, Optional.empty()));
            assertThat(effects()).isEmpty();
        }

        @Test
        void tooManyAwaitingTheBrokerIsAnsweredWithCongestion() {
            int max = config().maxInflightUpstream();
            List<Long> tokens = new java.util.ArrayList<>();
            for (int i = 1; i <= max; i++) {
                device(publish(QoS.AT_LEAST_ONCE, topicId, i, "m" + i));
                tokens.add(published().token());
            }

            device(publish(QoS.AT_LEAST_ONCE, topicId, 500, "one too many"));

            assertThat(sent()).containsExactly(new PubAck(topicId, 500, ReturnCode.REJECTED_CONGESTION));
            assertThat(counters()).containsExactly(UPSTREAM_BUSY);
            assertThat(effects(Effect.Publish.class)).isEmpty();

            device(publish(QoS.EXACTLY_ONCE, topicId, 501, "qos 2 too"));
            assertThat(sent()).containsExactly(new PubAck(topicId, 501, ReturnCode.REJECTED_CONGESTION));

            device(publish(QoS.AT_MOST_ONCE, topicId, 0, "QoS 0 is not held back"));
            assertThat(effects(Effect.Publish.class)).hasSize(1);

            upstream(new PublishDone(tokens.get(0), Optional.empty()));
            device(publish(QoS.AT_LEAST_ONCE, topicId, 502, "room again"));
            assertThat(effects(Effect.Publish.class)).hasSize(1);
        }
    }

    @Nested
    class QoS2 {

        @Test
        void fullExchangeWithPubRecOnlyAfterTheBrokerHasIt() {
            device(publish(QoS.EXACTLY_ONCE, topicId, 20, "once"));

            Effect.Publish upstream = published();
            assertThat(upstream).isEqualTo(
                    new Effect.Publish(upstream.token(), "room/temp", bytes("once"), QoS.EXACTLY_ONCE, false, 20));
            assertThat(sent()).isEmpty();

            upstream(new PublishDone(upstream.token(), Optional.empty()));
            assertThat(effects()).containsExactly(new Effect.SendToDevice(new PubRec(20)));

            device(new PubRel(20));
            assertThat(effects()).containsExactly(new Effect.SendToDevice(new PubComp(20)));
        }

        @Test
        void aDuplicateIsForwardedOnlyOnce() {
            device(publish(QoS.EXACTLY_ONCE, topicId, 20, "once"));
            long token = published().token();

            // resend before the broker answered: nothing new, nothing to say yet
            device(publish(QoS.EXACTLY_ONCE, topicId, 20, "once").asDuplicate());
            assertThat(effects()).isEmpty();

            upstream(new PublishDone(token, Optional.empty()));
            assertThat(sent()).containsExactly(new PubRec(20));

            // resend after PUBREC was lost: PUBREC again, still not forwarded
            device(publish(QoS.EXACTLY_ONCE, topicId, 20, "once").asDuplicate());
            assertThat(effects()).containsExactly(new Effect.SendToDevice(new PubRec(20)));

            device(new PubRel(20));
            assertThat(sent()).containsExactly(new PubComp(20));

            long forwarded = history().stream().filter(Effect.Publish.class::isInstance).count();
            assertThat(forwarded).isEqualTo(1);
        }

        @Test
        void afterPubCompTheMsgIdStartsANewMessage() {
            device(publish(QoS.EXACTLY_ONCE, topicId, 20, "first"));
            upstream(new PublishDone(published().token(), Optional.empty()));
            device(new PubRel(20));

            device(publish(QoS.EXACTLY_ONCE, topicId, 20, "second"));

            assertThat(published().payload()).isEqualTo(bytes("second"));
        }

        @Test
        void aDupCopyArrivingAfterTheExchangeCompletedIsNotForwardedAgain() {
            device(publish(QoS.EXACTLY_ONCE, topicId, 20, "once"));
            upstream(new PublishDone(published().token(), Optional.empty()));
            device(new PubRel(20));
            assertThat(sent()).containsExactly(new PubComp(20));

            // the network delayed a retransmission past PUBCOMP
            advance(SessionConfig.DEFAULTS.retryMillis());
            device(publish(QoS.EXACTLY_ONCE, topicId, 20, "once").asDuplicate());

            assertThat(effects(Effect.Publish.class)).isEmpty();
            assertThat(sent()).isEmpty();
            assertThat(counters()).containsExactly(ClientSession.Counters.QOS2_LATE_DUPLICATE);
        }

        @Test
        void aLateCopyOfTheOriginalWithoutDupIsRecognisedByItsContent() {
            // the network duplicated the PUBLISH and held one copy back past the exchange
            device(publish(QoS.EXACTLY_ONCE, topicId, 20, "once"));
            upstream(new PublishDone(published().token(), Optional.empty()));
            device(new PubRel(20));

            device(publish(QoS.EXACTLY_ONCE, topicId, 20, "once"));

            assertThat(effects(Effect.Publish.class)).isEmpty();
            assertThat(counters()).containsExactly(ClientSession.Counters.QOS2_LATE_DUPLICATE);
        }

        @Test
        void aNewConnectForgetsCompletedExchanges() {
            device(publish(QoS.EXACTLY_ONCE, topicId, 20, "once"));
            upstream(new PublishDone(published().token(), Optional.empty()));
            device(new PubRel(20));

            // the device rebooted and numbers its messages from the start again
            device(connectPacket(false, false, 60));
            upstream(new io.sngate.gateway.session.UpstreamEvent.Connected(true));
            device(publish(QoS.EXACTLY_ONCE, topicId, 20, "once"));

            assertThat(published().payload()).isEqualTo(bytes("once"));
        }

        @Test
        void onceNoRetransmissionCanBeUnderwayADupCopyIsForwardedAgain() {
            device(publish(QoS.EXACTLY_ONCE, topicId, 20, "once"));
            upstream(new PublishDone(published().token(), Optional.empty()));
            device(new PubRel(20));

            advance(SessionConfig.DEFAULTS.retryMillis() * (SessionConfig.DEFAULTS.maxRetries() + 1L));
            device(publish(QoS.EXACTLY_ONCE, topicId, 20, "again").asDuplicate());

            assertThat(published().payload()).isEqualTo(bytes("again"));
        }

        @Test
        void completedExchangesAreRememberedUpToABoundTheOldestForgottenFirst() {
            int remembered = 64;
            for (int msgId = 1; msgId <= remembered + 1; msgId++) {
                device(publish(QoS.EXACTLY_ONCE, topicId, msgId, "m" + msgId));
                upstream(new PublishDone(published().token(), Optional.empty()));
                device(new PubRel(msgId));
            }

            device(publish(QoS.EXACTLY_ONCE, topicId, 2, "m2").asDuplicate());
            assertThat(counters()).containsExactly(ClientSession.Counters.QOS2_LATE_DUPLICATE);

            // The first one no longer fits the memory: its copy counts as a new message.
            device(publish(QoS.EXACTLY_ONCE, topicId, 1, "m1").asDuplicate());
            assertThat(published().payload()).isEqualTo(bytes("m1"));
        }

        @Test
        void aPubRelBeforePubRecIsIgnored() {
            device(publish(QoS.EXACTLY_ONCE, topicId, 20, "once"));
            long token = published().token();

            device(new PubRel(20));
            assertThat(effects()).isEmpty();

            upstream(new PublishDone(token, Optional.empty()));
            device(new PubRel(20));
            assertThat(sent()).containsExactly(new PubComp(20));
        }

        @Test
        void aRepeatedPubRelIsAnsweredAgain() {
            device(publish(QoS.EXACTLY_ONCE, topicId, 20, "once"));
            upstream(new PublishDone(published().token(), Optional.empty()));
            device(new PubRel(20));

            device(new PubRel(20));

            assertThat(sent()).containsExactly(new PubComp(20));
        }

        @Test
        void failureIsAnsweredWithPubAckAndAResendIsForwardedAgain() {
            device(publish(QoS.EXACTLY_ONCE, topicId, 20, "once"));

            upstream(new PublishDone(published().token(), Optional.of(DeliveryFailure.REFUSED)));
            assertThat(sent()).containsExactly(new PubAck(topicId, 20, ReturnCode.REJECTED_NOT_SUPPORTED));

            device(publish(QoS.EXACTLY_ONCE, topicId, 20, "once"));
            assertThat(effects(Effect.Publish.class)).hasSize(1);
        }

        @Test
        void congestionIsAnsweredWithPubAckCongestion() {
            device(publish(QoS.EXACTLY_ONCE, topicId, 20, "once"));

            upstream(new PublishDone(published().token(), Optional.of(DeliveryFailure.CONGESTION)));

            assertThat(sent()).containsExactly(new PubAck(topicId, 20, ReturnCode.REJECTED_CONGESTION));
        }

        @Test
        void toAPredefinedId() {
            device(new Publish(false, QoS.EXACTLY_ONCE, false, TopicIdType.PREDEFINED, PREDEFINED_ID, 3, bytes("x")));

            assertThat(published().topic()).isEqualTo("pre/config");
            assertThat(published().qos()).isEqualTo(QoS.EXACTLY_ONCE);
        }

        @Test
        void differentMsgIdsAreDifferentMessages() {
            Set<Long> tokens = new HashSet<>();
            device(publish(QoS.EXACTLY_ONCE, topicId, 1, "a"));
            tokens.add(published().token());
            device(publish(QoS.EXACTLY_ONCE, topicId, 2, "b"));
            tokens.add(published().token());

            assertThat(tokens).hasSize(2);
        }
    }

    @Test
    void answersForADeviceThatWentAwayAreNotSent() {
        device(publish(QoS.AT_LEAST_ONCE, topicId, 1, "a"));
        long token = published().token();
        device(Disconnect.PLAIN);

        upstream(new PublishDone(token, Optional.empty()));

        assertThat(effects()).isEmpty();
    }
}
