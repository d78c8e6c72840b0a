package io.sngate.gateway.upstream;

import io.sngate.gateway.upstream.core.ClientState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.handler.codec.mqtt.MqttMessageType;
import io.sngate.gateway.session.DeliveryFailure;
import io.sngate.hw.ReconnectBackoff;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Requests the broker refuses, against the scripted {@link FakeBroker}: a refusal in an
 * acknowledgement fails that request only; when the broker ends connections over a packet, the
 * culprit is found by re-sending one request at a time, failed once, and the others delivered;
 * a broker that keeps ending connections meets a growing backoff.
 *
 * <p>These run the whole adapter over TCP (real FIN and reset, the adapter's evidence of how a
 * connection ended). That nothing else is sent at each step (one request at a time while
 * suspects are re-sent, a refused request never again) is asserted exactly, without waiting on
 * the wall clock, by the core's tests of the same scenarios: {@code core.CulpritSearchTest} and
 * {@code core.OutboundWindowTest#aRefusedRequestIsNeverSentAgain}.
 *
 * <p>The connection's clock is the real one plus a skew a test may add: no connection here
 * lasts 10 s unless a test skips the time forward; the backoff has no jitter, so its delays are
 * exact. (The connection's timers run on its clock, so it cannot stand still here; the core's
 * own tests, {@code io.sngate.gateway.upstream.core}, drive every timer with a fake clock.)
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MqttConnectionRefusalTest extends FakeBrokerFixture {

    static final Duration WAIT = Duration.ofSeconds(10);
    /**
     * A topic the broker refuses; the connection's own check refuses it too since topics are
     * validated as MQTT 5 requires, so the tests send it past that check: the loop must die at
     * the broker whatever the gateway's validation misses.
     */
    static final String REFUSED_TOPIC = "\uFFFF/x";

    /** Added to the real time: how far a test skipped the connection's clock forward. */
    final AtomicLong clock = new AtomicLong();
    final List<Long> delays = new CopyOnWriteArrayList<>();

    /** 10, 20, 40, 80, 80... ms. */
    static ReconnectBackoff steadyBackoff() {
        return new ReconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(80), 0, new Random(1));
    }

    MqttConnection build() {
        return MqttConnection.builder(loop, "127.0.0.1", broker.port(), options(), events)
                .backoff(steadyBackoff())
                .nanoClock(() -> System.nanoTime() + clock.get())
                .reconnectDelayObserver(delays::add)
                .build();
    }

    void connect() throws InterruptedException {
        conn = build();
        conn.connect();
        broker.next(MqttMessageType.CONNECT);
        await().atMost(WAIT).until(() -> events.has("connected:"));
    }

    static ConnectOptions options() {
        return ConnectOptions.of("refusal").withKeepAliveSeconds(0).withSessionExpirySeconds(60);
    }

    <T> T onLoop(Callable<T> call) throws Exception {
        return loop.submit(call).get(5, TimeUnit.SECONDS);
    }

    @Test
    void aRefusingPubackFailsThatPublishOnlyAndItIsNeverSentAgain() throws Exception {
        broker.sessionPresent(true);
        connect();
        conn.publish(1, "ack/a", new byte[] {1}, 1, false);
        conn.publish(2, "ack/b", new byte[] {2}, 1, false);
        conn.publish(3, "ack/c", new byte[] {3}, 1, false);
        conn.publish(4, "ack/d", new byte[] {4}, 2, false);
        conn.publish(5, "ack/e", new byte[] {5}, 1, false);
        int p1 = broker.next(MqttMessageType.PUBLISH).packetId();
        int p2 = broker.next(MqttMessageType.PUBLISH).packetId();
        int p3 = broker.next(MqttMessageType.PUBLISH).packetId();
        int p4 = broker.next(MqttMessageType.PUBLISH).packetId();
        broker.next(MqttMessageType.PUBLISH);
        broker.pubReply(MqttMessageType.PUBACK, p2, 0x87); // not authorized
        broker.pubReply(MqttMessageType.PUBACK, p3, 0x90); // topic name invalid
        broker.pubReply(MqttMessageType.PUBACK, p1, 0);
        broker.pubReply(MqttMessageType.PUBREC, p4, 0);
        broker.next(MqttMessageType.PUBREL);
        broker.pubReply(MqttMessageType.PUBCOMP, p4, 0);

        await().atMost(WAIT).until(() -> events.published.size() == 4);
        assertThat(events.published).containsEntry(1L, Optional.empty())
                .containsEntry(2L, Optional.of(DeliveryFailure.REFUSED))
                .containsEntry(3L, Optional.of(DeliveryFailure.REFUSED))
                .containsEntry(4L, Optional.empty())
                .doesNotContainKey(5L);
        assertThat(conn.counters().refusedByBroker()).isEqualTo(2);
        assertThat(conn.counters().requestsRefused()).isEqualTo(2);
        assertThat(conn.counters().disconnectCulprits()).isZero();
        assertThat(events.events).containsExactly("connected:true");

        // Only the unanswered publish goes again after a reconnection; the refused ones never do.
        broker.dropClient();
        broker.next(MqttMessageType.CONNECT);
        FakeBroker.Packet again = broker.next(MqttMessageType.PUBLISH);
        assertThat(again.payload()).containsExactly(5);
        assertThat(again.dup()).isTrue();
        broker.pubReply(MqttMessageType.PUBACK, again.packetId(), 0);
        await().atMost(WAIT).until(() -> events.published.size() == 5);
        assertThat(events.published.get(5L)).isEmpty();
        assertThat(conn.counters().refusedByBroker()).isEqualTo(2);
    }

    @Test
    void aFailedSubackOrUnsubackFailsThatRequestOnly() throws Exception {
        connect();
        conn.subscribe(1, "s/a", 1);
        conn.subscribe(2, "s/b/#", 2);
        conn.subscribe(3, "s/c", 0);
        conn.unsubscribe(4, "s/x");
        conn.unsubscribe(5, "s/y");
        int s1 = broker.next(MqttMessageType.SUBSCRIBE).packetId();
        int s2 = broker.next(MqttMessageType.SUBSCRIBE).packetId();
        int s3 = broker.next(MqttMessageType.SUBSCRIBE).packetId();
        int u4 = broker.next(MqttMessageType.UNSUBSCRIBE).packetId();
        int u5 = broker.next(MqttMessageType.UNSUBSCRIBE).packetId();
        broker.subAck(s2, 0x80); // unspecified error
        broker.subAck(s1, 1);
        broker.subAck(s3, 0);
        broker.unsubAck(u4, 0x87); // not authorized
        broker.unsubAck(u5, 0x11); // no subscription existed: not a failure

        await().atMost(WAIT).until(() -> events.subscribed.size() == 3 && events.unsubscribed.size() == 2);
        assertThat(events.subscribed.get(1L)).isEqualTo(granted(1));
        assertThat(events.subscribed.get(2L)).isEqualTo(new RecordingListener.Subscribed(Optional.empty(),
                Optional.of(DeliveryFailure.REFUSED)));
        assertThat(events.subscribed.get(3L)).isEqualTo(granted(0));
        assertThat(events.unsubscribed).containsExactlyInAnyOrder(4L, 5L);
        assertThat(conn.counters().refusedByBroker()).isEqualTo(2);
        assertThat(onLoop(conn::inFlightRequests)).isZero();
        assertThat(events.events).containsExactly("connected:false");
    }

    static RecordingListener.Subscribed granted(int qos) {
        return new RecordingListener.Subscribed(Optional.of(qos), Optional.empty());
    }

    @Test
    void aDisconnectBlamingAPacketFindsTheCulpritAndDeliversTheOthers() throws Exception {
        broker.sessionPresent(true);
        connect();
        conn.publish(1, "good/1", new byte[] {1}, 1, false);
        conn.publishUncheckedForTest(2, REFUSED_TOPIC, new byte[] {2}, 1, false);
        conn.publish(3, "good/3", new byte[] {3}, 1, false);
        FakeBroker.Packet g1 = broker.next(MqttMessageType.PUBLISH);
        FakeBroker.Packet poison = broker.next(MqttMessageType.PUBLISH);
        FakeBroker.Packet g3 = broker.next(MqttMessageType.PUBLISH);
        assertThat(poison.topic()).isEqualTo(REFUSED_TOPIC);
        broker.disconnect(0x90); // topic name invalid; which of the three, it does not say

        // Connection 2: the three are suspects, re-sent in their order, each alone.
        broker.next(MqttMessageType.CONNECT);
        FakeBroker.Packet r1 = broker.next(MqttMessageType.PUBLISH);
        assertThat(r1.packetId()).isEqualTo(g1.packetId());
        assertThat(r1.dup()).isTrue();
        // Nothing new goes while a suspect is out, not even QoS 0: it could be the refused one.
        conn.publish(9, "late/q0", new byte[] {9}, 0, false);
        broker.pubReply(MqttMessageType.PUBACK, r1.packetId(), 0);
        FakeBroker.Packet r2 = broker.next(MqttMessageType.PUBLISH);
        assertThat(r2.packetId()).isEqualTo(poison.packetId());
        assertThat(r2.topic()).isEqualTo(REFUSED_TOPIC);
        broker.disconnect(0x90);

        await().atMost(WAIT).until(() -> events.published.containsKey(2L));
        assertThat(events.published.get(2L)).contains(DeliveryFailure.REFUSED);

        // Connection 3: the last suspect goes alone and is answered.
        broker.next(MqttMessageType.CONNECT);
        FakeBroker.Packet r3 = broker.next(MqttMessageType.PUBLISH);
        assertThat(r3.packetId()).isEqualTo(g3.packetId());
        assertThat(r3.payload()).containsExactly(3);
        broker.pubReply(MqttMessageType.PUBACK, r3.packetId(), 0);
        FakeBroker.Packet q0 = broker.next(MqttMessageType.PUBLISH);
        assertThat(q0.topic()).isEqualTo("late/q0");
        assertThat(q0.qos()).isZero();
        await().atMost(WAIT).until(() -> events.published.size() == 3);
        assertThat(events.published).containsEntry(1L, Optional.empty()).containsEntry(3L, Optional.empty());
        assertThat(broker.connections()).isEqualTo(3);
        assertThat(conn.counters().disconnectCulprits()).isEqualTo(1);
        assertThat(conn.counters().refusedByBroker()).isEqualTo(1);
        assertThat(events.count("lost:")).isEqualTo(2);
        assertThat(events.count("reconnected:")).isEqualTo(2);

        // Ordinary sending again: two publishes go before either is answered.
        conn.publish(4, "good/4", new byte[] {4}, 1, false);
        conn.publish(5, "good/5", new byte[] {5}, 1, false);
        FakeBroker.Packet p4 = broker.next(MqttMessageType.PUBLISH);
        FakeBroker.Packet p5 = broker.next(MqttMessageType.PUBLISH);
        assertThat(List.of(p4, p5)).extracting(FakeBroker.Packet::payload)
                .containsExactly(new byte[] {4}, new byte[] {5});
        broker.pubReply(MqttMessageType.PUBACK, p4.packetId(), 0);
        broker.pubReply(MqttMessageType.PUBACK, p5.packetId(), 0);
        await().atMost(WAIT).until(() -> events.published.size() == 5);
        assertThat(events.published.get(4L)).isEmpty();
        assertThat(events.published.get(5L)).isEmpty();

        // The culprit is gone for good: the next connection has nothing to re-send.
        broker.dropClient();
        broker.next(MqttMessageType.CONNECT);
    }

    @Test
    void aBrokerThatJustClosesGetsItsCulpritFoundToo() throws Exception {
        broker.sessionPresent(true);
        connect();
        conn.publish(1, "good/1", new byte[] {1}, 1, false);
        conn.publishUncheckedForTest(2, REFUSED_TOPIC, new byte[] {2}, 1, false);
        broker.next(MqttMessageType.PUBLISH);
        broker.next(MqttMessageType.PUBLISH);
        broker.dropClient(); // no DISCONNECT: a refused packet, or a broker restarting

        // Connection 2: one close without a word may be an ordinary outage: both go at once.
        broker.next(MqttMessageType.CONNECT);
        FakeBroker.Packet a1 = broker.next(MqttMessageType.PUBLISH);
        FakeBroker.Packet a2 = broker.next(MqttMessageType.PUBLISH);
        assertThat(List.of(a1, a2)).extracting(FakeBroker.Packet::payload)
                .containsExactly(new byte[] {1}, new byte[] {2});
        broker.dropClient();

        // Connection 3: unanswered at two closes, both are suspects: one at a time.
        broker.next(MqttMessageType.CONNECT);
        FakeBroker.Packet b1 = broker.next(MqttMessageType.PUBLISH);
        assertThat(b1.payload()).containsExactly(1);
        broker.pubReply(MqttMessageType.PUBACK, b1.packetId(), 0);
        FakeBroker.Packet b2 = broker.next(MqttMessageType.PUBLISH);
        assertThat(b2.topic()).isEqualTo(REFUSED_TOPIC);
        broker.dropClient();

        await().atMost(WAIT).until(() -> events.published.size() == 2);
        assertThat(events.published).containsEntry(1L, Optional.empty())
                .containsEntry(2L, Optional.of(DeliveryFailure.REFUSED));
        broker.next(MqttMessageType.CONNECT);
        assertThat(broker.connections()).isEqualTo(4);
        assertThat(conn.counters().disconnectCulprits()).isEqualTo(1);
    }

    @Test
    void aSubscribeTheBrokerEndsConnectionsOverIsFailedAlone() throws Exception {
        broker.sessionPresent(true);
        connect();
        conn.publish(1, "plain/t", new byte[] {1}, 1, false);
        conn.subscribe(2, "wild/#", 1);
        FakeBroker.Packet p = broker.next(MqttMessageType.PUBLISH);
        FakeBroker.Packet s = broker.next(MqttMessageType.SUBSCRIBE);
        broker.pubReply(MqttMessageType.PUBACK, p.packetId(), 0); // answered: not a suspect
        broker.disconnect(0xA2); // wildcard subscriptions not supported

        broker.next(MqttMessageType.CONNECT);
        assertThat(broker.next(MqttMessageType.SUBSCRIBE).packetId()).isEqualTo(s.packetId());
        broker.disconnect(0xA2);

        await().atMost(WAIT).until(() -> events.subscribed.containsKey(2L));
        assertThat(events.subscribed.get(2L).failure()).contains(DeliveryFailure.REFUSED);
        assertThat(events.published).containsExactly(Map.entry(1L, Optional.empty()));
        broker.next(MqttMessageType.CONNECT);
        assertThat(broker.connections()).isEqualTo(3);
    }

    @Test
    void aDisconnectThatBlamesNoPacketChangesNothing() throws Exception {
        broker.sessionPresent(true);
        connect();
        conn.publish(1, "t/1", new byte[] {1}, 1, false);
        conn.publish(2, "t/2", new byte[] {2}, 1, false);
        broker.next(MqttMessageType.PUBLISH);
        broker.next(MqttMessageType.PUBLISH);
        broker.disconnect(0x8B); // server shutting down

        broker.next(MqttMessageType.CONNECT);
        broker.next(MqttMessageType.PUBLISH);
        broker.next(MqttMessageType.PUBLISH);
        broker.disconnect(0x97); // quota exceeded: a limit many packets crossed, no one to blame

        broker.next(MqttMessageType.CONNECT);
        FakeBroker.Packet c1 = broker.next(MqttMessageType.PUBLISH);
        FakeBroker.Packet c2 = broker.next(MqttMessageType.PUBLISH);
        broker.pubReply(MqttMessageType.PUBACK, c1.packetId(), 0);
        broker.pubReply(MqttMessageType.PUBACK, c2.packetId(), 0);
        await().atMost(WAIT).until(() -> events.published.size() == 2);
        assertThat(events.published.values()).allMatch(Optional::isEmpty);
        assertThat(conn.counters().disconnectCulprits()).isZero();
        assertThat(conn.counters().refusedByBroker()).isZero();
    }

    @Test
    void aBrokerEndingEveryConnectionRightAfterConnackMeetsAGrowingBackoff() {
        broker.disconnectAfterConnack(0x89, Integer.MAX_VALUE); // server busy
        conn = build();
        conn.connect();
        await().atMost(WAIT).until(() -> delays.size() >= 6);
        assertThat(delays.subList(0, 6)).containsExactly(10L, 20L, 40L, 80L, 80L, 80L);
        assertThat(conn.counters().connectAttempts()).isGreaterThanOrEqualTo(6);
    }

    @Test
    void onlyAConnectionThatLastedStartsTheBackoffAfresh() {
        broker.disconnectAfterConnack(0x89, 3);
        conn = build();
        conn.connect();
        await().atMost(WAIT).until(() -> broker.connections() == 4 && conn.state() == ClientState.CONNECTED);
        assertThat(delays).containsExactly(10L, 20L, 40L);

        // Lost well within 10 s: it did not last, the backoff goes on growing.
        broker.dropClient();
        await().atMost(WAIT).until(() -> broker.connections() == 5 && conn.state() == ClientState.CONNECTED);
        assertThat(delays).containsExactly(10L, 20L, 40L, 80L);

        // This one lasts long enough: its loss starts the backoff afresh.
        clock.addAndGet(MqttConnection.HEALTHY_AFTER_NANOS);
        broker.dropClient();
        await().atMost(WAIT).until(() -> broker.connections() == 6 && conn.state() == ClientState.CONNECTED);
        assertThat(delays).containsExactly(10L, 20L, 40L, 80L, 10L);
        assertThat(conn.counters().connectAttempts()).isEqualTo(6);
    }
}
