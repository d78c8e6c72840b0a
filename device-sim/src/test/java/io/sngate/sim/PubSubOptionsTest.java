package io.sngate.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sngate.device.it.BrokerWatcher;
import io.sngate.device.it.GatewayUnderTest;
import io.sngate.gateway.Metrics;
import io.sngate.hw.config.GatewayMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The mosquitto options of pub and sub beyond the basic ones (several -t, -T, -U, -R, -N, -E, -F,
 * --repeat, the will), run in-process against our gateway and a real mosquitto; a Paho client on
 * the broker publishes what sub prints and checks what pub published.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PubSubOptionsTest {

    static final int PREDEFINED = 21;
    static final String PREDEFINED_TOPIC = "opt/predefined/known";
    /** No gateway knows it. */
    static final int UNKNOWN_PREDEFINED = 4711;
    static final ObjectMapper JSON = new ObjectMapper();

    static GatewayUnderTest env;
    static BrokerWatcher watcher;

    @BeforeAll
    static void start() throws Exception {
        env = GatewayUnderTest.start(GatewayMode.TRANSPARENT, Map.of(PREDEFINED, PREDEFINED_TOPIC));
        watcher = new BrokerWatcher(env.brokerUri(), "options-watcher");
        watcher.subscribe("opt/#", 2);
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

    /** The tool's options to reach the gateway, then {@code more}. */
    static String[] at(String command, String... more) {
        List<String> args = new ArrayList<>(List.of(command, "-h", "127.0.0.1", "-p", Integer.toString(env.udpPort())));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    /** Starts sub with -d and waits until the gateway acknowledged its last subscription. */
    static ToolRunner.Running subscribed(int subscriptions, String... more) {
        List<String> args = new ArrayList<>(List.of(at("sub", more)));
        args.add("-d");
        ToolRunner.Running sub = ToolRunner.start(args.toArray(String[]::new));
        await("sub's SUBACKs").atMost(ToolRunner.WAIT).pollInterval(java.time.Duration.ofMillis(20))
                .failFast("sub ended early: " + sub, () -> sub.end().isDone())
                .until(() -> sub.err().split("received SubAck", -1).length - 1 >= subscriptions);
        return sub;
    }

    // ------------------------------------------------------------------ sub: what it subscribes to

    @Test
    void subSubscribesToEveryTopicGiven() throws Exception {
        ToolRunner.Running sub = subscribed(2, "-t", "opt/multi/a", "-t", "opt/multi/b/#", "-v", "-q", "1", "-C", "2");
        watcher.publish("opt/multi/b/deep", "from b", 1);
        watcher.publish("opt/multi/a", "from a", 1);

        ToolRunner.Run run = sub.finish();
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("opt/multi/b/deep from b\nopt/multi/a from a\n");
    }

    @Test
    void subUnsubscribesFromAPersistentSessionsOldSubscription() throws Exception {
        // A persistent session subscribes to "old" and leaves at once (-E), keeping the subscription...
        ToolRunner.Run first = ToolRunner.run(at("sub", "-c", "-i", "opt-unsub", "-t", "opt/unsub/old", "-q", "1",
                "-E"));
        assertThat(first.code()).as(first.err()).isZero();

        // ... which the next run drops with -U while it subscribes to "new": what is published to
        // "old" first no longer reaches it, so the one message it prints is the one to "new".
        ToolRunner.Running second = subscribed(1, "-c", "-i", "opt-unsub", "-t", "opt/unsub/new", "-U",
                "opt/unsub/old", "-q", "1", "-v", "-C", "1");
        second.awaitErr("the UNSUBACK", "received UnsubAck");
        watcher.publish("opt/unsub/old", "to the old subscription", 1);
        watcher.publish("opt/unsub/new", "to the new one", 1);

        ToolRunner.Run run = second.finish();
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("opt/unsub/new to the new one\n");
        assertThat(run.err()).contains("sending  Unsubscribe");
    }

    @Test
    void subWithOnlyMinusUAndMinusEUnsubscribesAndExits() {
        ToolRunner.Run run = ToolRunner.run(at("sub", "-c", "-i", "opt-unsub-only", "-U", "opt/unsub/gone", "-E", "-d"));
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.err()).contains("sending  Unsubscribe", "received UnsubAck", "sending  Disconnect")
                .doesNotContain("sending  Subscribe");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void subMinusEExitsOnceSubscribedAndThePersistentSessionCollectsMeanwhile() throws Exception {
        ToolRunner.Run first = ToolRunner.run(at("sub", "-c", "-i", "opt-exit", "-t", "opt/exit/held", "-q", "1",
                "-E", "-d"));
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.out()).isEmpty();
        List<String> trace = first.errLines();
        assertThat(trace).anyMatch(line -> line.startsWith("received SubAck"));
        assertThat(trace.get(trace.size() - 2)).startsWith("sending  Disconnect");
        assertThat(trace.get(trace.size() - 1)).startsWith("received Disconnect");

        // Published while nobody listens: the session that -E set up holds it for the next run.
        watcher.publish("opt/exit/held", "kept for you", 1);
        watcher.barrier("opt/exit/barrier");
        ToolRunner.Run second = ToolRunner.run(at("sub", "-c", "-i", "opt-exit", "-t", "opt/exit/held", "-q", "1",
                "-C", "1", "-W", "30"));
        assertThat(second.code()).as(second.err()).isZero();
        assertThat(second.out()).isEqualTo("kept for you\n");
    }

    // ------------------------------------------------------------------ sub: what it prints

    @Test
    void subMinusTFiltersTopicsOutAndDoesNotCountThem() throws Exception {
        ToolRunner.Running sub = subscribed(1, "-t", "opt/filter/#", "-T", "opt/filter/noise/#", "-T",
                "opt/filter/+/debug", "-v", "-C", "2", "-q", "1");
        watcher.publish("opt/filter/noise", "n1", 1);
        watcher.publish("opt/filter/keep", "k1", 1);
        watcher.publish("opt/filter/noise/deeper", "n2", 1);
        watcher.publish("opt/filter/x/debug", "n3", 1);
        watcher.publish("opt/filter/keep/too", "k2", 1);

        ToolRunner.Run run = sub.finish();
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("opt/filter/keep k1\nopt/filter/keep/too k2\n");
    }

    @Test
    void subMinusRLeavesOutStaleRetainedMessages() throws Exception {
        watcher.publish("opt/stale/r", "retained long ago".getBytes(StandardCharsets.UTF_8), 1, true);
        watcher.barrier("opt/stale/barrier");
        try {
            // Without -R the retained message comes first, flagged (%r is 1)...
            ToolRunner.Running plain = subscribed(1, "-t", "opt/stale/r", "-q", "1", "-F", "%r %p", "-C", "1");
            ToolRunner.Run stale = plain.finish();
            assertThat(stale.out()).isEqualTo("1 retained long ago\n");

            // ... with -R it is left out, and the next, live, message is the one printed.
            ToolRunner.Running fresh = subscribed(1, "-t", "opt/stale/r", "-q", "1", "-F", "%r %p", "-C", "1", "-R");
            watcher.publish("opt/stale/r", "live", 1);
            ToolRunner.Run run = fresh.finish();
            assertThat(run.code()).as(run.err()).isZero();
            assertThat(run.out()).isEqualTo("0 live\n");
        } finally {
            watcher.publish("opt/stale/r", new byte[0], 1, true); // clear it
        }
    }

    @Test
    void subMinusNPrintsNoNewline() throws Exception {
        ToolRunner.Running sub = subscribed(1, "-t", "opt/stream", "-N", "-C", "3", "-q", "1");
        watcher.publish("opt/stream", "ab", 1);
        watcher.publish("opt/stream", "cd", 1);
        watcher.publish("opt/stream", "", 1);

        ToolRunner.Run run = sub.finish();
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("abcd");
    }

    @Test
    void subMinusFPrintsTheFieldsAsked() throws Exception {
        ToolRunner.Running sub = subscribed(1, "-t", "opt/format/#", "-q", "2",
                "-F", "%t|%q|%r|%l|%x|%X|%p|%%\\t%U %I", "-C", "1");
        watcher.publish("opt/format/x", new byte[] {'A', (byte) 0xBC}, 1, false);

        ToolRunner.Run run = sub.finish();
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("opt/format/x|1|0|2|41bc|41BC|A");
        String[] times = run.out().substring(run.out().indexOf("%\t") + 2).strip().split(" ");
        assertThat(times[0]).matches("\\d{10}\\.\\d{9}");
        assertThat(times[1]).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d[+-]\\d{4}");
    }

    @Test
    void subMinusFJsonPrintsOneObjectPerMessage() throws Exception {
        ToolRunner.Running sub = subscribed(1, "-t", "opt/json/#", "-q", "1", "-F", "%j", "-C", "2");
        watcher.publish("opt/json/text", "say \"hi\"", 1);
        watcher.publish("opt/json/binary", new byte[] {(byte) 0xFF, 0}, 0, false);

        ToolRunner.Run run = sub.finish();
        assertThat(run.code()).as(run.err()).isZero();
        List<String> lines = run.out().lines().toList();
        assertThat(lines).hasSize(2);
        JsonNode text = JSON.readTree(lines.get(0));
        assertThat(text.get("topic").asText()).isEqualTo("opt/json/text");
        assertThat(text.get("qos").asInt()).isEqualTo(1);
        assertThat(text.get("retain").asInt()).isZero();
        assertThat(text.get("payloadlen").asInt()).isEqualTo(8);
        assertThat(text.get("payload").asText()).isEqualTo("say \"hi\"");
        assertThat(text.get("tst").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}[+-]\\d\\d:\\d\\d");
        JsonNode binary = JSON.readTree(lines.get(1));
        assertThat(binary.get("payload").isArray()).isTrue();
        assertThat(binary.get("payload").get(0).asInt()).isEqualTo(255);
        assertThat(binary.get("payload").get(1).asInt()).isZero();
    }

    @Test
    void subMinusFJsonWithAJsonPayloadEmbedsItAndReportsWhatIsNotJson() throws Exception {
        ToolRunner.Running sub = subscribed(1, "-t", "opt/jsonpayload", "-q", "1", "-F", "%J", "-C", "2");
        watcher.publish("opt/jsonpayload", "not json", 1);
        watcher.publish("opt/jsonpayload", "{\"temperature\": 21.5}", 1);

        ToolRunner.Run run = sub.finish();
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.err()).contains("sngate-sim sub: payload is not valid JSON on topic opt/jsonpayload (-F %J): "
                + "message not printed");
        JsonNode node = JSON.readTree(run.out());
        assertThat(node.get("payload").get("temperature").asDouble()).isEqualTo(21.5);
    }

    // ------------------------------------------------------------------ pub

    @Test
    void pubRepeatsTheMessage() throws Exception {
        ToolRunner.Run run = ToolRunner.run(at("pub", "-t", "opt/repeat", "-m", "again", "-q", "1", "--repeat", "3",
                "--repeat-delay", "0.05", "-d"));
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.errLines()).filteredOn(line -> line.startsWith("sending  Publish")).hasSize(3);
        await().atMost(ToolRunner.WAIT).until(() -> watcher.texts("opt/repeat").size() >= 3);
        watcher.barrier("opt/repeat-barrier");
        assertThat(watcher.texts("opt/repeat")).containsExactly("again", "again", "again");
    }

    @Test
    void pubSendsItsWillWhenConnectingAndTheGatewayDropsItOnDisconnect() throws Exception {
        ToolRunner.Run run = ToolRunner.run(at("pub", "-t", "opt/will/reading", "-m", "21.5", "-q", "1",
                "--will-topic", "opt/will/pub-status", "--will-payload", "gone", "--will-qos", "1", "--will-retain",
                "-d"));
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.err()).contains("sending  Connect[will=true", "received WillTopicReq",
                "sending  WillTopic[qos=AT_LEAST_ONCE, retain=true, willTopic=\"opt/will/pub-status\"]",
                "received WillMsgReq", "sending  WillMsg", "received ConnAck", "sending  Disconnect");
        watcher.awaitMessage("opt/will/reading");
        watcher.barrier("opt/will/barrier");
        assertThat(watcher.on("opt/will/pub-status")).as("a will after a DISCONNECT").isEmpty();
    }

    @Test
    void pubAtQosMinusOneSaysThatNothingConfirmsIt() throws Exception {
        long droppedBefore = env.metric(Metrics.DROPPED_QOS_MINUS_ONE);
        ToolRunner.Run unknown = ToolRunner.run(at("pub", "--predefined", Integer.toString(UNKNOWN_PREDEFINED),
                "-q", "-1", "-m", "into the void"));
        // Exit 0: the device cannot tell; the note says so, and the gateway counts what it dropped.
        assertThat(unknown.code()).as(unknown.err()).isZero();
        assertThat(unknown.errLines()).containsExactly("sngate-sim pub: note: QoS -1 is fire-and-forget, nothing "
                + "confirms it: a gateway drops a publish to a predefined id it does not know without a word (see "
                + "its log and its dropped.qos_minus_one count)");
        await("the gateway counted the drop").atMost(ToolRunner.WAIT)
                .until(() -> env.metric(Metrics.DROPPED_QOS_MINUS_ONE) == droppedBefore + 1);

        ToolRunner.Run known = ToolRunner.run(at("pub", "--predefined", Integer.toString(PREDEFINED), "-q", "-1",
                "-m", "arrives"));
        assertThat(known.code()).as(known.err()).isZero();
        assertThat(watcher.awaitMessage(PREDEFINED_TOPIC).text()).isEqualTo("arrives");
    }

    // ------------------------------------------------------------------ usage errors

    @Test
    void theNewOptionsSayWhatIsWrong() {
        assertUsage(ToolRunner.run("sub", "-t", "a", "-F", "%m"), "sngate-sim sub: -F: %m is not a specifier");
        assertUsage(ToolRunner.run("sub", "-t", "a", "-F", "%t", "-v"),
                "sngate-sim sub: -F and -v exclude each other: put %t in the format");
        assertUsage(ToolRunner.run("sub", "-t", "a", "-T", "a/#/b"), "sngate-sim sub: -T: '#' must be a whole level");
        assertUsage(ToolRunner.run("sub", "-t", "a", "-E", "-C", "3"), "sngate-sim sub: -E exits once subscribed");
        assertUsage(ToolRunner.run("sub", "-t", "a", "--reconnect", "--no-reconnect"),
                "sngate-sim sub: --reconnect and --no-reconnect exclude each other");
        assertUsage(ToolRunner.run("sub", "--predefined", "3", "-t", "a", "-t", "b"),
                "sngate-sim sub: --predefined takes one -t, the name printed for it");
        assertUsage(ToolRunner.run("sub"), "sngate-sim sub: a topic is needed: -t TOPIC or --predefined ID "
                + "(or -U TOPIC to unsubscribe only)");
        assertUsage(ToolRunner.run("pub", "-t", "a", "-l", "--repeat", "2"),
                "sngate-sim pub: --repeat repeats one message: not with -l");
        assertUsage(ToolRunner.run("pub", "-t", "a", "-m", "b", "--repeat-delay", "1"),
                "sngate-sim pub: --repeat-delay needs --repeat");
        assertUsage(ToolRunner.run("pub", "-t", "a", "-m", "b", "--repeat", "0"),
                "sngate-sim pub: --repeat must be from 1 to ");
        assertUsage(ToolRunner.run("pub", "-t", "a", "-m", "b", "--will-payload", "x"),
                "sngate-sim pub: --will-payload needs --will-topic");
        assertUsage(ToolRunner.run("pub", "-t", "a", "-m", "b", "--will-topic", "w/#"),
                "sngate-sim pub: --will-topic must be a topic name without wildcards, not 'w/#'");
        assertUsage(ToolRunner.run("pub", "-t", "a", "-m", "b", "--will-topic", "w", "--will-qos", "3"),
                "sngate-sim pub: --will-qos must be from 0 to 2, not 3");
        assertUsage(ToolRunner.run("pub", "--short", "-t", "ab", "-q", "-1", "-m", "b", "--will-topic", "w"),
                "sngate-sim pub: --will-topic needs a connection, and -q -1 publishes without one");
        assertUsage(ToolRunner.run("pub", "-t", "a", "-m", "b", "-W", "0"), "sngate-sim pub: -W must be from ");
        assertUsage(ToolRunner.run("sub", "-t", "a", "--retry-seconds", "0"),
                "sngate-sim sub: --retry-seconds must be from ");
    }

    private static void assertUsage(ToolRunner.Run run, String firstLine) {
        assertThat(run.code()).as("exit code of %s", run).isEqualTo(2);
        assertThat(run.errLines()).as("stderr").isNotEmpty();
        assertThat(run.errLines().get(0)).startsWith(firstLine);
        assertThat(run.out()).isEmpty();
    }
}
