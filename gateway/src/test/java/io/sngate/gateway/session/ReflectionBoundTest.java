package io.sngate.gateway.session;

import static io.sngate.gateway.session.ClientSession.Counters.UNEXPECTED_ACK;
import static io.sngate.gateway.session.ClientSession.Counters.UNPROVEN_WITHHELD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sngate.codec.QoS;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PingResp;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.PubRel;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.TopicRef;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Proof of receipt: until the device has answered a message id the gateway chose, its address
 * may be forged, so every delivery starts with a REGISTER (the challenge) and at most
 * {@link SessionConfig#unprovenSendBytes} more bytes go to it.
 */
class ReflectionBoundTest extends SessionHarness {

    private static final int BUDGET = 64;
    private static final int FIRST_ID = 40_000;

    private static Publish toDevice(QoS qos, int topicId, int msgId, String payload) {
        return new Publish(false, qos, false, TopicIdType.NORMAL, topicId, msgId, bytes(payload));
    }

    private static int size(MqttSn12Message message) {
        return MqttSn12Codec.INSTANCE.encodedLength(message);
    }

    private void requireProof() {
        configure(config().withUnprovenSendBytes(BUDGET));
        firstMsgId(FIRST_ID);
    }

    /** The packets the gateway started (not answers to the device) since the session was created. */
    private List<MqttSn12Message> initiatedSoFar() {
        return history().stream()
                .filter(Effect.SendToDevice.class::isInstance)
                .map(e -> ((Effect.SendToDevice) e).message())
                .filter(m -> m instanceof Register || m instanceof Publish || m instanceof PubRel)
                .toList();
    }

    @Nested
    class Challenge {

        @Test
        void theFirstDeliveryStartsWithARegisterAlthoughTheSubAckGaveTheDeviceTheTopicId() {
            requireProof();
            connect();
            int id = subscribe("room/temp");
            assertThat(session().isProven()).isFalse();

            message(1, "room/temp", "21", QoS.AT_MOST_ONCE);

            assertThat(effects()).containsExactly(new Effect.SendToDevice(new Register(id, FIRST_ID, "room/temp")));
            assertThat(session().isProven()).isFalse();
        }

        @Test
        void aRegAckWithTheChallengesMsgIdProvesTheAddressAndThePublishFollows() {
            requireProof();
            connect();
            int id = subscribe("room/temp");
            message(1, "room/temp", "21", QoS.AT_MOST_ONCE);

            device(new RegAck(id, FIRST_ID, ReturnCode.ACCEPTED));

            assertThat(session().isProven()).isTrue();
            assertThat(effects()).containsExactly(new Effect.SendToDevice(toDevice(QoS.AT_MOST_ONCE, id, 0, "21")));
        }

        @Test
        void laterDeliveriesGoStraightOutWithoutRegister() {
            requireProof();
            connect();
            int id = subscribe("room/temp");
            message(1, "room/temp", "21", QoS.AT_MOST_ONCE);
            device(new RegAck(id, FIRST_ID, ReturnCode.ACCEPTED));

            message(2, "room/temp", "22", QoS.AT_MOST_ONCE);
            assertThat(sent()).containsExactly(toDevice(QoS.AT_MOST_ONCE, id, 0, "22"));

            message(3, "room/temp", "23", QoS.AT_LEAST_ONCE);
            assertThat(sent()).containsExactly(toDevice(QoS.AT_LEAST_ONCE, id, FIRST_ID + 1, "23"));
            device(new PubAck(id, FIRST_ID + 1, ReturnCode.ACCEPTED));
            assertThat(effects()).containsExactly(new Effect.Acknowledge(3));
        }

        @Test
        void aQoS1DeliveryIsChallengedTooAndItsPublishTakesTheNextMsgId() {
            requireProof();
            connect();
            int id = subscribe("room/temp");

            message(7, "room/temp", "21", QoS.AT_LEAST_ONCE);
            assertThat(sent()).containsExactly(new Register(id, FIRST_ID, "room/temp"));

            device(new RegAck(id, FIRST_ID, ReturnCode.ACCEPTED));
            assertThat(sent()).containsExactly(toDevice(QoS.AT_LEAST_ONCE, id, FIRST_ID + 1, "21"));
            assertThat(effects(Effect.Acknowledge.class)).isEmpty();

            device(new PubAck(id, FIRST_ID + 1, ReturnCode.ACCEPTED));
            assertThat(effects()).containsExactly(new Effect.Acknowledge(7));
        }

        @Test
        void aRegAckWithAnotherMsgIdProvesNothing() {
            requireProof();
            connect();
            int id = subscribe("room/temp");
            message(1, "room/temp", "21", QoS.AT_MOST_ONCE);

            device(new RegAck(id, 1, ReturnCode.ACCEPTED)); // what a forger guessing from 1 would send
            device(new RegAck(id, FIRST_ID + 1, ReturnCode.ACCEPTED));

            assertThat(counters()).containsExactly(UNEXPECTED_ACK);
            assertThat(sent()).isEmpty();
            assertThat(session().isProven()).isFalse();

            device(new RegAck(id, FIRST_ID, ReturnCode.ACCEPTED));
            assertThat(session().isProven()).isTrue();
            assertThat(sent()).containsExactly(toDevice(QoS.AT_MOST_ONCE, id, 0, "21"));
        }

        @Test
        void messagesArrivingWhileTheChallengeIsUnansweredWaitForIt() {
            requireProof();
            connect();
            int id = subscribe("room/temp");
            message(1, "room/temp", "a", QoS.AT_MOST_ONCE);

            for (int i = 2; i <= 5; i++) {
                message(i, "room/temp", "x".repeat(200), QoS.AT_MOST_ONCE);
                assertThat(effects()).isEmpty();
            }
            assertThat(session().queuedMessages()).isEqualTo(5);

            device(new RegAck(id, FIRST_ID, ReturnCode.ACCEPTED));

            assertThat(sent()).hasSize(5).allSatisfy(m -> assertThat(m).isInstanceOf(Publish.class));
            assertThat(session().queuedMessages()).isZero();
        }

        @Test
        void aPredefinedTopicIsChallengedWithARegisterOfItsNameThenPublishedUnderItsPredefinedId() {
            predefine(Map.of(7, "pre/config"));
            requireProof();
            connect();
            subscribe(TopicRef.predefined(7), QoS.AT_MOST_ONCE, QoS.AT_MOST_ONCE, 1);

            message(1, "pre/config", "on", QoS.AT_MOST_ONCE);

            assertThat(sent()).singleElement().isInstanceOf(Register.class);
            Register challenge = (Register) sent().get(0);
            assertThat(challenge.topicName()).isEqualTo(bytes("pre/config"));
            assertThat(challenge.msgId()).isEqualTo(FIRST_ID);
            assertThat(challenge.topicId()).isNotZero().isNotEqualTo(7); // a normal id, not the predefined one

            device(new RegAck(challenge.topicId(), FIRST_ID, ReturnCode.ACCEPTED));

            assertThat(session().isProven()).isTrue();
            assertThat(sent()).containsExactly(
                    new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.PREDEFINED, 7, 0, bytes("on")));

            message(2, "pre/config", "off", QoS.AT_MOST_ONCE);
            assertThat(sent()).containsExactly(
                    new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.PREDEFINED, 7, 0, bytes("off")));
        }

        @ParameterizedTest(name = "REGACK {0}")
        @EnumSource(value = ReturnCode.class, names = "ACCEPTED", mode = EnumSource.Mode.EXCLUDE)
        void aRefusedChallengeForAPredefinedTopicProvesTheAddressAndTheMessageStillGoesOut(ReturnCode refusal) {
            // A predefined-topic device with no room for (or no support of) registered ids refuses
            // the challenge; the PUBLISH needs no registration, so the answer only proves the address.
            predefine(Map.of(7, "pre/config"));
            requireProof();
            connect();
            subscribe(TopicRef.predefined(7), QoS.AT_LEAST_ONCE, QoS.AT_LEAST_ONCE, 1);
            message(10, "pre/config", "on", QoS.AT_LEAST_ONCE);
            Register challenge = (Register) sent().get(0);

            device(new RegAck(0, challenge.msgId(), refusal));

            assertThat(session().isProven()).isTrue();
            assertThat(counters()).isEmpty();
            assertThat(sent()).containsExactly(
                    new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.PREDEFINED, 7, FIRST_ID + 1, bytes("on")));
            device(new PubAck(7, FIRST_ID + 1, ReturnCode.ACCEPTED));
            assertThat(effects()).containsExactly(new Effect.Acknowledge(10));
        }
    }

    @Nested
    class Budget {

        private static final String TOPIC = "plant/line-4/press-7"; // 20 bytes: its REGISTER is 26

        @Test
        void retransmissionsOfTheUnansweredChallengeSpendTheBudgetThenAreWithheld() {
            configure(config().withUnprovenSendBytes(BUDGET).withRetry(RETRY, 10));
            firstMsgId(FIRST_ID);
            connect(true, 600);
            int id = subscribe(TOPIC);
            Register challenge = new Register(id, FIRST_ID, TOPIC);
            assertThat(size(challenge)).isEqualTo(26);

            message(1, TOPIC, "x", QoS.AT_LEAST_ONCE);
            assertThat(sent()).containsExactly(challenge); // free: the challenge itself

            advance(RETRY);
            assertThat(sent()).containsExactly(challenge); // 26 of 64
            advance(RETRY);
            assertThat(sent()).containsExactly(challenge); // 52 of 64

            advance(RETRY);
            assertThat(sent()).isEmpty(); // 78 would exceed 64
            assertThat(counters()).containsExactly(UNPROVEN_WITHHELD);
            assertThat(effects(Effect.Discard.class).get(0).topic()).isEqualTo(TOPIC);

            advance(RETRY);
            assertThat(sent()).isEmpty();
            assertThat(counters()).containsExactly(UNPROVEN_WITHHELD);
            assertThat(state()).isEqualTo(SessionState.ACTIVE);
        }

        @Test
        void aLateAnswerToTheChallengeStillProvesAndTheDeliveryGoesOn() {
            configure(config().withUnprovenSendBytes(BUDGET).withRetry(RETRY, 10));
            firstMsgId(FIRST_ID);
            connect(true, 600);
            int id = subscribe(TOPIC);
            message(1, TOPIC, "x", QoS.AT_LEAST_ONCE);
            advance(RETRY * 4);
            assertThat(history()).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(Effect.Discard.class,
                    d -> assertThat(d.counter()).isEqualTo(UNPROVEN_WITHHELD)));

            device(new RegAck(id, FIRST_ID, ReturnCode.ACCEPTED));

            assertThat(session().isProven()).isTrue();
            assertThat(sent()).containsExactly(toDevice(QoS.AT_LEAST_ONCE, id, FIRST_ID + 1, "x"));
            device(new PubAck(id, FIRST_ID + 1, ReturnCode.ACCEPTED));
            assertThat(effects()).containsExactly(new Effect.Acknowledge(1));
        }

        @ParameterizedTest(name = "topic of {0} bytes")
        @ValueSource(ints = {1, 9, 20, 32, 58, 59, 200})
        void whatIsSentWhileUnprovenStaysWithinTheFirstRegisterPlusTheBudget(int topicLength) {
            int retries = 10;
            configure(config().withUnprovenSendBytes(BUDGET).withRetry(RETRY, retries));
            firstMsgId(FIRST_ID);
            connect(true, 600);
            String topic = "t".repeat(topicLength);
            int id = subscribe(topic);
            int registerSize = size(new Register(id, FIRST_ID, topic));

            message(1, topic, "payload", QoS.AT_LEAST_ONCE);
            advance(RETRY * (retries + 1)); // every retransmission falls due, then the device is lost

            assertThat(state()).isEqualTo(SessionState.LOST);
            List<MqttSn12Message> initiated = initiatedSoFar();
            int total = initiated.stream().mapToInt(ReflectionBoundTest::size).sum();
            assertThat(total).isLessThanOrEqualTo(registerSize + BUDGET);
            // ... and the budget is used, not more: every retransmission that fits goes out
            int resent = Math.min(retries, BUDGET / registerSize);
            assertThat(initiated).hasSize(1 + resent).containsOnly(new Register(id, FIRST_ID, topic));
            assertThat(history().stream().filter(e -> e instanceof Effect.Discard d
                    && d.counter().equals(UNPROVEN_WITHHELD))).hasSize(retries - resent);
        }

        @Test
        void answersToTheDevicesOwnRequestsAreNotLimited() {
            configure(config().withUnprovenSendBytes(BUDGET).withRetry(RETRY, 10));
            firstMsgId(FIRST_ID);
            connect(true, 600);
            subscribe(TOPIC);
            message(1, TOPIC, "x", QoS.AT_LEAST_ONCE);
            advance(RETRY * 3);
            assertThat(counters()).containsExactly(UNPROVEN_WITHHELD);

            device(PingReq.PLAIN);
            assertThat(sent()).containsExactly(PingResp.INSTANCE);
            device(new Register(0, 5, "a/much/longer/topic/name/than/the/budget/would/allow/for/sure"));
            assertThat(sent()).singleElement().isInstanceOfSatisfying(RegAck.class,
                    ack -> assertThat(ack.returnCode()).isEqualTo(ReturnCode.ACCEPTED));
            assertThat(session().isProven()).isFalse();
        }
    }

    @Nested
    class Proof {

        @Test
        void anAddressChangeMakesAProvenSessionUnprovenAndTheNextDeliveryIsChallenged() {
            requireProof();
            connect();
            int id = subscribe("room/temp");
            message(1, "room/temp", "21", QoS.AT_MOST_ONCE);
            device(new RegAck(id, FIRST_ID, ReturnCode.ACCEPTED));
            assertThat(session().isProven()).isTrue();

            addressChanged();

            assertThat(session().isProven()).isFalse();
            message(2, "room/temp", "22", QoS.AT_MOST_ONCE);
            assertThat(sent()).containsExactly(new Register(id, FIRST_ID + 1, "room/temp"));

            device(new RegAck(id, FIRST_ID + 1, ReturnCode.ACCEPTED));
            assertThat(session().isProven()).isTrue();
            assertThat(sent()).containsExactly(toDevice(QoS.AT_MOST_ONCE, id, 0, "22"));
        }

        @Test
        void aPubAckAnsweringTheInFlightQoS1PublishWithItsMsgIdProves() {
            requireProof();
            connect(true, 60);
            int id = subscribe("room/temp");
            message(1, "room/temp", "a", QoS.AT_MOST_ONCE);
            device(new RegAck(id, FIRST_ID, ReturnCode.ACCEPTED));
            message(2, "room/temp", "b", QoS.AT_LEAST_ONCE);
            Publish inFlight = toDevice(QoS.AT_LEAST_ONCE, id, FIRST_ID + 1, "b");
            assertThat(sent()).containsExactly(inFlight);
            device(Disconnect.sleep(600)); // asleep before it acknowledged

            addressChanged(); // it wakes at a new address
            device(PingReq.wake(CLIENT_ID));
            assertThat(session().isProven()).isFalse();
            assertThat(sent()).containsExactly(inFlight.asDuplicate()); // within the budget

            device(new PubAck(id, FIRST_ID + 2, ReturnCode.ACCEPTED));
            assertThat(counters()).containsExactly(UNEXPECTED_ACK);
            assertThat(session().isProven()).isFalse();

            device(new PubAck(id, FIRST_ID + 1, ReturnCode.ACCEPTED));
            assertThat(session().isProven()).isTrue();
            assertThat(effects(Effect.Acknowledge.class)).containsExactly(new Effect.Acknowledge(2));
        }

        @Test
        void withProofOffNoChallengeIsEverSent() {
            connect();
            int id = subscribe("room/temp");
            assertThat(session().isProven()).isTrue();

            message(1, "room/temp", "21", QoS.AT_MOST_ONCE);
            assertThat(sent()).containsExactly(toDevice(QoS.AT_MOST_ONCE, id, 0, "21"));

            addressChanged();
            assertThat(session().isProven()).isTrue();
            message(2, "room/temp", "22", QoS.AT_LEAST_ONCE);
            assertThat(sent()).containsExactly(toDevice(QoS.AT_LEAST_ONCE, id, 1, "22"));
            for (int i = 0; i < MAX_RETRIES; i++) {
                advance(RETRY);
                assertThat(sent()).containsExactly(toDevice(QoS.AT_LEAST_ONCE, id, 1, "22").asDuplicate());
            }
            assertThat(history()).noneMatch(e -> e instanceof Effect.SendToDevice s && s.message() instanceof Register);
            assertThat(history()).noneMatch(e -> e instanceof Effect.Discard d && d.counter().equals(UNPROVEN_WITHHELD));
        }
    }

    @Nested
    class MessageIds {

        @Test
        void theFirstMsgIdIsTheOneGivenToTheSession() {
            firstMsgId(FIRST_ID);
            connect();
            int id = subscribe("room/temp");

            message(1, "room/temp", "a", QoS.AT_LEAST_ONCE);
            assertThat(sent()).containsExactly(toDevice(QoS.AT_LEAST_ONCE, id, FIRST_ID, "a"));
            device(new PubAck(id, FIRST_ID, ReturnCode.ACCEPTED));

            message(2, "room/temp", "b", QoS.AT_LEAST_ONCE);
            assertThat(sent()).containsExactly(toDevice(QoS.AT_LEAST_ONCE, id, FIRST_ID + 1, "b"));
        }

        @Test
        void msgIdsWrapAfter65535To1() {
            configure(config().withUnprovenSendBytes(BUDGET));
            firstMsgId(0xFFFF);
            connect();
            int id = subscribe("room/temp");

            message(1, "room/temp", "a", QoS.AT_LEAST_ONCE);
            assertThat(sent()).containsExactly(new Register(id, 0xFFFF, "room/temp"));
            device(new RegAck(id, 0xFFFF, ReturnCode.ACCEPTED));
            assertThat(sent()).containsExactly(toDevice(QoS.AT_LEAST_ONCE, id, 1, "a"));
            device(new PubAck(id, 1, ReturnCode.ACCEPTED));

            message(2, "room/temp", "b", QoS.AT_LEAST_ONCE);
            assertThat(sent()).containsExactly(toDevice(QoS.AT_LEAST_ONCE, id, 2, "b"));
        }

        @ParameterizedTest(name = "first msg id {0}")
        @ValueSource(ints = {-1, 0, 0x10000})
        void aFirstMsgIdOutsideOneTo65535IsRefused(int firstMsgId) {
            assertThatThrownBy(() -> new ClientSession(CLIENT_ID, SessionConfig.DEFAULTS, PredefinedTopics.NONE,
                    SessionPolicy.ALLOW_ALL, firstMsgId)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
