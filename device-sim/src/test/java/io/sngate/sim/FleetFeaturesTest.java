package io.sngate.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.sngate.client.MqttSnClient;
import io.sngate.codec.QoS;
import io.sngate.device.it.BrokerWatcher;
import io.sngate.device.it.GatewayUnderTest;
import io.sngate.gateway.Metrics;
import io.sngate.hw.config.GatewayMode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet's features one by one, end to end: a few devices through our gateway into a real
 * mosquitto, a Paho client on the broker side checking what arrived (and publishing what the
 * devices should receive). Payload generators, sleep duty cycles, subscriptions, per-device QoS
 * and QoS -1.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FleetFeaturesTest {

    static final int PREDEFINED_ID = 21;
    static final String PREDEFINED_TOPIC = "feat/predefined/minus-one";
    /** Not in the gateway's predefined topics: a publish to it is refused. */
    static final int UNKNOWN_PREDEFINED_ID = 999;
    static final String SHORT_TOPIC = "q9";
    static final Duration WAIT = Duration.ofSeconds(30);
    static final Instant FIXED_NOW = Instant.parse("2026-01-01T00:00:00Z");

    static GatewayUnderTest env;
    static BrokerWatcher watcher;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        env = GatewayUnderTest.start(GatewayMode.TRANSPARENT, Map.of(PREDEFINED_ID, PREDEFINED_TOPIC));
        watcher = new BrokerWatcher(env.brokerUri(), "features-watcher");
        watcher.subscribe("feat/#", 2);
        watcher.subscribe(SHORT_TOPIC, 2);
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

    /** {@code yaml} with the gateway under test in front. */
    Path scenarioFile(String yaml) throws Exception {
        Path file = Files.createTempFile(dir, "scenario-", ".yaml");
        Files.writeString(file, "gateway:\n  host: 127.0.0.1\n  port: " + env.udpPort() + "\n" + yaml,
                StandardCharsets.UTF_8);
        return file;
    }

    Scenario scenario(String yaml) throws Exception {
        return Scenario.load(scenarioFile(yaml));
    }

    /** What one device received, and whether it came to its wake poll. */
    record Delivery(String topic, String text, QoS qos, boolean onWake) {
    }

    /** Records every device's messages and each time one falls asleep. */
    static final class Recorder implements Fleet.Observer {
        final Map<String, List<Delivery>> received = new ConcurrentHashMap<>();
        /** Bounded: a test takes the first few; the sleeps after those are not needed and not kept. */
        final BlockingQueue<String> fellAsleep = new ArrayBlockingQueue<>(256);

        @Override
        public void received(String clientId, MqttSnClient.Message message, boolean onWake) {
            received.computeIfAbsent(clientId, id -> new CopyOnWriteArrayList<>())
                    .add(new Delivery(message.topic(), message.payload().utf8(), message.qos(), onWake));
        }

        @Override
        public void fellAsleep(String clientId) {
            fellAsleep.offer(clientId);
        }

        List<Delivery> of(String clientId) {
            return received.getOrDefault(clientId, List.of());
        }
    }

    static boolean everyTopicHas(List<String> topics, int messages) {
        return topics.stream().allMatch(t -> watcher.on(t).size() >= messages);
    }

    static List<String> topics(String pattern, String prefix, int devices) {
        List<String> topics = new ArrayList<>();
        for (int i = 0; i < devices; i++) {
            topics.add(pattern.replace("{id}", prefix + i));
        }
        return topics;
    }

    // ------------------------------------------------------------------ payload generators

    @Test
    void randomWalkReadingsStepFromTheStartAndComeOutTheSameForTheSameSeed() throws Exception {
        int readings = 8;
        List<List<Double>> first = randomWalks("walk-a-", readings);
        List<List<Double>> second = randomWalks("walk-b-", readings);
        for (int i = 0; i < first.size(); i++) {
            List<Double> walk = first.get(i);
            // Each step is normal with standard deviation 0.5 (step): six of them bound any step of a run.
            assertThat(walk.get(0)).as("device %d starts near start: %s", i, walk).isCloseTo(20.0, within(3.0));
            for (int n = 1; n < walk.size(); n++) {
                assertThat(Math.abs(walk.get(n) - walk.get(n - 1))).as("step %d of %s", n, walk)
                        .isLessThanOrEqualTo(3.0);
            }
            assertThat(new HashSet<>(walk)).as("it walks: %s", walk).hasSizeGreaterThan(1);
            assertThat(second.get(i)).as("device %d, same seed, same walk", i).isEqualTo(walk);
        }
        assertThat(first.get(0)).as("every device walks on its own").isNotEqualTo(first.get(1));
    }

    /** The first {@code readings} readings of 3 random-walk devices, as they arrived at the broker. */
    List<List<Double>> randomWalks(String prefix, int readings) throws Exception {
        Scenario scenario = scenario("""
                devices:
                  count: 3
                  client-id-prefix: "%s"
                connect-spread-seconds: 0.2
                publish:
                  topic: "feat/walk/{id}"
                  interval-seconds: 0.05
                  qos: 1
                  payload:
                    kind: random-walk
                    start: 20
                    step: 0.5
                seed: 42
                """.formatted(prefix));
        List<String> topics = topics("feat/walk/{id}", prefix, 3);
        try (Fleet fleet = new Fleet(scenario)) {
            fleet.start();
            await("%d readings from every device".formatted(readings)).atMost(WAIT)
                    .until(() -> everyTopicHas(topics, readings));
        }
        List<List<Double>> walks = new ArrayList<>();
        for (String topic : topics) {
            List<String> texts = watcher.texts(topic);
            assertThat(texts).as(topic).allSatisfy(t -> assertThat(t).matches("-?\\d+\\.\\d{3}"));
            // QoS 1 with one publish in flight and no loss: the broker has them in the order made.
            walks.add(texts.subList(0, readings).stream().map(Double::parseDouble).toList());
        }
        return walks;
    }

    @Test
    void jsonReadingsFillEveryPlaceholderOfTheTemplate() throws Exception {
        Scenario scenario = scenario("""
                devices:
                  count: 2
                  client-id-prefix: "json-"
                connect-spread-seconds: 0.2
                publish:
                  topic: "feat/json/{id}"
                  interval-seconds: 0.05
                  qos: 1
                  payload:
                    kind: json
                    start: 5
                    step: 0.25
                    template: '{"device":"{id}","seq":{n},"value":{value},"ts":{ts}}'
                """);
        List<String> topics = topics("feat/json/{id}", "json-", 2);
        try (Fleet fleet = new Fleet(scenario, Clock.fixed(FIXED_NOW, ZoneOffset.UTC), Fleet.Observer.NONE)) {
            fleet.start();
            await("5 readings from every device").atMost(WAIT).until(() -> everyTopicHas(topics, 5));
        }
        Pattern reading = Pattern.compile(
                "\\{\"device\":\"(json-\\d)\",\"seq\":(\\d+),\"value\":(-?\\d+\\.\\d{3}),\"ts\":(\\d+)}");
        for (int i = 0; i < topics.size(); i++) {
            List<String> texts = watcher.texts(topics.get(i));
            double previous = 5;
            for (int n = 0; n < texts.size(); n++) {
                Matcher m = reading.matcher(texts.get(n));
                assertThat(m.matches()).as("reading %s", texts.get(n)).isTrue();
                assertThat(m.group(1)).isEqualTo("json-" + i);
                assertThat(Long.parseLong(m.group(2))).as("seq of %s", texts.get(n)).isEqualTo(n + 1);
                // {value} walks from start in steps of standard deviation 0.25: six of them bound a step.
                double value = Double.parseDouble(m.group(3));
                assertThat(value).as("value of %s after %s", texts.get(n), previous).isCloseTo(previous, within(1.5));
                previous = value;
                assertThat(Long.parseLong(m.group(4))).as("ts from the fleet's clock").isEqualTo(FIXED_NOW.toEpochMilli());
            }
        }
    }

    // ------------------------------------------------------------------ sleeping and subscriptions

    @Test
    void sleepingDevicesGetWhatTheGatewayHeldForThemWhenTheyWake() throws Exception {
        int devices = 3;
        int rounds = 2;
        // A device publishes, sleeps 4 s (waking after 2 to poll), reconnects, publishes, sleeps...
        Scenario scenario = scenario("""
                devices:
                  count: %d
                  client-id-prefix: "sleepy-"
                  retry-seconds: 1
                  max-retries: 5
                connect-spread-seconds: 0.3
                publish:
                  topic: "feat/sleepy/{id}/reading"
                  interval-seconds: 0.1
                  qos: 1
                subscribe:
                  - topic: "feat/sleepy/{id}/cmd"
                    qos: 1
                sleep:
                  enabled: true
                  sleep-seconds: 4
                """.formatted(devices));
        Recorder recorder = new Recorder();
        Map<String, List<String>> sent = new HashMap<>();
        FleetStats stats;
        try (Fleet fleet = new Fleet(scenario, Clock.systemUTC(), recorder)) {
            stats = fleet.stats();
            fleet.start();
            int published = 0;
            while (published < devices * rounds) {
                String id = recorder.fellAsleep.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
                assertThat(id).as("a device fell asleep; %s", Fleet.summary(stats)).isNotNull();
                List<String> toDevice = sent.computeIfAbsent(id, k -> new ArrayList<>());
                if (toDevice.size() < rounds) {
                    // The gateway has just confirmed the sleep and the device polls only 2 s later:
                    // this waits for it in the gateway's buffer.
                    String text = "command " + (toDevice.size() + 1) + " for " + id;
                    watcher.publish("feat/sleepy/" + id + "/cmd", text, 1);
                    toDevice.add(text);
                    published++;
                }
            }
            await("every device got its commands on waking").atMost(WAIT)
                    .until(() -> sent.keySet().stream().allMatch(id -> recorder.of(id).size() >= rounds)
                            && stats.wakes.get() >= (long) devices * rounds);
        }
        assertThat(sent).hasSize(devices);
        for (Map.Entry<String, List<String>> entry : sent.entrySet()) {
            String id = entry.getKey();
            List<Delivery> got = recorder.of(id);
            assertThat(got).extracting(Delivery::topic).as(id).containsOnly("feat/sleepy/" + id + "/cmd");
            assertThat(got).extracting(Delivery::text).as(id).containsExactlyElementsOf(entry.getValue());
            assertThat(got).as("%s received them in its wake polls", id).allMatch(Delivery::onWake);
            assertThat(watcher.on("feat/sleepy/" + id + "/reading")).as("%s published between sleeps", id)
                    .hasSizeGreaterThanOrEqualTo(rounds);
        }
        assertThat(stats.sleeps.get()).isGreaterThanOrEqualTo((long) devices * rounds);
        assertThat(stats.receivedOnWake.get()).isEqualTo((long) devices * rounds);
        assertThat(stats.subscribeFailures.get()).isZero();
    }

    @Test
    void devicesReceiveWhatIsPublishedToTheirFiltersAndNothingElse() throws Exception {
        int devices = 3;
        Scenario scenario = scenario("""
                devices:
                  count: %d
                  client-id-prefix: "subs-"
                connect-spread-seconds: 0.2
                publish:
                  topic: "feat/subs/{id}/reading"
                  interval-seconds: 0.5
                  qos: 1
                subscribe:
                  - topic: "feat/subs/{id}/cmd"
                    qos: 2
                  - topic: "feat/subs/all/#"
                    qos: 1
                """.formatted(devices));
        Recorder recorder = new Recorder();
        FleetStats stats;
        List<String> ids = List.of("subs-0", "subs-1", "subs-2");
        try (Fleet fleet = new Fleet(scenario, Clock.systemUTC(), recorder)) {
            stats = fleet.stats();
            fleet.start();
            await("both subscriptions of every device").atMost(WAIT)
                    .until(() -> stats.subscribed.get() == 2L * devices);
            for (String id : ids) {
                watcher.publish("feat/subs/" + id + "/cmd", "for " + id, 2);
            }
            watcher.publish("feat/subs/all/news", "to all", 2);
            // Last on the shared filter: once every device has it, what went before has arrived too.
            watcher.publish("feat/subs/all/end", "end", 1);
            await("every device got the end").atMost(WAIT).until(() -> ids.stream()
                    .allMatch(id -> recorder.of(id).stream().anyMatch(d -> d.text().equals("end"))));
        }
        for (String id : ids) {
            assertThat(recorder.of(id)).as(id).containsExactlyInAnyOrder(
                    new Delivery("feat/subs/" + id + "/cmd", "for " + id, QoS.EXACTLY_ONCE, false),
                    // published at 2, granted 1 by the subscription
                    new Delivery("feat/subs/all/news", "to all", QoS.AT_LEAST_ONCE, false),
                    new Delivery("feat/subs/all/end", "end", QoS.AT_LEAST_ONCE, false));
        }
        assertThat(stats.received.get()).isEqualTo(3L * devices);
        assertThat(stats.subscribeFailures.get()).isZero();
    }

    // ------------------------------------------------------------------ QoS per device, QoS -1

    @Test
    void eachDevicePublishesAtTheQosTheMixGaveIt() throws Exception {
        int devices = 4;
        Scenario scenario = scenario("""
                devices:
                  count: %d
                  client-id-prefix: "mix-"
                connect-spread-seconds: 0.2
                publish:
                  topic: "feat/mix/{id}"
                  interval-seconds: 0.05
                  qos: {0: 50%%, 1: 25%%, 2: 25%%}
                seed: 7
                """.formatted(devices));
        List<QoS> drawn = Fleet.qosByDevice(scenario);
        assertThat(drawn).containsExactlyInAnyOrder(QoS.AT_MOST_ONCE, QoS.AT_MOST_ONCE, QoS.AT_LEAST_ONCE,
                QoS.EXACTLY_ONCE);
        List<String> topics = topics("feat/mix/{id}", "mix-", devices);
        FleetStats stats;
        try (Fleet fleet = new Fleet(scenario)) {
            stats = fleet.stats();
            fleet.start();
            for (int i = 0; i < devices; i++) {
                assertThat(fleet.qosOf(i)).as("device %d", i).isEqualTo(drawn.get(i));
            }
            await("5 readings from every device").atMost(WAIT).until(() -> everyTopicHas(topics, 5));
        }
        for (int i = 0; i < devices; i++) {
            // The watcher subscribed at QoS 2, so the broker hands each message on at the QoS it was published at.
            assertThat(watcher.on(topics.get(i))).extracting(BrokerWatcher.Received::qos).as(topics.get(i))
                    .containsOnly(drawn.get(i).level());
        }
        assertThat(stats.acknowledged.get()).as("the QoS 1 and 2 devices' readings were acknowledged").isPositive();
        assertThat(stats.publishFailures.get() + stats.publishRefused.get()).isLessThanOrEqualTo(devices);
    }

    @Test
    void qosMinusOneDevicesPublishToAPredefinedTopicWithoutConnecting() throws Exception {
        int devices = 3;
        long forwardedBefore = env.metric(Metrics.QOS_MINUS_ONE_PUBLISHED);
        Scenario scenario = scenario("""
                devices:
                  count: %d
                  client-id-prefix: "minus-"
                connect-spread-seconds: 0.2
                publish:
                  predefined-id: %d
                  interval-seconds: 0.05
                  qos: -1
                  payload:
                    kind: json
                    template: '{"device":"{id}","seq":{n}}'
                """.formatted(devices, PREDEFINED_ID));
        Pattern reading = Pattern.compile("\\{\"device\":\"(minus-\\d)\",\"seq\":\\d+}");
        FleetStats stats;
        try (Fleet fleet = new Fleet(scenario)) {
            stats = fleet.stats();
            fleet.start();
            await("5 readings from every device at the predefined topic").atMost(WAIT).until(() -> {
                Map<String, Integer> byDevice = new HashMap<>();
                for (String text : watcher.texts(PREDEFINED_TOPIC)) {
                    Matcher m = reading.matcher(text);
                    if (m.matches()) {
                        byDevice.merge(m.group(1), 1, Integer::sum);
                    }
                }
                return byDevice.size() == devices && byDevice.values().stream().allMatch(n -> n >= 5);
            });
            assertThat(stats.devicesUp.get()).isEqualTo(devices);
        }
        assertThat(watcher.texts(PREDEFINED_TOPIC)).allSatisfy(t -> assertThat(t).matches(reading));
        assertThat(watcher.on(PREDEFINED_TOPIC)).extracting(BrokerWatcher.Received::qos).containsOnly(0);
        assertThat(stats.connects.get()).as("QoS -1 devices never connect").isZero();
        assertThat(stats.connectionless.get()).isEqualTo(devices);
        assertThat(stats.publishFailures.get()).isZero();
        assertThat(stats.publishRefused.get()).isZero();
        assertThat(stats.acknowledged.get()).as("QoS -1 has no acknowledgement").isZero();
        assertThat(env.metric(Metrics.QOS_MINUS_ONE_PUBLISHED) - forwardedBefore)
                .as("forwarded by the gateway without a session").isGreaterThanOrEqualTo(5L * devices);
    }

    @Test
    void theFleetCommandRunsQosMinusOneDevicesOnAShortTopic() throws Exception {
        Path file = scenarioFile("""
                devices:
                  count: 2
                  client-id-prefix: "short-"
                connect-spread-seconds: 0.1
                publish:
                  short-topic: %s
                  interval-seconds: 0.1
                  qos: -1
                  payload:
                    kind: json
                    template: '{"device":"{id}","seq":{n}}'
                """.formatted(SHORT_TOPIC));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(List.of("fleet", "--scenario", file.toString(), "--duration", "1.5", "--plain"),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(printed).startsWith("fleet: 2 devices -> 127.0.0.1:" + env.udpPort() + " for 1.5 s, qos -1 ");
        assertThat(summaryRow(printed, "devices without connection (qos -1)")).isEqualTo(2);
        assertThat(summaryRow(printed, "connects")).isZero();
        assertThat(summaryRow(printed, "publishes sent")).isPositive();
        assertThat(summaryRow(printed, "publish failures (retried)")).isZero();
        assertThat(summaryRow(printed, "publishes refused (dropped)")).isZero();
        for (String id : List.of("short-0", "short-1")) {
            watcher.awaitMessage("a reading of " + id + " on " + SHORT_TOPIC, r -> r.topic().equals(SHORT_TOPIC)
                    && r.text().startsWith("{\"device\":\"" + id + "\""), WAIT);
        }
    }

    @Test
    void aPublishTheGatewayRefusesIsCountedOnceAndTheDeviceGoesOnToItsNextReading() throws Exception {
        int devices = 2;
        long invalidBefore = env.metric(Metrics.SESSION_PREFIX + "invalid_topic");
        Scenario scenario = scenario("""
                devices:
                  count: %d
                  client-id-prefix: "refused-"
                connect-spread-seconds: 0.1
                publish:
                  predefined-id: %d
                  interval-seconds: 0.05
                  qos: 1
                """.formatted(devices, UNKNOWN_PREDEFINED_ID));
        FleetStats stats;
        try (Fleet fleet = new Fleet(scenario)) {
            stats = fleet.stats();
            fleet.start();
            await("refused publishes").atMost(WAIT).until(() -> stats.publishRefused.get() >= 10);
        }
        assertThat(stats.acknowledged.get()).isZero();
        // Only the publish in flight when the fleet stopped can end otherwise: cut short by the
        // DISCONNECT, so it is kept like one lost with the gateway. A refused one never is.
        assertThat(stats.publishFailures.get()).as("kept to publish again").isLessThanOrEqualTo(devices);
        assertThat(stats.published.get()).isEqualTo(stats.publishRefused.get() + stats.publishFailures.get());
        assertThat(stats.lastRefusal).contains("invalid topic id");
        assertThat(env.metric(Metrics.SESSION_PREFIX + "invalid_topic") - invalidBefore)
                .as("the gateway's count of them").isGreaterThanOrEqualTo(stats.publishRefused.get());
        assertThat(Fleet.summary(stats)).containsEntry("publishes refused (dropped)", stats.publishRefused.get());
    }

    /** The number at the end of the summary line {@code name}. */
    static long summaryRow(String printed, String name) {
        String line = printed.lines().filter(l -> l.trim().startsWith(name + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no summary row '" + name + "' in\n" + printed));
        return Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
    }
}
