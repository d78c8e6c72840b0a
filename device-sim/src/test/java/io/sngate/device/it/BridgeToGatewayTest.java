package io.sngate.device.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.bridge.Bridge;
import io.sngate.bridge.BridgeConfig;
import io.sngate.client.ClientConfig;
import io.sngate.client.ClientRuntime;
import io.sngate.client.MqttSnClient;
import io.sngate.client.Topic;
import io.sngate.client.serial.SerialLink;
import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.hw.config.GatewayMode;
import io.sngate.hw.serial.SerialSettings;
import io.sngate.hw.testing.PtyPair;
import io.sngate.sim.radio.XBeeRadioEmulator;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole chain of a microcontroller on a Pi's serial port that reaches a gateway elsewhere:
 * device client (SerialLink) -> pseudo-terminal -> sngate bridge (forwarder encapsulation) ->
 * UDP -> our gateway -> mosquitto, and back. Two devices on two lines of one bridge get a
 * session each at the gateway, told apart by their node ids.
 */
class BridgeToGatewayTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private GatewayUnderTest env;
    private BrokerWatcher watcher;
    private PtyPair lineOne;
    private PtyPair lineTwo;
    private PtyPair radioLine;
    private XBeeRadioEmulator radio;
    private Bridge bridge;
    private ClientRuntime runtime;

    @BeforeEach
    void start() throws Exception {
        env = GatewayUnderTest.start(GatewayMode.TRANSPARENT, Map.of());
        watcher = new BrokerWatcher(env.brokerUri(), "bridge-it-watcher");
        watcher.subscribe("bridge-it/#", 1);
        lineOne = PtyPair.open();
        lineTwo = PtyPair.open();
        radioLine = PtyPair.open();
        // the coordinator radio the bridge is wired to, hosting the remote devices
        radio = XBeeRadioEmulator.open(XBeeRadioEmulator.Config.of(radioLine.b().toString()).withBaud(115_200));
        bridge = Bridge.start(new BridgeConfig(new InetSocketAddress("127.0.0.1", env.udpPort()),
                new InetSocketAddress("127.0.0.1", 0),
                List.of(new BridgeConfig.SerialLineSpec(SerialSettings.of(lineOne.a().toString(), 115_200),
                                Bytes.copyOf(new byte[] {0x01})),
                        new BridgeConfig.SerialLineSpec(SerialSettings.of(lineTwo.a().toString(), 115_200),
                                Bytes.copyOf(new byte[] {0x02}))),
                List.of(new BridgeConfig.RadioSpec(SerialSettings.of(radioLine.a().toString(), 115_200),
                        ApiMode.ESCAPED, 84)), 0));
        runtime = ClientRuntime.start("bridge-it-devices");
    }

    @AfterEach
    void stop() throws Exception {
        if (runtime != null) {
            runtime.close();
        }
        if (bridge != null) {
            bridge.close();
        }
        if (radio != null) {
            radio.close();
        }
        for (PtyPair p : new PtyPair[] {lineOne, lineTwo, radioLine}) {
            if (p != null) {
                p.close();
            }
        }
        if (watcher != null) {
            watcher.close();
        }
        if (env != null) {
            env.close();
        }
    }

    private MqttSnClient device(String clientId, PtyPair line) {
        return MqttSnClient.builder(ClientConfig.defaults(clientId).withRetry(1_000, 3))
                .link(SerialLink.on(line.b().toString(), 115_200)).runtime(runtime).build();
    }

    @Test
    void devicesOnTheBridgesSerialLinesPublishAndReceiveThroughOurGateway() throws Exception {
        MqttSnClient one = device("bridge-it-one", lineOne);
        MqttSnClient two = device("bridge-it-two", lineTwo);
        List<String> toTwo = new CopyOnWriteArrayList<>();
        two.onMessage(m -> toTwo.add(m.topic() + "=" + m.payload().utf8()));
        assertThat(one.connect(true).get(15, TimeUnit.SECONDS).success()).isTrue();
        assertThat(two.connect(true).get(15, TimeUnit.SECONDS).success()).isTrue();
        assertThat(two.subscribe(Topic.name("bridge-it/two/cmd"), QoS.AT_LEAST_ONCE).get(15, TimeUnit.SECONDS)
                .success()).isTrue();

        byte[] reading = {0x7E, 0x00, (byte) 0xFF, 0x01, 0x7D};
        assertThat(one.publish("bridge-it/one/reading", reading, QoS.AT_LEAST_ONCE, false)
                .get(15, TimeUnit.SECONDS).success()).isTrue();
        assertThat(watcher.awaitMessage("bridge-it/one/reading").payload()).isEqualTo(reading);
        assertThat(two.publish("bridge-it/two/reading", "21.5".getBytes(StandardCharsets.UTF_8),
                QoS.EXACTLY_ONCE, false).get(15, TimeUnit.SECONDS).success()).isTrue();
        assertThat(watcher.awaitMessage("bridge-it/two/reading").text()).isEqualTo("21.5");

        watcher.publish("bridge-it/two/cmd", "valve open", 1);
        await().atMost(WAIT).until(() -> toTwo.contains("bridge-it/two/cmd=valve open"));
        var forwarded = bridge.counters().forwarder();
        assertThat(forwarded.unknownNodes()).isZero();
        assertThat(env.gateway.metrics().snapshot()).noneSatisfy((name, value) ->
                assertThat(name).startsWith("malformed."));
    }

    @Test
    void devicesBehindTheBridgesRadioEachGetASessionAtOurGateway() throws Exception {
        List<MqttSnClient> devices = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            devices.add(MqttSnClient.builder(ClientConfig.defaults("bridge-it-radio-" + i).withRetry(1_000, 3))
                    .link(radio.device(0x0013A20041B00000L + i)).runtime(runtime).build());
        }
        for (MqttSnClient d : devices) {
            assertThat(d.connect(true).get(15, TimeUnit.SECONDS).success()).as(d.clientId()).isTrue();
        }
        for (int i = 0; i < devices.size(); i++) {
            assertThat(devices.get(i).publish("bridge-it/radio/" + i, ("reading " + i).getBytes(StandardCharsets.UTF_8),
                    QoS.AT_LEAST_ONCE, false).get(15, TimeUnit.SECONDS).success()).isTrue();
        }
        for (int i = 0; i < devices.size(); i++) {
            assertThat(watcher.awaitMessage("bridge-it/radio/" + i).text()).isEqualTo("reading " + i);
        }
        assertThat(env.gateway.metrics().get(io.sngate.gateway.Metrics.CONNECT_REFUSED_MAX_CLIENTS)).isZero();
        var forwarded = bridge.counters().forwarder();
        assertThat(forwarded.unknownNodes()).isZero();
        assertThat(forwarded.malformedFromGateway()).isZero();
        assertThat(forwarded.toGateway()).isGreaterThanOrEqualTo(6);
        assertThat(env.gateway.metrics().snapshot()).noneSatisfy((name, value) ->
                assertThat(name).startsWith("malformed."));
    }
}
