package io.sngate.gateway.it;

import static io.sngate.codec.v12.TopicIdType.NORMAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sngate.codec.v12.ReturnCode;
import io.sngate.gateway.testing.Mosquitto;
import io.sngate.hw.config.GatewaySettings;
import io.sngate.hw.config.Setting;
import io.sngate.hw.testing.TestPki;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyStore;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded broker opened to other clients: its TLS listener (certificate from the test CA),
 * its password file (the gateway logs in as one of its users) and its bind address. The outside
 * client is Paho MQTT v5 over TLS, trusting only the test CA.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class EmbeddedBrokerSecurityTest {

    /** Broker reason code 0x86: bad user name or password. */
    private static final int BAD_USER_NAME_OR_PASSWORD = 0x86;

    @TempDir
    Path dir;

    private TestPki pki;
    private Path users;

    @BeforeEach
    void files() throws IOException {
        pki = TestPki.create(dir.resolve("pki"), "embedded broker CA");
        users = dir.resolve("broker-users");
        Files.writeString(users, """
                # the gateway's own login, and one application
                gateway:gw-secret
                dashboard:dash-secret
                """);
    }

    /** The embedded broker with a TLS listener on {@code tlsPort}, bound to {@code bind}, asking for a login. */
    private TestGateway.Tweak tlsAndPasswords(String bind, int tlsPort) {
        TestPki.Issued server = pki.server("localhost");
        return config -> {
            Map<Setting<?>, Object> changes = new HashMap<>();
            changes.put(GatewaySettings.EMBEDDED_BIND, bind);
            changes.put(GatewaySettings.EMBEDDED_TLS_PORT, tlsPort);
            changes.put(GatewaySettings.EMBEDDED_TLS_CERT_FILE, server.certFile().toString());
            changes.put(GatewaySettings.EMBEDDED_TLS_KEY_FILE, server.keyFile().toString());
            changes.put(GatewaySettings.EMBEDDED_PASSWORD_FILE, users.toString());
            changes.put(GatewaySettings.BROKER_USERNAME, "gateway");
            changes.put(GatewaySettings.BROKER_PASSWORD, "gw-secret");
            return config.with(changes);
        };
    }

    /** A Paho client that trusts the test CA only. */
    private SSLSocketFactory trustingTheTestCa() throws Exception {
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        trusted.setCertificateEntry("test-ca", pki.caCertificate());
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context.getSocketFactory();
    }

    private MqttClient paho(String uri, String clientId, String user, String password, SSLSocketFactory tls)
            throws MqttException {
        MqttClient client = new MqttClient(uri, clientId, new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setConnectionTimeout(5);
        if (user != null) {
            options.setUserName(user);
            options.setPassword(password.getBytes(StandardCharsets.UTF_8));
        }
        if (tls != null) {
            options.setSocketFactory(tls);
        }
        try {
            client.connect(options);
        } catch (MqttException e) {
            client.close(true);
            throw e;
        }
        return client;
    }

    private static boolean accepts(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void anOutsideClientReadsADevicesMessageOverTlsWithItsPassword() throws Exception {
        int tlsPort = Mosquitto.freePort();
        try (TestGateway gw = TestGateway.start(Setup.TRANSPARENT_EMBEDDED, tlsAndPasswords("127.0.0.1", tlsPort));
             Device device = gw.device("embedded-tls-device")) {
            List<String> received = new CopyOnWriteArrayList<>();
            MqttClient dashboard = paho("ssl://127.0.0.1:" + tlsPort, "dashboard", "dashboard", "dash-secret",
                    trustingTheTestCa());
            try {
                dashboard.setCallback(new MqttCallback() {
                    @Override
                    public void messageArrived(String topic, MqttMessage message) {
                        received.add(new String(message.getPayload(), StandardCharsets.UTF_8));
                    }

                    @Override
                    public void disconnected(MqttDisconnectResponse response) {
                    }

                    @Override
                    public void mqttErrorOccurred(MqttException exception) {
                    }

                    @Override
                    public void deliveryComplete(IMqttToken token) {
                    }

                    @Override
                    public void connectComplete(boolean reconnect, String serverUri) {
                    }

                    @Override
                    public void authPacketArrived(int reasonCode, MqttProperties properties) {
                    }
                });
                // Paho's subscribe(filter, qos, listener) calls itself: the callback above hears the messages.
                dashboard.subscribe("it/embedded-tls/up", 1);
                // The gateway itself logged in on the plain loopback listener as 'gateway'.
                device.connected(true, 60);
                int topic = device.register("it/embedded-tls/up");
                assertThat(device.publish1(NORMAL, topic, "from the field".getBytes(StandardCharsets.UTF_8), false)
                        .returnCode()).isEqualTo(ReturnCode.ACCEPTED);
                await("the dashboard receives the device's message over TLS").atMost(Duration.ofSeconds(15))
                        .pollInterval(Duration.ofMillis(20)).until(() -> received.contains("from the field"));
            } finally {
                dashboard.disconnect();
                dashboard.close(true);
            }
        }
    }

    @Test
    void aWrongPasswordOrNoneIsRefusedOnEveryListener() throws Exception {
        int tlsPort = Mosquitto.freePort();
        try (TestGateway gw = TestGateway.start(Setup.TRANSPARENT_EMBEDDED, tlsAndPasswords("127.0.0.1", tlsPort))) {
            SSLSocketFactory tls = trustingTheTestCa();
            String overTls = "ssl://127.0.0.1:" + tlsPort;
            assertThatThrownBy(() -> paho(overTls, "guesser", "dashboard", "guess", tls))
                    .isInstanceOfSatisfying(MqttException.class,
                            e -> assertThat(e.getReasonCode()).isEqualTo(BAD_USER_NAME_OR_PASSWORD));
            assertThatThrownBy(() -> paho(overTls, "stranger", "nobody", "dash-secret", tls))
                    .isInstanceOfSatisfying(MqttException.class,
                            e -> assertThat(e.getReasonCode()).isEqualTo(BAD_USER_NAME_OR_PASSWORD));
            assertThatThrownBy(() -> paho(overTls, "anonymous", null, null, tls))
                    .isInstanceOfSatisfying(MqttException.class,
                            e -> assertThat(e.getReasonCode()).isEqualTo(BAD_USER_NAME_OR_PASSWORD));
            // The plain listener (the gateway's own, on the loopback) asks the same.
            assertThatThrownBy(() -> paho(gw.brokerUri, "local-anonymous", null, null, null))
                    .isInstanceOfSatisfying(MqttException.class,
                            e -> assertThat(e.getReasonCode()).isEqualTo(BAD_USER_NAME_OR_PASSWORD));
            MqttClient right = paho(gw.brokerUri, "local-dashboard", "dashboard", "dash-secret", null);
            right.disconnect();
            right.close(true);
        }
    }

    @Test
    void theKeyStoreMadeForTheTlsListenerIsOwnerOnlyAndGoneAfterClose() throws Exception {
        Path data = dir.resolve("broker-data");
        Path keyStore = data.resolve("conf").resolve("sngate-tls.jks");
        TestGateway.Tweak tls = tlsAndPasswords("127.0.0.1", Mosquitto.freePort());
        try (TestGateway gw = TestGateway.start(Setup.TRANSPARENT_EMBEDDED,
                config -> tls.apply(config).with(GatewaySettings.EMBEDDED_DATA_DIR, data.toString()))) {
            assertThat(Files.getPosixFilePermissions(keyStore))
                    .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        }
        assertThat(keyStore).doesNotExist();
        assertThat(data.resolve("data")).isDirectory(); // the sessions stay
    }

    @Test
    void theBindAddressIsWhereTheBrokerListens() throws Exception {
        try (TestGateway gw = TestGateway.start(Setup.TRANSPARENT_EMBEDDED,
                config -> config.with(GatewaySettings.EMBEDDED_BIND, "127.0.0.2"));
             Observer paho = gw.observer("bind-paho");
             Device device = gw.device("bind-device")) {
            int port = Integer.parseInt(gw.brokerUri.substring(gw.brokerUri.lastIndexOf(':') + 1));
            assertThat(gw.brokerUri).isEqualTo("tcp://127.0.0.2:" + port);
            assertThat(accepts("127.0.0.2", port)).as("listening on 127.0.0.2").isTrue();
            assertThat(accepts("127.0.0.1", port)).as("not listening on 127.0.0.1").isFalse();
            // The gateway reaches its broker there too.
            paho.subscribe("it/bind/up", 1);
            device.connected(true, 60);
            int topic = device.register("it/bind/up");
            assertThat(device.publish1(NORMAL, topic, "bound".getBytes(StandardCharsets.UTF_8), false).returnCode())
                    .isEqualTo(ReturnCode.ACCEPTED);
            paho.awaitText("it/bind/up", "bound");
        }
    }

    @Test
    void withATlsListenerTheBindAddressIsItsAndThePlainPortStaysOnTheLoopback() throws Exception {
        int tlsPort = Mosquitto.freePort();
        try (TestGateway gw = TestGateway.start(Setup.TRANSPARENT_EMBEDDED, tlsAndPasswords("127.0.0.2", tlsPort))) {
            int plainPort = Integer.parseInt(gw.brokerUri.substring(gw.brokerUri.lastIndexOf(':') + 1));
            assertThat(gw.brokerUri).startsWith("tcp://127.0.0.1:");
            assertThat(accepts("127.0.0.2", tlsPort)).as("TLS on 127.0.0.2").isTrue();
            assertThat(accepts("127.0.0.1", tlsPort)).as("no TLS on 127.0.0.1").isFalse();
            assertThat(accepts("127.0.0.1", plainPort)).as("plain TCP on the loopback").isTrue();
            assertThat(accepts("127.0.0.2", plainPort)).as("no plain TCP on 127.0.0.2").isFalse();
        }
    }
}
