package io.sngate.client.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.client.Topic;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PingResp;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.PubComp;
import io.sngate.codec.v12.PubRec;
import io.sngate.codec.v12.PubRel;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ShortTopicName;
import io.sngate.codec.v12.SubAck;
import io.sngate.codec.v12.TopicIdType;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Messages from the gateway: its REGISTERs and PUBLISHes at each QoS (§6.5, §6.8, §6.10). */
class ClientReceiveTest extends ClientHarness {

    private static ClientEffect.MessageReceived message(String topic, String payload, QoS qos) {
        return new ClientEffect.MessageReceived(topic, bytes(payload), qos, false);
    }

    private static Publish normal(QoS qos, int topicId, int msgId, String payload) {
        return new Publish(false, qos, false, TopicIdType.NORMAL, topicId, msgId, bytes(payload));
    }

    /** Connected and subscribed to {@code plant/#}; the gateway has registered {@code plant/temp} as 21. */
    private void subscribedToPlant() {
        connected();
        subscribe(Topic.name("plant/#"), QoS.EXACTLY_ONCE);
        gateway(new SubAck(QoS.EXACTLY_ONCE, 0, 1, ACCEPTED));
        gateway(new Register(21, 500, "plant/temp"));
    }

    @Test
    void gatewayRegisterIsAnsweredAndItsIdNamesLaterPublishes() {
        connected();
        subscribe(Topic.name("plant/#"), QoS.AT_LEAST_ONCE);
        gateway(new SubAck(QoS.AT_LEAST_ONCE, 0, 1, ACCEPTED));

        gateway(new Register(21, 500, "plant/temp"));
        assertThat(sent()).containsExactly(new RegAck(21, 500, ACCEPTED));
        assertThat(received()).isEmpty();
        assertThat(core().topicId("plant/temp")).contains(21);

        gateway(normal(QoS.AT_MOST_ONCE, 21, 0, "21.5"));
        assertThat(received()).containsExactly(message("plant/temp", "21.5", QoS.AT_MOST_ONCE));
    }

    @Test
    void anIdFromAGatewayRegisterServesOurPublishesToo() {
        subscribedToPlant();

        publish(Topic.name("plant/temp"), "22", QoS.AT_MOST_ONCE);

        assertThat(sent()).containsExactly(normal(QoS.AT_MOST_ONCE, 21, 0, "22"));
    }

    @Test
    void aGatewayRegisterWithANewIdReplacesTheOldOne() {
        subscribedToPlant();

        gateway(new Register(22, 501, "plant/temp"));
        gateway(normal(QoS.AT_MOST_ONCE, 21, 0, "old id"));
        assertThat(received()).isEmpty();
        assertThat(sent()).containsExactly(new PubAck(21, 0, INVALID_TOPIC_ID));

        gateway(normal(QoS.AT_MOST_ONCE, 22, 0, "new id"));
        assertThat(received()).containsExactly(message("plant/temp", "new id", QoS.AT_MOST_ONCE));
    }

    @Test
    void qos0PublishIsDeliveredWithoutAnswer() {
        subscribedToPlant();

        gateway(normal(QoS.AT_MOST_ONCE, 21, 0, "x"));

        assertThat(received()).containsExactly(message("plant/temp", "x", QoS.AT_MOST_ONCE));
        assertThat(sent()).isEmpty();
    }

    @Test
    void qos1PublishIsDeliveredAndAcknowledged() {
        subscribedToPlant();

        gateway(normal(QoS.AT_LEAST_ONCE, 21, 77, "x"));

        assertThat(received()).containsExactly(message("plant/temp", "x", QoS.AT_LEAST_ONCE));
        assertThat(sent()).containsExactly(new PubAck(21, 77, ACCEPTED));
    }

    @Test
    void qos2PublishIsDeliveredOnceEvenWhenResentBeforePubRel() {
        subscribedToPlant();

        gateway(normal(QoS.EXACTLY_ONCE, 21, 78, "x"));
        assertThat(received()).containsExactly(message("plant/temp", "x", QoS.EXACTLY_ONCE));
        assertThat(sent()).containsExactly(new PubRec(78));

        // the PUBREC was lost: the gateway resends the PUBLISH
        gateway(normal(QoS.EXACTLY_ONCE, 21, 78, "x").asDuplicate());
        assertThat(received()).isEmpty();
        assertThat(sent()).containsExactly(new PubRec(78));

        gateway(new PubRel(78));
        assertThat(sent()).containsExactly(new PubComp(78));
        assertThat(received()).isEmpty();

        // the PUBCOMP was lost: the gateway resends the PUBREL
        gateway(new PubRel(78));
        assertThat(sent()).containsExactly(new PubComp(78));
    }

    @Test
    void afterPubRelTheSameMsgIdIsANewMessage() {
        subscribedToPlant();
        gateway(normal(QoS.EXACTLY_ONCE, 21, 78, "first"));
        gateway(new PubRel(78));

        gateway(normal(QoS.EXACTLY_ONCE, 21, 78, "second"));

        assertThat(received()).containsExactly(message("plant/temp", "second", QoS.EXACTLY_ONCE));
    }

    @Test
    void qos2ExchangesWithDifferentMsgIdsAreKeptApart() {
        subscribedToPlant();

        gateway(normal(QoS.EXACTLY_ONCE, 21, 1, "a"));
        gateway(normal(QoS.EXACTLY_ONCE, 21, 2, "b"));
        assertThat(received()).containsExactly(message("plant/temp", "b", QoS.EXACTLY_ONCE));
        gateway(new PubRel(1));
        gateway(normal(QoS.EXACTLY_ONCE, 21, 2, "b").asDuplicate());

        assertThat(received()).isEmpty();
        assertThat(sent()).containsExactly(new PubRec(2));
    }

    @Test
    void publishWithAnUnknownTopicIdIsAnsweredWithInvalidTopicIdAndNotDelivered() {
        connected();

        gateway(normal(QoS.AT_LEAST_ONCE, 99, 5, "x"));

        assertThat(received()).isEmpty();
        assertThat(sent()).containsExactly(new PubAck(99, 5, INVALID_TOPIC_ID));
    }

    @Test
    void qos0PublishWithAnUnknownTopicIdIsAlsoAnswered() {
        connected();

        gateway(normal(QoS.AT_MOST_ONCE, 99, 0, "x"));

        assertThat(received()).isEmpty();
        assertThat(sent()).containsExactly(new PubAck(99, 0, INVALID_TOPIC_ID));
    }

    @Test
    void publishOnAPredefinedIdIsDeliveredUnderItsConfiguredName() {
        configure(DEFAULTS.withPredefinedTopics(Map.of(12, "plant/config")));
        connected();

        gateway(new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.PREDEFINED, 12, 9, bytes("v2")));

        assertThat(received()).containsExactly(message("plant/config", "v2", QoS.AT_LEAST_ONCE));
        assertThat(sent()).containsExactly(new PubAck(12, 9, ACCEPTED));
    }

    @Test
    void publishOnAnUnknownPredefinedIdIsAnsweredWithInvalidTopicId() {
        configure(DEFAULTS.withPredefinedTopics(Map.of(12, "plant/config")));
        connected();
        registered("plant/temp", 13);

        gateway(new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.PREDEFINED, 13, 9, bytes("v2")));

        assertThat(received()).isEmpty();
        assertThat(sent()).containsExactly(new PubAck(13, 9, INVALID_TOPIC_ID));
    }

    @Test
    void publishOnAShortNameIsDeliveredUnderThatName() {
        connected();

        gateway(Publish.toShortName("ab", QoS.AT_LEAST_ONCE, false, 10, bytes("x")));

        assertThat(received()).containsExactly(message("ab", "x", QoS.AT_LEAST_ONCE));
        assertThat(sent()).containsExactly(new PubAck(ShortTopicName.encode("ab"), 10, ACCEPTED));
    }

    @Test
    void retainIsPassedToTheApplication() {
        subscribedToPlant();

        gateway(new Publish(false, QoS.AT_MOST_ONCE, true, TopicIdType.NORMAL, 21, 0, bytes("x")));

        assertThat(received()).containsExactly(
                new ClientEffect.MessageReceived("plant/temp", bytes("x"), QoS.AT_MOST_ONCE, true));
    }

    @Test
    void publishOnTheIdFromASubAckIsDeliveredUnderTheSubscribedName() {
        connected();
        subscribe(Topic.name("plant/temp"), QoS.AT_LEAST_ONCE);
        gateway(new SubAck(QoS.AT_LEAST_ONCE, 12, 1, ACCEPTED));

        gateway(normal(QoS.AT_LEAST_ONCE, 12, 40, "21"));

        assertThat(received()).containsExactly(message("plant/temp", "21", QoS.AT_LEAST_ONCE));
        assertThat(sent()).containsExactly(new PubAck(12, 40, ACCEPTED));
    }

    @Test
    void receivingDoesNotDisturbTheClientsOwnPublishInFlight() {
        subscribedToPlant();
        long id = publish(Topic.name("plant/temp"), "mine", QoS.AT_LEAST_ONCE);
        Publish mine = sentPublish();

        gateway(normal(QoS.AT_LEAST_ONCE, 21, mine.msgId(), "theirs"));
        assertThat(sent()).containsExactly(new PubAck(21, mine.msgId(), ACCEPTED));
        assertPending(id);

        gateway(new PubAck(21, mine.msgId(), ACCEPTED));
        assertOutcome(id).isSuccess();
    }

    @Test
    void gatewayPingReqIsAnsweredWhileActive() {
        connected();

        gateway(PingReq.PLAIN);

        assertThat(sent()).containsExactly(PingResp.INSTANCE);
    }

    @Test
    void gatewayPingReqIsIgnoredWhenNotConnected() {
        gateway(PingReq.PLAIN);

        assertThat(sent()).isEmpty();
    }
}
