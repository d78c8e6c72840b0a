package io.sngate.device.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.bridge.Bridge;
import io.sngate.bridge.BridgeArgs;
import io.sngate.client.ClientConfig;
import io.sngate.client.ClientRuntime;
import io.sngate.client.MqttSnClient;
import io.sngate.client.Topic;
import io.sngate.client.serial.SerialLink;
import io.sngate.codec.QoS;
import io.sngate.hw.config.GatewayMode;
import io.sngate.hw.config.GatewaySettings;
import io.sngate.hw.config.HardwareConfig;
import io.sngate.hw.testing.PtyPair;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bridge that reaches the gateway over DTLS: microcontrollers on its serial lines (real
 * pseudo-terminals) -> the bridge (forwarder encapsulation, PSK identity "bridge-1") -> DTLS ->
 * the gateway's DTLS listener -> mosquitto. The bridge's identity vouches for the devices behind
 * it: the devices file maps their client ids to it, and a client id it does not map is refused.
 */
class BridgeOverDtlsTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String KEY_HEX = "8899aabbccddeeff0011223344556677";

    @TempDir
    Path dir;
    private GatewayUnderTest env;
    private BrokerWatcher watcher;
    private PtyPair line;
    private Bridge bridge;
    private ClientRuntime runtime;

    @BeforeEach
    void start() throws Exception {
        Path keys = Files.writeString(dir.resolve("psk.txt"), "bridge-1," + KEY_HEX + "\n");
        Path devices = Files.writeString(dir.resolve("devices.yaml"), """
                devices:
                  - client-id-pattern: "behind-bridge-*"
                    dtls-identity: bridge-1
                """);
        int dtlsPort;
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            dtlsPort = probe.getLocalPort();
        }
        env = GatewayUnderTest.start(GatewayMode.TRANSPARENT, Map.of(), HardwareConfig.NONE, config -> config
                .with(GatewaySettings.DTLS_PORT, dtlsPort)
                .with(GatewaySettings.DTLS_BIND, "127.0.0.1")
                .with(GatewaySettings.DTLS_PSK_FILE, keys.toString())
                .with(GatewaySettings.DEVICES_FILE, devices.toString()));
        watcher = new BrokerWatcher(env.brokerUri(), "bridge-dtls-watcher");
        watcher.subscribe("bridge-dtls/#", 1);
        line = PtyPair.open();
        bridge = Bridge.start(BridgeArgs.parse(List.of("--gateway", "127.0.0.1:" + env.dtlsPort(), "--dtls",
                "--psk-identity", "bridge-1", "--psk-hex", KEY_HEX, "--serial", line.a() + ":115200:node=01",
                "--stats-interval", "0")));
        runtime = ClientRuntime.start("bridge-dtls-devices");
    }

    @AfterEach
    void stop() throws Exception {
        if (runtime != null) {
            runtime.close();
        }
        if (bridge != null) {
            bridge.close();
        }
        if (line != null) {
            line.close();
        }
        if (watcher != null) {
            watcher.close();
        }
        if (env != null) {
            env.close();
        }
    }

    @Test
    void aDeviceOnTheBridgesLinePublishesAndReceivesOverDtls() throws Exception {
        MqttSnClient device = MqttSnClient.builder(ClientConfig.defaults("behind-bridge-1").withRetry(1_000, 3))
                .link(SerialLink.on(line.b().toString(), 115_200)).runtime(runtime).build();
        List<String> received = new CopyOnWriteArrayList<>();
        device.onMessage(m -> received.add(m.topic() + "=" + m.payload().utf8()));
        assertThat(device.connect(true).get(15, TimeUnit.SECONDS).success()).isTrue();
        assertThat(bridge.readyLine()).contains(" dtls ");
        assertThat(env.metric("dtls.handshakes")).isEqualTo(1);

        assertThat(device.publish("bridge-dtls/reading", "19.5".getBytes(StandardCharsets.UTF_8),
                QoS.AT_LEAST_ONCE, false).get(15, TimeUnit.SECONDS).success()).isTrue();
        assertThat(watcher.awaitMessage("bridge-dtls/reading").text()).isEqualTo("19.5");

        assertThat(device.subscribe(Topic.name("bridge-dtls/cmd"), QoS.AT_LEAST_ONCE).get(15, TimeUnit.SECONDS)
                .success()).isTrue();
        watcher.publish("bridge-dtls/cmd", "open", 1);
        await().atMost(WAIT).until(() -> received.contains("bridge-dtls/cmd=open"));
    }

    @Test
    void aClientIdTheBridgesIdentityDoesNotCoverIsRefused() throws Exception {
        MqttSnClient device = MqttSnClient.builder(ClientConfig.defaults("someone-else").withRetry(1_000, 3))
                .link(SerialLink.on(line.b().toString(), 115_200)).runtime(runtime).build();
        assertThat(device.connect(true).get(15, TimeUnit.SECONDS).success()).isFalse();
        assertThat(env.metric("connect_refused.identity")).isEqualTo(1);
    }
}
