package io.sngate.gateway.it;

import static io.sngate.codec.v12.ReturnCode.ACCEPTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PubRel;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.TopicRef;
import io.sngate.codec.v12.Unsubscribe;
import io.sngate.codec.v12.WillMsgUpd;
import io.sngate.codec.v12.WillTopicUpd;
import io.sngate.gateway.Metrics;
import io.sngate.hw.config.GatewaySettings;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Bad input over real UDP: malformed, unknown, oversized and unsolicited packets and floods are
 * counted in the gateway's metrics by reason, are never answered with more bytes than they
 * carried, and do not disturb other clients. Limits of this gateway: 512-byte packets, 20
 * packets per second per address.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BadInputTest {

    static final int MAX_PACKET = 512;
    static final int MAX_RATE = 20;
    static final Duration QUIET = Duration.ofMillis(300);
    static final HexFormat HEX = HexFormat.of();

    TestGateway gw;
    Observer paho;

    @BeforeAll
    void start() throws Exception {
        gw = TestGateway.start(Setup.TRANSPARENT_MOSQUITTO, c -> c
                .with(GatewaySettings.MAX_PACKET_SIZE, MAX_PACKET)
                .with(GatewaySettings.MAX_NEW_PACKETS_PER_SECOND, MAX_RATE)
                .with(GatewaySettings.MAX_SESSION_PACKETS_PER_SECOND, MAX_RATE));
        paho = gw.observer("bad-input-paho");
    }

    @AfterAll
    void stop() throws Exception {
        if (paho != null) {
            paho.close();
        }
        if (gw != null) {
            gw.close();
        }
    }

    static byte[] encode(MqttSn12Message message) {
        return MqttSn12Codec.INSTANCE.encode(message);
    }

    Map<String, Long> metrics() {
        return gw.metrics().snapshot();
    }

    long delta(Map<String, Long> before, String name) {
        return gw.metric(name) - before.getOrDefault(name, 0L);
    }

    @Test
    void malformedDatagramsAreDroppedUnansweredAndCountedByReason() {
        Map<String, List<String>> byReason = new LinkedHashMap<>();
        byReason.put("truncated", List.of(
                "00",                   // one byte: not even a header
                "0204",                 // CONNECT without flags, protocol id, duration
                "031800",               // DISCONNECT with one byte of duration
                "06FE0001"));           // forwarder frame whose node id runs past the end
        byReason.put("length_mismatch", List.of(
                "051661",               // Length 5, 3 bytes came
                "0A04040100",           // CONNECT: Length 10, 5 bytes came
                "04FE00010516"));       // forwarder frame around an inner packet of the wrong length
        byReason.put("reserved_value", List.of(
                "070C0300010000"));     // PUBLISH with topic id type 0b11
        byReason.put("invalid_field", List.of(
                "0004",                 // Length 0
                "01000316"));           // 3-byte length 3, shorter than its own header
        Map<String, Long> before = metrics();
        try (RawUdp device = new RawUdp(gw.udpPort())) {
            byReason.values().forEach(list -> list.forEach(hex -> device.send(HEX.parseHex(hex))));
            byReason.forEach((reason, list) -> await("malformed." + reason).atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(delta(before, Metrics.MALFORMED_PREFIX + reason))
                            .isEqualTo(list.size())));
            assertThat(device.receive(QUIET)).as("malformed input is not answered").isNull();
            // The sender is not shut out: a valid CONNECT from the same socket works.
            device.send(encode(new Connect(false, true, 60, "bad-malformed-then-valid")));
            assertThat(device.expect(Duration.ofSeconds(10), "CONNACK")).containsExactly(0x03, 0x05, 0x00);
            device.send(encode(Disconnect.PLAIN));
            assertThat(device.expect(Duration.ofSeconds(10), "DISCONNECT")).containsExactly(0x02, 0x18);
        }
    }

    @Test
    void unknownAndReservedTypesAreDroppedUnansweredAndCounted() {
        List<String> reservedTypes = List.of("0203", "0211", "0219", "021E", "0280", "02FD", "02FF");
        List<String> notForGateway = List.of(
                "0500010384",           // ADVERTISE from a device
                "030201");              // GWINFO from a device
        Map<String, Long> before = metrics();
        try (RawUdp device = new RawUdp(gw.udpPort())) {
            reservedTypes.forEach(hex -> device.send(HEX.parseHex(hex)));
            notForGateway.forEach(hex -> device.send(HEX.parseHex(hex)));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(delta(before, Metrics.MALFORMED_PREFIX + "unknown_type")).isEqualTo(reservedTypes.size());
                assertThat(delta(before, Metrics.DROPPED_NOT_FOR_GATEWAY)).isEqualTo(notForGateway.size());
            });
            assertThat(device.receive(QUIET)).as("nothing answered").isNull();
        }
    }

    @Test
    void packetsBeforeConnectAreAnsweredWithATwoByteDisconnect() {
        List<MqttSn12Message> beforeConnect = List.of(
                new Register(0, 1, "it/bad/register"),
                new Subscribe(false, QoS.AT_LEAST_ONCE, 2, TopicRef.name("it/bad/subscribe")),
                new Unsubscribe(3, TopicRef.name("it/bad/subscribe")),
                new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, 1, 4, Bytes.utf8("x")),
                new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.NORMAL, 1, 0, Bytes.EMPTY),
                new PubRel(5),
                PingReq.PLAIN,
                PingReq.wake("bad-nobody-of-that-name"),
                new WillTopicUpd(QoS.AT_MOST_ONCE, false, "it/bad/will"),
                new WillMsgUpd(Bytes.utf8("w")),
                Disconnect.sleep(60));
        Map<String, Long> before = metrics();
        try (RawUdp device = new RawUdp(gw.udpPort())) {
            for (MqttSn12Message message : beforeConnect) {
                byte[] request = encode(message);
                device.send(request);
                byte[] answer = device.expect(Duration.ofSeconds(10), "answer to " + message);
                assertThat(answer).as("answer to %s", message).containsExactly(0x02, 0x18);
                assertThat(answer.length).isLessThanOrEqualTo(request.length);
            }
            assertThat(delta(before, Metrics.DROPPED_NO_SESSION)).isEqualTo(beforeConnect.size());
            assertThat(device.receive(QUIET)).isNull();
        }
    }

    @Test
    void oversizedDatagramsAreDroppedAndCountedWhileTheLimitItselfIsAccepted() throws Exception {
        String shortName = "ov";
        paho.subscribe(shortName, 0);
        // QoS -1 PUBLISH of exactly 512 bytes (3-byte length form: 4 + flags + topic + msg id + 503).
        byte[] data = new byte[MAX_PACKET - 9];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        byte[] atLimit = encode(Publish.toShortName(shortName, QoS.MINUS_ONE, false, 0, Bytes.copyOf(data)));
        assertThat(atLimit).hasSize(MAX_PACKET);
        byte[] overLimit = encode(Publish.toShortName(shortName, QoS.MINUS_ONE, false, 0,
                Bytes.copyOf(new byte[data.length + 1])));
        assertThat(overLimit).hasSize(MAX_PACKET + 1);
        Map<String, Long> before = metrics();
        try (RawUdp device = new RawUdp(gw.udpPort())) {
            device.send(overLimit);
            device.send(new byte[4000]);
            device.send(new byte[60_000]);
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(delta(before, Metrics.DROPPED_OVERSIZED)).isEqualTo(3));
            device.send(atLimit);
            assertThat(paho.awaitFirst(shortName).payload()).isEqualTo(data);
            assertThat(paho.on(shortName)).as("only the packet within the limit").hasSize(1);
            assertThat(device.receive(QUIET)).isNull();
        }
    }

    @Test
    void floodFromOneAddressIsCutWhileAnotherClientCarriesOn() throws Exception {
        String t = "it/bad/flood/victim";
        paho.subscribe(t, 1);
        Map<String, Long> before = metrics();
        AtomicBoolean victimDone = new AtomicBoolean();
        AtomicInteger sent = new AtomicInteger();
        // The flooder is another host (127.0.0.2): its packets create no session and use up that
        // host's strict budget, not the one the other tests' devices on 127.0.0.1 connect with.
        try (Device victim = gw.device("bad-flood-victim");
             RawUdp flooder = new RawUdp(gw.udpPort(), InetAddress.getByName("127.0.0.2"))) {
            victim.connected(true, 60);
            int topicId = victim.register(t);
            byte[] ping = encode(PingReq.PLAIN);
            Thread flood = new Thread(() -> {
                // at least 500 packets, and on until the victim is through (bounded)
                while ((sent.get() < 500 || !victimDone.get()) && sent.get() < 5_000) {
                    for (int i = 0; i < 50; i++) {
                        flooder.send(ping);
                    }
                    sent.addAndGet(50);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // pacing, not waiting
                }
            }, "flooder");
            flood.start();
            try {
                for (int i = 0; i < 10; i++) {
                    assertThat(victim.publish1(TopicIdType.NORMAL, topicId, ("during flood " + i).getBytes(), false)
                            .returnCode()).isEqualTo(ACCEPTED);
                }
            } finally {
                victimDone.set(true);
                flood.join();
            }
            for (int i = 0; i < 10; i++) {
                paho.awaitText(t, "during flood " + i);
            }
            // Every flood packet is accounted for: dropped by the flood guard, or let through
            // (no session there: answered with DISCONNECT and counted as such).
            await("all flood packets counted").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                    .until(() -> delta(before, Metrics.DROPPED_FLOOD) + delta(before, Metrics.DROPPED_NO_SESSION)
                            == sent.get());
            long dropped = delta(before, Metrics.DROPPED_FLOOD);
            assertThat(dropped).as("flood packets dropped of %s sent", sent.get()).isPositive();
            assertThat(delta(before, Metrics.DROPPED_NO_SESSION)).as("let through")
                    .isLessThan(dropped);
            victim.send(PingReq.PLAIN);
            victim.expect(io.sngate.codec.v12.PingResp.class);
            victim.disconnect();
        }
    }

    @Test
    void connectBeyondMaxClientsIsRejectedWithCongestion() throws Exception {
        try (TestGateway small = TestGateway.on(gw.ownMosquitto().broker, c -> c.with(GatewaySettings.MAX_CLIENTS, 2));
             Device a = small.device("bad-max-a");
             Device b = small.device("bad-max-b");
             Device c = small.device("bad-max-c")) {
            a.connected(true, 60);
            b.connected(true, 60);
            long refusedBefore = small.metric(Metrics.CONNECT_REFUSED_MAX_CLIENTS);
            assertThat(c.connect(true, 60).returnCode()).isEqualTo(ReturnCode.REJECTED_CONGESTION);
            assertThat(small.metric(Metrics.CONNECT_REFUSED_MAX_CLIENTS)).isEqualTo(refusedBefore + 1);
            // Existing clients carry on; once one leaves, there is room again.
            a.send(PingReq.PLAIN);
            a.next(io.sngate.codec.v12.PingResp.class);
            a.disconnect();
            await("room for a third client").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                    .until(() -> c.connect(true, 60).returnCode() == ACCEPTED);
            c.disconnect();
            b.disconnect();
        }
    }

    @Test
    void clientIdThatIsNotUtf8IsRefused() {
        Map<String, Long> before = metrics();
        try (Device d = gw.device("unused")) {
            d.send(new Connect(false, true, Connect.PROTOCOL_ID, 60, Bytes.fromHex("C328")));
            assertThat(d.next(ConnAck.class).returnCode()).isEqualTo(ReturnCode.REJECTED_NOT_SUPPORTED);
            assertThat(delta(before, Metrics.CONNECT_REFUSED_CLIENT_ID)).isEqualTo(1);
            d.send(new Connect(false, true, 0x02, 60, Bytes.utf8("bad-protocol-id")));
            assertThat(d.next(ConnAck.class).returnCode()).as("protocol id 0x02")
                    .isEqualTo(ReturnCode.REJECTED_NOT_SUPPORTED);
        }
    }
}
