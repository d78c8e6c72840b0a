package io.sngate.gateway.session;

import static io.sngate.gateway.session.ClientSession.Counters.SESSION_CLEARED;
import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.PubComp;
import io.sngate.codec.v12.PubRec;
import io.sngate.codec.v12.PubRel;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.TopicRef;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** What a clean-session-0 reconnect keeps and a clean session forgets (spec 8.2 matrix). */
class SessionPersistenceTest extends SessionHarness {

    private static Publish toDevice(QoS qos, int topicId, int msgId, String payload) {
        return new Publish(false, qos, false, TopicIdType.NORMAL, topicId, msgId, bytes(payload));
    }

    private void reconnect(boolean cleanSession) {
        device(connectPacket(false, cleanSession, 60));
        upstream(new UpstreamEvent.Connected(!cleanSession));
    }

    @Nested
    class PersistentSession {

        @Test
        void subscriptionsAndKnownTopicIdsSurviveAReconnect() {
            connect(false, 60);
            int id = subscribe("room/temp");
            device(Disconnect.PLAIN);

            reconnect(false);
            message(1, "room/temp", "a", QoS.AT_MOST_ONCE);

            assertThat(sent()).containsExactly(toDevice(QoS.AT_MOST_ONCE, id, 0, "a"));
            assertThat(session().registeredTopics()).isEqualTo(1);
        }

        @Test
        void aShortNameSubscriptionSurvivesAReconnect() {
            connect(false, 60);
            subscribe(TopicRef.shortName("ab"), QoS.AT_MOST_ONCE, QoS.AT_MOST_ONCE, 1);
            device(Disconnect.PLAIN);

            reconnect(false);
            message(1, "ab", "a", QoS.AT_MOST_ONCE);

            assertThat(sent()).containsExactly(Publish.toShortName("ab", QoS.AT_MOST_ONCE, false, 0, bytes("a")));
        }

        @Test
        void registeredIdsStayValidForTheDevicesPublishes() {
            connect(false, 60);
            int id = register("room/temp", 1);
            device(Disconnect.PLAIN);

            reconnect(false);
            device(toDevice(QoS.AT_MOST_ONCE, id, 0, "x"));

            assertThat(published().topic()).isEqualTo("room/temp");
        }

        @Test
        void queuedMessagesAreDeliveredAfterConnAckAndTheInFlightOneFirstWithDup() {
            connect(false, 60);
            int id = subscribe("room/temp");
            message(1, "room/temp", "a", QoS.AT_LEAST_ONCE);
            message(2, "room/temp", "b", QoS.AT_LEAST_ONCE);
            advance(90_000); // the device stops answering: lost, will published
            assertThat(effects(Effect.Lost.class)).hasSize(1);
            assertThat(session().queuedMessages()).isEqualTo(2);

            device(connectPacket(false, false, 60));
            assertThat(sent()).isEmpty(); // nothing before CONNACK
            upstream(new UpstreamEvent.Connected(true));

            assertThat(sent()).containsExactly(
                    new ConnAck(ReturnCode.ACCEPTED),
                    toDevice(QoS.AT_LEAST_ONCE, id, 1, "a").asDuplicate());

            device(new PubAck(id, 1, ReturnCode.ACCEPTED));
            assertThat(effects()).containsExactly(
                    new Effect.Acknowledge(1),
                    new Effect.SendToDevice(toDevice(QoS.AT_LEAST_ONCE, id, 2, "b")));
        }

        @Test
        void aQoS2DeliveryWaitingForPubCompResumesWithPubRel() {
            connect(false, 60);
            int id = subscribe("room/temp");
            message(1, "room/temp", "a", QoS.EXACTLY_ONCE);
            device(new PubRec(1));
            assertThat(effects(Effect.Acknowledge.class)).containsExactly(new Effect.Acknowledge(1));
            device(Disconnect.PLAIN);

            reconnect(false);

            // Resumed where it stopped: PUBREL, never the PUBLISH again.
            assertThat(sent()).containsExactly(new ConnAck(ReturnCode.ACCEPTED), new PubRel(1));
            device(new PubComp(1));
            assertThat(effects()).isEmpty();
            assertThat(history()).filteredOn(e -> e instanceof Effect.Acknowledge).hasSize(1);
            assertThat(id).isPositive();
        }

        @Test
        void aRegisterWaitingForRegAckIsResent() {
            connect(false, 60);
            subscribe("room/+");
            message(1, "room/kitchen", "a", QoS.AT_LEAST_ONCE);
            device(Disconnect.PLAIN);

            reconnect(false);

            assertThat(sent()).containsExactly(new ConnAck(ReturnCode.ACCEPTED), new Register(1, 1, "room/kitchen"));
            device(new RegAck(1, 1, ReturnCode.ACCEPTED));
            assertThat(sent()).containsExactly(toDevice(QoS.AT_LEAST_ONCE, 1, 2, "a"));
        }

        @Test
        void theResentDeliveryGetsTheFullRetransmissionBudgetAgain() {
            connect(false, 60);
            int id = subscribe("room/temp");
            message(1, "room/temp", "a", QoS.AT_LEAST_ONCE);
            advance(RETRY * (MAX_RETRIES + 1));
            assertThat(effects(Effect.Lost.class)).hasSize(1);

            reconnect(false);
            assertThat(sent()).contains(toDevice(QoS.AT_LEAST_ONCE, id, 1, "a").asDuplicate());

            for (int i = 0; i < MAX_RETRIES; i++) {
                advance(RETRY);
                assertThat(effects(Effect.Lost.class)).isEmpty();
                assertThat(sent()).containsExactly(toDevice(QoS.AT_LEAST_ONCE, id, 1, "a").asDuplicate());
            }
            advance(RETRY);
            assertThat(effects(Effect.Lost.class)).hasSize(1);
        }

        @Test
        void aDeviceReRegisteringAfterReconnectGetsTheSameId() {
            connect(false, 60);
            int before = register("room/temp", 1);
            device(Disconnect.PLAIN);

            reconnect(false);

            assertThat(register("room/temp", 2)).isEqualTo(before);
        }
    }

    @Nested
    class CleanSession {

        @Test
        void aCleanReconnectForgetsSubscriptionsTopicIdsAndQueuedMessagesCounted() {
            connect(false, 60);
            subscribe("room/temp");
            subscribe(TopicRef.shortName("ab"), QoS.AT_MOST_ONCE, QoS.AT_MOST_ONCE, 2);
            register("other", 3);
            message(1, "room/temp", "a", QoS.AT_LEAST_ONCE);
            message(2, "room/temp", "b", QoS.AT_LEAST_ONCE);
            device(Disconnect.PLAIN);

            device(connectPacket(false, true, 60));

            assertThat(counters()).containsExactly(SESSION_CLEARED);
            assertThat(effects(Effect.Acknowledge.class)).isEmpty();
            assertThat(session().queuedMessages()).isZero();
            assertThat(session().registeredTopics()).isZero();

            upstream(new UpstreamEvent.Connected(false));
            assertThat(sent()).containsExactly(new ConnAck(ReturnCode.ACCEPTED));

            // topic ids start afresh: the device must learn them again
            message(3, "room/temp", "c", QoS.AT_MOST_ONCE);
            assertThat(sent()).containsExactly(new Register(1, 2, "room/temp"));
            device(new RegAck(1, 2, ReturnCode.ACCEPTED));
            // and a short-name subscription is gone: "ab" now travels under a normal id
            message(4, "ab", "d", QoS.AT_MOST_ONCE);
            assertThat(sent()).containsExactly(new Register(2, 3, "ab"));
        }

        @Test
        void oldIdsAreUnknownToTheDevicesPublishes() {
            connect(false, 60);
            int id = register("room/temp", 1);
            device(Disconnect.PLAIN);

            reconnect(true);
            device(toDevice(QoS.AT_LEAST_ONCE, id, 5, "x"));

            assertThat(sent()).containsExactly(new PubAck(id, 5, ReturnCode.REJECTED_INVALID_TOPIC_ID));
        }

        @Test
        void nothingToForgetIsNotCounted() {
            connect(true, 60);
            device(Disconnect.PLAIN);

            device(connectPacket(false, true, 60));

            assertThat(counters()).isEmpty();
        }

        @Test
        void aCleanSessionRestartedWhileActiveDropsTheInFlightMessageToo() {
            connect(true, 60);
            subscribe("room/temp");
            message(1, "room/temp", "a", QoS.AT_LEAST_ONCE);

            // Not a copy of the first CONNECT (another keep-alive): the device restarts its session.
            device(connectPacket(false, true, 30));

            assertThat(effects(Effect.Disconnect.class)).containsExactly(new Effect.Disconnect(false, false));
            assertThat(counters()).containsExactly(SESSION_CLEARED);
            assertThat(session().queuedMessages()).isZero();

            upstream(new UpstreamEvent.Connected(false));
            assertThat(sent()).containsExactly(new ConnAck(ReturnCode.ACCEPTED));
        }

        @Test
        void aPendingQoS2ExchangeFromTheDeviceIsForgotten() {
            connect(false, 60);
            int id = register("room/temp", 1);
            device(new Publish(false, QoS.EXACTLY_ONCE, false, TopicIdType.NORMAL, id, 9, bytes("x")));
            upstream(new UpstreamEvent.PublishDone(published().token(), java.util.Optional.empty()));
            device(Disconnect.PLAIN);

            reconnect(true);
            int again = register("room/temp", 2);
            device(new Publish(false, QoS.EXACTLY_ONCE, false, TopicIdType.NORMAL, again, 9, bytes("y")));

            assertThat(published().payload()).isEqualTo(bytes("y"));
        }
    }
}
