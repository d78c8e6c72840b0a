package io.sngate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.PubComp;
import io.sngate.codec.v12.PubRec;
import io.sngate.codec.v12.PubRel;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.TopicIdType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * QoS 2 exactly once across a crash of the gateway (kill -9), in transparent mode, with 25 ms
 * between the gateway and the broker in each direction so that the crash finds exchanges at
 * every step. Sixty devices with persistent sessions publish QoS 2 and are caught, when the
 * gateway dies, in four places (the crash comes as soon as the broker delivered a message whose
 * device has no PUBREC, which a gateway that completes the broker's exchange first does):
 * <ul>
 * <li>done: PUBREL sent and PUBCOMP received;
 * <li>PUBREL sent, PUBCOMP not received (the PUBREL may or may not have reached the broker);
 * <li>PUBREC received, PUBREL not sent yet;
 * <li>PUBLISH sent, no PUBREC yet (the broker has it, or has answered it).
 * </ul>
 * After a restart each device reconnects (clean session 0) and resumes its exchange as MQTT-SN
 * asks: PUBLISH again with DUP and the same message id, or PUBREL again. The broker must then
 * have delivered every message exactly once: the gateway chains each device exchange to the
 * broker's and uses the device's message id as the packet id, so the broker's session
 * recognises what it already has.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class Qos2AcrossCrashTest {

    static final int DEVICES = 60;
    static final long PROXY_DELAY_MILLIS = 25;
    /** A short topic name: needs no registration, so it means the same after the restart. */
    static final String TOPIC = "xq";
    static final int TOPIC_ID = ('x' << 8) | 'q';

    /** Where one device's exchange stood when the gateway died. */
    static final class Exchange {
        final Device device;
        final int msgId;
        final byte[] payload;
        boolean pubrecReceived;
        boolean pubrelSent;
        boolean pubcompReceived;

        Exchange(Device device, int msgId, byte[] payload) {
            this.device = device;
            this.msgId = msgId;
            this.payload = payload;
        }

        void publish(boolean dup) {
            device.send(new Publish(dup, QoS.EXACTLY_ONCE, false, TopicIdType.SHORT, TOPIC_ID, msgId,
                    Bytes.copyOf(payload)));
        }

        void release() {
            device.send(new PubRel(msgId));
            pubrelSent = true;
        }

        void take(MqttSn12Message packet) {
            if (packet instanceof PubRec rec && rec.msgId() == msgId) {
                pubrecReceived = true;
            } else if (packet instanceof PubComp comp && comp.msgId() == msgId) {
                pubcompReceived = true;
            }
        }

        boolean awaitPubRec(Duration wait) {
            device.poll(PubRec.class, r -> r.msgId() == msgId, wait).ifPresent(this::take);
            return pubrecReceived;
        }
    }

    @Test
    void afterKillDashNineWithExchangesAtEveryStepTheBrokerHasEveryMessageExactlyOnce() throws Exception {
        try (LoggedMosquitto mosquitto = LoggedMosquitto.start();
             Observer watcher = Observer.connect(mosquitto.uri(), "crash-watcher");
             DelayingProxy proxy = DelayingProxy.to(mosquitto.broker.port(), PROXY_DELAY_MILLIS)) {
            watcher.subscribe(TOPIC, 2);
            int port = freeUdpPort();
            List<Exchange> exchanges = new ArrayList<>();
            List<Device> devices = new ArrayList<>();
            try {
                try (GatewayProcess first = start(port, proxy.uri())) {
                    first.awaitReady();
                    for (int i = 0; i < DEVICES; i++) {
                        Device d = new Device(port, "crash-" + i);
                        devices.add(d);
                        d.connected(false, 60);
                        exchanges.add(new Exchange(d, d.nextMsgId() + 100 * i,
                                ("message " + i).getBytes(StandardCharsets.UTF_8)));
                    }
                    List<Exchange> done = exchanges.subList(0, 8);
                    List<Exchange> releasing = exchanges.subList(8, 16);
                    List<Exchange> received = exchanges.subList(16, 32);
                    List<Exchange> early = exchanges.subList(32, 52);
                    List<Exchange> late = exchanges.subList(52, 60);

                    exchanges.subList(0, 32).forEach(e -> e.publish(false));
                    for (Exchange e : exchanges.subList(0, 32)) {
                        assertThat(e.awaitPubRec(Device.WAIT)).as("PUBREC for %s", e.device.clientId).isTrue();
                    }
                    early.forEach(e -> e.publish(false));
                    done.forEach(Exchange::release);
                    for (Exchange e : done) {
                        e.take(e.device.expect(PubComp.class, c -> c.msgId() == e.msgId, "PUBCOMP " + e.msgId));
                    }
                    // The crash comes when the broker has delivered one of the early messages (a
                    // gateway that completes the broker's exchange before the device's) or, when it
                    // waits for the devices, once they all have their PUBREC.
                    List<String> earlyTexts = early.stream()
                            .map(e -> new String(e.payload, StandardCharsets.UTF_8)).toList();
                    await("an early message at the broker, or every early PUBREC").atMost(Device.WAIT)
                            .pollInterval(Duration.ofMillis(1))
                            .until(() -> watcher.texts(TOPIC).stream().anyMatch(earlyTexts::contains)
                                    || early.stream().allMatch(e -> e.awaitPubRec(Duration.ofMillis(5))));
                    late.forEach(e -> e.publish(false));
                    releasing.forEach(Exchange::release);
                    first.kill();
                    assertThat(received).allMatch(e -> e.pubrecReceived && !e.pubrelSent);
                }
                // Whatever the dead gateway still sent is in the devices' sockets.
                for (Exchange e : exchanges) {
                    e.device.receivedWithin(Duration.ofMillis(50)).forEach(e::take);
                }

                try (GatewayProcess second = start(port, proxy.uri())) {
                    second.awaitReady();
                    for (Exchange e : exchanges) {
                        e.device.connected(false, 60);
                        resume(e);
                    }
                    for (Exchange e : exchanges) {
                        if (!e.pubcompReceived) {
                            e.take(e.device.expect(PubComp.class, c -> c.msgId() == e.msgId, "PUBCOMP " + e.msgId));
                        }
                    }
                    assertThat(exchanges).allMatch(e -> e.pubcompReceived);
                }
            } finally {
                for (Device d : devices) {
                    d.close();
                }
            }

            await("every message at the broker, and no more").during(Duration.ofSeconds(1))
                    .atMost(Duration.ofSeconds(15))
                    .until(() -> watcher.on(TOPIC).size() >= DEVICES);
            Map<String, Long> copies = watcher.texts(TOPIC).stream()
                    .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
            assertThat(copies).as("copies of each message at the broker").hasSize(DEVICES)
                    .allSatisfy((text, count) -> assertThat(count).as(text).isEqualTo(1L));
        }
    }

    /** What a device does after it reconnected: the exchange goes on where it stopped. */
    private static void resume(Exchange e) {
        if (e.pubcompReceived) {
            return;
        }
        if (e.pubrecReceived) {
            e.release();
            return;
        }
        e.publish(true);
        e.take(e.device.expect(PubRec.class, r -> r.msgId() == e.msgId, "PUBREC " + e.msgId));
        e.release();
    }

    private static GatewayProcess start(int port, String broker) {
        return GatewayProcess.start(List.of("--port", String.valueOf(port), "--broker", broker, "--advertise", "0"));
    }

    private static int freeUdpPort() {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
