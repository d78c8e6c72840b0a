package io.sngate.gateway.it;

import static io.sngate.codec.v12.TopicIdType.NORMAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.gateway.BrokerUnavailableException;
import io.sngate.gateway.testing.LogCapture;
import io.sngate.gateway.testing.Mosquitto;
import io.sngate.hw.config.GatewayMode;
import io.sngate.hw.config.GatewaySettings;
import io.sngate.hw.config.Setting;
import io.sngate.hw.testing.TestPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The gateway's broker connections over TLS, against a real mosquitto whose TLS listener wants a
 * client certificate from the test CA and takes its common name as the user name. Observers use
 * the broker's plain listener: what they see is what reached the broker through the gateway's
 * TLS connection(s). Certificates are made fresh by {@link TestPki} for every test.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class BrokerTlsTest {

    /** The common name of the gateway's client certificate, which mosquitto logs as the user name. */
    private static final String GATEWAY_CN = "sngate-gw";

    @TempDir
    Path dir;

    private TestPki pki;
    private TestPki.Issued gatewayCertificate;

    @BeforeEach
    void newPki() {
        pki = TestPki.create(dir.resolve("pki"), "sngate broker CA");
        gatewayCertificate = pki.client(GATEWAY_CN);
    }

    /** A broker whose TLS listener on {@code tlsPort} shows {@code server} and requires a client certificate. */
    private static LoggedMosquitto tlsBroker(int tlsPort, TestPki.Issued server) {
        TestPki ca = server.issuer();
        return LoggedMosquitto.start(Mosquitto.tlsListener(tlsPort, ca.caFile(), server.certFile(), server.keyFile(),
                true));
    }

    private static String ssl(int port) {
        return "ssl://127.0.0.1:" + port;
    }

    /** The gateway trusts {@code ca} and shows its client certificate with {@code keyFile} (and more settings). */
    private TestGateway.Tweak tls(Path caFile, Path keyFile, Map<Setting<?>, Object> more) {
        return config -> {
            Map<Setting<?>, Object> changes = new HashMap<>(more);
            changes.put(GatewaySettings.BROKER_TLS_CA_FILE, caFile.toString());
            changes.put(GatewaySettings.BROKER_TLS_CERT_FILE, gatewayCertificate.certFile().toString());
            changes.put(GatewaySettings.BROKER_TLS_KEY_FILE, keyFile.toString());
            return config.with(changes);
        };
    }

    private TestGateway.Tweak trustedWithClientCertificate() {
        return tls(pki.caFile(), gatewayCertificate.keyFile(), Map.of());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ working connections

    @ParameterizedTest
    @EnumSource(GatewayMode.class)
    void aDevicePublishesAndReceivesAtEveryQosThroughTlsWithAClientCertificate(GatewayMode mode) throws Exception {
        int tlsPort = Mosquitto.freePort();
        String tag = "tls-" + mode.name().toLowerCase();
        String up = "it/" + tag + "/up";
        String down = "it/" + tag + "/down";
        try (LoggedMosquitto broker = tlsBroker(tlsPort, pki.server("localhost"));
             TestGateway gw = TestGateway.via(mode, broker.broker, ssl(tlsPort), trustedWithClientCertificate());
             Observer paho = gw.observer(tag + "-paho");
             Device device = gw.device(tag + "-device")) {
            assertThat(gw.gateway.readyLine()).contains(" broker=" + ssl(tlsPort) + " ");
            paho.subscribe(up, 2);
            device.connected(true, 60);

            int topic = device.register(up);
            device.publish0(NORMAL, topic, bytes("q0"), false);
            assertThat(device.publish1(NORMAL, topic, bytes("q1"), false).returnCode()).isEqualTo(ReturnCode.ACCEPTED);
            device.publish2(NORMAL, topic, bytes("q2"), false);
            assertThat(paho.awaitText(up, "q0").qos()).isZero();
            assertThat(paho.awaitText(up, "q1").qos()).isEqualTo(1);
            assertThat(paho.awaitText(up, "q2").qos()).isEqualTo(2);

            assertThat(device.subscribe(down, QoS.EXACTLY_ONCE).returnCode()).isEqualTo(ReturnCode.ACCEPTED);
            Map<String, QoS> received = new HashMap<>();
            for (int qos = 0; qos <= 2; qos++) {
                paho.publish(down, "d" + qos, qos);
                Publish publish = device.receive();
                assertThat(device.topicOf(publish)).isEqualTo(down);
                received.put(publish.data().utf8(), publish.qos());
            }
            assertThat(received).containsExactlyInAnyOrderEntriesOf(Map.of("d0", QoS.AT_MOST_ONCE,
                    "d1", QoS.AT_LEAST_ONCE, "d2", QoS.EXACTLY_ONCE));

            // mosquitto took the user name from the certificate: the connection was TLS with it.
            String connectedAs = mode == GatewayMode.TRANSPARENT ? device.clientId : "sngate-gw1";
            assertThat(broker.log()).containsPattern("New client connected from 127\\.0\\.0\\.1:\\d+ as "
                    + connectedAs + " \\(p5, c\\d, k\\d+, u'" + GATEWAY_CN + "'\\)");

            device.disconnect();
            if (mode == GatewayMode.TRANSPARENT) {
                // DISCONNECT, then the TCP half-close under TLS: the broker sees a clean end.
                await("the broker sees the device's DISCONNECT").atMost(Duration.ofSeconds(10))
                        .until(() -> broker.log().contains("Client " + device.clientId + " disconnected."));
            }
        }
    }

    @Test
    void anEncryptedKeyOpensWithItsPasswordFile() throws Exception {
        int tlsPort = Mosquitto.freePort();
        Path passwordFile = dir.resolve("gateway-key.pass");
        Files.writeString(passwordFile, "key secret\n");
        Path encryptedKey = gatewayCertificate.encryptedKeyFile("key secret");
        assertThat(Files.readString(encryptedKey)).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
        try (LoggedMosquitto broker = tlsBroker(tlsPort, pki.server("localhost"));
             TestGateway gw = TestGateway.via(GatewayMode.TRANSPARENT, broker.broker, ssl(tlsPort),
                     tls(pki.caFile(), encryptedKey,
                             Map.of(GatewaySettings.BROKER_TLS_KEY_PASSWORD_FILE, passwordFile.toString())));
             Observer paho = gw.observer("tls-enc-paho");
             Device device = gw.device("tls-enc-device")) {
            paho.subscribe("it/tls-enc/up", 1);
            device.connected(true, 60);
            int topic = device.register("it/tls-enc/up");
            assertThat(device.publish1(NORMAL, topic, bytes("sealed"), false).returnCode())
                    .isEqualTo(ReturnCode.ACCEPTED);
            paho.awaitText("it/tls-enc/up", "sealed");
            assertThat(broker.log()).contains("as tls-enc-device (p5").contains("u'" + GATEWAY_CN + "'");
        }
    }

    // ------------------------------------------------------------------ refusals

    @Test
    void aBrokerCertificateFromAnotherCaFailsTheDevicesConnectWithTheReason() throws Exception {
        int tlsPort = Mosquitto.freePort();
        TestPki rogue = TestPki.create(dir.resolve("rogue"), "rogue CA");
        try (LogCapture log = LogCapture.start();
             LoggedMosquitto broker = LoggedMosquitto.start(Mosquitto.tlsListener(tlsPort, pki.caFile(),
                     rogue.server("localhost").certFile(), rogue.server("localhost").keyFile(), true));
             TestGateway gw = TestGateway.via(GatewayMode.TRANSPARENT, broker.broker, ssl(tlsPort),
                     trustedWithClientCertificate());
             Device device = gw.device("tls-rogue-device")) {
            ConnAck refused = device.connect(true, 60);
            assertThat(refused.returnCode()).isEqualTo(ReturnCode.REJECTED_CONGESTION);
            // One ERROR for the outage the whole gateway has (the device's own failure is DEBUG), naming the settings.
            String line = log.awaitLine("ERROR", "broker " + ssl(tlsPort) + " does not accept the gateway's connections: "
                    + "cannot connect to 127.0.0.1:" + tlsPort,
                    "TLS handshake failed: certificate verify failed: the broker's certificate is not signed by a CA "
                            + "in broker.tls.ca-file", "check broker.uri (ssl://), broker.tls.ca-file");
            assertThat(line).doesNotContain("Exception");
            assertThat(broker.log()).doesNotContain("as tls-rogue-device");
        }
    }

    @Test
    void anAggregatingGatewayStartsAgainstABrokerCertificateFromAnotherCaAndSaysWhy() throws Exception {
        int tlsPort = Mosquitto.freePort();
        TestPki rogue = TestPki.create(dir.resolve("rogue"), "rogue CA");
        TestPki.Issued impostor = rogue.server("localhost");
        try (LogCapture log = LogCapture.start();
             LoggedMosquitto broker = LoggedMosquitto.start(Mosquitto.tlsListener(tlsPort, pki.caFile(),
                impostor.certFile(), impostor.keyFile(), true));
             TestGateway gw = TestGateway.via(GatewayMode.AGGREGATING, broker.broker, ssl(tlsPort),
                     trustedWithClientCertificate());
             Device device = gw.device("tls-rogue-aggregated")) {
            // Started as in transparent mode: the ready line, not an exit, says what is wrong.
            assertThat(gw.gateway.readyLine()).contains("broker=" + ssl(tlsPort) + " (unreachable: ")
                    .contains("TLS handshake failed: certificate verify failed");
            log.awaitLine("ERROR", "broker " + ssl(tlsPort) + " does not accept the gateway's connections:",
                    "certificate verify failed", "broker.tls.ca-file");
            assertThat(device.connect(true, 60).returnCode()).isEqualTo(ReturnCode.REJECTED_CONGESTION);
            assertThat(broker.log()).doesNotContain("as sngate-gw1");
        }
    }

    @Test
    void withRequireBrokerAnAggregatingStartFailsOnABrokerCertificateFromAnotherCa() throws Exception {
        int tlsPort = Mosquitto.freePort();
        TestPki rogue = TestPki.create(dir.resolve("rogue"), "rogue CA");
        TestPki.Issued impostor = rogue.server("localhost");
        TestGateway.Tweak required = config -> trustedWithClientCertificate().apply(config)
                .with(GatewaySettings.BROKER_REQUIRE, true).with(GatewaySettings.BROKER_REQUIRE_TIMEOUT, 5.0);
        try (LoggedMosquitto broker = LoggedMosquitto.start(Mosquitto.tlsListener(tlsPort, pki.caFile(),
                impostor.certFile(), impostor.keyFile(), true))) {
            assertThatThrownBy(() -> TestGateway.via(GatewayMode.AGGREGATING, broker.broker, ssl(tlsPort), required)
                    .close())
                    .isInstanceOf(BrokerUnavailableException.class)
                    .hasMessageContaining("the broker " + ssl(tlsPort) + " cannot be reached")
                    .hasMessageContaining("TLS handshake failed: certificate verify failed");
        }
    }

    @Test
    void aCertificateForAnotherHostIsRefusedUnlessHostNameVerificationIsOff() throws Exception {
        int tlsPort = Mosquitto.freePort();
        try (LogCapture log = LogCapture.start();
             LoggedMosquitto broker = tlsBroker(tlsPort, pki.serverOnly("otherhost"))) {
            try (TestGateway refused = TestGateway.via(GatewayMode.AGGREGATING, broker.broker, ssl(tlsPort),
                    trustedWithClientCertificate())) {
                assertThat(refused.gateway.readyLine()).contains("(unreachable: ").contains("TLS handshake failed: "
                        + "hostname mismatch: the broker's certificate does not name the host of broker.uri (No "
                        + "subject alternative names matching IP address 127.0.0.1");
            }
            log.awaitLine("ERROR", "broker " + ssl(tlsPort) + " does not accept the gateway's connections: cannot "
                    + "connect to 127.0.0.1:" + tlsPort, "hostname mismatch", "broker.tls.verify-hostname");

            TestGateway.Tweak unverified = tls(pki.caFile(), gatewayCertificate.keyFile(),
                    Map.of(GatewaySettings.BROKER_TLS_VERIFY_HOSTNAME, false));
            try (TestGateway gw = TestGateway.via(GatewayMode.AGGREGATING, broker.broker, ssl(tlsPort), unverified);
                 Observer paho = gw.observer("tls-unverified-paho");
                 Device device = gw.device("tls-unverified-device")) {
                log.awaitLine("WARN", "broker.tls.verify-hostname is false: the certificate of " + ssl(tlsPort)
                        + " is checked against the trusted CAs but not against the host name");
                paho.subscribe("it/tls-unverified/up", 1);
                device.connected(true, 60);
                int topic = device.register("it/tls-unverified/up");
                assertThat(device.publish1(NORMAL, topic, bytes("anyway"), false).returnCode())
                        .isEqualTo(ReturnCode.ACCEPTED);
                paho.awaitText("it/tls-unverified/up", "anyway");
            }
        }
    }

    @Test
    void aBrokerThatRequiresAClientCertificateRefusesAGatewayWithout() throws Exception {
        int tlsPort = Mosquitto.freePort();
        try (LogCapture log = LogCapture.start();
             LoggedMosquitto broker = tlsBroker(tlsPort, pki.server("localhost"))) {
            TestGateway.Tweak caOnly = config -> config.with(GatewaySettings.BROKER_TLS_CA_FILE, pki.caFile().toString());
            try (TestGateway refused = TestGateway.via(GatewayMode.AGGREGATING, broker.broker, ssl(tlsPort), caOnly)) {
                assertThat(refused.gateway.readyLine()).contains("(unreachable: ").contains("certificate_required")
                        .contains("it wants a client certificate");
            }
            log.awaitLine("ERROR", "broker " + ssl(tlsPort) + " does not accept the gateway's connections:",
                    "certificate_required", "broker.tls.cert-file");
            assertThat(broker.log()).doesNotContain("as sngate-gw1");
        }
    }

}
