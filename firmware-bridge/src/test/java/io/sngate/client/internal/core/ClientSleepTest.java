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
import io.sngate.codec.v12.PubComp;
import io.sngate.codec.v12.PubRec;
import io.sngate.codec.v12.PubRel;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.TopicIdType;
import org.junit.jupiter.api.Test;

/** DISCONNECT, sleeping, waking to poll (§6.12, §6.14). */
class ClientSleepTest extends ClientHarness {

    private static final PingReq WAKE = PingReq.wake(CLIENT_ID);

    private static ClientEffect.MessageReceived message(String topic, String payload, QoS qos) {
        return new ClientEffect.MessageReceived(topic, bytes(payload), qos, false);
    }

    // ------------------------------------------------------------------ sleep

    @Test
    void sleepSendsDisconnectWithDurationAndTheGatewaysDisconnectMakesItAsleep() {
        connected();

        long id = sleep(300);
        assertThat(sent()).containsExactly(Disconnect.sleep(300));
        assertThat(state()).isEqualTo(ClientState.ACTIVE);
        assertPending(id);

        gateway(Disconnect.PLAIN);
        assertThat(stateChanges()).containsExactly(ClientState.ASLEEP);
        assertThat(state()).isEqualTo(ClientState.ASLEEP);
        assertOutcome(id).isSuccess();
    }

    @Test
    void asleepTheClientSendsNothing() {
        connected();
        asleep(300);

        advance(3_600_000);

        assertThat(effects()).isEmpty();
        assertThat(core().nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void sleepDisconnectIsRetransmitted() {
        connected();
        long id = sleep(300);

        advance(RETRY);
        assertThat(sent()).containsExactly(Disconnect.sleep(300));
        gateway(Disconnect.PLAIN);

        assertThat(state()).isEqualTo(ClientState.ASLEEP);
        assertOutcome(id).isSuccess();
    }

    @Test
    void sleepWhenNotConnectedFailsAtOnce() {
        long id = sleep(300);

        assertThat(sent()).isEmpty();
        assertOutcome(id).isFailedWithoutAnswer().hasDetailContaining("disconnected");
    }

    @Test
    void sleepingAgainWhileAsleepSendsTheNewDuration() {
        connected();
        asleep(300);

        long id = sleep(600);
        assertThat(sent()).containsExactly(Disconnect.sleep(600));
        gateway(Disconnect.PLAIN);

        assertThat(state()).isEqualTo(ClientState.ASLEEP);
        assertOutcome(id).isSuccess();
    }

    // ------------------------------------------------------------------ wake

    @Test
    void wakePollsWithItsClientIdReceivesTheBufferAndSleepsOnPingResp() {
        connected();
        asleep(300);

        long id = wake();
        assertThat(stateChanges()).containsExactly(ClientState.AWAKE);
        assertThat(sent()).containsExactly(WAKE);

        gateway(new Register(21, 1000, "plant/temp"));
        assertThat(sent()).containsExactly(new RegAck(21, 1000, ACCEPTED));

        gateway(new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, 21, 1001, bytes("21.5")));
        assertThat(received()).containsExactly(message("plant/temp", "21.5", QoS.AT_LEAST_ONCE));
        assertThat(sent()).containsExactly(new PubAck(21, 1001, ACCEPTED));

        gateway(new Publish(false, QoS.EXACTLY_ONCE, false, TopicIdType.NORMAL, 21, 1002, bytes("22.0")));
        assertThat(received()).containsExactly(message("plant/temp", "22.0", QoS.EXACTLY_ONCE));
        assertThat(sent()).containsExactly(new PubRec(1002));
        gateway(new PubRel(1002));
        assertThat(sent()).containsExactly(new PubComp(1002));

        gateway(new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.NORMAL, 21, 0, bytes("22.5")));
        assertThat(received()).containsExactly(message("plant/temp", "22.5", QoS.AT_MOST_ONCE));
        assertThat(state()).isEqualTo(ClientState.AWAKE);
        assertPending(id);

        gateway(PingResp.INSTANCE);
        assertThat(stateChanges()).containsExactly(ClientState.ASLEEP);
        assertOutcome(id).isSuccess();
        assertThat(core().nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void wakeWithNothingBufferedSleepsAgainAtOnce() {
        connected();
        asleep(300);

        long id = wake();
        gateway(PingResp.INSTANCE);

        assertThat(state()).isEqualTo(ClientState.ASLEEP);
        assertOutcome(id).isSuccess();
    }

    @Test
    void wakeThatGetsNoAnswerGoesBackToSleep() {
        connected();
        asleep(300);
        long id = wake();

        for (int retry = 1; retry <= MAX_RETRIES; retry++) {
            advance(RETRY);
            assertThat(sent()).as("retransmission %d", retry).containsExactly(WAKE);
            assertThat(state()).isEqualTo(ClientState.AWAKE);
        }
        advance(RETRY);

        assertThat(sent()).isEmpty();
        assertThat(stateChanges()).containsExactly(ClientState.ASLEEP);
        assertOutcome(id).isFailedWithoutAnswer().hasDetailContaining("PINGREQ");
        assertThat(core().nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void everyMessageWhileAwakeRestartsTheRetryTimer() {
        connected();
        asleep(300);
        long id = wake();

        advance(RETRY - 1);
        gateway(new Register(21, 1000, "plant/temp"));
        advance(RETRY - 1);
        gateway(new Publish(false, QoS.EXACTLY_ONCE, false, TopicIdType.NORMAL, 21, 1001, bytes("x")));
        advance(RETRY - 1);
        gateway(new PubRel(1001));
        advance(RETRY - 1);
        assertThat(sent()).as("the gateway is still flushing").isEmpty();

        advance(1);
        assertThat(sent()).containsExactly(WAKE);
        gateway(PingResp.INSTANCE);
        assertOutcome(id).isSuccess();
    }

    @Test
    void wakeWhenNotAsleepFailsAtOnce() {
        connected();

        long id = wake();

        assertThat(sent()).isEmpty();
        assertThat(state()).isEqualTo(ClientState.ACTIVE);
        assertOutcome(id).isFailedWithoutAnswer().hasDetailContaining("not asleep");
    }

    @Test
    void noKeepAlivePingsWhileAwake() {
        connected();
        asleep(300);
        advance(KEEP_ALIVE_MILLIS * 2);
        wake();

        advance(RETRY - 1);

        assertThat(sent()).isEmpty();
    }

    @Test
    void sleepingWhileAwakeSupersedesThePoll() {
        connected();
        asleep(300);
        long poll = wake();

        long sleep = sleep(600);
        assertThat(sent()).containsExactly(Disconnect.sleep(600));
        assertOutcome(poll).isFailedWithoutAnswer().hasDetailContaining("superseded");

        gateway(Disconnect.PLAIN);
        assertThat(state()).isEqualTo(ClientState.ASLEEP);
        assertOutcome(sleep).isSuccess();
    }

    @Test
    void connectFromAsleepMakesItActive() {
        connected();
        asleep(300);

        long id = connect(false);
        assertThat(sent()).containsExactly(connectPacket(false, false));
        gateway(new ConnAck(ACCEPTED));

        assertThat(state()).isEqualTo(ClientState.ACTIVE);
        assertOutcome(id).isSuccess();
    }

    @Test
    void requestsMadeWhileAsleepWaitForTheNextConnect() {
        connected();
        asleep(300);

        long id = publish(Topic.shortName("ab"), "x", QoS.AT_LEAST_ONCE);
        assertThat(sent()).isEmpty();
        wake();
        assertThat(sent()).containsExactly(WAKE);
        gateway(PingResp.INSTANCE);
        assertPending(id);

        connect(false);
        gateway(new ConnAck(ACCEPTED));
        assertThat(sent()).containsExactly(Publish.toShortName("ab", QoS.AT_LEAST_ONCE, false, 1, bytes("x")));
    }

    @Test
    void aPublishInFlightWhenFallingAsleepWaitsForTheNextConnect() {
        connected();
        long id = publish(Topic.shortName("ab"), "x", QoS.AT_LEAST_ONCE);
        Publish original = sentPublish();
        asleep(300);

        advance(10 * RETRY);
        assertThat(sent()).as("nothing is retransmitted while asleep").isEmpty();

        wake();
        assertThat(sent()).containsExactly(WAKE);
        advance(RETRY - 1);
        assertThat(sent()).as("the awake state is only for polling").isEmpty();
        gateway(PingResp.INSTANCE);
        assertThat(state()).isEqualTo(ClientState.ASLEEP);
        assertPending(id);

        connect(false);
        gateway(new ConnAck(ACCEPTED));
        assertThat(sent()).containsExactly(original.asDuplicate());
        gateway(new PubAck(original.topicId(), original.msgId(), ACCEPTED));
        assertOutcome(id).isSuccess();
    }

    // ------------------------------------------------------------------ disconnect

    @Test
    void disconnectEndsDisconnectedAndFailsPendingRequests() {
        connected();
        long inFlight = publish(Topic.shortName("ab"), "1", QoS.AT_LEAST_ONCE);
        long waiting = publish(Topic.shortName("ab"), "2", QoS.AT_LEAST_ONCE);
        long subscribe = subscribe(Topic.name("a/b"), QoS.AT_LEAST_ONCE);

        long id = disconnect();
        assertThat(sent()).containsExactly(Disconnect.PLAIN);
        assertThat(state()).isEqualTo(ClientState.ACTIVE);
        assertPending(id);

        gateway(Disconnect.PLAIN);
        assertThat(stateChanges()).containsExactly(ClientState.DISCONNECTED);
        assertOutcome(id).isSuccess();
        for (long request : new long[] {inFlight, waiting, subscribe}) {
            assertOutcome(request).isFailedWithoutAnswer().hasDetailContaining("disconnected");
        }
        assertThat(core().pendingRequests()).isZero();
        assertThat(core().nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void unansweredDisconnectIsRetransmittedThenTheClientCountsAsDisconnected() {
        connected();
        long pending = publish(Topic.shortName("ab"), "1", QoS.AT_LEAST_ONCE);
        long id = disconnect();

        for (int retry = 1; retry <= MAX_RETRIES; retry++) {
            advance(RETRY);
            assertThat(sent()).as("retransmission %d", retry).contains(Disconnect.PLAIN);
        }
        advance(RETRY);

        assertThat(state()).isEqualTo(ClientState.DISCONNECTED);
        assertOutcome(id).isSuccess();
        assertOutcome(pending).isFailedWithoutAnswer().hasDetailContaining("disconnected");
        assertThat(core().pendingRequests()).isZero();
    }

    @Test
    void disconnectWhenNotConnectedCompletesAtOnce() {
        long id = disconnect();

        assertThat(sent()).isEmpty();
        assertOutcome(id).isSuccess();
        assertThat(state()).isEqualTo(ClientState.DISCONNECTED);
    }

    @Test
    void disconnectFromAsleep() {
        connected();
        asleep(300);

        long id = disconnect();
        assertThat(sent()).containsExactly(Disconnect.PLAIN);
        gateway(Disconnect.PLAIN);

        assertThat(state()).isEqualTo(ClientState.DISCONNECTED);
        assertOutcome(id).isSuccess();
    }

    @Test
    void unsolicitedDisconnectMeansLost() {
        connected();

        gateway(Disconnect.PLAIN);

        assertThat(stateChanges()).containsExactly(ClientState.LOST);
        assertThat(state()).isEqualTo(ClientState.LOST);
        assertThat(core().nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void unsolicitedDisconnectWhileAsleepOrAwakeMeansLost() {
        connected();
        asleep(300);
        gateway(Disconnect.PLAIN);
        assertThat(state()).isEqualTo(ClientState.LOST);

        connected();
        asleep(300);
        long poll = wake();
        gateway(Disconnect.PLAIN);
        assertThat(state()).isEqualTo(ClientState.LOST);
        assertOutcome(poll).isFailedWithoutAnswer();
    }

    @Test
    void disconnectWhileDisconnectedIsIgnored() {
        gateway(Disconnect.PLAIN);

        assertThat(effects()).isEmpty();
        assertThat(state()).isEqualTo(ClientState.DISCONNECTED);
    }
}
