package io.sngate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PingResp;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.gateway.Gateway;
import io.sngate.gateway.testing.LogCapture;
import io.sngate.gateway.testing.Mosquitto;
import io.sngate.hw.config.ConfigLoader;
import io.sngate.hw.config.GatewayConfig;
import io.sngate.hw.config.GatewayMode;
import io.sngate.hw.config.GatewaySettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What an operator reads: the ready line tells the broker's state, a start that must have the
 * broker fails with exit code 3 without it, a refused login is one ERROR naming the setting, a
 * broker outage is one WARN and one INFO whatever the number of devices, every step of a
 * device's life is one INFO line in both modes, DEBUG shows the packets and JSON lines parse.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OperatorLogTest {

    @TempDir
    Path dir;

    @Test
    void theReadyLineSaysConnectedAgainstMosquitto() throws Exception {
        try (TestGateway gw = TestGateway.start(Setup.TRANSPARENT_MOSQUITTO)) {
            assertThat(gw.gateway.readyLine()).matches(
                    "sngate gateway ready udp=\\d+ broker=tcp://127\\.0\\.0\\.1:\\d+ \\(connected\\) mode=transparent");
        }
    }

    @Test
    void theReadyLineSaysUnreachableWithTheReasonWithoutABroker() throws Exception {
        int nobody = Mosquitto.freePort();
        GatewayConfig config = ConfigLoader.fromArgs(List.of("--port", "0", "--advertise", "0",
                        "--broker", "tcp://127.0.0.1:" + nobody))
                .with(GatewaySettings.UDP_BIND, "127.0.0.1")
                .with(GatewaySettings.RECONNECT_MAX_SECONDS, 0.5);
        try (LogCapture log = LogCapture.start();
             Gateway gateway = Gateway.start(config)) {
            assertThat(gateway.readyLine()).matches("sngate gateway ready udp=\\d+ broker=tcp://127\\.0\\.0\\.1:" + nobody
                    + " \\(unreachable: cannot connect to 127\\.0\\.0\\.1:" + nobody + ": .*\\) mode=transparent");
            log.awaitLine("WARN", "broker tcp://127.0.0.1:" + nobody + " unreachable");
        }
    }

    @Test
    void anAggregatingGatewayStartsWithoutItsBrokerAndServesDevicesOnceItIsBack() throws Exception {
        try (LogCapture log = LogCapture.start();
             LoggedMosquitto mosquitto = LoggedMosquitto.start()) {
            mosquitto.broker.stop();
            try (TestGateway gw = TestGateway.on(mosquitto.broker, c -> c.with(GatewaySettings.MODE,
                         GatewayMode.AGGREGATING));
                 Device device = gw.device("aggregated-before-the-broker")) {
                assertThat(gw.gateway.readyLine()).contains(" broker=" + mosquitto.uri() + " (unreachable: cannot "
                        + "connect to ").endsWith(" mode=aggregating");
                log.awaitLine("WARN", "broker " + mosquitto.uri() + " unreachable");
                assertThat(device.connect(true, 60).returnCode()).isEqualTo(ReturnCode.REJECTED_CONGESTION);

                mosquitto.broker.startAgain();
                await("the shared connection is up").atMost(Duration.ofSeconds(30))
                        .until(() -> gw.metric("upstream.connect_failed") == 0
                                && device.connect(true, 60).returnCode() == ReturnCode.ACCEPTED);
                try (Observer paho = gw.observer("aggregated-late-paho")) {
                    paho.subscribe("it/aggregated-late/up", 1);
                    int topic = device.register("it/aggregated-late/up");
                    assertThat(device.publish1(io.sngate.codec.v12.TopicIdType.NORMAL, topic,
                            "made it".getBytes(StandardCharsets.UTF_8), false).returnCode())
                            .isEqualTo(ReturnCode.ACCEPTED);
                    paho.awaitText("it/aggregated-late/up", "made it");
                }
                log.awaitLine("INFO", "shared broker connection to " + mosquitto.uri() + " up");
            }
        }
    }

    @Test
    void requireBrokerExitsWithThreeWithoutABroker() throws Exception {
        int nobody = Mosquitto.freePort();
        Path yaml = Files.writeString(dir.resolve("require.yaml"), """
                udp:
                  bind: 127.0.0.1
                  broadcast: ""
                broker:
                  require-timeout-seconds: 2
                """, StandardCharsets.UTF_8);
        try (GatewayProcess process = GatewayProcess.start(List.of("--config", yaml.toString(), "--port", "0",
                "--broker", "tcp://127.0.0.1:" + nobody, "--require-broker"))) {
            assertThat(process.waitForExit()).as("exit code: %s", process).isEqualTo(3);
            assertThat(process.readyLine()).isEmpty();
            assertThat(String.join("\n", process.stderr)).contains("--require-broker")
                    .contains("tcp://127.0.0.1:" + nobody).contains("cannot connect");
        }
    }

    @Test
    void requireBrokerStartsWhenTheBrokerIsThere() throws Exception {
        try (LoggedMosquitto broker = LoggedMosquitto.start();
             GatewayProcess process = GatewayProcess.start(List.of("--port", "0", "--advertise", "0",
                     "--broker", broker.uri(), "--require-broker"))) {
            Matcher ready = process.awaitReady();
            assertThat(ready.group(2)).isEqualTo(broker.uri());
            assertThat(ready.group(3)).isEqualTo("connected");
            assertThat(process.terminate()).as("exit status after SIGTERM").isIn(0, 143);
        }
    }

    @Test
    void aWrongPasswordIsOneErrorNamingBrokerPassword() throws Exception {
        Path passwords = dir.resolve("passwords");
        DeviceCredentialsTest.addUser(passwords, "gateway", "gateway-secret");
        try (LogCapture log = LogCapture.start();
             LoggedMosquitto broker = LoggedMosquitto.start(List.of("allow_anonymous false",
                     "password_file " + passwords.toAbsolutePath()));
             TestGateway gw = TestGateway.on(broker.broker, c -> c.with(GatewaySettings.BROKER_USERNAME, "gateway")
                     .with(GatewaySettings.BROKER_PASSWORD, "not-the-secret"))) {
            // mosquitto answers a wrong password with 0x87 (not authorized); others say 0x86 (bad user name or password).
            assertThat(gw.gateway.readyLine()).containsPattern(" \\(unreachable: broker refused the connection: 0x8[67] ");
            String error = log.awaitLine("ERROR", "broker.password");
            assertThat(error).contains(broker.uri()).containsPattern("0x8[67]").contains("broker.username");
            for (int i = 0; i < 3; i++) {
                try (Device device = gw.device("refused-" + i)) {
                    assertThat(device.connect(true, 60).returnCode()).isNotEqualTo(ReturnCode.ACCEPTED);
                }
            }
            assertThat(log.lines().stream().filter(line -> line.startsWith("ERROR "))).as(log.dump()).hasSize(1);
        }
    }

    @Test
    void aBrokerOutageIsOneWarningAndOneRecoveryLineWhateverTheNumberOfDevices() throws Exception {
        int devices = 12;
        try (LoggedMosquitto broker = LoggedMosquitto.start();
             TestGateway gw = TestGateway.on(broker.broker, c -> c);
             LogCapture log = LogCapture.start()) {
            List<Device> connected = new ArrayList<>();
            for (int i = 0; i < devices; i++) {
                connected.add(gw.device("outage-log-" + i).connected(false, 60));
            }
            broker.broker.stop();
            await("every device's connection noticed the outage").atMost(Duration.ofSeconds(30))
                    .until(() -> gw.metric("upstream.connection_lost") >= devices);
            String warning = log.awaitLine("WARN", "broker " + broker.uri() + " unreachable");
            // New devices keep trying while it is down: each is told to come back later, quietly.
            for (int i = 0; i < 4; i++) {
                try (Device late = gw.device("outage-late-" + i)) {
                    assertThat(late.connect(true, 60).returnCode()).isEqualTo(ReturnCode.REJECTED_CONGESTION);
                }
            }
            // Every connection retries with the capped backoff (0.5 s) meanwhile, and no device is dropped.
            await("the sessions ride out the outage").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                    .until(() -> gw.sessionCount() == devices);
            broker.broker.startAgain();
            log.awaitLine("INFO", "broker " + broker.uri() + " reachable again after");
            await("every device's connection is back").atMost(Duration.ofSeconds(30))
                    .until(() -> gw.metric("upstream.reconnected") >= devices);
            List<String> lines = log.lines();
            assertThat(lines.stream().filter(line -> line.startsWith("WARN ") || line.startsWith("ERROR ")))
                    .as(log.dump()).containsExactly(warning);
            assertThat(lines.stream().filter(line -> line.contains("reachable again"))).as(log.dump()).hasSize(1);
            assertThat(gw.metric("session.broker_unavailable")).isEqualTo(4);
            for (Device d : connected) {
                d.close();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Setup.class, names = {"TRANSPARENT_MOSQUITTO", "AGGREGATING_MOSQUITTO"})
    void everyStepOfADevicesLifeIsOneInfoLine(Setup setup) throws Exception {
        String tag = setup.tag();
        try (TestGateway gw = TestGateway.start(setup);
             LogCapture log = LogCapture.start();
             Device sensor = gw.device("life-" + tag);
             Device moved = gw.device("life-" + tag);
             Device silent = gw.device("life-silent-" + tag)) {
            String at = "udp:127.0.0.1:" + sensor.localPort();
            sensor.connected(true, 60);
            log.awaitLine("INFO", "client life-" + tag + " connected from " + at + " (clean, keep-alive 60 s)");

            sensor.sleep(30);
            log.awaitLine("INFO", "client life-" + tag + " asleep at " + at + " (sleep 30 s)");
            sensor.send(PingReq.wake("life-" + tag));
            sensor.next(PingResp.class);
            log.awaitLine("INFO", "client life-" + tag + " awake at " + at + " (PINGREQ");
            log.awaitLine("INFO", "client life-" + tag + " asleep again at " + at + " (sleep 30 s)");

            // The same client id from a new socket: a takeover, and the session goes on there.
            String newAt = "udp:127.0.0.1:" + moved.localPort();
            assertThat(moved.connect(false, 30).returnCode()).isEqualTo(ReturnCode.ACCEPTED);
            log.awaitLine("INFO", "client life-" + tag + " taken over at " + newAt + " from " + at);
            log.awaitLine("INFO", "client life-" + tag + " connected from " + newAt + " (persistent, keep-alive 30 s");
            moved.disconnect();
            log.awaitLine("INFO", "client life-" + tag + " disconnected from " + newAt + " (persistent: session kept)");

            silent.connected(true, 1);
            log.awaitLine("INFO", "client life-silent-" + tag + " lost at udp:127.0.0.1:" + silent.localPort()
                    + ": keep-alive of 1 s expired");

            for (String event : List.of(" connected from " + at, " asleep at ", " awake at ", " taken over at ",
                    " disconnected from ", " lost at ")) {
                assertThat(log.lines().stream().filter(line -> line.startsWith("INFO ") && line.contains(event)))
                        .as("one line for '%s':%n%s", event, log.dump()).hasSize(1);
            }
        }
    }

    @Test
    void debugShowsEveryPacketWithItsAddress() throws Exception {
        try (LoggedMosquitto broker = LoggedMosquitto.start();
             GatewayProcess process = GatewayProcess.start(List.of("--port", "0", "--advertise", "0",
                     "--broker", broker.uri(), "--log-level", "debug"))) {
            int port = Integer.parseInt(process.awaitReady().group(1));
            try (Device device = new Device(port, "debug-1")) {
                device.connected(true, 60);
                String from = "udp:127.0.0.1:" + device.localPort();
                await("packet lines").atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(process.stderr)
                        .anyMatch(line -> line.contains("in  Connect[") && line.contains("<- " + from))
                        .anyMatch(line -> line.contains("out ConnAck[") && line.contains("-> " + from)));
            }
            assertThat(process.terminate()).as("exit status after SIGTERM").isIn(0, 143);
        }
    }

    @Test
    void theEnvironmentVariableSetsTheLevelAndTheFlagWinsOverIt() throws Exception {
        try (LoggedMosquitto broker = LoggedMosquitto.start()) {
            try (GatewayProcess byVariable = GatewayProcess.start(List.of("--port", "0", "--advertise", "0",
                    "--broker", broker.uri()), java.util.Map.of("SNGATE_LOG_LEVEL", "debug"))) {
                int port = Integer.parseInt(byVariable.awaitReady().group(1));
                try (Device device = new Device(port, "env-debug-1")) {
                    device.connected(true, 60);
                    await("packet lines at DEBUG from SNGATE_LOG_LEVEL").atMost(Duration.ofSeconds(10))
                            .until(() -> byVariable.stderr.stream().anyMatch(line -> line.contains("in  Connect[")));
                }
                assertThat(byVariable.terminate()).isIn(0, 143);
            }
            try (GatewayProcess byFlag = GatewayProcess.start(List.of("--port", "0", "--advertise", "0",
                    "--broker", broker.uri(), "--log-level", "info"), java.util.Map.of("SNGATE_LOG_LEVEL", "debug"))) {
                int port = Integer.parseInt(byFlag.awaitReady().group(1));
                try (Device device = new Device(port, "env-info-1")) {
                    device.connected(true, 60);
                    // The INFO line is written after the CONNECT was handled: a DEBUG line for it would be there.
                    await("the connected line").atMost(Duration.ofSeconds(10)).until(() -> byFlag.stderr.stream()
                            .anyMatch(line -> line.contains("client env-info-1 connected")));
                    assertThat(byFlag.stderr).as("--log-level info wins over SNGATE_LOG_LEVEL=debug")
                            .noneMatch(line -> line.contains("in  Connect[") || line.contains(" DEBUG "));
                }
                assertThat(byFlag.terminate()).isIn(0, 143);
            }
        }
    }

    @Test
    void jsonLogLinesParse() throws Exception {
        try (LoggedMosquitto broker = LoggedMosquitto.start();
             GatewayProcess process = GatewayProcess.start(List.of("--port", "0", "--advertise", "0",
                     "--broker", broker.uri(), "--log-format", "json"))) {
            int port = Integer.parseInt(process.awaitReady().group(1));
            try (Device device = new Device(port, "json-1")) {
                device.connected(true, 60);
                await("the connected line").atMost(Duration.ofSeconds(10)).until(() -> process.stderr.stream()
                        .anyMatch(line -> line.contains("client json-1 connected")));
            }
            ObjectMapper json = new ObjectMapper();
            String line = process.stderr.stream().filter(l -> l.contains("client json-1 connected")).findFirst()
                    .orElseThrow();
            JsonNode event = json.readTree(line);
            assertThat(event.get("level").asText()).isEqualTo("INFO");
            assertThat(event.get("loggerName").asText()).isEqualTo("io.sngate.gateway.SessionHost");
            assertThat(event.get("formattedMessage").asText()).startsWith("client json-1 connected from udp:127.0.0.1:");
            assertThat(event.get("timestamp").asLong()).isPositive();
            for (String other : process.stderr) {
                assertThat(json.readTree(other).isObject()).as("a JSON object: %s", other).isTrue();
            }
            assertThat(process.terminate()).as("exit status after SIGTERM").isIn(0, 143);
        }
    }
}
