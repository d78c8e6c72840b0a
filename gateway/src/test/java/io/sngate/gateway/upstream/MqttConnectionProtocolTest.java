package io.sngate.gateway.upstream;

import io.sngate.gateway.upstream.core.ClientState;
import io.sngate.hw.ReconnectBackoff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.sngate.gateway.session.DeliveryFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Protocol details of {@link MqttConnection} against a scripted broker: flow control, packet ids,
 * re-sending after reconnection, keep-alive, reason codes.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MqttConnectionProtocolTest extends FakeBrokerFixture {

    static final ReconnectBackoff FAST = new ReconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(100), 0.1,
            new Random(7));
    static final Duration WAIT = Duration.ofSeconds(10);


    void connect(ConnectOptions options) throws InterruptedException {
        conn = MqttConnection.builder(loop, "127.0.0.1", broker.port(), options, events).backoff(FAST).build();
        conn.connect();
        broker.next(MqttMessageType.CONNECT);
        await().atMost(WAIT).until(() -> events.has("connected:"));
    }

    ConnectOptions options() {
        return ConnectOptions.of("proto").withKeepAliveSeconds(0);
    }

    <T> T onLoop(Callable<T> call) throws Exception {
        return loop.submit(call).get(5, TimeUnit.SECONDS);
    }

    @Test
    void theConnectCarriesTheOptions() throws Exception {
        conn = MqttConnection.builder(loop, "127.0.0.1", broker.port(),
                ConnectOptions.of("opts").withSessionExpirySeconds(120).withReceiveMaximum(7).withKeepAliveSeconds(0)
                        .withWill(Optional.of(new ConnectOptions.Will("w/t", new byte[] {0, (byte) 0xFF}, 1, true))),
                events).backoff(FAST).build();
        conn.connect();
        FakeBroker.Packet connect = broker.next(MqttMessageType.CONNECT);
        assertThat(connect.cleanStart()).isTrue();
        assertThat(connect.properties().getProperty(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value())
                .value()).isEqualTo(120);
        assertThat(connect.properties().getProperty(MqttProperties.MqttPropertyType.RECEIVE_MAXIMUM.value())
                .value()).isEqualTo(7);
        assertThat(connect.topic()).isEqualTo("w/t");
        assertThat(connect.payload()).containsExactly(0, 0xFF);
    }

    @Test
    void inFlightPublishesNeverExceedTheBrokersReceiveMaximum() throws Exception {
        broker.receiveMaximum(2);
        connect(options());
        for (long token = 1; token <= 5; token++) {
            conn.publish(token, "rm/t", new byte[] {(byte) token}, token % 2 == 0 ? 2 : 1, false);
        }
        FakeBroker.Packet p1 = broker.next(MqttMessageType.PUBLISH);
        FakeBroker.Packet p2 = broker.next(MqttMessageType.PUBLISH);
        assertThat(onLoop(conn::inFlightRequests)).isEqualTo(2);
        assertThat(onLoop(conn::queuedRequests)).isEqualTo(3);
        assertThat(broker.poll(Duration.ofMillis(200))).isNull();

        broker.pubReply(MqttMessageType.PUBACK, p1.packetId(), 0);
        FakeBroker.Packet p3 = broker.next(MqttMessageType.PUBLISH);
        assertThat(broker.poll(Duration.ofMillis(100))).isNull();
        // QoS 2: the quota is released by PUBCOMP, not by PUBREC.
        broker.pubReply(MqttMessageType.PUBREC, p2.packetId(), 0);
        assertThat(broker.next(MqttMessageType.PUBREL).packetId()).isEqualTo(p2.packetId());
        assertThat(broker.poll(Duration.ofMillis(100))).isNull();
        broker.pubReply(MqttMessageType.PUBCOMP, p2.packetId(), 0);
        FakeBroker.Packet p4 = broker.next(MqttMessageType.PUBLISH);
        broker.pubReply(MqttMessageType.PUBACK, p3.packetId(), 0);
        FakeBroker.Packet p5 = broker.next(MqttMessageType.PUBLISH);
        broker.pubReply(MqttMessageType.PUBREC, p4.packetId(), 0);
        broker.next(MqttMessageType.PUBREL);
        broker.pubReply(MqttMessageType.PUBCOMP, p4.packetId(), 0);
        broker.pubReply(MqttMessageType.PUBACK, p5.packetId(), 0);

        await().atMost(WAIT).until(() -> events.published.size() == 5);
        assertThat(events.published.values()).allMatch(Optional::isEmpty);
        assertThat(List.of(p1, p2, p3, p4, p5)).extracting(FakeBroker.Packet::payload)
                .containsExactly(new byte[] {1}, new byte[] {2}, new byte[] {3}, new byte[] {4}, new byte[] {5});
    }

    @Test
    void packetIdsAreNeverZeroAndNeverReusedWhileInFlight() throws Exception {
        broker.autoAckQos1(true);
        connect(options().withMaxQueuedRequests(100_000));
        // One publish stays in flight (QoS 2, never completed) while the ids wrap around.
        conn.publish(0, "ids/held", new byte[] {0}, 2, false);
        int held = broker.next(MqttMessageType.PUBLISH).packetId();
        int total = 70_000;
        for (long token = 1; token <= total; token++) {
            conn.publish(token, "ids/t", new byte[0], 1, false);
        }
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < total; i++) {
            FakeBroker.Packet p = broker.next(MqttMessageType.PUBLISH);
            assertThat(p.packetId()).isBetween(1, 65_535).isNotEqualTo(held);
            seen.add(p.packetId());
        }
        assertThat(seen).hasSize(65_534);
        await().atMost(WAIT).until(() -> events.published.size() == total);
        assertThat(events.published.values()).allMatch(Optional::isEmpty);
    }

    @Test
    void afterAReconnectionUnacknowledgedPublishesAreResentWithDupAndPubrelsAgain() throws Exception {
        connect(options().withSessionExpirySeconds(60));
        conn.publish(1, "re/q1", new byte[] {1}, 1, false);
        conn.publish(2, "re/q2", new byte[] {2}, 2, false);
        conn.publish(3, "re/q2b", new byte[] {3}, 2, false);
        FakeBroker.Packet q1 = broker.next(MqttMessageType.PUBLISH);
        FakeBroker.Packet q2 = broker.next(MqttMessageType.PUBLISH);
        FakeBroker.Packet q2b = broker.next(MqttMessageType.PUBLISH);
        assertThat(List.of(q1, q2, q2b)).noneMatch(FakeBroker.Packet::dup);
        broker.pubReply(MqttMessageType.PUBREC, q2.packetId(), 0);
        broker.next(MqttMessageType.PUBREL);

        broker.sessionPresent(true);
        broker.dropClient();
        FakeBroker.Packet reconnect = broker.next(MqttMessageType.CONNECT);
        assertThat(reconnect.cleanStart()).isFalse();
        FakeBroker.Packet r1 = broker.next(MqttMessageType.PUBLISH);
        FakeBroker.Packet r2 = broker.next(MqttMessageType.PUBREL);
        FakeBroker.Packet r3 = broker.next(MqttMessageType.PUBLISH);
        assertThat(r1.dup()).isTrue();
        assertThat(r1.packetId()).isEqualTo(q1.packetId());
        assertThat(r1.payload()).containsExactly(1);
        assertThat(r2.packetId()).isEqualTo(q2.packetId());
        assertThat(r3.dup()).isTrue();
        assertThat(r3.packetId()).isEqualTo(q2b.packetId());
        await().atMost(WAIT).until(() -> events.has("reconnected:"));
        assertThat(events.events).hasSize(3);
        assertThat(events.events.get(1)).startsWith("lost:");
        assertThat(events.events.get(2)).isEqualTo("reconnected:true");
        assertThat(events.published).isEmpty();

        broker.pubReply(MqttMessageType.PUBACK, q1.packetId(), 0);
        broker.pubReply(MqttMessageType.PUBCOMP, q2.packetId(), 0);
        broker.pubReply(MqttMessageType.PUBREC, q2b.packetId(), 0);
        broker.next(MqttMessageType.PUBREL);
        broker.pubReply(MqttMessageType.PUBCOMP, q2b.packetId(), 0);
        await().atMost(WAIT).until(() -> events.published.size() == 3);
        assertThat(events.published.values()).allMatch(Optional::isEmpty);
        assertThat(conn.counters().retransmissions()).isEqualTo(3);
    }

    @Test
    void withoutASessionInFlightPublishesAreSentAgainAsNewMessages() throws Exception {
        connect(options().withSessionExpirySeconds(60));
        conn.publish(1, "ns/q2", new byte[] {1}, 2, false);
        FakeBroker.Packet q2 = broker.next(MqttMessageType.PUBLISH);
        broker.pubReply(MqttMessageType.PUBREC, q2.packetId(), 0);
        broker.next(MqttMessageType.PUBREL);

        broker.sessionPresent(false);
        broker.dropClient();
        broker.next(MqttMessageType.CONNECT);
        FakeBroker.Packet again = broker.next(MqttMessageType.PUBLISH);
        assertThat(again.dup()).isFalse();
        assertThat(again.payload()).containsExactly(1);
        await().atMost(WAIT).until(() -> events.has("reconnected:"));
        assertThat(events.events).last().isEqualTo("reconnected:false");
    }

    // Keep-alive (a PINGREQ when idle, the timeout when no PINGRESP comes, the reconnection after
    // it) is tested with a fake clock in core.KeepAliveTest; the adapter's timer that drives it is
    // the one the reconnection backoff tests (MqttConnectionRefusalTest) run on real time.

    @Test
    void reasonCodesDecideSuccessOrRefusal() throws Exception {
        connect(options());
        conn.publish(1, "rc/t", new byte[] {1}, 1, false);
        conn.publish(2, "rc/t", new byte[] {2}, 1, false);
        conn.publish(3, "rc/t", new byte[] {3}, 2, false);
        conn.subscribe(4, "rc/#", 2);
        conn.subscribe(5, "rc/+", 1);
        int p1 = broker.next(MqttMessageType.PUBLISH).packetId();
        int p2 = broker.next(MqttMessageType.PUBLISH).packetId();
        int p3 = broker.next(MqttMessageType.PUBLISH).packetId();
        int s4 = broker.next(MqttMessageType.SUBSCRIBE).packetId();
        int s5 = broker.next(MqttMessageType.SUBSCRIBE).packetId();
        broker.pubReply(MqttMessageType.PUBACK, p1, 0x10); // no matching subscribers
        broker.pubReply(MqttMessageType.PUBACK, p2, 0x87); // not authorized
        broker.pubReply(MqttMessageType.PUBREC, p3, 0x97); // quota exceeded
        broker.subAck(s4, 1);
        broker.subAck(s5, 0x87);
        await().atMost(WAIT).until(() -> events.published.size() == 3 && events.subscribed.size() == 2);
        assertThat(events.published).containsEntry(1L, Optional.empty())
                .containsEntry(2L, Optional.of(DeliveryFailure.REFUSED))
                .containsEntry(3L, Optional.of(DeliveryFailure.REFUSED));
        assertThat(events.subscribed.get(4L)).isEqualTo(new RecordingListener.Subscribed(Optional.of(1), Optional.empty()));
        assertThat(events.subscribed.get(5L).failure()).contains(DeliveryFailure.REFUSED);
        assertThat(onLoop(conn::inFlightRequests)).isZero();
    }

    @Test
    void aQos2MessageSentAgainBeforePubrelIsDeliveredOnce() throws Exception {
        connect(options());
        broker.publish("in/q2", new byte[] {9}, 2, 42, false);
        await().atMost(WAIT).until(() -> events.messages.size() == 1);
        broker.publish("in/q2", new byte[] {9}, 2, 42, true);
        await().atMost(WAIT).until(() -> conn.counters().duplicatesSuppressed() == 1);
        conn.acknowledge(events.messages.get(0).deliveryId());
        FakeBroker.Packet pubrec = broker.next(MqttMessageType.PUBREC);
        assertThat(pubrec.packetId()).isEqualTo(42);
        // A copy after PUBREC is answered with PUBREC again, still not delivered.
        broker.publish("in/q2", new byte[] {9}, 2, 42, true);
        assertThat(broker.next(MqttMessageType.PUBREC).packetId()).isEqualTo(42);
        broker.pubReply(MqttMessageType.PUBREL, 42, 0);
        assertThat(broker.next(MqttMessageType.PUBCOMP).packetId()).isEqualTo(42);
        // After PUBCOMP the id is free: the same id is a new message.
        broker.publish("in/q2", new byte[] {10}, 2, 42, false);
        await().atMost(WAIT).until(() -> events.messages.size() == 2);
        assertThat(events.messages.get(1).payload()).containsExactly(10);
        assertThat(conn.counters().duplicatesSuppressed()).isEqualTo(2);
    }

    @Test
    void qos1AcknowledgementsGoOutOnlyWhenTheCallerSaysSo() throws Exception {
        connect(options());
        broker.publish("in/q1", new byte[] {1}, 1, 5, false);
        await().atMost(WAIT).until(() -> events.messages.size() == 1);
        assertThat(broker.poll(Duration.ofMillis(200))).isNull();
        conn.acknowledge(events.messages.get(0).deliveryId());
        FakeBroker.Packet puback = broker.next(MqttMessageType.PUBACK);
        assertThat(puback.packetId()).isEqualTo(5);
        conn.acknowledge(events.messages.get(0).deliveryId()); // twice: ignored
        await().atMost(WAIT).until(() -> conn.counters().staleAcknowledgements() == 1);
    }

    @Test
    void aBrokerExceedingOurReceiveMaximumIsDisconnected() throws Exception {
        connect(options().withReceiveMaximum(2));
        broker.publish("in/x", new byte[] {1}, 1, 1, false);
        broker.publish("in/x", new byte[] {2}, 1, 2, false);
        broker.publish("in/x", new byte[] {3}, 1, 3, false);
        FakeBroker.Packet disconnect = broker.next(MqttMessageType.DISCONNECT);
        assertThat(disconnect.reasonCode()).isEqualTo(0x93);
        await().atMost(WAIT).until(() -> events.has("lost:"));
        assertThat(events.messages).hasSize(2);
        assertThat(conn.counters().protocolErrors()).isEqualTo(1);
    }

    @Test
    void aSessionTakenOverEndsTheConnectionForGood() throws Exception {
        connect(options());
        conn.publish(1, "t/x", new byte[] {1}, 1, false);
        broker.next(MqttMessageType.PUBLISH);
        broker.send(io.netty.handler.codec.mqtt.MqttMessageBuilders.disconnect().reasonCode((byte) 0x8E).build());
        await().atMost(WAIT).until(() -> events.has("connectFailed:"));
        assertThat(events.events.get(1)).startsWith("lost:").contains("0x8E");
        assertThat(events.events.get(2)).startsWith("connectFailed:false:");
        assertThat(events.published.get(1L)).contains(DeliveryFailure.CONGESTION);
        assertThat(conn.state()).isEqualTo(ClientState.CLOSED);
        assertThat(broker.connections()).isEqualTo(1);
    }

    @Test
    void disconnectSendsTheReasonAndSessionExpiry() throws Exception {
        connect(options().withSessionExpirySeconds(60));
        conn.disconnect(true, OptionalLong.of(0)).syncUninterruptibly();
        FakeBroker.Packet d = broker.next(MqttMessageType.DISCONNECT);
        assertThat(d.reasonCode()).isEqualTo(0x04);
        assertThat(d.properties().getProperty(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value())
                .value()).isEqualTo(0);
        assertThat(conn.state()).isEqualTo(ClientState.CLOSED);
    }

    @Test
    void closeSendsANormalDisconnectWithoutTouchingTheExpiry() throws Exception {
        connect(options().withSessionExpirySeconds(60));
        conn.close().syncUninterruptibly();
        FakeBroker.Packet d = broker.next(MqttMessageType.DISCONNECT);
        assertThat(d.reasonCode()).isZero();
        assertThat(d.properties().isEmpty()).isTrue();
    }

    @Test
    void updateWillReconnectsWithTheNewWillAndKeepsRequests() throws Exception {
        connect(options().withSessionExpirySeconds(60));
        conn.publish(1, "w/p", new byte[] {1}, 1, false);
        FakeBroker.Packet p = broker.next(MqttMessageType.PUBLISH);
        broker.sessionPresent(true);
        conn.updateWill(Optional.of(new ConnectOptions.Will("w/new", new byte[] {7}, 0, false)));
        conn.publish(2, "w/p", new byte[] {2}, 1, false);
        assertThat(broker.next(MqttMessageType.DISCONNECT).reasonCode()).isZero();
        FakeBroker.Packet connect = broker.next(MqttMessageType.CONNECT);
        assertThat(connect.cleanStart()).isFalse();
        assertThat(connect.topic()).isEqualTo("w/new");
        FakeBroker.Packet resent = broker.next(MqttMessageType.PUBLISH);
        assertThat(resent.packetId()).isEqualTo(p.packetId());
        assertThat(resent.dup()).isTrue();
        FakeBroker.Packet second = broker.next(MqttMessageType.PUBLISH);
        assertThat(second.payload()).containsExactly(2);
        broker.pubReply(MqttMessageType.PUBACK, resent.packetId(), 0);
        broker.pubReply(MqttMessageType.PUBACK, second.packetId(), 0);
        await().atMost(WAIT).until(() -> events.published.size() == 2);
        assertThat(events.events).containsExactly("connected:false");
        assertThat(conn.counters().willUpdates()).isEqualTo(1);
    }

    @Test
    void callsFromOtherThreadsHopOntoTheLoop() throws Exception {
        connect(options());
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int base = t * 1000;
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 50; i++) {
                    conn.publish(base + i, "mt/t", new byte[] {1}, 0, false);
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        for (int i = 0; i < 200; i++) {
            broker.next(MqttMessageType.PUBLISH);
        }
        assertThat(conn.counters().messagesOut()).isEqualTo(200);
    }
}
