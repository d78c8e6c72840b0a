package io.sngate.client.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.client.ClientState;
import io.sngate.client.Topic;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PingResp;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ShortTopicName;
import io.sngate.codec.v12.TopicIdType;
import org.junit.jupiter.api.Test;

/** Keep-alive pings and how the client notices a gateway is gone (§6.11, §6.13). */
class ClientSupervisionTest extends ClientHarness {

    @Test
    void pingReqAfterKeepAliveSecondsWithoutSending() {
        connected();
        long connectedAt = now();
        assertThat(core().nextDeadline()).isEqualTo(connectedAt + KEEP_ALIVE_MILLIS);

        advance(KEEP_ALIVE_MILLIS - 1);
        assertThat(sent()).isEmpty();

        advance(1);
        assertThat(sent()).containsExactly(PingReq.PLAIN);
        assertThat(((PingReq) sent().get(0)).hasClientId()).isFalse();
    }

    @Test
    void pingRespEndsTheExchangeAndTheNextPingFollowsAKeepAliveLater() {
        connected();
        advance(KEEP_ALIVE_MILLIS);
        long pingAt = now();

        advance(RETRY / 2);
        gateway(PingResp.INSTANCE);
        assertThat(effects()).isEmpty();
        assertThat(core().nextDeadline()).isEqualTo(pingAt + KEEP_ALIVE_MILLIS);

        advance(KEEP_ALIVE_MILLIS - RETRY / 2 - 1);
        assertThat(sent()).as("the PINGREQ was answered: no retransmission").isEmpty();
        advance(1);
        assertThat(sent()).containsExactly(PingReq.PLAIN);
    }

    @Test
    void anythingSentPostponesThePing() {
        connected();
        advance(KEEP_ALIVE_MILLIS / 2);
        publish(Topic.shortName("ab"), "x", QoS.AT_MOST_ONCE);

        advance(KEEP_ALIVE_MILLIS - 1);
        assertThat(sent()).isEmpty();
        advance(1);
        assertThat(sent()).containsExactly(PingReq.PLAIN);
    }

    @Test
    void answeringTheGatewayCountsAsSending() {
        connected();
        advance(KEEP_ALIVE_MILLIS / 2);
        gateway(Publish.toShortName("ab", QoS.AT_LEAST_ONCE, false, 3, bytes("x")));
        assertThat(sent()).containsExactly(new PubAck(ShortTopicName.encode("ab"), 3, ACCEPTED));

        advance(KEEP_ALIVE_MILLIS - 1);
        assertThat(sent()).isEmpty();
    }

    @Test
    void receivingAloneDoesNotPostponeThePing() {
        connected();
        advance(KEEP_ALIVE_MILLIS / 2);
        gateway(Publish.toShortName("ab", QoS.AT_MOST_ONCE, false, 0, bytes("x")));

        advance(KEEP_ALIVE_MILLIS / 2);

        assertThat(sent()).containsExactly(PingReq.PLAIN);
    }

    @Test
    void unansweredPingIsRetriedThenTheConnectionIsLost() {
        connected();
        advance(KEEP_ALIVE_MILLIS);
        assertThat(sent()).containsExactly(PingReq.PLAIN);

        for (int retry = 1; retry <= MAX_RETRIES; retry++) {
            advance(RETRY);
            assertThat(sent()).as("retransmission %d", retry).containsExactly(PingReq.PLAIN);
            assertThat(state()).isEqualTo(ClientState.ACTIVE);
        }
        advance(RETRY - 1);
        assertThat(effects()).isEmpty();
        advance(1);

        assertThat(sent()).isEmpty();
        assertThat(stateChanges()).containsExactly(ClientState.LOST);
        assertThat(effects(ClientEffect.StateChanged.class).get(0).reason()).contains("PINGREQ");
        assertThat(core().nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void pingAnsweredOnItsLastRetryKeepsTheConnection() {
        connected();
        advance(KEEP_ALIVE_MILLIS + MAX_RETRIES * RETRY);

        gateway(PingResp.INSTANCE);
        advance(RETRY);

        assertThat(state()).isEqualTo(ClientState.ACTIVE);
    }

    @Test
    void requestsPendingWhenThePingFailsAreFailed() {
        connected();
        advance(KEEP_ALIVE_MILLIS);
        assertThat(sent()).containsExactly(PingReq.PLAIN);
        advance(MAX_RETRIES * RETRY + RETRY / 2);

        // requests made while the last PINGREQ retransmission waits
        long inFlight = publish(Topic.shortName("ab"), "1", QoS.AT_LEAST_ONCE);
        long waiting = publish(Topic.shortName("ab"), "2", QoS.AT_LEAST_ONCE);
        long subscribe = subscribe(Topic.name("a/b"), QoS.AT_MOST_ONCE);
        assertThat(state()).isEqualTo(ClientState.ACTIVE);

        advance(RETRY / 2);

        assertThat(state()).isEqualTo(ClientState.LOST);
        for (long id : new long[] {inFlight, waiting, subscribe}) {
            assertOutcome(id).isFailedWithoutAnswer().hasDetailContaining("connection lost");
        }
        assertThat(core().pendingRequests()).isZero();
    }

    @Test
    void keepAliveZeroSendsNoPings() {
        configure(DEFAULTS.withKeepAlive(0));
        connected();
        assertThat(core().nextDeadline()).isEqualTo(Long.MAX_VALUE);

        advance(24 * 3_600_000L);

        assertThat(effects()).isEmpty();
        assertThat(state()).isEqualTo(ClientState.ACTIVE);
    }

    @Test
    void noPingsWhileConnectingDisconnectedOrLost() {
        advance(10 * KEEP_ALIVE_MILLIS);
        assertThat(effects()).isEmpty();

        connect();
        advance(RETRY - 1);
        assertThat(sent()).isEmpty();
        advance((MAX_RETRIES + 1) * RETRY);
        assertThat(sent()).doesNotContain(PingReq.PLAIN);
        assertThat(state()).isEqualTo(ClientState.LOST);

        advance(10 * KEEP_ALIVE_MILLIS);
        assertThat(effects()).isEmpty();
    }

    @Test
    void strayPingRespIsIgnored() {
        connected();

        gateway(PingResp.INSTANCE);

        assertThat(effects()).isEmpty();
        assertThat(state()).isEqualTo(ClientState.ACTIVE);
    }

    @Test
    void aLostClientConnectsAgain() {
        connected();
        advance(KEEP_ALIVE_MILLIS + (MAX_RETRIES + 1) * RETRY);
        assertThat(state()).isEqualTo(ClientState.LOST);

        long id = connect();
        gateway(new ConnAck(ACCEPTED));

        assertThat(state()).isEqualTo(ClientState.ACTIVE);
        assertOutcome(id).isSuccess();
        advance(KEEP_ALIVE_MILLIS);
        assertThat(sent()).containsExactly(PingReq.PLAIN);
    }

    @Test
    void aClientThatLostTheGatewayStillSaysDisconnectOnce() {
        // As sngate-sim pub: the PUBACKs never come, the publish gives up, the tool leaves.
        connected();
        long publish = publish(Topic.shortName("ab"), "21.5", QoS.AT_LEAST_ONCE);
        advance((MAX_RETRIES + 1) * RETRY);
        assertOutcome(publish).isFailedWithoutAnswer().hasDetailContaining("no answer to PUBLISH");
        assertThat(state()).isEqualTo(ClientState.LOST);

        long disconnect = disconnect();

        assertThat(sent()).containsExactly(Disconnect.PLAIN);
        assertOutcome(disconnect).isSuccess();
        assertThat(state()).isEqualTo(ClientState.DISCONNECTED);
        advance(KEEP_ALIVE_MILLIS + 10 * RETRY);
        assertThat(effects()).as("no retransmission, no ping").isEmpty();
        assertThat(allSent()).filteredOn(Disconnect.class::isInstance).hasSize(1);
    }

    @Test
    void retransmissionsOfDifferentExchangesRunOnTheirOwnClocks() {
        connected();
        long publish = publish(Topic.name("a/b"), "x", QoS.AT_LEAST_ONCE);
        assertThat(sent()).containsExactly(new Register(0, 1, "a/b"));
        advance(RETRY - 1);
        gateway(new RegAck(4, 1, ACCEPTED));
        Publish first = sentPublish();
        assertThat(first).isEqualTo(new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, 4, 2, bytes("x")));

        advance(1);
        assertThat(sent()).as("the REGISTER was answered: nothing to resend").isEmpty();
        advance(RETRY - 2);
        assertThat(sent()).isEmpty();
        advance(1);
        assertThat(sent()).containsExactly(first.asDuplicate());
        assertPending(publish);
    }
}
