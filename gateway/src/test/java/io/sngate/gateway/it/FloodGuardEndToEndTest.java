package io.sngate.gateway.it;

import static io.sngate.codec.v12.ReturnCode.ACCEPTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.gateway.Metrics;
import io.sngate.hw.config.GatewaySettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The flood guard's two budgets in a real gateway with its default settings, on mosquitto: a
 * SEARCHGW burst from many ports of one host is held to the strict per-IP budget, and the drops
 * are counted, while a device with a session on the same host carries on within its own budget.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FloodGuardEndToEndTest extends OneGatewayPerClass {

    static final int SEARCHES = 3_000;
    static final int SOCKETS = 16;
    /** The strict budget the gateway runs with: the default, not tweaked here. */
    static final int STRICT_BUDGET = GatewaySettings.MAX_NEW_PACKETS_PER_SECOND.defaultValue();
    static final byte[] SEARCHGW = {0x03, 0x01, 0x00};
    static final int MIN_DEVICE_PUBLISHES = 10;

    @Override
    String observerId() {
        return "flood-e2e-paho";
    }

    long delta(Map<String, Long> before, String name) {
        return gw.metric(name) - before.getOrDefault(name, 0L);
    }

    @Test
    void searchgwBurstFromSixteenPortsOfOneHostIsHeldToTheStrictBudgetWhileASessionCarriesOn() throws Exception {
        String topic = "it/flood/e2e/session";
        paho.subscribe(topic, 1);
        try (Device device = gw.device("flood-e2e-device"); Burst burst = new Burst(gw.udpPort(), SOCKETS)) {
            device.connected(true, 60);
            int topicId = device.register(topic);

            // The device publishes QoS 1, one in flight, from before the burst until a publish it
            // sent after the burst is acknowledged: the gateway reads its datagrams in order, so by
            // then it has answered or dropped every SEARCHGW that reached it.
            AtomicBoolean burstSent = new AtomicBoolean();
            AtomicInteger published = new AtomicInteger();
            AtomicLong processedBy = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<PubAck> acks = new ArrayList<>();
            // The gateway counts a packet sent after handing it to the socket: wait until CONNACK and
            // REGACK are counted, so the baseline holds none of the device's traffic half-counted.
            await("the gateway answered all it received").atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> gw.metric(Metrics.SENT_PACKETS) == gw.metric(Metrics.RECEIVED_PACKETS));
            Map<String, Long> before = gw.metrics().snapshot();
            Thread publisher = new Thread(() -> {
                try {
                    while (true) {
                        boolean afterBurst = burstSent.get();
                        int n = published.get();
                        acks.add(device.publish1(TopicIdType.NORMAL, topicId, ("m" + n).getBytes(), false));
                        published.incrementAndGet();
                        if (afterBurst && n + 1 >= MIN_DEVICE_PUBLISHES) {
                            processedBy.set(System.nanoTime());
                            return;
                        }
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "flood-e2e-publisher");
            publisher.start();
            await("the device publishes before the burst").atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(5)).until(() -> published.get() > 0 || failure.get() != null);

            long start = System.nanoTime();
            burst.send(SEARCHGW, SEARCHES);
            burstSent.set(true);
            publisher.join(TimeUnit.SECONDS.toMillis(60));
            assertThat(publisher.isAlive()).as("publisher finished").isFalse();
            assertThat(failure.get()).as("the device's QoS 1 flow during the burst").isNull();
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(processedBy.get() - start);

            // Every SEARCHGW that reached the gateway ended as a GWINFO or a strict-budget drop;
            // the device's packets are known (one PUBLISH in, one PUBACK out, each). Exact, whatever
            // the kernel may have dropped on the way in.
            await("the burst accounted for").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(10))
                    .untilAsserted(() -> {
                        burst.drain();
                        long arrived = delta(before, Metrics.RECEIVED_PACKETS) - published.get();
                        long gwinfoSent = delta(before, Metrics.SENT_PACKETS) - published.get();
                        assertThat(burst.answers()).as("GWINFOs received = sent").isEqualTo(gwinfoSent);
                        assertThat(delta(before, Metrics.DROPPED_FLOOD_NEW) + gwinfoSent)
                                .as("SEARCHGWs that reached the gateway (%s sent): answered + dropped", SEARCHES)
                                .isEqualTo(arrived);
                    });
            long arrived = delta(before, Metrics.RECEIVED_PACKETS) - published.get();
            long answered = burst.answers();
            long windows = elapsedMillis / 1000 + 1;
            long bound = STRICT_BUDGET * (windows + 1);
            assertThat(arrived).as("SEARCHGWs that reached the gateway").isBetween(1L, (long) SEARCHES);
            assertThat(burst.others()).as("datagrams other than GWINFO").isZero();
            assertThat(answered).as("GWINFOs for a burst over %s ms (%s one-second windows + 1 of slack)",
                    elapsedMillis, windows).isLessThanOrEqualTo(bound);
            // The device's CONNECT (before the burst, from the same host) may fall in the burst's
            // first one-second window and take one unit of that window's strict budget.
            assertThat(answered).as("the budget is given, not withheld").isGreaterThanOrEqualTo(
                    Math.min(arrived, STRICT_BUDGET - 1));
            assertThat(delta(before, Metrics.DROPPED_FLOOD_NEW)).as("strict drops").isEqualTo(arrived - answered);
            assertThat(delta(before, Metrics.DROPPED_FLOOD)).as("all flood drops are strict ones")
                    .isEqualTo(delta(before, Metrics.DROPPED_FLOOD_NEW));
            assertThat(delta(before, Metrics.DROPPED_FLOOD_SESSION)).isZero();
            assertThat(burst.portsAnswered()).as("ports that got a GWINFO").isPositive();

            // The device: every publish acknowledged, accepted, and at the broker.
            assertThat(acks).hasSize(published.get()).allSatisfy(a -> assertThat(a.returnCode()).isEqualTo(ACCEPTED));
            assertThat(paho.awaitCount(topic, published.get())).hasSize(published.get());
            device.disconnect();
        }
    }

    /** {@code sockets} non-blocking UDP sockets of 127.0.0.1 that send round-robin and count GWINFOs back. */
    static final class Burst implements AutoCloseable {

        private final InetSocketAddress gateway;
        private final List<DatagramChannel> channels = new ArrayList<>();
        private final int[] answersPerChannel;
        private final ByteBuffer in = ByteBuffer.allocate(65_536);
        private long answers;
        private long others;

        Burst(int gatewayPort, int sockets) throws IOException {
            InetAddress loopback = InetAddress.getLoopbackAddress();
            gateway = new InetSocketAddress(loopback, gatewayPort);
            answersPerChannel = new int[sockets];
            for (int i = 0; i < sockets; i++) {
                DatagramChannel channel = DatagramChannel.open();
                channel.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
                channel.bind(new InetSocketAddress(loopback, 0));
                channel.configureBlocking(false);
                channels.add(channel);
            }
        }

        /** Sends {@code count} copies of {@code datagram} round-robin, as fast as the sockets take them. */
        void send(byte[] datagram, int count) throws IOException {
            for (int i = 0; i < count; i++) {
                DatagramChannel channel = channels.get(i % channels.size());
                while (channel.send(ByteBuffer.wrap(datagram), gateway) == 0) {
                    drain(); // the send buffer is full: read what came back meanwhile, then again
                }
                if (i % channels.size() == channels.size() - 1) {
                    drain();
                }
            }
        }

        /** Reads every datagram waiting on the sockets. */
        synchronized void drain() throws IOException {
            for (int i = 0; i < channels.size(); i++) {
                while (true) {
                    in.clear();
                    if (channels.get(i).receive(in) == null) {
                        break;
                    }
                    in.flip();
                    if (in.remaining() == 3 && in.get(0) == 0x03 && in.get(1) == 0x02) {
                        answers++;
                        answersPerChannel[i]++;
                    } else {
                        others++;
                    }
                }
            }
        }

        synchronized long answers() {
            return answers;
        }

        synchronized long others() {
            return others;
        }

        synchronized long portsAnswered() {
            long ports = 0;
            for (int n : answersPerChannel) {
                ports += n > 0 ? 1 : 0;
            }
            return ports;
        }

        @Override
        public void close() throws IOException {
            for (DatagramChannel channel : channels) {
                channel.close();
            }
        }
    }
}
