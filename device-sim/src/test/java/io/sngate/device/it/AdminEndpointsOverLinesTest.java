package io.sngate.device.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.sngate.client.ClientConfig;
import io.sngate.client.ClientRuntime;
import io.sngate.client.ClientState;
import io.sngate.client.Link;
import io.sngate.client.MqttSnClient;
import io.sngate.client.Outcome;
import io.sngate.client.Topic;
import io.sngate.client.UdpLink;
import io.sngate.client.Will;
import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.gateway.Metrics;
import io.sngate.gateway.admin.PrometheusNames;
import io.sngate.gateway.testing.Mosquitto;
import io.sngate.hw.config.GatewayMode;
import io.sngate.hw.config.GatewaySettings;
import io.sngate.hw.config.GpioConfig;
import io.sngate.hw.config.HardwareConfig;
import io.sngate.hw.config.SerialPortConfig;
import io.sngate.hw.config.XBeeRadioConfig;
import io.sngate.hw.serial.SerialSettings;
import io.sngate.hw.testing.PtyPair;
import io.sngate.sim.radio.XBeeRadioEmulator;
import io.sngate.sim.serial.VirtualSerialLine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every endpoint of the admin server against the real gateway with devices on each kind of
 * link at once: one wired to a serial line (a socat pty, {@link VirtualSerialLine} on the far
 * end), several behind an XBee radio ({@link XBeeRadioEmulator} on a second pty), one on UDP;
 * all of them run the real client, and a real mosquitto is behind the gateway, watched by Paho.
 *
 * <p>Each test brings its own devices and ends them, so that every test starts from a gateway
 * without sessions and can check the unfiltered list and the gauges exactly.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AdminEndpointsOverLinesTest {

    static final String LINE = "uart0";
    static final String RADIO = "zigbee";
    static final Duration WAIT = Duration.ofSeconds(30);
    static final long ADDRESS_BASE = 0x0013A200_41B70000L;

    @TempDir
    static Path dir;

    PtyPair linePty;
    PtyPair radioPty;
    VirtualSerialLine line;
    XBeeRadioEmulator radio;
    Path predefinedFile;
    GatewayUnderTest env;
    AdminClient admin;
    BrokerWatcher watcher;
    ClientRuntime runtime;
    final List<Device> devices = new ArrayList<>();
    int nextAddress;

    @BeforeAll
    void start() throws Exception {
        linePty = PtyPair.open();
        radioPty = PtyPair.open();
        line = VirtualSerialLine.open(VirtualSerialLine.Config.of(linePty.b().toString(),
                VirtualSerialLine.Mode.SINGLE).withBaud(115_200));
        // The radio answers before the gateway starts: its start-up setup waits for the answers.
        radio = XBeeRadioEmulator.open(XBeeRadioEmulator.Config.of(radioPty.b().toString()).withBaud(115_200));
        predefinedFile = Files.writeString(dir.resolve("predefined.csv"),
                "1,adm/pre/every\npre-radio,adm/pre/radio-own,40\n", StandardCharsets.UTF_8);
        HardwareConfig hardware = new HardwareConfig(
                List.of(new SerialPortConfig(LINE, SerialSettings.of(linePty.a().toString(), 115_200), false)),
                List.of(new XBeeRadioConfig(RADIO, SerialSettings.of(radioPty.a().toString(), 115_200),
                        ApiMode.ESCAPED, OptionalLong.empty(), OptionalInt.empty(), Optional.empty(), Optional.empty(),
                        false, 84, 1_000)),
                GpioConfig.NONE);
        env = GatewayUnderTest.start(GatewayMode.TRANSPARENT, Map.of(), hardware, config -> config
                .with(GatewaySettings.ADMIN_PORT, Mosquitto.freePort())
                .with(GatewaySettings.PREDEFINED_FILE, predefinedFile.toString()));
        admin = new AdminClient(env.gateway.adminUrl());
        watcher = new BrokerWatcher(env.brokerUri(), "admin-lines-watcher");
        watcher.subscribe("adm/#", 2);
        runtime = ClientRuntime.start("admin-lines");
    }

    @AfterAll
    void stop() throws Exception {
        devices.forEach(d -> d.client().close());
        for (AutoCloseable c : new AutoCloseable[] {runtime, watcher, env, line, radio, linePty, radioPty}) {
            if (c != null) {
                c.close();
            }
        }
    }

    /** Ends the devices the gateway still has a session for, cleanly: the next test finds none. */
    @AfterEach
    void unplugAll() throws Exception {
        try {
            for (Device d : devices) {
                ClientState state = d.client().state();
                boolean talking = state == ClientState.ACTIVE || state == ClientState.ASLEEP
                        || state == ClientState.AWAKE;
                if (talking && admin.get("/api/clients/" + d.id()).status() == 200) {
                    Outcome outcome = done(d.client().disconnect());
                    assertThat(outcome.success()).as(d.id() + ": " + outcome.detail()).isTrue();
                }
            }
        } finally {
            devices.forEach(d -> d.client().close());
            devices.clear();
        }
        await("no session left").atMost(WAIT)
                .until(() -> admin.get("/api/clients").json().get("total").asInt() == 0);
    }

    // ------------------------------------------------------------------ devices

    /** A device with the address the gateway should show for it, and the messages it got. */
    record Device(String id, String address, MqttSnClient client, List<MqttSnClient.Message> received) {
    }

    /** {@code address} is asked once the link is open (a UDP link has its port then). */
    Device device(String id, Link link, Supplier<String> address, Map<Integer, String> predefined) {
        MqttSnClient client = MqttSnClient.builder(ClientConfig.defaults(id).withRetry(500, 20)
                .withPredefinedTopics(predefined)).link(link).runtime(runtime).random(new Random(id.hashCode()))
                .build();
        List<MqttSnClient.Message> received = new CopyOnWriteArrayList<>();
        client.onMessage(received::add);
        Device device = new Device(id, address.get(), client, received);
        devices.add(device);
        return device;
    }

    /** The device wired to the serial line (it carries one device at a time). */
    Device onLine(String id) {
        return onLine(id, Map.of());
    }

    Device onLine(String id, Map<Integer, String> predefined) {
        return device(id, line.device(), () -> "serial:" + LINE, predefined);
    }

    /** A device behind the radio, with a 64-bit address of its own. */
    Device onRadio(String id) {
        return onRadio(id, Map.of());
    }

    Device onRadio(String id, Map<Integer, String> predefined) {
        long address64 = ADDRESS_BASE + ++nextAddress;
        return device(id, radio.device(address64), () -> String.format("xbee:%s/%016X", RADIO, address64), predefined);
    }

    Device onUdp(String id) {
        UdpLink link = UdpLink.to("127.0.0.1", env.udpPort());
        return device(id, link, () -> "udp:127.0.0.1:" + link.localPort(), Map.of());
    }

    static Outcome done(CompletableFuture<Outcome> future) throws Exception {
        return future.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    static Outcome succeeds(CompletableFuture<Outcome> future) throws Exception {
        Outcome outcome = done(future);
        assertThat(outcome.success()).as(outcome.detail()).isTrue();
        return outcome;
    }

    static void connect(Device... devices) throws Exception {
        for (Device d : devices) {
            succeeds(d.client().connect(true));
        }
    }

    static void connectWithWill(Device d) throws Exception {
        succeeds(d.client().connect(true, new Will("adm/will/" + d.id(), Bytes.utf8(d.id() + " gone"),
                QoS.AT_LEAST_ONCE, false)));
    }

    /** Sleeps and waits until the gateway shows the session asleep. */
    void sleep(Device d, int seconds) throws Exception {
        succeeds(d.client().sleep(seconds));
        await(d.id() + " asleep").atMost(WAIT)
                .until(() -> admin.get("/api/clients/" + d.id()).json().get("state").asText().equals("asleep"));
    }

    List<String> ids(String query) {
        AdminClient.Answer answer = admin.get("/api/clients" + query);
        assertThat(answer.status()).as(query + ": " + answer).isEqualTo(200);
        return answer.clientIds();
    }

    static String hex(Device d) {
        return d.address().substring(d.address().indexOf('/') + 1);
    }

    // ------------------------------------------------------------------ /api/clients

    @Test
    void theListShowsEveryDeviceWithItsLinkAndAddressAndTheFiltersPickThem() throws Exception {
        Device wired = onLine("ls-wired");
        Device radioA = onRadio("ls-radio-a");
        Device radioB = onRadio("ls-radio-b");
        Device udp = onUdp("ls-udp");
        connect(wired, radioA, radioB, udp);
        sleep(radioB, 300);

        AdminClient.Answer all = admin.get("/api/clients");
        assertThat(all.status()).as(all.toString()).isEqualTo(200);
        assertThat(all.json().get("total").asInt()).isEqualTo(4);
        Map<String, String> rows = new LinkedHashMap<>();
        all.json().get("clients").forEach(c -> rows.put(c.get("clientId").asText(),
                c.get("state").asText() + " " + c.get("link").asText() + " " + c.get("address").asText()));
        assertThat(rows).containsExactly(
                Map.entry("ls-radio-a", "active xbee " + radioA.address()),
                Map.entry("ls-radio-b", "asleep xbee " + radioB.address()),
                Map.entry("ls-udp", "active udp " + udp.address()),
                Map.entry("ls-wired", "active serial " + wired.address()));

        assertThat(ids("?link=serial")).containsExactly("ls-wired");
        assertThat(ids("?link=xbee")).containsExactly("ls-radio-a", "ls-radio-b");
        assertThat(ids("?link=udp")).containsExactly("ls-udp");
        assertThat(ids("?link=forwarded")).isEmpty();
        assertThat(ids("?link=dtls")).isEmpty();
        assertThat(ids("?link=xbee&state=asleep")).containsExactly("ls-radio-b");
        assertThat(ids("?state=active")).containsExactly("ls-radio-a", "ls-udp", "ls-wired");

        // The line by its name, the radio by its name, a radio device by its 64-bit address.
        assertThat(ids("?address=" + LINE)).containsExactly("ls-wired");
        assertThat(ids("?address=xbee:" + RADIO + "/")).containsExactly("ls-radio-a", "ls-radio-b");
        assertThat(ids("?address=" + hex(radioA))).containsExactly("ls-radio-a");
        // Hex is hex in either case: an operator may type a radio's address in lower case.
        assertThat(ids("?address=" + hex(radioB).toLowerCase(Locale.ROOT))).containsExactly("ls-radio-b");

        AdminClient.Answer page = admin.get("/api/clients?offset=1&limit=2");
        assertThat(page.json().get("total").asInt()).isEqualTo(4);
        assertThat(page.clientIds()).containsExactly("ls-radio-b", "ls-udp");
        assertThat(ids("?prefix=ls-radio-")).containsExactly("ls-radio-a", "ls-radio-b");

        AdminClient.Answer bad = admin.get("/api/clients?link=zigbee");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("parameter").asText()).isEqualTo("link");
    }

    @Test
    void aClientsDetailOnTheLineAndBehindTheRadioShowsItsTopicsSubscriptionsAndCounters() throws Exception {
        for (Device d : List.of(onLine("detail-wired"), onRadio("detail-radio"))) {
            connect(d);
            String reading = "adm/detail/" + d.id() + "/reading";
            String commands = "adm/detail/" + d.id() + "/cmd";
            int readingId = succeeds(d.client().register(reading)).topicId();
            succeeds(d.client().subscribe(Topic.name(commands), QoS.AT_LEAST_ONCE));
            succeeds(d.client().publish(Topic.name(reading), Bytes.utf8("21.5"), QoS.AT_LEAST_ONCE, false));
            assertThat(watcher.awaitMessage(reading).text()).isEqualTo("21.5");
            watcher.publish(commands, "on", 1);
            await("the command for " + d.id()).atMost(WAIT).until(() -> !d.received().isEmpty());

            AdminClient.Answer answer = admin.get("/api/clients/" + d.id());
            assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
            assertThat(answer.contentType()).startsWith("application/json");
            JsonNode c = answer.json();
            assertThat(c.get("clientId").asText()).isEqualTo(d.id());
            assertThat(c.get("state").asText()).isEqualTo("active");
            assertThat(c.get("link").asText()).isEqualTo(d.address().startsWith("serial:") ? "serial" : "xbee");
            assertThat(c.get("address").asText()).isEqualTo(d.address());
            assertThat(c.get("protocol").asText()).isEqualTo("MQTT-SN 1.2");
            assertThat(c.get("cleanSession").asBoolean()).isTrue();
            assertThat(c.get("keepAliveSeconds").asInt()).isEqualTo(60);
            assertThat(c.get("connectedAt").asText()).isNotEmpty();
            assertThat(c.get("upstream").asText()).isEqualTo("connected");
            Map<String, Integer> topics = new LinkedHashMap<>();
            c.get("topics").forEach(t -> topics.put(t.get("name").asText(), t.get("id").asInt()));
            assertThat(topics).containsEntry(reading, readingId).containsKey(commands);
            assertThat(c.get("subscriptions")).hasSize(1);
            assertThat(c.get("subscriptions").get(0).get("filter").asText()).isEqualTo(commands);
            assertThat(c.get("subscriptions").get(0).get("qos").asInt()).isEqualTo(1);
            assertThat(c.get("queued").asInt()).isZero();
            assertThat(c.get("inFlightToBroker").asInt()).isZero();
            JsonNode counters = c.get("counters");
            assertThat(counters.get("publishes_to_broker").asLong()).isEqualTo(1);
            assertThat(counters.get("messages_to_device").asLong()).isEqualTo(1);
            // CONNECT, REGISTER, SUBSCRIBE, PUBLISH and the PUBACK of the command, at least
            assertThat(counters.get("packets_from_device").asLong()).isGreaterThanOrEqualTo(5);
            assertThat(counters.get("packets_to_device").asLong()).isGreaterThanOrEqualTo(5);
        }
        assertThat(admin.get("/api/clients/nobody-on-any-line").status()).isEqualTo(404);
    }

    @Test
    void aDeviceAsleepBehindTheRadioShowsAsleepAndAKickPublishesItsWill() throws Exception {
        Device sleeper = onRadio("sleeper");
        connectWithWill(sleeper);
        sleep(sleeper, 300);

        JsonNode c = admin.get("/api/clients/sleeper").json();
        assertThat(c.get("link").asText()).isEqualTo("xbee");
        assertThat(c.get("address").asText()).isEqualTo(sleeper.address());
        assertThat(c.get("sleepSeconds").asLong()).isEqualTo(300);
        assertThat(ids("?state=asleep")).containsExactly("sleeper");

        AdminClient.Answer kicked = admin.delete("/api/clients/sleeper");
        assertThat(kicked.status()).as(kicked.toString()).isEqualTo(200);
        assertThat(watcher.awaitMessage("adm/will/sleeper").text()).isEqualTo("sleeper gone");
        await("the session gone").atMost(WAIT).until(() -> admin.get("/api/clients/sleeper").status() == 404);
    }

    @Test
    void deleteEndsTheSessionsOnTheLineTheRadioAndUdpAndTheirWillsReachTheBroker() throws Exception {
        Device wired = onLine("kick-wired");
        Device radioDevice = onRadio("kick-radio");
        Device udp = onUdp("kick-udp");
        for (Device d : List.of(wired, radioDevice, udp)) {
            connectWithWill(d);
        }
        long lost = env.metric(Metrics.CLIENTS_LOST);

        for (Device d : List.of(wired, radioDevice, udp)) {
            AdminClient.Answer kicked = admin.delete("/api/clients/" + d.id());
            assertThat(kicked.status()).as(kicked.toString()).isEqualTo(200);
            assertThat(kicked.json().get("clientId").asText()).isEqualTo(d.id());
            assertThat(kicked.json().get("disconnected").asBoolean()).isTrue();
        }
        for (Device d : List.of(wired, radioDevice, udp)) {
            assertThat(watcher.awaitMessage("adm/will/" + d.id()).text()).isEqualTo(d.id() + " gone");
            // The gateway's DISCONNECT went out over the device's own link.
            await(d.id() + " told").atMost(WAIT).until(() -> d.client().state() == ClientState.LOST);
            await(d.id() + " gone").atMost(WAIT).until(() -> admin.get("/api/clients/" + d.id()).status() == 404);
            assertThat(admin.delete("/api/clients/" + d.id()).status()).isEqualTo(404);
        }
        assertThat(env.metric(Metrics.CLIENTS_LOST)).isEqualTo(lost + 3);

        // The line is free again: the wired device comes back on it.
        connect(wired);
        assertThat(ids("?link=serial&state=active")).containsExactly("kick-wired");
    }

    // ------------------------------------------------------------------ /api/topics/predefined, /api/reload

    @Test
    void predefinedTopicsAndTheirReloadServeTheDevicesOnTheRadioAndTheLine() throws Exception {
        try {
            JsonNode listed = admin.get("/api/topics/predefined").json();
            assertThat(topicList(listed.get("gateway"))).containsExactly("1=adm/pre/every");
            assertThat(topicList(listed.get("clients").get("pre-radio"))).containsExactly("40=adm/pre/radio-own");

            Device radioDevice = onRadio("pre-radio", Map.of(1, "adm/pre/every", 40, "adm/pre/radio-own"));
            connect(radioDevice);
            succeeds(radioDevice.client().publish(Topic.predefined(40), Bytes.utf8("own"), QoS.AT_LEAST_ONCE, false));
            assertThat(watcher.awaitMessage("adm/pre/radio-own").text()).isEqualTo("own");

            Files.writeString(predefinedFile, "1,adm/pre/every\n2,adm/pre/added\npre-radio,adm/pre/radio-own,40\n"
                    + "pre-wired,adm/pre/wired-own,41\n", StandardCharsets.UTF_8);
            AdminClient.Answer reload = admin.post("/api/reload");
            assertThat(reload.status()).as(reload.toString()).isEqualTo(200);
            assertThat(reload.json().get("reloaded").asBoolean()).isTrue();
            listed = admin.get("/api/topics/predefined").json();
            assertThat(topicList(listed.get("gateway"))).containsExactly("1=adm/pre/every", "2=adm/pre/added");
            assertThat(topicList(listed.get("clients").get("pre-wired"))).containsExactly("41=adm/pre/wired-own");

            // A session that starts after the reload knows the new ids.
            Device wired = onLine("pre-wired", Map.of(2, "adm/pre/added", 41, "adm/pre/wired-own"));
            connect(wired);
            succeeds(wired.client().publish(Topic.predefined(41), Bytes.utf8("wired"), QoS.AT_LEAST_ONCE, false));
            succeeds(wired.client().publish(Topic.predefined(2), Bytes.utf8("added"), QoS.AT_LEAST_ONCE, false));
            assertThat(watcher.awaitMessage("adm/pre/wired-own").text()).isEqualTo("wired");
            assertThat(watcher.awaitMessage("adm/pre/added").text()).isEqualTo("added");
            assertThat(admin.get("/api/reload").status()).isEqualTo(405);
        } finally {
            Files.writeString(predefinedFile, "1,adm/pre/every\npre-radio,adm/pre/radio-own,40\n",
                    StandardCharsets.UTF_8);
            assertThat(admin.post("/api/reload").status()).isEqualTo(200);
        }
    }

    static List<String> topicList(JsonNode topics) {
        assertThat(topics).as("a topic list").isNotNull();
        List<String> list = new ArrayList<>();
        topics.forEach(t -> list.add(t.get("id").asInt() + "=" + t.get("name").asText()));
        return list;
    }

    // ------------------------------------------------------------------ /api/gateway

    @Test
    void theGatewayListsTheLineAndTheRadioAmongItsTransports() throws Exception {
        Device wired = onLine("gw-wired");
        Device radioDevice = onRadio("gw-radio");
        connect(wired, radioDevice);
        succeeds(radioDevice.client().publish(Topic.name("adm/gw/reading"), Bytes.utf8("1"), QoS.AT_LEAST_ONCE,
                false));
        await("the broker probed").atMost(WAIT)
                .until(() -> admin.get("/api/gateway").json().get("broker").get("reachable").asBoolean());

        AdminClient.Answer answer = admin.get("/api/gateway");
        assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
        JsonNode g = answer.json();
        List<String> transports = new ArrayList<>();
        g.get("transports").forEach(t -> transports.add(t.asText()));
        assertThat(transports).containsExactlyInAnyOrder(
                "udp=" + env.udpPort(),
                "serial:" + LINE + "=" + linePty.a(),
                String.format("xbee:%s=%s (%016X)", RADIO, radioPty.a(), radio.address().address64()));
        assertThat(g.get("udpPort").asInt()).isEqualTo(env.udpPort());
        assertThat(g.get("mode").asText()).isEqualTo("transparent");
        assertThat(g.get("broker").get("uri").asText()).isEqualTo(env.brokerUri());
        assertThat(g.get("limits").get("limits.max-clients").asInt()).isPositive();
        assertThat(g.get("sessions").asInt()).isEqualTo(2);
        assertThat(g.get("sessionsByState").get("active").asInt()).isEqualTo(2);
        JsonNode counters = g.get("counters");
        assertThat(counters.get("serial." + LINE + ".received_frames").asLong()).isPositive();
        assertThat(counters.get("xbee." + RADIO + ".received_frames").asLong()).isPositive();
        assertThat(counters.get("xbee." + RADIO + ".tx_ok").asLong()).isPositive();
    }

    // ------------------------------------------------------------------ /metrics

    @Test
    void metricsCountTheSessionsByLinkAndTheLinesAndTheRadiosOwnEvents() throws Exception {
        Device wired = onLine("m-wired");
        Device radioDevice = onRadio("m-radio");
        Device sleeper = onRadio("m-sleeper");
        Device udp = onUdp("m-udp");
        connect(wired, radioDevice, sleeper, udp);
        for (Device d : List.of(wired, radioDevice, udp)) {
            succeeds(d.client().publish(Topic.name("adm/metrics/" + d.id()), Bytes.utf8("1"), QoS.AT_LEAST_ONCE,
                    false));
        }
        sleep(sleeper, 300);

        Map<String, Double> sessions = Map.of(
                "sngate_sessions{link=\"serial\",state=\"active\"}", 1.0,
                "sngate_sessions{link=\"xbee\",state=\"active\"}", 1.0,
                "sngate_sessions{link=\"xbee\",state=\"asleep\"}", 1.0,
                "sngate_sessions{link=\"udp\",state=\"active\"}", 1.0);
        await("the sessions by link").atMost(WAIT).until(() -> {
            String text = admin.get("/metrics").body();
            return sessions.entrySet().stream().allMatch(e -> AdminClient.sample(text, e.getKey()).orElse(-1)
                    == e.getValue());
        });

        AdminClient.Answer answer = admin.get("/metrics");
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.contentType()).startsWith("text/plain");
        String text = answer.body();
        assertThat(text).contains("# TYPE sngate_serial_events_total counter",
                "# TYPE sngate_xbee_events_total counter");
        for (String series : List.of(
                "sngate_serial_events_total{event=\"received_frames\",line=\"" + LINE + "\"}",
                "sngate_serial_events_total{event=\"sent_frames\",line=\"" + LINE + "\"}",
                "sngate_xbee_events_total{event=\"received_frames\",radio=\"" + RADIO + "\"}",
                "sngate_xbee_events_total{event=\"sent_frames\",radio=\"" + RADIO + "\"}",
                "sngate_xbee_events_total{event=\"tx_ok\",radio=\"" + RADIO + "\"}")) {
            assertThat(AdminClient.sample(text, series).orElse(0)).as(series).isPositive();
        }
        assertThat(text).doesNotContain(PrometheusNames.UNMAPPED);
    }

    // ------------------------------------------------------------------ /health, /ready, the status page

    @Test
    void healthReadyAndTheStatusPageAnswerWithDevicesOnEveryLink() throws Exception {
        connect(onLine("hr-wired"), onRadio("hr-radio"), onUdp("hr-udp"));

        AdminClient.Answer health = admin.get("/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().get("status").asText()).isEqualTo("alive");
        await("ready").atMost(WAIT).until(() -> admin.get("/ready").status() == 200);
        JsonNode ready = admin.get("/ready").json();
        assertThat(ready.get("ready").asBoolean()).isTrue();
        assertThat(ready.get("broker").asText()).isEqualTo(env.brokerUri());

        AdminClient.Answer page = admin.get("/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.contentType()).startsWith("text/html");
        assertThat(page.body()).contains("<title>sngate</title>", "<table id=\"clients\">", "<script src=\"app.js\">");
        AdminClient.Answer script = admin.get("/app.js");
        assertThat(script.status()).isEqualTo(200);
        assertThat(script.contentType()).startsWith("text/javascript");
        assertThat(admin.get("/style.css").contentType()).startsWith("text/css");
        assertThat(ids("")).containsExactly("hr-radio", "hr-udp", "hr-wired");
    }
}
