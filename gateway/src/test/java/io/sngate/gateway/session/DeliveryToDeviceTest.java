package io.sngate.gateway.session;

import static io.sngate.gateway.session.ClientSession.Counters.QUEUE_OVERFLOW;
import static io.sngate.gateway.session.ClientSession.Counters.REFUSED_BY_DEVICE;
import static io.sngate.gateway.session.ClientSession.Counters.SESSION_CLEARED;
import static io.sngate.gateway.session.ClientSession.Counters.TOO_LARGE_FOR_DEVICE;
import static io.sngate.gateway.session.ClientSession.Counters.UNEXPECTED_ACK;
import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.QoS;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.PubComp;
import io.sngate.codec.v12.PubRec;
import io.sngate.codec.v12.PubRel;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.ShortTopicName;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.TopicRef;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** A broker's messages on their way to the device: the QoS flows as the gateway's sender side. */
class DeliveryToDeviceTest extends SessionHarness {

    private static Publish toDevice(QoS qos, int topicId, int msgId, String payload) {
        return new Publish(false, qos, false, TopicIdType.NORMAL, topicId, msgId, bytes(payload));
    }

    private Publish onlySentPublish() {
        assertThat(sent()).singleElement().isInstanceOf(Publish.class);
        return (Publish) sent().get(0);
    }

    private void assertLost(boolean cleanSession) {
        assertThat(effects(Effect.Lost.class)).hasSize(1);
        assertThat(effects(Effect.Disconnect.class)).containsExactly(new Effect.Disconnect(true, cleanSession));
        assertThat(effects(Effect.Acknowledge.class)).isEmpty();
        assertThat(state()).isEqualTo(SessionState.LOST);
    }

    @Nested
    class QoSFlows {

        @Test
        void qos0IsSentOnceAndNeverAcknowledgedUpstream() {
            connect();
            int id = subscribe("room/temp");

            message(1, "room/temp", "21", QoS.AT_MOST_ONCE);

            assertThat(effects()).containsExactly(new Effect.SendToDevice(toDevice(QoS.AT_MOST_ONCE, id, 0, "21")));
            assertThat(session().queuedMessages()).isZero();
            assertThat(session().nextDeadline()).isEqualTo(now() + 90_000); // only keep-alive
        }

        @Test
        void retainIsPassedOn() {
            connect();
            int id = subscribe("room/temp");

            upstream(new UpstreamEvent.Message(1, "room/temp", bytes("21"), QoS.AT_MOST_ONCE, true));

            assertThat(sent()).containsExactly(
                    new Publish(false, QoS.AT_MOST_ONCE, true, TopicIdType.NORMAL, id, 0, bytes("21")));
        }

        @Test
        void qos1IsAcknowledgedUpstreamOnlyAfterTheDevicePubAck() {
            connect();
            int id = subscribe("room/temp");

            message(10, "room/temp", "21", QoS.AT_LEAST_ONCE);

            assertThat(effects()).containsExactly(new Effect.SendToDevice(toDevice(QoS.AT_LEAST_ONCE, id, 1, "21")));
            assertThat(session().queuedMessages()).isEqualTo(1);

            device(new PubAck(id, 1, ReturnCode.ACCEPTED));

            assertThat(effects()).containsExactly(new Effect.Acknowledge(10));
            assertThat(session().queuedMessages()).isZero();
        }

        @Test
        void qos2IsAcknowledgedUpstreamOnceAtTheDevicesPubRec() {
            connect();
            int id = subscribe("room/temp");

            message(20, "room/temp", "21", QoS.EXACTLY_ONCE);
            assertThat(effects()).containsExactly(new Effect.SendToDevice(toDevice(QoS.EXACTLY_ONCE, id, 1, "21")));

            // The device has the message: the broker's exchange goes on (PUBREC upstream), so a
            // reconnection resumes at PUBREL and the broker never sends the PUBLISH again.
            device(new PubRec(1));
            assertThat(effects()).containsExactly(new Effect.Acknowledge(20), new Effect.SendToDevice(new PubRel(1)));

            device(new PubRec(1)); // PUBREL lost: the device repeats PUBREC
            assertThat(effects()).containsExactly(new Effect.SendToDevice(new PubRel(1)));

            device(new PubComp(1));
            assertThat(effects()).isEmpty();
        }

        @Test
        void oneDeliveryInFlightAtATimeTheOthersWaitInOrder() {
            connect();
            int id = subscribe("room/temp");

            message(1, "room/temp", "a", QoS.AT_LEAST_ONCE);
            message(2, "room/temp", "b", QoS.AT_MOST_ONCE);
            assertThat(effects()).isEmpty();
            message(3, "room/temp", "c", QoS.EXACTLY_ONCE);
            assertThat(effects()).isEmpty();
            assertThat(session().queuedMessages()).isEqualTo(3);

            device(new PubAck(id, 1, ReturnCode.ACCEPTED));

            assertThat(effects()).containsExactly(
                    new Effect.Acknowledge(1),
                    new Effect.SendToDevice(toDevice(QoS.AT_MOST_ONCE, id, 0, "b")),
                    new Effect.SendToDevice(toDevice(QoS.EXACTLY_ONCE, id, 2, "c")));
        }

        @Test
        void msgIdsAreNeverZeroAndWrapAfter0xFFFF() {
            connect();
            int id = subscribe("t");
            int previous = 0;
            for (int i = 1; i <= 0xFFFF + 2; i++) {
                message(i, "t", "x", QoS.AT_LEAST_ONCE);
                int msgId = ((Publish) sent().get(0)).msgId();
                if (msgId == 0 || msgId == previous || previous == 0xFFFF && msgId != 1) {
                    throw new AssertionError("msg id " + msgId + " after " + previous);
                }
                previous = msgId;
                device(new PubAck(id, msgId, ReturnCode.ACCEPTED));
                if (!effects().equals(java.util.List.of(new Effect.Acknowledge(i)))) {
                    throw new AssertionError("not acknowledged: " + effects());
                }
            }
            assertThat(previous).isEqualTo(2); // ... 0xFFFE, 0xFFFF, 1, 2
        }
    }

    @Nested
    class Retransmission {

        @Test
        void qos1IsResentWithDupAfterRetryTimeThenTheClientIsLost() {
            connect();
            int id = subscribe("room/temp");
            message(10, "room/temp", "21", QoS.AT_LEAST_ONCE);

            advance(RETRY - 1);
            assertThat(effects()).isEmpty();

            for (int i = 0; i < MAX_RETRIES; i++) {
                advance(1);
                assertThat(effects()).containsExactly(
                        new Effect.SendToDevice(toDevice(QoS.AT_LEAST_ONCE, id, 1, "21").asDuplicate()));
                advance(RETRY - 1);
                assertThat(effects()).isEmpty();
            }
            advance(1);

            assertLost(true);
            assertThat(sent()).isEmpty();
            assertThat(counters()).containsExactly(SESSION_CLEARED);
            assertThat(session().isFinished()).isTrue();
        }

        @Test
        void anAnswerToARetransmissionCompletesTheDelivery() {
            connect();
            int id = subscribe("room/temp");
            message(10, "room/temp", "21", QoS.AT_LEAST_ONCE);
            advance(RETRY);
            advance(RETRY);

            device(new PubAck(id, 1, ReturnCode.ACCEPTED));

            assertThat(effects()).containsExactly(new Effect.Acknowledge(10));
            advance(RETRY * 5); // well past the retransmission budget, within the keep-alive
            assertThat(effects()).isEmpty();
        }

        @Test
        void qos2PublishThenPubRelAreResent() {
            connect();
            int id = subscribe("room/temp");
            message(20, "room/temp", "21", QoS.EXACTLY_ONCE);

            advance(RETRY);
            assertThat(sent()).containsExactly(toDevice(QoS.EXACTLY_ONCE, id, 1, "21").asDuplicate());

            device(new PubRec(1));
            assertThat(sent()).containsExactly(new PubRel(1));
            assertThat(effects(Effect.Acknowledge.class)).containsExactly(new Effect.Acknowledge(20));

            for (int i = 0; i < MAX_RETRIES; i++) {
                advance(RETRY);
                assertThat(sent()).containsExactly(new PubRel(1));
            }
            device(new PubComp(1));
            assertThat(effects()).isEmpty();
        }

        @Test
        void pubRelUnansweredLosesTheClient() {
            connect();
            subscribe("room/temp");
            message(20, "room/temp", "21", QoS.EXACTLY_ONCE);
            device(new PubRec(1));

            advance(RETRY * MAX_RETRIES);
            advance(RETRY);

            assertLost(true);
        }

        @Test
        void lostPersistentSessionLeavesTheUnacknowledgedMessageToTheBroker() {
            connect(false, 60);
            subscribe("room/temp");
            message(10, "room/temp", "21", QoS.AT_LEAST_ONCE);

            advance(RETRY * (MAX_RETRIES + 1));

            assertLost(false);
            assertThat(counters()).isEmpty();
            // Not acknowledged upstream: the broker's persistent session delivers it on reconnect.
            assertThat(history()).noneMatch(effect -> effect instanceof Effect.Acknowledge);
            assertThat(session().isFinished()).isTrue();
        }

        @Test
        void congestionFromTheDeviceDelaysTheResend() {
            connect();
            int id = subscribe("room/temp");
            message(10, "room/temp", "21", QoS.AT_LEAST_ONCE);
            advance(RETRY / 2);

            device(new PubAck(id, 1, ReturnCode.REJECTED_CONGESTION));
            assertThat(effects()).isEmpty();

            advance(RETRY - 1);
            assertThat(effects()).isEmpty();
            advance(1);
            assertThat(sent()).containsExactly(toDevice(QoS.AT_LEAST_ONCE, id, 1, "21").asDuplicate());

            device(new PubAck(id, 1, ReturnCode.ACCEPTED));
            assertThat(effects()).containsExactly(new Effect.Acknowledge(10));
        }
    }

    @Nested
    class GatewayRegister {

        @Test
        void aWildcardMatchIsRegisteredBeforeTheFirstPublishAndOnlyOnce() {
            connect();
            subscribe("room/+");

            message(1, "room/kitchen", "a", QoS.AT_LEAST_ONCE);

            assertThat(effects()).containsExactly(new Effect.SendToDevice(new Register(1, 1, "room/kitchen")));

            device(new RegAck(1, 1, ReturnCode.ACCEPTED));
            assertThat(effects()).containsExactly(new Effect.SendToDevice(toDevice(QoS.AT_LEAST_ONCE, 1, 2, "a")));

            device(new PubAck(1, 2, ReturnCode.ACCEPTED));
            assertThat(effects()).containsExactly(new Effect.Acknowledge(1));

            message(2, "room/kitchen", "b", QoS.AT_MOST_ONCE);
            assertThat(sent()).containsExactly(toDevice(QoS.AT_MOST_ONCE, 1, 0, "b"));

            message(3, "room/hall", "c", QoS.AT_MOST_ONCE);
            assertThat(sent()).containsExactly(new Register(2, 3, "room/hall"));
            device(new RegAck(2, 3, ReturnCode.ACCEPTED));
            assertThat(sent()).containsExactly(toDevice(QoS.AT_MOST_ONCE, 2, 0, "c"));
            assertThat(session().registeredTopics()).isEqualTo(2);
        }

        @Test
        void evenQoS0WaitsForTheRegAckAndHoldsBackWhatFollows() {
            connect();
            subscribe("#");

            message(1, "a", "1", QoS.AT_MOST_ONCE);
            assertThat(sent()).containsExactly(new Register(1, 1, "a"));
            message(2, "b", "2", QoS.AT_MOST_ONCE);
            assertThat(sent()).isEmpty();

            device(new RegAck(1, 1, ReturnCode.ACCEPTED));

            assertThat(sent()).containsExactly(toDevice(QoS.AT_MOST_ONCE, 1, 0, "1"), new Register(2, 2, "b"));
        }

        @Test
        void aRegisterWithoutRegAckIsResentThenTheClientIsLost() {
            connect();
            subscribe("room/+");
            message(1, "room/kitchen", "a", QoS.AT_LEAST_ONCE);

            for (int i = 0; i < MAX_RETRIES; i++) {
                advance(RETRY);
                assertThat(sent()).containsExactly(new Register(1, 1, "room/kitchen"));
            }
            advance(RETRY);

            assertLost(true);
        }

        @Test
        void aRefusedRegisterIsCountedAndAcknowledgedUpstream() {
            connect();
            subscribe("room/+");
            message(1, "room/kitchen", "a", QoS.AT_LEAST_ONCE);
            message(2, "room/hall", "b", QoS.AT_MOST_ONCE);

            device(new RegAck(1, 1, ReturnCode.REJECTED_NOT_SUPPORTED));

            assertThat(counters()).containsExactly(REFUSED_BY_DEVICE);
            assertThat(effects(Effect.Discard.class).get(0).topic()).isEqualTo("room/kitchen");
            assertThat(effects(Effect.Acknowledge.class)).containsExactly(new Effect.Acknowledge(1));
            // the next delivery goes ahead
            assertThat(sent()).containsExactly(new Register(2, 2, "room/hall"));

            device(new RegAck(2, 2, ReturnCode.REJECTED_INVALID_TOPIC_ID));
            assertThat(counters()).containsExactly(REFUSED_BY_DEVICE);
            assertThat(effects(Effect.Acknowledge.class)).isEmpty(); // QoS 0 owes nobody an acknowledgement
            assertThat(session().queuedMessages()).isZero();
        }

        @Test
        void aTopicTheDeviceRefusedGetsNoMoreMessagesUntilItSubscribesToItByName() {
            connect();
            subscribe("room/+");
            message(1, "room/kitchen", "a", QoS.AT_LEAST_ONCE);
            assertThat(sent()).containsExactly(new Register(1, 1, "room/kitchen"));
            device(new RegAck(1, 1, ReturnCode.REJECTED_NOT_SUPPORTED));

            // As if it unsubscribed from the name (spec §6.10): counted and acknowledged, not sent.
            message(2, "room/kitchen", "b", QoS.AT_LEAST_ONCE);
            assertThat(sent()).isEmpty();
            assertThat(counters()).containsExactly(REFUSED_BY_DEVICE);
            assertThat(effects(Effect.Acknowledge.class)).containsExactly(new Effect.Acknowledge(2));
            assertThat(session().queuedMessages()).isZero();

            int id = subscribe(TopicRef.name("room/kitchen"), QoS.AT_LEAST_ONCE, QoS.AT_LEAST_ONCE, 101).topicId();
            message(3, "room/kitchen", "c", QoS.AT_LEAST_ONCE);
            assertThat(sent()).containsExactly(toDevice(QoS.AT_LEAST_ONCE, id, 2, "c"));
        }

        @Test
        void aTopicTheDeviceAcknowledgedStaysKnownAcrossAPersistentReconnect() {
            connect(false, 60);
            subscribe("room/+");
            message(1, "room/kitchen", "a", QoS.AT_MOST_ONCE);
            device(new RegAck(1, 1, ReturnCode.ACCEPTED));
            device(Disconnect.PLAIN);

            device(connectPacket(false, false, 60));
            upstream(new UpstreamEvent.Connected(true));
            message(2, "room/kitchen", "b", QoS.AT_MOST_ONCE);

            assertThat(sent()).containsExactly(toDevice(QoS.AT_MOST_ONCE, 1, 0, "b"));
        }
    }

    @Nested
    class InvalidTopicIdFromTheDevice {

        @Test
        void pubAckInvalidTopicIdMakesTheGatewayRegisterAgain() {
            connect();
            int id = subscribe("room/temp");
            message(10, "room/temp", "21", QoS.AT_LEAST_ONCE);

            device(new PubAck(id, 1, ReturnCode.REJECTED_INVALID_TOPIC_ID));

            assertThat(effects()).containsExactly(new Effect.SendToDevice(new Register(id, 2, "room/temp")));

            device(new RegAck(id, 2, ReturnCode.ACCEPTED));
            assertThat(sent()).containsExactly(toDevice(QoS.AT_LEAST_ONCE, id, 3, "21"));

            device(new PubAck(id, 3, ReturnCode.ACCEPTED));
            assertThat(effects()).containsExactly(new Effect.Acknowledge(10));
        }

        @Test
        void pubAckInvalidTopicIdForAQoS0PublishRegistersTheNextOne() {
            connect();
            int id = subscribe("room/temp");
            message(1, "room/temp", "a", QoS.AT_MOST_ONCE);

            device(new PubAck(id, 0, ReturnCode.REJECTED_INVALID_TOPIC_ID));
            assertThat(effects()).isEmpty();

            message(2, "room/temp", "b", QoS.AT_MOST_ONCE);
            assertThat(sent()).containsExactly(new Register(id, 1, "room/temp"));
        }

        @Test
        void pubAckInvalidTopicIdForAQoS2PublishMakesTheGatewayRegisterAgain() {
            connect();
            int id = subscribe("room/temp");
            message(20, "room/temp", "21", QoS.EXACTLY_ONCE);

            device(new PubAck(id, 1, ReturnCode.REJECTED_INVALID_TOPIC_ID));

            assertThat(sent()).containsExactly(new Register(id, 2, "room/temp"));
            device(new RegAck(id, 2, ReturnCode.ACCEPTED));
            assertThat(sent()).containsExactly(toDevice(QoS.EXACTLY_ONCE, id, 3, "21"));
            device(new PubRec(3));
            assertThat(effects(Effect.Acknowledge.class)).containsExactly(new Effect.Acknowledge(20));
            device(new PubComp(3));
            assertThat(effects()).isEmpty();
        }

        @Test
        void aPredefinedTopicSubscribedByNameIsDeliveredUnderTheIdItsSubAckGave() {
            predefine(Map.of(7, "pre/config"));
            connect();
            int id = subscribe("pre/config");
            assertThat(id).as("a normal id, not the predefined one").isNotEqualTo(7);
            message(10, "pre/config", "on", QoS.AT_LEAST_ONCE);
            assertThat(sent()).containsExactly(
                    new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, id, 1, bytes("on")));
        }

        @Test
        void aPredefinedTopicMatchedByAWildcardGoesUnderItsPredefinedId() {
            predefine(Map.of(7, "pre/config"));
            connect();
            subscribe("pre/#");
            message(10, "pre/config", "on", QoS.AT_LEAST_ONCE);
            assertThat(sent()).containsExactly(
                    new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.PREDEFINED, 7, 1, bytes("on")));
        }

        @Test
        void pubAckInvalidTopicIdForAPredefinedIdCannotBeRepairedSoTheMessageIsRefused() {
            predefine(Map.of(7, "pre/config"));
            connect();
            subscribe(TopicRef.predefined(7), QoS.AT_LEAST_ONCE, QoS.AT_LEAST_ONCE, 1);
            message(10, "pre/config", "on", QoS.AT_LEAST_ONCE);
            assertThat(sent()).containsExactly(
                    new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.PREDEFINED, 7, 1, bytes("on")));

            device(new PubAck(7, 1, ReturnCode.REJECTED_INVALID_TOPIC_ID));

            assertThat(sent()).isEmpty();
            assertThat(counters()).containsExactly(REFUSED_BY_DEVICE);
            assertThat(effects(Effect.Acknowledge.class)).containsExactly(new Effect.Acknowledge(10));
            assertThat(session().queuedMessages()).isZero();
        }

        @Test
        void pubAckNotSupportedIsARefusal() {
            connect();
            int id = subscribe("room/temp");
            message(10, "room/temp", "21", QoS.AT_LEAST_ONCE);
            message(11, "room/temp", "22", QoS.AT_LEAST_ONCE);

            device(new PubAck(id, 1, ReturnCode.REJECTED_NOT_SUPPORTED));

            assertThat(counters()).containsExactly(REFUSED_BY_DEVICE);
            assertThat(effects(Effect.Acknowledge.class)).containsExactly(new Effect.Acknowledge(10));
            assertThat(sent()).containsExactly(toDevice(QoS.AT_LEAST_ONCE, id, 2, "22"));
        }
    }

    @Nested
    class UnexpectedAcknowledgements {

        @Test
        void areCountedAndChangeNothing() {
            connect();
            int id = subscribe("room/temp");
            message(10, "room/temp", "21", QoS.AT_LEAST_ONCE);

            device(new PubAck(id, 99, ReturnCode.ACCEPTED));
            assertThat(sent()).isEmpty();
            assertThat(counters()).containsExactly(UNEXPECTED_ACK);

            device(new PubRec(1)); // QoS 1 in flight: PUBREC is wrong
            assertThat(counters()).containsExactly(UNEXPECTED_ACK);
            device(new PubComp(1));
            assertThat(counters()).containsExactly(UNEXPECTED_ACK);
            device(new RegAck(id, 1, ReturnCode.ACCEPTED));
            assertThat(counters()).containsExactly(UNEXPECTED_ACK);

            device(new PubAck(id, 1, ReturnCode.ACCEPTED));
            assertThat(effects()).containsExactly(new Effect.Acknowledge(10));
        }

        @Test
        void pubAckAcceptedForAQoS2PublishIsNotItsEnd() {
            connect();
            int id = subscribe("room/temp");
            message(20, "room/temp", "21", QoS.EXACTLY_ONCE);

            device(new PubAck(id, 1, ReturnCode.ACCEPTED));

            assertThat(counters()).containsExactly(UNEXPECTED_ACK);
            assertThat(effects(Effect.Acknowledge.class)).isEmpty();
        }

        @Test
        void withNothingInFlight() {
            connect();

            device(new PubAck(1, 1, ReturnCode.ACCEPTED));
            assertThat(counters()).containsExactly(UNEXPECTED_ACK);
            device(new PubRec(1));
            assertThat(counters()).containsExactly(UNEXPECTED_ACK);
            assertThat(sent()).isEmpty();
        }
    }

    @Nested
    class TopicForms {

        @Test
        void aPredefinedTopicTravelsAsItsPredefinedId() {
            predefine(Map.of(7, "pre/config"));
            connect();
            subscribe("pre/#");

            message(1, "pre/config", "on", QoS.AT_MOST_ONCE);

            assertThat(sent()).containsExactly(
                    new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.PREDEFINED, 7, 0, bytes("on")));
            assertThat(session().registeredTopics()).isZero();
        }

        @Test
        void aShortNameSubscriptionGetsShortNamePublishes() {
            connect();
            subscribe(TopicRef.shortName("ab"), QoS.AT_LEAST_ONCE, QoS.AT_LEAST_ONCE, 1);

            message(5, "ab", "v", QoS.AT_LEAST_ONCE);

            assertThat(sent()).containsExactly(Publish.toShortName("ab", QoS.AT_LEAST_ONCE, false, 1, bytes("v")));
            device(new PubAck(ShortTopicName.encode("ab"), 1, ReturnCode.ACCEPTED));
            assertThat(effects()).containsExactly(new Effect.Acknowledge(5));
        }
    }

    @Nested
    class Limits {

        private static final int MAX_PACKET = 64;
        private static final int PUBLISH_HEADER = 7;
        private static final int REGISTER_HEADER = 6;

        @Test
        void aPayloadThatFitsTheLinkExactlyIsSent() {
            configure(config(1000, 100, 16, MAX_PACKET));
            connect();
            subscribe("t");

            message(1, "t", "x".repeat(MAX_PACKET - PUBLISH_HEADER), QoS.AT_LEAST_ONCE);

            assertThat(onlySentPublish().data().length()).isEqualTo(MAX_PACKET - PUBLISH_HEADER);
        }

        @Test
        void aPayloadTooLargeForTheLinkIsRefusedCountedAndAcknowledged() {
            configure(config(1000, 100, 16, MAX_PACKET));
            connect();
            subscribe("t");

            message(1, "t", "x".repeat(MAX_PACKET - PUBLISH_HEADER + 1), QoS.AT_LEAST_ONCE);

            assertThat(sent()).isEmpty();
            assertThat(counters()).containsExactly(TOO_LARGE_FOR_DEVICE);
            assertThat(effects(Effect.Acknowledge.class)).containsExactly(new Effect.Acknowledge(1));

            message(2, "t", "x".repeat(MAX_PACKET), QoS.AT_MOST_ONCE);
            assertThat(counters()).containsExactly(TOO_LARGE_FOR_DEVICE);
            assertThat(effects(Effect.Acknowledge.class)).isEmpty();
            assertThat(session().queuedMessages()).isZero();
        }

        @Test
        void aLinkWhoseLimitChangesWhileTheSessionLivesBoundsTheDeliveriesAfterTheChange() {
            AtomicInteger link = new AtomicInteger(MAX_PACKET);
            linkLimit(link::get);
            configure(config(1000, 100, 16, 1_024));
            connect();
            subscribe("t");
            String fitsBefore = "x".repeat(MAX_PACKET - PUBLISH_HEADER);

            link.set(MAX_PACKET - 10); // the radio came back with a smaller NP
            message(1, "t", fitsBefore, QoS.AT_MOST_ONCE);
            assertThat(sent()).isEmpty();
            assertThat(counters()).containsExactly(TOO_LARGE_FOR_DEVICE);
            message(2, "t", "x".repeat(MAX_PACKET - 10 - PUBLISH_HEADER), QoS.AT_MOST_ONCE);
            assertThat(onlySentPublish().data().length()).isEqualTo(MAX_PACKET - 10 - PUBLISH_HEADER);

            link.set(MAX_PACKET + 20); // and with a larger one again
            message(3, "t", "x".repeat(MAX_PACKET + 20 - PUBLISH_HEADER), QoS.AT_MOST_ONCE);
            assertThat(onlySentPublish().data().length()).isEqualTo(MAX_PACKET + 20 - PUBLISH_HEADER);

            link.set(5_000); // the configured limit stays the ceiling
            message(4, "t", "x".repeat(1_024), QoS.AT_MOST_ONCE);
            assertThat(sent()).isEmpty();
            assertThat(counters()).containsExactly(TOO_LARGE_FOR_DEVICE);
        }

        @Test
        void aTopicNameTooLongForARegisterIsRefusedRatherThanLosingTheClient() {
            configure(config(1000, 100, 16, MAX_PACKET));
            connect();
            subscribe("#");
            String fits = "t".repeat(MAX_PACKET - REGISTER_HEADER);
            String tooLong = "t".repeat(MAX_PACKET - REGISTER_HEADER + 1);

            message(1, tooLong, "x", QoS.AT_LEAST_ONCE);

            assertThat(sent()).isEmpty();
            assertThat(counters()).containsExactly(TOO_LARGE_FOR_DEVICE);
            assertThat(effects(Effect.Acknowledge.class)).containsExactly(new Effect.Acknowledge(1));

            message(2, fits, "x", QoS.AT_LEAST_ONCE);
            assertThat(sent()).singleElement().isInstanceOf(Register.class);
        }

        @Test
        void aMessageForWhichNoTopicIdIsLeftIsRefusedCountedAndAcknowledged() {
            configure(config(1, 100, 16, 1_024));
            connect();
            register("other", 1); // the only id
            subscribe("room/+");

            message(7, "room/kitchen", "a", QoS.AT_LEAST_ONCE);

            assertThat(sent()).isEmpty();
            assertThat(counters()).containsExactly(ClientSession.Counters.TOPIC_IDS_EXHAUSTED);
            assertThat(effects(Effect.Acknowledge.class)).containsExactly(new Effect.Acknowledge(7));
            assertThat(session().queuedMessages()).isZero();
        }

        @Test
        void queueOverflowDropsTheOldestQoS0FirstThenRefusesNewMessages() {
            configure(config(1000, 3, 16, 1024));
            connect();
            int id = subscribe("t");
            message(1, "t", "in flight", QoS.AT_LEAST_ONCE);
            message(2, "t", "A", QoS.AT_LEAST_ONCE);
            message(3, "t", "B", QoS.AT_MOST_ONCE);
            message(4, "t", "C", QoS.AT_MOST_ONCE);
            assertThat(session().queuedMessages()).isEqualTo(4);

            message(5, "t", "D", QoS.EXACTLY_ONCE);
            assertThat(counters()).containsExactly(QUEUE_OVERFLOW);
            assertThat(effects(Effect.Acknowledge.class)).isEmpty(); // B was QoS 0

            message(6, "t", "E", QoS.AT_LEAST_ONCE);
            assertThat(counters()).containsExactly(QUEUE_OVERFLOW); // C goes

            message(7, "t", "F", QoS.AT_LEAST_ONCE);
            assertThat(counters()).containsExactly(QUEUE_OVERFLOW);
            assertThat(effects(Effect.Acknowledge.class)).containsExactly(new Effect.Acknowledge(7));

            message(8, "t", "G", QoS.AT_MOST_ONCE);
            assertThat(counters()).containsExactly(QUEUE_OVERFLOW);
            assertThat(effects(Effect.Acknowledge.class)).isEmpty();
            assertThat(session().queuedMessages()).isEqualTo(4);

            // what is left goes out in order: A, D, E
            device(new PubAck(id, 1, ReturnCode.ACCEPTED));
            assertThat(onlySentPublish().data()).isEqualTo(bytes("A"));
            device(new PubAck(id, 2, ReturnCode.ACCEPTED));
            assertThat(onlySentPublish().data()).isEqualTo(bytes("D"));
            device(new PubRec(3));
            device(new PubComp(3));
            assertThat(onlySentPublish().data()).isEqualTo(bytes("E"));
        }
    }

    @Test
    void nothingIsSentToADisconnectedDevice() {
        connect(false, 60);
        subscribe("t");
        device(Disconnect.PLAIN);

        message(1, "t", "x", QoS.AT_LEAST_ONCE);

        assertThat(effects()).isEmpty();
        assertThat(session().queuedMessages()).isEqualTo(1);
    }
}
