package io.sngate.gateway.session;

import static io.sngate.gateway.session.ClientSession.Counters.FOREIGN_CLIENT_ID;
import static io.sngate.gateway.session.ClientSession.Counters.NOT_CONNECTED;
import static io.sngate.gateway.session.ClientSession.Counters.UNSUPPORTED;
import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.QoS;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.GwInfo;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PingResp;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.TopicIdType;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Keep-alive supervision, PINGREQ and DISCONNECT (spec 8.7, 8.8). */
class SupervisionTest extends SessionHarness {

    @Nested
    class KeepAlive {

        @ParameterizedTest(name = "keep-alive {0} s")
        @ValueSource(ints = {1, 10, 60, 3600, 65535})
        void theClientIsLostOnlyAfterOneAndAHalfTimesItsKeepAlive(int keepAlive) {
            connect(true, keepAlive);
            long tolerance = keepAlive * 1500L;

            advance(tolerance - 1);
            assertThat(effects()).isEmpty();
            assertThat(state()).isEqualTo(SessionState.ACTIVE);

            advance(1);
            assertThat(effects(Effect.Lost.class)).hasSize(1);
            assertThat(effects(Effect.Disconnect.class)).containsExactly(new Effect.Disconnect(true, true));
            assertThat(sent()).isEmpty();
            assertThat(state()).isEqualTo(SessionState.LOST);
            assertThat(session().isFinished()).isTrue();
        }

        @Test
        void aLostPersistentSessionDoesNotEndTheBrokerSession() {
            connect(false, 60);

            advance(90_000);

            assertThat(effects(Effect.Disconnect.class)).containsExactly(new Effect.Disconnect(true, false));
            // The gateway keeps nothing more of it: the broker holds the persistent session.
            assertThat(session().isFinished()).isTrue();
        }

        @Test
        void everyPacketFromTheClientRestartsTheTimer() {
            connect(true, 60);
            advance(80_000);
            device(PingReq.PLAIN);
            advance(80_000);
            device(new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.SHORT, 0x6162, 0, bytes("x")));
            advance(89_999);
            assertThat(effects()).isEmpty();

            advance(1);
            assertThat(effects(Effect.Lost.class)).hasSize(1);
        }

        @Test
        void aPingRespFromTheClientCountsAsHearingFromIt() {
            connect(true, 60);
            advance(80_000);

            device(PingResp.INSTANCE);

            assertThat(effects()).isEmpty();
            advance(80_000);
            assertThat(effects()).isEmpty();
        }

        @Test
        void keepAliveZeroIsSupervisedAtTheCap() {
            configure(config().withMaxKeepAlive(600));
            connect(true, 0);

            advance(900_000 - 1);
            assertThat(effects()).isEmpty();
            assertThat(state()).isEqualTo(SessionState.ACTIVE);

            advance(1);
            assertThat(effects(Effect.Lost.class)).hasSize(1);
            assertThat(session().isFinished()).isTrue();
        }

        @Test
        void aKeepAliveAboveTheCapIsSupervisedAtTheCap() {
            configure(config().withMaxKeepAlive(600));
            connect(false, 7_200);

            advance(900_000);

            assertThat(effects(Effect.Lost.class)).singleElement().asString().contains("capped");
            assertThat(session().isFinished()).isTrue();
        }

        @Test
        void keepAliveZeroStillRetransmits() {
            connect(true, 0);
            subscribe("t");
            message(1, "t", "x", QoS.AT_LEAST_ONCE);

            advance(RETRY * (MAX_RETRIES + 1));

            assertThat(effects(Effect.Lost.class)).hasSize(1);
        }

        @Test
        void nobodyIsSupervisedWhileTheBrokerConnectionIsPending() {
            device(connectPacket(false, true, 10));

            assertThat(session().nextDeadline()).isEqualTo(Long.MAX_VALUE);
            advance(60_000);
            upstream(new UpstreamEvent.Connected(false));

            advance(15_000 - 1);
            assertThat(effects()).isEmpty();
            advance(1);
            assertThat(effects(Effect.Lost.class)).hasSize(1);
        }
    }

    @Nested
    class Ping {

        @Test
        void pingReqIsAnsweredWithPingResp() {
            connect();

            device(PingReq.PLAIN);

            assertThat(effects()).containsExactly(new Effect.SendToDevice(PingResp.INSTANCE));
        }

        @Test
        void pingReqWithTheClientsOwnIdIsAnsweredToo() {
            connect();

            device(PingReq.wake(CLIENT_ID));

            assertThat(sent()).containsExactly(PingResp.INSTANCE);
        }

        @Test
        void pingReqNamingAnotherClientIsNotAnswered() {
            connect();

            device(PingReq.wake("intruder"));

            assertThat(sent()).isEmpty();
            assertThat(counters()).containsExactly(FOREIGN_CLIENT_ID);
        }

        @Test
        void pingReqWithoutConnectionIsAnsweredWithDisconnect() {
            device(PingReq.PLAIN);

            assertThat(sent()).containsExactly(Disconnect.PLAIN);
            assertThat(counters()).containsExactly(NOT_CONNECTED);
        }
    }

    @Nested
    class Disconnecting {

        @Test
        void plainDisconnectIsAnsweredAndEndsACleanSession() {
            connect(true, 60);

            device(Disconnect.PLAIN);

            assertThat(effects()).containsExactly(
                    new Effect.SendToDevice(Disconnect.PLAIN), new Effect.Disconnect(false, true));
            assertThat(state()).isEqualTo(SessionState.DISCONNECTED);
            assertThat(session().isFinished()).isTrue();
            assertThat(session().nextDeadline()).isEqualTo(Long.MAX_VALUE);
        }

        @Test
        void plainDisconnectOfAPersistentSessionKeepsItAtTheBroker() {
            connect(false, 60);

            device(Disconnect.PLAIN);

            assertThat(effects()).containsExactly(
                    new Effect.SendToDevice(Disconnect.PLAIN), new Effect.Disconnect(false, false));
            assertThat(session().isFinished()).isFalse();
        }

        @Test
        void aDisconnectedClientIsNotSupervised() {
            connect(true, 10);
            device(Disconnect.PLAIN);

            advance(3_600_000);

            assertThat(effects()).isEmpty();
            assertThat(state()).isEqualTo(SessionState.DISCONNECTED);
        }

        @Test
        void packetsAfterDisconnectAreAnsweredWithDisconnect() {
            connect();
            device(Disconnect.PLAIN);

            device(PingReq.PLAIN);
            assertThat(sent()).containsExactly(Disconnect.PLAIN);
            assertThat(counters()).containsExactly(NOT_CONNECTED);

            device(Disconnect.PLAIN);
            assertThat(sent()).containsExactly(Disconnect.PLAIN);
            assertThat(effects(Effect.Disconnect.class)).isEmpty();
        }

        @Test
        void packetsAfterTheClientWasLostAreAnsweredWithDisconnect() {
            connect(true, 10);
            advance(15_000);

            device(PingReq.PLAIN);

            assertThat(sent()).containsExactly(Disconnect.PLAIN);
            assertThat(counters()).containsExactly(NOT_CONNECTED);
            assertThat(state()).isEqualTo(SessionState.LOST);
        }

        @Test
        void aLostClientMayConnectAgain() {
            connect(true, 10);
            advance(15_000);

            connect(true, 10);

            assertThat(state()).isEqualTo(SessionState.ACTIVE);
        }
    }

    @Test
    void packetsAGatewayDoesNotExpectFromAClientAreCounted() {
        connect();

        device(GwInfo.fromGateway(1));

        assertThat(sent()).isEmpty();
        assertThat(counters()).containsExactly(UNSUPPORTED);
        assertThat(state()).isEqualTo(SessionState.ACTIVE);
    }
}
