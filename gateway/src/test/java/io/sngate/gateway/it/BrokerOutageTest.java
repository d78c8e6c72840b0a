package io.sngate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.gateway.Metrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import io.sngate.hw.config.GatewayMode;
import io.sngate.hw.config.GatewaySettings;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Fault: mosquitto stops and starts again while ten devices publish QoS 1 through a
 * transparent gateway. The devices use clean session 0, so their broker sessions use Clean
 * Start 0 and survive the restart (mosquitto 2.0 keeps only those). Each device sends one
 * message at a time and resends it (DUP) until it gets its PUBACK, as a real device would.
 * While the broker is down no PUBACK comes; every message a device got a PUBACK for must reach
 * a persistent Paho subscriber, and the gateway must not drop the devices over the short outage.
 * The same holds in aggregating mode, where the ten devices share one upstream connection.
 */
class BrokerOutageTest {

    static final int DEVICES = 10;
    static final int MESSAGES = 30;
    static final Duration DEVICE_RETRY = Duration.ofSeconds(1);

    @ParameterizedTest
    @EnumSource(GatewayMode.class)
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void everyAcknowledgedQos1MessageSurvivesABrokerRestart(GatewayMode mode) throws Exception {
        int upstreamConnections = mode == GatewayMode.TRANSPARENT ? DEVICES : 1;
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger resends = new AtomicInteger();
        List<MqttSn12Message> disconnects = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(DEVICES);
        try (LoggedMosquitto mosquitto = LoggedMosquitto.start();
             TestGateway gw = TestGateway.on(mosquitto.broker, c -> c.with(GatewaySettings.MODE, mode));
             Observer subscriber = Observer.persistent(mosquitto.uri(), "outage-subscriber-" + mode)) {
            subscriber.subscribe("it/outage/#", 1);
            List<Device> devices = new ArrayList<>();
            List<Integer> topicIds = new ArrayList<>();
            for (int i = 0; i < DEVICES; i++) {
                Device d = gw.device("outage-" + mode + "-dev-" + i);
                devices.add(d);
                d.connected(false, 60);
                topicIds.add(d.register("it/outage/dev-" + i));
            }
            long lostBefore = gw.metric(Metrics.CLIENTS_LOST);
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < DEVICES; i++) {
                Device d = devices.get(i);
                int topicId = topicIds.get(i);
                String name = "dev-" + i;
                running.add(pool.submit(() -> {
                    for (int seq = 0; seq < MESSAGES; seq++) {
                        String payload = name + ":" + seq;
                        int msgId = d.nextMsgId();
                        Publish publish = new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, topicId,
                                msgId, Bytes.utf8(payload));
                        d.send(publish);
                        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                        while (true) {
                            Optional<PubAck> ack = d.poll(PubAck.class, a -> a.msgId() == msgId, DEVICE_RETRY);
                            if (ack.isPresent() && ack.get().returnCode() == ReturnCode.ACCEPTED) {
                                acknowledged.add(payload);
                                break;
                            }
                            if (System.nanoTime() > giveUp) {
                                throw new AssertionError(payload + " never acknowledged");
                            }
                            if (ack.isEmpty()) {
                                resends.incrementAndGet();
                                d.send(publish.asDuplicate()); // T_RETRY passed: send it again
                            }
                            // a rejection (congestion) is answered by the retry after T_RETRY
                        }
                    }
                    d.receivedWithin(Duration.ofMillis(1)).stream().filter(m -> m instanceof Disconnect)
                            .forEach(disconnects::add);
                    return null;
                }));
            }

            // Mid-stream: stop the broker, wait until the gateway noticed, start it again.
            await("some messages acknowledged").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
                    .until(() -> acknowledged.size() >= DEVICES * 5);
            long lossesBefore = gw.metric("upstream.connection_lost");
            mosquitto.broker.stop();
            await("the gateway notices the outage").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> gw.metric("upstream.connection_lost") >= lossesBefore + upstreamConnections);
            int acknowledgedAtStop = acknowledged.size();
            // While the broker is away nothing is acknowledged: the devices wait, then resend.
            int resendsBefore = resends.get();
            await("every device resends").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                    .until(() -> resends.get() >= resendsBefore + DEVICES);
            int acknowledgedDuringOutage = acknowledged.size();
            await("every device resends again").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                    .until(() -> resends.get() >= resendsBefore + 2 * DEVICES);
            assertThat(acknowledged).as("PUBACKs while the broker is down").hasSize(acknowledgedDuringOutage);
            mosquitto.broker.startAgain();

            for (Future<?> f : running) {
                f.get(90, TimeUnit.SECONDS);
            }
            assertThat(acknowledged).hasSize(DEVICES * MESSAGES);
            assertThat(acknowledgedAtStop).as("the outage came mid-stream").isLessThan(DEVICES * MESSAGES);

            await("every acknowledged message at the subscriber").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(50))
                    .untilAsserted(() -> assertThat(received(subscriber)).containsAll(acknowledged));
            assertThat(disconnects).as("the gateway did not disconnect devices over the outage").isEmpty();
            assertThat(gw.metric(Metrics.CLIENTS_LOST)).isEqualTo(lostBefore);
            assertThat(gw.metric("upstream.reconnected")).isGreaterThanOrEqualTo(upstreamConnections);
            System.out.printf(mode + " broker outage: %d messages acknowledged, %d at the stop, %d device resends,"
                    + " %d received by Paho (duplicates included)%n", acknowledged.size(), acknowledgedAtStop,
                    resends.get(), subscriber.received.size());
            for (Device d : devices) {
                d.close();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    static Set<String> received(Observer subscriber) {
        return subscriber.received.stream().map(Observer.Message::text).collect(Collectors.toCollection(HashSet::new));
    }
}
