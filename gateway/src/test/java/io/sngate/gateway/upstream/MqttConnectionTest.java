package io.sngate.gateway.upstream;

import io.sngate.gateway.upstream.core.ClientState;
import io.sngate.hw.ReconnectBackoff;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.sngate.gateway.session.DeliveryFailure;
import io.sngate.gateway.testing.Mosquitto;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/** {@link MqttConnection} against a real mosquitto broker, watched by a Paho client. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MqttConnectionTest {

    static final ReconnectBackoff FAST = new ReconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(250), 0.2,
            new Random(42));
    static final Duration WAIT = Duration.ofSeconds(10);

    static EventLoopGroup group;
    EventLoop loop;
    Mosquitto broker;
    String id;
    RecordingListener events;
    MqttConnection conn;

    @BeforeAll
    static void startLoops() {
        group = new NioEventLoopGroup(2);
    }

    @AfterAll
    static void stopLoops() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @BeforeEach
    void setUp(TestInfo info) {
        loop = group.next();
        id = "gw-" + info.getTestMethod().orElseThrow().getName();
        events = new RecordingListener(loop);
    }

    @AfterEach
    void tearDown() {
        if (conn != null) {
            conn.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (broker != null) {
            broker.close();
        }
        assertThat(events.offLoopCalls).as("listener calls off the event loop").isEmpty();
        assertThat(events.duplicateCompletions).as("tokens completed twice").isEmpty();
    }

    MqttConnection connect(ConnectOptions options) {
        return connect(options, events);
    }

    MqttConnection connect(ConnectOptions options, RecordingListener listener) {
        MqttConnection c = MqttConnection.builder(loop, broker.host(), broker.port(), options, listener)
                .backoff(FAST).build();
        c.connect();
        return c;
    }

    ConnectOptions options() {
        return ConnectOptions.of(id).withKeepAliveSeconds(10).withSessionExpirySeconds(300);
    }

    <T> T onLoop(Callable<T> call) throws Exception {
        return loop.submit(call).get(5, TimeUnit.SECONDS);
    }

    void awaitConnected(RecordingListener l) {
        await().atMost(WAIT).until(() -> l.has("connected:") || l.has("connectFailed:"));
        assertThat(l.events).noneMatch(e -> e.startsWith("connectFailed:"));
    }

    @Nested
    class Connecting {

        @Test
        void connackReportsWhetherTheBrokerKeptTheSession() {
            broker = Mosquitto.start();
            conn = connect(options());
            await().atMost(WAIT).until(() -> events.has("connected:"));
            assertThat(events.events).containsExactly("connected:false");
            assertThat(conn.state()).isEqualTo(ClientState.CONNECTED);

            // close() keeps the session: a later connection with clean start 0 finds it.
            conn.close().syncUninterruptibly();
            RecordingListener second = new RecordingListener(loop);
            conn = connect(options().withCleanStart(false), second);
            await().atMost(WAIT).until(() -> second.has("connected:"));
            assertThat(second.events).containsExactly("connected:true");
        }

        @Test
        void aHostNameIsResolvedOffTheEventLoop() {
            broker = Mosquitto.start();
            // The listener checks every call is on the loop; the lookup itself runs on sngate-dns.
            conn = MqttConnection.builder(loop, "localhost", broker.port(), options(), events).backoff(FAST).build();
            conn.connect();
            await().atMost(WAIT).until(() -> events.has("connected:") || events.has("connectFailed:"));
            assertThat(events.events).containsExactly("connected:false");
        }

        @Test
        void anUnknownHostNameIsAConnectFailureNamingIt() {
            conn = MqttConnection.builder(loop, "no-such-host.invalid", 1883, options(), events).backoff(FAST).build();
            conn.connect();
            await().atMost(WAIT).until(() -> events.has("connectFailed:"));
            assertThat(events.events).singleElement().asString().contains("no-such-host.invalid");
        }

        @Test
        void aRefusedConnectIsReportedOnceAndNotRetried() throws Exception {
            broker = Mosquitto.start(List.of("allow_anonymous false"));
            conn = connect(options());
            await().atMost(WAIT).until(() -> events.has("connectFailed:"));
            assertThat(events.events).hasSize(1);
            assertThat(events.events.get(0)).startsWith("connectFailed:false:").contains("refused");
            assertThat(conn.state()).isEqualTo(ClientState.CLOSED);
            assertThat(conn.closeFuture().isDone()).isTrue();
            assertThat(onLoop(() -> conn.counters().connectFailures())).isEqualTo(1);
        }

        @Test
        void anUnreachableBrokerIsAConnectFailureThatMayBeRetriedLater() {
            int port = Mosquitto.freePort();
            conn = MqttConnection.builder(loop, "127.0.0.1", port, options(), events).backoff(FAST).build();
            conn.connect();
            await().atMost(WAIT).until(() -> events.has("connectFailed:"));
            assertThat(events.events).singleElement().asString()
                    .startsWith("connectFailed:true:").contains("cannot connect", String.valueOf(port));
            assertThat(conn.state()).isEqualTo(ClientState.CLOSED);
        }

        @Test
        void requestsMadeBeforeTheFirstConnackAreSentOnceConnected() throws Exception {
            broker = Mosquitto.start();
            try (PahoObserver paho = new PahoObserver(broker.uri(), id + "-obs")) {
                paho.subscribe("early/#", 1);
                conn = MqttConnection.builder(loop, broker.host(), broker.port(), options(), events)
                        .backoff(FAST).build();
                conn.publish(1, "early/a", "first".getBytes(UTF_8), 1, false);
                conn.connect();
                await().atMost(WAIT).until(() -> events.published.containsKey(1L));
                assertThat(events.published.get(1L)).isEmpty();
                await().atMost(WAIT).until(() -> paho.texts("early/a").contains("first"));
            }
        }
    }

    @Nested
    class Publishing {

        @Test
        void qos0_1_2ArriveWithExactPayloadBytes() throws Exception {
            broker = Mosquitto.start();
            try (PahoObserver paho = new PahoObserver(broker.uri(), id + "-obs")) {
                paho.subscribe("dev/out/#", 2);
                conn = connect(options());
                awaitConnected(events);

                byte[][] payloads = {
                    {0x00, (byte) 0xFF, 0x7F, (byte) 0x80, 0x00},
                    {(byte) 0xFF, 0x00, 0x01},
                    {0x00},
                };
                for (int qos = 0; qos <= 2; qos++) {
                    conn.publish(100 + qos, "dev/out/q" + qos, payloads[qos], qos, false);
                }
                await().atMost(WAIT).until(() -> events.published.size() == 2 && paho.received.size() == 3);
                assertThat(events.published).containsEntry(101L, Optional.empty()).containsEntry(102L, Optional.empty())
                        .doesNotContainKey(100L);
                for (int qos = 0; qos <= 2; qos++) {
                    String topic = "dev/out/q" + qos;
                    PahoObserver.Received r = paho.received.stream().filter(m -> m.topic().equals(topic))
                            .findFirst().orElseThrow();
                    assertThat(r.payload()).as(topic).containsExactly(payloads[qos]);
                    assertThat(r.qos()).as(topic).isEqualTo(qos);
                }
                assertThat(conn.counters().messagesOut()).isEqualTo(3);
                assertThat(conn.counters().publishesCompleted()).isEqualTo(2);
                assertThat(onLoop(() -> conn.inFlightRequests())).isZero();
            }
        }

        @Test
        void noMatchingSubscribersIsASuccessAndAnEmptyPayloadIsFine() {
            broker = Mosquitto.start();
            conn = connect(options());
            awaitConnected(events);
            conn.publish(1, "nobody/listens", new byte[0], 1, false);
            conn.publish(2, "nobody/listens", new byte[0], 2, false);
            await().atMost(WAIT).until(() -> events.published.size() == 2);
            assertThat(events.published).containsEntry(1L, Optional.empty()).containsEntry(2L, Optional.empty());
        }

        @Test
        void retainedMessagesAreRetained() throws Exception {
            broker = Mosquitto.start();
            conn = connect(options());
            awaitConnected(events);
            conn.publish(1, "state/lamp", "on".getBytes(UTF_8), 1, true);
            await().atMost(WAIT).until(() -> events.published.containsKey(1L));
            try (PahoObserver paho = new PahoObserver(broker.uri(), id + "-late")) {
                paho.subscribe("state/#", 1);
                await().atMost(WAIT).until(() -> !paho.received.isEmpty());
                assertThat(paho.received.get(0).retained()).isTrue();
                assertThat(paho.received.get(0).text()).isEqualTo("on");
            }
        }

        @Test
        void anInvalidTopicIsRefusedLocallyWithoutHurtingTheConnection() throws Exception {
            broker = Mosquitto.start();
            conn = connect(options());
            awaitConnected(events);
            conn.publish(1, "bad/+/topic", new byte[] {1}, 1, false);
            conn.publish(2, "", new byte[] {1}, 1, false);
            conn.subscribe(3, "bad/#/filter", 1);
            conn.publish(4, "good/topic", new byte[] {1}, 1, false);
            await().atMost(WAIT).until(() -> events.published.size() == 3 && events.subscribed.size() == 1);
            assertThat(events.published).containsEntry(1L, Optional.of(DeliveryFailure.REFUSED))
                    .containsEntry(2L, Optional.of(DeliveryFailure.REFUSED))
                    .containsEntry(4L, Optional.empty());
            assertThat(events.subscribed.get(3L).failure()).contains(DeliveryFailure.REFUSED);
            assertThat(conn.counters().requestsRefused()).isEqualTo(3);
            assertThat(events.events).containsExactly("connected:false");
        }
    }

    @Nested
    class Receiving {

        @Test
        void qos1And2MessagesWaitForTheCallersAcknowledgement() throws Exception {
            broker = Mosquitto.start();
            conn = connect(options());
            awaitConnected(events);
            conn.subscribe(7, "dev/in/#", 2);
            await().atMost(WAIT).until(() -> events.subscribed.containsKey(7L));
            assertThat(events.subscribed.get(7L)).isEqualTo(new RecordingListener.Subscribed(Optional.of(2),
                    Optional.empty()));

            try (PahoObserver paho = new PahoObserver(broker.uri(), id + "-pub")) {
                paho.publish("dev/in/a", new byte[] {0x00, (byte) 0xFF}, 1, false);
                paho.publish("dev/in/b", new byte[] {(byte) 0xFF, 0x00}, 2, false);
                paho.publish("dev/in/c", new byte[] {0x42}, 0, false);
            }
            await().atMost(WAIT).until(() -> events.messages.size() == 3);
            RecordingListener.Message a = byTopic("dev/in/a");
            RecordingListener.Message b = byTopic("dev/in/b");
            RecordingListener.Message c = byTopic("dev/in/c");
            assertThat(a.payload()).containsExactly(0x00, 0xFF);
            assertThat(a.qos()).isEqualTo(1);
            assertThat(b.payload()).containsExactly(0xFF, 0x00);
            assertThat(b.qos()).isEqualTo(2);
            assertThat(c.qos()).isZero();
            assertThat(List.of(a.deliveryId(), b.deliveryId(), c.deliveryId())).doesNotHaveDuplicates();
            assertThat(onLoop(() -> conn.inboundPending())).isEqualTo(2);

            conn.acknowledge(a.deliveryId());
            conn.acknowledge(b.deliveryId());
            // QoS 2: PUBREC, then the broker's PUBREL is answered with PUBCOMP.
            await().atMost(WAIT).until(() -> onLoop(() -> conn.inboundPending()) == 0);
            conn.acknowledge(c.deliveryId()); // QoS 0: nothing to do, ignored
            assertThat(conn.counters().messagesIn()).isEqualTo(3);

            conn.unsubscribe(8, "dev/in/#");
            await().atMost(WAIT).until(() -> events.unsubscribed.contains(8L));
        }

        @Test
        void anUnacknowledgedQos1MessageIsRedeliveredAfterReconnection() throws Exception {
            broker = Mosquitto.start();
            conn = connect(options());
            awaitConnected(events);
            conn.subscribe(1, "redeliver/#", 1);
            await().atMost(WAIT).until(() -> events.subscribed.containsKey(1L));
            try (PahoObserver paho = new PahoObserver(broker.uri(), id + "-pub")) {
                paho.publish("redeliver/x", "m1", 1);
                await().atMost(WAIT).until(() -> events.messagesWith("m1").size() == 1);
                long first = events.messagesWith("m1").get(0).deliveryId();

                conn.dropConnectionForTest();
                await().atMost(WAIT).until(() -> events.messagesWith("m1").size() == 2);
                assertThat(events.events).containsSubsequence("connected:false", "reconnected:true");
                assertThat(events.events.get(1)).startsWith("lost:");
                long second = events.messagesWith("m1").get(1).deliveryId();
                assertThat(second).isNotEqualTo(first);

                conn.acknowledge(first); // from the previous connection: ignored
                await().atMost(WAIT).until(() -> conn.counters().staleAcknowledgements() == 1);
                conn.acknowledge(second);
                await().atMost(WAIT).until(() -> onLoop(() -> conn.inboundPending()) == 0);

                // Acknowledged now: another reconnection brings only the marker.
                conn.dropConnectionForTest();
                await().atMost(WAIT).until(() -> events.count("reconnected:") == 2);
                paho.publish("redeliver/x", "marker", 1);
                await().atMost(WAIT).until(() -> !events.messagesWith("marker").isEmpty());
                assertThat(events.messagesWith("m1")).hasSize(2);
                assertThat(conn.counters().reconnects()).isEqualTo(2);
            }
        }

        @Test
        void aQos2MessageResentByTheBrokerIsNotDeliveredTwice() throws Exception {
            broker = Mosquitto.start();
            conn = connect(options());
            awaitConnected(events);
            conn.subscribe(1, "once/#", 2);
            await().atMost(WAIT).until(() -> events.subscribed.containsKey(1L));
            try (PahoObserver paho = new PahoObserver(broker.uri(), id + "-pub")) {
                paho.publish("once/x", "exactly-once", 2);
                await().atMost(WAIT).until(() -> events.messagesWith("exactly-once").size() == 1);
                long deliveryId = events.messagesWith("exactly-once").get(0).deliveryId();

                // The broker re-sends the PUBLISH (DUP) after the reconnection: suppressed.
                conn.dropConnectionForTest();
                await().atMost(WAIT).until(() -> conn.counters().duplicatesSuppressed() == 1);
                assertThat(events.messagesWith("exactly-once")).hasSize(1);

                // The id from before the reconnection still completes the exchange.
                conn.acknowledge(deliveryId);
                await().atMost(WAIT).until(() -> onLoop(() -> conn.inboundPending()) == 0);
                assertThat(conn.counters().staleAcknowledgements()).isZero();

                conn.dropConnectionForTest();
                await().atMost(WAIT).until(() -> events.count("reconnected:") == 2);
                paho.publish("once/x", "marker", 2);
                await().atMost(WAIT).until(() -> !events.messagesWith("marker").isEmpty());
                assertThat(events.messagesWith("exactly-once")).hasSize(1);
            }
        }

        RecordingListener.Message byTopic(String topic) {
            return events.messages.stream().filter(m -> m.topic().equals(topic)).findFirst().orElseThrow();
        }
    }

    @Nested
    class Outages {

        @Test
        void publishesAcrossABrokerRestartAllCompleteAndAllArrive() throws Exception {
            broker = Mosquitto.start();
            try (PahoObserver paho = new PahoObserver(broker.uri(), id + "-obs", true)) {
                paho.subscribe("stream/#", 1);
                // Clean start 0 from the first CONNECT: mosquitto 2.0 persists (across a restart) only
                // the sessions of clients whose current connection has clean start 0.
                conn = connect(options().withCleanStart(false).withMaxQueuedRequests(1000));
                awaitConnected(events);

                for (int i = 0; i < 100; i++) {
                    conn.publish(i, "stream/a", ("msg-" + i).getBytes(UTF_8), 1, false);
                }
                broker.restart();
                for (int i = 100; i < 200; i++) {
                    conn.publish(i, "stream/a", ("msg-" + i).getBytes(UTF_8), 1, false);
                }

                await().atMost(Duration.ofSeconds(20)).until(() -> events.published.size() == 200);
                assertThat(events.published.values()).allMatch(Optional::isEmpty);
                Set<String> expected = IntStream.range(0, 200).mapToObj(i -> "msg-" + i).collect(Collectors.toSet());
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> paho.texts("stream/a").containsAll(expected));
                assertThat(events.has("lost:")).isTrue();
                assertThat(events.events).contains("reconnected:true");
                assertThat(conn.counters().reconnects()).isEqualTo(1);
                assertThat(conn.counters().publishesCompleted()).isEqualTo(200);
            }
        }

        @Test
        void whenTheOutageQueueIsFullARequestFailsAtOnceWithCongestion() {
            broker = Mosquitto.start();
            conn = connect(options().withCleanStart(false).withMaxQueuedRequests(5));
            awaitConnected(events);
            broker.stop();
            await().atMost(WAIT).until(() -> events.has("lost:"));

            for (long token = 1; token <= 5; token++) {
                conn.publish(token, "outage/t", new byte[] {(byte) token}, 1, false);
            }
            conn.publish(6, "outage/t", new byte[] {6}, 1, false);
            conn.subscribe(7, "outage/#", 1);
            await().atMost(WAIT).until(() -> events.published.containsKey(6L) && events.subscribed.containsKey(7L));
            assertThat(events.published).containsOnlyKeys(6L);
            assertThat(events.published.get(6L)).contains(DeliveryFailure.CONGESTION);
            assertThat(events.subscribed.get(7L).failure()).contains(DeliveryFailure.CONGESTION);
            assertThat(conn.counters().requestsRejectedCongestion()).isEqualTo(2);

            broker.startAgain();
            await().atMost(WAIT).until(() -> events.published.size() == 6);
            assertThat(LongStream.rangeClosed(1, 5).mapToObj(events.published::get)).allMatch(Optional::isEmpty);
            assertThat(events.events).last().isEqualTo("reconnected:true");
        }

        @Test
        void disconnectFailsWhatIsStillQueued() {
            broker = Mosquitto.start();
            conn = connect(options());
            awaitConnected(events);
            broker.stop();
            await().atMost(WAIT).until(() -> events.has("lost:"));
            conn.publish(1, "q/t", new byte[] {1}, 1, false);
            conn.subscribe(2, "q/#", 1);
            conn.disconnect(false, OptionalLong.empty()).syncUninterruptibly();
            await().atMost(WAIT).until(() -> events.published.size() == 1 && events.subscribed.size() == 1);
            assertThat(events.published.get(1L)).contains(DeliveryFailure.CONGESTION);
            assertThat(conn.state()).isEqualTo(ClientState.CLOSED);
            conn.publish(3, "q/t", new byte[] {1}, 0, false);
            await().atMost(WAIT).until(() -> events.published.containsKey(3L));
            assertThat(events.published.get(3L)).contains(DeliveryFailure.CONGESTION);
        }
    }

    @Nested
    class Wills {

        ConnectOptions withWill(String topic, String payload) {
            return options().withWill(Optional.of(new ConnectOptions.Will(topic, payload.getBytes(UTF_8), 1, false)));
        }

        @Test
        void theWillIsPublishedOnDisconnectWithWill() throws Exception {
            broker = Mosquitto.start();
            try (PahoObserver paho = new PahoObserver(broker.uri(), id + "-obs")) {
                paho.subscribe("will/#", 1);
                conn = connect(withWill("will/a", "gone-a"));
                awaitConnected(events);
                conn.disconnect(true, OptionalLong.of(0)).syncUninterruptibly();
                await().atMost(WAIT).until(() -> paho.texts("will/a").contains("gone-a"));
            }
        }

        @Test
        void theWillIsNotPublishedOnANormalDisconnect() throws Exception {
            broker = Mosquitto.start();
            try (PahoObserver paho = new PahoObserver(broker.uri(), id + "-obs")) {
                paho.subscribe("will/#", 1);
                conn = connect(withWill("will/b", "gone-b"));
                awaitConnected(events);
                conn.disconnect(false, OptionalLong.of(0)).syncUninterruptibly();
                paho.publish("will/b", "marker", 1);
                await().atMost(WAIT).until(() -> paho.texts("will/b").contains("marker"));
                assertThat(paho.texts("will/b")).containsExactly("marker");
            }
        }

        @Test
        void closeKeepsTheSessionAndDoesNotPublishTheWill() throws Exception {
            broker = Mosquitto.start();
            try (PahoObserver paho = new PahoObserver(broker.uri(), id + "-obs")) {
                paho.subscribe("will/#", 1);
                conn = connect(withWill("will/c", "gone-c"));
                awaitConnected(events);
                conn.close().syncUninterruptibly();
                paho.publish("will/c", "marker", 1);
                await().atMost(WAIT).until(() -> paho.texts("will/c").contains("marker"));
                assertThat(paho.texts("will/c")).containsExactly("marker");
                RecordingListener again = new RecordingListener(loop);
                conn = connect(options().withCleanStart(false), again);
                await().atMost(WAIT).until(() -> again.has("connected:"));
                assertThat(again.events).containsExactly("connected:true");
            }
        }

        @Test
        void updateWillReplacesTheWillTransparently() throws Exception {
            broker = Mosquitto.start();
            try (PahoObserver paho = new PahoObserver(broker.uri(), id + "-obs")) {
                paho.subscribe("will/#", 1);
                conn = connect(withWill("will/u", "old"));
                awaitConnected(events);
                conn.subscribe(1, "cmd/#", 1);
                await().atMost(WAIT).until(() -> events.subscribed.containsKey(1L));

                conn.updateWill(Optional.of(new ConnectOptions.Will("will/u", "new".getBytes(UTF_8), 1, false)));
                conn.publish(2, "probe/t", new byte[] {1}, 1, false);
                await().atMost(WAIT).until(() -> events.published.containsKey(2L));
                assertThat(events.published.get(2L)).isEmpty();
                assertThat(conn.counters().willUpdates()).isEqualTo(1);

                // The session (and its subscription) survived the re-connection.
                paho.publish("cmd/x", "still-subscribed", 1);
                await().atMost(WAIT).until(() -> !events.messagesWith("still-subscribed").isEmpty());

                conn.disconnect(true, OptionalLong.of(0)).syncUninterruptibly();
                await().atMost(WAIT).until(() -> paho.texts("will/u").contains("new"));
                paho.publish("will/u", "marker", 1);
                await().atMost(WAIT).until(() -> paho.texts("will/u").contains("marker"));
                assertThat(paho.texts("will/u")).containsExactly("new", "marker");
                assertThat(events.events).containsExactly("connected:false");
            }
        }
    }
}
