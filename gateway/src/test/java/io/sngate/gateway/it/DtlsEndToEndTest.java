package io.sngate.gateway.it;

import static io.sngate.codec.v12.ReturnCode.ACCEPTED;
import static io.sngate.codec.v12.ReturnCode.REJECTED_NOT_SUPPORTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.codec.QoS;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PingResp;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.gateway.Metrics;
import io.sngate.gateway.testing.CapturedLog;
import io.sngate.gateway.testing.DtlsDevice;
import io.sngate.gateway.testing.RebindingRelay;
import io.sngate.hw.config.GatewayMode;
import io.sngate.hw.config.GatewaySettings;
import io.sngate.hw.testing.TestPki;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Devices over DTLS 1.2 end to end: a real gateway with its DTLS listener beside plain UDP, in
 * front of a real mosquitto that takes the gateway only over TLS with a client certificate; devices are Scandium clients on their own sockets (PSK, or
 * certificates from a CA made for the run). Shows flows at QoS 0..2 both ways for PSK and
 * certificate devices, each refusal with its counter and log line, a device surviving a NAT
 * rebinding under its Connection ID, and a plain UDP device beside a DTLS one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DtlsEndToEndTest {

    static final Duration WAIT = Duration.ofSeconds(15);
    static final String PSK_ID = "psk-sensor-id";

    Path dir;
    LoggedMosquitto mosquitto;
    TestPki pki;
    TestPki.Issued gatewayCert;
    byte[] pskKey;
    java.security.KeyPair rawKeys;
    TestGateway gw;

    @BeforeAll
    void start(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        pki = TestPki.create(dir.resolve("pki"), "sngate DTLS test CA");
        gatewayCert = pki.server("localhost");
        // The broker takes the gateway only over TLS with its client certificate (observers use
        // the broker's plain listener on the loopback).
        int brokerTlsPort = io.sngate.gateway.testing.Mosquitto.freePort();
        TestPki.Issued brokerCert = pki.server("localhost");
        TestPki.Issued gatewayClient = pki.client("sngate-gw");
        mosquitto = LoggedMosquitto.start(io.sngate.gateway.testing.Mosquitto.tlsListener(brokerTlsPort, pki.caFile(),
                brokerCert.certFile(), brokerCert.keyFile(), true));
        pskKey = new byte[16];
        new SecureRandom().nextBytes(pskKey);
        Path pskFile = Files.writeString(dir.resolve("psk.txt"), "# identity,key\n" + PSK_ID + ","
                + HexFormat.of().formatHex(pskKey) + "\nother-id,00112233445566778899aabbccddeeff\n");
        rawKeys = java.security.KeyPairGenerator.getInstance("EC").generateKeyPair();
        // psk-sensor uses an identity of another name (mapped); cert-sensor's certificate CN is
        // its client id; rpk-sensor is known by its raw public key alone.
        Path devices = Files.writeString(dir.resolve("devices.yaml"), """
                devices:
                  - client-id: psk-sensor
                    dtls-identity: psk-sensor-id
                  - client-id: bound-elsewhere
                    dtls-identity: nobody-here
                  - client-id: rpk-sensor
                    dtls-identity: "%s"
                """.formatted(DtlsDevice.rawKeyIdentity(rawKeys.getPublic())));
        int dtlsPort = freeUdpPort();
        gw = TestGateway.via(GatewayMode.TRANSPARENT, mosquitto.broker, "ssl://127.0.0.1:" + brokerTlsPort, c -> c
                .with(java.util.Map.of(GatewaySettings.BROKER_TLS_CA_FILE, pki.caFile().toString(),
                        GatewaySettings.BROKER_TLS_CERT_FILE, gatewayClient.certFile().toString(),
                        GatewaySettings.BROKER_TLS_KEY_FILE, gatewayClient.keyFile().toString()))
                .with(GatewaySettings.DTLS_PORT, dtlsPort)
                .with(GatewaySettings.DTLS_BIND, "127.0.0.1")
                .with(GatewaySettings.DTLS_PSK_FILE, pskFile.toString())
                .with(GatewaySettings.DTLS_CERT_FILE, gatewayCert.certFile().toString())
                .with(GatewaySettings.DTLS_KEY_FILE, gatewayCert.keyFile().toString())
                .with(GatewaySettings.DTLS_CA_FILE, pki.caFile().toString())
                .with(GatewaySettings.DTLS_RAW_PUBLIC_KEYS, true)
                .with(GatewaySettings.DEVICES_FILE, devices.toString()));
    }

    @AfterAll
    void stop() {
        if (gw != null) {
            gw.close();
        }
        if (mosquitto != null) {
            mosquitto.close();
        }
    }

    // ================================================================== flows

    @Test
    void aPskDevicePublishesAndReceivesAtEveryQos() throws Exception {
        try (Device device = gw.pskDevice("psk-sensor", PSK_ID, pskKey);
             Observer paho = gw.observer("dtls-psk-paho")) {
            flowsAtEveryQos(device, paho, "dtls/psk");
        }
    }

    @Test
    void aCertificateDevicePublishesAndReceivesAtEveryQos() throws Exception {
        TestPki.Issued cert = pki.client("cert-sensor");
        try (Device device = new Device(DtlsDevice.certificate(gw.dtlsPort(), pki.caFile(), cert.certFile(),
                cert.keyFile()), "cert-sensor");
             Observer paho = gw.observer("dtls-cert-paho")) {
            flowsAtEveryQos(device, paho, "dtls/cert");
        }
    }

    @Test
    void aRawPublicKeyDeviceIsKnownByItsKeyThroughTheDevicesFile() throws Exception {
        try (Device device = new Device(DtlsDevice.rawPublicKey(gw.dtlsPort(), rawKeys), "rpk-sensor");
             Observer paho = gw.observer("dtls-rpk-paho")) {
            flowsAtEveryQos(device, paho, "dtls/rpk");
        }
        // Its key is its identity: another client id is not its to use.
        try (Device other = new Device(DtlsDevice.rawPublicKey(gw.dtlsPort(), rawKeys), "rpk-other")) {
            assertThat(other.connect(true, 60).returnCode()).isEqualTo(REJECTED_NOT_SUPPORTED);
        }
    }

    private void flowsAtEveryQos(Device device, Observer paho, String root) throws Exception {
        long handshakes = gw.metric(Metrics.DTLS_HANDSHAKES);
        device.connected(true, 60);
        assertThat(gw.gateway.readyLine()).contains(" broker=ssl://");
        // mosquitto names the gateway's certificate as the user of the device's connection.
        assertThat(mosquitto.log()).contains(" as " + device.clientId + " (").contains("u'sngate-gw'");
        assertThat(gw.metric(Metrics.DTLS_HANDSHAKES)).isGreaterThan(handshakes);
        paho.subscribe(root + "/up", 2);
        int up = device.register(root + "/up");
        device.publish0(TopicIdType.NORMAL, up, bytes("qos0"), false);
        paho.awaitText(root + "/up", "qos0");
        assertThat(device.publish1(TopicIdType.NORMAL, up, bytes("qos1"), false).returnCode()).isEqualTo(ACCEPTED);
        paho.awaitText(root + "/up", "qos1");
        device.publish2(TopicIdType.NORMAL, up, bytes("qos2"), false);
        paho.awaitText(root + "/up", "qos2");

        assertThat(device.subscribe(root + "/down/#", QoS.EXACTLY_ONCE).returnCode()).isEqualTo(ACCEPTED);
        for (int qos = 0; qos <= 2; qos++) {
            paho.publish(root + "/down/q" + qos, "down" + qos, qos);
            Publish got = device.receive();
            assertThat(new String(got.data().toArray(), StandardCharsets.UTF_8)).isEqualTo("down" + qos);
            assertThat(device.topicOf(got)).isEqualTo(root + "/down/q" + qos);
            assertThat(got.qos().level()).isEqualTo(qos);
        }
        device.disconnect();
    }

    // ================================================================== refusals

    @Test
    void aWrongPreSharedKeyIsRefusedWithCounterAndLogLine() {
        byte[] wrong = pskKey.clone();
        wrong[0] ^= 0x5A;
        try (CapturedLog log = CapturedLog.of("io.sngate");
             DtlsDevice device = DtlsDevice.psk(gw.dtlsPort(), PSK_ID, wrong)) {
            long before = gw.metric(Metrics.DTLS_MAC_ERRORS);
            device.send(new Connect(false, true, 60, "psk-sensor"));
            await("the gateway counts the record it cannot decrypt").atMost(WAIT)
                    .until(() -> gw.metric(Metrics.DTLS_MAC_ERRORS) > before);
            await("the device learns its handshake failed").atMost(WAIT).until(() -> device.failure() != null);
            assertThat(log.contains("did not decrypt")).as("log: %s", log.lines()).isTrue();
            assertThat(device.drain(Duration.ofMillis(200))).as("nothing answered").isEmpty();
        }
    }

    @Test
    void anUnknownPskIdentityIsRefusedWithCounterAndLogLine() {
        String counter = Metrics.DTLS_HANDSHAKE_FAILED_PREFIX + "unknown_psk_identity";
        try (CapturedLog log = CapturedLog.of("io.sngate");
             DtlsDevice device = DtlsDevice.psk(gw.dtlsPort(), "stranger", pskKey)) {
            long before = gw.metric(counter);
            device.send(new Connect(false, true, 60, "stranger"));
            await("the gateway counts the unknown identity").atMost(WAIT).until(() -> gw.metric(counter) > before);
            assertThat(log.contains("failed: unknown psk identity")).as("log: %s", log.lines()).isTrue();
            await().atMost(WAIT).until(() -> device.failure() != null);
        }
    }

    @Test
    void anExpiredDeviceCertificateIsRefused() {
        Instant past = Instant.now().minus(Duration.ofDays(30));
        TestPki.Issued expired = pki.issue("expired-sensor", TestPki.Usage.CLIENT, past, past.plus(Duration.ofDays(1)));
        refusedCertificate(expired, "certificate_expired");
    }

    @Test
    void aDeviceCertificateFromAnotherCaIsRefused() {
        TestPki other = TestPki.create(dir.resolve("other-pki"), "someone else's CA");
        refusedCertificate(other.client("cert-sensor"), "bad_certificate");
    }

    private void refusedCertificate(TestPki.Issued cert, String alert) {
        String counter = Metrics.DTLS_HANDSHAKE_FAILED_PREFIX + alert;
        try (CapturedLog log = CapturedLog.of("io.sngate");
             DtlsDevice device = DtlsDevice.certificate(gw.dtlsPort(), pki.caFile(), cert.certFile(), cert.keyFile())) {
            long before = gw.metric(counter);
            device.send(new Connect(false, true, 60, cert.commonName()));
            await("the gateway counts " + counter).atMost(WAIT).until(() -> gw.metric(counter) > before);
            assertThat(log.contains("failed: " + alert.replace('_', ' '))).as("log: %s", log.lines()).isTrue();
            await().atMost(WAIT).until(() -> device.failure() != null);
            assertThat(device.drain(Duration.ofMillis(200))).as("nothing answered").isEmpty();
        }
    }

    @Test
    void anIdentityMayNotUseAnotherClientId() {
        try (CapturedLog log = CapturedLog.of("io.sngate");
             Device mapped = gw.pskDevice("not-psk-sensor", PSK_ID, pskKey);
             Device bound = gw.pskDevice("bound-elsewhere", PSK_ID, pskKey)) {
            long before = gw.metric(Metrics.CONNECT_REFUSED_IDENTITY);
            // dtls.identity-binding exact: the identity's own name, or what the devices file maps to it.
            assertThat(mapped.connect(true, 60).returnCode()).isEqualTo(REJECTED_NOT_SUPPORTED);
            // An entry naming another identity.
            assertThat(bound.connect(true, 60).returnCode()).isEqualTo(REJECTED_NOT_SUPPORTED);
            assertThat(gw.metric(Metrics.CONNECT_REFUSED_IDENTITY)).isEqualTo(before + 2);
            assertThat(log.contains("CONNECT of not-psk-sensor")).as("log: %s", log.lines()).isTrue();
            assertThat(gw.gateway.sessionCount()).as("no session for a refused CONNECT").isZero();
        }
    }

    @Test
    void aPlainUdpDeviceCannotTakeADtlsDevicesClientIdOrSession() throws Exception {
        try (Device dtls = gw.pskDevice("psk-sensor", PSK_ID, pskKey);
             Device impostor = gw.device("psk-sensor")) {
            long before = gw.metric(Metrics.CONNECT_REFUSED_IDENTITY);
            dtls.connected(true, 60);
            assertThat(impostor.connect(true, 60).returnCode()).isEqualTo(REJECTED_NOT_SUPPORTED);
            assertThat(gw.metric(Metrics.CONNECT_REFUSED_IDENTITY)).isEqualTo(before + 1);
            dtls.send(PingReq.PLAIN);
            dtls.expect(PingResp.class);
            dtls.disconnect();
        }
    }

    // ================================================================== NAT rebinding, side by side

    @Test
    void aDeviceWhoseSourcePortChangesKeepsItsSessionSubscriptionsAndQueuedMessages() throws Exception {
        try (RebindingRelay nat = new RebindingRelay(gw.dtlsPort());
             Device device = new Device(DtlsDevice.psk(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                     nat.insidePort()), PSK_ID, pskKey), "psk-sensor");
             Observer paho = gw.observer("dtls-nat-paho")) {
            device.connected(false, 60);
            assertThat(device.subscribe("dtls/nat/#", QoS.AT_LEAST_ONCE).returnCode()).isEqualTo(ACCEPTED);
            device.sleep(300);
            paho.publish("dtls/nat/while-asleep", "queued", 1);

            int before = nat.outsidePort();
            long moved = gw.metric(Metrics.DTLS_ADDRESS_CHANGED);
            nat.rebind();
            assertThat(nat.outsidePort()).isNotEqualTo(before);

            // Awake from the new port: the same DTLS connection, the same session. The broker's
            // message may reach the gateway after the first wake-up: wake until it is there.
            List<Publish> got = new ArrayList<>();
            await("the queued message, at a wake-up from the new port").atMost(WAIT)
                    .pollInterval(Duration.ofMillis(100)).until(() -> {
                        device.send(PingReq.wake("psk-sensor"));
                        while (true) {
                            MqttSn12Message m = device.next();
                            if (m instanceof PingResp) {
                                return !got.isEmpty();
                            }
                            if (m instanceof Register r) {
                                device.acceptRegister(r);
                            } else if (m instanceof Publish p) {
                                device.acknowledge(p);
                                got.add(p);
                            } else {
                                throw new AssertionError("unexpected while awake: " + m);
                            }
                        }
                    });
            assertThat(new String(got.get(0).data().toArray(), StandardCharsets.UTF_8)).isEqualTo("queued");
            assertThat(gw.metric(Metrics.DTLS_ADDRESS_CHANGED)).isGreaterThan(moved);
            assertThat(gw.metric(Metrics.TAKEOVER_REFUSED)).isZero();

            // The subscription still holds, and answers go to the new port.
            device.connected(false, 60);
            paho.publish("dtls/nat/after", "after the move", 1);
            Publish after = device.receive();
            assertThat(new String(after.data().toArray(), StandardCharsets.UTF_8)).isEqualTo("after the move");
            device.disconnect();
        }
    }

    @Test
    void aPlainUdpDeviceAndADtlsDeviceWorkSideBySide() throws Exception {
        try (Device plain = gw.device("plain-neighbour");
             Device secure = gw.pskDevice("psk-sensor", PSK_ID, pskKey)) {
            plain.connected(true, 60);
            secure.connected(true, 60);
            assertThat(secure.subscribe("side/plain", QoS.AT_LEAST_ONCE).returnCode()).isEqualTo(ACCEPTED);
            assertThat(plain.subscribe("side/secure", QoS.AT_LEAST_ONCE).returnCode()).isEqualTo(ACCEPTED);
            int fromPlain = plain.register("side/plain");
            int fromSecure = secure.register("side/secure");
            assertThat(plain.publish1(TopicIdType.NORMAL, fromPlain, bytes("hello secure"), false).returnCode())
                    .isEqualTo(ACCEPTED);
            assertThat(secure.publish1(TopicIdType.NORMAL, fromSecure, bytes("hello plain"), false).returnCode())
                    .isEqualTo(ACCEPTED);
            assertThat(new String(secure.receive().data().toArray(), StandardCharsets.UTF_8)).isEqualTo("hello secure");
            assertThat(new String(plain.receive().data().toArray(), StandardCharsets.UTF_8)).isEqualTo("hello plain");
            assertThat(gw.gateway.readyLine()).contains(" udp=" + gw.udpPort()).contains(" dtls=" + gw.dtlsPort());
            plain.disconnect();
            secure.disconnect();
        }
    }

    // ================================================================== helpers

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static int freeUdpPort() throws IOException {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return socket.getLocalPort();
        }
    }

    static List<String> lines(Path file) throws IOException {
        return Files.readAllLines(file);
    }
}
