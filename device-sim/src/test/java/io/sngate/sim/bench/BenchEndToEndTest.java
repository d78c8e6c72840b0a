package io.sngate.sim.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.gateway.Gateway;
import io.sngate.gateway.Metrics;
import io.sngate.gateway.testing.Mosquitto;
import io.sngate.hw.config.ConfigLoader;
import io.sngate.hw.config.GatewayConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * Every bench mode end to end at a tiny scale, against our gateway (default settings, flood
 * guard included) and a real mosquitto: the accounting adds up (QoS 1: everything sent is
 * acknowledged and received, once), and the JSON, CSV, SVG and PNG files are written and parse.
 * QoS 1 as fast as acknowledged with 20 and 200 clients on one host stays within the flood
 * guard's budgets. No timing is asserted.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BenchEndToEndTest {

    static Mosquitto broker;
    static Gateway gateway;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        broker = Mosquitto.start();
        // The gateway's default settings, flood guard included: the bench must fit its budgets.
        GatewayConfig config = ConfigLoader.fromArgs(List.of("--port", "0", "--broker", broker.uri(),
                "--advertise", "0"));
        gateway = Gateway.start(config);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    /** The options every run shares: 5 clients, short runs. */
    List<String> tiny(String mode, String... more) {
        List<String> args = new ArrayList<>(List.of(mode, "-h", "127.0.0.1", "-p", Integer.toString(gateway.udpPort()),
                "--broker", broker.uri(), "--clients", "5", "--runtimes", "2", "--duration", "0.5", "--warmup", "0",
                "--drain", "5", "--ceiling-duration", "0.3", "--retry", "2"));
        args.addAll(List.of(more));
        return args;
    }

    record Run(int exit, String out, String err) {
    }

    static Run bench(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = new BenchCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).run(args);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Map<String, Object> json(Path file) throws Exception {
        return MiniJson.object(MiniJson.parse(Files.readString(file)));
    }

    static Map<String, Object> onlyResult(Map<String, Object> report) {
        List<Object> results = MiniJson.array(report.get("results"));
        assertThat(results).hasSize(1);
        return MiniJson.object(results.get(0));
    }

    static long count(Map<String, Object> result, String key) {
        return ((Double) result.get(key)).longValue();
    }

    @Test
    void qos1AccountsForEveryMessageOnce() throws Exception {
        Path jsonFile = dir.resolve("qos1.json");
        Path csvFile = dir.resolve("qos1.csv");
        Path svgFile = dir.resolve("qos1.svg");
        Run run = bench(tiny("qos1", "--rate", "500", "--json", jsonFile.toString(), "--csv", csvFile.toString(),
                "--plot", svgFile.toString()));
        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out().lines().findFirst().orElseThrow()).startsWith("sngate-sim bench qos1 -h 127.0.0.1");
        assertThat(run.out()).contains("ceiling:").contains("received");

        Map<String, Object> report = json(jsonFile);
        assertThat(report).containsKeys("tool", "mode", "command", "run_id", "started", "parameters", "environment",
                "ceiling", "results", "notes");
        assertThat(report.get("mode")).isEqualTo("qos1");
        assertThat(MiniJson.object(report.get("parameters"))).containsEntry("clients", 5.0).containsEntry("qos", 1.0)
                .containsEntry("window", 1.0);
        Map<String, Object> r = onlyResult(report);
        assertThat(r).containsKeys("sent", "acknowledged", "received", "lost", "duplicates", "sent_rate",
                "received_rate", "latency_ms", "tool_bound");
        assertThat(count(r, "sent")).isPositive();
        assertThat(count(r, "acknowledged")).isEqualTo(count(r, "sent"));
        assertThat(count(r, "received")).isEqualTo(count(r, "sent"));
        assertThat(count(r, "lost")).isZero();
        assertThat(count(r, "duplicates")).isZero();
        assertThat(count(r, "failed")).isZero();
        assertThat(MiniJson.object(r.get("latency_ms"))).containsKeys("p50", "p99", "p99_9", "max")
                .containsEntry("count", (double) count(r, "received"));
        Map<String, Object> ceiling = MiniJson.object(report.get("ceiling"));
        assertThat(ceiling).containsKeys("generate_rate", "broker_rate", "limit");
        Map<String, Object> ceilingRun = MiniJson.object(ceiling.get("broker_run"));
        assertThat(count(ceilingRun, "received")).isEqualTo(count(ceilingRun, "sent"));
        assertThat(count(ceilingRun, "duplicates")).isZero();

        List<String> csv = Files.readAllLines(csvFile);
        assertThat(csv).hasSize(3); // header, ceiling, the run
        int columns = csv.get(0).split(",", -1).length;
        assertThat(csv.get(0)).startsWith("mode,label,step,qos,clients");
        for (String line : csv.subList(1, csv.size())) {
            assertThat(line.split(",", -1)).hasSize(columns);
        }
        assertWellFormedSvg(svgFile);
    }

    @Test
    void qos1With20ClientsAsFastAsAcknowledgedIsNeverFloodDropped() throws Exception {
        qos1AsFastAsAcknowledgedWithinTheFloodBudgets(20);
    }

    @Test
    void qos1With200ClientsOnOneHostIsNeverFloodDropped() throws Exception {
        qos1AsFastAsAcknowledgedWithinTheFloodBudgets(200);
    }

    /**
     * {@code clients} devices on 127.0.0.1, each with one QoS 1 publish in flight, as fast as the
     * gateway acknowledges: their CONNECTs fit the strict per-IP budget, their publishes each
     * session's own budget, so the flood guard drops nothing and every message is acknowledged
     * and received once. T_RETRY stays at its 10 s default: a dropped publish is not resent
     * within the run and its drain, and shows as unacknowledged, not as a late duplicate.
     */
    void qos1AsFastAsAcknowledgedWithinTheFloodBudgets(int clients) throws Exception {
        Path jsonFile = dir.resolve("qos1-" + clients + ".json");
        long floodBefore = gateway.metrics().get(Metrics.DROPPED_FLOOD);
        Run run = bench(List.of("qos1", "-h", "127.0.0.1", "-p", Integer.toString(gateway.udpPort()),
                "--broker", broker.uri(), "--clients", Integer.toString(clients), "--duration", "2",
                "--warmup", "0", "--drain", "5", "--no-ceiling", "--json", jsonFile.toString()));
        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        Map<String, Object> report = json(jsonFile);
        assertThat(MiniJson.object(report.get("parameters"))).containsEntry("clients", (double) clients)
                .containsEntry("rate", 0.0);
        assertThat(MiniJson.array(report.get("notes"))).as(run.out())
                .noneMatch(n -> String.valueOf(n).contains("did not connect"))
                .noneMatch(n -> String.valueOf(n).contains("lost the gateway"));
        Map<String, Object> r = onlyResult(report);
        assertThat(count(r, "sent")).as(run.out()).isPositive();
        assertThat(count(r, "acknowledged")).as(run.out()).isEqualTo(count(r, "sent"));
        assertThat(count(r, "received")).as(run.out()).isEqualTo(count(r, "sent"));
        assertThat(count(r, "lost")).isZero();
        assertThat(count(r, "duplicates")).isZero();
        assertThat(count(r, "failed")).isZero();
        assertThat(count(r, "in_flight_at_end")).isZero();
        assertThat(gateway.metrics().get(Metrics.DROPPED_FLOOD) - floodBefore).as("gateway: %s",
                gateway.metrics().snapshot()).isZero();
    }

    @Test
    void qos2WithItsCeilingAlsoAddsUp() throws Exception {
        Path jsonFile = dir.resolve("qos2.json");
        Run run = bench(tiny("qos1", "--qos", "2", "--rate", "300", "--json", jsonFile.toString()));
        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        Map<String, Object> report = json(jsonFile);
        Map<String, Object> r = onlyResult(report);
        assertThat(count(r, "sent")).isPositive();
        assertThat(count(r, "acknowledged")).isEqualTo(count(r, "sent"));
        assertThat(count(r, "received")).isEqualTo(count(r, "sent"));
        assertThat(count(r, "duplicates")).isZero();
        Map<String, Object> ceilingRun = MiniJson.object(MiniJson.object(report.get("ceiling")).get("broker_run"));
        assertThat(count(ceilingRun, "received")).isEqualTo(count(ceilingRun, "sent")).isPositive();
        assertThat(count(ceilingRun, "acknowledged")).isEqualTo(count(ceilingRun, "sent"));
    }

    @Test
    void qos0AtAFixedRateWritesPng() throws Exception {
        Path jsonFile = dir.resolve("qos0.json");
        Path pngFile = dir.resolve("qos0.png");
        Run run = bench(tiny("qos0", "--rate", "1000", "--json", jsonFile.toString(), "--plot", pngFile.toString()));
        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        Map<String, Object> r = onlyResult(json(jsonFile));
        assertThat(count(r, "sent")).isPositive();
        assertThat(count(r, "received") + count(r, "lost")).isEqualTo(count(r, "sent"));
        assertThat(count(r, "duplicates")).isZero();
        byte[] png = Files.readAllBytes(pngFile);
        assertThat(png).startsWith(new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        assertThat(javax.imageio.ImageIO.read(pngFile.toFile()).getWidth()).isEqualTo(LatencyPlot.WIDTH);
    }

    @Test
    void qos0SweepReportsEachStep() throws Exception {
        Path jsonFile = dir.resolve("sweep.json");
        Path csvFile = dir.resolve("sweep.csv");
        Run run = bench(tiny("qos0", "--sweep", "--rate", "200", "--step", "200", "--max-rate", "600", "--no-ceiling",
                "--json", jsonFile.toString(), "--csv", csvFile.toString()));
        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("highest zero-loss rate");
        Map<String, Object> report = json(jsonFile);
        assertThat(report).containsKey("highest_zero_loss_rate");
        assertThat(report.get("ceiling")).isNull();
        List<Object> steps = MiniJson.array(report.get("results"));
        assertThat(steps).isNotEmpty().hasSizeLessThanOrEqualTo(3);
        for (Object step : steps) {
            Map<String, Object> s = MiniJson.object(step);
            assertThat(count(s, "received") + count(s, "lost")).isEqualTo(count(s, "sent"));
            assertThat(count(s, "duplicates")).isZero();
        }
        assertThat(Files.readAllLines(csvFile)).hasSize(1 + steps.size());
    }

    @Test
    void latencyModeAtQos1() throws Exception {
        Path jsonFile = dir.resolve("latency.json");
        Path svgFile = dir.resolve("latency.svg");
        Run run = bench(tiny("latency", "--rate", "300", "--qos", "1", "--json", jsonFile.toString(), "--plot",
                svgFile.toString()));
        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        Map<String, Object> r = onlyResult(json(jsonFile));
        assertThat(count(r, "received")).isEqualTo(count(r, "sent"));
        assertThat(count(r, "acknowledged")).isEqualTo(count(r, "sent"));
        assertThat(count(r, "duplicates")).isZero();
        assertThat(MiniJson.object(r.get("latency_ms")).get("p50")).isInstanceOf(Double.class);
        assertWellFormedSvg(svgFile);
    }

    @Test
    void connectStormConnectsEveryClient() throws Exception {
        Path jsonFile = dir.resolve("connect.json");
        Path csvFile = dir.resolve("connect.csv");
        Path svgFile = dir.resolve("connect.svg");
        Run run = bench(List.of("connect", "-h", "127.0.0.1", "-p", Integer.toString(gateway.udpPort()),
                "--clients", "20", "--json", jsonFile.toString(), "--csv", csvFile.toString(), "--plot",
                svgFile.toString()));
        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out().lines().findFirst().orElseThrow()).startsWith("sngate-sim bench connect");
        Map<String, Object> report = json(jsonFile);
        Map<String, Object> connect = MiniJson.object(report.get("connect"));
        assertThat(connect).containsKeys("clients", "connected", "failed", "time_to_all_connected_s",
                "connects_per_s", "latency_ms");
        assertThat(connect).containsEntry("connected", 20.0).containsEntry("failed", 0.0)
                .containsEntry("connect_packets", 20.0).containsEntry("register_packets", 20.0);
        assertThat((Double) connect.get("time_to_all_connected_s")).isPositive();
        List<String> csv = Files.readAllLines(csvFile);
        assertThat(csv).hasSize(2);
        assertThat(csv.get(1)).startsWith("connect,20,20,0,");
        assertWellFormedSvg(svgFile);
    }

    @Test
    void ceilingModeNeedsNoGateway() throws Exception {
        Path jsonFile = dir.resolve("ceiling.json");
        Run run = bench(List.of("ceiling", "-p", "9", "--broker", broker.uri(), "--clients", "4", "--duration", "0.5",
                "--warmup", "0", "--drain", "5", "--qos", "1", "--json", jsonFile.toString()));
        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        Map<String, Object> ceiling = MiniJson.object(json(jsonFile).get("ceiling"));
        assertThat((Double) ceiling.get("generate_rate")).isPositive();
        Map<String, Object> r = MiniJson.object(ceiling.get("broker_run"));
        assertThat(count(r, "received")).isEqualTo(count(r, "sent")).isPositive();
        assertThat(count(r, "acknowledged")).isEqualTo(count(r, "sent"));
        assertThat(count(r, "duplicates")).isZero();
    }

    @Test
    void anUnreachableGatewayFailsWithOneLine() {
        Run run = bench(List.of("qos0", "-h", "127.0.0.1", "-p", Integer.toString(Mosquitto.freePort()), "--broker",
                broker.uri(), "--clients", "2", "--no-ceiling", "--warmup", "0", "--retry", "0.2",
                "--max-retries", "1"));
        assertThat(run.exit()).isEqualTo(BenchCommand.EXIT_FAILURE);
        assertThat(run.err()).startsWith("sngate-sim bench: no device could connect to the gateway");
    }

    @Test
    void usageErrorsExitWithTwo() {
        Run run = bench(List.of("qos1", "--window", "8"));
        assertThat(run.exit()).isEqualTo(BenchCommand.EXIT_USAGE);
        assertThat(run.err()).contains("--window 8").contains("run 'sngate-sim bench --help' for the options");
        assertThat(bench(List.of("--help")).out()).contains("connect").contains("--plot FILE")
                .contains("--source ADDRESSES").contains("127.0.0.1-127.0.0.20").contains("127.0.1.0/24");
        Run reversed = bench(List.of("connect", "--source", "127.0.0.20-127.0.0.1"));
        assertThat(reversed.exit()).isEqualTo(BenchCommand.EXIT_USAGE);
        assertThat(reversed.err()).startsWith("sngate-sim bench: --source 127.0.0.20-127.0.0.1: the range runs backwards")
                .contains("run 'sngate-sim bench --help' for the options");
    }

    static void assertWellFormedSvg(Path file) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        Document svg = factory.newDocumentBuilder().parse(file.toFile());
        assertThat(svg.getDocumentElement().getLocalName()).isEqualTo("svg");
        assertThat(svg.getElementsByTagNameNS("http://www.w3.org/2000/svg", "polyline").getLength()).isPositive();
        assertThat(Files.readString(file)).contains("percentile").contains("latency (ms");
    }
}
