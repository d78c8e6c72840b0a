package io.sngate.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.device.it.BrokerWatcher;
import io.sngate.device.it.GatewayUnderTest;
import io.sngate.hw.config.DtlsClientAuth;
import io.sngate.hw.config.DtlsIdentityBinding;
import io.sngate.hw.config.GatewayMode;
import io.sngate.hw.config.GatewaySettings;
import io.sngate.hw.testing.TestPki;
import io.sngate.sim.bench.BenchCommand;
import io.sngate.sim.nat.NatRebinder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tools, a fleet and the bench over DTLS to the gateway's own DTLS listener and a real
 * mosquitto; a Paho client on the broker checks what arrived. The gateway binds identities with
 * {@code dtls.identity-binding: mapped} here, as a lab running the bench (whose client ids are
 * made per run) would; exact binding is shown in the gateway's own tests.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DtlsEndToEndTest {

    static final String KEY_HEX = "00112233445566778899aabbccddeeff";
    static final int PREDEFINED = 7;
    static final int FLEET = 5;
    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;

    static GatewayUnderTest env;
    static BrokerWatcher watcher;
    static TestPki pki;
    static TestPki.Issued device;
    static Path fleetKeys;
    static Path benchKeys;

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.create(dir.resolve("pki"), "gateway CA");
        device = pki.client("dtls-sub");
        List<String> lines = new ArrayList<>(List.of("# the fleet's keys"));
        List<String> benchLines = new ArrayList<>();
        byte[] key = HexFormat.of().parseHex(KEY_HEX);
        List<String> keyLines = new ArrayList<>(List.of("sensor-1," + KEY_HEX));
        for (int n = 0; n < FLEET; n++) {
            byte[] own = key.clone();
            own[0] = (byte) n; // each device a key of its own
            lines.add("fleet-" + n + "," + HexFormat.of().formatHex(own));
            own[1] = (byte) n;
            benchLines.add("bench-" + n + "," + HexFormat.of().formatHex(own));
        }
        keyLines.addAll(lines.subList(1, lines.size()));
        keyLines.addAll(benchLines);
        Path gatewayKeys = Files.write(dir.resolve("gateway-psk.txt"), keyLines);
        TestPki.Issued gatewayCert = pki.server("localhost");
        int dtlsPort = freeUdpPort();
        env = GatewayUnderTest.start(GatewayMode.TRANSPARENT, Map.of(PREDEFINED, "dtls/predefined"),
                io.sngate.hw.config.HardwareConfig.NONE, config -> config
                        .with(GatewaySettings.DTLS_PORT, dtlsPort)
                        .with(GatewaySettings.DTLS_BIND, "127.0.0.1")
                        .with(GatewaySettings.DTLS_PSK_FILE, gatewayKeys.toString())
                        .with(Map.of(GatewaySettings.DTLS_CERT_FILE, gatewayCert.certFile().toString(),
                                GatewaySettings.DTLS_KEY_FILE, gatewayCert.keyFile().toString()))
                        .with(GatewaySettings.DTLS_CA_FILE, pki.caFile().toString())
                        .with(GatewaySettings.DTLS_CLIENT_AUTH, DtlsClientAuth.WANTED)
                        .with(GatewaySettings.DTLS_IDENTITY_BINDING, DtlsIdentityBinding.MAPPED));
        watcher = new BrokerWatcher(env.brokerUri(), "dtls-watcher");
        watcher.subscribe("dtls/#", 2);
        fleetKeys = dir.resolve("fleet-keys.csv");
        Files.write(fleetKeys, lines);
        benchKeys = dir.resolve("bench-keys.csv");
        Files.write(benchKeys, benchLines);
    }

    @AfterAll
    static void stop() throws Exception {
        if (watcher != null) {
            watcher.close();
        }
        if (env != null) {
            env.close();
        }
    }

    /** The tool's options to reach the gateway over DTLS, then {@code more}. */
    static String[] dtls(String command, String... more) {
        List<String> args = new ArrayList<>(List.of(command, "-h", "127.0.0.1", "-p",
                Integer.toString(env.dtlsPort()), "--dtls"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    // ------------------------------------------------------------------ pub and sub

    @Test
    void pubWithAPskReachesTheBroker() {
        PubSubCommandTest.Run run = PubSubCommandTest.run(dtls("pub", "--psk-identity", "sensor-1", "--psk-hex", KEY_HEX,
                "-t", "dtls/pub/psk", "-m", "sealed reading", "-q", "1"));

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(watcher.awaitMessage("dtls/pub/psk").text()).isEqualTo("sealed reading");
        assertThat(env.metric("dtls.handshakes")).isPositive();
    }

    @Test
    void pubTakesTheKeyOfItsIdentityFromAPskFile() throws Exception {
        Path keys = dir.resolve("pub-keys.csv");
        Files.writeString(keys, "someone-else,ffff\nsensor-1," + KEY_HEX + "\n");

        PubSubCommandTest.Run run = PubSubCommandTest.run(dtls("pub", "--psk-file", keys.toString(), "--psk-identity",
                "sensor-1", "-t", "dtls/pub/file", "-m", "from the file", "-q", "2"));

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(watcher.awaitMessage("dtls/pub/file").text()).isEqualTo("from the file");
    }

    @Test
    void aQosMinusOnePublishLeavesBeforePubExits() {
        // Nothing answers it: pub must wait for the handshake and the record to go out before closing.
        PubSubCommandTest.Run run = PubSubCommandTest.run(dtls("pub", "--psk-identity", "sensor-1", "--psk-hex",
                KEY_HEX, "--predefined", Integer.toString(PREDEFINED), "-q", "-1", "-m", "fire and forget"));

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(watcher.awaitMessage("dtls/predefined").text()).isEqualTo("fire and forget");
    }

    @Test
    void subWithADeviceCertificatePrintsWhatArrives() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<PubSubCommandTest.Run> sub = PubSubCommandTest.runAsync(err, dtls("sub", "--cafile",
                pki.caFile().toString(), "--cert", device.certFile().toString(), "--key", device.keyFile().toString(),
                "-t", "dtls/sub/#", "-q", "1", "-v", "-C", "1", "-W", "30", "-d"));
        await("sub's SUBACK").atMost(WAIT).pollInterval(Duration.ofMillis(20)).failFast("sub ended early", sub::isDone)
                .until(() -> err.toString(StandardCharsets.UTF_8).contains("received SubAck"));

        watcher.publish("dtls/sub/x", "to the certified device", 1);

        PubSubCommandTest.Run run = sub.orTimeout(60, TimeUnit.SECONDS).join();
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("dtls/sub/x to the certified device\n");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("DTLS session TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,"
                + " gateway CID ");
    }

    @Test
    void anUnknownIdentityEndsPubWithTheHandshakesReason() {
        PubSubCommandTest.Run run = PubSubCommandTest.run(dtls("pub", "--psk-identity", "intruder", "--psk-hex", KEY_HEX,
                "-t", "dtls/never", "-m", "x", "-q", "1"));

        assertThat(run.code()).isEqualTo(1);
        assertThat(run.errLines()).containsExactly("sngate-sim pub: connect failed: DTLS handshake with 127.0.0.1:"
                + env.dtlsPort() + " failed: no answer to our Finished after 3 tries: the gateway does not"
                + " know PSK identity 'intruder' or has another key for it (a gateway drops such a handshake"
                + " silently), or the packets were lost");
    }

    @Test
    void aGatewayCertificateFromAnotherCaEndsSubWithTheReason() {
        TestPki stranger = TestPki.create(dir.resolve("stranger"), "not the gateway's CA");

        PubSubCommandTest.Run run = PubSubCommandTest.run(dtls("sub", "--cafile", stranger.caFile().toString(), "-t",
                "dtls/never"));

        assertThat(run.code()).isEqualTo(1);
        assertThat(run.errLines()).singleElement().satisfies(line -> assertThat(line).startsWith(
                "sngate-sim sub: connect failed: DTLS handshake with 127.0.0.1:" + env.dtlsPort()
                        + " failed: the gateway's certificate is not trusted: "));
    }

    // ------------------------------------------------------------------ a fleet through a rebinding NAT

    @Test
    void aFleetKeepsItsDtlsSessionsWhenTheNatGivesEveryDeviceANewPort() throws Exception {
        Path scenarioFile = dir.resolve("dtls-fleet.yaml");
        Files.writeString(scenarioFile, """
                gateway:
                  host: 127.0.0.1
                  port: %d
                devices:
                  count: %d
                  client-id-prefix: "dtls-fleet-"
                  retry-seconds: 1
                duration-seconds: 60
                connect-spread-seconds: 0.5
                publish:
                  topic: "dtls/fleet/{id}"
                  interval-seconds: 0.3
                  qos: 1
                dtls:
                  enabled: true
                  psk-identity: "fleet-{n}"
                  psk-file: "%s"
                nat:
                  enabled: true
                  rebind-at-seconds: [5]
                runtimes: 2
                """.formatted(env.dtlsPort(), FLEET, fleetKeys.getFileName()));
        Scenario scenario = Scenario.load(scenarioFile);

        long handshakesBefore = env.metric("dtls.handshakes");
        long movedBefore = env.metric("dtls.address_changed");
        try (Fleet fleet = new Fleet(scenario)) {
            fleet.start();
            FleetStats stats = fleet.stats();
            NatRebinder nat = fleet.nat().orElseThrow();
            await("every device publishing through the NAT").atMost(WAIT)
                    .until(() -> stats.acknowledged.get() >= 2L * FLEET && nat.mappings().size() == FLEET);
            assertThat(fleet.summary()).containsEntry("nat: source ports changed", 0L);
            Set<InetSocketAddress> before = Set.copyOf(nat.mappings().values());

            await("the NAT's rebinding of every device").atMost(WAIT)
                    .until(() -> fleet.summary().get("nat: source ports changed") == FLEET);
            long acknowledgedAtRebind = stats.acknowledged.get();
            await("every device publishing from its new port").atMost(WAIT)
                    .until(() -> stats.acknowledged.get() >= acknowledgedAtRebind + 3L * FLEET);

            // The gateway moved each device's DTLS session to its new port (Connection ID): no new
            // handshake, no reconnect, nothing lost.
            assertThat(Set.copyOf(nat.mappings().values())).hasSize(FLEET).doesNotContainAnyElementsOf(before);
            assertThat(env.metric("dtls.address_changed") - movedBefore).isEqualTo(FLEET);
            assertThat(env.metric("dtls.handshakes") - handshakesBefore).isEqualTo(FLEET);
            assertThat(fleet.summary()).containsEntry("dtls: handshakes", (long) FLEET)
                    .containsEntry("dtls: handshake failures", 0L)
                    .containsEntry("dtls: packets not sent", 0L);
            assertThat(stats.lost.get()).isZero();
            assertThat(stats.connects.get()).isEqualTo(FLEET);
        }
        for (int n = 0; n < FLEET; n++) {
            assertThat(watcher.texts("dtls/fleet/dtls-fleet-" + n)).as("device %d's readings", n).hasSizeGreaterThan(3);
        }
    }

    static int freeUdpPort() throws java.io.IOException {
        try (java.net.DatagramSocket socket = new java.net.DatagramSocket(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return socket.getLocalPort();
        }
    }

    // ------------------------------------------------------------------ bench

    @Test
    void benchConnectsAndPublishesOverDtls() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = new BenchCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).run(List.of("qos1", "-h", "127.0.0.1", "-p",
                Integer.toString(env.dtlsPort()), "--broker", env.brokerUri(), "--clients", "5",
                "--runtimes", "2", "--duration", "0.5", "--warmup", "0", "--drain", "5", "--no-ceiling", "--retry",
                "2", "--dtls", "--psk-identity", "bench-{n}", "--psk-file", benchKeys.toString()));

        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(printed + err).isZero();
        assertThat(printed.lines().findFirst().orElseThrow()).endsWith("--dtls --psk-identity 'bench-{n}' --psk-file "
                + benchKeys);
        assertThat(printed).contains("# over DTLS with PSK identity bench-{n} from " + benchKeys)
                .contains("5 devices connected to 127.0.0.1:" + env.dtlsPort());
        assertThat(printed).doesNotContain("DTLS handshakes failed");
    }
}
