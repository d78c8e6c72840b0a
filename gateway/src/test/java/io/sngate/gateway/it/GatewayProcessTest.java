package io.sngate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.codec.QoS;
import io.sngate.codec.v12.Publish;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The gateway as a process (child JVM running {@code io.sngate.gateway.Main}) in front of
 * mosquitto: the ready line, a clean stop on SIGTERM (no wills, broker sessions kept), and a
 * crash (kill -9) after which a restarted gateway delivers what the broker held for a device.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class GatewayProcessTest {

    LoggedMosquitto mosquitto;
    Observer paho;

    @BeforeAll
    void start() throws Exception {
        mosquitto = LoggedMosquitto.start();
        paho = Observer.connect(mosquitto.uri(), "process-paho");
    }

    @AfterAll
    void stop() throws Exception {
        if (paho != null) {
            paho.close();
        }
        if (mosquitto != null) {
            mosquitto.close();
        }
    }

    GatewayProcess startGateway() {
        return GatewayProcess.start(List.of("--port", "0", "--broker", mosquitto.uri(), "--advertise", "0"));
    }

    /**
     * What the gateway printed on stdout, without logback's own start-up status report: on this
     * test class path logback finds two logback.xml files (the gateway's and one inside the
     * HiveMQ jar) and prints its status to stdout; the shaded sngate-gateway.jar has only one.
     */
    static List<String> gatewayStdout(GatewayProcess gateway) {
        return gateway.stdout.stream()
                .filter(line -> !line.isBlank() && !LOGBACK_STATUS.matcher(line).find())
                .toList();
    }

    static final java.util.regex.Pattern LOGBACK_STATUS =
            java.util.regex.Pattern.compile("^\\d\\d:\\d\\d:\\d\\d,\\d{3} \\|-(INFO|WARN|ERROR) in ");

    void awaitBrokerLog(String line) {
        await("mosquitto logs '" + line + "'").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> mosquitto.log().contains(line));
    }

    @Test
    void readyLineOnceThenSigtermStopsWithoutWillsAndKeepsBrokerSessions() throws Exception {
        String willA = "it/process/will-a";
        String willB = "it/process/will-b";
        String kept = "it/process/kept";
        paho.subscribe(willA, 1).subscribe(willB, 1);
        try (GatewayProcess gateway = startGateway()) {
            Matcher ready = gateway.awaitReady();
            int port = Integer.parseInt(ready.group(1));
            assertThat(port).isPositive();
            assertThat(ready.group(2)).isEqualTo(mosquitto.uri());
            assertThat(ready.group(4)).isEqualTo("transparent");
            try (Device a = new Device(port, "proc-term-a"); Device b = new Device(port, "proc-term-b")) {
                a.connectedWithWill(true, 60, willA, QoS.AT_LEAST_ONCE, false, "a lost".getBytes());
                b.connectedWithWill(false, 60, willB, QoS.AT_LEAST_ONCE, false, "b lost".getBytes());
                assertThat(b.subscribe(kept, QoS.AT_LEAST_ONCE).returnCode())
                        .isEqualTo(io.sngate.codec.v12.ReturnCode.ACCEPTED);

                int code = gateway.terminate(); // SIGTERM
                assertThat(code).as("exit status after SIGTERM; %s", gateway).isIn(0, 143);
                assertThat(gatewayStdout(gateway)).as("stdout holds the ready line, once, and nothing else")
                        .containsExactly(ready.group());
                assertThat(String.join("\n", gateway.stderr)).as("exit %s; %s", code, gateway).contains("sngate gateway stopped");

                // The broker saw DISCONNECTs (wills discarded), not lost connections.
                awaitBrokerLog("Client proc-term-a disconnected.");
                awaitBrokerLog("Client proc-term-b disconnected.");
                assertThat(mosquitto.log()).doesNotContain("Client proc-term-a closed its connection")
                        .doesNotContain("Client proc-term-b closed its connection");
                await("no will").during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                        .until(() -> paho.on(willA).isEmpty() && paho.on(willB).isEmpty());

                // B's broker session is still there: a message for it now is held for it.
                paho.publish(kept, "while the gateway was stopped", 1);
                try (TestGateway again = TestGateway.on(mosquitto.broker, c -> c);
                     Device b2 = again.device("proc-term-b")) {
                    b2.connected(false, 60);
                    Publish p = b2.receive();
                    assertThat(b2.topicOf(p)).isEqualTo(kept);
                    assertThat(p.data().utf8()).isEqualTo("while the gateway was stopped");
                    b2.disconnect();
                }
            }
        }
    }

    @Test
    void afterKillDashNineARestartedGatewayDeliversWhatTheBrokerHeld() throws Exception {
        String t = "it/process/held";
        String clientId = "proc-kill";
        try (GatewayProcess first = startGateway()) {
            int port = Integer.parseInt(first.awaitReady().group(1));
            try (Device d = new Device(port, clientId)) {
                d.connected(false, 60);
                d.subscribe(t, QoS.AT_LEAST_ONCE);
                paho.publish(t, "in flight", 1);
                Publish p = d.next(Publish.class);
                assertThat(p.data().utf8()).isEqualTo("in flight"); // not acknowledged by the device
            }
            first.kill(); // SIGKILL: no DISCONNECT reaches the broker
        }
        // The broker noticed the connection end without DISCONNECT (FIN: "closed its connection",
        // RST: "Socket error"); the session (expiry 7 days) stays.
        await("mosquitto notices the lost connection").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> mosquitto.log().contains("Client " + clientId + " closed its connection.")
                        || mosquitto.log().contains("Socket error on client " + clientId + ","));
        for (int i = 1; i <= 3; i++) {
            paho.publish(t, "while down " + i, 1);
        }
        try (GatewayProcess second = startGateway()) {
            int port = Integer.parseInt(second.awaitReady().group(1));
            try (Device d = new Device(port, clientId)) {
                d.connected(false, 60);
                List<String> got = new ArrayList<>();
                await("the held messages").atMost(Duration.ofSeconds(15)).until(() -> {
                    got.add(d.receive().data().utf8());
                    return got.containsAll(List.of("in flight", "while down 1", "while down 2", "while down 3"));
                });
                assertThat(got).as("in order, the unacknowledged one first")
                        .containsSubsequence("in flight", "while down 1", "while down 2", "while down 3");
                d.disconnect();
            }
            assertThat(second.terminate()).isIn(0, 143);
        }
    }
}
