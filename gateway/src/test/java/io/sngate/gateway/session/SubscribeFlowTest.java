package io.sngate.gateway.session;

import static io.sngate.gateway.session.ClientSession.Counters.INVALID_TOPIC;
import static io.sngate.gateway.session.ClientSession.Counters.TOPIC_IDS_EXHAUSTED;
import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.ShortTopicName;
import io.sngate.codec.v12.SubAck;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.TopicRef;
import io.sngate.codec.v12.UnsubAck;
import io.sngate.codec.v12.Unsubscribe;
import io.sngate.gateway.session.UpstreamEvent.Subscribed;
import io.sngate.gateway.session.UpstreamEvent.Unsubscribed;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** SUBSCRIBE / UNSUBSCRIBE (spec 8.6). */
class SubscribeFlowTest extends SessionHarness {

    private static final int PREDEFINED_ID = 0x0042;

    @BeforeEach
    void connectClient() {
        predefine(Map.of(PREDEFINED_ID, "pre/config"));
        connect();
    }

    private long subscribeToken() {
        assertThat(effects(Effect.Subscribe.class)).hasSize(1);
        return effects(Effect.Subscribe.class).get(0).token();
    }

    @Nested
    class ByName {

        @Test
        void subAckCarriesTheTopicIdAndComesOnlyAfterTheBrokerGranted() {
            device(new Subscribe(false, QoS.AT_LEAST_ONCE, 3, TopicRef.name("room/temp")));

            long token = subscribeToken();
            assertThat(effects()).containsExactly(new Effect.Subscribe(token, "room/temp", QoS.AT_LEAST_ONCE));
            assertThat(sent()).isEmpty();

            upstream(new Subscribed(token, Optional.of(QoS.AT_LEAST_ONCE), Optional.empty()));

            assertThat(effects()).containsExactly(
                    new Effect.SendToDevice(new SubAck(QoS.AT_LEAST_ONCE, 1, 3, ReturnCode.ACCEPTED)));
        }

        @Test
        void theIdIsTheOneARegisterGives() {
            int viaRegister = register("room/temp", 1);

            SubAck ack = subscribe(TopicRef.name("room/temp"), QoS.AT_MOST_ONCE, QoS.AT_MOST_ONCE, 2);

            assertThat(ack.topicId()).isEqualTo(viaRegister);
        }

        @Test
        void theIdIsKnownToTheDeviceSoMessagesNeedNoRegister() {
            int id = subscribe("room/temp");

            message(1, "room/temp", "21", QoS.AT_MOST_ONCE);

            assertThat(sent()).containsExactly(
                    new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.NORMAL, id, 0, bytes("21")));
        }

        @Test
        void theDeviceMayPublishWithTheSubscribedId() {
            int id = subscribe("room/temp");

            device(new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.NORMAL, id, 0, bytes("x")));

            assertThat(published().topic()).isEqualTo("room/temp");
        }

        @Test
        void invalidFilterIsRefusedWithoutAskingTheBroker() {
            device(new Subscribe(false, QoS.AT_MOST_ONCE, 3, TopicRef.name("a/#/b")));

            assertThat(effects(Effect.Subscribe.class)).isEmpty();
            assertThat(sent()).containsExactly(new SubAck(QoS.AT_MOST_ONCE, 0, 3, ReturnCode.REJECTED_NOT_SUPPORTED));
            assertThat(counters()).containsExactly(INVALID_TOPIC);
        }

        @Test
        void invalidUtf8IsRefused() {
            device(new Subscribe(false, QoS.AT_MOST_ONCE, 3, new TopicRef.Name(Bytes.fromHex("C3 28"))));

            assertThat(sent()).containsExactly(new SubAck(QoS.AT_MOST_ONCE, 0, 3, ReturnCode.REJECTED_NOT_SUPPORTED));
            assertThat(effects(Effect.Subscribe.class)).isEmpty();
        }

        @Test
        void whenNoTopicIdIsLeftSubscribeIsAnsweredWithCongestion() {
            // the session of this class is already connected: use a second one whose table holds one topic
            SessionHarness tiny = new SessionHarness();
            tiny.configure(config(1, 100, 16, 1024));
            tiny.connect();
            tiny.register("only", 1);

            tiny.device(new Subscribe(false, QoS.AT_MOST_ONCE, 4, TopicRef.name("another")));

            assertThat(tiny.sent()).containsExactly(new SubAck(QoS.AT_MOST_ONCE, 0, 4, ReturnCode.REJECTED_CONGESTION));
            assertThat(tiny.counters()).containsExactly(TOPIC_IDS_EXHAUSTED);
            assertThat(tiny.effects(Effect.Subscribe.class)).isEmpty();

            // a wildcard needs no id, so it still works
            tiny.device(new Subscribe(false, QoS.AT_MOST_ONCE, 5, TopicRef.name("another/#")));
            assertThat(tiny.effects(Effect.Subscribe.class)).hasSize(1);
        }
    }

    @Nested
    class Wildcard {

        @Test
        void subAckCarriesTopicIdZero() {
            SubAck ack = subscribe(TopicRef.name("room/+"), QoS.AT_LEAST_ONCE, QoS.AT_LEAST_ONCE, 4);

            assertThat(ack).isEqualTo(new SubAck(QoS.AT_LEAST_ONCE, 0, 4, ReturnCode.ACCEPTED));
            assertThat(session().registeredTopics()).isZero();
        }

        @Test
        void multiLevelWildcard() {
            device(new Subscribe(false, QoS.EXACTLY_ONCE, 4, TopicRef.name("#")));

            assertThat(effects()).containsExactly(new Effect.Subscribe(subscribeToken(), "#", QoS.EXACTLY_ONCE));
        }
    }

    @Nested
    class Predefined {

        @Test
        void knownIdIsSubscribedByItsNameAndEchoedInSubAck() {
            device(new Subscribe(false, QoS.AT_LEAST_ONCE, 5, TopicRef.predefined(PREDEFINED_ID)));

            long token = subscribeToken();
            assertThat(effects()).containsExactly(new Effect.Subscribe(token, "pre/config", QoS.AT_LEAST_ONCE));

            upstream(new Subscribed(token, Optional.of(QoS.AT_LEAST_ONCE), Optional.empty()));

            assertThat(sent()).containsExactly(
                    new SubAck(QoS.AT_LEAST_ONCE, PREDEFINED_ID, 5, ReturnCode.ACCEPTED));
            assertThat(session().registeredTopics()).isZero();
        }

        @Test
        void unknownIdIsRefusedWithInvalidTopicId() {
            device(new Subscribe(false, QoS.AT_LEAST_ONCE, 5, TopicRef.predefined(0x0043)));

            assertThat(effects(Effect.Subscribe.class)).isEmpty();
            assertThat(sent()).containsExactly(
                    new SubAck(QoS.AT_MOST_ONCE, 0x0043, 5, ReturnCode.REJECTED_INVALID_TOPIC_ID));
            assertThat(counters()).containsExactly(INVALID_TOPIC);
        }
    }

    @Nested
    class ShortName {

        @Test
        void isSubscribedByItsTwoCharactersWithTopicIdZeroInSubAck() {
            device(new Subscribe(false, QoS.AT_MOST_ONCE, 6, TopicRef.shortName("ab")));

            long token = subscribeToken();
            assertThat(effects()).containsExactly(new Effect.Subscribe(token, "ab", QoS.AT_MOST_ONCE));

            upstream(new Subscribed(token, Optional.of(QoS.AT_MOST_ONCE), Optional.empty()));

            assertThat(sent()).containsExactly(new SubAck(QoS.AT_MOST_ONCE, 0, 6, ReturnCode.ACCEPTED));
            assertThat(session().registeredTopics()).isZero();
        }

        @Test
        void withAWildcardIsRefused() {
            device(new Subscribe(false, QoS.AT_MOST_ONCE, 6, new TopicRef.ShortName(ShortTopicName.encode("a#"))));

            assertThat(effects(Effect.Subscribe.class)).isEmpty();
            assertThat(sent()).containsExactly(new SubAck(QoS.AT_MOST_ONCE, 0, 6, ReturnCode.REJECTED_NOT_SUPPORTED));
        }
    }

    @Nested
    class GrantedQoS {

        @ParameterizedTest(name = "requested {0}, broker grants {1} -> {2}")
        @CsvSource({"0,0,0", "0,2,0", "1,0,0", "1,1,1", "1,2,1", "2,1,1", "2,2,2", "2,0,0"})
        void isTheLowerOfRequestedAndBrokerGrant(int requested, int broker, int expected) {
            SubAck ack = subscribe(TopicRef.name("t"), QoS.ofLevel(requested), QoS.ofLevel(broker), 9);

            assertThat(ack.grantedQos()).isEqualTo(QoS.ofLevel(expected));
            assertThat(ack.returnCode()).isEqualTo(ReturnCode.ACCEPTED);
        }

        @Test
        void brokerCongestionBecomesReturnCodeCongestion() {
            device(new Subscribe(false, QoS.AT_LEAST_ONCE, 7, TopicRef.name("t")));

            upstream(new Subscribed(subscribeToken(), Optional.empty(), Optional.of(DeliveryFailure.CONGESTION)));

            assertThat(sent()).containsExactly(new SubAck(QoS.AT_MOST_ONCE, 0, 7, ReturnCode.REJECTED_CONGESTION));
        }

        @Test
        void brokerRefusalBecomesReturnCodeNotSupported() {
            device(new Subscribe(false, QoS.AT_LEAST_ONCE, 7, TopicRef.name("t")));

            upstream(new Subscribed(subscribeToken(), Optional.empty(), Optional.of(DeliveryFailure.REFUSED)));

            assertThat(sent()).containsExactly(new SubAck(QoS.AT_MOST_ONCE, 0, 7, ReturnCode.REJECTED_NOT_SUPPORTED));
        }

        @Test
        void noGrantAndNoFailureIsARefusal() {
            device(new Subscribe(false, QoS.AT_LEAST_ONCE, 7, TopicRef.name("t")));

            upstream(new Subscribed(subscribeToken(), Optional.empty(), Optional.empty()));

            assertThat(sent()).containsExactly(new SubAck(QoS.AT_MOST_ONCE, 0, 7, ReturnCode.REJECTED_NOT_SUPPORTED));
        }

        @Test
        void anUnknownTokenIsIgnored() {
            upstream(new Subscribed(12345, Optional.of(QoS.AT_MOST_ONCE), Optional.empty()));

            assertThat(effects()).isEmpty();
        }
    }

    @Nested
    class Unsubscribing {

        @Test
        void byNameUnsubAckOnlyAfterTheBroker() {
            subscribe("room/+");

            device(new Unsubscribe(8, TopicRef.name("room/+")));

            Effect.Unsubscribe request = effects(Effect.Unsubscribe.class).get(0);
            assertThat(effects()).containsExactly(new Effect.Unsubscribe(request.token(), "room/+"));
            assertThat(sent()).isEmpty();

            upstream(new Unsubscribed(request.token()));

            assertThat(effects()).containsExactly(new Effect.SendToDevice(new UnsubAck(8)));
        }

        @Test
        void byPredefinedIdUsesItsName() {
            device(new Unsubscribe(8, TopicRef.predefined(PREDEFINED_ID)));

            assertThat(effects(Effect.Unsubscribe.class)).singleElement()
                    .extracting(Effect.Unsubscribe::topicFilter).isEqualTo("pre/config");
        }

        @Test
        void byShortName() {
            device(new Unsubscribe(8, TopicRef.shortName("ab")));

            assertThat(effects(Effect.Unsubscribe.class)).singleElement()
                    .extracting(Effect.Unsubscribe::topicFilter).isEqualTo("ab");
        }

        @Test
        void unknownPredefinedIdOrInvalidFilterIsAnsweredAtOnce() {
            device(new Unsubscribe(8, TopicRef.predefined(0x0043)));
            assertThat(effects()).containsExactly(new Effect.SendToDevice(new UnsubAck(8)));

            device(new Unsubscribe(9, TopicRef.name("a/#/b")));
            assertThat(effects()).containsExactly(new Effect.SendToDevice(new UnsubAck(9)));
        }

        @Test
        void aShortNameSubscriptionNoLongerDecidesTheTopicFormAfterUnsubscribe() {
            subscribe(TopicRef.shortName("ab"), QoS.AT_MOST_ONCE, QoS.AT_MOST_ONCE, 1);
            subscribe("#");
            message(1, "ab", "x", QoS.AT_MOST_ONCE);
            assertThat(sent()).singleElement().extracting(m -> ((Publish) m).topicIdType())
                    .isEqualTo(TopicIdType.SHORT);

            device(new Unsubscribe(8, TopicRef.shortName("ab")));
            upstream(new Unsubscribed(effects(Effect.Unsubscribe.class).get(0).token()));
            message(2, "ab", "x", QoS.AT_MOST_ONCE);

            // still matched by "#": now as a normal topic id, registered first
            assertThat(sent()).singleElement().isInstanceOf(io.sngate.codec.v12.Register.class);
        }

        @Test
        void anUnknownTokenIsIgnored() {
            upstream(new Unsubscribed(777));

            assertThat(effects()).isEmpty();
        }
    }

    @Nested
    class ReservedTopicIdType {

        @Test
        void subscribeIsRefusedRatherThanLeftUnanswered() {
            device(new Subscribe(false, QoS.AT_LEAST_ONCE, 5, new TopicRef.Reserved(Bytes.wrap(new byte[] {1, 2}))));

            assertThat(effects(Effect.Subscribe.class)).isEmpty();
            assertThat(counters()).containsExactly(INVALID_TOPIC);
            assertThat(sent()).containsExactly(new SubAck(QoS.AT_MOST_ONCE, 0, 5, ReturnCode.REJECTED_NOT_SUPPORTED));
        }

        @Test
        void unsubscribeIsAnsweredAtOnceAsNothingCanBeSubscribedUnderIt() {
            device(new Unsubscribe(6, new TopicRef.Reserved(Bytes.EMPTY)));

            assertThat(effects()).containsExactly(new Effect.SendToDevice(new UnsubAck(6)));
        }
    }

    @Test
    void subscribeNeedsAConnection() {
        device(Disconnect.PLAIN);

        device(new Subscribe(false, QoS.AT_MOST_ONCE, 1, TopicRef.name("t")));

        assertThat(sent()).containsExactly(Disconnect.PLAIN);
        assertThat(effects(Effect.Subscribe.class)).isEmpty();
    }
}
