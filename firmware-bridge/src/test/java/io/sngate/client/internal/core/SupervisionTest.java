package io.sngate.client.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.client.ClientState;
import io.sngate.client.Outcome;
import io.sngate.client.Topic;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PingResp;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicRef;
import org.junit.jupiter.api.Test;

/** Keep-alive, sleep, disconnect, and deciding the gateway is gone (§6.11-6.14). */
class SupervisionTest extends PartFixture {

    private static final long KEEP_ALIVE_MILLIS = KEEP_ALIVE * 1000L;

    private final MessageIds msgIds = new MessageIds();
    private final TopicIds topics = new TopicIds();
    private final SessionExchange session = new SessionExchange(config, sink);
    private final ControlChannel control = new ControlChannel(config, sink, limit, msgIds, topics);
    private final Outbound outbound = new Outbound(config, sink, limit, msgIds, topics, control);
    private final Supervision supervision = new Supervision(config, sink, limit, session, outbound, control);

    /** Runs the timer at every deadline up to now + millis, as a driver would. */
    private void elapse(long millis) {
        long target = now + millis;
        for (long deadline = supervision.nextDeadline(); deadline <= target; deadline = supervision.nextDeadline()) {
            now = Math.max(now, deadline);
            supervision.onTimer(now);
        }
        now = target;
    }

    /** Active, with a PUBLISH and a SUBSCRIBE in flight and one more of each waiting. */
    private void busy() {
        inState(ClientState.ACTIVE);
        outbound.publish(1, Topic.shortName("ab"), bytes("1"), QoS.AT_LEAST_ONCE, false, now);
        control.enqueue(new ControlRequest.Subscription(2, Topic.name("a"), QoS.AT_MOST_ONCE));
        control.pump(now);
        outbound.pump(now);
        outbound.publish(3, Topic.shortName("ab"), bytes("3"), QoS.AT_LEAST_ONCE, false, now);
        control.enqueue(new ControlRequest.Subscription(4, Topic.name("b"), QoS.AT_MOST_ONCE));
        drain();
    }

    // ------------------------------------------------------------------ keep-alive

    @Test
    void aPingIsDueAKeepAliveAfterTheLastPacketSent() {
        inState(ClientState.ACTIVE);
        sink.send(PingResp.INSTANCE, now);
        drain();
        assertThat(supervision.nextDeadline()).isEqualTo(now + KEEP_ALIVE_MILLIS);

        elapse(KEEP_ALIVE_MILLIS - 1);
        assertThat(drain()).isEmpty();
        elapse(1);

        assertThat(drain()).containsExactly(send(PingReq.PLAIN));
        assertThat(session.current().requestId()).isZero();
    }

    @Test
    void noPingWhileAnotherSessionExchangeWaitsOrWhenNotActive() {
        inState(ClientState.ACTIVE);
        session.start(7, Disconnect.sleep(60), now);
        assertThat(supervision.nextDeadline()).isEqualTo(now + RETRY);

        session.take();
        inState(ClientState.ASLEEP);
        assertThat(supervision.nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void keepAliveZeroMeansNoPings() {
        Supervision off = new Supervision(config.withKeepAlive(0), sink, limit, session, outbound, control);
        inState(ClientState.ACTIVE);

        assertThat(off.nextDeadline()).isEqualTo(Long.MAX_VALUE);
        off.onTimer(now + 100 * KEEP_ALIVE_MILLIS);
        assertThat(drain()).isEmpty();
    }

    @Test
    void theAnswerToAPingEndsItSilently() {
        inState(ClientState.ACTIVE);
        supervision.onTimer(now); // nothing sent yet: the ping is due at once
        assertThat(drain()).containsExactly(send(PingReq.PLAIN));

        supervision.onPingResp();

        assertThat(drain()).isEmpty();
        assertThat(session.current()).isNull();
        supervision.onPingResp();
        assertThat(drain()).as("a stray PINGRESP").isEmpty();
    }

    @Test
    void theGatewaysPingIsAnsweredOnlyWhileActive() {
        supervision.onGatewayPing(now);
        inState(ClientState.ASLEEP);
        supervision.onGatewayPing(now);
        assertThat(drain()).isEmpty();

        inState(ClientState.ACTIVE);
        supervision.onGatewayPing(now);
        assertThat(drain()).containsExactly(send(PingResp.INSTANCE));
    }

    // ------------------------------------------------------------------ loss

    @Test
    void anExchangeInFlightWithoutAnAnswerLosesTheConnectionAndFailsItAndEveryOtherRequest() {
        busy();
        for (int retry = 1; retry <= MAX_RETRIES; retry++) {
            elapse(RETRY);
            assertThat(drainSent()).containsExactly(
                    Publish.toShortName("ab", QoS.AT_LEAST_ONCE, false, 2, bytes("1")).asDuplicate(),
                    new Subscribe(true, QoS.AT_MOST_ONCE, 1, TopicRef.name("a")));
        }

        elapse(RETRY);

        String why = "connection lost: no answer to PUBLISH";
        assertThat(drain()).as("in flight first, then waiting; publishes before control requests; only the unanswered"
                + " one timed out").containsExactly(
                changed(ClientState.ACTIVE, ClientState.LOST, "no answer to PUBLISH"),
                completed(1, Outcome.failed(Outcome.Status.NO_ANSWER, why)),
                completed(2, Outcome.failed(Outcome.Status.NOT_CONNECTED, why)),
                completed(3, Outcome.failed(Outcome.Status.NOT_CONNECTED, why)),
                completed(4, Outcome.failed(Outcome.Status.NOT_CONNECTED, why)));
        assertThat(supervision.nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void exchangesInFlightWaitWhileNotActive() {
        busy();
        inState(ClientState.ASLEEP);

        elapse(100 * RETRY);

        assertThat(drain()).isEmpty();
        assertThat(outbound.pending() + control.pending()).isEqualTo(4);
    }

    @Test
    void anUnansweredConnectLosesTheConnectionThenFailsTheConnect() {
        inState(ClientState.CONNECTING);
        session.start(9, new Connect(false, true, KEEP_ALIVE, CLIENT_ID), now);
        drain();
        elapse(MAX_RETRIES * RETRY);
        assertThat(drainSent()).hasSize(MAX_RETRIES);

        elapse(RETRY);

        assertThat(drain()).containsExactly(
                changed(ClientState.CONNECTING, ClientState.LOST, "no answer to CONNECT"),
                completed(9, Outcome.failed(Outcome.Status.NO_ANSWER, "no answer to CONNECT")));
    }

    @Test
    void anUnsolicitedDisconnectLosesTheSessionAndFailsTheExchangeWaiting() {
        inState(ClientState.AWAKE);
        session.start(5, PingReq.wake(CLIENT_ID), now);
        drain();

        supervision.onDisconnect();

        assertThat(drain()).containsExactly(
                changed(ClientState.AWAKE, ClientState.LOST, "gateway sent DISCONNECT"),
                completed(5, Outcome.failed(Outcome.Status.NOT_CONNECTED, "gateway sent DISCONNECT")));
        supervision.onDisconnect();
        assertThat(drain()).as("not while lost").isEmpty();
    }

    // ------------------------------------------------------------------ disconnect and sleep

    @Test
    void disconnectingEndsDisconnectedAndFailsEveryRequest() {
        busy();
        supervision.disconnect(10, now);
        assertThat(drain()).containsExactly(send(Disconnect.PLAIN));

        supervision.onDisconnect();

        assertThat(drain()).containsExactly(
                changed(ClientState.ACTIVE, ClientState.DISCONNECTED, "disconnected"),
                completed(1, Outcome.failed(Outcome.Status.NOT_CONNECTED, "disconnected")),
                completed(2, Outcome.failed(Outcome.Status.NOT_CONNECTED, "disconnected")),
                completed(3, Outcome.failed(Outcome.Status.NOT_CONNECTED, "disconnected")),
                completed(4, Outcome.failed(Outcome.Status.NOT_CONNECTED, "disconnected")),
                completed(10, Outcome.ok()));
    }

    @Test
    void anUnansweredDisconnectStillEndsDisconnected() {
        inState(ClientState.ACTIVE);
        supervision.disconnect(10, now);
        elapse((MAX_RETRIES + 1) * RETRY);

        assertThat(drain()).endsWith(
                changed(ClientState.ACTIVE, ClientState.DISCONNECTED, "no answer to DISCONNECT"),
                completed(10, Outcome.ok()));
    }

    @Test
    void disconnectingWithoutASessionCompletesAtOnce() {
        for (ClientState state : new ClientState[] {ClientState.DISCONNECTED, ClientState.SEARCHING}) {
            inState(state);
            supervision.disconnect(1, now);
            assertThat(drain()).as("%s", state).containsExactly(completed(1, Outcome.ok()));
        }
    }

    @Test
    void disconnectingWhileLostSendsOneDisconnectAndEndsWithoutWaiting() {
        busy();
        elapse((MAX_RETRIES + 1) * RETRY);
        assertThat(drain()).contains(changed(ClientState.ACTIVE, ClientState.LOST, "no answer to PUBLISH"));
        outbound.publish(5, Topic.shortName("ab"), bytes("5"), QoS.AT_LEAST_ONCE, false, now); // waits for a CONNACK
        drain();

        supervision.disconnect(10, now);

        assertThat(drain()).containsExactly(
                send(Disconnect.PLAIN),
                changed(ClientState.LOST, ClientState.DISCONNECTED,
                        "disconnected (gateway lost: DISCONNECT sent, no answer awaited)"),
                completed(5, Outcome.failed(Outcome.Status.NOT_CONNECTED, "disconnected")),
                completed(10, Outcome.ok()));
        assertThat(supervision.nextDeadline()).as("nothing to send again").isEqualTo(Long.MAX_VALUE);
        elapse(100 * RETRY);
        assertThat(drain()).isEmpty();

        supervision.onDisconnect(); // a live gateway's answer, after all
        assertThat(drain()).as("the answer changes nothing").isEmpty();
    }

    @Test
    void disconnectingWhileLostEndsTheSessionExchangeStillRetrying() {
        inState(ClientState.ACTIVE);
        supervision.onTimer(now); // nothing sent yet: the keep-alive PINGREQ goes at once
        assertThat(drain()).containsExactly(send(PingReq.PLAIN));
        inState(ClientState.LOST); // a publish ran out of retries while the ping waited

        supervision.disconnect(10, now);

        assertThat(drainSent()).containsExactly(Disconnect.PLAIN);
        assertThat(session.current()).isNull();
        elapse(100 * RETRY);
        assertThat(drain()).as("neither the PINGREQ nor the DISCONNECT is sent again").isEmpty();
    }

    @Test
    void sleepingIsAcknowledgedWithTheDuration() {
        inState(ClientState.ACTIVE);
        supervision.sleep(6, 600, now);
        assertThat(drain()).containsExactly(send(Disconnect.sleep(600)));

        supervision.onDisconnect();

        assertThat(drain()).containsExactly(
                changed(ClientState.ACTIVE, ClientState.ASLEEP, "sleeping 600 s"),
                completed(6, Outcome.ok()));
        assertThat(supervision.nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void sleepingNeedsASession() {
        inState(ClientState.CONNECTING);

        supervision.sleep(6, 600, now);

        assertThat(drain()).containsExactly(
                completed(6, Outcome.failed(Outcome.Status.NOT_CONNECTED, "cannot sleep while connecting")));
    }

    @Test
    void wakingPollsUntilThePingRespThenSleepsAgain() {
        inState(ClientState.ASLEEP);

        supervision.wake(8, now);
        assertThat(drain()).containsExactly(
                changed(ClientState.ASLEEP, ClientState.AWAKE, "polling the gateway"),
                send(PingReq.wake(CLIENT_ID)));
        supervision.onPingResp();

        assertThat(drain()).containsExactly(
                changed(ClientState.AWAKE, ClientState.ASLEEP, "gateway has nothing more buffered"),
                completed(8, Outcome.ok()));
    }

    @Test
    void aWakePollWithoutAnswerGoesBackToSleep() {
        inState(ClientState.ASLEEP);
        supervision.wake(8, now);
        drain();

        elapse((MAX_RETRIES + 1) * RETRY);

        assertThat(drain()).endsWith(
                changed(ClientState.AWAKE, ClientState.ASLEEP, "no answer to the wake PINGREQ"),
                completed(8, Outcome.failed(Outcome.Status.NO_ANSWER, "no answer to PINGREQ")));
    }

    @Test
    void wakingNeedsSleepAndANewRequestSupersedesThePoll() {
        inState(ClientState.ACTIVE);
        supervision.wake(8, now);
        assertThat(drain()).containsExactly(completed(8, Outcome.failed(Outcome.Status.NOT_CONNECTED, "not asleep")));

        inState(ClientState.ASLEEP);
        supervision.wake(9, now);
        drain();
        supervision.sleep(10, 60, now);

        assertThat(drain()).containsExactly(
                completed(9, Outcome.failed(Outcome.Status.CANCELLED, "superseded by DISCONNECT")),
                send(Disconnect.sleep(60)));
    }
}
