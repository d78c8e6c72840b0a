package io.sngate.gateway.session;

import static io.sngate.gateway.session.ClientSession.Counters.QOS2_RELEASE_FAILED;
import static io.sngate.gateway.session.ClientSession.Counters.QOS2_RELEASE_RESUMED;
import static io.sngate.gateway.session.ClientSession.Counters.RESUBSCRIBED;
import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.PubComp;
import io.sngate.codec.v12.PubRec;
import io.sngate.codec.v12.PubRel;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.TopicRef;
import io.sngate.gateway.session.UpstreamEvent.PublishDone;
import io.sngate.gateway.session.UpstreamEvent.PublishReceived;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A device's QoS 2 PUBLISH chained to the broker's exchange: PUBREC at the broker's PUBREC,
 * the device's PUBREL released upstream, PUBCOMP at the broker's PUBCOMP; the device's message
 * id travels with the publish; and an exchange begun before this session (a gateway restart)
 * resumes by its PUBREL.
 */
class ChainedQos2FromDeviceTest extends SessionHarness {

    private static final int SHORT_TOPIC = ('s' << 8) | 't';

    private static Publish publish(int msgId, String payload, boolean dup) {
        return new Publish(dup, QoS.EXACTLY_ONCE, false, TopicIdType.SHORT, SHORT_TOPIC, msgId, Bytes.utf8(payload));
    }

    @BeforeEach
    void connectPersistent() {
        connect(false, 60);
    }

    @Test
    void theDeviceExchangeMovesInStepWithTheBrokers() {
        device(publish(20, "once", false));
        Effect.Publish upstream = published();
        assertThat(upstream.msgId()).isEqualTo(20);
        assertThat(upstream.qos()).isEqualTo(QoS.EXACTLY_ONCE);
        assertThat(sent()).isEmpty();

        upstream(new PublishReceived(upstream.token()));
        assertThat(effects()).containsExactly(new Effect.SendToDevice(new PubRec(20)));

        device(new PubRel(20));
        assertThat(effects()).containsExactly(new Effect.Release(upstream.token(), 20));

        device(new PubRel(20)); // resent while the broker's PUBCOMP is on its way
        assertThat(effects()).isEmpty();

        upstream(new PublishDone(upstream.token(), Optional.empty()));
        assertThat(effects()).containsExactly(new Effect.SendToDevice(new PubComp(20)));

        device(new PubRel(20)); // our PUBCOMP was lost
        assertThat(effects()).containsExactly(new Effect.SendToDevice(new PubComp(20)));
    }

    @Test
    void aResentPublishBeforeTheBrokersPubRecIsNotForwardedAndAfterItGetsPubRecAgain() {
        device(publish(21, "x", false));
        long token = published().token();
        device(publish(21, "x", true));
        assertThat(effects()).isEmpty();

        upstream(new PublishReceived(token));
        device(publish(21, "x", true));
        assertThat(effects()).containsExactly(new Effect.SendToDevice(new PubRec(21)));
    }

    @Test
    void aPubRelBeforeTheBrokersPubRecIsPremature() {
        device(publish(22, "x", false));
        long token = published().token();
        device(new PubRel(22));
        assertThat(effects()).isEmpty();

        upstream(new PublishReceived(token));
        device(new PubRel(22));
        assertThat(effects()).containsExactly(new Effect.Release(token, 22));
    }

    @Test
    void aPubRelOfAnExchangeBegunBeforeThisSessionIsReleasedUpstreamAndAnsweredWhenTheBrokerIs() {
        device(new PubRel(300));
        List<Effect.Release> releases = effects(Effect.Release.class);
        assertThat(releases).hasSize(1);
        assertThat(releases.get(0).msgId()).isEqualTo(300);
        assertThat(counted()).containsExactly(QOS2_RELEASE_RESUMED);
        assertThat(sent()).isEmpty();

        device(publish(300, "x", true)); // a copy of its PUBLISH: it is past PUBREC
        assertThat(effects()).containsExactly(new Effect.SendToDevice(new PubRec(300)));

        upstream(new PublishDone(releases.get(0).token(), Optional.empty()));
        assertThat(sent()).containsExactly(new PubComp(300));
    }

    @Test
    void aReleaseTheUpstreamCannotCompleteIsTriedAgainAtTheNextPubRel() {
        device(publish(23, "x", false));
        long token = published().token();
        upstream(new PublishReceived(token));
        device(new PubRel(23));

        upstream(new PublishDone(token, Optional.of(DeliveryFailure.CONGESTION)));
        assertThat(sent()).isEmpty(); // no PUBCOMP: the broker may not have the PUBREL
        assertThat(counted()).containsExactly(QOS2_RELEASE_FAILED);

        device(new PubRel(23));
        List<Effect.Release> again = effects(Effect.Release.class);
        assertThat(again).hasSize(1);
        assertThat(again.get(0).msgId()).isEqualTo(23);
        upstream(new PublishDone(again.get(0).token(), Optional.empty()));
        assertThat(sent()).containsExactly(new PubComp(23));
    }

    @Test
    void afterTheDeviceReconnectsItsPubRelIsReleasedOnTheNewConnection() {
        device(publish(24, "x", false));
        long token = published().token();
        upstream(new PublishReceived(token));

        device(io.sngate.codec.v12.Disconnect.PLAIN);
        connect(false, 60); // a new connection upstream, which knows no old token
        device(new PubRel(24));
        List<Effect.Release> releases = effects(Effect.Release.class);
        assertThat(releases).hasSize(1);
        assertThat(releases.get(0).msgId()).isEqualTo(24);
        assertThat(releases.get(0).token()).isNotEqualTo(token);

        upstream(new PublishDone(releases.get(0).token(), Optional.empty()));
        assertThat(sent()).containsExactly(new PubComp(24));
    }

    @Test
    void anUpstreamThatCompletesTheBrokersExchangeByItselfStillWorks() {
        device(publish(25, "x", false));
        long token = published().token();
        upstream(new PublishDone(token, Optional.empty()));
        assertThat(sent()).containsExactly(new PubRec(25));

        device(new PubRel(25));
        assertThat(effects()).containsExactly(new Effect.SendToDevice(new PubComp(25)));
    }

    @Test
    void qos1CarriesTheDevicesMessageIdToo() {
        device(new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.SHORT, SHORT_TOPIC, 77, Bytes.utf8("x")));
        assertThat(published().msgId()).isEqualTo(77);
    }

    @Test
    void aBrokerThatLostTheSessionGetsTheSubscriptionsAgain() {
        subscribe(new TopicRef.Name(Bytes.utf8("a/#")), QoS.AT_LEAST_ONCE, QoS.AT_LEAST_ONCE, 5);

        upstream(new UpstreamEvent.ConnectionLost("broker restarted"));
        assertThat(effects()).isEmpty();
        upstream(new UpstreamEvent.Reconnected(true));
        assertThat(effects()).isEmpty();
        upstream(new UpstreamEvent.Reconnected(false));
        List<Effect.Subscribe> again = effects(Effect.Subscribe.class);
        assertThat(again).hasSize(1);
        assertThat(again.get(0).topicFilter()).isEqualTo("a/#");
        assertThat(again.get(0).qos()).isEqualTo(QoS.AT_LEAST_ONCE);
        assertThat(counted()).containsExactly(RESUBSCRIBED);
        assertThat(sent()).isEmpty();

        upstream(new UpstreamEvent.Subscribed(again.get(0).token(), Optional.of(QoS.AT_LEAST_ONCE), Optional.empty()));
        assertThat(sent()).isEmpty(); // the gateway's own SUBSCRIBE: no SUBACK for the device
    }
}
