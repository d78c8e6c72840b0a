package io.sngate.device.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.client.ClientConfig;
import io.sngate.client.ClientRuntime;
import io.sngate.client.Link;
import io.sngate.client.MqttSnClient;
import io.sngate.client.Outcome;
import io.sngate.client.Topic;
import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.frame.ForwarderEncapsulation;
import io.sngate.hw.config.GatewayMode;
import io.sngate.hw.config.GpioConfig;
import io.sngate.hw.config.HardwareConfig;
import io.sngate.hw.config.SerialPortConfig;
import io.sngate.hw.serial.SerialSettings;
import io.sngate.hw.testing.PtyPair;
import io.sngate.sim.serial.VirtualSerialLine;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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
 * The real gateway with two serial lines, each on a pty pair: one device wired straight to the
 * first (raw frames), a forwarder with several devices on the second (0xFE encapsulation); a
 * real mosquitto behind the gateway, watched by Paho.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SerialLineEndToEndTest {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final int FORWARDED = 6;

    PtyPair singlePty;
    PtyPair forwarderPty;
    VirtualSerialLine single;
    VirtualSerialLine forwarder;
    GatewayUnderTest env;
    BrokerWatcher watcher;
    ClientRuntime runtime;
    final List<MqttSnClient> clients = new ArrayList<>();
    int nextNode;

    @BeforeAll
    void start() throws Exception {
        singlePty = PtyPair.open();
        forwarderPty = PtyPair.open();
        single = VirtualSerialLine.open(VirtualSerialLine.Config.of(singlePty.b().toString(),
                VirtualSerialLine.Mode.SINGLE).withBaud(115_200));
        forwarder = VirtualSerialLine.open(VirtualSerialLine.Config.of(forwarderPty.b().toString(),
                VirtualSerialLine.Mode.FORWARDER).withBaud(115_200));
        HardwareConfig hardware = new HardwareConfig(List.of(
                new SerialPortConfig("sensor", SerialSettings.of(singlePty.a().toString(), 115_200), false),
                new SerialPortConfig("fwd", SerialSettings.of(forwarderPty.a().toString(), 115_200), true)),
                List.of(), GpioConfig.NONE);
        env = GatewayUnderTest.start(GatewayMode.TRANSPARENT, Map.of(), hardware);
        watcher = new BrokerWatcher(env.brokerUri(), "serial-e2e-watcher");
        watcher.subscribe("sl/#", 2);
        runtime = ClientRuntime.start("serial-e2e");
    }

    @AfterAll
    void stop() throws Exception {
        clients.forEach(MqttSnClient::close);
        if (runtime != null) {
            runtime.close();
        }
        if (watcher != null) {
            watcher.close();
        }
        if (env != null) {
            env.close();
        }
        for (AutoCloseable c : new AutoCloseable[] {single, forwarder, singlePty, forwarderPty}) {
            if (c != null) {
                c.close();
            }
        }
    }

    record Device(String id, MqttSnClient client, List<MqttSnClient.Message> received) {
    }

    Device device(String id, Link link) {
        MqttSnClient client = MqttSnClient.builder(ClientConfig.defaults(id).withRetry(500, 20)).link(link)
                .runtime(runtime).random(new Random(id.hashCode())).build();
        clients.add(client);
        List<MqttSnClient.Message> received = new CopyOnWriteArrayList<>();
        client.onMessage(received::add);
        return new Device(id, client, received);
    }

    Device forwarded(String id) {
        return device(id, forwarder.device(VirtualSerialLine.nodeId(++nextNode)));
    }

    static void allSucceed(List<CompletableFuture<Outcome>> futures) throws Exception {
        for (CompletableFuture<Outcome> future : futures) {
            Outcome outcome = future.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(outcome.success()).as(outcome.detail()).isTrue();
        }
        futures.clear();
    }

    static String text(MqttSnClient.Message message) {
        return new String(message.payload().toArray(), StandardCharsets.UTF_8);
    }

    /** Connects, subscribes to sl/cmd/ID, publishes at QoS 0, 1 and 2, and receives a command. */
    void roundTrip(List<Device> devices) throws Exception {
        List<CompletableFuture<Outcome>> pending = new ArrayList<>();
        devices.forEach(d -> pending.add(d.client().connect(true)));
        allSucceed(pending);
        devices.forEach(d -> pending.add(d.client().subscribe(Topic.name("sl/cmd/" + d.id()), QoS.EXACTLY_ONCE)));
        allSucceed(pending);
        for (Device d : devices) {
            pending.add(d.client().publish(Topic.name("sl/" + d.id() + "/q0"), Bytes.utf8("zero"), QoS.AT_MOST_ONCE, false));
            pending.add(d.client().publish(Topic.name("sl/" + d.id() + "/q1"), Bytes.utf8("one"), QoS.AT_LEAST_ONCE, false));
            pending.add(d.client().publish(Topic.name("sl/" + d.id() + "/q2"), Bytes.utf8("two"), QoS.EXACTLY_ONCE, false));
        }
        allSucceed(pending);
        for (Device d : devices) {
            watcher.awaitMessage("sl/" + d.id() + "/q0");
            watcher.awaitMessage("sl/" + d.id() + "/q1");
            watcher.awaitMessage("sl/" + d.id() + "/q2");
            assertThat(watcher.texts("sl/" + d.id() + "/q2")).containsExactly("two");
            watcher.publish("sl/cmd/" + d.id(), "go " + d.id(), 2);
        }
        for (Device d : devices) {
            await("command for " + d.id()).atMost(WAIT).until(() -> !d.received().isEmpty());
            assertThat(d.received()).extracting(SerialLineEndToEndTest::text).containsExactly("go " + d.id());
        }
    }

    @Test
    void aDeviceWiredStraightToTheGatewayPublishesAndReceives() throws Exception {
        Device device = device("wired", single.device());
        roundTrip(List.of(device));
        assertThat(env.metric("serial.sensor.received_frames")).isPositive();
        assertThat(single.counters().unexpectedEncapsulated()).isZero();
        unplug(device); // the line carries one device: free it for the other tests
    }

    void unplug(Device device) throws Exception {
        assertThat(device.client().disconnect().get(WAIT.toSeconds(), TimeUnit.SECONDS).success()).isTrue();
        device.client().close();
        clients.remove(device.client());
    }

    @Test
    void devicesBehindAForwarderEachKeepTheirOwnSession() throws Exception {
        List<Device> devices = new ArrayList<>();
        for (int i = 0; i < FORWARDED; i++) {
            devices.add(forwarded("fwd-" + i));
        }
        roundTrip(devices);
        // every answer went back wrapped for its own node
        assertThat(forwarder.counters().unknownNode()).isZero();
        assertThat(forwarder.counters().malformedEncapsulation()).isZero();
    }

    @Test
    void badInputOnTheForwarderLineIsCountedAndSkippedAndTheOtherLineIsUntouched() throws Exception {
        List<Device> devices = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            devices.add(forwarded("noisy-" + i));
        }
        Device wired = device("calm", single.device());
        List<CompletableFuture<Outcome>> pending = new ArrayList<>();
        devices.forEach(d -> pending.add(d.client().connect(true)));
        pending.add(wired.client().connect(true));
        allSucceed(pending);
        long discarded = env.metric("serial.fwd.discarded_bytes");

        Random random = new Random(77);
        byte[] frame = ForwarderEncapsulation.encode(0, VirtualSerialLine.nodeId(200),
                Bytes.wrap(new byte[] {0x02, 0x16}));
        int rounds = 10;
        for (int round = 0; round < rounds; round++) {
            byte[] garbage = switch (round % 5) {
                case 0 -> noise(random, 24);
                case 1 -> Arrays.copyOf(frame, frame.length - 1); // half a frame
                case 2 -> new byte[] {0x05, (byte) 0xFE, 0x00, 0x01, 0x09, 0x0C}; // inner length runs past the end
                case 3 -> new byte[] {0x7E, 0x7D, 0x7D, 0x5E, 0x11, 0x13, 0x00}; // XBee-style escapes on a plain UART
                default -> noise(random, 300); // a wrong baud rate
            };
            forwarder.injectRaw(garbage);
            for (Device d : devices) {
                pending.add(d.client().publish(Topic.name("sl/noisy/" + d.id()), Bytes.utf8("round-" + round),
                        QoS.AT_LEAST_ONCE, false));
            }
            pending.add(wired.client().publish(Topic.name("sl/calm"), Bytes.utf8("round-" + round),
                    QoS.AT_LEAST_ONCE, false));
            allSucceed(pending);
        }

        for (Device d : devices) {
            await("every round of " + d.id()).atMost(WAIT)
                    .until(() -> watcher.texts("sl/noisy/" + d.id()).stream().distinct().count() == rounds);
        }
        await("every round on the calm line").atMost(WAIT)
                .until(() -> watcher.texts("sl/calm").stream().distinct().count() == rounds);
        assertThat(env.metric("serial.fwd.discarded_bytes")).isGreaterThan(discarded);
        assertThat(env.metric("serial.sensor.discarded_bytes")).isZero();
        // The noise held bogus unwrapped packets the gateway answered to the forwarder itself;
        // none of those answers may have reached a node (it would have disconnected them all).
        assertThat(forwarder.counters().broadcasts()).isZero();
        unplug(wired);
    }

    static byte[] noise(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }
}
