package io.sngate.gateway.it;

import static io.sngate.codec.v12.ReturnCode.ACCEPTED;
import static io.sngate.codec.v12.ReturnCode.REJECTED_INVALID_TOPIC_ID;
import static io.sngate.codec.v12.ReturnCode.REJECTED_NOT_SUPPORTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.gateway.Metrics;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PingResp;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.SubAck;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.TopicRef;
import io.sngate.hw.config.GatewaySettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The devices file end to end: a real gateway (transparent mode) in front of a real mosquitto,
 * MQTT-SN devices on UDP (some on 127.0.0.2, another host as far as the gateway can tell) and
 * Paho at the broker. Who may connect (devices.require-listed, client-id-pattern), from where
 * (addresses, takeovers of a pinned device's session), what a device may publish and subscribe
 * to (%c, the default entry), per-device predefined topic ids, reloading (in-process and by
 * SIGHUP to a gateway process), Paho's clients.conf and per-client predefined lines, and a bad
 * devices file stopping the start with its file, line and reason.
 *
 * <p>Each test starts its own gateway on the class's mosquitto, with its own devices file.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DevicesFileEndToEndTest {

    /** Long enough for a wrong answer to have come back over loopback, when the test asserts none does. */
    static final Duration QUIET = Duration.ofMillis(300);
    static final Duration WAIT = Duration.ofSeconds(10);

    LoggedMosquitto mosquitto;

    @BeforeAll
    void startBroker() {
        mosquitto = LoggedMosquitto.start();
    }

    @AfterAll
    void stopBroker() {
        if (mosquitto != null) {
            mosquitto.close();
        }
    }

    // ================================================================== who may connect

    @Test
    void requireListedRefusesUnlistedClientIdsAndAdmitsExactAndPatternEntries(@TempDir Path dir) throws Exception {
        Path devices = write(dir.resolve("devices.yaml"), """
                devices:
                  - client-id: listed-exact
                  - client-id-pattern: "fleet-??-*"
                """);
        try (TestGateway gw = gateway(devices, true);
             Device stranger = gw.device("stranger-1");
             Device almost = gw.device("fleet-7-north"); // one character where the pattern wants two
             Device exact = gw.device("listed-exact");
             Device fleet = gw.device("fleet-07-north")) {
            long refused = gw.metric("connect_refused.not_listed");

            assertThat(stranger.connect(true, 60).returnCode()).as("CONNACK of an unlisted id")
                    .isEqualTo(REJECTED_NOT_SUPPORTED);
            awaitMetric(gw, "connect_refused.not_listed", refused + 1);
            assertThat(almost.connect(true, 60).returnCode()).as("CONNACK of an id the pattern does not match")
                    .isEqualTo(REJECTED_NOT_SUPPORTED);
            awaitMetric(gw, "connect_refused.not_listed", refused + 2);
            assertThat(gw.gateway.sessionCount()).as("a refused CONNECT leaves no session").isZero();

            exact.connected(true, 60);
            fleet.connected(true, 60);
            assertThat(gw.gateway.sessionCount()).isEqualTo(2);
            assertThat(gw.metric("connect_refused.not_listed")).isEqualTo(refused + 2);
            // mosquitto logs a connection before its CONNACK, and the gateway answers only after that.
            assertThat(mosquitto.log()).contains(" as listed-exact (").contains(" as fleet-07-north (")
                    .doesNotContain(" as stranger-1 (").doesNotContain(" as fleet-7-north (");

            // The admitted sessions are real ones.
            try (Observer paho = gw.observer("dev-listed-paho")) {
                paho.subscribe("listed/#", 1);
                int exactTopic = exact.register("listed/exact");
                assertThat(exact.publish1(TopicIdType.NORMAL, exactTopic, bytes("from exact"), false).returnCode())
                        .isEqualTo(ACCEPTED);
                int fleetTopic = fleet.register("listed/fleet");
                assertThat(fleet.publish1(TopicIdType.NORMAL, fleetTopic, bytes("from fleet"), false).returnCode())
                        .isEqualTo(ACCEPTED);
                paho.awaitText("listed/exact", "from exact");
                paho.awaitText("listed/fleet", "from fleet");
            }
            exact.disconnect();
            fleet.disconnect();
        }
    }

    @Test
    void aPinnedDeviceConnectsOnlyFromItsAddressAndItsSessionCannotBeTakenOver(@TempDir Path dir) throws Exception {
        String id = "pinned-dev";
        String in = "pin/" + id + "/in";
        Path devices = write(dir.resolve("devices.yaml"), """
                devices:
                  - client-id: pinned-dev
                    addresses: ["127.0.0.2"]
                """);
        try (TestGateway gw = gateway(devices, false);
             Observer paho = gw.observer("dev-pin-paho");
             Device intruder = gw.device(id); // 127.0.0.1
             Endpoint pinned = new Endpoint("127.0.0.2", id).toGateway(gw.udpPort())) {
            long notAllowed = gw.metric("connect_refused.address_not_allowed");

            assertThat(intruder.connect(true, 60).returnCode()).as("CONNACK from 127.0.0.1")
                    .isEqualTo(REJECTED_NOT_SUPPORTED);
            awaitMetric(gw, "connect_refused.address_not_allowed", notAllowed + 1);
            assertThat(gw.gateway.sessionCount()).isZero();

            assertThat(pinned.connect(true, 60).returnCode()).as("CONNACK from 127.0.0.2").isEqualTo(ACCEPTED);
            SubAck sub = pinned.subscribe(TopicRef.name(in), QoS.AT_LEAST_ONCE);
            assertThat(sub.returnCode()).isEqualTo(ACCEPTED);
            pinned.topicIds.put(sub.topicId(), in);

            // Takeover by CONNECT from the wrong address: refused, the session stays where it is.
            long takeoversAllowed = gw.metric("takeover.allowed");
            assertThat(intruder.connect(true, 60).returnCode()).as("CONNACK of a takeover from 127.0.0.1")
                    .isEqualTo(REJECTED_NOT_SUPPORTED);
            awaitMetric(gw, "connect_refused.address_not_allowed", notAllowed + 2);
            paho.publish(in, "still mine", 1);
            Publish kept = pinned.receive();
            assertThat(pinned.topicOf(kept)).isEqualTo(in);
            assertThat(kept.data().utf8()).isEqualTo("still mine");
            pinned.send(PingReq.PLAIN);
            pinned.expect(PingResp.class, p -> true, "PINGRESP at " + pinned.address());

            // Takeover by PINGREQ while it sleeps: not answered, counted.
            pinned.send(Disconnect.sleep(30));
            pinned.expect(Disconnect.class, d -> !d.isSleep(), "DISCONNECT answering the sleep");
            long takeoversRefused = gw.metric("takeover.refused");
            intruder.send(PingReq.wake(id));
            awaitMetric(gw, "takeover.refused", takeoversRefused + 1);
            assertThat(intruder.receivedWithin(QUIET)).as("answers to the PINGREQ from 127.0.0.1").isEmpty();
            assertThat(gw.metric("takeover.allowed")).isEqualTo(takeoversAllowed);

            // The device itself still wakes from 127.0.0.2 (a new port: as after a NAT rebinding).
            paho.publish(in, "while asleep", 1);
            try (Endpoint awake = new Endpoint("127.0.0.2", id).toGateway(gw.udpPort())) {
                awake.topicIds.putAll(pinned.topicIds);
                List<Publish> got = new ArrayList<>();
                await("the message held while asleep, delivered at " + awake.address()).atMost(Duration.ofSeconds(15))
                        .pollInterval(Duration.ofMillis(100)).until(() -> {
                            awake.send(PingReq.wake(id));
                            got.addAll(awake.publishesUntilPingResp());
                            return !got.isEmpty();
                        });
                assertThat(got).extracting(awake::topicOf).containsExactly(in);
                assertThat(got.get(0).data().utf8()).isEqualTo("while asleep");
                assertThat(gw.metric("takeover.allowed")).as("the wake from 127.0.0.2 moved the session")
                        .isEqualTo(takeoversAllowed + 1);
                assertThat(pinned.receivedWithin(Duration.ofMillis(100))).as("nothing at the old port").isEmpty();
                awake.send(Disconnect.PLAIN);
                awake.expect(Disconnect.class, d -> true, "DISCONNECT");
            }
            assertThat(gw.metric("takeover.refused")).isEqualTo(takeoversRefused + 1);
        }
    }

    // ================================================================== what a device may do

    @Test
    void publishAndSubscribePermissionsWithTheClientId(@TempDir Path dir) throws Exception {
        Path devices = write(dir.resolve("devices.yaml"), """
                default:
                  publish: ["public/%c/#"]
                  subscribe: ["public/#"]
                devices:
                  - client-id: perm-a
                    publish: ["perm/%c/#"]
                    subscribe: ["perm/in/#"]
                """);
        String forbidden = TestGateway.PREDEFINED.get(100);
        try (TestGateway gw = gateway(devices, false);
             Observer paho = gw.observer("dev-perm-paho");
             Device a = gw.device("perm-a")) {
            paho.subscribe("perm/#", 1).subscribe(forbidden, 1);
            a.connected(true, 60);
            long denied = gw.metric("session.denied");

            // REGISTER: only under perm/<own id>/.
            assertThat(registerAnswer(a, "perm/perm-b/t").returnCode()).as("REGACK for another client's topic")
                    .isEqualTo(REJECTED_NOT_SUPPORTED);
            awaitMetric(gw, "session.denied", denied + 1);
            int own = a.register("perm/perm-a/t");

            // PUBLISH to a topic outside the list (a gateway-wide predefined id needs no REGISTER): refused.
            PubAck refused = a.publish1(TopicIdType.PREDEFINED, 100, bytes("not allowed"), false);
            assertThat(refused.returnCode()).as("PUBACK of a denied PUBLISH").isEqualTo(REJECTED_NOT_SUPPORTED);
            awaitMetric(gw, "session.denied", denied + 2);
            assertThat(a.publish1(TopicIdType.NORMAL, own, bytes("own topic"), false).returnCode()).isEqualTo(ACCEPTED);
            paho.awaitText("perm/perm-a/t", "own topic");
            assertThat(paho.on(forbidden)).as("the denied PUBLISH at the broker").isEmpty();
            assertThat(mosquitto.log()).as("mosquitto log").doesNotContain("'" + forbidden + "'");

            // SUBSCRIBE: only inside perm/in/#.
            assertThat(a.subscribe("perm/#", QoS.AT_LEAST_ONCE).returnCode()).as("SUBACK for perm/#")
                    .isEqualTo(REJECTED_NOT_SUPPORTED);
            awaitMetric(gw, "session.denied", denied + 3);
            assertThat(a.subscribe("perm/in/+", QoS.AT_LEAST_ONCE).returnCode()).isEqualTo(ACCEPTED);
            awaitBrokerLog("perm-a 1 perm/in/+");
            assertThat(brokerSubscriptions("perm-a")).as("what perm-a subscribed to at the broker")
                    .containsExactly("perm/in/+");
            // The broker keeps one client's messages in order: had perm/# been subscribed, perm/x would come first.
            paho.publish("perm/x", "must not arrive", 1);
            paho.publish("perm/in/y", "marker", 1);
            Publish first = a.receive();
            assertThat(a.topicOf(first)).isEqualTo("perm/in/y");
            assertThat(first.data().utf8()).isEqualTo("marker");
            assertThat(a.receivedWithin(QUIET)).as("after the marker").isEmpty();
            assertThat(gw.metric("session.denied")).isEqualTo(denied + 3);
            a.disconnect();
        }
    }

    @Test
    void theDefaultEntryRestrictsAnUnlistedClient(@TempDir Path dir) throws Exception {
        Path devices = write(dir.resolve("devices.yaml"), """
                default:
                  publish: ["public/%c/#"]
                  subscribe: ["public/#"]
                devices:
                  - client-id: perm-a
                    publish: ["perm/%c/#"]
                    subscribe: ["perm/in/#"]
                """);
        try (TestGateway gw = gateway(devices, false);
             Observer paho = gw.observer("dev-default-paho");
             Device stranger = gw.device("perm-stranger")) {
            paho.subscribe("public/#", 1);
            stranger.connected(true, 60); // require-listed is false: unlisted ids connect
            long denied = gw.metric("session.denied");
            assertThat(registerAnswer(stranger, "perm/perm-stranger/t").returnCode())
                    .as("perm-a's entry is not the stranger's").isEqualTo(REJECTED_NOT_SUPPORTED);
            assertThat(registerAnswer(stranger, "public/someone-else/t").returnCode())
                    .as("%c of the default entry is the stranger's own id").isEqualTo(REJECTED_NOT_SUPPORTED);
            assertThat(stranger.subscribe("perm/in/+", QoS.AT_LEAST_ONCE).returnCode()).isEqualTo(REJECTED_NOT_SUPPORTED);
            awaitMetric(gw, "session.denied", denied + 3);

            int own = stranger.register("public/perm-stranger/t");
            assertThat(stranger.publish1(TopicIdType.NORMAL, own, bytes("default allows"), false).returnCode())
                    .isEqualTo(ACCEPTED);
            paho.awaitText("public/perm-stranger/t", "default allows");
            assertThat(stranger.subscribe("public/news/+", QoS.AT_LEAST_ONCE).returnCode()).isEqualTo(ACCEPTED);
            paho.publish("public/news/today", "news", 1);
            Publish p = stranger.receive();
            assertThat(stranger.topicOf(p)).isEqualTo("public/news/today");
            assertThat(p.data().utf8()).isEqualTo("news");
            assertThat(gw.metric("session.denied")).isEqualTo(denied + 3);
            stranger.disconnect();
        }
    }

    @Test
    void aDevicesOwnPredefinedIdIsOnlyItsOwn(@TempDir Path dir) throws Exception {
        Path devices = write(dir.resolve("devices.yaml"), """
                devices:
                  - client-id: pre-a
                    predefined:
                      500: "perm/pre-a/pre"
                    publish: ["perm/%c/#"]
                """);
        try (TestGateway gw = gateway(devices, false);
             Observer paho = gw.observer("dev-pre-paho");
             Device a = gw.device("pre-a");
             Device b = gw.device("pre-b")) {
            paho.subscribe("perm/#", 1);
            a.connected(true, 60);
            b.connected(true, 60);

            PubAck ofB = b.publish1(TopicIdType.PREDEFINED, 500, bytes("from b"), false);
            assertThat(ofB.returnCode()).as("PUBACK for predefined id 500 without that entry")
                    .isEqualTo(REJECTED_INVALID_TOPIC_ID);
            PubAck ofA = a.publish1(TopicIdType.PREDEFINED, 500, bytes("from a"), false);
            assertThat(ofA.returnCode()).isEqualTo(ACCEPTED);
            Observer.Message got = paho.awaitFirst("perm/pre-a/pre");
            assertThat(got.text()).isEqualTo("from a");
            assertThat(got.qos()).isEqualTo(1);
            assertThat(paho.received).as("everything Paho got").extracting(Observer.Message::text)
                    .containsExactly("from a");
            a.disconnect();
            b.disconnect();
        }
    }

    // ================================================================== reload

    @Test
    void reloadAppliesToTheRunningSessionAndABadFileKeepsThePreviousRules(@TempDir Path dir) throws Exception {
        String first = """
                devices:
                  - client-id: reload-a
                    publish: ["perm/%c/#"]
                """;
        Path devices = write(dir.resolve("devices.yaml"), first);
        try (TestGateway gw = gateway(devices, false);
             Observer paho = gw.observer("dev-reload-paho");
             Device a = gw.device("reload-a")) {
            paho.subscribe("perm/#", 1);
            a.connected(true, 60);
            assertThat(registerAnswer(a, "perm/other/x").returnCode()).as("before the reload")
                    .isEqualTo(REJECTED_NOT_SUPPORTED);
            long reloaded = gw.metric("devices_file.reloaded");
            long failed = gw.metric("devices_file.reload_failed");

            write(devices, """
                    devices:
                      - client-id: reload-a
                        publish: ["perm/%c/#", "perm/other/#"]
                    """);
            assertThat(gw.gateway.reloadDevices()).as("reloadDevices() of a good file").isTrue();
            assertThat(gw.metric("devices_file.reloaded")).isEqualTo(reloaded + 1);
            int other = a.register("perm/other/x"); // the same session, no new CONNECT
            assertThat(a.publish1(TopicIdType.NORMAL, other, bytes("after reload"), false).returnCode())
                    .isEqualTo(ACCEPTED);
            paho.awaitText("perm/other/x", "after reload");

            // A bad file: nothing of it applies (it would allow perm/third/z and pin the device elsewhere).
            write(devices, """
                    devices:
                      - client-id: reload-a
                        publish: ["perm/#"]
                        addresses: ["gateway.example"]
                    """);
            assertThat(gw.gateway.reloadDevices()).as("reloadDevices() of a bad file").isFalse();
            assertThat(gw.metric("devices_file.reload_failed")).isEqualTo(failed + 1);
            assertThat(gw.metric("devices_file.reloaded")).isEqualTo(reloaded + 1);
            a.register("perm/other/y");
            assertThat(registerAnswer(a, "perm/third/z").returnCode()).as("what only the bad file allowed")
                    .isEqualTo(REJECTED_NOT_SUPPORTED);
            a.send(PingReq.PLAIN);
            a.expect(PingResp.class);

            // Taking the permission back: a PUBLISH to an id registered before is judged by the new file.
            write(devices, first);
            long denied = gw.metric("session.denied");
            assertThat(gw.gateway.reloadDevices()).isTrue();
            assertThat(gw.metric("devices_file.reloaded")).isEqualTo(reloaded + 2);
            assertThat(a.publish1(TopicIdType.NORMAL, other, bytes("after revoke"), false).returnCode())
                    .as("PUBLISH to a topic no longer allowed").isEqualTo(REJECTED_NOT_SUPPORTED);
            awaitMetric(gw, "session.denied", denied + 1);
            int own = a.register("perm/reload-a/t");
            assertThat(a.publish1(TopicIdType.NORMAL, own, bytes("marker"), false).returnCode()).isEqualTo(ACCEPTED);
            paho.awaitText("perm/reload-a/t", "marker");
            assertThat(paho.texts("perm/other/x")).containsExactly("after reload");
            a.disconnect();
        }
    }

    // ================================================================== Paho files

    @Test
    void pahoClientsConfPinsToIpAndPortAndPahoPredefinedLinesArePerClient(@TempDir Path dir) throws Exception {
        try (Endpoint a = new Endpoint("127.0.0.1", "client-a");
             Endpoint b = new Endpoint("127.0.0.1", "client-b");
             Endpoint otherPort = new Endpoint("127.0.0.1", "client-a")) {
            // The sockets are bound first: the clients.conf names their ports.
            Path clients = write(dir.resolve("clients.conf"), "# Paho MQTT-SN gateway client list\n"
                    + "client-a,127.0.0.1:" + a.port() + "\n"
                    + "client-b, 127.0.0.1:" + b.port() + "\n");
            Path predefined = write(dir.resolve("predefinedTopic.conf"), """
                    # Paho predefined topics: ClientID,TopicName,TopicID
                    client-a,paho/a/temp,7
                    *,paho/all,8
                    """);
            try (TestGateway gw = TestGateway.on(mosquitto.broker, c -> c
                    .with(GatewaySettings.PREDEFINED_FILE, predefined.toString())
                    .with(GatewaySettings.DEVICES_FILE, clients.toString())
                    .with(GatewaySettings.DEVICES_REQUIRE_LISTED, true));
                 Observer paho = gw.observer("dev-paho-conf-paho")) {
                paho.subscribe("paho/#", 1);
                a.toGateway(gw.udpPort());
                b.toGateway(gw.udpPort());
                otherPort.toGateway(gw.udpPort());
                long notAllowed = gw.metric("connect_refused.address_not_allowed");
                long notListed = gw.metric("connect_refused.not_listed");

                assertThat(otherPort.connect(true, 60).returnCode()).as("client-a from another port")
                        .isEqualTo(REJECTED_NOT_SUPPORTED);
                awaitMetric(gw, "connect_refused.address_not_allowed", notAllowed + 1);
                assertThat(otherPort.connect("client-c", true, 60).returnCode()).as("a client clients.conf does not list")
                        .isEqualTo(REJECTED_NOT_SUPPORTED);
                awaitMetric(gw, "connect_refused.not_listed", notListed + 1);

                assertThat(a.connect(true, 60).returnCode()).as("client-a from its own IP:port").isEqualTo(ACCEPTED);
                assertThat(b.connect(true, 60).returnCode()).as("client-b from its own IP:port").isEqualTo(ACCEPTED);
                assertThat(otherPort.connect(true, 60).returnCode()).as("client-a's session taken from another port")
                        .isEqualTo(REJECTED_NOT_SUPPORTED);
                awaitMetric(gw, "connect_refused.address_not_allowed", notAllowed + 2);

                assertThat(a.publish1(TopicIdType.PREDEFINED, 7, bytes("a on 7")).returnCode()).isEqualTo(ACCEPTED);
                assertThat(a.publish1(TopicIdType.PREDEFINED, 8, bytes("a on 8")).returnCode()).isEqualTo(ACCEPTED);
                assertThat(b.publish1(TopicIdType.PREDEFINED, 7, bytes("b on 7")).returnCode())
                        .as("client-b's PUBACK for client-a's id 7").isEqualTo(REJECTED_INVALID_TOPIC_ID);
                assertThat(b.publish1(TopicIdType.PREDEFINED, 8, bytes("b on 8")).returnCode()).isEqualTo(ACCEPTED);
                paho.awaitText("paho/a/temp", "a on 7");
                paho.awaitCount("paho/all", 2);
                assertThat(paho.texts("paho/all")).containsExactlyInAnyOrder("a on 8", "b on 8");
                assertThat(paho.texts("paho/a/temp")).containsExactly("a on 7");

                a.send(Disconnect.PLAIN);
                a.expect(Disconnect.class, d -> true, "DISCONNECT");
                b.send(Disconnect.PLAIN);
                b.expect(Disconnect.class, d -> true, "DISCONNECT");
            }
        }
    }

    // ================================================================== the gateway process

    @Test
    void aBadDevicesFileStopsTheProcessWithExitTwoNamingFileLineAndReason(@TempDir Path dir) throws Exception {
        Path devices = write(dir.resolve("devices.yaml"), """
                devices:
                  - client-id: sensor-1
                    addresses: ["gateway.example"]
                """);
        Path config = write(dir.resolve("gateway.yaml"), "devices:\n  file: '" + devices + "'\n");
        try (GatewayProcess gateway = GatewayProcess.start(List.of("--config", config.toString(), "--port", "0",
                "--advertise", "0"))) {
            assertThat(gateway.waitForExit()).as("exit status; %s", gateway).isEqualTo(2);
            String stderr = String.join("\n", gateway.stderr);
            assertThat(stderr).as("stderr").contains(devices + " line 3")
                    .contains("'gateway.example' is not an IP address");
            assertThat(gateway.readyLine()).as("no ready line").isEmpty();
        }
    }

    @Test
    void sighupReloadsTheDevicesFileOfARunningProcess(@TempDir Path dir) throws Exception {
        Path devices = write(dir.resolve("devices.yaml"), """
                devices:
                  - client-id: proc-dev
                    publish: ["proc/%c/#"]
                """);
        Path config = write(dir.resolve("gateway.yaml"), "devices:\n  file: '" + devices + "'\n");
        try (Observer paho = Observer.connect(mosquitto.uri(), "dev-proc-paho");
             GatewayProcess gateway = GatewayProcess.start(List.of("--config", config.toString(), "--port", "0",
                     "--broker", mosquitto.uri(), "--advertise", "0"))) {
            paho.subscribe("proc/#", 1);
            int port = Integer.parseInt(gateway.awaitReady().group(1));
            try (Device d = new Device(port, "proc-dev")) {
                d.connected(true, 60);
                assertThat(registerAnswer(d, "proc/shared/x").returnCode()).as("before SIGHUP")
                        .isEqualTo(REJECTED_NOT_SUPPORTED);

                write(devices, """
                        devices:
                          - client-id: proc-dev
                            publish: ["proc/%c/#", "proc/shared/#"]
                        """);
                hangUp(gateway);
                String reloadedLine = "devices file " + devices + " reloaded";
                await("the gateway logs '" + reloadedLine + "'; its stderr so far: " + gateway.stderr)
                        .atMost(WAIT).pollInterval(Duration.ofMillis(20))
                        .failFast("the gateway exited: " + gateway, () -> !gateway.process.isAlive())
                        .until(() -> String.join("\n", gateway.stderr).contains(reloadedLine));
                int shared = d.register("proc/shared/x");
                assertThat(d.publish1(TopicIdType.NORMAL, shared, bytes("after SIGHUP"), false).returnCode())
                        .isEqualTo(ACCEPTED);
                paho.awaitText("proc/shared/x", "after SIGHUP");

                // A bad file on SIGHUP: logged with its line, the process runs on with the rules it had.
                write(devices, """
                        devices:
                          - client-id: proc-dev
                            publish: ["proc/#"]
                            bogus: 1
                        """);
                hangUp(gateway);
                await("the gateway logs the bad file").atMost(WAIT).pollInterval(Duration.ofMillis(20))
                        .failFast("the gateway exited: " + gateway, () -> !gateway.process.isAlive())
                        .until(() -> gateway.stderr.stream().anyMatch(l -> l.contains("devices file not reloaded")
                                && l.contains(devices + " line 4")));
                assertThat(registerAnswer(d, "proc/third/x").returnCode()).as("what only the bad file allowed")
                        .isEqualTo(REJECTED_NOT_SUPPORTED);
                d.register("proc/shared/y");
                d.disconnect();
            }
            assertThat(gateway.terminate()).as("exit status after SIGTERM; %s", gateway).isIn(0, 143);
        }
    }

    // ================================================================== helpers

    TestGateway gateway(Path devicesFile, boolean requireListed) throws Exception {
        return TestGateway.on(mosquitto.broker, c -> c.with(GatewaySettings.DEVICES_FILE, devicesFile.toString())
                .with(GatewaySettings.DEVICES_REQUIRE_LISTED, requireListed));
    }

    @Test
    void qosMinusOneIsTakenOnlyFromAPinnedAddressWhoseEntryAllowsIt(@TempDir Path dir) throws Exception {
        // QoS -1 names no client: with require-listed, only an address a pinned QoS -1 entry
        // allows may publish, and only where that entry may publish.
        String topic = TestGateway.PREDEFINED.get(100);
        Path devices = write(dir.resolve("devices.yaml"), """
                devices:
                  - client-id: beacon
                    addresses: ["127.0.0.2"]
                    qos-minus-one: true
                    publish: ["it/predefined/qos-minus-one"]
                """);
        try (TestGateway gw = gateway(devices, true);
             Observer paho = gw.observer("dev-qos-1-paho");
             Endpoint beacon = new Endpoint("127.0.0.2", "beacon").toGateway(gw.udpPort());
             Endpoint stranger = new Endpoint("127.0.0.1", "stranger").toGateway(gw.udpPort())) {
            paho.subscribe(topic, 0);
            long dropped = gw.metric(Metrics.DROPPED_QOS_MINUS_ONE);

            stranger.send(new Publish(false, QoS.MINUS_ONE, false, TopicIdType.PREDEFINED, 100, 0, Bytes.utf8("forged")));
            awaitMetric(gw, Metrics.DROPPED_QOS_MINUS_ONE, dropped + 1);
            // A short topic the entry may not publish to is refused from the pinned address too.
            beacon.send(Publish.toShortName("zz", QoS.MINUS_ONE, false, 0, Bytes.utf8("elsewhere")));
            awaitMetric(gw, Metrics.DROPPED_QOS_MINUS_ONE, dropped + 2);

            beacon.send(new Publish(false, QoS.MINUS_ONE, false, TopicIdType.PREDEFINED, 100, 0, Bytes.utf8("beacon")));
            assertThat(paho.awaitFirst(topic).text()).isEqualTo("beacon");
            assertThat(paho.texts(topic)).containsExactly("beacon");
            assertThat(paho.texts("zz")).isEmpty();
        }
    }

    static Path write(Path file, String text) throws IOException {
        return Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Counters of a session's discards are counted on its event loop: wait for the count, then it must be exact. */
    static void awaitMetric(TestGateway gw, String name, long expected) {
        await(name + " reaches " + expected).atMost(WAIT).pollInterval(Duration.ofMillis(10))
                .until(() -> gw.metric(name) >= expected);
        assertThat(gw.metric(name)).as(name).isEqualTo(expected);
    }

    void awaitBrokerLog(String line) {
        await("mosquitto logs '" + line + "'").atMost(WAIT).pollInterval(Duration.ofMillis(20))
                .until(() -> mosquitto.log().contains(line));
    }

    /**
     * The topic filters mosquitto logged for one client's SUBSCRIBEs ("Received SUBSCRIBE from ID",
     * then one tab-indented "FILTER (QoS n)" line per filter).
     */
    List<String> brokerSubscriptions(String clientId) {
        List<String> filters = new ArrayList<>();
        boolean ours = false;
        for (String line : mosquitto.log().split("\n")) {
            String text = line.replaceFirst("^\\d+: ", "");
            if (text.startsWith("Received SUBSCRIBE from ")) {
                ours = text.equals("Received SUBSCRIBE from " + clientId);
            } else if (ours && text.startsWith("\t")) {
                filters.add(text.substring(1).replaceFirst(" \\(QoS \\d\\)$", ""));
            } else {
                ours = false;
            }
        }
        return filters;
    }

    /** The REGACK for a REGISTER of {@code topic}, whatever its return code. */
    static RegAck registerAnswer(Device d, String topic) {
        int msgId = d.nextMsgId();
        d.send(new Register(0, msgId, topic));
        return d.expect(RegAck.class, a -> a.msgId() == msgId, "REGACK " + msgId);
    }

    /** SIGHUP to the gateway process (no Java API sends it). */
    static void hangUp(GatewayProcess gateway) throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(gateway.process.pid()))
                .redirectErrorStream(true).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).as("kill -HUP returns").isTrue();
        assertThat(kill.exitValue()).as("kill -HUP exit status").isZero();
    }

    /**
     * An MQTT-SN device on a UDP socket bound to a chosen local address (127.0.0.2 is another host
     * to the gateway), bound before it knows the gateway's port, so that a devices file written
     * before the gateway starts can name the socket's port.
     */
    static final class Endpoint implements AutoCloseable {

        final String clientId;
        final Map<Integer, String> topicIds = new HashMap<>();
        private final DatagramSocket socket;
        private final List<MqttSn12Message> kept = new ArrayList<>();
        private InetSocketAddress gateway;
        private int msgId;

        Endpoint(String localIp, String clientId) throws IOException {
            this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(localIp), 0));
            this.clientId = clientId;
        }

        Endpoint toGateway(int gatewayPort) {
            gateway = new InetSocketAddress(InetAddress.getLoopbackAddress(), gatewayPort);
            return this;
        }

        int port() {
            return socket.getLocalPort();
        }

        String address() {
            return socket.getLocalAddress().getHostAddress() + ":" + socket.getLocalPort();
        }

        void send(MqttSn12Message message) {
            byte[] bytes = MqttSn12Codec.INSTANCE.encode(message);
            try {
                socket.send(new DatagramPacket(bytes, bytes.length, gateway));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The next packet of {@code type} that matches; others are kept for later. */
        <T extends MqttSn12Message> T expect(Class<T> type, Predicate<T> wanted, String what) {
            Predicate<MqttSn12Message> match = m -> type.isInstance(m) && wanted.test(type.cast(m));
            for (int i = 0; i < kept.size(); i++) {
                if (match.test(kept.get(i))) {
                    return type.cast(kept.remove(i));
                }
            }
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                MqttSn12Message next = receive(deadline);
                if (next == null) {
                    throw new AssertionError(clientId + " at " + address() + ": no " + what + " within " + WAIT
                            + "; received meanwhile: " + kept);
                }
                if (match.test(next)) {
                    return type.cast(next);
                }
                kept.add(next);
            }
        }

        /** The next packet in arrival order (kept ones first). */
        MqttSn12Message next() {
            return expect(MqttSn12Message.class, m -> true, "any packet");
        }

        /** What arrives within {@code window}, with what was kept. */
        List<MqttSn12Message> receivedWithin(Duration window) {
            List<MqttSn12Message> got = new ArrayList<>(kept);
            kept.clear();
            long deadline = System.nanoTime() + window.toNanos();
            for (MqttSn12Message m = receive(deadline); m != null; m = receive(deadline)) {
                got.add(m);
            }
            return got;
        }

        private MqttSn12Message receive(long deadlineNanos) {
            byte[] buffer = new byte[65_535];
            long millis = (deadlineNanos - System.nanoTime()) / 1_000_000;
            if (millis <= 0) {
                return null;
            }
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.setSoTimeout((int) Math.max(1, millis));
                socket.receive(packet);
                return MqttSn12Codec.INSTANCE.decode(Arrays.copyOf(buffer, packet.getLength()));
            } catch (SocketTimeoutException e) {
                return null;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (DecodeException e) {
                throw new AssertionError("the gateway sent a malformed packet: " + e.getMessage(), e);
            }
        }

        ConnAck connect(boolean cleanSession, int keepAlive) {
            return connect(clientId, cleanSession, keepAlive);
        }

        ConnAck connect(String asClientId, boolean cleanSession, int keepAlive) {
            send(new Connect(false, cleanSession, keepAlive, asClientId));
            return expect(ConnAck.class, a -> true, "CONNACK for " + asClientId);
        }

        SubAck subscribe(TopicRef topic, QoS qos) {
            int id = nextMsgId();
            send(new Subscribe(false, qos, id, topic));
            return expect(SubAck.class, a -> a.msgId() == id, "SUBACK " + id);
        }

        PubAck publish1(TopicIdType type, int topicId, byte[] data) {
            int id = nextMsgId();
            send(new Publish(false, QoS.AT_LEAST_ONCE, false, type, topicId, id, Bytes.copyOf(data)));
            return expect(PubAck.class, a -> a.msgId() == id, "PUBACK " + id);
        }

        /** The next PUBLISH, acknowledged; the gateway's REGISTERs before it are accepted. */
        Publish receive() {
            while (true) {
                MqttSn12Message m = next();
                if (m instanceof Register register) {
                    acceptRegister(register);
                } else if (m instanceof Publish publish) {
                    acknowledge(publish);
                    return publish;
                } else {
                    throw new AssertionError(clientId + ": expected REGISTER or PUBLISH, got " + m);
                }
            }
        }

        /** After a wake-up PINGREQ: the PUBLISHes (acknowledged) that come before the PINGRESP. */
        List<Publish> publishesUntilPingResp() {
            List<Publish> got = new ArrayList<>();
            while (true) {
                MqttSn12Message m = next();
                if (m instanceof PingResp) {
                    return got;
                }
                if (m instanceof Register register) {
                    acceptRegister(register);
                } else if (m instanceof Publish publish) {
                    acknowledge(publish);
                    got.add(publish);
                } else {
                    throw new AssertionError(clientId + ": expected REGISTER, PUBLISH or PINGRESP, got " + m);
                }
            }
        }

        private void acceptRegister(Register register) {
            topicIds.put(register.topicId(), register.topicName().utf8());
            send(new RegAck(register.topicId(), register.msgId(), ACCEPTED));
        }

        private void acknowledge(Publish publish) {
            if (publish.qos() == QoS.AT_LEAST_ONCE) {
                send(new PubAck(publish.topicId(), publish.msgId(), ACCEPTED));
            } else if (publish.qos() == QoS.EXACTLY_ONCE) {
                throw new AssertionError("this helper subscribes at QoS 1 only, got " + publish);
            }
        }

        String topicOf(Publish publish) {
            return publish.topicIdType() == TopicIdType.NORMAL ? topicIds.get(publish.topicId()) : null;
        }

        int nextMsgId() {
            msgId = msgId % 0xFFFF + 1;
            return msgId;
        }

        @Override
        public void close() {
            socket.close();
        }
    }
}
