package io.sngate.gateway.session;

import static io.sngate.gateway.session.ClientSession.Counters.EXPIRED;
import static io.sngate.gateway.session.ClientSession.Counters.WILL_EXCHANGE_ABANDONED;
import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.WillTopic;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How long the gateway keeps a session ({@link ClientSession#isFinished}): a lost one ends at
 * once, a disconnected persistent one lives for the persistent session expiry, one that never
 * opened keeps nothing, and one whose address another device took ends there.
 */
class SessionLifetimeTest extends SessionHarness {

    private static final long EXPIRY_SECONDS = 120;
    private static final long EXPIRY = EXPIRY_SECONDS * 1000;

    private void assertLost(boolean cleanSession) {
        assertThat(effects(Effect.Lost.class)).hasSize(1);
        assertThat(effects(Effect.Disconnect.class)).containsExactly(new Effect.Disconnect(true, cleanSession));
        assertThat(state()).isEqualTo(SessionState.LOST);
        assertThat(session().isFinished()).isTrue();
    }

    @Nested
    class LostSessions {

        @ParameterizedTest(name = "clean session {0}")
        @ValueSource(booleans = {true, false})
        void aLostSessionIsFinishedWhateverItsCleanFlag(boolean cleanSession) {
            configure(config().withPersistentExpiry(EXPIRY_SECONDS));
            connect(cleanSession, 60);
            subscribe("room/temp");

            advance(90_000);

            assertLost(cleanSession);
            assertThat(session().nextDeadline()).isEqualTo(Long.MAX_VALUE);
        }
    }

    @Nested
    class DisconnectedPersistentSessions {

        @Test
        void isKeptUntilThePersistentExpiryAfterTheDisconnectThenFinishedAndCounted() {
            configure(config().withPersistentExpiry(EXPIRY_SECONDS));
            connect(false, 60);
            subscribe("room/temp");
            advance(30_000);

            device(Disconnect.PLAIN);

            assertThat(session().isFinished()).isFalse();
            assertThat(session().nextDeadline()).isEqualTo(now() + EXPIRY);

            advance(EXPIRY - 1);
            assertThat(effects()).isEmpty();
            assertThat(session().isFinished()).isFalse();

            advance(1);
            assertThat(effects()).singleElement().isInstanceOfSatisfying(Effect.Count.class,
                    count -> assertThat(count.counter()).isEqualTo(EXPIRED));
            assertThat(session().isFinished()).isTrue();
            assertThat(state()).isEqualTo(SessionState.DISCONNECTED);
            assertThat(session().nextDeadline()).isEqualTo(Long.MAX_VALUE);
        }

        @Test
        void reconnectingBeforeTheExpiryKeepsItAndTheNextDisconnectStartsTheExpiryAgain() {
            configure(config().withPersistentExpiry(EXPIRY_SECONDS));
            connect(false, 60);
            int id = subscribe("room/temp");
            device(Disconnect.PLAIN);
            advance(EXPIRY - 1);

            device(connectPacket(false, false, 60));
            upstream(new UpstreamEvent.Connected(true));

            assertThat(session().isFinished()).isFalse();
            message(1, "room/temp", "a", QoS.AT_MOST_ONCE); // the topic id is still known to the device
            assertThat(sent()).containsExactly(
                    new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.NORMAL, id, 0, bytes("a")));

            advance(60_000); // well past the first DISCONNECT's expiry
            device(PingReq.PLAIN);
            assertThat(history()).noneMatch(e -> e instanceof Effect.Count c && c.counter().equals(EXPIRED));
            assertThat(session().isFinished()).isFalse();

            device(Disconnect.PLAIN);
            advance(EXPIRY - 1);
            assertThat(session().isFinished()).isFalse();
            advance(1);
            assertThat(effects(Effect.Count.class)).extracting(Effect.Count::counter).containsExactly(EXPIRED);
            assertThat(session().isFinished()).isTrue();
        }

        @Test
        void aCleanSessionIsFinishedAtItsDisconnect() {
            configure(config().withPersistentExpiry(EXPIRY_SECONDS));
            connect(true, 60);

            device(Disconnect.PLAIN);

            assertThat(session().isFinished()).isTrue();
            assertThat(session().nextDeadline()).isEqualTo(Long.MAX_VALUE);
        }
    }

    @Nested
    class ConnectionsThatNeverOpened {

        @Test
        void anAbandonedWillExchangeLeavesAFinishedSessionEvenWithCleanZero() {
            device(connectPacket(true, false, 60));

            advance(RETRY * (MAX_RETRIES + 1));

            assertThat(counters()).containsExactly(WILL_EXCHANGE_ABANDONED);
            assertThat(state()).isEqualTo(SessionState.DISCONNECTED);
            assertThat(session().isFinished()).isTrue();
            assertThat(session().nextDeadline()).isEqualTo(Long.MAX_VALUE);
        }

        @Test
        void anAbandonedWillMessageExchangeOfAKeptPersistentSessionFinishesIt() {
            configure(config().withPersistentExpiry(EXPIRY_SECONDS));
            connect(false, 60);
            device(Disconnect.PLAIN);
            device(connectPacket(true, false, 60));
            device(new WillTopic(QoS.AT_MOST_ONCE, false, "dev/status"));

            advance(RETRY * (MAX_RETRIES + 1));

            assertThat(counters()).containsExactly(WILL_EXCHANGE_ABANDONED);
            assertThat(session().isFinished()).isTrue();
        }

        @Test
        void aConnectRefusedForItsProtocolIdLeavesAFinishedSessionEvenWithCleanZero() {
            device(new Connect(false, false, 2, 60, Bytes.utf8(CLIENT_ID)));

            assertThat(state()).isEqualTo(SessionState.DISCONNECTED);
            assertThat(session().isFinished()).isTrue();
        }

        @Test
        void aRefusedConnectOfAKeptPersistentSessionFinishesIt() {
            configure(config().withPersistentExpiry(EXPIRY_SECONDS));
            connect(false, 60);
            device(Disconnect.PLAIN);
            assertThat(session().isFinished()).isFalse();

            device(new Connect(false, false, 2, 60, Bytes.utf8(CLIENT_ID)));

            assertThat(session().isFinished()).isTrue();
            assertThat(session().nextDeadline()).isEqualTo(Long.MAX_VALUE);
        }

        @Test
        void aConnectTheBrokerRefusesLeavesAFinishedSessionEvenWithCleanZero() {
            device(connectPacket(false, false, 60));

            upstream(new UpstreamEvent.ConnectFailed(DeliveryFailure.REFUSED, "not authorized"));

            assertThat(state()).isEqualTo(SessionState.DISCONNECTED);
            assertThat(session().isFinished()).isTrue();
        }

        @Test
        void anInvalidWillTopicLeavesAFinishedSessionEvenWithCleanZero() {
            device(connectPacket(true, false, 60));

            device(new WillTopic(QoS.AT_MOST_ONCE, false, "dev/#"));

            assertThat(state()).isEqualTo(SessionState.DISCONNECTED);
            assertThat(session().isFinished()).isTrue();
        }
    }

    @Nested
    class AddressTaken {

        @ParameterizedTest(name = "clean session {0}")
        @ValueSource(booleans = {true, false})
        void anActiveSessionIsLost(boolean cleanSession) {
            connect(cleanSession, 60);

            addressTaken("other");

            assertLost(cleanSession);
            assertThat(effects(Effect.Lost.class).get(0).reason()).contains("other");
            assertThat(sent()).isEmpty();
        }

        @ParameterizedTest(name = "clean session {0}")
        @ValueSource(booleans = {true, false})
        void aSleepingSessionIsLost(boolean cleanSession) {
            connect(cleanSession, 60);
            device(Disconnect.sleep(600));

            addressTaken("other");

            assertLost(cleanSession);
            assertThat(sent()).isEmpty();
        }

        @Test
        void aSessionWaitingForTheBrokerIsLostAndItsConnectionAttemptClosed() {
            device(connectPacket(false, false, 60));

            addressTaken("other");

            assertLost(false);
            upstream(new UpstreamEvent.Connected(true)); // too late: nothing reopens
            assertThat(effects()).isEmpty();
            assertThat(state()).isEqualTo(SessionState.LOST);
        }

        @Test
        void aDisconnectedPersistentSessionIsFinishedWithoutUpstreamEffect() {
            configure(config().withPersistentExpiry(EXPIRY_SECONDS));
            connect(false, 60);
            device(Disconnect.PLAIN);
            assertThat(session().isFinished()).isFalse();

            addressTaken("other");

            assertThat(effects()).isEmpty();
            assertThat(session().isFinished()).isTrue();
            assertThat(state()).isEqualTo(SessionState.DISCONNECTED);
            assertThat(session().nextDeadline()).isEqualTo(Long.MAX_VALUE);
        }

        @Test
        void aLostSessionIsLeftAsItIs() {
            connect(false, 60);
            advance(90_000);

            addressTaken("other");

            assertThat(effects()).isEmpty();
            assertThat(state()).isEqualTo(SessionState.LOST);
        }

        @ParameterizedTest(name = "clean session {0}")
        @ValueSource(booleans = {true, false})
        void duringTheWillExchangeTheSessionEndsWithoutClosingAnUpstreamConnectionItNeverOpened(boolean cleanSession) {
            // A device that had connected with a will and disconnected cleanly starts a new CONNECT.
            connect(cleanSession, 60);
            device(Disconnect.PLAIN);
            device(connectPacket(true, cleanSession, 60));
            assertThat(state()).isEqualTo(SessionState.AWAITING_WILL_TOPIC);

            addressTaken("other");

            // No upstream connection is open (the old one was closed by the DISCONNECT): there is
            // nothing to close, and no will may be published for a device that left cleanly.
            assertThat(effects(Effect.Disconnect.class)).isEmpty();
            assertThat(session().isFinished()).isTrue();
        }
    }
}
