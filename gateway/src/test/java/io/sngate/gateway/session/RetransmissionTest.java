package io.sngate.gateway.session;

import static io.sngate.gateway.session.ClientSession.Counters.CONNECT_RETRANSMISSION;
import static io.sngate.gateway.session.ClientSession.Counters.REQUEST_RETRANSMISSION;
import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.SubAck;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.TopicRef;
import io.sngate.codec.v12.UnsubAck;
import io.sngate.codec.v12.Unsubscribe;
import io.sngate.codec.v12.WillTopicReq;
import io.sngate.gateway.session.UpstreamEvent.Subscribed;
import io.sngate.gateway.session.UpstreamEvent.Unsubscribed;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Idempotency: a copy of a device's CONNECT, REGISTER, SUBSCRIBE or UNSUBSCRIBE (it lost the
 * answer and retried, or the network duplicated the packet) is answered again, not carried out
 * a second time.
 */
class RetransmissionTest extends SessionHarness {

    /** How long a device may go on retrying one request: T_RETRY x (N_RETRY + 1). */
    private static final long WINDOW = RETRY * (MAX_RETRIES + 1);

    /** CONNECTs that differ from {@code connectPacket(false, false, 60)} in one field. */
    static Stream<Arguments> differentConnects() {
        return Stream.of(
                Arguments.of("another keep-alive", connectPacket(false, false, 61)),
                Arguments.of("another clean flag", connectPacket(false, true, 60)),
                Arguments.of("a will flag", connectPacket(true, false, 60)));
    }

    private long subscribeToken() {
        assertThat(effects(Effect.Subscribe.class)).hasSize(1);
        return effects(Effect.Subscribe.class).get(0).token();
    }

    private long unsubscribeToken() {
        assertThat(effects(Effect.Unsubscribe.class)).hasSize(1);
        return effects(Effect.Unsubscribe.class).get(0).token();
    }

    private void assertAnsweredAgain(MqttSn12Message answer) {
        assertThat(counted()).containsExactly(REQUEST_RETRANSMISSION);
        assertThat(sent()).containsExactly(answer);
        assertThat(effects()).hasSize(2); // the count and the answer, nothing upstream
    }

    @Nested
    class ConnectCopies {

        @Test
        void anIdenticalConnectWithinTRetryOfTheConnAckIsAnsweredAgainAndChangesNothing() {
            connect(false, 60);
            int id = register("room/temp", 1);
            device(new Subscribe(false, QoS.AT_LEAST_ONCE, 2, TopicRef.name("room/+")));
            long pending = subscribeToken();
            advance(RETRY / 2);

            device(connectPacket(false, false, 60));

            assertThat(counted()).containsExactly(CONNECT_RETRANSMISSION);
            assertThat(sent()).containsExactly(new ConnAck(ReturnCode.ACCEPTED));
            assertThat(effects()).hasSize(2); // no upstream effect: no Disconnect, no Connect
            assertThat(state()).isEqualTo(SessionState.ACTIVE);
            assertThat(session().registeredTopics()).isEqualTo(1);
            // the registered id still names its topic, and the pending SUBSCRIBE is still answered
            device(new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.NORMAL, id, 0, bytes("x")));
            assertThat(published().topic()).isEqualTo("room/temp");
            upstream(new Subscribed(pending, Optional.of(QoS.AT_LEAST_ONCE), Optional.empty()));
            assertThat(sent()).containsExactly(new SubAck(QoS.AT_LEAST_ONCE, 0, 2, ReturnCode.ACCEPTED));
        }

        @Test
        void anIdenticalConnectExactlyTRetryAfterTheConnAckIsStillACopy() {
            connect(true, 60);
            int id = subscribe("room/temp");
            advance(RETRY);

            device(connectPacket(false, true, 60));

            assertThat(counted()).containsExactly(CONNECT_RETRANSMISSION);
            assertThat(effects(Effect.Connect.class)).isEmpty();
            message(1, "room/temp", "a", QoS.AT_MOST_ONCE);
            assertThat(sent()).containsExactly(
                    new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.NORMAL, id, 0, bytes("a")));
        }

        @Test
        void anIdenticalConnectLaterThanTRetryRestartsTheSession() {
            connect(true, 60);
            subscribe("room/temp");
            advance(RETRY + 1);

            device(connectPacket(false, true, 60));

            assertThat(counted()).isEmpty();
            assertThat(effects(Effect.Disconnect.class)).containsExactly(new Effect.Disconnect(false, false));
            assertThat(effects(Effect.Connect.class)).hasSize(1);
            assertThat(sent()).isEmpty();
            upstream(new UpstreamEvent.Connected(false));
            assertThat(sent()).containsExactly(new ConnAck(ReturnCode.ACCEPTED));
            // a clean restart: the device has to learn the topic's id again
            assertThat(session().registeredTopics()).isZero();
            message(1, "room/temp", "a", QoS.AT_MOST_ONCE);
            assertThat(sent()).singleElement().isInstanceOf(Register.class);
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.sngate.gateway.session.RetransmissionTest#differentConnects")
        void aConnectThatDiffersRestartsAtOnce(String difference, Connect different) {
            connect(false, 60);

            device(different);

            assertThat(counted()).isEmpty();
            assertThat(effects(Effect.Disconnect.class)).containsExactly(new Effect.Disconnect(false, false));
            if (different.will()) {
                assertThat(sent()).containsExactly(WillTopicReq.INSTANCE);
                assertThat(state()).isEqualTo(SessionState.AWAITING_WILL_TOPIC);
            } else {
                assertThat(sent()).isEmpty();
                assertThat(effects(Effect.Connect.class)).singleElement().satisfies(c -> {
                    assertThat(c.request().cleanStart()).isEqualTo(different.cleanSession());
                    assertThat(c.request().keepAliveSeconds()).isEqualTo(different.keepAlive());
                });
                assertThat(state()).isEqualTo(SessionState.CONNECTING);
            }
        }

        @Test
        void aConnectFromANewAddressIsNeverACopy() {
            connect(false, 60);

            addressChanged();
            device(connectPacket(false, false, 60));

            assertThat(counted()).isEmpty();
            assertThat(effects(Effect.Disconnect.class)).containsExactly(new Effect.Disconnect(false, false));
            assertThat(effects(Effect.Connect.class)).hasSize(1);
        }
    }

    @Nested
    class RegisterCopies {

        @Test
        void aRepeatedRegisterGetsTheIdenticalRegAckAgain() {
            connect();
            int id = register("room/temp", 5);
            advance(RETRY);

            device(new Register(0, 5, "room/temp"));

            assertAnsweredAgain(new RegAck(id, 5, ReturnCode.ACCEPTED));
            assertThat(session().registeredTopics()).isEqualTo(1);
        }

        @Test
        void theSameMsgIdWithAnotherNameIsANewRequest() {
            connect();
            int first = register("room/temp", 5);

            device(new Register(0, 5, "room/hum"));

            assertThat(counted()).isEmpty();
            assertThat(sent()).singleElement().isInstanceOfSatisfying(RegAck.class, ack -> {
                assertThat(ack.returnCode()).isEqualTo(ReturnCode.ACCEPTED);
                assertThat(ack.msgId()).isEqualTo(5);
                assertThat(ack.topicId()).isNotEqualTo(first);
            });
            assertThat(session().registeredTopics()).isEqualTo(2);
        }

        @Test
        void theSameNameWithAnotherMsgIdIsANewRequest() {
            connect();
            int id = register("room/temp", 5);

            device(new Register(0, 6, "room/temp"));

            assertThat(counted()).isEmpty();
            assertThat(sent()).containsExactly(new RegAck(id, 6, ReturnCode.ACCEPTED));
        }

        @Test
        void afterTheRetryWindowTheSameMsgIdIsANewRequest() {
            connect();
            int id = register("room/temp", 5);

            advance(WINDOW - 1);
            device(new Register(0, 5, "room/temp"));
            assertThat(counted()).containsExactly(REQUEST_RETRANSMISSION);

            advance(1);
            device(new Register(0, 5, "room/temp"));
            assertThat(counted()).isEmpty();
            assertThat(sent()).containsExactly(new RegAck(id, 5, ReturnCode.ACCEPTED));
        }
    }

    @Nested
    class SubscribeCopies {

        private static final TopicRef TOPIC = TopicRef.name("room/temp");

        @ParameterizedTest(name = "copy with DUP {0}")
        @ValueSource(booleans = {true, false})
        void aCopyWhileTheFirstIsPendingUpstreamIsNotSubscribedAgain(boolean dup) {
            connect();
            device(new Subscribe(false, QoS.AT_LEAST_ONCE, 7, TOPIC));
            long token = subscribeToken();

            device(new Subscribe(dup, QoS.AT_LEAST_ONCE, 7, TOPIC));

            assertThat(effects(Effect.Subscribe.class)).isEmpty();
            assertThat(sent()).isEmpty();
            assertThat(counted()).containsExactly(REQUEST_RETRANSMISSION);

            upstream(new Subscribed(token, Optional.of(QoS.AT_LEAST_ONCE), Optional.empty()));
            assertThat(sent()).containsExactly(new SubAck(QoS.AT_LEAST_ONCE, 1, 7, ReturnCode.ACCEPTED));
        }

        @ParameterizedTest(name = "copy with DUP {0}")
        @ValueSource(booleans = {true, false})
        void aCopyAfterTheSubAckGetsTheSameSubAckWithoutSubscribingAgain(boolean dup) {
            connect();
            SubAck first = subscribe(TOPIC, QoS.EXACTLY_ONCE, QoS.AT_LEAST_ONCE, 7);
            assertThat(first).isEqualTo(new SubAck(QoS.AT_LEAST_ONCE, 1, 7, ReturnCode.ACCEPTED));
            advance(RETRY);

            device(new Subscribe(dup, QoS.EXACTLY_ONCE, 7, TOPIC));

            assertAnsweredAgain(first);
        }

        @Test
        void aCopyOfAWildcardSubscribeIsAnsweredAgainToo() {
            connect();
            SubAck first = subscribe(TopicRef.name("room/#"), QoS.AT_MOST_ONCE, QoS.AT_MOST_ONCE, 9);

            device(new Subscribe(true, QoS.AT_MOST_ONCE, 9, TopicRef.name("room/#")));

            assertAnsweredAgain(first);
        }

        @Test
        void afterTheRetryWindowTheSameMsgIdIsANewRequest() {
            connect();
            subscribe(TOPIC, QoS.AT_LEAST_ONCE, QoS.AT_LEAST_ONCE, 7);

            advance(WINDOW - 1);
            device(new Subscribe(true, QoS.AT_LEAST_ONCE, 7, TOPIC));
            assertThat(counted()).containsExactly(REQUEST_RETRANSMISSION);

            advance(1);
            device(new Subscribe(true, QoS.AT_LEAST_ONCE, 7, TOPIC));
            assertThat(counted()).isEmpty();
            assertThat(effects()).containsExactly(new Effect.Subscribe(subscribeToken(), "room/temp", QoS.AT_LEAST_ONCE));
        }

        @Test
        void aSubscribeWithAnotherTopicButTheSameMsgIdIsANewRequest() {
            connect();
            device(new Subscribe(false, QoS.AT_LEAST_ONCE, 7, TOPIC));
            long first = subscribeToken();

            device(new Subscribe(false, QoS.AT_LEAST_ONCE, 7, TopicRef.name("room/hum")));
            long second = subscribeToken();
            assertThat(counted()).isEmpty();
            assertThat(effects(Effect.Subscribe.class).get(0).topicFilter()).isEqualTo("room/hum");

            upstream(new Subscribed(first, Optional.of(QoS.AT_LEAST_ONCE), Optional.empty()));
            upstream(new Subscribed(second, Optional.of(QoS.AT_LEAST_ONCE), Optional.empty()));

            device(new Subscribe(false, QoS.AT_LEAST_ONCE, 7, TopicRef.name("room/light")));
            assertThat(counted()).isEmpty();
            assertThat(effects(Effect.Subscribe.class)).singleElement()
                    .satisfies(s -> assertThat(s.topicFilter()).isEqualTo("room/light"));
        }

        @Test
        void aSubscribeAskingAnotherQoSUnderTheSameMsgIdAfterItsSubAckIsANewRequest() {
            connect();
            subscribe(TOPIC, QoS.AT_MOST_ONCE, QoS.AT_MOST_ONCE, 7);

            device(new Subscribe(false, QoS.EXACTLY_ONCE, 7, TOPIC));

            assertThat(counted()).isEmpty();
            assertThat(effects()).containsExactly(new Effect.Subscribe(subscribeToken(), "room/temp", QoS.EXACTLY_ONCE));
        }

        @Test
        void aNewConnectionForgetsTheAnswersOfTheOldOne() {
            connect(false, 60);
            subscribe(TOPIC, QoS.AT_LEAST_ONCE, QoS.AT_LEAST_ONCE, 1);
            advance(RETRY + 1);
            device(connectPacket(false, false, 60)); // a restarted device numbers from 1 again
            upstream(new UpstreamEvent.Connected(true));

            device(new Subscribe(false, QoS.AT_LEAST_ONCE, 1, TOPIC));

            assertThat(counted()).isEmpty();
            assertThat(effects(Effect.Subscribe.class)).hasSize(1);
        }
    }

    @Nested
    class UnsubscribeCopies {

        private static final TopicRef TOPIC = TopicRef.name("room/temp");

        @Test
        void aCopyWhileTheFirstIsPendingUpstreamIsNotUnsubscribedAgain() {
            connect();
            subscribe("room/temp");
            device(new Unsubscribe(8, TOPIC));
            long token = unsubscribeToken();

            device(new Unsubscribe(8, TOPIC));

            assertThat(effects(Effect.Unsubscribe.class)).isEmpty();
            assertThat(sent()).isEmpty();
            assertThat(counted()).containsExactly(REQUEST_RETRANSMISSION);

            upstream(new Unsubscribed(token));
            assertThat(sent()).containsExactly(new UnsubAck(8));
        }

        @Test
        void aCopyAfterTheUnsubAckGetsTheSameUnsubAckWithoutUnsubscribingAgain() {
            connect();
            subscribe("room/temp");
            device(new Unsubscribe(8, TOPIC));
            upstream(new Unsubscribed(unsubscribeToken()));
            advance(RETRY);

            device(new Unsubscribe(8, TOPIC));

            assertAnsweredAgain(new UnsubAck(8));
        }

        @Test
        void afterTheRetryWindowTheSameMsgIdIsANewRequest() {
            connect();
            device(new Unsubscribe(8, TOPIC));
            upstream(new Unsubscribed(unsubscribeToken()));

            advance(WINDOW - 1);
            device(new Unsubscribe(8, TOPIC));
            assertThat(counted()).containsExactly(REQUEST_RETRANSMISSION);

            advance(1);
            device(new Unsubscribe(8, TOPIC));
            assertThat(counted()).isEmpty();
            assertThat(effects()).containsExactly(new Effect.Unsubscribe(unsubscribeToken(), "room/temp"));
        }

        @Test
        void anUnsubscribeWithAnotherTopicButTheSameMsgIdIsANewRequest() {
            connect();
            device(new Unsubscribe(8, TOPIC));
            long first = unsubscribeToken();

            device(new Unsubscribe(8, TopicRef.name("room/hum")));
            assertThat(counted()).isEmpty();
            assertThat(effects(Effect.Unsubscribe.class)).singleElement()
                    .satisfies(u -> assertThat(u.topicFilter()).isEqualTo("room/hum"));

            upstream(new Unsubscribed(first));
            device(new Unsubscribe(8, TopicRef.name("room/light")));
            assertThat(counted()).isEmpty();
            assertThat(effects(Effect.Unsubscribe.class)).singleElement()
                    .satisfies(u -> assertThat(u.topicFilter()).isEqualTo("room/light"));
        }
    }
}
