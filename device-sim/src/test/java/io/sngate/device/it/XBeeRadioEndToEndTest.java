package io.sngate.device.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.client.ClientConfig;
import io.sngate.client.ClientRuntime;
import io.sngate.client.MqttSnClient;
import io.sngate.client.Outcome;
import io.sngate.client.Topic;
import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.codec.xbee.XBeeFrame;
import io.sngate.codec.xbee.XBeeFrameCodec;
import io.sngate.hw.config.GatewayMode;
import io.sngate.hw.config.GpioConfig;
import io.sngate.hw.config.HardwareConfig;
import io.sngate.hw.config.XBeeRadioConfig;
import io.sngate.hw.serial.SerialSettings;
import io.sngate.hw.testing.PtyPair;
import io.sngate.sim.radio.XBeeRadioEmulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The real gateway with its XBee transport on one end of a pty pair, the emulated coordinator
 * on the other, simulated devices behind the radio running the real client, and a real
 * mosquitto behind the gateway watched by Paho: the Pi's radio set-up without the hardware.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class XBeeRadioEndToEndTest {

    static final String RADIO = "radio";
    static final Duration WAIT = Duration.ofSeconds(30);
    static final long ADDRESS_BASE = 0x0013A200_60000000L;

    PtyPair pty;
    XBeeRadioEmulator radio;
    GatewayUnderTest env;
    BrokerWatcher watcher;
    final List<ClientRuntime> runtimes = new ArrayList<>();
    final List<MqttSnClient> clients = new ArrayList<>();
    int nextAddress;

    @BeforeAll
    void start() throws Exception {
        pty = PtyPair.open();
        // Factory-like values the gateway's configuration then corrects (apply-settings).
        radio = XBeeRadioEmulator.open(XBeeRadioEmulator.Config.of(pty.b().toString()).withBaud(115_200)
                .withNetwork(0x1111, 0x7FFF, false, " "));
        XBeeRadioConfig config = new XBeeRadioConfig(RADIO, SerialSettings.of(pty.a().toString(), 115_200),
                ApiMode.ESCAPED, OptionalLong.of(0x5EA7), OptionalInt.empty(), Optional.of(true), Optional.of("sngate"),
                true, 84, 1_000);
        env = GatewayUnderTest.start(GatewayMode.TRANSPARENT, Map.of(),
                new HardwareConfig(List.of(), List.of(config), GpioConfig.NONE));
        watcher = new BrokerWatcher(env.brokerUri(), "xbee-e2e-watcher");
        watcher.subscribe("xb/#", 2);
        runtimes.add(ClientRuntime.start("xbee-e2e-0"));
        runtimes.add(ClientRuntime.start("xbee-e2e-1"));
    }

    @AfterAll
    void stop() throws Exception {
        clients.forEach(MqttSnClient::close);
        runtimes.forEach(ClientRuntime::close);
        if (watcher != null) {
            watcher.close();
        }
        if (env != null) {
            env.close();
        }
        if (radio != null) {
            radio.close();
        }
        if (pty != null) {
            pty.close();
        }
    }

    long metric(String name) {
        return env.metric("xbee." + RADIO + "." + name);
    }

    /** A device behind the radio with its own address, its messages collected. */
    record Device(String id, MqttSnClient client, List<MqttSnClient.Message> received) {
    }

    Device device(String id) {
        MqttSnClient client = MqttSnClient.builder(ClientConfig.defaults(id).withRetry(500, 20))
                .link(radio.device(ADDRESS_BASE + ++nextAddress)).runtime(runtimes.get(nextAddress % runtimes.size()))
                .random(new Random(nextAddress)).build();
        clients.add(client);
        List<MqttSnClient.Message> received = new CopyOnWriteArrayList<>();
        client.onMessage(received::add);
        return new Device(id, client, received);
    }

    static Outcome done(CompletableFuture<Outcome> future) throws Exception {
        return future.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    static void allSucceed(List<CompletableFuture<Outcome>> futures) throws Exception {
        for (CompletableFuture<Outcome> future : futures) {
            Outcome outcome = done(future);
            assertThat(outcome.success()).as(outcome.detail()).isTrue();
        }
    }

    @Test
    void theGatewayConfiguredTheRadioAtStart() {
        assertThat(radio.panId()).isEqualTo(0x5EA7);
        assertThat(radio.coordinator()).isTrue();
        assertThat(radio.nodeIdentifier()).isEqualTo("sngate");
        assertThat(radio.counters().flashWrites()).isEqualTo(1);
        assertThat(env.gateway.metrics().snapshot().keySet()).anyMatch(k -> k.startsWith("xbee." + RADIO));
    }

    @Test
    void twentyDevicesPublishAtEveryQosAndReceiveWhatTheBrokerSendsThem() throws Exception {
        List<Device> devices = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            devices.add(device("xb-" + i));
        }
        List<CompletableFuture<Outcome>> pending = new ArrayList<>();
        devices.forEach(d -> pending.add(d.client().connect(true)));
        allSucceed(pending);
        pending.clear();
        devices.forEach(d -> pending.add(d.client().subscribe(Topic.name("xb/cmd/" + d.id()), QoS.AT_LEAST_ONCE)));
        allSucceed(pending);
        pending.clear();

        for (Device d : devices) {
            pending.add(d.client().publish(Topic.name("xb/" + d.id() + "/q0"), Bytes.utf8("zero"), QoS.AT_MOST_ONCE, false));
            pending.add(d.client().publish(Topic.name("xb/" + d.id() + "/q1"), Bytes.utf8("one"), QoS.AT_LEAST_ONCE, false));
            pending.add(d.client().publish(Topic.name("xb/" + d.id() + "/q2"), Bytes.utf8("two"), QoS.EXACTLY_ONCE, false));
        }
        allSucceed(pending); // QoS 1 and 2: acknowledged to the device only once the broker had them
        pending.clear();

        for (Device d : devices) {
            watcher.awaitMessage("xb/" + d.id() + "/q0");
            watcher.awaitMessage("xb/" + d.id() + "/q1");
            watcher.awaitMessage("xb/" + d.id() + "/q2");
        }
        for (Device d : devices) {
            assertThat(watcher.texts("xb/" + d.id() + "/q2")).containsExactly("two");
            assertThat(watcher.texts("xb/" + d.id() + "/q1")).containsOnly("one");
            watcher.publish("xb/cmd/" + d.id(), "command for " + d.id(), 1);
        }
        for (Device d : devices) {
            await("command for " + d.id()).atMost(WAIT).until(() -> !d.received().isEmpty());
            assertThat(d.received()).extracting(m -> new String(m.payload().toArray(), java.nio.charset.StandardCharsets.UTF_8))
                    .containsExactly("command for " + d.id());
        }
        assertThat(metric("tx_ok")).isPositive();
        assertThat(radio.counters().unknownDestination()).isZero();

        devices.forEach(d -> pending.add(d.client().disconnect()));
        allSucceed(pending);
    }

    @Test
    void badInputOnTheLineIsCountedAndSkippedAndTheDevicesCarryOn() throws Exception {
        List<Device> devices = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            devices.add(device("noisy-" + i));
        }
        List<CompletableFuture<Outcome>> pending = new ArrayList<>();
        devices.forEach(d -> pending.add(d.client().connect(true)));
        allSucceed(pending);
        pending.clear();
        long badChecksums = metric("bad_checksums");
        long discarded = metric("discarded_bytes");

        Random random = new Random(2024);
        byte[] good = XBeeFrameCodec.encode(new XBeeFrame.ReceivePacket(ADDRESS_BASE + 999, 0x1234, 1,
                Bytes.wrap(new byte[] {2, 0x16})), ApiMode.ESCAPED);
        int rounds = 10;
        for (int round = 0; round < rounds; round++) {
            byte[] garbage = switch (round % 5) {
                case 0 -> noise(random, 32); // line noise
                case 1 -> Arrays.copyOf(good, good.length / 2); // a half frame
                case 2 -> badChecksum(good);
                case 3 -> new byte[] {0x7E, 0x7D, 0x7D, 0x7D, 0x7D, 0x5E, 0x7D, 0x31}; // escapes of nothing
                default -> noise(random, 300); // bytes at a wrong baud rate look random
            };
            radio.injectRaw(garbage);
            for (Device d : devices) {
                pending.add(d.client().publish(Topic.name("xb/noisy/" + d.id()), Bytes.utf8("round-" + round),
                        QoS.AT_LEAST_ONCE, false));
            }
            allSucceed(pending);
            pending.clear();
        }

        for (Device d : devices) {
            await("every round of " + d.id()).atMost(WAIT)
                    .until(() -> watcher.texts("xb/noisy/" + d.id()).stream().distinct().count() == rounds);
        }
        assertThat(metric("bad_checksums")).isGreaterThan(badChecksums);
        assertThat(metric("discarded_bytes")).isGreaterThanOrEqualTo(discarded + 300);
        devices.forEach(d -> pending.add(d.client().disconnect()));
        allSucceed(pending);
    }

    @Test
    void aDeliveryToADeviceThatLeftTheNetworkIsReportedByTheRadio() throws Exception {
        Device device = device("leaves");
        assertThat(done(device.client().connect(true)).success()).isTrue();
        assertThat(done(device.client().subscribe(Topic.name("xb/cmd/leaves"), QoS.AT_LEAST_ONCE)).success()).isTrue();
        long notFound = metric("tx_status.0x24");

        device.client().close(); // the device's radio is switched off: no DISCONNECT
        watcher.publish("xb/cmd/leaves", "anyone there?", 1);

        await("a 0x24 transmit status").atMost(WAIT).until(() -> metric("tx_status.0x24") > notFound);
        assertThat(radio.counters().unknownDestination()).isPositive();
    }

    static byte[] noise(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    static byte[] badChecksum(byte[] frame) {
        byte[] bad = frame.clone();
        bad[bad.length - 1] ^= 0x01;
        return bad;
    }
}
