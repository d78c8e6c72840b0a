package io.sngate.device.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.client.ClientConfig;
import io.sngate.client.ClientEvent;
import io.sngate.client.ClientRuntime;
import io.sngate.client.ClientState;
import io.sngate.client.Link;
import io.sngate.client.LinkAddress;
import io.sngate.client.MqttSnClient;
import io.sngate.client.Outcome;
import io.sngate.client.Topic;
import io.sngate.client.UdpLink;
import io.sngate.client.Will;
import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.MessageType;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.hw.config.GatewayMode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * {@link MqttSnClient} over a real {@link UdpLink} against our gateway in front of a real
 * mosquitto; a Paho client on the broker checks what really arrived there. One broker and
 * gateway for the class; {@link ClientAgainstAggregatingGatewayTest} runs the same tests in
 * aggregating mode.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientAgainstGatewayTest {

    static final int PREDEFINED_ID = 7;
    static final String PREDEFINED_TOPIC = "it/predefined/seven";
    static final int PREDEFINED_SUB_ID = 8;
    static final String PREDEFINED_SUB_TOPIC = "it/predefined/eight";
    static final Duration WAIT = Duration.ofSeconds(20);

    GatewayUnderTest env;
    ClientRuntime runtime;
    BrokerWatcher watcher;

    GatewayMode mode() {
        return GatewayMode.TRANSPARENT;
    }

    /** Client ids and topics of this class, apart from those of the subclass (sessions differ). */
    String prefix() {
        return "t";
    }

    @BeforeAll
    void startGateway() throws Exception {
        env = GatewayUnderTest.start(mode(), Map.of(PREDEFINED_ID, PREDEFINED_TOPIC,
                PREDEFINED_SUB_ID, PREDEFINED_SUB_TOPIC));
        runtime = ClientRuntime.start("it-devices");
        watcher = new BrokerWatcher(env.brokerUri(), "it-watcher-" + prefix());
        watcher.subscribe("it/#", 2);
    }

    @AfterAll
    void stopGateway() throws Exception {
        if (watcher != null) {
            watcher.close();
        }
        if (runtime != null) {
            runtime.close();
        }
        if (env != null) {
            env.close();
        }
    }

    // ------------------------------------------------------------------ helpers

    ClientConfig config(String name) {
        return ClientConfig.defaults(prefix() + "-" + name).withRetry(500, 6)
                .withPredefinedTopics(Map.of(PREDEFINED_ID, PREDEFINED_TOPIC, PREDEFINED_SUB_ID, PREDEFINED_SUB_TOPIC));
    }

    MqttSnClient open(ClientConfig config) {
        return MqttSnClient.builder(config).link(UdpLink.to("127.0.0.1", env.udpPort())).runtime(runtime).build();
    }

    MqttSnClient connected(String name) {
        MqttSnClient client = open(config(name));
        assertOk(client.connect(true));
        return client;
    }

    static Outcome assertOk(CompletableFuture<Outcome> request) {
        Outcome outcome = request.orTimeout(30, TimeUnit.SECONDS).join();
        assertThat(outcome.success()).as("outcome %s", outcome).isTrue();
        return outcome;
    }

    String topic(String rest) {
        return "it/" + prefix() + "/" + rest;
    }

    static byte[] everyByte() {
        byte[] payload = new byte[256];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) i;
        }
        return payload;
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Messages a client received, recorded from the runtime thread. */
    static List<MqttSnClient.Message> inbox(MqttSnClient client) {
        List<MqttSnClient.Message> inbox = new CopyOnWriteArrayList<>();
        client.onMessage(inbox::add);
        return inbox;
    }

    static List<String> texts(List<MqttSnClient.Message> inbox, String topic) {
        return inbox.stream().filter(m -> m.topic().equals(topic)).map(m -> m.payload().utf8())
                .collect(Collectors.toList());
    }

    // ------------------------------------------------------------------ connect and disconnect

    @Test
    void connectsAndDisconnectsWithoutWill() {
        try (MqttSnClient client = open(config("plain"))) {
            List<ClientState> states = new CopyOnWriteArrayList<>();
            client.onEvent(e -> {
                if (e instanceof ClientEvent.StateChange changed) {
                    states.add(changed.state());
                }
            });
            Outcome connected = assertOk(client.connect(true));
            assertThat(connected.returnCode()).contains(io.sngate.codec.v12.ReturnCode.ACCEPTED);
            assertThat(client.state()).isEqualTo(ClientState.ACTIVE);

            assertOk(client.disconnect());
            assertThat(client.state()).isEqualTo(ClientState.DISCONNECTED);
            assertThat(states).containsExactly(ClientState.CONNECTING, ClientState.ACTIVE, ClientState.DISCONNECTED);
        }
    }

    @Test
    void connectsWithWillAndACleanDisconnectPublishesNoWill() throws Exception {
        String willTopic = topic("will/clean");
        try (MqttSnClient client = open(config("will-clean"))) {
            assertOk(client.connect(true, new Will(willTopic, Bytes.utf8("clean-gone"),
                    QoS.AT_LEAST_ONCE, false)));
            assertThat(client.state()).isEqualTo(ClientState.ACTIVE);
            // the session works after the will exchange
            assertOk(client.publish(topic("will/clean/alive"), utf8("alive"), QoS.AT_LEAST_ONCE, false));
            watcher.awaitMessage(topic("will/clean/alive"));
            assertOk(client.disconnect());
        }
        watcher.barrier(willTopic);
        assertThat(watcher.texts(willTopic)).as("no will after DISCONNECT").doesNotContain("clean-gone");
    }

    @Test
    void theWillIsPublishedWhenTheClientStopsAnswering() {
        String willTopic = topic("will/silent");
        MqttSnClient client = open(config("will-silent").withKeepAlive(1));
        assertOk(client.connect(true, new Will(willTopic, Bytes.wrap(everyByte()),
                QoS.AT_LEAST_ONCE, false)));
        client.close(); // no DISCONNECT: the device just goes quiet

        BrokerWatcher.Received will = watcher.awaitMessage("the will of a silent client",
                r -> r.topic().equals(willTopic), WAIT);
        assertThat(will.payload()).isEqualTo(everyByte());
        assertThat(will.qos()).isEqualTo(1);
        assertThat(will.retained()).isFalse();
    }

    // ------------------------------------------------------------------ publishing

    @Test
    void publishesByNameAtQos012WithPayloadsByteExact() throws Exception {
        try (MqttSnClient client = connected("pub-name")) {
            byte[] binary = everyByte();
            assertOk(client.publish(topic("pub/q0"), binary, QoS.AT_MOST_ONCE, false));
            assertOk(client.publish(topic("pub/q1"), binary, QoS.AT_LEAST_ONCE, false));
            assertOk(client.publish(topic("pub/q2"), binary, QoS.EXACTLY_ONCE, false));
            assertOk(client.publish(topic("pub/q1"), new byte[0], QoS.AT_LEAST_ONCE, false));
            assertOk(client.publish(topic("pub/utf8/ä€"), utf8("grüße €"), QoS.EXACTLY_ONCE, false));
            assertOk(client.disconnect());
        }
        watcher.barrier(topic("pub/barrier"));
        watcher.awaitMessage(topic("pub/q0")); // QoS 0 is not acknowledged, but nothing is lost on loopback
        assertThat(watcher.on(topic("pub/q0"))).singleElement()
                .satisfies(r -> assertThat(r.payload()).isEqualTo(everyByte()));
        assertThat(watcher.on(topic("pub/q1"))).extracting(BrokerWatcher.Received::payload)
                .containsExactly(everyByte(), new byte[0]);
        assertThat(watcher.on(topic("pub/q2"))).singleElement()
                .satisfies(r -> assertThat(r.payload()).isEqualTo(everyByte()));
        assertThat(watcher.texts(topic("pub/utf8/ä€"))).containsExactly("grüße €");
    }

    @Test
    void publishesByPredefinedId() {
        try (MqttSnClient client = connected("pub-predefined")) {
            assertOk(client.publish(Topic.predefined(PREDEFINED_ID), Bytes.utf8("by id q0"), QoS.AT_MOST_ONCE, false));
            assertOk(client.publish(Topic.predefined(PREDEFINED_ID), Bytes.utf8("by id q1"), QoS.AT_LEAST_ONCE, false));
            assertOk(client.publish(Topic.predefined(PREDEFINED_ID), Bytes.utf8("by id q2"), QoS.EXACTLY_ONCE, false));
            assertOk(client.disconnect());
        }
        await().atMost(WAIT).until(() -> watcher.texts(PREDEFINED_TOPIC).contains("by id q2"));
        assertThat(watcher.texts(PREDEFINED_TOPIC)).contains("by id q0", "by id q1")
                .filteredOn(t -> t.startsWith("by id q2")).hasSize(1);
    }

    @Test
    void publishesToShortNames() throws Exception {
        String shortName = "q" + prefix();
        watcher.subscribe(shortName, 2);
        try (MqttSnClient client = connected("pub-short")) {
            assertOk(client.publish(Topic.shortName(shortName), Bytes.utf8("short q1"), QoS.AT_LEAST_ONCE, false));
            assertOk(client.publish(Topic.shortName(shortName), Bytes.utf8("short q2"), QoS.EXACTLY_ONCE, false));
            assertOk(client.disconnect());
        }
        await().atMost(WAIT).until(() -> watcher.texts(shortName).size() >= 2);
        assertThat(watcher.texts(shortName)).containsExactly("short q1", "short q2");
    }

    @Test
    void publishesAtQosMinusOneWithoutConnecting() throws Exception {
        String shortName = "m" + prefix();
        watcher.subscribe(shortName, 1);
        try (MqttSnClient client = open(config("minus-one"))) {
            assertOk(client.publish(Topic.predefined(PREDEFINED_ID), Bytes.utf8("qos -1 " + prefix()),
                    QoS.MINUS_ONE, false));
            assertOk(client.publish(Topic.shortName(shortName), Bytes.wrap(everyByte()), QoS.MINUS_ONE, false));
            assertThat(client.state()).isEqualTo(ClientState.DISCONNECTED);
            Outcome byName = client.publish(topic("minus-one/by-name"), utf8("x"), QoS.MINUS_ONE, false)
                    .orTimeout(10, TimeUnit.SECONDS).join();
            assertThat(byName.success()).isFalse();
            assertThat(byName.detail()).contains("predefined or short");
        }
        watcher.awaitMessage("QoS -1 by predefined id",
                r -> r.topic().equals(PREDEFINED_TOPIC) && r.text().equals("qos -1 " + prefix()), WAIT);
        BrokerWatcher.Received viaShort = watcher.awaitMessage(shortName);
        assertThat(viaShort.payload()).isEqualTo(everyByte());
    }

    // ------------------------------------------------------------------ subscribing

    @Test
    void subscribesByNameAndReceivesQos2ExactlyOnce() throws Exception {
        String name = topic("sub/name");
        try (MqttSnClient client = connected("sub-name")) {
            List<MqttSnClient.Message> inbox = inbox(client);
            Outcome subscribed = assertOk(client.subscribe(Topic.name(name), QoS.EXACTLY_ONCE));
            assertThat(subscribed.grantedQos()).contains(QoS.EXACTLY_ONCE);
            assertThat(subscribed.topicId()).isPositive();

            for (int i = 0; i < 5; i++) {
                watcher.publish(name, "q2-" + i, 2);
            }
            watcher.publish(name, everyByte(), 1, false);
            watcher.publish(name, "end", 2);
            await().atMost(WAIT).until(() -> texts(inbox, name).contains("end"));

            assertThat(texts(inbox, name)).hasSize(7).startsWith("q2-0", "q2-1", "q2-2", "q2-3", "q2-4")
                    .endsWith("end");
            assertThat(inbox.stream().filter(m -> m.payload().contentEquals(everyByte()))).singleElement()
                    .satisfies(m -> assertThat(m.qos()).isEqualTo(QoS.AT_LEAST_ONCE));
            assertThat(inbox.stream().filter(m -> m.payload().utf8().startsWith("q2-")))
                    .allSatisfy(m -> assertThat(m.qos()).isEqualTo(QoS.EXACTLY_ONCE));
            assertOk(client.disconnect());
        }
    }

    @Test
    void subscribesWithAWildcard() throws Exception {
        String filter = topic("sub/wild/+/temp");
        try (MqttSnClient client = connected("sub-wild")) {
            List<MqttSnClient.Message> inbox = inbox(client);
            assertOk(client.subscribe(Topic.name(filter), QoS.AT_LEAST_ONCE));
            watcher.publish(topic("sub/wild/a/temp"), "21.5", 1);
            watcher.publish(topic("sub/wild/a/humidity"), "no", 1); // does not match
            watcher.publish(topic("sub/wild/b/temp"), "19.0", 0);
            watcher.publish(topic("sub/wild/c/temp"), "end", 1);
            await().atMost(WAIT).until(() -> texts(inbox, topic("sub/wild/c/temp")).contains("end"));
            assertThat(inbox).extracting(MqttSnClient.Message::topic).containsExactly(
                    topic("sub/wild/a/temp"), topic("sub/wild/b/temp"), topic("sub/wild/c/temp"));
            assertThat(texts(inbox, topic("sub/wild/a/temp"))).containsExactly("21.5");
            assertThat(texts(inbox, topic("sub/wild/b/temp"))).containsExactly("19.0");
            assertOk(client.disconnect());
        }
    }

    @Test
    void subscribesByPredefinedIdAndShortName() throws Exception {
        String shortName = "r" + prefix();
        try (MqttSnClient client = connected("sub-ids")) {
            List<MqttSnClient.Message> inbox = inbox(client);
            Outcome predefined = assertOk(client.subscribe(Topic.predefined(PREDEFINED_SUB_ID), QoS.EXACTLY_ONCE));
            assertThat(predefined.topicId()).isEqualTo(PREDEFINED_SUB_ID);
            assertOk(client.subscribe(Topic.shortName(shortName), QoS.AT_LEAST_ONCE));

            watcher.publish(PREDEFINED_SUB_TOPIC, "pre-" + prefix(), 2);
            watcher.publish(shortName, "short-" + prefix(), 1);
            await().atMost(WAIT).until(() -> inbox.size() >= 2);
            assertThat(texts(inbox, PREDEFINED_SUB_TOPIC)).containsExactly("pre-" + prefix());
            assertThat(texts(inbox, shortName)).containsExactly("short-" + prefix());
            assertOk(client.disconnect());
        }
    }

    @Test
    void unsubscribeStopsDelivery() throws Exception {
        String dropped = topic("unsub/dropped");
        String kept = topic("unsub/kept");
        try (MqttSnClient client = connected("unsub")) {
            List<MqttSnClient.Message> inbox = inbox(client);
            assertOk(client.subscribe(Topic.name(dropped), QoS.AT_LEAST_ONCE));
            assertOk(client.subscribe(Topic.name(kept), QoS.AT_LEAST_ONCE));
            watcher.publish(dropped, "before", 1);
            await().atMost(WAIT).until(() -> texts(inbox, dropped).contains("before"));

            assertOk(client.unsubscribe(Topic.name(dropped)));
            watcher.publish(dropped, "after", 1);
            watcher.publish(kept, "marker", 1);
            await().atMost(WAIT).until(() -> texts(inbox, kept).contains("marker"));
            assertThat(texts(inbox, dropped)).containsExactly("before");
            assertOk(client.disconnect());
        }
    }

    // ------------------------------------------------------------------ sleeping and keep-alive

    @Test
    void aSleepingClientGetsWhatWasPublishedMeanwhileWhenItWakes() throws Exception {
        String name = topic("sleep/commands");
        try (MqttSnClient client = connected("sleeper")) {
            List<MqttSnClient.Message> inbox = inbox(client);
            assertOk(client.subscribe(Topic.name(name), QoS.AT_LEAST_ONCE));
            assertOk(client.sleep(20));
            assertThat(client.state()).isEqualTo(ClientState.ASLEEP);

            watcher.publish(name, "one", 1);
            watcher.publish(name, "two", 2);
            watcher.publish(name, "three", 0);
            // Wait until the gateway holds them (the Paho publisher has its acknowledgements; the
            // gateway gets them a moment later), polling with wake-ups as a sleeping device does.
            assertThat(inbox).as("nothing is delivered to a sleeping client").isEmpty();
            await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
                assertOk(client.wake());
                return inbox.size() >= 3;
            });
            assertThat(client.state()).isEqualTo(ClientState.ASLEEP);
            assertThat(texts(inbox, name)).containsExactly("one", "two", "three");

            // awake again for good: the session is still there
            assertOk(client.connect(false));
            watcher.publish(name, "awake", 1);
            await().atMost(WAIT).until(() -> texts(inbox, name).contains("awake"));
            assertOk(client.disconnect());
        }
    }

    @Test
    void keepAlivePingsKeepTheSession() throws Exception {
        CountingLink link = new CountingLink(UdpLink.to("127.0.0.1", env.udpPort()));
        List<ClientState> states = new CopyOnWriteArrayList<>();
        try (MqttSnClient client = MqttSnClient.builder(config("pinger").withKeepAlive(2)).link(link).runtime(runtime)
                .build()) {
            client.onEvent(e -> {
                if (e instanceof ClientEvent.StateChange changed) {
                    states.add(changed.state());
                }
            });
            List<MqttSnClient.Message> inbox = inbox(client);
            assertOk(client.connect(true));
            assertOk(client.subscribe(Topic.name(topic("ping/in")), QoS.AT_LEAST_ONCE));
            // Quiet for several keep-alive periods (the gateway drops a client after 1.5 of them).
            await().atMost(WAIT).until(() -> link.pingResponses.get() >= 2);
            assertThat(link.pingRequests.get()).isGreaterThanOrEqualTo(2);
            assertThat(client.state()).isEqualTo(ClientState.ACTIVE);
            assertThat(states).doesNotContain(ClientState.LOST);

            // the gateway still has the session and its subscription
            watcher.publish(topic("ping/in"), "still here", 1);
            await().atMost(WAIT).until(() -> texts(inbox, topic("ping/in")).contains("still here"));
            assertOk(client.publish(topic("ping/out"), utf8("pong"), QoS.AT_LEAST_ONCE, false));
            watcher.awaitMessage(topic("ping/out"));
            assertOk(client.disconnect());
        }
    }

    // ------------------------------------------------------------------ discovery

    @Test
    void searchGatewayGetsGwInfoFromTheGateway() {
        InetSocketAddress gateway = new InetSocketAddress(InetAddress.getLoopbackAddress(), env.udpPort());
        UdpLink link = new UdpLink(gateway, Optional.of(gateway),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1_400);
        ClientConfig config = new ClientConfig(prefix() + "-searcher", 60, 500, 3, Map.of(), 100, 50, 3);
        List<ClientEvent.GatewayFound> found = new CopyOnWriteArrayList<>();
        try (MqttSnClient client = MqttSnClient.builder(config).link(link).runtime(runtime).build()) {
            client.onEvent(e -> {
                if (e instanceof ClientEvent.GatewayFound f) {
                    found.add(f);
                }
            });
            assertOk(client.searchGateway(1));
            assertThat(found).singleElement().satisfies(f -> {
                assertThat(f.gatewayId()).isEqualTo(1); // gateway.id default
                assertThat(f.address()).isEqualTo(new LinkAddress.Udp(gateway));
            });
            assertThat(client.state()).isEqualTo(ClientState.DISCONNECTED);
            // and that gateway takes a connection
            assertOk(client.connect(true));
            assertOk(client.disconnect());
        }
    }

    /** A link that counts the keep-alive packets going through it. */
    static final class CountingLink implements Link {
        final Link inner;
        final AtomicInteger pingRequests = new AtomicInteger();
        final AtomicInteger pingResponses = new AtomicInteger();

        CountingLink(Link inner) {
            this.inner = inner;
        }

        private static MessageType type(byte[] packet) {
            try {
                return MqttSn12Codec.INSTANCE.decode(packet).type();
            } catch (DecodeException e) {
                return null;
            }
        }

        @Override
        public void open(ClientRuntime deviceRuntime, Receiver receiver) throws IOException {
            inner.open(deviceRuntime, (packet, from) -> {
                if (type(packet) == MessageType.PINGRESP) {
                    pingResponses.incrementAndGet();
                }
                receiver.onPacket(packet, from);
            });
        }

        @Override
        public void send(byte[] packet) throws IOException {
            if (type(packet) == MessageType.PINGREQ) {
                pingRequests.incrementAndGet();
            }
            inner.send(packet);
        }

        @Override
        public void broadcast(byte[] packet, int radius) throws IOException {
            inner.broadcast(packet, radius);
        }

        @Override
        public int maxPacketSize() {
            return inner.maxPacketSize();
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
