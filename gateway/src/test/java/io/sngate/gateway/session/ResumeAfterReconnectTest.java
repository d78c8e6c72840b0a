package io.sngate.gateway.session;

import static io.sngate.gateway.session.ClientSession.Counters.BROKER_RESEND;
import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.PubComp;
import io.sngate.codec.v12.PubRec;
import io.sngate.codec.v12.PubRel;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.TopicIdType;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A delivery to the device interrupted by the device leaving, then resumed when it comes back
 * to its persistent session (clean flag 0). The broker resumes its side too: MQTT 5 §4.4 makes
 * it send again, on the new connection and under a new delivery id, every QoS 1/2 message it
 * had not had acknowledged. The exchange must resume where it stopped (same msg id, DUP, or
 * PUBREL) and never start again as a new PUBLISH because of that resend.
 */
class ResumeAfterReconnectTest extends SessionHarness {

    private static final String TOPIC = "room/temp";
    /** The delivery id the broker's message had on the first connection. */
    private static final long FIRST_ID = 1;
    /** The delivery id of the broker's resend on the new connection. */
    private static final long RESENT_ID = 51;

    private int topicId;

    private static Publish toDevice(QoS qos, int topicId, int msgId, String payload) {
        return new Publish(false, qos, false, TopicIdType.NORMAL, topicId, msgId, bytes(payload));
    }

    /** How the device is away while its session is kept. */
    enum Absence {
        /** Plain DISCONNECT: the session is kept for sessions.persistent-expiry-seconds. */
        DISCONNECTED,
        /** Silent: lost after N_RETRY unanswered resends. */
        LOST,
        /** DISCONNECT with a duration: the upstream connection stays open while it sleeps. */
        ASLEEP,
        /** Asleep, then woken by PINGREQ: the exchange in flight is resent, then the device reboots. */
        AWAKE
    }

    private void connectAndSubscribe() {
        connect(false, 60);
        topicId = subscribe(TOPIC);
    }

    private void leave(Absence absence) {
        switch (absence) {
            case DISCONNECTED -> {
                device(Disconnect.PLAIN);
                advance(config().persistentSessionExpirySeconds() * 1000L - 1); // kept until the expiry
                assertThat(state()).isEqualTo(SessionState.DISCONNECTED);
                assertThat(session().isFinished()).isFalse();
            }
            case LOST -> {
                advance(RETRY * (MAX_RETRIES + 1));
                assertThat(state()).isEqualTo(SessionState.LOST);
            }
            case ASLEEP -> {
                device(Disconnect.sleep(600));
                advance(60_000);
                assertThat(state()).isEqualTo(SessionState.ASLEEP);
            }
            case AWAKE -> {
                device(Disconnect.sleep(600));
                advance(60_000);
                device(PingReq.wake(CLIENT_ID));
                assertThat(state()).isEqualTo(SessionState.AWAKE);
            }
        }
    }

    /** The device connects again with clean flag 0; the broker has the session. */
    private void comeBack() {
        device(connectPacket(false, false, 60));
        assertThat(effects(Effect.Connect.class)).hasSize(1);
        upstream(new UpstreamEvent.Connected(true));
    }

    private void brokerResends(String payload, QoS qos) {
        resent(RESENT_ID, TOPIC, payload, qos);
    }

    @Nested
    class Qos2PastPubRec {

        @ParameterizedTest
        @EnumSource(Absence.class)
        void resumesWithPubRelAndTheBrokersResendIsAcknowledgedNotDelivered(Absence absence) {
            connectAndSubscribe();
            message(FIRST_ID, TOPIC, "a", QoS.EXACTLY_ONCE);
            assertThat(sent()).containsExactly(toDevice(QoS.EXACTLY_ONCE, topicId, 1, "a"));
            device(new PubRec(1));
            assertThat(effects()).containsExactly(
                    new Effect.Acknowledge(FIRST_ID), new Effect.SendToDevice(new PubRel(1)));

            leave(absence);
            comeBack();
            assertThat(sent()).containsExactly(new ConnAck(ReturnCode.ACCEPTED), new PubRel(1));

            // The broker sends the PUBLISH again: its PUBREC never arrived (the broker connection
            // was down when the device answered). The device has the message: acknowledged at once.
            brokerResends("a", QoS.EXACTLY_ONCE);
            assertThat(sent()).isEmpty();
            assertThat(effects(Effect.Acknowledge.class)).containsExactly(new Effect.Acknowledge(RESENT_ID));
            assertThat(counted()).containsExactly(BROKER_RESEND);

            device(new PubComp(1));
            assertThat(effects()).isEmpty();
            assertThat(session().queuedMessages()).isZero();
        }

        @Test
        void withoutAResendTheExchangeEndsWithPubCompAlone() {
            connectAndSubscribe();
            message(FIRST_ID, TOPIC, "a", QoS.EXACTLY_ONCE);
            device(new PubRec(1));
            leave(Absence.LOST);
            comeBack();
            assertThat(sent()).containsExactly(new ConnAck(ReturnCode.ACCEPTED), new PubRel(1));

            device(new PubComp(1));

            assertThat(effects()).isEmpty();
            assertThat(history()).filteredOn(Effect.Acknowledge.class::isInstance)
                    .containsExactly(new Effect.Acknowledge(FIRST_ID));
        }
    }

    @Nested
    class Qos2BeforePubRec {

        @ParameterizedTest
        @EnumSource(Absence.class)
        void resumesWithTheSameMsgIdAndDupAndIsDeliveredOnce(Absence absence) {
            connectAndSubscribe();
            message(FIRST_ID, TOPIC, "a", QoS.EXACTLY_ONCE);
            assertThat(sent()).containsExactly(toDevice(QoS.EXACTLY_ONCE, topicId, 1, "a"));

            leave(absence);
            comeBack();
            assertThat(sent()).containsExactly(new ConnAck(ReturnCode.ACCEPTED),
                    toDevice(QoS.EXACTLY_ONCE, topicId, 1, "a").asDuplicate());

            brokerResends("a", QoS.EXACTLY_ONCE);
            assertThat(sent()).isEmpty();
            assertThat(effects(Effect.Acknowledge.class)).isEmpty(); // the device has not answered yet
            assertThat(counted()).containsExactly(BROKER_RESEND);

            // The acknowledgement goes under the id the new connection knows.
            device(new PubRec(1));
            assertThat(effects()).containsExactly(
                    new Effect.Acknowledge(RESENT_ID), new Effect.SendToDevice(new PubRel(1)));
            device(new PubComp(1));
            assertThat(effects()).isEmpty();
            assertThat(session().queuedMessages()).isZero();
        }
    }

    @Nested
    class Qos1 {

        @ParameterizedTest
        @EnumSource(Absence.class)
        void resumesWithTheSameMsgIdAndDupAndIsDeliveredOnce(Absence absence) {
            connectAndSubscribe();
            message(FIRST_ID, TOPIC, "a", QoS.AT_LEAST_ONCE);
            assertThat(sent()).containsExactly(toDevice(QoS.AT_LEAST_ONCE, topicId, 1, "a"));

            leave(absence);
            comeBack();
            assertThat(sent()).containsExactly(new ConnAck(ReturnCode.ACCEPTED),
                    toDevice(QoS.AT_LEAST_ONCE, topicId, 1, "a").asDuplicate());

            brokerResends("a", QoS.AT_LEAST_ONCE);
            assertThat(sent()).isEmpty();
            assertThat(counted()).containsExactly(BROKER_RESEND);

            device(new PubAck(topicId, 1, ReturnCode.ACCEPTED));
            assertThat(effects()).containsExactly(new Effect.Acknowledge(RESENT_ID));
            assertThat(session().queuedMessages()).isZero();
        }

        @Test
        void aResendArrivingAfterTheDeviceAnsweredIsAcknowledgedNotDelivered() {
            connectAndSubscribe();
            message(FIRST_ID, TOPIC, "a", QoS.AT_LEAST_ONCE);
            leave(Absence.LOST);
            comeBack();
            device(new PubAck(topicId, 1, ReturnCode.ACCEPTED)); // quicker than the broker's resend

            brokerResends("a", QoS.AT_LEAST_ONCE);

            assertThat(sent()).isEmpty();
            assertThat(effects(Effect.Acknowledge.class)).containsExactly(new Effect.Acknowledge(RESENT_ID));
            assertThat(session().queuedMessages()).isZero();
        }
    }

    @Nested
    class HeldMessages {

        @ParameterizedTest
        @EnumSource(Absence.class)
        void messagesQueuedBehindTheOneInFlightAreDeliveredOnceEach(Absence absence) {
            connectAndSubscribe();
            message(1, TOPIC, "a", QoS.AT_LEAST_ONCE);
            message(2, TOPIC, "b", QoS.EXACTLY_ONCE);
            message(3, TOPIC, "c", QoS.AT_MOST_ONCE);
            leave(absence);
            comeBack();
            assertThat(sent()).containsExactly(new ConnAck(ReturnCode.ACCEPTED),
                    toDevice(QoS.AT_LEAST_ONCE, topicId, 1, "a").asDuplicate());

            // The broker resends its two unacknowledged messages in order (never the QoS 0 one).
            resent(11, TOPIC, "a", QoS.AT_LEAST_ONCE);
            resent(12, TOPIC, "b", QoS.EXACTLY_ONCE);
            assertThat(sent()).isEmpty();
            assertThat(session().queuedMessages()).isEqualTo(3);

            device(new PubAck(topicId, 1, ReturnCode.ACCEPTED));
            assertThat(effects()).containsExactly(new Effect.Acknowledge(11),
                    new Effect.SendToDevice(toDevice(QoS.EXACTLY_ONCE, topicId, 2, "b")));
            device(new PubRec(2));
            assertThat(effects()).containsExactly(new Effect.Acknowledge(12), new Effect.SendToDevice(new PubRel(2)));
            device(new PubComp(2));
            assertThat(sent()).containsExactly(toDevice(QoS.AT_MOST_ONCE, topicId, 0, "c"));
            assertThat(session().queuedMessages()).isZero();
        }

        @Test
        void aSleepingDevicesBufferIsDeliveredOnceWhenItConnectsAgain() {
            connectAndSubscribe();
            device(Disconnect.sleep(600));
            message(1, TOPIC, "a", QoS.AT_LEAST_ONCE);
            message(2, TOPIC, "b", QoS.EXACTLY_ONCE);

            comeBack(); // a CONNECT instead of a PINGREQ: the upstream connection is opened anew
            assertThat(sent()).containsExactly(new ConnAck(ReturnCode.ACCEPTED),
                    toDevice(QoS.AT_LEAST_ONCE, topicId, 1, "a"));
            resent(11, TOPIC, "a", QoS.AT_LEAST_ONCE);
            resent(12, TOPIC, "b", QoS.EXACTLY_ONCE);
            assertThat(sent()).isEmpty();

            device(new PubAck(topicId, 1, ReturnCode.ACCEPTED));
            assertThat(effects()).containsExactly(new Effect.Acknowledge(11),
                    new Effect.SendToDevice(toDevice(QoS.EXACTLY_ONCE, topicId, 2, "b")));
            device(new PubRec(2));
            device(new PubComp(2));
            assertThat(effects()).isEmpty();
            assertThat(history()).filteredOn(Effect.Acknowledge.class::isInstance)
                    .containsExactly(new Effect.Acknowledge(11), new Effect.Acknowledge(12));
        }
    }

    /** Only the broker's resends are taken for copies: new messages with the same content are new. */
    @Nested
    class NewMessages {

        private void interruptedQos1Delivery() {
            connectAndSubscribe();
            message(FIRST_ID, TOPIC, "a", QoS.AT_LEAST_ONCE);
            leave(Absence.LOST);
        }

        @Test
        void aMessageThatIsNoResendEndsTheResends() {
            interruptedQos1Delivery();
            comeBack();
            message(52, TOPIC, "other", QoS.AT_LEAST_ONCE);
            assertThat(counted()).isEmpty();

            // The broker resends before anything new, so this is a second message with the same
            // content, even marked DUP.
            resent(53, TOPIC, "a", QoS.AT_LEAST_ONCE);
            assertThat(counted()).isEmpty();
            assertThat(session().queuedMessages()).isEqualTo(3);
        }

        @Test
        void resendsComeAtOnceAfterTheConnectionIsAcceptedNotLater() {
            interruptedQos1Delivery();
            comeBack();
            advance(RETRY + 1);

            resent(52, TOPIC, "a", QoS.AT_LEAST_ONCE);

            assertThat(counted()).isEmpty();
            assertThat(session().queuedMessages()).isEqualTo(2);
        }

        @Test
        void aBrokerWithoutTheSessionResendsNothing() {
            interruptedQos1Delivery();
            device(connectPacket(false, false, 60));
            upstream(new UpstreamEvent.Connected(false));

            resent(52, TOPIC, "a", QoS.AT_LEAST_ONCE);

            assertThat(counted()).isEmpty();
            assertThat(session().queuedMessages()).isEqualTo(2);
        }

        @Test
        void aMessageHeldOnlyAfterTheReconnectionIsNoCandidate() {
            connectAndSubscribe();
            device(connectPacket(false, false, 30)); // restarts the session: a new upstream connection
            message(1, TOPIC, "a", QoS.AT_LEAST_ONCE); // arrives on the new connection before its CONNACK
            upstream(new UpstreamEvent.Connected(true));

            resent(2, TOPIC, "a", QoS.AT_LEAST_ONCE);

            assertThat(counted()).isEmpty();
            assertThat(session().queuedMessages()).isEqualTo(2);
        }

        @Test
        void otherQoSOrRetainIsAnotherMessage() {
            interruptedQos1Delivery();
            comeBack();

            resent(52, TOPIC, "a", QoS.EXACTLY_ONCE);

            assertThat(counted()).isEmpty();
            assertThat(session().queuedMessages()).isEqualTo(2);
        }

        @Test
        void anEqualMessageTheBrokerDidNotMarkDupIsANewOne() {
            interruptedQos1Delivery();
            comeBack();

            message(52, TOPIC, "a", QoS.AT_LEAST_ONCE); // the same content, sent for the first time

            assertThat(counted()).isEmpty();
            assertThat(session().queuedMessages()).isEqualTo(2);
        }

        @Test
        void aQos0MessageIsNeverTakenForAResend() {
            connectAndSubscribe();
            device(Disconnect.sleep(600));
            message(1, TOPIC, "a", QoS.AT_MOST_ONCE);
            comeBack();
            assertThat(sent()).containsExactly(new ConnAck(ReturnCode.ACCEPTED),
                    toDevice(QoS.AT_MOST_ONCE, topicId, 0, "a"));

            message(2, TOPIC, "a", QoS.AT_MOST_ONCE);

            assertThat(sent()).containsExactly(toDevice(QoS.AT_MOST_ONCE, topicId, 0, "a"));
        }
    }
}
