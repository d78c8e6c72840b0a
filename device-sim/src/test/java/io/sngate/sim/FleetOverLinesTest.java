package io.sngate.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.codec.xbee.ApiMode;
import io.sngate.device.it.BrokerWatcher;
import io.sngate.device.it.GatewayUnderTest;
import io.sngate.hw.config.GatewayMode;
import io.sngate.hw.config.GpioConfig;
import io.sngate.hw.config.HardwareConfig;
import io.sngate.hw.config.SerialPortConfig;
import io.sngate.hw.config.XBeeRadioConfig;
import io.sngate.hw.serial.SerialSettings;
import io.sngate.hw.testing.PtyPair;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The laptop demo of the Pi set-up, end to end: a socat pty pair, the real gateway with an XBee
 * radio or a serial forwarder line configured on one end, the fleet with its emulated radio or
 * forwarder on the other, a real mosquitto watched by Paho.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FleetOverLinesTest {

    static final int DEVICES = 10;

    @TempDir
    Path dir;
    PtyPair pty;
    GatewayUnderTest env;
    BrokerWatcher watcher;

    @AfterEach
    void stop() throws Exception {
        if (watcher != null) {
            watcher.close();
        }
        if (env != null) {
            env.close();
        }
        if (pty != null) {
            pty.close();
        }
    }

    void startGateway(HardwareConfig hardware) throws Exception {
        env = GatewayUnderTest.start(GatewayMode.TRANSPARENT, Map.of(), hardware);
        watcher = new BrokerWatcher(env.brokerUri(), "fleet-lines-watcher");
        watcher.subscribe("lines/#", 2);
    }

    Map<String, Set<Long>> readings(String prefix) {
        Map<String, Set<Long>> byTopic = new HashMap<>();
        for (BrokerWatcher.Received r : watcher.received()) {
            if (r.topic().startsWith(prefix)) {
                byTopic.computeIfAbsent(r.topic(), t -> new HashSet<>()).add(Long.parseLong(r.text()));
            }
        }
        return byTopic;
    }

    @Test
    void aFleetBehindTheEmulatedRadioGetsEveryReadingThroughANoisyLine() throws Exception {
        pty = PtyPair.open();
        Path file = dir.resolve("xbee.yaml");
        Files.writeString(file, """
                devices:
                  count: %d
                  client-id-prefix: "radio-"
                  retry-seconds: 0.3
                  max-retries: 12
                connect-spread-seconds: 0.5
                publish:
                  topic: "lines/{id}/reading"
                  interval-seconds: 0.2
                  qos: 1
                link:
                  kind: xbee
                  port: %s
                  baud: 115200
                  api-mode: 2
                  address-base: 0x0013A20070000000
                  line:
                    drop-percent: 2
                    corrupt-percent: 3
                    noise-percent: 3
                    half-frame-percent: 2
                seed: 7
                runtimes: 2
                """.formatted(DEVICES, pty.b()), StandardCharsets.UTF_8);
        Scenario scenario = Scenario.load(file);
        Map<String, Long> summary;
        try (Fleet fleet = new Fleet(scenario)) {
            fleet.start(); // the radio comes up first: the gateway's start-up setup needs its answers
            startGateway(new HardwareConfig(List.of(), List.of(new XBeeRadioConfig("radio",
                    SerialSettings.of(pty.a().toString(), 115_200), ApiMode.ESCAPED, OptionalLong.empty(),
                    OptionalInt.empty(), Optional.empty(), Optional.empty(), false, 84, 1_000)), GpioConfig.NONE));
            await("readings from every device").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                    .until(() -> readings("lines/radio-").size() == DEVICES
                            && readings("lines/radio-").values().stream().allMatch(r -> r.size() >= 5));
            summary = fleet.summary();
        }
        for (Map.Entry<String, Set<Long>> device : readings("lines/radio-").entrySet()) {
            TreeSet<Long> readings = new TreeSet<>(device.getValue());
            // Reading n+1 is published only once n was acknowledged: no gap, whatever the line lost.
            // The first readings may precede the watcher's subscription (the devices start while the
            // gateway is still starting), so the run is checked from the first reading seen.
            assertThat((long) readings.size()).as("gaps in %s: %s", device.getKey(), readings)
                    .isEqualTo(readings.last() - readings.first() + 1);
        }
        assertThat(summary.get("line: frames dropped") + summary.get("line: frames corrupted")
                + summary.get("line: frames cut in half")).as("%s", summary).isPositive();
        assertThat(env.metric("xbee.radio.bad_checksums") + env.metric("xbee.radio.abandoned_frames"))
                .isPositive();
        assertThat(env.metric("xbee.radio.discarded_bytes")).isPositive();
    }

    @Test
    void theFleetCommandPutsDevicesBehindAForwarderOnASerialLine() throws Exception {
        pty = PtyPair.open();
        startGateway(new HardwareConfig(List.of(new SerialPortConfig("fwd",
                SerialSettings.of(pty.a().toString(), 115_200), true)), List.of(), GpioConfig.NONE));
        Path file = dir.resolve("serial.yaml");
        Files.writeString(file, """
                devices:
                  client-id-prefix: "fwd-"
                  retry-seconds: 0.5
                connect-spread-seconds: 0.2
                publish:
                  topic: "lines/{id}/reading"
                  interval-seconds: 0.2
                  qos: 2
                """, StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int code = Main.run(List.of("fleet", "--scenario", file.toString(), "--devices", "4", "--serial",
                        pty.b().toString(), "--forwarder", "--baud", "115200", "--duration", "3", "--plain"),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(printed).startsWith("fleet: 4 devices -> forwarder on serial " + pty.b() + " for 3.0 s, qos 2")
                .contains("serial: frames from the gateway", "line: frames written whole");
        await("readings from the four devices").atMost(Duration.ofSeconds(30))
                .until(() -> readings("lines/fwd-").size() == 4);
        assertThat(env.metric("serial.fwd.received_frames")).isPositive();
    }
}
