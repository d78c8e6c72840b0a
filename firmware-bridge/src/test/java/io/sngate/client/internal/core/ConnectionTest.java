package io.sngate.client.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.client.ClientState;
import io.sngate.client.Outcome;
import io.sngate.client.Will;
import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.WillMsg;
import io.sngate.codec.v12.WillTopic;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** CONNECT, the will exchange and the CONNACK (§6.2, §6.3). */
class ConnectionTest extends PartFixture {

    private static final Will WILL =
            new Will("plant/status", Bytes.utf8("gone"), QoS.AT_LEAST_ONCE, true);

    private final TopicIds topics = new TopicIds();
    private final SessionExchange session = new SessionExchange(config, sink);
    private final Inbound inbound = new Inbound(config, sink, topics, session);
    private final Connection connection = new Connection(config, sink, limit, session, topics, inbound);

    private Connect connectPacket(boolean will, boolean cleanSession) {
        return new Connect(will, cleanSession, KEEP_ALIVE, CLIENT_ID);
    }

    @Test
    void connectingAnnouncesItselfThenSendsConnect() {
        connection.connect(1, true, Optional.empty(), now);

        assertThat(drain()).containsExactly(
                changed(ClientState.DISCONNECTED, ClientState.CONNECTING, "connect requested"),
                send(connectPacket(false, true)));
        assertThat(session.current().requestId()).isEqualTo(1);
        assertThat(session.deadline()).isEqualTo(now + RETRY);
    }

    @Test
    void aNewConnectSupersedesTheExchangeWaiting() {
        inState(ClientState.ACTIVE);
        session.start(4, Disconnect.sleep(60), now);
        drain();

        connection.connect(5, false, Optional.empty(), now);

        assertThat(drain()).containsExactly(
                completed(4, Outcome.failed(Outcome.Status.CANCELLED, "superseded by a new CONNECT")),
                changed(ClientState.ACTIVE, ClientState.CONNECTING, "connect requested"),
                send(connectPacket(false, false)));
    }

    @Test
    void aCleanSessionForgetsTheTopicIdsAndTheQos2State() {
        topics.remember("plant/temp", 7);
        inbound.onPublish(Publish.toShortName("cm", QoS.EXACTLY_ONCE, false, 5, bytes("x")), now);

        connection.connect(1, false, Optional.empty(), now);
        assertThat(topics.id("plant/temp")).as("clean session 0 keeps them").isEqualTo(7);
        connection.connect(2, true, Optional.empty(), now);
        assertThat(topics.knows("plant/temp")).isFalse();

        drain();
        inbound.onPublish(Publish.toShortName("cm", QoS.EXACTLY_ONCE, false, 5, bytes("x")), now);
        assertThat(drain()).hasSize(2).first().isInstanceOf(ClientEffect.MessageReceived.class);
    }

    @Test
    void theWillExchangeAnswersEachRequestAndRestartsTheTimer() {
        connection.connect(1, true, Optional.of(WILL), now);
        assertThat(drainSent()).containsExactly(connectPacket(true, true));

        advance(RETRY - 1);
        connection.onWillTopicReq(now);
        assertThat(drainSent()).containsExactly(new WillTopic(QoS.AT_LEAST_ONCE, true, "plant/status"));
        assertThat(session.deadline()).isEqualTo(now + RETRY);

        advance(RETRY - 1);
        connection.onWillMsgReq(now);
        assertThat(drainSent()).containsExactly(new WillMsg(Bytes.utf8("gone")));
        assertThat(session.deadline()).isEqualTo(now + RETRY);
        assertThat(sink.lastSent()).isEqualTo(now);
    }

    @Test
    void willRequestsWithoutAWillOrOutsideConnectingAreIgnored() {
        connection.connect(1, true, Optional.empty(), now);
        drain();
        connection.onWillTopicReq(now);
        connection.onWillMsgReq(now);
        assertThat(drain()).isEmpty();

        connection.connect(2, true, Optional.of(WILL), now);
        connection.onConnAck(new ConnAck(ReturnCode.ACCEPTED));
        drain();
        connection.onWillTopicReq(now);
        connection.onWillMsgReq(now);
        assertThat(drain()).isEmpty();
    }

    @Test
    void anAcceptingConnAckMakesTheSessionActive() {
        connection.connect(1, true, Optional.empty(), now);
        drain();

        assertThat(connection.onConnAck(new ConnAck(ReturnCode.ACCEPTED))).isTrue();

        assertThat(drain()).containsExactly(
                changed(ClientState.CONNECTING, ClientState.ACTIVE, "connected"),
                completed(1, Outcome.ok()));
        assertThat(session.current()).isNull();
    }

    @Test
    void aRefusingConnAckEndsDisconnectedWithTheGatewaysAnswer() {
        connection.connect(1, true, Optional.empty(), now);
        drain();

        assertThat(connection.onConnAck(new ConnAck(ReturnCode.REJECTED_CONGESTION))).isFalse();

        assertThat(drain()).containsExactly(
                changed(ClientState.CONNECTING, ClientState.DISCONNECTED,
                        "connection refused: " + ReturnCode.REJECTED_CONGESTION),
                completed(1, Outcome.rejected(ReturnCode.REJECTED_CONGESTION)));
    }

    @Test
    void aConnAckOutsideConnectingIsIgnored() {
        assertThat(connection.onConnAck(new ConnAck(ReturnCode.ACCEPTED))).isFalse();
        inState(ClientState.ACTIVE);
        assertThat(connection.onConnAck(new ConnAck(ReturnCode.ACCEPTED))).isFalse();

        assertThat(drain()).isEmpty();
    }
}
