package io.sngate.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sngate.codec.QoS;
import io.sngate.device.it.BrokerWatcher;
import io.sngate.device.it.GatewayUnderTest;
import io.sngate.hw.config.GatewayMode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet against our gateway and a real mosquitto over impaired links (loss and
 * duplication both ways), with a Paho client on the broker recording every (topic, payload):
 * what the fleet counted as acknowledged must be there, no reading may be missing, and at
 * QoS 2 none may be there twice. Also: the scenario format and its errors.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FleetTest {

    static final int DEVICES = 200;
    static final int READINGS_PER_DEVICE = 4;

    static GatewayUnderTest env;
    static BrokerWatcher watcher;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        env = GatewayUnderTest.start(GatewayMode.TRANSPARENT, Map.of());
        watcher = new BrokerWatcher(env.brokerUri(), "fleet-watcher");
        watcher.subscribe("fleet/#", 2);
    }

    @AfterAll
    static void stop() throws Exception {
        if (watcher != null) {
            watcher.close();
        }
        if (env != null) {
            env.close();
        }
    }

    Path scenarioFile(String yaml) throws Exception {
        Path file = Files.createTempFile(dir, "scenario-", ".yaml");
        Files.writeString(file, yaml, StandardCharsets.UTF_8);
        return file;
    }

    String lossyScenario(String prefix, int qos) {
        return """
                gateway:
                  host: 127.0.0.1
                  port: %d
                devices:
                  count: %d
                  client-id-prefix: "%s"
                  keep-alive: 60
                  retry-seconds: 0.3
                  max-retries: 12
                connect-spread-seconds: 1
                publish:
                  topic: "fleet/{id}/reading"
                  interval-seconds: 0.5
                  jitter-seconds: 0.2
                  qos: %d
                  payload:
                    kind: counter
                impairment:
                  loss-percent: 5
                  duplicate-percent: 2
                seed: 20240601
                runtimes: 2
                """.formatted(env.udpPort(), DEVICES, prefix, qos);
    }

    /** What one fleet run left at the broker, per device topic. */
    record Outcome(FleetStats stats, Map<String, List<Long>> readingsByTopic) {
    }

    Outcome runFleet(String prefix, int qos) throws Exception {
        Scenario scenario = Scenario.load(scenarioFile(lossyScenario(prefix, qos)));
        assertThat(scenario.publishing().qos()).isEqualTo(Scenario.QosMix.of(QoS.ofLevel(qos)));
        FleetStats stats;
        try (Fleet fleet = new Fleet(scenario)) {
            fleet.start();
            stats = fleet.stats();
            // A few readings per device on average, and every device has got one through (a device
            // can lose a round of connecting, e.g. when its CONNECT resend crosses the CONNACK).
            await("every device publishing").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> stats.acknowledged.get() >= (long) DEVICES * READINGS_PER_DEVICE
                            && readings("fleet/" + prefix).size() == DEVICES);
        }
        // After close every request has ended: acknowledged, or failed (and kept to publish again);
        // none was refused, as the gateway knows every device's topic.
        assertThat(stats.published.get()).isEqualTo(stats.acknowledged.get() + stats.publishFailures.get());
        assertThat(stats.publishRefused.get()).isZero();
        assertThat(stats.link.dropped.get()).as("the impairment dropped packets").isPositive();
        assertThat(stats.link.duplicated.get()).as("the impairment duplicated packets").isPositive();

        long acknowledged = stats.acknowledged.get();
        String topicPrefix = "fleet/" + prefix;
        await("the acknowledged readings at the broker").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> contiguousTotal(readings(topicPrefix)) >= acknowledged);
        watcher.barrier("fleet/barrier");
        return new Outcome(stats, readings(topicPrefix));
    }

    static Map<String, List<Long>> readings(String topicPrefix) {
        Map<String, List<Long>> byTopic = new HashMap<>();
        for (BrokerWatcher.Received r : watcher.received()) {
            if (r.topic().startsWith(topicPrefix)) {
                byTopic.computeIfAbsent(r.topic(), t -> new java.util.ArrayList<>()).add(Long.parseLong(r.text()));
            }
        }
        return byTopic;
    }

    /** Readings 1..n present without a gap, summed over the devices. */
    static long contiguousTotal(Map<String, List<Long>> byTopic) {
        long total = 0;
        for (List<Long> readings : byTopic.values()) {
            Set<Long> present = new java.util.HashSet<>(readings);
            long n = 0;
            while (present.contains(n + 1)) {
                n++;
            }
            total += n;
        }
        return total;
    }

    static void assertEveryReadingArrived(Outcome outcome, String prefix) {
        Map<String, List<Long>> byTopic = outcome.readingsByTopic();
        assertThat(byTopic.keySet()).as("every device's topic").hasSize(DEVICES)
                .allSatisfy(t -> assertThat(t).matches("fleet/" + prefix + "\\d+/reading"));
        long highest = 0;
        for (Map.Entry<String, List<Long>> entry : byTopic.entrySet()) {
            TreeSet<Long> distinct = new TreeSet<>(entry.getValue());
            // A device publishes reading n+1 only after n was acknowledged (a failed one is
            // published again first), so the readings at the broker must be 1..max, no gap.
            assertThat(distinct.first()).as(entry.getKey()).isEqualTo(1);
            assertThat((long) distinct.size()).as("gaps in %s: %s", entry.getKey(), distinct)
                    .isEqualTo(distinct.last());
            highest += distinct.last();
        }
        long acknowledged = outcome.stats().acknowledged.get();
        assertThat(highest).as("readings at the broker vs. acknowledged").isGreaterThanOrEqualTo(acknowledged);
        // at most the one reading in flight when the fleet stopped, per device, was not acknowledged
        assertThat(highest).isLessThanOrEqualTo(acknowledged + DEVICES);
    }

    // ------------------------------------------------------------------ runs

    @Test
    void qos1UnderLossAndDuplicationDeliversEveryReadingAtLeastOnce() throws Exception {
        Outcome outcome = runFleet("q1-", 1);
        assertEveryReadingArrived(outcome, "q1-");
        assertThat(outcome.stats().connects.get()).isGreaterThanOrEqualTo(DEVICES);
    }

    @Test
    void qos2UnderLossAndDuplicationDeliversEveryReadingExactlyOnce() throws Exception {
        Outcome outcome = runFleet("q2-", 2);
        assertEveryReadingArrived(outcome, "q2-");
        Map<String, List<Long>> duplicates = outcome.readingsByTopic().entrySet().stream()
                .filter(e -> e.getValue().size() != new TreeSet<>(e.getValue()).size())
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertThat(duplicates).as("(topic, payload) at the broker more than once; devices lost %d, stats %s",
                outcome.stats().lost.get(), Fleet.summary(outcome.stats())).isEmpty();
    }

    @Test
    void theFleetCommandRunsAScenarioAndPrintsASummary() throws Exception {
        Path file = scenarioFile("""
                devices:
                  count: 5
                  client-id-prefix: "cmd-"
                  retry-seconds: 0.5
                connect-spread-seconds: 0.2
                publish:
                  topic: "fleet/{id}/cmd"
                  interval-seconds: 0.2
                  qos: 1
                """);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(List.of("fleet", "--scenario", file.toString(), "-h", "127.0.0.1", "-p",
                        Integer.toString(env.udpPort()), "--duration", "1.5", "--plain", "--devices", "3"),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(printed).startsWith("fleet: 3 devices -> 127.0.0.1:" + env.udpPort() + " for 1.5 s, qos 1");
        assertThat(printed).contains("summary:", "publishes sent", "publishes acknowledged",
                "packets dropped by impairment");
        assertThat(printed.lines().filter(l -> l.trim().startsWith("connects")).findFirst().orElseThrow())
                .endsWith(" 3");
        await().atMost(Duration.ofSeconds(20)).until(() -> watcher.received().stream()
                .map(BrokerWatcher.Received::topic).filter(t -> t.endsWith("/cmd")).distinct().count() == 3);
    }

    @Test
    void theFleetCommandNamesTheBadKeyAndExits2() throws Exception {
        Path file = scenarioFile("publish:\n  qos: 3\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(List.of("fleet", "--scenario", file.toString()),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow())
                .isEqualTo("sngate-sim fleet: publish.qos: must be from -1 to 2, not 3");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void devicesThatFoundNoGatewayConnectOnceWhenItComesUp() throws Exception {
        int devices = 20;
        int port;
        try (java.net.DatagramSocket probe = new java.net.DatagramSocket(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0))) {
            port = probe.getLocalPort(); // nothing listens there until the gateway below starts
        }
        Scenario scenario = Scenario.load(scenarioFile("""
                gateway:
                  host: 127.0.0.1
                  port: %d
                devices:
                  count: %d
                  client-id-prefix: "late-"
                  retry-seconds: 0.5
                  max-retries: 0
                connect-spread-seconds: 0
                publish:
                  topic: "fleet/{id}/late"
                  interval-seconds: 0.25
                  qos: 1
                runtimes: 2
                """.formatted(port, devices)));
        FleetStats stats;
        io.sngate.gateway.Gateway late = null;
        try (Fleet fleet = new Fleet(scenario)) {
            stats = fleet.stats();
            fleet.start();
            await("connect attempts failing").atMost(Duration.ofSeconds(30))
                    .until(() -> stats.connectFailures.get() >= 2L * devices);
            late = startGatewayOn(port);
            // Long enough for every reconnection the devices had scheduled (2-5 s) to come due.
            await("devices publishing").atMost(Duration.ofSeconds(60))
                    .until(() -> stats.acknowledged.get() >= devices * 18L);
        } finally {
            if (late != null) {
                late.close(); // after the fleet: the devices say goodbye to a running gateway
            }
        }
        // Counted after the fleet stopped, so the counters agree. A device connects once, and
        // once more after each time it was lost when up (a hiccup of the machine can do that);
        // losses while connecting are connect failures as well.
        long lostWhenUp = stats.lost.get() - stats.connectFailures.get();
        assertThat(stats.connects.get()).as("successful connects; %s", Fleet.summary(stats))
                .isGreaterThanOrEqualTo(devices).isLessThanOrEqualTo(devices + lostWhenUp);
    }

    @Test
    void aDeviceKeepsOnePublishingChainAcrossAGatewayRestart() throws Exception {
        int devices = 20;
        int port = freeUdpPort();
        // Slow answers (300 ms each way) and a short interval: a device's one publish is nearly
        // always waiting for its answer, so a device publishing twice over shows at once.
        Scenario scenario = Scenario.load(scenarioFile("""
                gateway:
                  host: 127.0.0.1
                  port: %d
                devices:
                  count: %d
                  client-id-prefix: "restart-"
                  retry-seconds: 1
                  max-retries: 5
                connect-spread-seconds: 0.5
                publish:
                  topic: "fleet/{id}/restart"
                  interval-seconds: 0.05
                  qos: 1
                impairment:
                  latency-ms: 300
                runtimes: 2
                """.formatted(port, devices)));
        io.sngate.gateway.Gateway gateway = startGatewayOn(port);
        try (Fleet fleet = new Fleet(scenario)) {
            FleetStats stats = fleet.stats();
            java.util.concurrent.atomic.AtomicLong mostOutstanding = new java.util.concurrent.atomic.AtomicLong();
            // published is read first: a publish completing meanwhile can only make this smaller
            java.util.concurrent.Callable<Boolean> watch = () -> {
                long published = stats.published.get();
                long outstanding = published - stats.acknowledged.get() - stats.publishFailures.get()
                        - stats.publishRefused.get();
                mostOutstanding.accumulateAndGet(outstanding, Math::max);
                return true;
            };
            fleet.start();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                    .until(() -> watch.call() && stats.acknowledged.get() >= devices * 3L);
            gateway.close(); // the new gateway knows none of them: DISCONNECT, reconnect
            gateway = startGatewayOn(port);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                    .until(() -> watch.call() && stats.connects.get() >= 2L * devices);
            long acknowledged = stats.acknowledged.get();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                    .until(() -> watch.call() && stats.acknowledged.get() >= acknowledged + devices * 4L);
            assertThat(mostOutstanding.get()).as("publishes awaiting an answer at once (one per device at most); %s",
                    Fleet.summary(stats)).isLessThanOrEqualTo(devices);
        } finally {
            gateway.close();
        }
    }

    static int freeUdpPort() throws Exception {
        try (java.net.DatagramSocket probe = new java.net.DatagramSocket(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0))) {
            return probe.getLocalPort();
        }
    }

    static io.sngate.gateway.Gateway startGatewayOn(int port) throws Exception {
        return io.sngate.gateway.Gateway.start(io.sngate.hw.config.ConfigLoader.fromArgs(List.of(
                        "--port", Integer.toString(port), "--broker", env.brokerUri()))
                .with(io.sngate.hw.config.GatewaySettings.ADVERTISE_SECONDS, 0));
    }

    // ------------------------------------------------------------------ the scenario format

    @Test
    void anEmptyScenarioHasTheDocumentedDefaults() throws Exception {
        Scenario scenario = Scenario.load(scenarioFile(""));
        assertThat(scenario).isEqualTo(Scenario.defaults());
        assertThat(scenario.host()).isEqualTo("localhost");
        assertThat(scenario.port()).isEqualTo(1883);
        assertThat(scenario.devices()).isEqualTo(10);
        assertThat(scenario.clientIdPrefix()).isEqualTo("sim-");
        assertThat(scenario.keepAlive()).isEqualTo(60);
        assertThat(scenario.cleanSession()).isTrue();
        assertThat(scenario.retrySeconds()).isEqualTo(10);
        assertThat(scenario.maxRetries()).isEqualTo(3);
        assertThat(scenario.durationSeconds()).isEqualTo(30);
        assertThat(scenario.connectSpreadSeconds()).isEqualTo(2);
        Scenario.Publishing p = scenario.publishing();
        assertThat(p.topic()).isEqualTo("sim/{id}/reading");
        assertThat(p.intervalSeconds()).isEqualTo(5);
        assertThat(p.jitterSeconds()).isZero();
        assertThat(p.qos()).isEqualTo(Scenario.QosMix.of(QoS.AT_LEAST_ONCE));
        assertThat(p.predefinedId()).isZero();
        assertThat(p.shortTopic()).isEmpty();
        assertThat(p.retain()).isFalse();
        assertThat(p.payload()).isEqualTo(Scenario.PayloadKind.COUNTER);
        assertThat(p.start()).isEqualTo(20);
        assertThat(p.step()).isEqualTo(0.5);
        assertThat(p.template()).isEqualTo("{\"device\":\"{id}\",\"seq\":{n},\"value\":{value}}");
        assertThat(scenario.subscriptions()).isEmpty();
        assertThat(scenario.sleeping()).isEqualTo(new Scenario.Sleeping(false, 30));
        assertThat(scenario.impairment()).isEqualTo(Impairment.NONE);
        assertThat(scenario.impairment().isNone()).isTrue();
        assertThat(scenario.seed()).isEqualTo(1);
        assertThat(scenario.runtimes()).isEqualTo(Math.max(1, Runtime.getRuntime().availableProcessors()));
    }

    @Test
    void everyKeyIsRead() throws Exception {
        Scenario scenario = Scenario.load(scenarioFile("""
                gateway:
                  host: gw.example
                  port: 10883
                devices:
                  count: 1000
                  client-id-prefix: "node-"
                  keep-alive: 120
                  clean-session: false
                  retry-seconds: 0.25
                  max-retries: 7
                duration-seconds: 90.5
                connect-spread-seconds: 12
                publish:
                  topic: "plant/{id}/temp"
                  interval-seconds: 2.5
                  jitter-seconds: 0.5
                  qos: 2
                  retain: true
                  payload:
                    kind: json
                    start: -5
                    step: 0.125
                    template: '{"id":"{id}","n":{n},"v":{value},"ts":{ts}}'
                subscribe:
                  - topic: "cmd/{id}"
                    qos: 1
                  - topic: "broadcast/#"
                    qos: 2
                sleep:
                  enabled: true
                  sleep-seconds: 45
                impairment:
                  loss-percent: 5
                  duplicate-percent: 2
                  reorder-percent: 1.5
                  latency-ms: 40
                  jitter-ms: 10
                seed: 12345
                runtimes: 3
                """));
        assertThat(scenario.host()).isEqualTo("gw.example");
        assertThat(scenario.port()).isEqualTo(10883);
        assertThat(scenario.devices()).isEqualTo(1000);
        assertThat(scenario.clientIdPrefix()).isEqualTo("node-");
        assertThat(scenario.keepAlive()).isEqualTo(120);
        assertThat(scenario.cleanSession()).isFalse();
        assertThat(scenario.retrySeconds()).isEqualTo(0.25);
        assertThat(scenario.maxRetries()).isEqualTo(7);
        assertThat(scenario.durationSeconds()).isEqualTo(90.5);
        assertThat(scenario.connectSpreadSeconds()).isEqualTo(12);
        assertThat(scenario.publishing()).isEqualTo(new Scenario.Publishing("plant/{id}/temp", 0, "", 2.5, 0.5,
                Scenario.QosMix.of(QoS.EXACTLY_ONCE), true, Scenario.PayloadKind.JSON, -5, 0.125,
                "{\"id\":\"{id}\",\"n\":{n},\"v\":{value},\"ts\":{ts}}"));
        assertThat(scenario.subscriptions()).containsExactly(
                new Scenario.Subscription("cmd/{id}", QoS.AT_LEAST_ONCE),
                new Scenario.Subscription("broadcast/#", QoS.EXACTLY_ONCE));
        assertThat(scenario.sleeping()).isEqualTo(new Scenario.Sleeping(true, 45));
        assertThat(scenario.impairment()).isEqualTo(new Impairment(5, 2, 1.5, 40, 10));
        assertThat(scenario.seed()).isEqualTo(12345);
        assertThat(scenario.runtimes()).isEqualTo(3);

        assertThat(scenario.withDevices(7).devices()).isEqualTo(7);
        assertThat(scenario.withGateway("h", 1).host()).isEqualTo("h");
        assertThat(scenario.withDuration(3).durationSeconds()).isEqualTo(3);
        assertThat(scenario.withDuration(3).publishing()).isEqualTo(scenario.publishing());
    }

    @Test
    void payloadKindsAndQosMinusOneAreAccepted() throws Exception {
        assertThat(Scenario.load(scenarioFile("publish:\n  payload:\n    kind: random-walk\n")).publishing().payload())
                .isEqualTo(Scenario.PayloadKind.RANDOM_WALK);
        Scenario.Publishing predefined = Scenario.load(scenarioFile("publish:\n  qos: -1\n  predefined-id: 5\n"))
                .publishing();
        assertThat(predefined.qos()).isEqualTo(Scenario.QosMix.of(QoS.MINUS_ONE));
        assertThat(predefined.topicFor("sim-0")).isEqualTo(io.sngate.client.Topic.predefined(5));
        Scenario.Publishing shortName = Scenario.load(scenarioFile("publish:\n  qos: -1\n  short-topic: t1\n"))
                .publishing();
        assertThat(shortName.topicFor("sim-0")).isEqualTo(io.sngate.client.Topic.shortName("t1"));
        assertThat(Scenario.load(scenarioFile("publish:\n  qos: 0\n")).publishing().qos())
                .isEqualTo(Scenario.QosMix.of(QoS.AT_MOST_ONCE));
        assertThat(Scenario.load(scenarioFile("publish:\n  topic: a/{id}\n")).publishing().topicFor("sim-3"))
                .isEqualTo(io.sngate.client.Topic.name("a/sim-3"));
    }

    @Test
    void aQosMixGivesEachLevelItsShareOfTheDevicesAndTheSeedSaysWhich() throws Exception {
        Scenario scenario = Scenario.load(scenarioFile(
                "devices:\n  count: 1000\npublish:\n  qos: {0: 50%, 1: 40%, 2: 10%}\nseed: 3\n"));
        Scenario.QosMix mix = scenario.publishing().qos();
        assertThat(mix.percentByLevel()).containsExactly(Map.entry(0, 50.0), Map.entry(1, 40.0), Map.entry(2, 10.0));
        assertThat(mix.describe()).isEqualTo("{0: 50%, 1: 40%, 2: 10%}");
        List<QoS> drawn = Fleet.qosByDevice(scenario);
        Map<QoS, Long> counts = drawn.stream().collect(Collectors.groupingBy(q -> q, Collectors.counting()));
        assertThat(counts).containsOnly(Map.entry(QoS.AT_MOST_ONCE, 500L), Map.entry(QoS.AT_LEAST_ONCE, 400L),
                Map.entry(QoS.EXACTLY_ONCE, 100L));
        assertThat(Fleet.qosByDevice(scenario)).as("same scenario, same assignment").isEqualTo(drawn);
        assertThat(drawn.subList(0, 100)).as("shuffled, not in blocks by device number")
                .contains(QoS.AT_MOST_ONCE, QoS.AT_LEAST_ONCE);
        Scenario reseeded = Scenario.load(scenarioFile(
                "devices:\n  count: 1000\npublish:\n  qos: {0: 50%, 1: 40%, 2: 10%}\nseed: 4\n"));
        assertThat(Fleet.qosByDevice(reseeded)).as("another seed, another draw").isNotEqualTo(drawn);

        // Rounded so the counts add up: 3.5, 2.8 and 0.7 devices become 3, 3 and 1.
        assertThat(Fleet.qosByDevice(scenario.withDevices(7)).stream()
                .collect(Collectors.groupingBy(q -> q, Collectors.counting())))
                .containsOnly(Map.entry(QoS.AT_MOST_ONCE, 3L), Map.entry(QoS.AT_LEAST_ONCE, 3L),
                        Map.entry(QoS.EXACTLY_ONCE, 1L));

        // Block style, bare numbers and decimals; a level at 0% is left out; -1 with its topic.
        Scenario.QosMix block = Scenario.load(scenarioFile("""
                publish:
                  predefined-id: 9
                  qos:
                    -1: 33.3
                    0: 33.3%
                    1: 0%
                    2: 33.4
                """)).publishing().qos();
        assertThat(block.percentByLevel().keySet()).containsExactly(-1, 0, 2);
        assertThat(block.includes(QoS.MINUS_ONE)).isTrue();
        assertThat(block.includes(QoS.AT_LEAST_ONCE)).isFalse();
        assertThat(block.describe()).isEqualTo("{-1: 33.3%, 0: 33.3%, 2: 33.4%}");
        assertThat(Scenario.load(scenarioFile("publish:\n  qos: {2: 100%}\n")).publishing().qos())
                .isEqualTo(Scenario.QosMix.of(QoS.EXACTLY_ONCE));
    }

    @Test
    void errorsNameTheKey() throws Exception {
        assertError("publish:\n  qos: 3\n", "publish.qos: must be from -1 to 2, not 3");
        assertError("publish:\n  qos: -2\n", "publish.qos: must be from -1 to 2, not -2");
        assertError("publish:\n  qos: high\n", "publish.qos: must be a whole number, not 'high'");
        assertError("devices:\n  count: 0\n", "devices.count: must be from 1 to 1000000, not 0");
        assertError("devices:\n  count: 2.5\n", "devices.count: must be a whole number, not '2.5'");
        assertError("devices:\n  retry-seconds: 0\n", "devices.retry-seconds: must be from 0.01 to 3600.0, not 0");
        assertError("devices:\n  clean-session: maybe\n", "devices.clean-session: must be true or false, not 'maybe'");
        assertError("gateway:\n  port: 70000\n", "gateway.port: must be from 1 to 65535, not 70000");
        assertError("gateway:\n  host: [a, b]\n", "gateway.host: must be a single value");
        assertError("gateway: localhost\n", "gateway: must be a section of keys");
        assertError("impairment:\n  loss-percent: 101\n", "impairment.loss-percent: must be from 0.0 to 100.0, not 101");
        assertError("impairment:\n  latency-ms: -1\n", "impairment.latency-ms: must be from 0.0 to 600000.0, not -1");
        assertError("publish:\n  payload:\n    kind: sine\n",
                "publish.payload.kind: must be counter, random-walk or json, not 'sine'");
        assertError("publish:\n  interval-seconds: fast\n", "publish.interval-seconds: must be a number, not 'fast'");
        assertError("sleep:\n  sleep-seconds: 0\n", "sleep.sleep-seconds: must be from 1 to 65535, not 0");
        assertError("subscribe: cmd/#\n", "subscribe: must be a list of {topic, qos}");
        assertError("subscribe:\n  - cmd/#\n", "subscribe[0]: must be a mapping with topic and qos");
        assertError("subscribe:\n  - qos: 1\n", "subscribe[0].topic: is required");
        assertError("subscribe:\n  - topic: a\n  - topic: b\n    qos: 3\n", "subscribe[1].qos: must be from 0 to 2, not 3");
        assertError("runtimes: 65\n", "runtimes: must be from 1 to 64, not 65");
        // QoS -1 and the topics it can use
        assertError("publish:\n  qos: -1\n", "publish.qos: QoS -1 needs publish.predefined-id or publish.short-topic");
        assertError("publish:\n  qos: {-1: 50%, 1: 50%}\n",
                "publish.qos: QoS -1 needs publish.predefined-id or publish.short-topic");
        assertError("publish:\n  predefined-id: 0\n", "publish.predefined-id: must be from 1 to 65534, not 0");
        assertError("publish:\n  predefined-id: 65535\n", "publish.predefined-id: must be from 1 to 65534, not 65535");
        assertError("publish:\n  short-topic: abc\n",
                "publish.short-topic: a short topic name is exactly two bytes, not 'abc'");
        assertError("publish:\n  short-topic: a#\n", "publish.short-topic: is published to, so it cannot hold");
        assertError("publish:\n  predefined-id: 3\n  short-topic: ab\n",
                "publish.short-topic: excludes publish.predefined-id");
        assertError("publish:\n  topic: x\n  predefined-id: 3\n", "publish.topic: excludes publish.predefined-id");
        assertError("publish:\n  topic: x\n  short-topic: ab\n", "publish.topic: excludes publish.short-topic");
        // per-device QoS mixes
        assertError("publish:\n  qos: {0: 50%, 1: 40%}\n", "publish.qos: the shares must add up to 100%, not 90%");
        assertError("publish:\n  qos: {0: 50%, 3: 50%}\n",
                "publish.qos.3: is not a QoS level; the levels are -1, 0, 1 and 2");
        assertError("publish:\n  qos: {high: 100%}\n", "publish.qos.high: is not a QoS level");
        assertError("publish:\n  qos: {0: lots, 1: 50%}\n",
                "publish.qos.0: must be a share of the devices in percent, e.g. 50%, not 'lots'");
        assertError("publish:\n  qos: {0: 150%}\n", "publish.qos.0: must be a share from 0% to 100%, not 150%");
        assertError("publish:\n  qos: {1: 50%, '1': 50%}\n", "publish.qos.1: level 1 is given twice");
        assertError("publish:\n  qos: {}\n", "publish.qos: a mix needs at least one level");
        assertError("publish:\n  qos: [0, 1]\n", "publish.qos: must be a level from -1 to 2 or a mix");
        assertError("duration-seconds: 0\n", "duration-seconds: must be from 0.1 to 3.1536E7, not 0");
    }

    @Test
    void unknownKeysAreErrorsThatListTheKnownOnes() throws Exception {
        assertError("devcies:\n  count: 3\n", "devcies: unknown key (known here: connect-spread-seconds, devices, "
                + "dtls, duration-seconds, gateway, impairment, link, nat, publish, runtimes, seed, sleep, subscribe)");
        assertError("publish:\n  colour: red\n", "publish.colour: unknown key (known here: interval-seconds, "
                + "jitter-seconds, payload, predefined-id, qos, retain, short-topic, topic)");
        assertError("publish:\n  payload:\n    kind: json\n    templat: x\n",
                "publish.payload.templat: unknown key (known here: kind, start, step, template)");
        assertError("subscribe:\n  - topic: a\n    qso: 1\n", "subscribe[0].qso: unknown key (known here: qos, topic)");
        assertError("impairment:\n  loss: 5\n", "impairment.loss: unknown key");
    }

    @Test
    void fileProblemsAreErrorsOfTheScenarioOption() throws Exception {
        assertError("devices: [\n", "--scenario: ");
        assertThat(message("devices: [\n")).contains("is not valid YAML");
        assertThat(message("seed: 1\nseed: 2\n")).startsWith("--scenario: ").contains("is not valid YAML")
                .contains("seed");
        assertThat(message("- a\n- b\n")).startsWith("--scenario: ").endsWith("must hold a mapping of keys");
        assertThatThrownBy(() -> Scenario.load(dir.resolve("missing.yaml")))
                .isInstanceOf(Scenario.ScenarioError.class).hasMessageStartingWith("--scenario: cannot read ");
    }

    private String message(String yaml) throws Exception {
        Path file = scenarioFile(yaml);
        try {
            Scenario.load(file);
        } catch (Scenario.ScenarioError e) {
            return e.getMessage();
        }
        throw new AssertionError("no error for " + yaml);
    }

    private void assertError(String yaml, String messageStart) throws Exception {
        assertThat(message(yaml)).as("error for %s", yaml).startsWith(messageStart);
    }
}
