package io.sngate.gateway.session;

import static io.sngate.gateway.session.ClientSession.Counters.NOT_CONNECTED;
import static io.sngate.gateway.session.ClientSession.Counters.UNSUPPORTED;
import static io.sngate.gateway.session.ClientSession.Counters.WILL_EXCHANGE_ABANDONED;
import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.WillMsg;
import io.sngate.codec.v12.WillMsgReq;
import io.sngate.codec.v12.WillTopic;
import io.sngate.codec.v12.WillTopicReq;
import io.sngate.gateway.session.UpstreamEvent.ConnectFailed;
import io.sngate.gateway.session.UpstreamEvent.Connected;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** CONNECT, with and without will (spec 8.2), and how the upstream answer turns into CONNACK. */
class ConnectFlowTest extends SessionHarness {

    private static final long CLEAN_EXPIRY = SessionConfig.DEFAULTS.cleanSessionExpirySeconds();
    private static final long PERSISTENT_EXPIRY = SessionConfig.DEFAULTS.persistentSessionExpirySeconds();
    private static final int RECEIVE_MAXIMUM = SessionConfig.DEFAULTS.maxQueued();
    private static final Will WILL = new Will("dev/status", Bytes.utf8("offline"), QoS.AT_LEAST_ONCE, true);

    private static Effect.Connect upstreamConnect(boolean clean, int keepAlive, Optional<Will> will) {
        return new Effect.Connect(new UpstreamConnect(CLIENT_ID, clean, clean ? CLEAN_EXPIRY : PERSISTENT_EXPIRY,
                keepAlive, RECEIVE_MAXIMUM, will,
                ClientSession.upstreamMaxPacketSize(SessionConfig.DEFAULTS.maxPacketSize())));
    }

    private void exchangeWill() {
        device(connectPacket(true, true, 60));
        device(new WillTopic(QoS.AT_LEAST_ONCE, true, "dev/status"));
        device(new WillMsg(bytes("offline")));
    }

    @Nested
    class WithoutWill {

        @Test
        void cleanSessionConnectOpensUpstreamAndAnswersOnlyAfterTheBrokerAccepts() {
            device(connectPacket(false, true, 60));

            assertThat(effects()).containsExactly(upstreamConnect(true, 60, Optional.empty()));
            assertThat(sent()).isEmpty();
            assertThat(state()).isEqualTo(SessionState.CONNECTING);

            upstream(new Connected(false));

            assertThat(effects()).containsExactly(new Effect.SendToDevice(new ConnAck(ReturnCode.ACCEPTED)));
            assertThat(state()).isEqualTo(SessionState.ACTIVE);
        }

        @Test
        void persistentSessionConnectAsksForALongBrokerSessionExpiry() {
            device(connectPacket(false, false, 120));

            assertThat(effects()).containsExactly(upstreamConnect(false, 120, Optional.empty()));

            upstream(new Connected(true));

            assertThat(sent()).containsExactly(new ConnAck(ReturnCode.ACCEPTED));
        }

        @Test
        void packetsWhileWaitingForTheBrokerAreAnsweredWithDisconnect() {
            device(connectPacket(false, true, 60));

            device(new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.PREDEFINED, 1, 0, bytes("x")));

            assertThat(sent()).containsExactly(Disconnect.PLAIN);
            assertThat(counters()).containsExactly(NOT_CONNECTED);
            assertThat(state()).isEqualTo(SessionState.CONNECTING);

            upstream(new Connected(false));
            assertThat(sent()).containsExactly(new ConnAck(ReturnCode.ACCEPTED));
        }

        @Test
        void packetsBeforeAnyConnectAreAnsweredWithDisconnect() {
            device(PingReq.PLAIN);

            assertThat(sent()).containsExactly(Disconnect.PLAIN);
            assertThat(counters()).containsExactly(NOT_CONNECTED);
            assertThat(state()).isEqualTo(SessionState.DISCONNECTED);
        }

        @Test
        void aLateConnectedAfterTheSessionIsUpIsIgnored() {
            connect();

            upstream(new Connected(false));

            assertThat(effects()).isEmpty();
        }
    }

    @Nested
    class WithWill {

        @Test
        void willTopicAndMessageAreAskedForBeforeTheUpstreamConnect() {
            device(connectPacket(true, true, 60));

            assertThat(effects()).containsExactly(new Effect.SendToDevice(WillTopicReq.INSTANCE));
            assertThat(state()).isEqualTo(SessionState.AWAITING_WILL_TOPIC);

            device(new WillTopic(QoS.AT_LEAST_ONCE, true, "dev/status"));

            assertThat(effects()).containsExactly(new Effect.SendToDevice(WillMsgReq.INSTANCE));
            assertThat(state()).isEqualTo(SessionState.AWAITING_WILL_MESSAGE);

            device(new WillMsg(bytes("offline")));

            assertThat(effects()).containsExactly(upstreamConnect(true, 60, Optional.of(WILL)));
            assertThat(state()).isEqualTo(SessionState.CONNECTING);

            upstream(new Connected(false));

            assertThat(sent()).containsExactly(new ConnAck(ReturnCode.ACCEPTED));
            assertThat(state()).isEqualTo(SessionState.ACTIVE);
        }

        @Test
        void persistentSessionWithWill() {
            device(connectPacket(true, false, 30));
            device(new WillTopic(QoS.AT_MOST_ONCE, false, "w"));
            device(new WillMsg(Bytes.EMPTY));

            assertThat(effects()).containsExactly(upstreamConnect(false, 30,
                    Optional.of(new Will("w", Bytes.EMPTY, QoS.AT_MOST_ONCE, false))));
        }

        @Test
        void emptyWillTopicMeansNoWill() {
            device(connectPacket(true, true, 60));

            device(WillTopic.EMPTY);

            assertThat(effects()).containsExactly(upstreamConnect(true, 60, Optional.empty()));
            assertThat(state()).isEqualTo(SessionState.CONNECTING);
        }

        @Test
        void invalidWillTopicIsRefused() {
            device(connectPacket(true, true, 60));

            device(new WillTopic(QoS.AT_MOST_ONCE, false, "dev/+"));

            assertThat(sent()).containsExactly(new ConnAck(ReturnCode.REJECTED_NOT_SUPPORTED));
            assertThat(counters()).containsExactly(UNSUPPORTED);
            assertThat(effects(Effect.Connect.class)).isEmpty();
            assertThat(state()).isEqualTo(SessionState.DISCONNECTED);
            assertThat(session().nextDeadline()).isEqualTo(Long.MAX_VALUE);
        }

        @Test
        void otherPacketsDuringTheWillExchangeAreAnsweredWithDisconnect() {
            device(connectPacket(true, true, 60));

            device(new WillMsg(bytes("too early")));

            assertThat(sent()).containsExactly(Disconnect.PLAIN);
            assertThat(counters()).containsExactly(NOT_CONNECTED);
            assertThat(state()).isEqualTo(SessionState.AWAITING_WILL_TOPIC);
        }

        @Test
        void willTopicRequestIsResentAfterRetryTimeThenTheExchangeIsAbandoned() {
            device(connectPacket(true, true, 60));

            advance(RETRY - 1);
            assertThat(effects()).isEmpty();

            for (int i = 0; i < MAX_RETRIES; i++) {
                advance(1);
                assertThat(effects()).containsExactly(new Effect.SendToDevice(WillTopicReq.INSTANCE));
                advance(RETRY - 1);
                assertThat(effects()).isEmpty();
            }
            advance(1);

            assertThat(sent()).isEmpty();
            assertThat(counters()).containsExactly(WILL_EXCHANGE_ABANDONED);
            assertThat(effects(Effect.Connect.class)).isEmpty();
            assertThat(state()).isEqualTo(SessionState.DISCONNECTED);
            assertThat(session().nextDeadline()).isEqualTo(Long.MAX_VALUE);
        }

        @Test
        void willMessageRequestIsResentAfterRetryTimeThenTheExchangeIsAbandoned() {
            device(connectPacket(true, true, 60));
            device(new WillTopic(QoS.AT_MOST_ONCE, false, "dev/status"));

            advance(RETRY * MAX_RETRIES);

            assertThat(history().stream().filter(e -> e.equals(new Effect.SendToDevice(WillMsgReq.INSTANCE))))
                    .hasSize(1 + MAX_RETRIES);
            assertThat(state()).isEqualTo(SessionState.AWAITING_WILL_MESSAGE);

            advance(RETRY);

            assertThat(counters()).containsExactly(WILL_EXCHANGE_ABANDONED);
            assertThat(state()).isEqualTo(SessionState.DISCONNECTED);
        }

        @Test
        void aWillTopicResentWhileTheMessageIsAwaitedIsAskedForItsMessageAgain() {
            device(connectPacket(true, true, 60));
            device(new WillTopic(QoS.AT_LEAST_ONCE, true, "dev/status"));
            assertThat(sent()).containsExactly(WillMsgReq.INSTANCE);

            // Our WILLMSGREQ was lost, so the device repeats WILLTOPIC (spec §6.13); the last one counts.
            device(new WillTopic(QoS.AT_MOST_ONCE, false, "dev/state"));
            assertThat(effects()).containsExactly(new Effect.SendToDevice(WillMsgReq.INSTANCE));
            assertThat(state()).isEqualTo(SessionState.AWAITING_WILL_MESSAGE);

            device(new WillMsg(bytes("offline")));
            assertThat(effects()).containsExactly(upstreamConnect(true, 60,
                    Optional.of(new Will("dev/state", Bytes.utf8("offline"), QoS.AT_MOST_ONCE, false))));
        }

        @Test
        void otherPacketsWhileTheWillMessageIsAwaitedAreAnsweredWithDisconnect() {
            device(connectPacket(true, true, 60));
            device(new WillTopic(QoS.AT_LEAST_ONCE, true, "dev/status"));

            device(PingReq.PLAIN);

            assertThat(sent()).containsExactly(Disconnect.PLAIN);
            assertThat(counters()).containsExactly(NOT_CONNECTED);
            assertThat(state()).isEqualTo(SessionState.AWAITING_WILL_MESSAGE);
        }

        @Test
        void willPacketsResentWhileTheBrokerAnswersChangeNothing() {
            exchangeWill();
            assertThat(state()).isEqualTo(SessionState.CONNECTING);

            device(new WillTopic(QoS.AT_LEAST_ONCE, true, "dev/status"));
            assertThat(effects()).isEmpty();
            device(new WillMsg(bytes("offline")));
            assertThat(effects()).isEmpty();

            upstream(new Connected(false));
            assertThat(effects()).containsExactly(new Effect.SendToDevice(new ConnAck(ReturnCode.ACCEPTED)));
        }

        @Test
        void anAnswerAfterARetransmissionCompletesTheExchange() {
            device(connectPacket(true, true, 60));
            advance(RETRY);
            assertThat(sent()).containsExactly(WillTopicReq.INSTANCE);

            device(new WillTopic(QoS.AT_LEAST_ONCE, true, "dev/status"));
            advance(RETRY);
            assertThat(sent()).containsExactly(WillMsgReq.INSTANCE);
            device(new WillMsg(bytes("offline")));

            assertThat(effects()).containsExactly(upstreamConnect(true, 60, Optional.of(WILL)));
            assertThat(session().nextDeadline()).isEqualTo(Long.MAX_VALUE);
        }

        @Test
        void cleanSessionWithoutWillDeletesAnEarlierWill() {
            device(connectPacket(true, false, 60));
            device(new WillTopic(QoS.AT_LEAST_ONCE, true, "dev/status"));
            device(new WillMsg(bytes("offline")));
            upstream(new Connected(false));
            device(Disconnect.PLAIN);

            device(connectPacket(false, true, 60));

            assertThat(effects()).containsExactly(upstreamConnect(true, 60, Optional.empty()));
        }

        @Test
        void persistentSessionWithoutWillKeepsTheEarlierWill() {
            device(connectPacket(true, false, 60));
            device(new WillTopic(QoS.AT_LEAST_ONCE, true, "dev/status"));
            device(new WillMsg(bytes("offline")));
            upstream(new Connected(false));
            device(Disconnect.PLAIN);

            device(connectPacket(false, false, 60));

            assertThat(effects()).containsExactly(upstreamConnect(false, 60, Optional.of(WILL)));
        }

        @Test
        void persistentSessionWithNewWillOverwritesTheOldOne() {
            device(connectPacket(true, false, 60));
            device(new WillTopic(QoS.AT_LEAST_ONCE, true, "dev/status"));
            device(new WillMsg(bytes("offline")));
            upstream(new Connected(false));
            device(Disconnect.PLAIN);

            device(connectPacket(true, false, 60));
            device(new WillTopic(QoS.EXACTLY_ONCE, false, "dev/gone"));
            device(new WillMsg(bytes("bye")));

            assertThat(effects()).containsExactly(upstreamConnect(false, 60,
                    Optional.of(new Will("dev/gone", bytes("bye"), QoS.EXACTLY_ONCE, false))));
        }
    }

    @Nested
    class Refusals {

        @Test
        void unknownProtocolIdIsAnsweredNotSupported() {
            device(new Connect(false, true, 2, 60, Bytes.utf8(CLIENT_ID)));

            assertThat(sent()).containsExactly(new ConnAck(ReturnCode.REJECTED_NOT_SUPPORTED));
            assertThat(counters()).containsExactly(UNSUPPORTED);
            assertThat(effects(Effect.Connect.class)).isEmpty();
            assertThat(state()).isEqualTo(SessionState.DISCONNECTED);
        }

        @Test
        void unknownProtocolIdFromAConnectedClientClosesItsUpstreamConnection() {
            connect();

            device(new Connect(false, true, 2, 60, Bytes.utf8(CLIENT_ID)));

            assertThat(sent()).containsExactly(new ConnAck(ReturnCode.REJECTED_NOT_SUPPORTED));
            assertThat(effects(Effect.Disconnect.class)).containsExactly(new Effect.Disconnect(false, true));
            assertThat(state()).isEqualTo(SessionState.DISCONNECTED);
            assertThat(session().isFinished()).isTrue();
        }

        @Test
        void brokerCongestionIsAnsweredWithCongestion() {
            device(connectPacket(false, true, 60));

            upstream(new ConnectFailed(DeliveryFailure.CONGESTION, "broker unreachable"));

            assertThat(sent()).containsExactly(new ConnAck(ReturnCode.REJECTED_CONGESTION));
            // Counted, not warned about per device: the outage log tells the broker's outage once.
            assertThat(counted()).containsExactly(ClientSession.Counters.BROKER_UNAVAILABLE);
            assertThat(counters()).isEmpty();
            assertThat(state()).isEqualTo(SessionState.DISCONNECTED);
        }

        @Test
        void brokerRefusalIsAnsweredNotSupported() {
            device(connectPacket(false, true, 60));

            upstream(new ConnectFailed(DeliveryFailure.REFUSED, "not authorized"));

            assertThat(sent()).containsExactly(new ConnAck(ReturnCode.REJECTED_NOT_SUPPORTED));
            assertThat(state()).isEqualTo(SessionState.DISCONNECTED);
        }

        @Test
        void aLateConnectedAfterAFailureIsIgnored() {
            device(connectPacket(false, true, 60));
            upstream(new ConnectFailed(DeliveryFailure.CONGESTION, "timeout"));

            upstream(new Connected(false));

            assertThat(effects()).isEmpty();
            assertThat(state()).isEqualTo(SessionState.DISCONNECTED);
        }

        @Test
        void theDeviceMayConnectAgainAfterARefusal() {
            device(connectPacket(false, true, 60));
            upstream(new ConnectFailed(DeliveryFailure.CONGESTION, "timeout"));

            connect();

            assertThat(state()).isEqualTo(SessionState.ACTIVE);
        }
    }

    @Nested
    class DuplicateConnect {

        @Test
        void connectWhileActiveRestartsTheSessionClosingTheOldUpstreamWithoutWill() {
            exchangeWill();
            upstream(new Connected(false));

            device(connectPacket(false, true, 60));

            assertThat(effects()).containsExactly(
                    new Effect.Disconnect(false, false),
                    upstreamConnect(true, 60, Optional.empty()));
            assertThat(sent()).isEmpty();
            assertThat(state()).isEqualTo(SessionState.CONNECTING);

            upstream(new Connected(false));
            assertThat(sent()).containsExactly(new ConnAck(ReturnCode.ACCEPTED));
        }

        @Test
        void theSameConnectResentWhileWaitingForTheBrokerIsAResendNotARestart() {
            device(connectPacket(false, true, 60));
            assertThat(effects()).containsExactly(upstreamConnect(true, 60, Optional.empty()));

            device(connectPacket(false, true, 60));
            device(connectPacket(false, true, 60));

            assertThat(effects()).isEmpty();
            assertThat(state()).isEqualTo(SessionState.CONNECTING);
            upstream(new Connected(false));
            assertThat(sent()).containsExactly(new ConnAck(ReturnCode.ACCEPTED));
        }

        @Test
        void aDifferentConnectWhileWaitingForTheBrokerRestarts() {
            device(connectPacket(false, true, 60));

            device(connectPacket(false, true, 30));

            assertThat(effects()).containsExactly(
                    new Effect.Disconnect(false, false),
                    upstreamConnect(true, 30, Optional.empty()));

            device(connectPacket(false, false, 30));

            assertThat(effects()).containsExactly(
                    new Effect.Disconnect(false, false),
                    upstreamConnect(false, 30, Optional.empty()));
        }

        @Test
        void aConnectWithWillWhileWaitingForTheBrokerStartsTheWillExchangeAgain() {
            exchangeWill();
            assertThat(state()).isEqualTo(SessionState.CONNECTING);

            device(connectPacket(true, true, 60));

            assertThat(effects()).containsExactly(
                    new Effect.Disconnect(false, false),
                    new Effect.SendToDevice(WillTopicReq.INSTANCE));
        }

        @Test
        void theSameConnectWithinTRetryOfTheConnAckIsAnsweredAgain() {
            device(connectPacket(false, true, 60));
            upstream(new Connected(false));
            int id = subscribe("room/temp");
            advance(RETRY);

            device(connectPacket(false, true, 60));

            assertThat(effects()).containsExactly(
                    new Effect.Count(ClientSession.Counters.CONNECT_RETRANSMISSION,
                            "CONNECT repeated within T_RETRY of its CONNACK"),
                    new Effect.SendToDevice(new ConnAck(ReturnCode.ACCEPTED)));
            assertThat(state()).isEqualTo(SessionState.ACTIVE);
            // The session is untouched: its topic id still names the subscribed topic.
            message(1, "room/temp", "21", QoS.AT_MOST_ONCE);
            assertThat(sent()).singleElement().isInstanceOfSatisfying(Publish.class,
                    p -> assertThat(p.topicId()).isEqualTo(id));
        }

        @Test
        void theSameConnectLaterThanTRetryRestarts() {
            device(connectPacket(false, true, 60));
            upstream(new Connected(false));
            advance(RETRY + 1);

            device(connectPacket(false, true, 60));

            assertThat(effects()).containsExactly(
                    new Effect.Disconnect(false, false),
                    upstreamConnect(true, 60, Optional.empty()));
        }

        @Test
        void connectDuringTheWillExchangeStartsItAgainWithoutClosingAnything() {
            device(connectPacket(true, true, 60));
            device(new WillTopic(QoS.AT_MOST_ONCE, false, "dev/status"));

            device(connectPacket(true, true, 60));

            assertThat(effects()).containsExactly(new Effect.SendToDevice(WillTopicReq.INSTANCE));
            assertThat(state()).isEqualTo(SessionState.AWAITING_WILL_TOPIC);
        }

        @Test
        void connectWithWillWhileActiveClosesTheOldUpstreamThenAsksForTheWill() {
            connect();

            device(connectPacket(true, true, 60));

            assertThat(effects()).containsExactly(
                    new Effect.Disconnect(false, false),
                    new Effect.SendToDevice(WillTopicReq.INSTANCE));
        }
    }
}
