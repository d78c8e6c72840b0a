package io.sngate.gateway.upstream;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.sngate.gateway.session.DeliveryFailure;
import io.sngate.gateway.testing.Mosquitto;
import io.sngate.hw.ReconnectBackoff;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Topics a real mosquitto refuses, published through {@link MqttConnection} past its own topic
 * check (as if a name had slipped through every validation): the publish fails once with
 * REFUSED, the connection count stays small, and the connection goes on working.
 *
 * <p>What mosquitto 2.0.11 (Debian 12) does, measured with a raw MQTT 5 socket client before
 * these tests were written: a QoS 1 PUBLISH whose topic is well-formed UTF-8 but holds a
 * character mosquitto does not accept in a topic (U+FFFF, bytes EF BF BF; the controls U+0001
 * and U+007F) gets no PUBACK: mosquitto sends DISCONNECT 0x81 (malformed packet), closes the
 * connection (FIN) and logs "Client ... disconnected due to malformed packet". When more of the
 * client's packets follow the bad one in the same read, mosquitto closes with them unread, so the
 * kernel answers with a TCP reset, and a client that had not yet read the DISCONNECT loses it: the
 * raw client saw the PUBACK of the packet before the bad one, then only the reset. (The Netty
 * client usually reads the DISCONNECT first; the test with three publishes in one write bounds
 * the connections for either way.)
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MqttConnectionRefusedTopicTest {

    static final ReconnectBackoff FAST = new ReconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(250), 0.2,
            new Random(42));
    static final Duration WAIT = Duration.ofSeconds(10);
    /**
     * How long the connection count is watched for a reconnection storm: with FAST's backoff
     * (at most 250 ms) a storm would make eight or more attempts in that time.
     */
    static final Duration WATCH = Duration.ofSeconds(2);

    static EventLoopGroup group;
    EventLoop loop;
    Mosquitto broker;
    String id;
    RecordingListener events;
    MqttConnection conn;

    @BeforeAll
    static void startLoops() {
        group = new NioEventLoopGroup(1);
    }

    @AfterAll
    static void stopLoops() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @BeforeEach
    void setUp(TestInfo info) {
        loop = group.next();
        id = "gw-refused-" + info.getTestMethod().orElseThrow().getName();
        events = new RecordingListener(loop);
        broker = Mosquitto.start();
    }

    @AfterEach
    void tearDown() {
        if (conn != null) {
            conn.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        broker.close();
        assertThat(events.offLoopCalls).as("listener calls off the event loop").isEmpty();
        assertThat(events.duplicateCompletions).as("tokens completed twice").isEmpty();
    }

    void connect() {
        conn = MqttConnection.builder(loop, broker.host(), broker.port(),
                ConnectOptions.of(id).withKeepAliveSeconds(10).withSessionExpirySeconds(300), events)
                .backoff(FAST).build();
        conn.connect();
        await().atMost(WAIT).until(() -> events.has("connected:") || events.has("connectFailed:"));
        assertThat(events.events).containsExactly("connected:false");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\uFFFF/x", "dev/\u0001/x", "dev/\u007F"})
    void aRefusedTopicFailsOnceAndTheConnectionGoesOn(String topic) throws Exception {
        try (PahoObserver paho = new PahoObserver(broker.uri(), id + "-obs")) {
            paho.subscribe("ok/#", 1);
            connect();
            conn.publishUncheckedForTest(1, topic, "refused".getBytes(UTF_8), 1, false);
            await().atMost(WAIT).until(() -> events.published.containsKey(1L));
            assertThat(events.published.get(1L)).contains(DeliveryFailure.REFUSED);
            assertThat(conn.counters().disconnectCulprits()).isEqualTo(1);

            // First connection, the one where the suspect went alone, and the one after it.
            await().during(WATCH).atMost(WATCH.plusSeconds(5)).until(() -> conn.counters().connectAttempts() <= 3);
            assertThat(conn.counters().connectionsLost()).isEqualTo(2);

            conn.publish(2, "ok/after", "fine".getBytes(UTF_8), 1, false);
            await().atMost(WAIT).until(() -> events.published.containsKey(2L));
            assertThat(events.published.get(2L)).isEmpty();
            await().atMost(WAIT).until(() -> paho.texts("ok/after").contains("fine"));
            assertThat(conn.counters().connectAttempts()).isLessThanOrEqualTo(3);
            assertThat(conn.counters().refusedByBroker()).isEqualTo(1);
        }
    }

    @Test
    void aRefusedTopicAmongGoodPublishesFailsAloneAndTheOthersArrive() throws Exception {
        try (PahoObserver paho = new PahoObserver(broker.uri(), id + "-obs")) {
            paho.subscribe("good/#", 1);
            connect();
            // In one loop task, so that the three leave in one TCP write and mosquitto finds the
            // third unread when it closes: the reset path.
            loop.execute(() -> {
                conn.publish(1, "good/1", "one".getBytes(UTF_8), 1, false);
                conn.publishUncheckedForTest(2, "\uFFFF/x", "refused".getBytes(UTF_8), 1, false);
                conn.publish(3, "good/3", "three".getBytes(UTF_8), 1, false);
            });

            await().atMost(WAIT).until(() -> events.published.size() == 3);
            assertThat(events.published).containsEntry(1L, Optional.empty())
                    .containsEntry(2L, Optional.of(DeliveryFailure.REFUSED))
                    .containsEntry(3L, Optional.empty());
            await().atMost(WAIT).until(() -> paho.texts("good/1").contains("one")
                    && paho.texts("good/3").contains("three"));

            // At worst: a reset, the same again, the suspect alone refused, and the one after.
            await().during(WATCH).atMost(WATCH.plusSeconds(5)).until(() -> conn.counters().connectAttempts() <= 4);
            assertThat(conn.counters().disconnectCulprits()).isEqualTo(1);
            assertThat(paho.texts("good/1")).as("QoS 1: at least once").isNotEmpty().containsOnly("one");
        }
    }
}
