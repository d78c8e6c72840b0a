package io.sngate.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PingResp;
import io.sngate.device.it.BrokerWatcher;
import io.sngate.device.it.GatewayUnderTest;
import io.sngate.hw.config.GatewayMode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code pub}, {@code sub} and {@code decode} tools run in-process through
 * {@link Main#run} against our gateway and a real mosquitto; a Paho client on the broker
 * checks what the tools published and publishes what {@code sub} prints.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PubSubCommandTest {

    static final int PREDEFINED_PUB = 7;
    static final String PREDEFINED_PUB_TOPIC = "tool/predefined/seven";
    static final int PREDEFINED_SUB = 8;
    static final String PREDEFINED_SUB_TOPIC = "tool/predefined/eight";
    static final Duration WAIT = Duration.ofSeconds(20);

    static GatewayUnderTest env;
    static BrokerWatcher watcher;
    /** Started first, as they take the tools' full retry time (T_RETRY 10 s x (N_RETRY 3 + 1)). */
    static CompletableFuture<Run> pubWithoutGateway;
    static CompletableFuture<Run> subWithoutGateway;

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
        List<String> errLines() {
            return err.isEmpty() ? List.of() : Arrays.asList(err.split("\n"));
        }
    }

    @BeforeAll
    static void start() throws Exception {
        int closed = closedUdpPort();
        // The CONNECT goes unanswered through every retry (the defaults, 10 s x 3, are checked in
        // SimCommandLineTest): quick ones here give the same end in 2 s instead of 40.
        pubWithoutGateway = runAsync("pub", "-h", "127.0.0.1", "-p", Integer.toString(closed), "-t", "x", "-m", "y",
                "-q", "1", "--retry-seconds", "0.5", "--max-retries", "3");
        subWithoutGateway = runAsync("sub", "-h", "127.0.0.1", "-p", Integer.toString(closed), "-t", "x",
                "--retry-seconds", "0.5", "--max-retries", "3");
        env = GatewayUnderTest.start(GatewayMode.TRANSPARENT, Map.of(PREDEFINED_PUB, PREDEFINED_PUB_TOPIC,
                PREDEFINED_SUB, PREDEFINED_SUB_TOPIC));
        watcher = new BrokerWatcher(env.brokerUri(), "tool-watcher");
        watcher.subscribe("tool/#", 2);
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

    // ------------------------------------------------------------------ running the tools

    static Run run(String... args) {
        return run(null, args);
    }

    /** Runs a tool with {@code stdin} as standard input ({@code Main} reads System.in). */
    static synchronized Run run(byte[] stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        InputStream original = System.in;
        if (stdin != null) {
            System.setIn(new ByteArrayInputStream(stdin));
        }
        try {
            int code = Main.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setIn(original);
        }
    }

    static CompletableFuture<Run> runAsync(String... args) {
        return runAsync(new ByteArrayOutputStream(), args);
    }

    /** Runs a tool on another thread; {@code err} can be watched while it runs. */
    static CompletableFuture<Run> runAsync(ByteArrayOutputStream err, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        return CompletableFuture.supplyAsync(() -> {
            int code = Main.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }, command -> {
            Thread thread = new Thread(command, "tool-" + args[0]);
            thread.setDaemon(true);
            thread.start();
        });
    }

    static int closedUdpPort() throws Exception {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return socket.getLocalPort();
        }
    }

    /** The tool's options to reach the gateway, then {@code more}. */
    static String[] at(String command, String... more) {
        List<String> args = new ArrayList<>(List.of(command, "-h", "127.0.0.1", "-p", Integer.toString(env.udpPort())));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    /** Starts {@code sub} and waits until its subscription is in place (seen in its -d output). */
    static CompletableFuture<Run> subscribed(String... more) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> args = new ArrayList<>(List.of(at("sub", more)));
        args.add("-d");
        CompletableFuture<Run> sub = runAsync(err, args.toArray(String[]::new));
        await("sub's SUBACK").atMost(WAIT).pollInterval(Duration.ofMillis(20))
                .failFast("sub ended early", sub::isDone)
                .until(() -> err.toString(StandardCharsets.UTF_8).contains("received SubAck"));
        return sub;
    }

    static Run finish(CompletableFuture<Run> tool) {
        return tool.orTimeout(60, TimeUnit.SECONDS).join();
    }

    static byte[] everyByte() {
        byte[] payload = new byte[256];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) i;
        }
        return payload;
    }

    // ------------------------------------------------------------------ sub

    @Test
    void subVerbosePrintsTopicAndPayloadAndStopsAfterCount() throws Exception {
        CompletableFuture<Run> sub = subscribed("-t", "tool/sub/v/#", "-q", "1", "-v", "-C", "3", "-W", "30");
        watcher.publish("tool/sub/v/a", "hello", 1);
        watcher.publish("tool/sub/v/b", "two words", 2);
        watcher.publish("tool/sub/v/c/d", "", 0);
        Run run = finish(sub);
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("tool/sub/v/a hello\ntool/sub/v/b two words\ntool/sub/v/c/d \n");
    }

    @Test
    void subWithoutVerbosePrintsPayloadsOnlyByPredefinedId() throws Exception {
        CompletableFuture<Run> sub = subscribed("--predefined", Integer.toString(PREDEFINED_SUB), "-q", "2",
                "-C", "2", "-W", "30");
        watcher.publish(PREDEFINED_SUB_TOPIC, "first", 2);
        watcher.publish(PREDEFINED_SUB_TOPIC, "second", 1);
        Run run = finish(sub);
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("first\nsecond\n");
    }

    @Test
    void subVerboseNamesAPredefinedTopicByItsLabel() throws Exception {
        CompletableFuture<Run> sub = subscribed("--predefined", Integer.toString(PREDEFINED_SUB), "-v", "-C", "1",
                "-W", "30");
        watcher.publish(PREDEFINED_SUB_TOPIC, "labelled", 1);
        Run run = finish(sub);
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("predefined/" + PREDEFINED_SUB + " labelled\n");
    }

    @Test
    void subByShortName() throws Exception {
        CompletableFuture<Run> sub = subscribed("--short", "-t", "zz", "-v", "-C", "1", "-W", "30");
        watcher.publish("zz", "short", 1);
        Run run = finish(sub);
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("zz short\n");
    }

    @Test
    void subTimesOutWithExitCode1WhenTheCountIsNotReached() {
        Run run = run(at("sub", "-t", "tool/sub/silence", "-C", "1", "-W", "2"));
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.errLines()).containsExactly("sngate-sim sub: timeout after 0 of 1 message(s)");
    }

    @Test
    void subWithATimeOnlyEndsWell() {
        // -W counts from the first packet (CONNECT): 2 s leave room for connecting and subscribing on a busy machine.
        Run run = run(at("sub", "-t", "tool/sub/silence", "-W", "2"));
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).isEmpty();
    }

    @Test
    void aSleepingSubGetsWhatWasPublishedWhileItSleptWhenItWakes() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        // Sleeps 4 s at a time and wakes every 2 s to poll the gateway.
        CompletableFuture<Run> sub = runAsync(err, at("sub", "-t", "tool/sleep/sub", "-q", "1", "-v", "--sleep", "4",
                "-C", "2", "-W", "40", "-d"));
        await("the gateway confirmed the sleep").atMost(WAIT).pollInterval(Duration.ofMillis(20))
                .failFast("sub ended early", sub::isDone)
                .until(() -> sleepConfirmedAt(Arrays.asList(err.toString(StandardCharsets.UTF_8).split("\n"))) >= 0);
        watcher.publish("tool/sleep/sub", "while you slept", 1);
        watcher.publish("tool/sleep/sub", "and this too", 2);
        Run run = finish(sub);
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("tool/sleep/sub while you slept\ntool/sleep/sub and this too\n");

        // From the sleep on, the gateway sent them only inside a wake poll (the PINGREQ with the client
        // id up to the PINGRESP that ends it): it held them while the sub slept. The sub never
        // connected again, so they were the sleeper's, not a new session's.
        List<String> trace = run.errLines();
        int asleep = sleepConfirmedAt(trace);
        List<String> afterSleep = trace.subList(asleep + 1, trace.size());
        boolean polling = false;
        int inPolls = 0;
        for (String line : afterSleep) {
            if (line.startsWith("sending  PingReq")) {
                polling = true;
            } else if (line.startsWith("received PingResp")) {
                polling = false;
            } else if (line.startsWith("received Publish")) {
                assertThat(polling).as("%s outside a wake poll in %s", line, trace).isTrue();
                inPolls++;
            }
        }
        assertThat(inPolls).as("publishes delivered in wake polls, trace %s", trace).isEqualTo(2);
        assertThat(afterSleep).noneMatch(line -> line.startsWith("sending  Connect"));
    }

    /** The index of the gateway's DISCONNECT answering the sub's sleep request, or -1 before it. */
    static int sleepConfirmedAt(List<String> trace) {
        int request = trace.indexOf("sending  Disconnect[duration=OptionalInt[4]]");
        if (request < 0) {
            return -1;
        }
        for (int i = request + 1; i < trace.size(); i++) {
            if (trace.get(i).startsWith("received Disconnect")) {
                return i;
            }
        }
        return -1;
    }

    // ------------------------------------------------------------------ pub

    @Test
    void pubWithSleepLeavesItsSessionAsleepAtTheGatewayInsteadOfEndingIt() throws Exception {
        Run run = run(at("pub", "-t", "tool/pub/sleepy", "-m", "then sleep", "-q", "1", "-i", "tool-sleepy-pub",
                "--sleep", "30", "-d"));
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).isEmpty();
        List<String> trace = run.errLines();
        int sleep = trace.indexOf("sending  Disconnect[duration=OptionalInt[30]]");
        assertThat(sleep).as("the sleep request in %s", trace).isPositive();
        assertThat(trace.subList(sleep + 1, trace.size())).as("the gateway confirmed the sleep")
                .anyMatch(line -> line.startsWith("received Disconnect"));
        assertThat(trace).as("no plain DISCONNECT").doesNotContain("sending  Disconnect[duration=OptionalInt.empty]");
        assertThat(watcher.awaitMessage("tool/pub/sleepy").text()).isEqualTo("then sleep");

        // The session sleeps at the gateway: a wake PINGREQ with its client id (from a new address,
        // as spec 6.14 allows a sleeper) is answered with PINGRESP, nothing being held for it.
        assertThat(wakePing("tool-sleepy-pub")).isInstanceOf(PingResp.class);

        // Without --sleep the session ends, and the same wake gets DISCONNECT: no such session.
        Run plain = run(at("pub", "-t", "tool/pub/leaving", "-m", "then leave", "-q", "1", "-i", "tool-leaving-pub"));
        assertThat(plain.code()).as(plain.err()).isZero();
        // The gateway forgets a finished session on its own loop, a moment after its DISCONNECT:
        // until then a wake may go unanswered (the socket's timeout), so it is asked again.
        await("the gateway has no session tool-leaving-pub").atMost(WAIT).ignoreException(SocketTimeoutException.class)
                .until(() -> wakePing("tool-leaving-pub") instanceof Disconnect);
    }

    /** Sends a wake PINGREQ for {@code clientId} from a fresh socket; returns the gateway's first answer. */
    static MqttSn12Message wakePing(String clientId) throws Exception {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            socket.setSoTimeout(2_000);
            byte[] ping = MqttSn12Codec.INSTANCE.encode(PingReq.wake(clientId));
            socket.send(new DatagramPacket(ping, ping.length, InetAddress.getLoopbackAddress(), env.udpPort()));
            byte[] buffer = new byte[1_500];
            DatagramPacket answer = new DatagramPacket(buffer, buffer.length);
            socket.receive(answer);
            return MqttSn12Codec.INSTANCE.decode(Arrays.copyOf(buffer, answer.getLength()));
        }
    }

    @Test
    void pubPublishesAtQos0And1And2() throws Exception {
        for (String qos : List.of("0", "1", "2")) {
            Run run = run(at("pub", "-t", "tool/pub/q" + qos, "-m", "message at qos " + qos, "-q", qos));
            assertThat(run.code()).as(run.err()).isZero();
            assertThat(run.out()).isEmpty();
        }
        watcher.barrier("tool/pub/barrier");
        assertThat(watcher.texts("tool/pub/q0")).containsExactly("message at qos 0");
        assertThat(watcher.texts("tool/pub/q1")).containsExactly("message at qos 1");
        assertThat(watcher.texts("tool/pub/q2")).containsExactly("message at qos 2");
        assertThat(watcher.on("tool/pub/q2")).singleElement().satisfies(r -> assertThat(r.qos()).isEqualTo(2));
    }

    @Test
    void pubWithClientIdKeepAliveAndPersistentSession() throws Exception {
        Run run = run(at("pub", "-t", "tool/pub/session", "-m", "kept", "-q", "1", "-i", "tool-persistent", "-k",
                "30", "-c"));
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(watcher.awaitMessage("tool/pub/session").text()).isEqualTo("kept");
    }

    @Test
    void pubAtQosMinusOneByPredefinedIdNeedsNoConnection() {
        Run predefined = run(at("pub", "--predefined", Integer.toString(PREDEFINED_PUB), "-q", "-1", "-m", "on", "-d"));
        assertThat(predefined.code()).as(predefined.err()).isZero();
        assertThat(predefined.err()).contains("sending  Publish").doesNotContain("Connect");
        watcher.awaitMessage("QoS -1 by predefined id",
                r -> r.topic().equals(PREDEFINED_PUB_TOPIC) && r.text().equals("on"), WAIT);
    }

    @Test
    void pubByShortNameAndPredefinedIdAtQos1() throws Exception {
        watcher.subscribe("ts", 1);
        Run shortName = run(at("pub", "--short", "-t", "ts", "-q", "1", "-m", "short one"));
        assertThat(shortName.code()).as(shortName.err()).isZero();
        Run minusOne = run(at("pub", "--short", "-t", "ts", "-q", "-1", "-m", "short minus one"));
        assertThat(minusOne.code()).as(minusOne.err()).isZero();
        Run predefined = run(at("pub", "--predefined", Integer.toString(PREDEFINED_PUB), "-q", "1", "-m", "pre one"));
        assertThat(predefined.code()).as(predefined.err()).isZero();

        watcher.awaitMessage("short q1", r -> r.topic().equals("ts") && r.text().equals("short one"), WAIT);
        watcher.awaitMessage("short q-1", r -> r.topic().equals("ts") && r.text().equals("short minus one"), WAIT);
        watcher.awaitMessage("predefined q1",
                r -> r.topic().equals(PREDEFINED_PUB_TOPIC) && r.text().equals("pre one"), WAIT);
    }

    @Test
    void pubSendsAFileByteExact() throws Exception {
        Path file = dir.resolve("payload.bin");
        Files.write(file, everyByte());
        Run run = run(at("pub", "-t", "tool/pub/file", "-f", file.toString(), "-q", "1"));
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(watcher.awaitMessage("tool/pub/file").payload()).isEqualTo(everyByte());
    }

    @Test
    void pubWithAMissingFileFailsWithExitCode1() {
        Run run = run(at("pub", "-t", "tool/pub/file", "-f", dir.resolve("missing.bin").toString()));
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.errLines()).singleElement().asString().startsWith("sngate-sim pub: cannot read the payload");
    }

    @Test
    void pubSendsAnEmptyPayload() throws Exception {
        Run run = run(at("pub", "-t", "tool/pub/empty", "-n", "-q", "1"));
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(watcher.awaitMessage("tool/pub/empty").payload()).isEmpty();
    }

    @Test
    void pubSendsOneMessagePerLineOfStdin() throws Exception {
        Run run = run("one\ntwo words\n\nlast without newline".getBytes(StandardCharsets.UTF_8),
                at("pub", "-t", "tool/pub/lines", "-l", "-q", "1"));
        assertThat(run.code()).as(run.err()).isZero();
        await().atMost(WAIT).until(() -> watcher.texts("tool/pub/lines").size() >= 4);
        assertThat(watcher.texts("tool/pub/lines")).containsExactly("one", "two words", "", "last without newline");
    }

    @Test
    void pubSendsAllOfStdin() throws Exception {
        Run run = run(everyByte(), at("pub", "-t", "tool/pub/stdin", "-s", "-q", "2"));
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(watcher.awaitMessage("tool/pub/stdin").payload()).isEqualTo(everyByte());
    }

    @Test
    void pubRetains() throws Exception {
        Run run = run(at("pub", "-t", "tool/pub/retained", "-m", "kept", "-q", "1", "-r"));
        assertThat(run.code()).as(run.err()).isZero();
        watcher.awaitMessage("tool/pub/retained");
        try (BrokerWatcher late = new BrokerWatcher(env.brokerUri(), "tool-late-subscriber")) {
            late.subscribe("tool/pub/retained", 1);
            BrokerWatcher.Received retained = late.awaitMessage("tool/pub/retained");
            assertThat(retained.text()).isEqualTo("kept");
            assertThat(retained.retained()).isTrue();
        } finally {
            watcher.publish("tool/pub/retained", new byte[0], 1, true); // clear it
        }
    }

    @Test
    void pubPrintsPacketsWithDebug() {
        Run run = run(at("pub", "-t", "tool/pub/debug", "-m", "x", "-q", "1", "-d"));
        assertThat(run.code()).isZero();
        assertThat(run.err()).contains("sending  Connect", "received ConnAck", "sending  Register",
                "received RegAck", "sending  Publish", "received PubAck", "sending  Disconnect");
    }

    // ------------------------------------------------------------------ failures and usage errors

    @Test
    void exitCode1WithOneLineWhenTheGatewayDoesNotAnswer() {
        Run pub = pubWithoutGateway.orTimeout(80, TimeUnit.SECONDS).join();
        assertThat(pub.code()).isEqualTo(1);
        assertThat(pub.errLines()).containsExactly("sngate-sim pub: connect failed: no answer to CONNECT");
        Run sub = subWithoutGateway.orTimeout(80, TimeUnit.SECONDS).join();
        assertThat(sub.code()).isEqualTo(1);
        assertThat(sub.errLines()).containsExactly("sngate-sim sub: connect failed: no answer to CONNECT");
    }

    @Test
    void qosMinusOneNeedsNoAnswer() throws Exception {
        Run run = run("pub", "-h", "127.0.0.1", "-p", Integer.toString(closedUdpPort()), "--short", "-t", "nx",
                "-q", "-1", "-m", "into the void");
        assertThat(run.code()).as(run.err()).isZero();
    }

    @Test
    void usageErrorsExitWith2AndSayWhy() {
        assertUsage(run("pub", "-t", "a", "-m", "b", "--bogus"), "sngate-sim pub: Unknown option: '--bogus'");
        assertUsage(run("pub", "-m", "b"), "sngate-sim pub: a topic is needed: -t TOPIC or --predefined ID");
        assertUsage(run("pub", "-t", "a", "-m", "b", "-q", "3"), "sngate-sim pub: -q must be from -1 to 2, not 3");
        assertUsage(run("pub", "-t", "a", "-m", "b", "-q", "-1"),
                "sngate-sim pub: -q -1 needs --predefined ID or --short");
        assertUsage(run("pub", "-t", "a"), "sngate-sim pub: give exactly one of -m, -f, -n, -s, -l");
        assertUsage(run("pub", "-t", "a", "-m", "b", "-n"), "sngate-sim pub: give exactly one of -m, -f, -n, -s, -l");
        assertUsage(run("pub", "-t", "a", "-m"),
                "sngate-sim pub: Missing required parameter for option '-m' (MESSAGE)");
        assertUsage(run("pub", "-t", "a", "-m", "b", "-p", "70000"),
                "sngate-sim pub: -p must be from 1 to 65535, not 70000");
        assertUsage(run("pub", "--short", "-t", "abc", "-m", "b"), "sngate-sim pub: --short: ");
        assertUsage(run("pub", "-t", "a", "-m", "b", "extra"), "sngate-sim pub: Unexpected argument: 'extra'");
        assertUsage(run("sub", "-t", "a", "--bogus"), "sngate-sim sub: Unknown option: '--bogus'");
        assertUsage(run("sub"), "sngate-sim sub: a topic is needed: -t TOPIC or --predefined ID");
        assertUsage(run("sub", "-t", "a", "-q", "3"), "sngate-sim sub: -q must be from -1 to 2, not 3");
        assertUsage(run("sub", "--short", "-t", "ab", "-q", "-1"), "sngate-sim sub: -q -1 cannot be subscribed");
        assertUsage(run("sub", "-t", "a", "-C", "0"), "sngate-sim sub: -C must be from 1 to ");
        assertUsage(run("sub", "-t", "a", "-W", "soon"), "sngate-sim sub: -W must be a number, not 'soon'");
        assertUsage(run("frobnicate"), "sngate-sim: Unknown command: 'frobnicate'");

        assertUsage(run(), "sngate-sim: a command is needed: pub, sub, fleet, bench, decode, version, help");
    }

    private static void assertUsage(Run run, String firstLine) {
        assertThat(run.code()).as("exit code of %s", run).isEqualTo(2);
        assertThat(run.errLines()).as("stderr").isNotEmpty();
        assertThat(run.errLines().get(0)).startsWith(firstLine);
        assertThat(run.out()).isEmpty();
    }

    @Test
    void helpAndVersionExit0() {
        assertThat(run("pub", "--help")).satisfies(r -> {
            assertThat(r.code()).isZero();
            assertThat(r.out()).startsWith("NAME\n  sngate-sim pub - publish through an MQTT-SN gateway");
        });
        assertThat(run("sub", "--help").out()).startsWith("NAME\n  sngate-sim sub - subscribe through an MQTT-SN");
        assertThat(run("fleet", "--help").out()).startsWith("NAME\n  sngate-sim fleet - simulate a fleet");
        assertThat(run("help").out()).contains("\nCOMMANDS\n  pub ");
        Run version = run("version");
        assertThat(version.code()).isZero();
        assertThat(version.out()).startsWith("sngate-sim ");
    }

    // ------------------------------------------------------------------ decode

    @Test
    void decodePrintsAPacket() {
        Run run = run("decode", "08 04 04 01 00 3C 63 31");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("Connect[").contains("keepAlive=60").endsWith("\n");
        assertThat(run.out().lines()).hasSize(1);
    }

    @Test
    void decodeReportsMalformedInput() {
        Run truncated = run("decode", "08 04 04 01");
        assertThat(truncated.code()).isEqualTo(1);
        assertThat(truncated.out()).startsWith("malformed: ");

        Run unknownType = run("decode", "02FF");
        assertThat(unknownType.code()).isEqualTo(1);
        assertThat(unknownType.out()).startsWith("malformed: ");

        Run notHex = run("decode", "zz");
        assertThat(notHex.code()).isEqualTo(1);
        assertThat(notHex.errLines()).containsExactly("not hex: zz ('z' is not a hex digit)");

        Run nothing = run("decode");
        assertThat(nothing.code()).isEqualTo(2);
    }

    @Test
    void decodeReadsOnePacketPerLineFromStdin() {
        String lines = "# a capture\n08 04 04 01 00 3C 63 31\n\n0218\n08 04\n";
        Run run = run(lines.getBytes(StandardCharsets.UTF_8), "decode", "-");
        assertThat(run.code()).as("one line was malformed").isEqualTo(1);
        List<String> out = run.out().lines().toList();
        assertThat(out).hasSize(3);
        assertThat(out.get(0)).startsWith("#1 Connect[");
        assertThat(out.get(1)).startsWith("#2 Disconnect");
        assertThat(out.get(2)).startsWith("#3 malformed: ");
    }
}
