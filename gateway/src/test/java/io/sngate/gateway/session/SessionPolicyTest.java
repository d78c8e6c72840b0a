package io.sngate.gateway.session;

import static io.sngate.gateway.session.ClientSession.Counters.DENIED;
import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.QoS;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.ShortTopicName;
import io.sngate.codec.v12.SubAck;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.TopicRef;
import io.sngate.gateway.session.UpstreamEvent.PublishDone;
import io.sngate.gateway.session.UpstreamEvent.Subscribed;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What the devices file lets one device do: it may publish only under "a/#" and subscribe only under "b/#". */
class SessionPolicyTest extends SessionHarness {

    private static final int ALLOWED_PREDEFINED = 5;
    private static final int DENIED_PREDEFINED = 6;

    /** Publishing under {@code a/#}, subscribing under {@code b/#}; a reload changes {@link #publishRoot}. */
    private String publishRoot = "a/#";

    private final SessionPolicy rules = new SessionPolicy() {
        @Override
        public boolean mayPublish(String topic) {
            return Topics.matches(publishRoot, topic);
        }

        @Override
        public boolean maySubscribe(String filter) {
            return filter.equals("b") || filter.startsWith("b/");
        }
    };

    @BeforeEach
    void connectARestrictedDevice() {
        predefine(Map.of(ALLOWED_PREDEFINED, "a/config", DENIED_PREDEFINED, "x/config"));
        policy(rules);
    }

    private Effect.Discard onlyDiscard() {
        assertThat(effects(Effect.Discard.class)).hasSize(1);
        return effects(Effect.Discard.class).get(0);
    }

    @Nested
    class Registering {

        @Test
        void aTopicTheDeviceMayNotPublishToIsRefusedNotSupportedWithoutAnId() {
            connect();

            device(new Register(0, 3, "x/y"));

            assertThat(sent()).containsExactly(new RegAck(0, 3, ReturnCode.REJECTED_NOT_SUPPORTED));
            assertThat(ReturnCode.REJECTED_NOT_SUPPORTED.code()).isEqualTo(0x03);
            assertThat(counters()).containsExactly(DENIED);
            assertThat(onlyDiscard().topic()).isEqualTo("x/y");
            assertThat(effects(Effect.Publish.class)).isEmpty();
            assertThat(session().registeredTopics()).isZero();
        }

        @Test
        void aTopicTheDeviceMayPublishToIsRegistered() {
            connect();

            int id = register("a/temp", 3);

            assertThat(id).isNotZero();
            assertThat(counters()).isEmpty();
            device(new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.NORMAL, id, 0, bytes("21")));
            assertThat(published().topic()).isEqualTo("a/temp");
        }
    }

    @Nested
    class Publishing {

        @ParameterizedTest(name = "QoS {0}")
        @EnumSource(value = QoS.class, names = {"AT_MOST_ONCE", "AT_LEAST_ONCE", "EXACTLY_ONCE"})
        void onAPredefinedIdWhoseTopicIsNotAllowedIsRefusedNotSupported(QoS qos) {
            connect();
            int msgId = qos == QoS.AT_MOST_ONCE ? 0 : 4;

            device(new Publish(false, qos, false, TopicIdType.PREDEFINED, DENIED_PREDEFINED, msgId, bytes("on")));

            assertThat(sent()).containsExactly(new PubAck(DENIED_PREDEFINED, msgId, ReturnCode.REJECTED_NOT_SUPPORTED));
            assertThat(counters()).containsExactly(DENIED);
            assertThat(onlyDiscard().topic()).isEqualTo("x/config");
            assertThat(effects(Effect.Publish.class)).isEmpty();
        }

        @Test
        void onAPredefinedIdWhoseTopicIsAllowedGoesToTheBroker() {
            connect();

            device(new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.PREDEFINED, ALLOWED_PREDEFINED, 4,
                    bytes("on")));

            Effect.Publish publish = published();
            assertThat(publish.topic()).isEqualTo("a/config");
            assertThat(sent()).isEmpty();
            upstream(new PublishDone(publish.token(), Optional.empty()));
            assertThat(sent()).containsExactly(new PubAck(ALLOWED_PREDEFINED, 4, ReturnCode.ACCEPTED));
        }

        @Test
        void aTopicIdFromASubscriptionDoesNotLetTheDevicePublishThere() {
            connect();
            SubAck ack = subscribe(TopicRef.name("b/news"), QoS.AT_MOST_ONCE, QoS.AT_MOST_ONCE, 2);
            assertThat(ack.returnCode()).isEqualTo(ReturnCode.ACCEPTED);

            device(new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.NORMAL, ack.topicId(), 0, bytes("x")));

            assertThat(sent()).containsExactly(new PubAck(ack.topicId(), 0, ReturnCode.REJECTED_NOT_SUPPORTED));
            assertThat(counters()).containsExactly(DENIED);
            assertThat(effects(Effect.Publish.class)).isEmpty();
        }

        @Test
        void toAShortNameOutsideTheAllowedTopicsIsRefused() {
            connect();

            device(Publish.toShortName("zz", QoS.AT_MOST_ONCE, false, 0, bytes("x")));

            assertThat(sent()).containsExactly(
                    new PubAck(ShortTopicName.encode("zz"), 0, ReturnCode.REJECTED_NOT_SUPPORTED));
            assertThat(counters()).containsExactly(DENIED);
            assertThat(effects(Effect.Publish.class)).isEmpty();
        }

        @Test
        void aReloadedPolicyAppliesToTheNextPublish() {
            connect();
            int id = register("a/temp", 3);

            publishRoot = "c/#"; // the devices file now says otherwise
            device(new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.NORMAL, id, 0, bytes("21")));

            assertThat(counters()).containsExactly(DENIED);
            assertThat(effects(Effect.Publish.class)).isEmpty();
        }
    }

    @Nested
    class Subscribing {

        @Test
        void aFilterTheDeviceMayNotSubscribeToIsRefusedNotSupportedWithoutAskingTheBroker() {
            connect();

            device(new Subscribe(false, QoS.AT_LEAST_ONCE, 6, TopicRef.name("c/#")));

            assertThat(sent()).containsExactly(new SubAck(QoS.AT_MOST_ONCE, 0, 6, ReturnCode.REJECTED_NOT_SUPPORTED));
            assertThat(counters()).containsExactly(DENIED);
            assertThat(onlyDiscard().topic()).isEqualTo("c/#");
            assertThat(effects(Effect.Subscribe.class)).isEmpty();
        }

        @Test
        void aPredefinedIdWhoseTopicIsNotAllowedIsRefused() {
            connect();

            device(new Subscribe(false, QoS.AT_MOST_ONCE, 6, TopicRef.predefined(DENIED_PREDEFINED)));

            assertThat(sent()).singleElement().isInstanceOfSatisfying(SubAck.class,
                    ack -> assertThat(ack.returnCode()).isEqualTo(ReturnCode.REJECTED_NOT_SUPPORTED));
            assertThat(counters()).containsExactly(DENIED);
            assertThat(effects(Effect.Subscribe.class)).isEmpty();
        }

        @Test
        void anAllowedFilterIsSubscribedAsUsual() {
            connect();

            device(new Subscribe(false, QoS.AT_LEAST_ONCE, 6, TopicRef.name("b/#")));

            assertThat(counters()).isEmpty();
            long token = effects(Effect.Subscribe.class).get(0).token();
            assertThat(effects()).containsExactly(new Effect.Subscribe(token, "b/#", QoS.AT_LEAST_ONCE));
            upstream(new Subscribed(token, Optional.of(QoS.AT_LEAST_ONCE), Optional.empty()));
            assertThat(sent()).containsExactly(new SubAck(QoS.AT_LEAST_ONCE, 0, 6, ReturnCode.ACCEPTED));
        }

        @Test
        void aDeniedSubscribeToAnExactNameTakesNoTopicId() {
            // one topic id per device: a refused request must not use it up
            configure(config(1, 100, 16, 1024));
            connect();

            device(new Subscribe(false, QoS.AT_MOST_ONCE, 6, TopicRef.name("c/d")));

            assertThat(sent()).containsExactly(new SubAck(QoS.AT_MOST_ONCE, 0, 6, ReturnCode.REJECTED_NOT_SUPPORTED));
            assertThat(counters()).containsExactly(DENIED);
            assertThat(session().registeredTopics()).isZero();
            assertThat(register("a/temp", 7)).isNotZero();
        }
    }
}
