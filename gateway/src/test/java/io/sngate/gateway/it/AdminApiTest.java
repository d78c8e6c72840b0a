package io.sngate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.gateway.Metrics;
import io.sngate.gateway.testing.Mosquitto;
import io.sngate.hw.config.GatewaySettings;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin HTTP API against a running gateway (transparent mode, a real mosquitto) with
 * simulated devices over UDP: every endpoint, the filters and pages of the client list, a
 * client's topic registry, the kick that publishes the will, the token, /ready as the broker
 * comes and goes, and /metrics.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminApiTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private TestGateway gw;
    private Observer paho;
    private AdminHttp http;

    @BeforeAll
    void start() throws Exception {
        gw = TestGateway.start(Setup.TRANSPARENT_MOSQUITTO, c -> c.with(GatewaySettings.ADMIN_PORT, Mosquitto.freePort()));
        paho = gw.observer("admin-paho");
        http = new AdminHttp(gw.gateway.adminUrl());
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

    @Test
    void listsClientsFilteredByStateLinkAddressAndPrefixInPages() {
        try (Device a1 = gw.device("list-a1"); Device a2 = gw.device("list-a2"); Device b1 = gw.device("list-b1")) {
            a1.connected(true, 60);
            a2.connected(true, 60);
            b1.connected(false, 60);
            b1.sleep(300);
            await().atMost(WAIT).until(() -> ids(http.get("/api/clients?prefix=list-&state=asleep").json())
                    .equals(List.of("list-b1")));

            JsonNode all = http.get("/api/clients?prefix=list-").json();
            assertThat(all.get("total").asInt()).isEqualTo(3);
            assertThat(ids(all)).containsExactly("list-a1", "list-a2", "list-b1");
            JsonNode first = all.get("clients").get(0);
            assertThat(first.get("state").asText()).isEqualTo("active");
            assertThat(first.get("link").asText()).isEqualTo("udp");
            assertThat(first.get("address").asText()).startsWith("udp:127.0.0.1:");
            assertThat(first.get("lastSeen").asText()).isNotEmpty();
            assertThat(first.get("queued").asInt()).isZero();

            assertThat(ids(http.get("/api/clients?prefix=list-a").json())).containsExactly("list-a1", "list-a2");
            assertThat(ids(http.get("/api/clients?prefix=list-&state=active,asleep").json())).hasSize(3);
            assertThat(ids(http.get("/api/clients?prefix=list-&link=udp").json())).hasSize(3);
            assertThat(ids(http.get("/api/clients?prefix=list-&link=serial").json())).isEmpty();
            String a2Address = a2Address();
            assertThat(ids(http.get("/api/clients?address=" + enc(a2Address)).json())).containsExactly("list-a2");

            JsonNode page = http.get("/api/clients?prefix=list-&offset=1&limit=1").json();
            assertThat(page.get("total").asInt()).isEqualTo(3);
            assertThat(page.get("offset").asInt()).isEqualTo(1);
            assertThat(page.get("limit").asInt()).isEqualTo(1);
            assertThat(ids(page)).containsExactly("list-a2");

            AdminHttp.Answer bad = http.get("/api/clients?state=sleeping");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.json().get("parameter").asText()).isEqualTo("state");
            assertThat(bad.json().get("error").asText()).contains("'sleeping' is not a state");
            assertThat(http.get("/api/clients?limit=0").json().get("parameter").asText()).isEqualTo("limit");
            assertThat(http.get("/api/clients?colour=red").status()).isEqualTo(400);
            a1.disconnect();
            a2.disconnect();
        }
    }

    private String a2Address() {
        JsonNode detail = http.get("/api/clients/list-a2").json();
        return detail.get("address").asText();
    }

    @Test
    void aClientsDetailShowsItsTopicRegistrySubscriptionsAndCounters() {
        try (Device device = gw.device("detail/dev 1")) {
            device.connected(true, 45);
            int temperature = device.register("admin/detail/temperature");
            assertThat(device.subscribe("admin/detail/commands", QoS.AT_LEAST_ONCE).returnCode())
                    .isEqualTo(ReturnCode.ACCEPTED);
            assertThat(device.publish1(TopicIdType.NORMAL, temperature, "21.5".getBytes(StandardCharsets.UTF_8),
                    false).returnCode()).isEqualTo(ReturnCode.ACCEPTED);

            // The id has a slash and a space: the path carries it percent-encoded.
            AdminHttp.Answer answer = http.get("/api/clients/" + enc("detail/dev 1"));
            assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
            assertThat(answer.contentType()).startsWith("application/json");
            JsonNode c = answer.json();
            assertThat(c.get("clientId").asText()).isEqualTo("detail/dev 1");
            assertThat(c.get("state").asText()).isEqualTo("active");
            assertThat(c.get("address").asText()).startsWith("udp:127.0.0.1:");
            assertThat(c.get("link").asText()).isEqualTo("udp");
            assertThat(c.get("protocol").asText()).isEqualTo("MQTT-SN 1.2");
            assertThat(c.get("keepAliveSeconds").asInt()).isEqualTo(45);
            assertThat(c.get("cleanSession").asBoolean()).isTrue();
            assertThat(c.get("connectedAt").asText()).isNotEmpty();
            assertThat(c.get("connectedSeconds").asLong()).isBetween(0L, 30L);
            assertThat(c.get("lastSeenSecondsAgo").asLong()).isBetween(0L, 30L);
            assertThat(c.get("upstream").asText()).isEqualTo("connected");
            List<String> topics = new ArrayList<>();
            c.get("topics").forEach(t -> topics.add(t.get("id").asInt() + "=" + t.get("name").asText()));
            assertThat(topics).contains(temperature + "=admin/detail/temperature");
            assertThat(topics).anyMatch(t -> t.endsWith("=admin/detail/commands"));
            assertThat(c.get("subscriptions").get(0).get("filter").asText()).isEqualTo("admin/detail/commands");
            assertThat(c.get("subscriptions").get(0).get("qos").asInt()).isEqualTo(1);
            assertThat(c.get("queued").asInt()).isZero();
            assertThat(c.get("inFlightToBroker").asInt()).isZero();
            assertThat(c.get("counters").get("publishes_to_broker").asLong()).isEqualTo(1);
            assertThat(c.get("counters").get("packets_from_device").asLong()).isGreaterThanOrEqualTo(4);

            assertThat(http.get("/api/clients/nobody-here").status()).isEqualTo(404);
            device.disconnect();
        }
    }

    @Test
    void deleteDisconnectsTheClientAndPublishesItsWill() throws Exception {
        paho.subscribe("admin/will/#", 1);
        long lostBefore = gw.metric(Metrics.CLIENTS_LOST);
        try (Device device = gw.device("kick-me")) {
            device.connectedWithWill(true, 60, "admin/will/kick-me", QoS.AT_LEAST_ONCE, false,
                    "gone".getBytes(StandardCharsets.UTF_8));
            AdminHttp.Answer kicked = http.delete("/api/clients/kick-me");
            assertThat(kicked.status()).as(kicked.toString()).isEqualTo(200);
            assertThat(kicked.json().get("disconnected").asBoolean()).isTrue();

            assertThat(paho.awaitFirst("admin/will/kick-me").text()).isEqualTo("gone");
            assertThat(device.expect(Disconnect.class).isSleep()).isFalse();
            await().atMost(WAIT).until(() -> http.get("/api/clients/kick-me").status() == 404);
            assertThat(gw.metric(Metrics.CLIENTS_LOST)).isEqualTo(lostBefore + 1);
            assertThat(http.delete("/api/clients/kick-me").status()).isEqualTo(404);
        }
    }

    @Test
    void predefinedTopicsAreListed() {
        JsonNode topics = http.get("/api/topics/predefined").json();
        List<String> listed = new ArrayList<>();
        topics.get("gateway").forEach(t -> listed.add(t.get("id").asInt() + "=" + t.get("name").asText()));
        List<String> expected = new ArrayList<>();
        TestGateway.PREDEFINED.forEach((id, name) -> expected.add(id + "=" + name));
        assertThat(listed).containsExactlyElementsOf(expected);
        assertThat(topics.get("clients").isObject()).isTrue();
    }

    @Test
    void reloadWithNeitherFileSaysNothingWasReloaded() throws Exception {
        try (TestGateway bare = TestGateway.start(Setup.TRANSPARENT_MOSQUITTO, c -> c
                .with(GatewaySettings.PREDEFINED_FILE, "").with(GatewaySettings.ADMIN_PORT, Mosquitto.freePort()))) {
            AdminHttp bareHttp = new AdminHttp(bare.gateway.adminUrl());
            AdminHttp.Answer answer = bareHttp.post("/api/reload");
            assertThat(answer.status()).isEqualTo(409);
            assertThat(answer.json().get("reloaded").asBoolean()).isFalse();
            assertThat(bareHttp.get("/api/reload").status()).isEqualTo(405);
        }
    }

    @Test
    void reloadReadsThePredefinedTopicsAgainForNewSessions(@TempDir Path dir) throws Exception {
        Path topics = Files.writeString(dir.resolve("predefined.csv"), "300,admin/reload/before\n");
        try (TestGateway own = TestGateway.start(Setup.TRANSPARENT_MOSQUITTO, c -> c
                .with(GatewaySettings.PREDEFINED_FILE, topics.toString())
                .with(GatewaySettings.ADMIN_PORT, Mosquitto.freePort()));
             Observer watcher = own.observer("admin-reload-paho")) {
            AdminHttp ownHttp = new AdminHttp(own.gateway.adminUrl());
            watcher.subscribe("admin/reload/#", 1);
            Files.writeString(topics, "300,admin/reload/before\n301,admin/reload/after\n");
            long reloaded = own.metric(Metrics.PREDEFINED_RELOADED);

            AdminHttp.Answer answer = ownHttp.post("/api/reload");
            assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
            assertThat(own.metric(Metrics.PREDEFINED_RELOADED)).isEqualTo(reloaded + 1);
            List<String> listed = new ArrayList<>();
            ownHttp.get("/api/topics/predefined").json().get("gateway")
                    .forEach(t -> listed.add(t.get("id").asInt() + "=" + t.get("name").asText()));
            assertThat(listed).containsExactly("300=admin/reload/before", "301=admin/reload/after");

            // A session that starts now knows the new id.
            try (Device device = own.device("admin-reload-dev")) {
                device.connected(true, 60);
                assertThat(device.publish1(io.sngate.codec.v12.TopicIdType.PREDEFINED, 301,
                        "after".getBytes(java.nio.charset.StandardCharsets.UTF_8), false).returnCode())
                        .isEqualTo(io.sngate.codec.v12.ReturnCode.ACCEPTED);
                watcher.awaitText("admin/reload/after", "after");
                device.disconnect();
            }

            // A file that no longer loads leaves the ids in force.
            Files.writeString(topics, "not a line\n");
            assertThat(ownHttp.post("/api/reload").status()).isEqualTo(409);
            assertThat(own.metric(Metrics.PREDEFINED_RELOAD_FAILED)).isEqualTo(1);
            assertThat(ownHttp.get("/api/topics/predefined").json().get("gateway")).hasSize(2);
        }
    }

    @Test
    void gatewayDescribesItselfWithTransportsBrokerAndLimits() {
        await().atMost(WAIT).until(() -> http.get("/api/gateway").json().get("broker").get("reachable").asBoolean());
        JsonNode g = http.get("/api/gateway").json();
        assertThat(g.get("version").asText()).isNotEmpty();
        assertThat(g.get("uptimeSeconds").asLong()).isGreaterThanOrEqualTo(0);
        assertThat(g.get("mode").asText()).isEqualTo("transparent");
        assertThat(g.get("udpPort").asInt()).isEqualTo(gw.udpPort());
        assertThat(g.get("transports").get(0).asText()).contains(String.valueOf(gw.udpPort()));
        assertThat(g.get("broker").get("uri").asText()).isEqualTo(gw.brokerUri);
        assertThat(g.get("broker").get("embedded").asBoolean()).isFalse();
        assertThat(g.get("limits").get("limits.max-clients").asInt()).isEqualTo(10_000);
        assertThat(g.get("counters").isObject()).isTrue();
        assertThat(g.get("sessions").asInt()).isEqualTo(gw.sessionCount());
    }

    @Test
    void healthAndReadyWhileTheBrokerIsUp() {
        AdminHttp.Answer health = http.get("/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().get("status").asText()).isEqualTo("alive");
        await().atMost(WAIT).until(() -> http.get("/ready").status() == 200);
        assertThat(http.get("/ready").json().get("ready").asBoolean()).isTrue();
        assertThat(http.get("/no/such/path").status()).isEqualTo(404);
    }

    @Test
    void metricsExportCountersGaugesAndTheAcknowledgementLatency() throws Exception {
        try (Device device = gw.device("metrics-dev"); DatagramSocket raw = new DatagramSocket()) {
            device.connected(true, 60);
            int topic = device.register("admin/metrics/t");
            device.publish1(TopicIdType.NORMAL, topic, new byte[] {1}, false);
            byte[] garbage = {3, 0x7F, 0};
            raw.send(new DatagramPacket(garbage, garbage.length, InetAddress.getLoopbackAddress(), gw.udpPort()));
            await().atMost(WAIT).until(() -> gw.metrics().snapshot().keySet().stream()
                    .anyMatch(name -> name.startsWith(Metrics.MALFORMED_PREFIX)));

            AdminHttp.Answer answer = http.get("/metrics");
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.contentType()).startsWith("text/plain");
            String text = answer.body();
            assertThat(text).contains("# TYPE sngate_received_packets_total counter");
            assertThat(text).containsPattern("(?m)^sngate_received_packets_total [1-9]");
            assertThat(text).containsPattern("(?m)^sngate_malformed_packets_total\\{reason=\"[a-z_]+\"} 1");
            assertThat(text).containsPattern("(?m)^sngate_sessions\\{link=\"udp\",state=\"active\"} [1-9]");
            assertThat(text).containsPattern("(?m)^sngate_upstream_connections\\{state=\"connected\"} [1-9]");
            assertThat(text).contains("sngate_queued_messages ");
            assertThat(text).containsPattern("(?m)^sngate_ack_latency_seconds_count [1-9]");
            assertThat(text).contains("sngate_ack_latency_seconds_bucket{le=\"0.005\"}");
            assertThat(text).doesNotContain(io.sngate.gateway.admin.PrometheusNames.UNMAPPED);
            device.disconnect();
        }
    }

    @Test
    void aTokenFileGuardsEverythingButHealthAndThePagesFiles(@TempDir Path dir) throws Exception {
        Path tokenFile = Files.writeString(dir.resolve("token"), "s3cret-token\n");
        Path devices = Files.writeString(dir.resolve("devices.yaml"), "devices:\n  - client-id: token-dev\n");
        try (TestGateway guarded = TestGateway.on(gw.ownMosquitto().broker, c -> c
                .with(GatewaySettings.ADMIN_PORT, Mosquitto.freePort())
                .with(GatewaySettings.ADMIN_TOKEN_FILE, tokenFile.toString())
                .with(GatewaySettings.DEVICES_FILE, devices.toString()))) {
            AdminHttp anonymous = new AdminHttp(guarded.gateway.adminUrl());
            assertThat(anonymous.get("/health").status()).isEqualTo(200);
            for (String path : List.of("/api/clients", "/api/gateway", "/metrics", "/ready", "/api/topics/predefined")) {
                assertThat(anonymous.get(path).status()).as(path).isEqualTo(401);
                assertThat(anonymous.withToken("wrong").get(path).status()).as(path).isEqualTo(401);
            }
            assertThat(anonymous.post("/api/reload").status()).isEqualTo(401);
            assertThat(anonymous.get("/").status()).isEqualTo(200);

            AdminHttp owner = anonymous.withToken("s3cret-token");
            assertThat(owner.get("/api/clients").status()).isEqualTo(200);
            long reloaded = guarded.metric(Metrics.DEVICES_RELOADED);
            AdminHttp.Answer reload = owner.post("/api/reload");
            assertThat(reload.status()).as(reload.toString()).isEqualTo(200);
            assertThat(reload.json().get("reloaded").asBoolean()).isTrue();
            assertThat(guarded.metric(Metrics.DEVICES_RELOADED)).isEqualTo(reloaded + 1);
        }
    }

    @Test
    void readyTurnsUnavailableWhenTheBrokerGoesAway() throws Exception {
        try (TestGateway own = TestGateway.start(Setup.TRANSPARENT_MOSQUITTO,
                c -> c.with(GatewaySettings.ADMIN_PORT, Mosquitto.freePort()))) {
            AdminHttp admin = new AdminHttp(own.gateway.adminUrl());
            await().atMost(WAIT).until(() -> admin.get("/ready").status() == 200);
            own.ownMosquitto().close();
            await().atMost(WAIT).until(() -> admin.get("/ready").status() == 503);
            JsonNode body = admin.get("/ready").json();
            assertThat(body.get("ready").asBoolean()).isFalse();
            assertThat(body.get("reason").asText()).contains("not reachable").contains(own.brokerUri);
            assertThat(admin.get("/health").status()).isEqualTo(200);
        }
    }

    @Test
    void readyIsUnavailableWhileTheBrokerRefusesTheGatewaysLogin() throws Exception {
        try (LoggedMosquitto closed = LoggedMosquitto.start(List.of("allow_anonymous false"));
             TestGateway refused = TestGateway.on(closed.broker,
                     c -> c.with(GatewaySettings.ADMIN_PORT, Mosquitto.freePort()))) {
            AdminHttp admin = new AdminHttp(refused.gateway.adminUrl());
            await().atMost(WAIT).until(() -> admin.get("/ready").json().get("reason") != null
                    && !admin.get("/ready").json().get("reason").asText().contains("not yet probed"));
            AdminHttp.Answer ready = admin.get("/ready");
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.json().get("reason").asText()).contains("not reachable").containsIgnoringCase("auth");
            assertThat(admin.get("/api/gateway").json().get("broker").get("reachable").asBoolean()).isFalse();
        }
    }

    @Test
    void inAggregatingModeTheClientsShowTheSharedConnectionsState() throws Exception {
        try (TestGateway aggregating = TestGateway.start(Setup.AGGREGATING_MOSQUITTO,
                     c -> c.with(GatewaySettings.ADMIN_PORT, Mosquitto.freePort()));
             Device device = aggregating.device("aggregated-1")) {
            AdminHttp admin = new AdminHttp(aggregating.gateway.adminUrl());
            device.connected(true, 60);
            int topic = device.register("admin/aggregated/t");
            device.publish1(TopicIdType.NORMAL, topic, new byte[] {7}, false);

            JsonNode c = admin.get("/api/clients/aggregated-1").json();
            assertThat(c.get("state").asText()).isEqualTo("active");
            assertThat(c.get("upstream").asText()).isEqualTo("connected");
            assertThat(c.get("counters").get("publishes_to_broker").asLong()).isEqualTo(1);
            assertThat(admin.get("/api/gateway").json().get("mode").asText()).isEqualTo("aggregating");
            String metrics = admin.get("/metrics").body();
            assertThat(metrics).containsPattern("(?m)^sngate_upstream_connections\\{state=\"connected\"} 1");
            assertThat(metrics).containsPattern("(?m)^sngate_ack_latency_seconds_count 1");
            device.disconnect();
        }
    }

    @Test
    void settingsThatCannotBeUsedStopTheStartNamingTheKey(@TempDir Path dir) throws Exception {
        Path empty = Files.writeString(dir.resolve("empty-token"), "\n");
        assertStartFails(c -> c.with(GatewaySettings.ADMIN_PORT, Mosquitto.freePort())
                .with(GatewaySettings.ADMIN_TOKEN_FILE, dir.resolve("missing").toString()),
                "admin.token-file", "cannot read");
        assertStartFails(c -> c.with(GatewaySettings.ADMIN_PORT, Mosquitto.freePort())
                .with(GatewaySettings.ADMIN_TOKEN_FILE, empty.toString()), "admin.token-file", "is empty");
        assertStartFails(c -> c.with(GatewaySettings.ADMIN_PORT, Mosquitto.freePort())
                .with(GatewaySettings.ADMIN_BIND, "192.0.2.1"), "admin.bind", "192.0.2.1");
        assertStartFails(c -> c.with(GatewaySettings.ADMIN_PORT, Mosquitto.freePort())
                .with(GatewaySettings.ADMIN_BIND, "no-such-host.invalid"), "admin.bind", "no-such-host.invalid");
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertStartFails(c -> c.with(GatewaySettings.ADMIN_PORT, taken.getLocalPort()), "admin.port",
                    String.valueOf(taken.getLocalPort()));
        }
    }

    private void assertStartFails(TestGateway.Tweak tweak, String key, String reason) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestGateway.on(gw.ownMosquitto().broker, tweak).close())
                .isInstanceOfSatisfying(io.sngate.hw.config.ConfigError.class,
                        e -> assertThat(e.key()).isEqualTo(key))
                .hasMessageContaining(reason);
    }

    private static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.get("clients").forEach(c -> ids.add(c.get("clientId").asText()));
        return ids;
    }

    private static String enc(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
