package io.sngate.gateway.session;

import static io.sngate.gateway.session.ClientSession.Counters.FOREIGN_CLIENT_ID;
import static io.sngate.gateway.session.ClientSession.Counters.NOT_CONNECTED;
import static io.sngate.gateway.session.ClientSession.Counters.SESSION_CLEARED;
import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Disconnect;
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
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.TopicRef;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Sleeping clients (spec 8.10): asleep, awake, buffering and sleep supervision. */
class SleepFlowTest extends SessionHarness {

    private static final PingReq WAKE = PingReq.wake(CLIENT_ID);

    private int topicId;

    private static Publish toDevice(QoS qos, int topicId, int msgId, String payload) {
        return new Publish(false, qos, false, TopicIdType.NORMAL, topicId, msgId, bytes(payload));
    }

    private void connectAndSleep(boolean cleanSession, int seconds) {
        connect(cleanSession, 60);
        topicId = subscribe("room/temp");
        device(Disconnect.sleep(seconds));
    }

    @Nested
    class FallingAsleep {

        @Test
        void disconnectWithDurationIsAnsweredAndKeepsTheUpstreamOpen() {
            connect();

            device(Disconnect.sleep(120));

            assertThat(effects()).containsExactly(new Effect.SendToDevice(Disconnect.PLAIN));
            assertThat(state()).isEqualTo(SessionState.ASLEEP);
            assertThat(session().isFinished()).isFalse();
        }

        @Test
        void durationZeroIsAPlainDisconnect() {
            connect();

            device(Disconnect.sleep(0));

            assertThat(effects()).containsExactly(
                    new Effect.SendToDevice(Disconnect.PLAIN), new Effect.Disconnect(false, true));
            assertThat(state()).isEqualTo(SessionState.DISCONNECTED);
        }

        @Test
        void messagesOfEveryQoSAreBuffered() {
            connectAndSleep(true, 120);

            message(1, "room/temp", "a", QoS.AT_MOST_ONCE);
            assertThat(effects()).isEmpty();
            message(2, "room/temp", "b", QoS.AT_LEAST_ONCE);
            assertThat(effects()).isEmpty();
            message(3, "room/temp", "c", QoS.EXACTLY_ONCE);
            assertThat(effects()).isEmpty();

            assertThat(session().queuedMessages()).isEqualTo(3);
        }

        @Test
        void packetsOtherThanPingReqAreAnsweredWithDisconnect() {
            connectAndSleep(true, 120);

            device(toDevice(QoS.AT_MOST_ONCE, topicId, 0, "x"));
            assertThat(sent()).containsExactly(Disconnect.PLAIN);
            assertThat(counters()).containsExactly(NOT_CONNECTED);
            assertThat(effects(Effect.Publish.class)).isEmpty();

            device(new Subscribe(false, QoS.AT_MOST_ONCE, 1, TopicRef.name("x")));
            assertThat(sent()).containsExactly(Disconnect.PLAIN);
            assertThat(counters()).containsExactly(NOT_CONNECTED);

            device(new PubAck(topicId, 1, ReturnCode.ACCEPTED));
            assertThat(sent()).containsExactly(Disconnect.PLAIN);
            assertThat(counters()).containsExactly(NOT_CONNECTED);

            assertThat(state()).isEqualTo(SessionState.ASLEEP);
        }

        @Test
        void aSleepingClientIsNotSupervisedByItsKeepAlive() {
            connectAndSleep(true, 600);

            advance(60_000 * 5);

            assertThat(effects()).isEmpty();
            assertThat(state()).isEqualTo(SessionState.ASLEEP);
        }
    }

    @Nested
    class WakingUp {

        @Test
        void withNothingBufferedPingRespComesAtOnce() {
            connectAndSleep(true, 120);

            device(WAKE);

            assertThat(effects()).containsExactly(new Effect.SendToDevice(PingResp.INSTANCE));
            assertThat(state()).isEqualTo(SessionState.ASLEEP);
        }

        @Test
        void bufferedMessagesGoOutWithTheirQoSFlowsThenPingResp() {
            connectAndSleep(true, 120);
            message(1, "room/temp", "a", QoS.AT_MOST_ONCE);
            message(2, "room/temp", "b", QoS.AT_LEAST_ONCE);
            message(3, "room/temp", "c", QoS.EXACTLY_ONCE);

            device(WAKE);

            assertThat(effects()).containsExactly(
                    new Effect.SendToDevice(toDevice(QoS.AT_MOST_ONCE, topicId, 0, "a")),
                    new Effect.SendToDevice(toDevice(QoS.AT_LEAST_ONCE, topicId, 1, "b")));
            assertThat(state()).isEqualTo(SessionState.AWAKE);

            device(new PubAck(topicId, 1, ReturnCode.ACCEPTED));
            assertThat(effects()).containsExactly(
                    new Effect.Acknowledge(2),
                    new Effect.SendToDevice(toDevice(QoS.EXACTLY_ONCE, topicId, 2, "c")));

            device(new PubRec(2));
            assertThat(effects()).containsExactly(new Effect.Acknowledge(3), new Effect.SendToDevice(new PubRel(2)));

            device(new PubComp(2));
            assertThat(effects()).containsExactly(new Effect.SendToDevice(PingResp.INSTANCE));
            assertThat(state()).isEqualTo(SessionState.ASLEEP);
            assertThat(session().queuedMessages()).isZero();
        }

        @Test
        void aNewTopicIsRegisteredFirst() {
            connect();
            subscribe("room/+");
            device(Disconnect.sleep(120));
            message(1, "room/kitchen", "a", QoS.AT_MOST_ONCE);

            device(WAKE);
            assertThat(effects()).containsExactly(new Effect.SendToDevice(new Register(1, 1, "room/kitchen")));

            device(new RegAck(1, 1, ReturnCode.ACCEPTED));
            assertThat(effects()).containsExactly(
                    new Effect.SendToDevice(toDevice(QoS.AT_MOST_ONCE, 1, 0, "a")),
                    new Effect.SendToDevice(PingResp.INSTANCE));
            assertThat(state()).isEqualTo(SessionState.ASLEEP);
        }

        @Test
        void aMessageArrivingWhileAwakeGoesOutBeforePingResp() {
            connectAndSleep(true, 120);
            message(1, "room/temp", "a", QoS.AT_LEAST_ONCE);
            device(WAKE);

            message(2, "room/temp", "b", QoS.AT_MOST_ONCE);
            assertThat(effects()).isEmpty();

            device(new PubAck(topicId, 1, ReturnCode.ACCEPTED));
            assertThat(effects()).containsExactly(
                    new Effect.Acknowledge(1),
                    new Effect.SendToDevice(toDevice(QoS.AT_MOST_ONCE, topicId, 0, "b")),
                    new Effect.SendToDevice(PingResp.INSTANCE));
        }

        @Test
        void aPingReqNamingAnotherClientIsNotAnswered() {
            connectAndSleep(true, 120);
            message(1, "room/temp", "a", QoS.AT_LEAST_ONCE);

            device(PingReq.wake("someone-else"));

            assertThat(sent()).isEmpty();
            assertThat(counters()).containsExactly(FOREIGN_CLIENT_ID);
            assertThat(state()).isEqualTo(SessionState.ASLEEP);
            assertThat(session().queuedMessages()).isEqualTo(1);
        }

        @Test
        void aDeliveryInFlightWhenTheClientFellAsleepIsResentWithDup() {
            connect();
            topicId = subscribe("room/temp");
            message(1, "room/temp", "a", QoS.AT_LEAST_ONCE);
            device(Disconnect.sleep(600));

            advance(RETRY * 10); // no retransmission to a sleeping client
            assertThat(effects()).isEmpty();

            device(WAKE);
            assertThat(effects()).containsExactly(
                    new Effect.SendToDevice(toDevice(QoS.AT_LEAST_ONCE, topicId, 1, "a").asDuplicate()));

            device(new PubAck(topicId, 1, ReturnCode.ACCEPTED));
            assertThat(effects()).containsExactly(
                    new Effect.Acknowledge(1), new Effect.SendToDevice(PingResp.INSTANCE));
        }

        @Test
        void anAwakeClientGetsTheFullRetransmissionBudget() {
            connect();
            topicId = subscribe("room/temp");
            message(1, "room/temp", "a", QoS.AT_LEAST_ONCE);
            advance(RETRY * MAX_RETRIES); // the device was already unresponsive before it slept
            device(Disconnect.sleep(600));

            device(WAKE);
            for (int i = 0; i < MAX_RETRIES; i++) {
                advance(RETRY);
                assertThat(sent()).containsExactly(toDevice(QoS.AT_LEAST_ONCE, topicId, 1, "a").asDuplicate());
                assertThat(effects(Effect.Lost.class)).isEmpty();
            }
            advance(RETRY);

            assertThat(effects(Effect.Lost.class)).hasSize(1);
        }

        @Test
        void anAwakeClientThatStopsAnsweringIsLost() {
            connectAndSleep(true, 600);
            message(1, "room/temp", "a", QoS.AT_LEAST_ONCE);
            device(WAKE);

            advance(RETRY * (MAX_RETRIES + 1));

            assertThat(effects(Effect.Lost.class)).hasSize(1);
            assertThat(effects(Effect.Disconnect.class)).containsExactly(new Effect.Disconnect(true, true));
            assertThat(state()).isEqualTo(SessionState.LOST);
        }
    }

    @Nested
    class SleepSupervision {

        @Test
        void theClientIsLostOnlyAfterOneAndAHalfTimesItsSleepDuration() {
            connectAndSleep(true, 100);

            advance(150_000 - 1);
            assertThat(effects()).isEmpty();
            assertThat(state()).isEqualTo(SessionState.ASLEEP);

            advance(1);
            assertThat(effects(Effect.Lost.class)).hasSize(1);
            assertThat(effects(Effect.Disconnect.class)).containsExactly(new Effect.Disconnect(true, true));
            assertThat(state()).isEqualTo(SessionState.LOST);
        }

        @Test
        void aLostPersistentSessionKeepsItsBuffer() {
            connectAndSleep(false, 100);
            message(1, "room/temp", "a", QoS.AT_LEAST_ONCE);

            advance(150_000);

            assertThat(effects(Effect.Disconnect.class)).containsExactly(new Effect.Disconnect(true, false));
            assertThat(counters()).isEmpty();
            assertThat(session().queuedMessages()).isEqualTo(1);
        }

        @Test
        void aLostCleanSessionDropsItsBufferCounted() {
            connectAndSleep(true, 100);
            message(1, "room/temp", "a", QoS.AT_LEAST_ONCE);

            advance(150_000);

            assertThat(counters()).containsExactly(SESSION_CLEARED);
            assertThat(session().queuedMessages()).isZero();
        }

        @Test
        void theSleepTimerRestartsWithEachPingResp() {
            connectAndSleep(true, 100);
            advance(140_000);
            device(WAKE);
            assertThat(sent()).containsExactly(PingResp.INSTANCE);

            advance(150_000 - 1);
            assertThat(effects()).isEmpty();
            advance(1);
            assertThat(effects(Effect.Lost.class)).hasSize(1);
        }

        @Test
        void aNewSleepDurationRestartsTheTimer() {
            connectAndSleep(true, 100);
            advance(50_000);

            device(Disconnect.sleep(10));

            assertThat(effects()).containsExactly(new Effect.SendToDevice(Disconnect.PLAIN));
            assertThat(state()).isEqualTo(SessionState.ASLEEP);
            advance(15_000 - 1);
            assertThat(effects()).isEmpty();
            advance(1);
            assertThat(effects(Effect.Lost.class)).hasSize(1);
        }

        @Test
        void aForeignPingReqDoesNotKeepTheClientAlive() {
            connectAndSleep(true, 100);
            advance(140_000);
            device(PingReq.wake("someone-else"));

            advance(10_000);

            assertThat(effects(Effect.Lost.class)).hasSize(1);
        }
    }

    @Nested
    class LeavingSleep {

        @Test
        void plainDisconnectWhileAsleepEndsTheSession() {
            connectAndSleep(true, 100);
            message(1, "room/temp", "a", QoS.AT_LEAST_ONCE);

            device(Disconnect.PLAIN);

            assertThat(effects()).startsWith(
                    new Effect.SendToDevice(Disconnect.PLAIN), new Effect.Disconnect(false, true));
            assertThat(counters()).containsExactly(SESSION_CLEARED);
            assertThat(state()).isEqualTo(SessionState.DISCONNECTED);
            assertThat(session().nextDeadline()).isEqualTo(Long.MAX_VALUE);
        }

        @Test
        void connectWhileAsleepMakesTheClientActiveAndDeliversTheBuffer() {
            connectAndSleep(false, 100);
            message(1, "room/temp", "a", QoS.AT_LEAST_ONCE);

            device(connectPacket(false, false, 60));
            assertThat(effects(Effect.Disconnect.class)).containsExactly(new Effect.Disconnect(false, false));
            assertThat(effects(Effect.Connect.class)).hasSize(1);

            upstream(new UpstreamEvent.Connected(true));

            assertThat(sent()).containsExactly(
                    new ConnAck(ReturnCode.ACCEPTED), toDevice(QoS.AT_LEAST_ONCE, topicId, 1, "a"));
            assertThat(state()).isEqualTo(SessionState.ACTIVE);
        }
    }
}
