package io.sngate.gateway.session;

import static io.sngate.gateway.session.ClientSession.Counters.REFUSED_BY_DEVICE;
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
import io.sngate.codec.v12.PubComp;
import io.sngate.codec.v12.PubRec;
import io.sngate.codec.v12.PubRel;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.SubAck;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.TopicRef;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Proof of receipt: until the device has answered a message id the gateway chose, its address
 * may be forged. Small exchanges keep their usual packets (a SUBACK's topic id is used without a
 * REGISTER; QoS 1/2 deliveries go straight out and prove the address with their answer), but the
 * QoS 0 PUBLISH and REGISTER bytes the gateway starts are limited to
 * {@link SessionConfig#unprovenSendBytes}, besides the first REGISTER: the challenge that a QoS 0
 * delivery beyond the budget starts with.
 */
class ReflectionBoundTest extends SessionHarness {

    private static final int BUDGET = 64;
    private static final int FIRST_ID = 40_000;
    /** A payload whose QoS 0 PUBLISH (107 bytes) is beyond {@link #BUDGET} on its own. */
    private static final String BIG = "x".repeat(100);

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

    private long withheldSoFar() {
        return history().stream()
                .filter(e -> e instanceof Effect.Discard d && d.counter().equals(UNPROVEN_WITHHELD))
                .count();
    }

    private long registersSoFar() {
        return initiatedSoFar().stream().filter(Register.class::isInstance).count();
    }

    @Nested
    class Challenge {

        @Test
        void aSmallFirstDeliveryUsesTheSubAcksTopicIdWithoutARegister() {
            requireProof();
            connect();
            int id = subscribe("room/temp");
            assertThat(session().isProven()).isFalse();

            message(1, "room/temp", "21", QoS.AT_MOST_ONCE);

            assertThat(effects()).containsExactly(new Effect.SendToDevice(toDevice(QoS.AT_MOST_ONCE, id, 0, "21")));
            assertThat(session().isProven()).isFalse(); // a QoS 0 PUBLISH is not answered: it proves nothing
            assertThat(session().queuedMessages()).isZero();
        }

        @Test
        void aQoS0MessageTooLargeForTheRemainingBudgetIsPrecededByTheChallenge() {
            requireProof();
            connect();
            int id = subscribe("room/temp");
            String payload = "x".repeat(30);
            Publish publish = toDevice(QoS.AT_MOST_ONCE, id, 0, payload);
            assertThat(size(publish)).isEqualTo(37); // fits the budget of 64 on its own, not twice

            message(1, "room/temp", payload, QoS.AT_MOST_ONCE);
            assertThat(sent()).containsExactly(publish); // 37 of 64

            message(2, "room/temp", payload, QoS.AT_MOST_ONCE); // 74 would exceed 64

            assertThat(effects()).containsExactly(new Effect.SendToDevice(new Register(id, FIRST_ID, "room/temp")));
            assertThat(session().isProven()).isFalse();
            assertThat(session().queuedMessages()).isEqualTo(1);

            device(new RegAck(id, FIRST_ID, ReturnCode.ACCEPTED));

            assertThat(session().isProven()).isTrue();
            assertThat(sent()).containsExactly(publish);
            assertThat(counters()).isEmpty();
        }

        @Test
        void aMessageBeyondTheWholeBudgetIsChallengedAtOnce() {
            requireProof();
            connect();
            int id = subscribe("room/temp");
            assertThat(size(toDevice(QoS.AT_MOST_ONCE, id, 0, BIG))).isGreaterThan(BUDGET);

            message(1, "room/temp", BIG, QoS.AT_MOST_ONCE);

            assertThat(effects()).containsExactly(new Effect.SendToDevice(new Register(id, FIRST_ID, "room/temp")));
            assertThat(session().isProven()).isFalse();
        }

        @Test
        void aRegAckWithTheChallengesMsgIdProvesTheAddressAndThePublishFollows() {
            requireProof();
            connect();
            int id = subscribe("room/temp");
            message(1, "room/temp", BIG, QoS.AT_MOST_ONCE);

            device(new RegAck(id, FIRST_ID, ReturnCode.ACCEPTED));

            assertThat(session().isProven()).isTrue();
            assertThat(effects()).containsExactly(new Effect.SendToDevice(toDevice(QoS.AT_MOST_ONCE, id, 0, BIG)));
            assertThat(session().queuedMessages()).isZero();
        }

        @Test
        void onceProvenDeliveriesGoStraightOutWhateverTheirSize() {
            requireProof();
            connect();
            int id = subscribe("room/temp");
            message(1, "room/temp", BIG, QoS.AT_MOST_ONCE);
            device(new RegAck(id, FIRST_ID, ReturnCode.ACCEPTED));

            String huge = "y".repeat(500);
            message(2, "room/temp", huge, QoS.AT_MOST_ONCE);
            assertThat(sent()).containsExactly(toDevice(QoS.AT_MOST_ONCE, id, 0, huge));

            message(3, "room/temp", BIG, QoS.AT_LEAST_ONCE);
            assertThat(sent()).containsExactly(toDevice(QoS.AT_LEAST_ONCE, id, FIRST_ID + 1, BIG));
            device(new PubAck(id, FIRST_ID + 1, ReturnCode.ACCEPTED));
            assertThat(effects()).containsExactly(new Effect.Acknowledge(3));

            assertThat(registersSoFar()).isEqualTo(1);
            assertThat(withheldSoFar()).isZero();
        }

        @Test
        void aRegAckWithAnotherMsgIdProvesNothing() {
            requireProof();
            connect();
            int id = subscribe("room/temp");
            message(1, "room/temp", BIG, QoS.AT_MOST_ONCE);

            device(new RegAck(id, 1, ReturnCode.ACCEPTED)); // what a forger guessing from 1 would send
            assertThat(counters()).containsExactly(UNEXPECTED_ACK);
            device(new RegAck(id, FIRST_ID + 1, ReturnCode.ACCEPTED));
            assertThat(counters()).containsExactly(UNEXPECTED_ACK);
            assertThat(sent()).isEmpty();
            assertThat(session().isProven()).isFalse();

            device(new RegAck(id, FIRST_ID, ReturnCode.ACCEPTED));
            assertThat(session().isProven()).isTrue();
            assertThat(sent()).containsExactly(toDevice(QoS.AT_MOST_ONCE, id, 0, BIG));
        }

        @Test
        void messagesArrivingWhileTheChallengeIsUnansweredWaitForIt() {
            requireProof();
            connect();
            int id = subscribe("room/temp");
            message(1, "room/temp", BIG, QoS.AT_MOST_ONCE);
            assertThat(sent()).containsExactly(new Register(id, FIRST_ID, "room/temp"));

            for (int i = 2; i <= 5; i++) {
                message(i, "room/temp", "m" + i, QoS.AT_MOST_ONCE); // small, but the challenge is in flight
                assertThat(effects()).isEmpty();
            }
            assertThat(session().queuedMessages()).isEqualTo(5);

            device(new RegAck(id, FIRST_ID, ReturnCode.ACCEPTED));

            assertThat(sent()).containsExactly(
                    toDevice(QoS.AT_MOST_ONCE, id, 0, BIG),
                    toDevice(QoS.AT_MOST_ONCE, id, 0, "m2"),
                    toDevice(QoS.AT_MOST_ONCE, id, 0, "m3"),
                    toDevice(QoS.AT_MOST_ONCE, id, 0, "m4"),
                    toDevice(QoS.AT_MOST_ONCE, id, 0, "m5"));
            assertThat(session().queuedMessages()).isZero();
        }

        @Test
        void theRegisterANewTopicNeedsIsTheChallengeWhenItIsTheFirst() {
            requireProof();
            connect();
            subscribe("room/#"); // a wildcard: the SUBACK gives no topic id

            message(1, "room/temp", "21", QoS.AT_MOST_ONCE); // small, but the device must learn the id

            assertThat(sent()).singleElement().isInstanceOf(Register.class);
            Register register = (Register) sent().get(0);
            assertThat(register.msgId()).isEqualTo(FIRST_ID);
            assertThat(register.topicName()).isEqualTo(bytes("room/temp"));
            assertThat(session().isProven()).isFalse();

            device(new RegAck(register.topicId(), FIRST_ID, ReturnCode.ACCEPTED));

            assertThat(session().isProven()).isTrue();
            assertThat(sent()).containsExactly(toDevice(QoS.AT_MOST_ONCE, register.topicId(), 0, "21"));
        }

        @Test
        void aPredefinedTopicIsChallengedWithARegisterOfItsNameThenPublishedUnderItsPredefinedId() {
            predefine(Map.of(7, "pre/config"));
            requireProof();
            connect();
            subscribe(TopicRef.predefined(7), QoS.AT_MOST_ONCE, QoS.AT_MOST_ONCE, 1);

            message(1, "pre/config", "on", QoS.AT_MOST_ONCE); // small: no challenge
            assertThat(sent()).containsExactly(
                    new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.PREDEFINED, 7, 0, bytes("on")));

            message(2, "pre/config", BIG, QoS.AT_MOST_ONCE);

            assertThat(sent()).singleElement().isInstanceOf(Register.class);
            Register challenge = (Register) sent().get(0);
            assertThat(challenge.topicName()).isEqualTo(bytes("pre/config"));
            assertThat(challenge.msgId()).isEqualTo(FIRST_ID);
            assertThat(challenge.topicId()).isNotZero().isNotEqualTo(7); // a normal id, not the predefined one

            device(new RegAck(challenge.topicId(), FIRST_ID, ReturnCode.ACCEPTED));

            assertThat(session().isProven()).isTrue();
            assertThat(sent()).containsExactly(
                    new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.PREDEFINED, 7, 0, bytes(BIG)));

            message(3, "pre/config", "off", QoS.AT_MOST_ONCE);
            assertThat(sent()).containsExactly(
                    new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.PREDEFINED, 7, 0, bytes("off")));
        }

        @ParameterizedTest(name = "{0} topic, REGACK {1}")
        @MethodSource("io.sngate.gateway.session.ReflectionBoundTest#refusedChallenges")
        void aRefusedChallengeTheDeliveryDidNotNeedProvesTheAddressAndTheMessageStillGoesOut(TopicKind kind,
                                                                                           ReturnCode refusal) {
            // A device with no room for (or no support of) registered ids refuses the challenge;
            // the PUBLISH needs no registration, so the answer only proves the address.
            predefine(Map.of(7, "pre/config"));
            requireProof();
            connect();
            String topic = kind.subscribe(ReflectionBoundTest.this);

            message(10, topic, BIG, QoS.AT_MOST_ONCE);
            assertThat(sent()).singleElement().isInstanceOfSatisfying(Register.class, challenge -> {
                assertThat(challenge.msgId()).isEqualTo(FIRST_ID);
                assertThat(challenge.topicName()).isEqualTo(bytes(topic));
            });

            device(new RegAck(0, FIRST_ID, refusal));

            assertThat(session().isProven()).isTrue();
            assertThat(counters()).isEmpty();
            assertThat(sent()).containsExactly(kind.publish(BIG));

            message(11, topic, "again", QoS.AT_MOST_ONCE); // the topic is not taken as refused
            assertThat(sent()).containsExactly(kind.publish("again"));
            assertThat(counters()).isEmpty();
        }

        @Test
        void aRefusedRegisterTheDeliveryNeededProvesTheAddressButTheTopicIsRefused() {
            requireProof();
            connect();
            subscribe("room/#");
            message(1, "room/temp", "21", QoS.AT_LEAST_ONCE);
            Register register = (Register) sent().get(0);
            assertThat(register.msgId()).isEqualTo(FIRST_ID);

            device(new RegAck(0, FIRST_ID, ReturnCode.REJECTED_NOT_SUPPORTED));

            assertThat(session().isProven()).isTrue();
            assertThat(counters()).containsExactly(REFUSED_BY_DEVICE);
            assertThat(effects(Effect.Acknowledge.class)).containsExactly(new Effect.Acknowledge(1));
            assertThat(sent()).isEmpty();
        }
    }

    /** The three ways a delivery names its topic without a REGISTER. */
    enum TopicKind {
        NORMAL_KNOWN_FROM_SUBACK {
            @Override
            String subscribe(SessionHarness harness) {
                assertThat(harness.subscribe("room/temp")).isEqualTo(1);
                return "room/temp";
            }

            @Override
            Publish publish(String payload) {
                return toDevice(QoS.AT_MOST_ONCE, 1, 0, payload);
            }
        },
        PREDEFINED {
            @Override
            String subscribe(SessionHarness harness) {
                harness.subscribe(TopicRef.predefined(7), QoS.AT_MOST_ONCE, QoS.AT_MOST_ONCE, 1);
                return "pre/config";
            }

            @Override
            Publish publish(String payload) {
                return new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.PREDEFINED, 7, 0, bytes(payload));
            }
        },
        SHORT_NAME {
            @Override
            String subscribe(SessionHarness harness) {
                harness.subscribe(TopicRef.shortName("ab"), QoS.AT_MOST_ONCE, QoS.AT_MOST_ONCE, 1);
                return "ab";
            }

            @Override
            Publish publish(String payload) {
                return Publish.toShortName("ab", QoS.AT_MOST_ONCE, false, 0, bytes(payload));
            }
        };

        abstract String subscribe(SessionHarness harness);

        abstract Publish publish(String payload);
    }

    static Stream<Arguments> refusedChallenges() {
        List<Arguments> cases = new ArrayList<>();
        for (TopicKind kind : TopicKind.values()) {
            for (ReturnCode refusal : List.of(ReturnCode.REJECTED_CONGESTION, ReturnCode.REJECTED_INVALID_TOPIC_ID,
                    ReturnCode.REJECTED_NOT_SUPPORTED)) {
                cases.add(Arguments.of(kind, refusal));
            }
        }
        return cases.stream();
    }

    @Nested
    class Budget {

        private static final String TOPIC = "plant/line-4/press-7"; // 20 bytes: its REGISTER is 26

        private void requireProofWithRetries(int budget, int retries) {
            configure(config().withUnprovenSendBytes(budget).withRetry(RETRY, retries));
            firstMsgId(FIRST_ID);
        }

        @Test
        void retransmissionsOfTheUnansweredChallengeSpendTheBudgetThenAreWithheld() {
            requireProofWithRetries(BUDGET, 10);
            connect(true, 600);
            int id = subscribe(TOPIC);
            Register challenge = new Register(id, FIRST_ID, TOPIC);
            assertThat(size(challenge)).isEqualTo(26);

            message(1, TOPIC, BIG, QoS.AT_MOST_ONCE);
            assertThat(sent()).containsExactly(challenge); // 26 of 64

            advance(RETRY);
            assertThat(sent()).containsExactly(challenge); // 52 of 64
            assertThat(counters()).isEmpty();

            advance(RETRY);
            assertThat(sent()).isEmpty(); // 78 would exceed 64
            assertThat(counters()).containsExactly(UNPROVEN_WITHHELD);
            assertThat(effects(Effect.Discard.class).get(0).topic()).isEqualTo(TOPIC);

            advance(RETRY);
            assertThat(sent()).isEmpty();
            assertThat(counters()).containsExactly(UNPROVEN_WITHHELD);
            assertThat(state()).isEqualTo(SessionState.ACTIVE);

            advance(RETRY * 8); // the withheld resends count as retries: lost after N_RETRY of them
            assertThat(state()).isEqualTo(SessionState.LOST);
            assertThat(initiatedSoFar()).containsExactly(challenge, challenge);
            assertThat(withheldSoFar()).isEqualTo(10 - 1);
        }

        @Test
        void theChallengeGoesOutWhateverIsLeftOfTheBudgetAndCountsIntoIt() {
            requireProofWithRetries(BUDGET, 10);
            connect(true, 600);
            int id = subscribe(TOPIC);
            String payload = "x".repeat(53);
            assertThat(size(toDevice(QoS.AT_MOST_ONCE, id, 0, payload))).isEqualTo(60);

            message(1, TOPIC, payload, QoS.AT_MOST_ONCE);
            assertThat(sent()).containsExactly(toDevice(QoS.AT_MOST_ONCE, id, 0, payload)); // 60 of 64

            message(2, TOPIC, "y", QoS.AT_MOST_ONCE); // 8 more would exceed 64

            // The first REGISTER goes out beyond the budget (86 bytes in all), or a device whose
            // budget small messages used up could never prove itself with it.
            assertThat(sent()).containsExactly(new Register(id, FIRST_ID, TOPIC));
            assertThat(counters()).isEmpty();

            advance(RETRY);
            assertThat(sent()).isEmpty(); // its resend comes out of what is left: nothing
            assertThat(counters()).containsExactly(UNPROVEN_WITHHELD);

            device(new RegAck(id, FIRST_ID, ReturnCode.ACCEPTED)); // a late answer still proves
            assertThat(sent()).containsExactly(toDevice(QoS.AT_MOST_ONCE, id, 0, "y"));
        }

        @Test
        void aLateAnswerToTheChallengeStillProvesAndTheDeliveryGoesOn() {
            requireProofWithRetries(BUDGET, 10);
            connect(true, 600);
            int id = subscribe(TOPIC);
            message(1, TOPIC, BIG, QoS.AT_MOST_ONCE);
            advance(RETRY * 4);
            assertThat(withheldSoFar()).isEqualTo(3);
            assertThat(state()).isEqualTo(SessionState.ACTIVE);
            message(2, TOPIC, "after", QoS.AT_MOST_ONCE);
            assertThat(effects()).isEmpty();

            device(new RegAck(id, FIRST_ID, ReturnCode.ACCEPTED));

            assertThat(session().isProven()).isTrue();
            assertThat(sent()).containsExactly(
                    toDevice(QoS.AT_MOST_ONCE, id, 0, BIG),
                    toDevice(QoS.AT_MOST_ONCE, id, 0, "after"));
            assertThat(counters()).isEmpty();
            assertThat(session().queuedMessages()).isZero();
        }

        /**
         * The challenge went unanswered (26 + 26 of 64 bytes spent) and the session was lost; the
         * device connects again from the same address, which is as unproven as before.
         */
        private int loseTheSessionWithItsChallengeUnanswered() {
            requireProofWithRetries(BUDGET, 1);
            connect(true, 600);
            subscribe(TOPIC);
            message(1, TOPIC, BIG, QoS.AT_MOST_ONCE);
            advance(RETRY * 2);
            assertThat(state()).isEqualTo(SessionState.LOST);
            assertThat(initiatedSoFar()).hasSize(2).allMatch(Register.class::isInstance);
            assertThat(withheldSoFar()).isZero();
            connect(true, 600);
            assertThat(session().isProven()).isFalse();
            return subscribe(TOPIC);
        }

        @Test
        void atTheSameAddressNoSecondChallengeIsSentAndMessagesBeyondTheBudgetAreWithheld() {
            int id = loseTheSessionWithItsChallengeUnanswered();

            message(2, TOPIC, "ab", QoS.AT_MOST_ONCE); // 9 bytes: 61 of 64
            assertThat(sent()).containsExactly(toDevice(QoS.AT_MOST_ONCE, id, 0, "ab"));

            message(3, TOPIC, "abcd", QoS.AT_MOST_ONCE); // 11 bytes: 72 would exceed 64

            assertThat(sent()).isEmpty();
            assertThat(counters()).containsExactly(UNPROVEN_WITHHELD);
            assertThat(effects(Effect.Discard.class).get(0).topic()).isEqualTo(TOPIC);
            assertThat(session().queuedMessages()).isZero(); // withheld, not waiting
            assertThat(registersSoFar()).isEqualTo(2); // the challenge and its one resend, earlier
        }

        @Test
        void aRegisterANewTopicNeedsAfterTheChallengeComesOutOfTheBudget() {
            loseTheSessionWithItsChallengeUnanswered(); // 52 of 64 spent
            subscribe(TopicRef.name("a/#"), QoS.AT_MOST_ONCE, QoS.AT_MOST_ONCE, 101);
            String topic = "a/" + "b".repeat(28);

            message(2, topic, "v", QoS.AT_MOST_ONCE); // its REGISTER of 36 bytes would exceed 64

            assertThat(sent()).isEmpty();
            assertThat(counters()).containsExactly(UNPROVEN_WITHHELD);
            assertThat(effects(Effect.Discard.class).get(0).topic()).isEqualTo(topic);
            assertThat(session().queuedMessages()).isEqualTo(1); // the registration stays in flight

            advance(RETRY);
            assertThat(sent()).isEmpty();
            assertThat(counters()).containsExactly(UNPROVEN_WITHHELD);
        }

        static Stream<Arguments> budgetsTopicsAndPayloads() {
            List<Arguments> cases = new ArrayList<>();
            for (int budget : new int[] {0, 7, 16, 64, 300}) {
                for (int topicLength : new int[] {1, 20, 58, 200}) {
                    for (int payloadLength : new int[] {1, 40, 400}) {
                        cases.add(Arguments.of(budget, topicLength, payloadLength));
                    }
                }
            }
            return cases.stream();
        }

        /**
         * Every QoS 0 PUBLISH and REGISTER the gateway starts while the address is unproven keeps
         * the running total within the budget, except the first REGISTER, which goes out whatever
         * its size and whatever was sent before it. So the total is at most the budget plus that
         * REGISTER (not the larger of the two: small messages may use the budget before the
         * challenge). And the budget is used, not less: every packet that fits goes out.
         */
        @ParameterizedTest(name = "budget {0}, topic of {1} bytes, payloads of {2} bytes")
        @MethodSource("budgetsTopicsAndPayloads")
        void whatIsSentWhileUnprovenStaysWithinTheBudgetBesidesTheFirstRegister(int budget, int topicLength,
                                                                                int payloadLength) {
            int retries = 10;
            requireProofWithRetries(budget, retries);
            connect(true, 600);
            String topic = "t".repeat(topicLength);
            String payload = "p".repeat(payloadLength);
            int id = subscribe(topic);
            Publish publish = toDevice(QoS.AT_MOST_ONCE, id, 0, payload);
            Register challenge = new Register(id, FIRST_ID, topic);
            int publishSize = size(publish);
            int registerSize = size(challenge);

            // QoS 0 messages until one does not fit: the challenge precedes it and stays unanswered.
            int fitting = budget / publishSize;
            for (int i = 0; i <= fitting + 2; i++) {
                message(i, topic, payload, QoS.AT_MOST_ONCE);
            }
            advance(RETRY * (retries + 1)); // every retransmission falls due, then the device is lost
            assertThat(state()).isEqualTo(SessionState.LOST);

            // It connects again from the same address: no second challenge, only what is left.
            int laterMessages = 3;
            connect(true, 600);
            int idAgain = subscribe(topic);
            for (int i = 0; i < laterMessages; i++) {
                message(100 + i, topic, payload, QoS.AT_MOST_ONCE);
            }
            assertThat(session().isProven()).isFalse();

            List<MqttSn12Message> initiated = initiatedSoFar();
            int total = 0;
            boolean firstRegister = true;
            for (MqttSn12Message m : initiated) {
                total += size(m);
                if (m instanceof Register && firstRegister) {
                    firstRegister = false;
                } else {
                    assertThat(total).as("running total after %s", m).isLessThanOrEqualTo(budget);
                }
            }
            assertThat(total).isLessThanOrEqualTo(budget + registerSize);

            int afterChallenge = fitting * publishSize + registerSize;
            int resent = Math.min(retries, Math.max(0, budget - afterChallenge) / registerSize);
            int spent = afterChallenge + resent * registerSize;
            int laterSent = Math.min(laterMessages, Math.max(0, budget - spent) / publishSize);
            List<MqttSn12Message> expected = new ArrayList<>();
            expected.addAll(Collections.nCopies(fitting, publish));
            expected.addAll(Collections.nCopies(1 + resent, challenge));
            expected.addAll(Collections.nCopies(laterSent, toDevice(QoS.AT_MOST_ONCE, idAgain, 0, payload)));
            assertThat(initiated).containsExactlyElementsOf(expected);
            assertThat(total).isEqualTo(spent + laterSent * publishSize);
            assertThat(withheldSoFar()).isEqualTo((retries - resent) + (laterMessages - laterSent));
        }

        @Test
        void answersToTheDevicesOwnRequestsAreNotLimited() {
            requireProofWithRetries(BUDGET, 10);
            connect(true, 600);
            subscribe(TOPIC);
            message(1, TOPIC, BIG, QoS.AT_MOST_ONCE);
            advance(RETRY * 2); // one resend fits (52 of 64), the next is withheld
            assertThat(counters()).containsExactly(UNPROVEN_WITHHELD); // the budget is spent

            device(PingReq.PLAIN);
            assertThat(sent()).containsExactly(PingResp.INSTANCE);

            device(new Register(0, 5, "a/much/longer/topic/name/than/the/budget/would/allow/for/sure"));
            assertThat(sent()).singleElement().isInstanceOfSatisfying(RegAck.class,
                    ack -> assertThat(ack.returnCode()).isEqualTo(ReturnCode.ACCEPTED));
            int registered = ((RegAck) sent().get(0)).topicId();

            device(new Subscribe(false, QoS.AT_LEAST_ONCE, 6, TopicRef.name("another/rather/long/topic/filter/#")));
            upstream(new UpstreamEvent.Subscribed(effects(Effect.Subscribe.class).get(0).token(),
                    Optional.of(QoS.AT_LEAST_ONCE), Optional.empty()));
            assertThat(sent()).singleElement().isInstanceOfSatisfying(SubAck.class,
                    ack -> assertThat(ack.returnCode()).isEqualTo(ReturnCode.ACCEPTED));

            device(new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, registered, 7, bytes(BIG)));
            upstream(new UpstreamEvent.PublishDone(published().token(), Optional.empty()));
            assertThat(sent()).containsExactly(new PubAck(registered, 7, ReturnCode.ACCEPTED));

            assertThat(withheldSoFar()).isEqualTo(1); // only the challenge's resend, before
            assertThat(session().isProven()).isFalse(); // answering the device proves nothing
        }
    }

    @Nested
    class SelfLimiting {

        @Test
        void aQoS1DeliveryToAnUnprovenSessionGoesOutWithItsOwnMsgIdAndItsResendsAreNeverWithheld() {
            configure(config().withUnprovenSendBytes(0));
            firstMsgId(FIRST_ID);
            connect();
            int id = subscribe("room/temp");
            Publish publish = toDevice(QoS.AT_LEAST_ONCE, id, FIRST_ID, BIG);

            message(7, "room/temp", BIG, QoS.AT_LEAST_ONCE);

            assertThat(effects()).containsExactly(new Effect.SendToDevice(publish)); // no REGISTER before it
            for (int i = 0; i < MAX_RETRIES; i++) {
                advance(RETRY);
                assertThat(sent()).containsExactly(publish.asDuplicate());
                assertThat(counters()).isEmpty();
            }

            advance(RETRY);

            assertThat(sent()).isEmpty();
            assertThat(effects(Effect.Lost.class)).hasSize(1);
            assertThat(state()).isEqualTo(SessionState.LOST);
            assertThat(initiatedSoFar()).hasSize(1 + MAX_RETRIES);
            assertThat(withheldSoFar()).isZero();
            assertThat(session().isProven()).isFalse();
        }

        @Test
        void aQoS2DeliveryIsProvenByItsPubRecAndItsPubRelIsResentToANewAddressOutsideTheBudget() {
            configure(config().withUnprovenSendBytes(0));
            firstMsgId(FIRST_ID);
            connect();
            int id = subscribe("room/temp");

            message(3, "room/temp", BIG, QoS.EXACTLY_ONCE);
            assertThat(sent()).containsExactly(toDevice(QoS.EXACTLY_ONCE, id, FIRST_ID, BIG));

            device(new PubRec(FIRST_ID));
            assertThat(session().isProven()).isTrue();
            assertThat(sent()).containsExactly(new PubRel(FIRST_ID));
            assertThat(effects(Effect.Acknowledge.class)).containsExactly(new Effect.Acknowledge(3));

            device(Disconnect.sleep(600)); // asleep before PUBCOMP
            addressChanged();
            device(PingReq.wake(CLIENT_ID));
            assertThat(session().isProven()).isFalse();
            assertThat(sent()).containsExactly(new PubRel(FIRST_ID)); // budget 0, but outside it
            advance(RETRY);
            assertThat(sent()).containsExactly(new PubRel(FIRST_ID));
            assertThat(counters()).isEmpty();

            device(new PubComp(FIRST_ID));

            assertThat(session().isProven()).isTrue();
            assertThat(effects(Effect.Acknowledge.class)).isEmpty(); // acknowledged at the PUBREC already
            assertThat(withheldSoFar()).isZero();
        }
    }

    @Nested
    class Proof {

        @Test
        void aPubAckAnsweringTheInFlightQoS1PublishWithItsMsgIdProves() {
            requireProof();
            connect();
            int id = subscribe("room/temp");
            message(2, "room/temp", "b", QoS.AT_LEAST_ONCE);
            assertThat(sent()).containsExactly(toDevice(QoS.AT_LEAST_ONCE, id, FIRST_ID, "b"));

            device(new PubAck(id, 1, ReturnCode.ACCEPTED));
            assertThat(counters()).containsExactly(UNEXPECTED_ACK);
            device(new PubAck(id, FIRST_ID + 1, ReturnCode.ACCEPTED));
            assertThat(counters()).containsExactly(UNEXPECTED_ACK);
            assertThat(session().isProven()).isFalse();

            device(new PubAck(id, FIRST_ID, ReturnCode.ACCEPTED));
            assertThat(session().isProven()).isTrue();
            assertThat(effects()).containsExactly(new Effect.Acknowledge(2));

            message(3, "room/temp", BIG, QoS.AT_MOST_ONCE); // proven: no challenge
            assertThat(sent()).containsExactly(toDevice(QoS.AT_MOST_ONCE, id, 0, BIG));
        }

        @Test
        void aPubAckAfterTheDeviceWokeAtANewAddressProvesThatAddress() {
            requireProof();
            connect(true, 60);
            int id = subscribe("room/temp");
            message(1, "room/temp", "a", QoS.AT_LEAST_ONCE);
            device(new PubAck(id, FIRST_ID, ReturnCode.ACCEPTED));
            assertThat(session().isProven()).isTrue();
            message(2, "room/temp", "b", QoS.AT_LEAST_ONCE);
            Publish inFlight = toDevice(QoS.AT_LEAST_ONCE, id, FIRST_ID + 1, "b");
            assertThat(sent()).containsExactly(inFlight);
            device(Disconnect.sleep(600)); // asleep before it acknowledged

            addressChanged(); // it wakes at a new address
            device(PingReq.wake(CLIENT_ID));
            assertThat(session().isProven()).isFalse();
            assertThat(sent()).containsExactly(inFlight.asDuplicate()); // a DUP keeps its msg id

            device(new PubAck(id, FIRST_ID + 2, ReturnCode.ACCEPTED));
            assertThat(counters()).containsExactly(UNEXPECTED_ACK);
            assertThat(session().isProven()).isFalse();

            device(new PubAck(id, FIRST_ID + 1, ReturnCode.ACCEPTED));
            assertThat(session().isProven()).isTrue();
            assertThat(effects(Effect.Acknowledge.class)).containsExactly(new Effect.Acknowledge(2));
        }

        @Test
        void anAddressChangeMakesTheSessionUnprovenWithAFreshBudgetChallengeAndMsgIds() {
            requireProof();
            connect();
            int id = subscribe("room/temp");
            String payload = "x".repeat(30); // 37 bytes: one fits the budget, two do not
            Publish publish = toDevice(QoS.AT_MOST_ONCE, id, 0, payload);
            message(1, "room/temp", payload, QoS.AT_MOST_ONCE);
            message(2, "room/temp", payload, QoS.AT_MOST_ONCE);
            assertThat(sent()).containsExactly(new Register(id, FIRST_ID, "room/temp"));
            device(new RegAck(id, FIRST_ID, ReturnCode.ACCEPTED));
            assertThat(session().isProven()).isTrue();

            addressChanged();
            assertThat(session().isProven()).isFalse();

            message(3, "room/temp", payload, QoS.AT_MOST_ONCE);
            assertThat(sent()).containsExactly(publish); // the new address has its own budget

            message(4, "room/temp", payload, QoS.AT_MOST_ONCE);
            assertThat(sent()).containsExactly(new Register(id, MSG_ID_AFTER_MOVE, "room/temp")); // and challenge

            device(new RegAck(id, FIRST_ID + 1, ReturnCode.ACCEPTED)); // the old address's next id
            assertThat(counters()).containsExactly(UNEXPECTED_ACK);
            assertThat(session().isProven()).isFalse();

            device(new RegAck(id, MSG_ID_AFTER_MOVE, ReturnCode.ACCEPTED));
            assertThat(session().isProven()).isTrue();
            assertThat(sent()).containsExactly(publish);

            message(5, "room/temp", "q", QoS.AT_LEAST_ONCE);
            assertThat(sent()).containsExactly(toDevice(QoS.AT_LEAST_ONCE, id, MSG_ID_AFTER_MOVE + 1, "q"));
        }

        @Test
        void aChallengeInFlightWhenTheAddressChangesIsResentUnderAFreshIdThatAloneProves() {
            configure(config().withUnprovenSendBytes(BUDGET).withRetry(RETRY, 10));
            firstMsgId(FIRST_ID);
            connect(true, 600);
            int id = subscribe("room/temp");
            message(1, "room/temp", "x".repeat(100), QoS.AT_MOST_ONCE);
            assertThat(sent()).containsExactly(new Register(id, FIRST_ID, "room/temp"));

            // The id FIRST_ID was seen at the old address: the new one must answer another.
            addressChanged();
            advance(RETRY);
            assertThat(sent()).containsExactly(new Register(id, MSG_ID_AFTER_MOVE, "room/temp"));
            device(new RegAck(id, FIRST_ID, ReturnCode.ACCEPTED));
            assertThat(counters()).containsExactly(UNEXPECTED_ACK);
            assertThat(session().isProven()).isFalse();

            device(new RegAck(id, MSG_ID_AFTER_MOVE, ReturnCode.ACCEPTED));
            assertThat(session().isProven()).isTrue();
            assertThat(sent()).singleElement().isInstanceOf(Publish.class);
        }

        @Test
        void withProofOffNoChallengeIsEverSentAndNothingIsWithheld() {
            connect();
            int id = subscribe("room/temp");
            assertThat(session().isProven()).isTrue();

            String huge = "x".repeat(500);
            message(1, "room/temp", huge, QoS.AT_MOST_ONCE);
            assertThat(sent()).containsExactly(toDevice(QoS.AT_MOST_ONCE, id, 0, huge));

            addressChanged();
            assertThat(session().isProven()).isTrue();
            message(2, "room/temp", huge, QoS.AT_MOST_ONCE);
            assertThat(sent()).containsExactly(toDevice(QoS.AT_MOST_ONCE, id, 0, huge));
            message(3, "room/temp", "22", QoS.AT_LEAST_ONCE);
            Publish publish = toDevice(QoS.AT_LEAST_ONCE, id, MSG_ID_AFTER_MOVE, "22"); // ids go on from there
            assertThat(sent()).containsExactly(publish);
            for (int i = 0; i < MAX_RETRIES; i++) {
                advance(RETRY);
                assertThat(sent()).containsExactly(publish.asDuplicate());
            }
            assertThat(registersSoFar()).isZero();
            assertThat(withheldSoFar()).isZero();
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

            message(1, "room/temp", BIG, QoS.AT_MOST_ONCE);
            assertThat(sent()).containsExactly(new Register(id, 0xFFFF, "room/temp"));
            device(new RegAck(id, 0xFFFF, ReturnCode.ACCEPTED));
            assertThat(sent()).containsExactly(toDevice(QoS.AT_MOST_ONCE, id, 0, BIG));

            message(2, "room/temp", "a", QoS.AT_LEAST_ONCE);
            assertThat(sent()).containsExactly(toDevice(QoS.AT_LEAST_ONCE, id, 1, "a"));
            device(new PubAck(id, 1, ReturnCode.ACCEPTED));

            message(3, "room/temp", "b", QoS.AT_LEAST_ONCE);
            assertThat(sent()).containsExactly(toDevice(QoS.AT_LEAST_ONCE, id, 2, "b"));
        }

        @Test
        void anAddressChangeCanContinueTheIdsAt65535AndTheyWrapTo1() {
            configure(config().withUnprovenSendBytes(BUDGET));
            firstMsgId(FIRST_ID);
            connect();
            int id = subscribe("room/temp");

            addressChanged(0xFFFF);
            message(1, "room/temp", "a", QoS.AT_LEAST_ONCE);
            assertThat(sent()).containsExactly(toDevice(QoS.AT_LEAST_ONCE, id, 0xFFFF, "a"));
            device(new PubAck(id, 0xFFFF, ReturnCode.ACCEPTED));
            assertThat(session().isProven()).isTrue();

            message(2, "room/temp", "b", QoS.AT_LEAST_ONCE);
            assertThat(sent()).containsExactly(toDevice(QoS.AT_LEAST_ONCE, id, 1, "b"));
        }

        @ParameterizedTest(name = "first msg id {0}")
        @ValueSource(ints = {-1, 0, 0x10000})
        void aFirstMsgIdOutsideOneTo65535IsRefused(int firstMsgId) {
            assertThatThrownBy(() -> new ClientSession(CLIENT_ID, SessionConfig.DEFAULTS, PredefinedTopics.NONE,
                    SessionPolicy.ALLOW_ALL, firstMsgId)).isInstanceOf(IllegalArgumentException.class);
        }

        @ParameterizedTest(name = "next msg id {0}")
        @ValueSource(ints = {-1, 0, 0x10000})
        void aNextMsgIdOutsideOneTo65535IsRefusedOnAnAddressChange(int nextMsgId) {
            connect();
            assertThatThrownBy(() -> addressChanged(nextMsgId)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
