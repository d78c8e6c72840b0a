package io.sngate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PingResp;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.gateway.session.ClientSession;
import io.sngate.gateway.session.SessionState;
import org.junit.jupiter.api.Test;

/**
 * {@link Dispatcher}: who may move a session to a new address (docs/security.md, "Who owns a
 * session"). A PINGREQ naming a client moves its session only when it sleeps; a CONNECT with the
 * session's client id moves it; a CONNECT with another client id from an address a session holds
 * detaches that session.
 */
class DispatcherTakeoverTest extends DispatcherHarness {

    // ================================================================== PINGREQ with a client id

    @Test
    void aSleepingDeviceWakingFromANewAddressMovesItsSessionThere() {
        connect(A, "dev-a");
        sleep(A, "dev-a", 300);

        receive(B, PingReq.wake("dev-a"));

        assertThat(sent()).as("nothing buffered: it may sleep again").containsExactly(new Sent(B, PingResp.INSTANCE));
        assertThat(moved()).containsExactly(entry(Metrics.TAKEOVER_ALLOWED, 1L));
        assertThat(session("dev-a").address()).isEqualTo(B);
        assertThat(state("dev-a")).isEqualTo(SessionState.ASLEEP);
        assertThat(sessionsPerSource()).containsExactly(entry("198.51.100.7", 1));

        receive(A, PingReq.PLAIN);
        assertThat(sent()).as("the old address reaches nothing").containsExactly(new Sent(A, Disconnect.PLAIN));
        assertThat(moved()).containsExactly(entry(Metrics.DROPPED_NO_SESSION, 1L));
        receive(B, PingReq.wake("dev-a"));
        assertThat(sent()).containsExactly(new Sent(B, PingResp.INSTANCE));
        assertThat(moved()).as("at its own address now: no takeover").isEmpty();
    }

    @Test
    void whatWasBufferedForASleepingDeviceGoesToTheAddressItWokeFrom() {
        connect(A, "dev-a");
        sleep(A, "dev-a", 300);
        brokerMessage("dev-a", PREDEFINED_TOPIC, "while asleep", QoS.AT_MOST_ONCE);
        assertThat(sent()).isEmpty();

        receive(B, PingReq.wake("dev-a"));

        assertThat(sentTo(A)).isEmpty();
        assertThat(sentTo(B)).hasSize(2);
        assertThat(sentTo(B).get(0)).isInstanceOfSatisfying(Publish.class, publish -> {
            assertThat(publish.topicIdType()).isEqualTo(TopicIdType.PREDEFINED);
            assertThat(publish.topicId()).isEqualTo(PREDEFINED_ID);
            assertThat(publish.data().utf8()).isEqualTo("while asleep");
        });
        assertThat(sentTo(B).get(1)).isEqualTo(PingResp.INSTANCE);
    }

    @Test
    void aPingReqNamingAnActiveSessionFromAnotherAddressIsNotAnsweredAndMovesNothing() {
        connect(A, "dev-a");

        receive(B, PingReq.wake("dev-a"));

        assertThat(sent()).isEmpty();
        assertThat(moved()).containsExactly(entry(Metrics.TAKEOVER_REFUSED, 1L));
        assertThat(session("dev-a").address()).isEqualTo(A);
        assertThat(state("dev-a")).isEqualTo(SessionState.ACTIVE);
        assertThat(sessionsPerSource()).containsExactly(entry("192.0.2.1", 1));

        receive(A, PingReq.PLAIN);
        assertThat(sent()).as("the device keeps its session").containsExactly(new Sent(A, PingResp.INSTANCE));
        receive(B, PingReq.PLAIN);
        assertThat(sent()).containsExactly(new Sent(B, Disconnect.PLAIN));
    }

    @Test
    void aPingReqNamingAConnectingSessionFromAnotherAddressMovesNothing() {
        receive(A, new Connect(false, true, 60, "dev-a"));
        assertThat(state("dev-a")).isEqualTo(SessionState.CONNECTING);

        receive(B, PingReq.wake("dev-a"));
        assertThat(sent()).isEmpty();
        assertThat(moved()).containsExactly(entry(Metrics.TAKEOVER_REFUSED, 1L));

        brokerAccepts("dev-a");
        assertThat(sent()).containsExactly(new Sent(A, new ConnAck(ReturnCode.ACCEPTED)));
    }

    @Test
    void aPingReqNamingAnAwakeSessionFromAnotherAddressMovesNothing() {
        connect(A, "dev-a");
        sleep(A, "dev-a", 300);
        brokerMessage("dev-a", PREDEFINED_TOPIC, "needs a PUBACK", QoS.AT_LEAST_ONCE);
        receive(A, PingReq.wake("dev-a"));
        assertThat(sentTo(A)).singleElement().isInstanceOf(Publish.class);
        assertThat(state("dev-a")).as("delivering what was buffered").isEqualTo(SessionState.AWAKE);

        receive(B, PingReq.wake("dev-a"));

        assertThat(sent()).isEmpty();
        assertThat(moved()).containsExactly(entry(Metrics.TAKEOVER_REFUSED, 1L));
        assertThat(session("dev-a").address()).isEqualTo(A);
    }

    @Test
    void aPingReqNamingAnUnknownClientIsAnsweredWithDisconnectWhereNoSessionIs() {
        receive(B, PingReq.wake("nobody"));

        assertThat(sent()).containsExactly(new Sent(B, Disconnect.PLAIN));
        assertThat(moved()).containsExactly(entry(Metrics.DROPPED_NO_SESSION, 1L));
        assertThat(clientIds()).isEmpty();
    }

    @Test
    void aPingReqNamingAnUnknownClientFromASessionsAddressIsCountedByThatSessionAndNotAnswered() {
        connect(A, "dev-a");

        receive(A, PingReq.wake("nobody"));

        assertThat(sent()).isEmpty();
        assertThat(moved()).containsExactly(
                entry(Metrics.SESSION_PREFIX + ClientSession.Counters.FOREIGN_CLIENT_ID, 1L));
        assertThat(state("dev-a")).isEqualTo(SessionState.ACTIVE);
    }

    @Test
    void aSleepingDeviceWakingAtAnAddressAnotherSessionHoldsDetachesThatSession() {
        connect(A, "dev-a");
        sleep(A, "dev-a", 300);
        connect(B, "dev-b");

        receive(B, PingReq.wake("dev-a"));

        assertThat(sent()).containsExactly(new Sent(B, PingResp.INSTANCE));
        assertThat(moved()).containsOnly(entry(Metrics.TAKEOVER_ALLOWED, 1L), entry(Metrics.ADDRESS_REUSED, 1L),
                entry(Metrics.CLIENTS_LOST, 1L));
        assertThat(clientIds()).containsExactly("dev-a");
        assertThat(session("dev-a").address()).isEqualTo(B);
        assertThat(upstream("dev-b").disconnects).as("lost: its will is published")
                .containsExactly(new FakeUpstream.Disconnected(true, true));
        assertThat(sessionsPerSource()).containsExactly(entry("198.51.100.7", 1));
    }

    // ================================================================== CONNECT with the session's client id

    @Test
    void aConnectWithTheSessionsClientIdFromANewAddressMovesTheSession() {
        connect(A, "dev-a");

        receive(B, new Connect(false, true, 60, "dev-a"));

        assertThat(moved()).containsExactly(entry(Metrics.TAKEOVER_ALLOWED, 1L));
        assertThat(clientIds()).containsExactly("dev-a");
        assertThat(upstreamsMade("dev-a")).as("the same session").isEqualTo(1);
        assertThat(session("dev-a").address()).isEqualTo(B);
        assertThat(state("dev-a")).isEqualTo(SessionState.CONNECTING);
        assertThat(upstream("dev-a").disconnects).as("a reconnecting client is not lost")
                .containsExactly(new FakeUpstream.Disconnected(false, false));
        assertThat(upstream("dev-a").connects).hasSize(2);
        assertThat(sessionsPerSource()).containsExactly(entry("198.51.100.7", 1));
        assertThat(sent()).isEmpty();

        brokerAccepts("dev-a");
        assertThat(sent()).containsExactly(new Sent(B, new ConnAck(ReturnCode.ACCEPTED)));

        receive(A, PingReq.PLAIN);
        assertThat(sent()).containsExactly(new Sent(A, Disconnect.PLAIN));
    }

    @Test
    void aCopyOfTheLastConnectFromANewAddressIsATakeoverNotARetransmission() {
        Connect connect = new Connect(false, true, 60, "dev-a");
        connect(A, connect);

        receive(B, connect);

        assertThat(moved()).containsExactly(entry(Metrics.TAKEOVER_ALLOWED, 1L));
        assertThat(state("dev-a")).isEqualTo(SessionState.CONNECTING);
        assertThat(sent()).as("no CONNACK before the broker's").isEmpty();
    }

    // ================================================================== CONNECT with another client id

    @Test
    void aConnectWithAnotherClientIdFromAnAddressASessionHoldsDetachesThatSession() {
        connect(A, "dev-a");

        receive(A, new Connect(false, true, 60, "dev-b"));

        assertThat(moved()).containsOnly(entry(Metrics.ADDRESS_REUSED, 1L), entry(Metrics.CLIENTS_LOST, 1L));
        assertThat(clientIds()).containsExactly("dev-b");
        assertThat(session("dev-b").address()).isEqualTo(A);
        assertThat(upstream("dev-a").disconnects).as("lost: its will is published")
                .containsExactly(new FakeUpstream.Disconnected(true, true));
        assertThat(sessionsPerSource()).containsExactly(entry("192.0.2.1", 1));
        assertThat(sent()).isEmpty();

        brokerAccepts("dev-b");
        assertThat(sent()).containsExactly(new Sent(A, new ConnAck(ReturnCode.ACCEPTED)));
        brokerMessage("dev-b", PREDEFINED_TOPIC, "for dev-b", QoS.AT_MOST_ONCE);
        assertThat(sentTo(A)).singleElement().isInstanceOf(Publish.class);
    }

    @Test
    void aConnectWithAnotherClientIdEndsAPersistentSessionKeptAfterItsDisconnectWithoutLosingIt() {
        connect(A, new Connect(false, false, 60, "dev-a"));
        receive(A, Disconnect.PLAIN);
        assertThat(clientIds()).as("kept for the persistent session expiry").containsExactly("dev-a");
        assertThat(upstream("dev-a").disconnects).containsExactly(new FakeUpstream.Disconnected(false, false));

        receive(A, new Connect(false, true, 60, "dev-b"));

        assertThat(moved()).as("it had left already: not lost").containsExactly(entry(Metrics.ADDRESS_REUSED, 1L));
        assertThat(clientIds()).containsExactly("dev-b");
        assertThat(upstream("dev-a").disconnects).hasSize(1);
        assertThat(sessionsPerSource()).containsExactly(entry("192.0.2.1", 1));
    }

    @Test
    void theDetachedSessionsClientCanComeBackFromAnotherAddressAsANewSession() {
        connect(A, "dev-a");
        receive(A, new Connect(false, true, 60, "dev-b"));

        connect(B, "dev-a");

        assertThat(upstreamsMade("dev-a")).isEqualTo(2);
        assertThat(clientIds()).containsExactly("dev-a", "dev-b");
        assertThat(sessionsPerSource()).containsOnly(entry("192.0.2.1", 1), entry("198.51.100.7", 1));
    }

    @Test
    void aClientIdSwitchedAwayAndBackBeforeTheLoopRunsLeavesOneSessionCountedOnce() {
        connect(A, "dev-a");

        // Both CONNECTs are handed over before the session loop runs: dev-a is detached, then
        // takes its address back from dev-b before its loop has ended it.
        receiveWhileLoopBusy(A, new Connect(false, true, 60, "dev-b"));
        receiveWhileLoopBusy(A, new Connect(false, true, 60, "dev-a"));
        runLoop();

        assertThat(clientIds()).containsExactly("dev-a");
        assertThat(session("dev-a").address()).isEqualTo(A);
        assertThat(state("dev-a")).isEqualTo(SessionState.CONNECTING);
        assertThat(metrics.get(Metrics.ADDRESS_REUSED)).isEqualTo(2);
        assertThat(sessionsPerSource()).containsExactly(entry("192.0.2.1", 1));

        brokerAccepts("dev-a");
        assertThat(sent()).containsExactly(new Sent(A, new ConnAck(ReturnCode.ACCEPTED)));
        receive(A, Disconnect.PLAIN);
        assertThat(clientIds()).isEmpty();
        assertThat(sessionsPerSource()).isEmpty();
    }
}
