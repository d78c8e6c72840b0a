package io.sngate.client.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.client.ClientState;
import io.sngate.client.Topic;
import io.sngate.client.Will;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.PubComp;
import io.sngate.codec.v12.PubRec;
import io.sngate.codec.v12.PubRel;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.TopicRef;
import io.sngate.codec.v12.WillMsg;
import io.sngate.codec.v12.WillMsgReq;
import io.sngate.codec.v12.WillTopic;
import io.sngate.codec.v12.WillTopicReq;
import org.junit.jupiter.api.Test;

/** CONNECT, the will exchange, CONNACK, CONNECT retransmission and reconnecting (spec §6.2, §6.13). */
class ClientConnectTest extends ClientHarness {

    private static final Will WILL =
            new Will("plant/sensor-7/status", bytes("offline"), QoS.AT_LEAST_ONCE, true);

    @Test
    void connectWithoutWillIsOneConnectAndTheConnAckCompletesIt() {
        long id = connect();

        assertThat(sent()).containsExactly(new Connect(false, true, KEEP_ALIVE, CLIENT_ID));
        assertThat(stateChanges()).containsExactly(ClientState.CONNECTING);
        assertPending(id);

        gateway(new ConnAck(ACCEPTED));

        assertThat(state()).isEqualTo(ClientState.ACTIVE);
        assertThat(stateChanges()).containsExactly(ClientState.ACTIVE);
        assertThat(sent()).isEmpty();
        assertOutcome(id).isSuccess();
    }

    @Test
    void connectCarriesCleanSessionAndTheConfiguredKeepAlive() {
        configure(DEFAULTS.withKeepAlive(900));

        connect(false);

        assertThat(sent()).containsExactly(new Connect(false, false, 900, CLIENT_ID));
    }

    @Test
    void connectWithWillAnswersWillTopicReqAndWillMsgReq() {
        long id = connect(true, WILL);
        assertThat(sent()).containsExactly(new Connect(true, true, KEEP_ALIVE, CLIENT_ID));

        gateway(WillTopicReq.INSTANCE);
        assertThat(sent()).containsExactly(new WillTopic(QoS.AT_LEAST_ONCE, true, "plant/sensor-7/status"));
        assertThat(state()).isEqualTo(ClientState.CONNECTING);

        gateway(WillMsgReq.INSTANCE);
        assertThat(sent()).containsExactly(new WillMsg(bytes("offline")));
        assertPending(id);

        gateway(new ConnAck(ACCEPTED));
        assertThat(state()).isEqualTo(ClientState.ACTIVE);
        assertOutcome(id).isSuccess();
    }

    @Test
    void willRequestsAreIgnoredWhenNoWillWasGiven() {
        connect();

        gateway(WillTopicReq.INSTANCE);
        assertThat(sent()).isEmpty();
        gateway(WillMsgReq.INSTANCE);
        assertThat(sent()).isEmpty();
    }

    @Test
    void willRequestsAreIgnoredOnceConnected() {
        long id = connect(true, WILL);
        gateway(WillTopicReq.INSTANCE);
        gateway(WillMsgReq.INSTANCE);
        gateway(new ConnAck(ACCEPTED));
        assertOutcome(id).isSuccess();

        gateway(WillTopicReq.INSTANCE);
        assertThat(sent()).isEmpty();
        gateway(WillMsgReq.INSTANCE);
        assertThat(sent()).isEmpty();
    }

    @Test
    void eachStepOfTheWillExchangeRestartsTheRetryTimer() {
        connect(true, WILL);

        advance(RETRY - 1);
        gateway(WillTopicReq.INSTANCE);
        advance(RETRY - 1);
        gateway(WillMsgReq.INSTANCE);
        advance(RETRY - 1);
        assertThat(sent()).isEmpty();

        // the exchange stalls: CONNECT starts it again
        advance(1);
        assertThat(sent()).containsExactly(new Connect(true, true, KEEP_ALIVE, CLIENT_ID));
    }

    @Test
    void connAckCongestionFailsTheRequestWithItsReturnCode() {
        long id = connect();

        gateway(new ConnAck(CONGESTION));

        assertThat(state()).isEqualTo(ClientState.DISCONNECTED);
        assertThat(stateChanges()).containsExactly(ClientState.DISCONNECTED);
        assertOutcome(id).isRejectedWith(CONGESTION);
        assertThat(core().nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void connAckNotSupportedFailsTheRequestWithItsReturnCode() {
        long id = connect(true, WILL);

        gateway(new ConnAck(NOT_SUPPORTED));

        assertThat(state()).isEqualTo(ClientState.DISCONNECTED);
        assertOutcome(id).isRejectedWith(NOT_SUPPORTED).hasDetailContaining("not supported");
    }

    @Test
    void connectIsRetransmittedAfterTRetry() {
        long id = connect();

        advance(RETRY - 1);
        assertThat(sent()).isEmpty();

        advance(1);
        assertThat(sent()).containsExactly(new Connect(false, true, KEEP_ALIVE, CLIENT_ID));
        assertThat(state()).isEqualTo(ClientState.CONNECTING);

        gateway(new ConnAck(ACCEPTED));
        assertThat(state()).isEqualTo(ClientState.ACTIVE);
        assertOutcome(id).isSuccess();
    }

    @Test
    void connectGivesUpAfterNRetryRetransmissions() {
        long id = connect();

        for (int retry = 1; retry <= MAX_RETRIES; retry++) {
            advance(RETRY);
            assertThat(sent()).as("retransmission %d", retry)
                    .containsExactly(new Connect(false, true, KEEP_ALIVE, CLIENT_ID));
            assertPending(id);
        }
        advance(RETRY - 1);
        assertThat(effects()).isEmpty();

        advance(1);
        assertThat(sent()).isEmpty();
        assertThat(stateChanges()).containsExactly(ClientState.LOST);
        assertThat(state()).isEqualTo(ClientState.LOST);
        assertOutcome(id).isFailedWithoutAnswer().hasDetailContaining("CONNECT");
        assertThat(core().nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void lateConnAckAfterGivingUpIsIgnored() {
        connect();
        advance((MAX_RETRIES + 1) * RETRY);
        assertThat(state()).isEqualTo(ClientState.LOST);

        gateway(new ConnAck(ACCEPTED));

        assertThat(state()).isEqualTo(ClientState.LOST);
        assertThat(effects()).isEmpty();
    }

    @Test
    void connAckWhileActiveIsIgnored() {
        connected();

        gateway(new ConnAck(CONGESTION));

        assertThat(state()).isEqualTo(ClientState.ACTIVE);
        assertThat(effects()).isEmpty();
    }

    @Test
    void aSecondConnectSupersedesTheFirst() {
        long first = connect();
        long second = connect(false);

        assertOutcome(first).isFailedWithoutAnswer().hasDetailContaining("superseded");
        assertThat(sent()).containsExactly(new Connect(false, false, KEEP_ALIVE, CLIENT_ID));

        gateway(new ConnAck(ACCEPTED));
        assertOutcome(second).isSuccess();
    }

    @Test
    void connectAfterLossStartsAgain() {
        connect();
        advance((MAX_RETRIES + 1) * RETRY);

        long id = connect();
        assertThat(stateChanges()).containsExactly(ClientState.CONNECTING);
        gateway(new ConnAck(ACCEPTED));

        assertThat(state()).isEqualTo(ClientState.ACTIVE);
        assertOutcome(id).isSuccess();
    }

    @Test
    void requestsMadeBeforeConnectingGoOutAfterTheConnAck() {
        long publish = publish(Topic.name("plant/temp"), "21", QoS.AT_MOST_ONCE);
        long subscribe = subscribe(Topic.shortName("cm"), QoS.AT_LEAST_ONCE);
        assertThat(sent()).isEmpty();

        connect();
        assertThat(sent()).containsExactly(connectPacket(false, true));
        gateway(new ConnAck(ACCEPTED));

        // the publish's REGISTER was queued first; SUBSCRIBE waits behind it
        assertThat(sent()).containsExactly(new Register(0, 1, "plant/temp"));
        gateway(new RegAck(5, 1, ACCEPTED));
        assertThat(sent()).containsExactly(
                new Subscribe(false, QoS.AT_LEAST_ONCE, 2, TopicRef.shortName("cm")),
                new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.NORMAL, 5, 0, bytes("21")));
        assertOutcome(publish).isSuccess();
        assertPending(subscribe);
    }

    @Test
    void reconnectWithoutCleanSessionKeepsTopicIds() {
        connected();
        registered("plant/temp", 5);

        connected(false);
        publish(Topic.name("plant/temp"), "21", QoS.AT_MOST_ONCE);

        assertThat(sent()).containsExactly(
                new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.NORMAL, 5, 0, bytes("21")));
    }

    @Test
    void reconnectWithCleanSessionForgetsTopicIds() {
        connected();
        registered("plant/temp", 5);

        connected(true);
        assertThat(core().topicId("plant/temp")).isEmpty();
        publish(Topic.name("plant/temp"), "21", QoS.AT_MOST_ONCE);

        assertThat(sent()).containsExactly(new Register(0, 2, "plant/temp"));
    }

    @Test
    void aConnAckThatComesAfterADisconnectReplacedTheConnectDoesNotEndTheDisconnect() {
        long connect = connect();
        assertThat(sent()).hasSize(1).first().isInstanceOf(Connect.class);
        long disconnect = disconnect();
        assertThat(sent()).containsExactly(Disconnect.PLAIN);
        assertOutcome(connect).isFailure();

        gateway(new ConnAck(ACCEPTED)); // the gateway's answer to the CONNECT, late

        assertPending(disconnect);
        assertThat(core().state()).isNotEqualTo(ClientState.ACTIVE);
        gateway(Disconnect.PLAIN);
        assertOutcome(disconnect).isSuccess();
        assertThat(core().state()).isEqualTo(ClientState.DISCONNECTED);
    }

    @Test
    void aPublishQueuedForAKnownTopicRegistersAgainAfterACleanSession() {
        connected();
        registered("plant/temp", 5);
        long disconnect = disconnect();
        gateway(Disconnect.PLAIN);
        assertOutcome(disconnect).isSuccess();

        long id = publish(Topic.name("plant/temp"), "21", QoS.AT_LEAST_ONCE); // id 5 known: no REGISTER queued
        connect(true);
        gateway(new ConnAck(ACCEPTED));

        // the clean session dropped id 5: the publish must not wait for a REGISTER nobody sends
        assertThat(sent()).containsExactly(new Register(0, 2, "plant/temp"));
        gateway(new RegAck(6, 2, ACCEPTED));
        assertThat(sent()).containsExactly(
                new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, 6, 3, bytes("21")));
        gateway(new PubAck(6, 3, ACCEPTED));
        assertOutcome(id).isSuccess();
    }

    @Test
    void reconnectWithoutCleanSessionResendsTheInFlightPublishWithDup() {
        connected();
        long id = publish(Topic.shortName("sw"), "on", QoS.AT_LEAST_ONCE);
        Publish original = sentPublish();
        assertThat(original.dup()).isFalse();

        gateway(Disconnect.PLAIN); // unsolicited: the gateway dropped us
        assertThat(state()).isEqualTo(ClientState.LOST);
        assertPending(id);
        advance(10 * RETRY);
        assertThat(sent()).as("nothing is retransmitted while lost").isEmpty();

        connect(false);
        assertThat(sent()).containsExactly(connectPacket(false, false));
        gateway(new ConnAck(ACCEPTED));

        assertThat(sent()).containsExactly(original.asDuplicate());
        assertPending(id);
        gateway(new PubAck(original.topicId(), original.msgId(), ACCEPTED));
        assertOutcome(id).isSuccess();
    }

    @Test
    void reconnectResumesAQos2ExchangeWithPubRel() {
        connected();
        long id = publish(Topic.shortName("sw"), "on", QoS.EXACTLY_ONCE);
        int msgId = sentPublish().msgId();
        gateway(new PubRec(msgId));
        assertThat(sent()).containsExactly(new PubRel(msgId));

        gateway(Disconnect.PLAIN);
        connect(false);
        gateway(new ConnAck(ACCEPTED));

        assertThat(sent()).containsExactly(new PubRel(msgId));
        gateway(new PubComp(msgId));
        assertOutcome(id).isSuccess();
    }

    @Test
    void connectWhileActiveResendsTheInFlightPublishAfterTheConnAck() {
        connected();
        long id = publish(Topic.shortName("sw"), "on", QoS.AT_LEAST_ONCE);
        Publish original = sentPublish();
        advance(RETRY / 2);

        connect(false);
        assertThat(sent()).containsExactly(connectPacket(false, false));
        advance(RETRY - 1); // past the PUBLISH's own retry time
        assertThat(sent()).as("no retransmission while connecting").isEmpty();

        gateway(new ConnAck(ACCEPTED));
        assertThat(sent()).containsExactly(original.asDuplicate());
        assertPending(id);
    }
}
