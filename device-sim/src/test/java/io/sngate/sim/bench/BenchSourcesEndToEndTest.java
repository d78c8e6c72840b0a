package io.sngate.sim.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.gateway.Gateway;
import io.sngate.gateway.Metrics;
import io.sngate.gateway.testing.Mosquitto;
import io.sngate.hw.config.ConfigLoader;
import io.sngate.hw.config.GatewayConfig;
import io.sngate.hw.config.GatewaySettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench connect --source} end to end, against our gateway with a real mosquitto: a
 * gateway that holds at most 100 sessions per source IP takes all 300 clients of a bench that
 * spreads them over 127.0.0.1-127.0.0.3, and refuses 200 of them (CONNACK congestion, counted in
 * {@code connect_refused.per_source_ip}) when they all come from 127.0.0.1. Every other setting
 * is the default. A fresh gateway per test, so no session of one run counts in the next.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BenchSourcesEndToEndTest {

    static final int SESSIONS_PER_IP = 100;
    static final int CLIENTS = 300;

    static Mosquitto broker;
    Gateway gateway;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = Mosquitto.start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @BeforeEach
    void startGateway() throws Exception {
        GatewayConfig config = ConfigLoader.fromArgs(List.of("--port", "0", "--broker", broker.uri(),
                "--advertise", "0")).with(GatewaySettings.MAX_SESSIONS_PER_IP, SESSIONS_PER_IP);
        gateway = Gateway.start(config);
    }

    @AfterEach
    void stopGateway() {
        if (gateway != null) {
            gateway.close();
        }
    }

    /** 300 clients CONNECT + REGISTER all at once from {@code source}; --retry 2 keeps a lost datagram short. */
    BenchEndToEndTest.Run connect(String source, Path json) {
        return BenchEndToEndTest.bench(List.of("connect", "-h", "127.0.0.1", "-p", Integer.toString(gateway.udpPort()),
                "--clients", Integer.toString(CLIENTS), "--runtimes", "2", "--retry", "2", "--source", source,
                "--json", json.toString()));
    }

    @Test
    void spreadOverThreeAddressesAllThreeHundredConnect() throws Exception {
        Path jsonFile = dir.resolve("spread.json");
        BenchEndToEndTest.Run run = connect("127.0.0.1-127.0.0.3", jsonFile);

        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out().lines().findFirst().orElseThrow()).startsWith("sngate-sim bench connect")
                .contains(" --source 127.0.0.1-127.0.0.3");
        assertThat(run.out()).contains("300 devices spread over 3 source addresses (--source 127.0.0.1-127.0.0.3),"
                + " 100 per address");
        Map<String, Object> report = BenchEndToEndTest.json(jsonFile);
        assertThat((String) report.get("command")).contains(" --source 127.0.0.1-127.0.0.3");
        assertThat(MiniJson.object(report.get("parameters"))).containsEntry("source", "127.0.0.1-127.0.0.3")
                .containsEntry("source_addresses", 3.0);
        Map<String, Object> connect = MiniJson.object(report.get("connect"));
        assertThat(connect).as(run.out()).containsEntry("connected", (double) CLIENTS).containsEntry("failed", 0.0)
                .containsEntry("register_packets", (double) CLIENTS);
        assertThat(MiniJson.object(connect.get("failures"))).isEmpty();
        // 300 sessions under a limit of 100 per source: 100 from each of the three addresses.
        assertThat(gateway.metrics().get(Metrics.CONNECT_REFUSED_PER_IP)).as("gateway: %s",
                gateway.metrics().snapshot()).isZero();
        assertThat(gateway.metrics().get(Metrics.DROPPED_FLOOD)).isZero();
    }

    @Test
    void fromOneAddressTheGatewayRefusesAllButOneHundred() throws Exception {
        Path jsonFile = dir.resolve("single.json");
        BenchEndToEndTest.Run run = connect("127.0.0.1", jsonFile);

        // Some connected, so the run itself succeeded; the refusals are its result.
        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out().lines().findFirst().orElseThrow()).contains(" --source 127.0.0.1");
        assertThat(run.out()).doesNotContain("spread over");
        int refused = CLIENTS - SESSIONS_PER_IP;
        assertThat(run.out()).contains("failed: " + refused + " x connect: rejected: congestion (0x01)");
        Map<String, Object> report = BenchEndToEndTest.json(jsonFile);
        assertThat(MiniJson.object(report.get("parameters"))).containsEntry("source", "127.0.0.1")
                .containsEntry("source_addresses", 1.0);
        Map<String, Object> connect = MiniJson.object(report.get("connect"));
        assertThat(connect).as(run.out()).containsEntry("connected", (double) SESSIONS_PER_IP)
                .containsEntry("failed", (double) refused)
                .containsEntry("time_to_all_connected_s", null);
        assertThat(MiniJson.object(connect.get("failures")))
                .containsExactly(Map.entry("connect: rejected: congestion (0x01)", (double) refused));
        assertThat(gateway.metrics().get(Metrics.CONNECT_REFUSED_PER_IP)).as("gateway: %s",
                gateway.metrics().snapshot()).isEqualTo(refused);
        assertThat(gateway.metrics().get(Metrics.DROPPED_FLOOD)).isZero();
    }
}
