package io.sngate.client.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.client.ClientConfig;
import io.sngate.client.ClientState;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.PubComp;
import io.sngate.codec.v12.PubRec;
import io.sngate.codec.v12.PubRel;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.TopicIdType;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** PUBLISH from the gateway: naming, answers, QoS 2 delivered once (§6.10). */
class InboundTest extends PartFixture {

    private final ClientConfig withPredefined = config.withPredefinedTopics(Map.of(12, "plant/config"));
    private final TopicIds topics = new TopicIds();
    private final SessionExchange session = new SessionExchange(withPredefined, sink);
    private final Inbound inbound = new Inbound(withPredefined, sink, topics, session);

    private static Publish normal(QoS qos, int topicId, int msgId, String data) {
        return new Publish(false, qos, false, TopicIdType.NORMAL, topicId, msgId, bytes(data));
    }

    private static ClientEffect.MessageReceived message(String topic, String data, QoS qos) {
        return new ClientEffect.MessageReceived(topic, bytes(data), qos, false);
    }

    @Test
    void eachKindOfTopicIdIsNamed() {
        topics.remember("plant/temp", 21);

        inbound.onPublish(normal(QoS.AT_MOST_ONCE, 21, 0, "n"), now);
        inbound.onPublish(new Publish(false, QoS.AT_MOST_ONCE, true, TopicIdType.PREDEFINED, 12, 0, bytes("p")), now);
        inbound.onPublish(Publish.toShortName("cm", QoS.AT_MOST_ONCE, false, 0, bytes("s")), now);

        assertThat(drain()).containsExactly(
                message("plant/temp", "n", QoS.AT_MOST_ONCE),
                new ClientEffect.MessageReceived("plant/config", bytes("p"), QoS.AT_MOST_ONCE, true),
                message("cm", "s", QoS.AT_MOST_ONCE));
    }

    @Test
    void anIdWeDoNotKnowIsRefusedSoTheGatewayRegistersIt() {
        inbound.onPublish(normal(QoS.AT_LEAST_ONCE, 21, 5, "x"), now);
        inbound.onPublish(new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.PREDEFINED, 13, 0, bytes("y")), now);

        assertThat(drain()).containsExactly(
                send(new PubAck(21, 5, ReturnCode.REJECTED_INVALID_TOPIC_ID)),
                send(new PubAck(13, 0, ReturnCode.REJECTED_INVALID_TOPIC_ID)));
    }

    @Test
    void qosMinusOneIsDeliveredAsQos0WithoutAnAnswer() {
        inbound.onPublish(Publish.toShortName("cm", QoS.MINUS_ONE, false, 0, bytes("s")), now);

        assertThat(drain()).containsExactly(message("cm", "s", QoS.AT_MOST_ONCE));
    }

    @Test
    void qos1IsDeliveredThenAcknowledged() {
        topics.remember("plant/temp", 21);

        inbound.onPublish(normal(QoS.AT_LEAST_ONCE, 21, 5, "x"), now);

        assertThat(drain()).containsExactly(message("plant/temp", "x", QoS.AT_LEAST_ONCE),
                send(new PubAck(21, 5, ReturnCode.ACCEPTED)));
        assertThat(sink.lastSent()).isEqualTo(now);
    }

    @Test
    void qos2IsDeliveredOnceUntilThePubRel() {
        topics.remember("plant/temp", 21);

        inbound.onPublish(normal(QoS.EXACTLY_ONCE, 21, 5, "x"), now);
        assertThat(drain()).containsExactly(message("plant/temp", "x", QoS.EXACTLY_ONCE), send(new PubRec(5)));
        inbound.onPublish(normal(QoS.EXACTLY_ONCE, 21, 5, "x").asDuplicate(), now);
        assertThat(drain()).as("a resend is answered, not delivered").containsExactly(send(new PubRec(5)));

        inbound.onPubRel(new PubRel(5), now);
        assertThat(drain()).containsExactly(send(new PubComp(5)));
        inbound.onPublish(normal(QoS.EXACTLY_ONCE, 21, 5, "y"), now);
        assertThat(drain()).as("after PUBREL the id is free again")
                .containsExactly(message("plant/temp", "y", QoS.EXACTLY_ONCE), send(new PubRec(5)));
    }

    @Test
    void aPubRelForAnUnknownIdIsStillCompleted() {
        inbound.onPubRel(new PubRel(77), now);

        assertThat(drain()).containsExactly(send(new PubComp(77)));
    }

    @Test
    void aCleanSessionForgetsTheQos2State() {
        inbound.onPublish(Publish.toShortName("cm", QoS.EXACTLY_ONCE, false, 5, bytes("x")), now);
        drain();

        inbound.clear();
        inbound.onPublish(Publish.toShortName("cm", QoS.EXACTLY_ONCE, false, 5, bytes("x")), now);

        assertThat(drain()).contains(message("cm", "x", QoS.EXACTLY_ONCE));
    }

    @Test
    void whileAwakeEachMessageRestartsTheWakePollButAnUnnamedOneDoesNot() {
        inState(ClientState.AWAKE);
        session.start(3, PingReq.wake(CLIENT_ID), now);
        drain();

        advance(RETRY - 1);
        inbound.onPublish(Publish.toShortName("cm", QoS.EXACTLY_ONCE, false, 5, bytes("x")), now);
        assertThat(session.deadline()).isEqualTo(now + RETRY);

        advance(RETRY - 1);
        inbound.onPubRel(new PubRel(5), now);
        assertThat(session.deadline()).isEqualTo(now + RETRY);

        long deadline = session.deadline();
        advance(RETRY - 1);
        inbound.onPublish(normal(QoS.AT_MOST_ONCE, 99, 0, "?"), now);
        assertThat(session.deadline()).isEqualTo(deadline);
    }
}
