package io.sngate.gateway.it;

import static io.sngate.codec.v12.ReturnCode.ACCEPTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.codec.DecodeException;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PingResp;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.SubAck;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.TopicRef;
import io.sngate.gateway.Metrics;
import io.sngate.gateway.session.ClientSession;
import io.sngate.hw.config.GatewaySettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Attacks on sessions over real UDP against a transparent gateway and mosquitto, each shown to
 * be defeated while the victim keeps its session and its messages: takeover by PINGREQ, waking
 * from a new address (allowed, behind a REGISTER challenge), takeover by CONNECT (MQTT's normal
 * takeover), one session per address, exhausting the session table, a duplicated CONNECT, and
 * reflection to a forged source address.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SessionSafetyTest extends OneGatewayPerClass {

    /** How long "no answer" is watched for. */
    static final Duration QUIET = Duration.ofMillis(500);

    @Override
    String observerId() {
        return "safety-paho";
    }

    static byte[] encode(MqttSn12Message message) {
        return MqttSn12Codec.INSTANCE.encode(message);
    }

    static MqttSn12Message decode(byte[] packet) {
        try {
            return MqttSn12Codec.INSTANCE.decode(packet);
        } catch (DecodeException e) {
            throw new AssertionError("gateway sent a malformed packet: " + e.getMessage(), e);
        }
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static long delta(TestGateway g, Map<String, Long> before, String name) {
        return g.metric(name) - before.getOrDefault(name, 0L);
    }

    long delta(Map<String, Long> before, String name) {
        return delta(gw, before, name);
    }

    static String session(String counter) {
        return Metrics.SESSION_PREFIX + counter;
    }

    // ================================================================== 1. takeover by PINGREQ

    @Test
    void pingreqNamingAnActiveClientFromAnotherAddressIsNotAnsweredAndTheVictimKeepsItsSession() throws Exception {
        String t = "safety/ping-takeover";
        Map<String, Long> before = gw.metrics().snapshot();
        try (Device victim = gw.device("safety-ping-victim"); RawUdp attacker = new RawUdp(gw.udpPort())) {
            victim.connected(true, 60);
            assertThat(victim.subscribe(t, QoS.AT_LEAST_ONCE).returnCode()).isEqualTo(ACCEPTED);

            attacker.send(encode(PingReq.wake(victim.clientId)));
            assertThat(attacker.receive(QUIET)).as("answer to the attacker's PINGREQ").isNull();
            await("takeover.refused counted").atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(delta(before, Metrics.TAKEOVER_REFUSED)).isEqualTo(1));
            assertThat(delta(before, Metrics.TAKEOVER_ALLOWED)).isZero();

            // The session stayed at A: a broker message reaches the victim there, not the attacker.
            paho.publish(t, "still the victim's", 1);
            Publish got = victim.receive();
            assertThat(victim.topicOf(got)).isEqualTo(t);
            assertThat(got.data().utf8()).isEqualTo("still the victim's");
            victim.send(PingReq.PLAIN);
            assertThat(victim.next()).as("answer to the victim's own PINGREQ").isInstanceOf(PingResp.class);
            assertThat(attacker.receive(Duration.ofMillis(100))).as("anything at the attacker").isNull();
            victim.disconnect();
        }
    }

    // ================================================================== 2. waking from a new address

    @Test
    void aSleepingClientWakesFromANewAddressAndGetsItsBufferedMessageThere() throws Exception {
        String t = "safety/wake/new-address";
        String id = "safety-wake";
        Map<String, Long> before = gw.metrics().snapshot();
        try (Device asleep = gw.device(id)) {
            asleep.connected(false, 60);
            int topicId = asleep.subscribe(t, QoS.AT_LEAST_ONCE).topicId();
            assertThat(topicId).isNotZero();
            // The device shows at its first address that it receives there (its PUBACK answers a
            // message id the gateway chose).
            paho.publish(t, "before sleeping", 1);
            assertThat(asleep.receive().data().utf8()).isEqualTo("before sleeping");
            asleep.sleep(30);

            paho.publish(t, "buffered while asleep", 1);
            // The broker has handed it to the device's connection (mosquitto logs that line by
            // line): the second PUBLISH to this client.
            String sending = "Sending PUBLISH to " + id + " ";
            await("mosquitto sends the message to " + id).atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> gw.ownMosquitto().log().split(sending, -1).length - 1 >= 2);

            try (Device woken = gw.device(id)) { // the same device, from a new UDP port (a NAT rebinding)
                woken.topicIds.putAll(asleep.topicIds);
                List<MqttSn12Message> seen = new ArrayList<>();
                List<Publish> got = new ArrayList<>();
                // Woken until the buffered message came (the first wake-up has it unless the
                // gateway's upstream read lagged behind mosquitto's log line).
                await("the buffered message at the new address").atMost(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofMillis(50)).until(() -> {
                            woken.send(PingReq.wake(id));
                            while (true) {
                                MqttSn12Message m = woken.next();
                                seen.add(m);
                                if (m instanceof PingResp) {
                                    return !got.isEmpty();
                                } else if (m instanceof Register register) {
                                    woken.acceptRegister(register);
                                } else if (m instanceof Publish publish) {
                                    woken.acknowledge(publish);
                                    got.add(publish);
                                } else {
                                    throw new AssertionError("unexpected while awake: " + m);
                                }
                            }
                        });
                assertThat(got).hasSize(1);
                assertThat(woken.topicOf(got.get(0))).isEqualTo(t);
                assertThat(got.get(0).data().utf8()).isEqualTo("buffered while asleep");
                // The device knows the topic id (persistent session): a QoS 1 delivery needs no
                // REGISTER, and its PUBACK (to a message id drawn afresh for the new address)
                // shows that the new address receives.
                assertThat(indexOf(seen, Register.class)).as("no REGISTER in %s", seen).isNegative();
                assertThat(got.get(0).topicId()).isEqualTo(topicId);
                assertThat(delta(before, Metrics.TAKEOVER_ALLOWED)).isEqualTo(1);
                assertThat(delta(before, Metrics.TAKEOVER_REFUSED)).isZero();
                assertThat(asleep.receivedWithin(Duration.ofMillis(100))).as("at the old address").isEmpty();
                woken.send(Disconnect.PLAIN);
                woken.expect(Disconnect.class);
            }
        }
    }

    private static int indexOf(List<MqttSn12Message> messages, Class<?> type) {
        for (int i = 0; i < messages.size(); i++) {
            if (type.isInstance(messages.get(i))) {
                return i;
            }
        }
        return -1;
    }

    // ================================================================== 3. takeover by CONNECT

    @Test
    void connectFromAnotherPortTakesTheSessionOverAndTheOldAddressGetsNothingMore() throws Exception {
        String t = "safety/connect-takeover";
        String id = "safety-connect-takeover";
        Map<String, Long> before = gw.metrics().snapshot();
        try (Device first = gw.device(id); Device second = gw.device(id)) {
            first.connected(false, 60);
            assertThat(first.subscribe(t, QoS.AT_LEAST_ONCE).returnCode()).isEqualTo(ACCEPTED);

            second.topicIds.putAll(first.topicIds); // the same device: it knows its topic ids
            second.connected(false, 60); // the same client id from another port: MQTT's takeover
            assertThat(delta(before, Metrics.TAKEOVER_ALLOWED)).isEqualTo(1);
            assertThat(delta(before, Metrics.TAKEOVER_REFUSED)).isZero();

            paho.publish(t, "to the new address", 1);
            Publish got = second.receive();
            assertThat(second.topicOf(got)).isEqualTo(t);
            assertThat(got.data().utf8()).isEqualTo("to the new address");
            assertThat(first.receivedWithin(QUIET)).as("at the old address").isEmpty();

            // The old address holds no session any more.
            long noSession = gw.metric(Metrics.DROPPED_NO_SESSION);
            first.send(PingReq.PLAIN);
            assertThat(first.next()).isEqualTo(Disconnect.PLAIN);
            assertThat(gw.metric(Metrics.DROPPED_NO_SESSION)).isEqualTo(noSession + 1);
            second.send(PingReq.PLAIN);
            second.next(PingResp.class);
            second.disconnect();
        }
    }

    // ================================================================== 4. one session per address

    @Test
    void aConnectWithAnotherClientIdFromTheSameAddressDetachesTheSessionThatHeldIt() throws Exception {
        String forX = "safety/address/x";
        String forY = "safety/address/y";
        Map<String, Long> before = gw.metrics().snapshot();
        try (Device a = gw.device("safety-address-x")) {
            a.connected(true, 60);
            assertThat(a.subscribe(forX, QoS.AT_LEAST_ONCE).returnCode()).isEqualTo(ACCEPTED);

            a.send(new Connect(false, true, 60, "safety-address-y")); // another client id, same socket
            assertThat(a.next(ConnAck.class).returnCode()).isEqualTo(ACCEPTED);
            assertThat(delta(before, Metrics.ADDRESS_REUSED)).isEqualTo(1);
            await("X's session ends as a lost one").atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(delta(before, Metrics.CLIENTS_LOST)).isEqualTo(1));
            assertThat(a.subscribe(forY, QoS.AT_LEAST_ONCE).returnCode()).isEqualTo(ACCEPTED);

            paho.publish(forX, "for X", 1);
            paho.publish(forY, "for Y", 1);
            Publish got = a.receive();
            assertThat(a.topicOf(got)).as("Y's subscription only").isEqualTo(forY);
            assertThat(got.data().utf8()).isEqualTo("for Y");
            assertThat(a.receivedWithin(QUIET)).as("X's message at A").isEmpty();
            a.disconnect();
        }
    }

    // ================================================================== 5. table exhaustion

    @Test
    void aFloodOfConnectsNeverHoldsMoreThanMaxClientsAndEveryFloodSessionEndsWithinTheKeepAliveCap()
            throws Exception {
        int maxClients = 300;
        int maxKeepAlive = 2;
        double factor = 1.5; // TestGateway's timers.keep-alive-factor
        int flood = 3_000;
        int batch = 100;
        try (TestGateway small = TestGateway.on(gw.ownMosquitto().broker, c -> c
                .with(GatewaySettings.MAX_CLIENTS, maxClients)
                .with(GatewaySettings.MAX_KEEP_ALIVE, maxKeepAlive))) {
            long heapBefore = usedHeapAfterGc();
            Map<String, Long> before = small.metrics().snapshot();
            int[] most = {0};
            Runnable sample = () -> most[0] = Math.max(most[0], small.sessionCount());
            List<RawUdp> sockets = new ArrayList<>(flood);
            try {
                // One CONNECT per socket: an address holds one session, so every one of them could.
                // Keep-alive 0 (none) and 65535 are both supervised at the 2 s cap: a flood session
                // ends 3 s after its CONNACK at the earliest, so the table stays full for the probe.
                int[] keepAlives = {0, 65_535};
                for (int i = 0; i < flood; i++) {
                    RawUdp socket = new RawUdp(small.udpPort());
                    sockets.add(socket);
                    socket.send(encode(new Connect(false, false, keepAlives[i % keepAlives.length], "flood-" + i)));
                    if (i % batch == batch - 1) {
                        sample.run();
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // pacing, not waiting
                    }
                    if (i == maxClients + batch) {
                        // (a) while flooded and the table is full, a newcomer is not let in:
                        // CONNACK 0x01 (congestion), or dropped by the flood guard.
                        await("the table fills").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                                .until(() -> {
                                    sample.run();
                                    return small.sessionCount() == maxClients;
                                });
                        long floodDropped = small.metric(Metrics.DROPPED_FLOOD_NEW);
                        try (RawUdp newcomer = new RawUdp(small.udpPort())) {
                            newcomer.send(encode(new Connect(false, true, 60, "safety-newcomer-while-flooded")));
                            byte[] answer = newcomer.receive(Duration.ofSeconds(1));
                            if (answer == null) {
                                assertThat(small.metric(Metrics.DROPPED_FLOOD_NEW)).as("newcomer flood-dropped")
                                        .isGreaterThan(floodDropped);
                            } else {
                                assertThat(decode(answer)).as("answer to the newcomer")
                                        .isEqualTo(new ConnAck(ReturnCode.REJECTED_CONGESTION));
                            }
                        }
                    }
                }
                sample.run();
                long floodEnded = System.nanoTime();
                assertThat(delta(small, before, Metrics.CONNECT_REFUSED_MAX_CLIENTS)).as("refused: table full")
                        .isPositive();

                // (b) every flood session ends within the keep-alive cap x factor (+ slack).
                Duration bound = Duration.ofMillis((long) (maxKeepAlive * factor * 1000) + 5_000);
                await("every flood session gone").atMost(bound).pollInterval(Duration.ofMillis(10))
                        .until(() -> {
                            sample.run();
                            return small.sessionCount() == 0;
                        });
                long drainedMillis = (System.nanoTime() - floodEnded) / 1_000_000;
                assertThat(most[0]).as("sessions at most").isLessThanOrEqualTo(maxClients);
                assertThat(small.sessionsPerSource()).as("per-source session counts").isEmpty();
                System.out.printf("table exhaustion: %d CONNECTs from %d ports; sessions at most %d of %d; "
                                + "refused (max clients) %d, flood-dropped %d, lost %d; all gone %d ms after it%n",
                        flood, flood, most[0], maxClients, delta(small, before, Metrics.CONNECT_REFUSED_MAX_CLIENTS),
                        delta(small, before, Metrics.DROPPED_FLOOD_NEW), delta(small, before, Metrics.CLIENTS_LOST),
                        drainedMillis);
            } finally {
                sockets.forEach(RawUdp::close);
            }

            // A fresh device is served.
            String t = "safety/after-flood";
            paho.subscribe(t, 1);
            try (Device fresh = small.device("safety-after-flood")) {
                fresh.connected(true, 60);
                int topicId = fresh.register(t);
                assertThat(fresh.publish1(TopicIdType.NORMAL, topicId, bytes("served after the flood"), false)
                        .returnCode()).isEqualTo(ACCEPTED);
                paho.awaitText(t, "served after the flood");
                fresh.disconnect();
            }

            long heapAfter = usedHeapAfterGc();
            System.out.printf("table exhaustion: used heap %d MB before, %d MB after%n",
                    heapBefore >> 20, heapAfter >> 20);
            assertThat(heapAfter - heapBefore).as("heap growth in bytes").isLessThan(32L << 20);
        }
    }

    private static long usedHeapAfterGc() {
        Runtime runtime = Runtime.getRuntime();
        System.gc();
        return runtime.totalMemory() - runtime.freeMemory();
    }

    // ================================================================== 6. duplicated CONNECT

    @Test
    void aCopyOfTheConnectWithinTRetryIsAnsweredAgainAndTheSessionKeepsItsSubscriptionAndTopicIds()
            throws Exception {
        String sub = "safety/dup-connect/sub";
        String pub = "safety/dup-connect/pub";
        paho.subscribe(pub, 1);
        Map<String, Long> before = gw.metrics().snapshot();
        try (Device d = gw.device("safety-dup-connect")) {
            byte[] connect = encode(new Connect(false, true, 60, d.clientId));
            d.sendRaw(connect);
            assertThat(d.next(ConnAck.class).returnCode()).isEqualTo(ACCEPTED);
            int pubId = d.register(pub);
            assertThat(d.subscribe(sub, QoS.AT_LEAST_ONCE).returnCode()).isEqualTo(ACCEPTED);

            d.sendRaw(connect); // the same bytes again: the link lost our CONNACK (T_RETRY is 1 s)
            assertThat(d.next(ConnAck.class).returnCode()).as("second CONNACK").isEqualTo(ACCEPTED);
            assertThat(delta(before, session(ClientSession.Counters.CONNECT_RETRANSMISSION))).isEqualTo(1);

            assertThat(d.publish1(TopicIdType.NORMAL, pubId, bytes("on the registered id"), false).returnCode())
                    .as("PUBACK on the id registered before the copy").isEqualTo(ACCEPTED);
            paho.awaitText(pub, "on the registered id");
            paho.publish(sub, "subscription kept", 1);
            Publish got = d.receive();
            assertThat(d.topicOf(got)).isEqualTo(sub);
            assertThat(got.data().utf8()).isEqualTo("subscription kept");
            d.disconnect();
        }
    }

    // ================================================================== 7. reflection bound

    @Test
    void aForgedSourceGetsLessThanThreeTimesTheBytesItSentWhileAnHonestDeviceGetsEveryMessage() throws Exception {
        int messages = 200;
        byte[] payload = new byte[100];
        // The example: 34 bytes of CONNECT and SUBSCRIBE; and one with a longer topic,
        // whose REGISTER retries outgrow limits.unproven-send-bytes (64).
        Victim small = new Victim("refl-v", "safety/reflect/v1");
        Victim large = new Victim("refl-w", "safety/reflect/a-longer-topic-name-here-42");
        assertThat(small.sent).isEqualTo(34);
        assertThat(large.topic).hasSize(42); // REGISTER of 48 bytes: no resend fits in what is left of 64
        Map<String, Long> before = gw.metrics().snapshot();
        try {
            small.connectAndSubscribe();
            large.connectAndSubscribe();
            for (int i = 0; i < messages; i++) {
                paho.publish(small.topic, payload, 0, false);
                paho.publish(large.topic, payload, 0, false);
            }
            // Everything that reaches the victims for longer than T_RETRY x (N_RETRY + 1) = 3 s.
            long until = System.nanoTime() + Duration.ofMillis(4_500).toNanos();
            small.collectUntil(until);
            large.collectUntil(until);
            // What is true by design: no answer to the REGISTER challenge, so after N_RETRY
            // resends both sessions are lost (and anything that came after is counted too).
            await("both forged sessions lost").atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(delta(before, Metrics.CLIENTS_LOST)).isEqualTo(2));
            long quiet = System.nanoTime() + QUIET.toNanos();
            small.collectUntil(quiet);
            large.collectUntil(quiet);
        } finally {
            small.socket.close();
            large.socket.close();
        }
        for (Victim v : List.of(small, large)) {
            double factor = (double) v.received / v.sent;
            System.out.printf("reflection: %d bytes of CONNECT+SUBSCRIBE (topic of %d bytes) brought %d bytes back"
                            + " in %d packets %s: factor %.2f%n", v.sent, v.topic.length(), v.received,
                    v.packets.size(), v.packets.stream().map(MqttSn12Message::typeName).toList(), factor);
            assertThat(factor).as("amplification for a topic of %d bytes", v.topic.length()).isLessThan(3.0);
            assertThat(v.packets).as("packets at the victim").noneMatch(Publish.class::isInstance);
        }
        // The challenge counts into limits.unproven-send-bytes (64): after the shorter topic's
        // REGISTER (23 bytes) one resend fits and the second does not; after the longer one's
        // (48 bytes) no resend fits.
        assertThat(small.packets).extracting(MqttSn12Message::typeName)
                .containsExactly("CONNACK", "SUBACK", "REGISTER", "REGISTER");
        assertThat(large.packets).extracting(MqttSn12Message::typeName)
                .containsExactly("CONNACK", "SUBACK", "REGISTER");
        assertThat(delta(before, session(ClientSession.Counters.UNPROVEN_WITHHELD))).isEqualTo(3);

        // An honest device subscribed the same way answers the challenge and gets all of them.
        try (Device honest = gw.device("refl-honest")) {
            honest.connected(true, 0);
            String t = small.topic;
            assertThat(honest.subscribe(t, QoS.AT_MOST_ONCE).returnCode()).isEqualTo(ACCEPTED);
            paho.publish(t, "first", 0);
            // Small enough for limits.unproven-send-bytes: it comes without a challenge.
            assertThat(honest.next(Publish.class).data().utf8()).isEqualTo("first");
            // The first message past the budget waits for the device to answer the REGISTER challenge.
            paho.publish(t, payload, 0, false);
            Register challenge = honest.next(Register.class);
            honest.acceptRegister(challenge);
            assertThat(honest.next(Publish.class).data().toArray()).isEqualTo(payload);
            // Proven: the rest comes at once. (Messages that arrive while a challenge is unanswered
            // wait in the session's bounded queue, limits.max-queued-per-client.)
            for (int i = 0; i < messages; i++) {
                byte[] numbered = payload.clone();
                numbered[0] = (byte) i;
                paho.publish(t, numbered, 0, false);
            }
            for (int i = 0; i < messages; i++) {
                Publish p = honest.receive();
                assertThat(honest.topicOf(p)).isEqualTo(t);
                assertThat(p.data().toArray()).as("message %d", i).hasSize(payload.length)
                        .startsWith((byte) i);
            }
            honest.disconnect();
        }
    }

    /** A "victim" socket that sends CONNECT and SUBSCRIBE as if forged, and never answers. */
    private final class Victim {
        final String topic;
        final RawUdp socket = new RawUdp(gw.udpPort());
        final byte[] connect;
        final byte[] subscribe;
        final int sent;
        int received;
        final List<MqttSn12Message> packets = new ArrayList<>();

        Victim(String clientId, String topic) {
            this.topic = topic;
            connect = encode(new Connect(false, true, 0, clientId));
            subscribe = encode(new Subscribe(false, QoS.AT_MOST_ONCE, 1, TopicRef.name(topic)));
            sent = connect.length + subscribe.length;
        }

        void connectAndSubscribe() {
            socket.send(connect);
            take(socket.expect(Device.WAIT, "CONNACK"));
            assertThat(packets).last().isEqualTo(new ConnAck(ACCEPTED));
            socket.send(subscribe);
            take(socket.expect(Device.WAIT, "SUBACK"));
            assertThat(packets).last().isInstanceOfSatisfying(SubAck.class,
                    ack -> assertThat(ack.returnCode()).isEqualTo(ACCEPTED));
        }

        /** Takes what arrives until the deadline, and after it what had arrived already. */
        void collectUntil(long deadlineNanos) {
            while (true) {
                long left = Math.max(deadlineNanos - System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(1));
                byte[] packet = socket.receive(Duration.ofNanos(left));
                if (packet == null) {
                    return;
                }
                take(packet);
            }
        }

        private void take(byte[] packet) {
            received += packet.length;
            packets.add(decode(packet));
        }
    }
}
