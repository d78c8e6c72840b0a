package io.sngate.client.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.QoS;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PubRel;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.TopicRef;
import io.sngate.codec.v12.Unsubscribe;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** An exchange's retransmission rule (§6.13), and the message ids the exchanges carry. */
class ExchangeTest extends PartFixture {

    private static final Publish PUBLISH =
            new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, 4, 7, bytes("x"));

    @Test
    void aPublishGoesAgainWithDupEveryTRetryUntilNRetryAreUsedUp() {
        Exchange exchange = new Exchange(42, PUBLISH, 7, now, config);
        assertThat(exchange.deadline()).isEqualTo(START + RETRY);

        advance(RETRY - 1);
        assertThat(exchange.isDue(now)).isFalse();
        advance(1);
        assertThat(exchange.isDue(now)).isTrue();

        for (int retry = 1; retry <= MAX_RETRIES; retry++) {
            assertThat(exchange.retransmit(now, config, sink)).as("retransmission %d", retry).isTrue();
            assertThat(drain()).containsExactly(send(PUBLISH.asDuplicate()));
            assertThat(exchange.deadline()).isEqualTo(now + RETRY);
            advance(RETRY);
        }
        assertThat(exchange.retransmit(now, config, sink)).isFalse();
        assertThat(drain()).isEmpty();
        assertThat(exchange.requestId()).isEqualTo(42);
        assertThat(exchange.packet()).as("the original is kept").isEqualTo(PUBLISH);
    }

    @Test
    void aSubscribeGoesAgainWithDup() {
        Subscribe subscribe = new Subscribe(false, QoS.EXACTLY_ONCE, 3, TopicRef.name("a/#"));
        Exchange exchange = new Exchange(1, subscribe, 3, now, config);

        advance(RETRY);
        exchange.retransmit(now, config, sink);

        assertThat(drain()).containsExactly(send(new Subscribe(true, QoS.EXACTLY_ONCE, 3, TopicRef.name("a/#"))));
    }

    @Test
    void packetsWithoutDupGoAgainUnchanged() {
        for (MqttSn12Message packet : new MqttSn12Message[] {new Register(0, 2, "a/b"),
                new Unsubscribe(2, TopicRef.name("a/b")), new Connect(false, true, 30, CLIENT_ID), PingReq.PLAIN,
                new PubRel(2)}) {
            Exchange exchange = new Exchange(1, packet, 2, now, config);
            exchange.retransmit(now, config, sink);
            assertThat(drain()).as("%s", packet).containsExactly(send(packet));
        }
    }

    @Test
    void aResendAfterAReconnectDoesNotCountAsARetransmission() {
        Exchange exchange = new Exchange(1, PUBLISH, 7, now, config);

        for (int i = 0; i < 5; i++) {
            exchange.resend(now, config, sink);
        }
        assertThat(drainSent()).hasSize(5).containsOnly(PUBLISH.asDuplicate());

        assertThat(exchange.retransmit(now, config, sink)).isTrue();
    }

    @Test
    void movingOnSendsTheNextPacketWithItsOwnRetries() {
        Exchange exchange = new Exchange(1, PUBLISH, 7, now, config);
        for (int retry = 1; retry <= MAX_RETRIES; retry++) {
            advance(RETRY);
            exchange.retransmit(now, config, sink);
        }
        drain();

        advance(RETRY / 2);
        exchange.moveOn(new PubRel(7), now, config, sink);

        assertThat(drain()).containsExactly(send(new PubRel(7)));
        assertThat(exchange.deadline()).isEqualTo(now + RETRY);
        assertThat(sink.lastSent()).isEqualTo(now);
        for (int retry = 1; retry <= MAX_RETRIES; retry++) {
            advance(RETRY);
            assertThat(exchange.retransmit(now, config, sink)).isTrue();
        }
        assertThat(exchange.retransmit(now, config, sink)).isFalse();
    }

    @Test
    void restartingTheTimerPostponesTheRetransmissionWithoutSending() {
        Exchange exchange = new Exchange(1, new Connect(true, true, 30, CLIENT_ID), 0, now, config);

        advance(RETRY - 10);
        exchange.restartTimer(now, config);

        assertThat(exchange.deadline()).isEqualTo(now + RETRY);
        assertThat(drain()).isEmpty();
    }

    @Test
    void messageIdsRunFromOneAndSkipZeroWhenTheyWrap() {
        MessageIds ids = new MessageIds();
        Set<Integer> seen = new HashSet<>();
        for (int i = 1; i <= 0xFFFF; i++) {
            assertThat(seen.add(ids.next())).isTrue();
        }

        assertThat(seen).doesNotContain(0).contains(1, 0xFFFF);
        assertThat(ids.next()).isEqualTo(1);
    }
}
