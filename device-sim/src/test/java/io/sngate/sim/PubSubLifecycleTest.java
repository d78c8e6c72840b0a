package io.sngate.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.device.it.AdminClient;
import io.sngate.device.it.BrokerWatcher;
import io.sngate.gateway.Gateway;
import io.sngate.gateway.Metrics;
import io.sngate.gateway.testing.Mosquitto;
import io.sngate.hw.config.ConfigLoader;
import io.sngate.hw.config.GatewayConfig;
import io.sngate.hw.config.GatewaySettings;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How pub and sub begin and end: unknown hosts and unreachable gateways, DISCONNECT on every way
 * out (seen from the gateway's admin API: the session is gone at once, not lost at its
 * keep-alive), SIGINT and SIGTERM to a sub in a process of its own, its will when it is killed,
 * and sub riding out a gateway that stops and starts again on the same port. A real mosquitto
 * stays behind the gateway throughout.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PubSubLifecycleTest {

    static Mosquitto broker;
    static Gateway gateway;
    static int udpPort;
    static AdminClient admin;
    static BrokerWatcher watcher;

    @BeforeAll
    static void start() throws Exception {
        broker = Mosquitto.start();
        startGateway(0);
        udpPort = gateway.udpPort();
        watcher = new BrokerWatcher(broker.uri(), "life-watcher");
        watcher.subscribe("life/#", 2);
    }

    @AfterAll
    static void stop() throws Exception {
        if (watcher != null) {
            watcher.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    /** Our gateway in front of the broker on UDP {@code port} (0: any), with its admin server. */
    static void startGateway(int port) throws Exception {
        GatewayConfig config = ConfigLoader.fromArgs(List.of("--port", Integer.toString(port), "--broker",
                        broker.uri(), "--mode", "transparent"))
                .with(GatewaySettings.ADVERTISE_SECONDS, 0)
                .with(GatewaySettings.UDP_BROADCAST, "")
                .with(GatewaySettings.ADMIN_PORT, Mosquitto.freePort());
        gateway = Gateway.start(config);
        admin = new AdminClient(gateway.adminUrl());
    }

    static String[] at(String command, String... more) {
        List<String> args = new ArrayList<>(List.of(command, "-h", "127.0.0.1", "-p", Integer.toString(udpPort)));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    /** The admin API's status for the session of {@code clientId}: 200 while the gateway keeps it, else 404. */
    static int session(String clientId) {
        return admin.get("/api/clients/" + clientId).status();
    }

    /** The gateway forgets an ended session on its own loop, a moment after its DISCONNECT answer. */
    static void awaitSessionGone(String clientId) {
        await("the gateway has no session " + clientId).atMost(ToolRunner.WAIT)
                .until(() -> session(clientId) == 404);
    }

    static int closedUdpPort() throws Exception {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return socket.getLocalPort();
        }
    }

    // ------------------------------------------------------------------ before connecting

    @Test
    void anUnknownHostIsOneLineAndExitCode1() {
        for (String tool : List.of("pub", "sub")) {
            List<String> args = new ArrayList<>(List.of(tool, "-h", "no-such-gateway.invalid", "-t", "life/x"));
            if (tool.equals("pub")) {
                args.addAll(List.of("-m", "x"));
            }
            ToolRunner.Run run = ToolRunner.run(args.toArray(String[]::new));
            assertThat(run.code()).isEqualTo(1);
            assertThat(run.errLines()).containsExactly("sngate-sim " + tool + ": unknown host "
                    + "'no-such-gateway.invalid' (-h): no such name, or no name service");
            assertThat(run.out()).isEmpty();
        }
    }

    @Test
    void anUnreachableGatewayFailsWhenMinusWRunsOut() throws Exception {
        int closed = closedUdpPort();
        ToolRunner.Run sub = ToolRunner.run("sub", "-h", "127.0.0.1", "-p", Integer.toString(closed), "-t", "life/x",
                "-W", "1");
        assertThat(sub.code()).isEqualTo(1);
        assertThat(sub.errLines()).containsExactly("sngate-sim sub: connect failed: no answer from the gateway at "
                + "127.0.0.1:" + closed + " within 1 s (-W)");

        ToolRunner.Run pub = ToolRunner.run("pub", "-h", "127.0.0.1", "-p", Integer.toString(closed), "-t", "life/x",
                "-m", "x", "-q", "1", "-W", "1.5");
        assertThat(pub.code()).isEqualTo(1);
        assertThat(pub.errLines()).containsExactly("sngate-sim pub: connect failed: no answer from the gateway at "
                + "127.0.0.1:" + closed + " within 1.5 s (-W)");
    }

    // ------------------------------------------------------------------ DISCONNECT on every way out

    @Test
    void aFailedPubDisconnectsSoItsSessionIsGoneAtOnce() throws Exception {
        long lost = gateway.metrics().get(Metrics.CLIENTS_LOST);
        // A wildcard is no topic name: the gateway refuses to register it, so the publish fails.
        ToolRunner.Run run = ToolRunner.run(at("pub", "-t", "life/+/refused", "-m", "x", "-q", "1", "-i",
                "life-refused-pub", "-d"));
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.errLines()).contains("sngate-sim pub: publish failed: rejected: not supported (0x03)");
        assertThat(run.errLines()).anyMatch(line -> line.startsWith("sending  Disconnect"))
                .anyMatch(line -> line.startsWith("received Disconnect"));
        awaitSessionGone("life-refused-pub");
        assertThat(gateway.metrics().get(Metrics.CLIENTS_LOST)).isEqualTo(lost);
    }

    @Test
    void subDisconnectsWhenItsCountIsReachedWhenMinusWRunsOutAndAfterAnError() throws Exception {
        ToolRunner.Running counted = ToolRunner.start(at("sub", "-t", "life/count", "-q", "1", "-C", "1", "-i",
                "life-counted", "-d")).awaitErr("the SUBACK", "received SubAck");
        watcher.publish("life/count", "one", 1);
        ToolRunner.Run countRun = counted.finish();
        assertThat(countRun.code()).as(countRun.err()).isZero();
        assertThat(countRun.errLines()).anyMatch(line -> line.startsWith("received Disconnect"));
        awaitSessionGone("life-counted");

        ToolRunner.Run timed = ToolRunner.run(at("sub", "-t", "life/quiet", "-W", "3", "-i", "life-timed", "-d"));
        assertThat(timed.code()).as(timed.err()).isZero();
        assertThat(timed.errLines()).anyMatch(line -> line.startsWith("received Disconnect"));
        awaitSessionGone("life-timed");

        // '#' in the middle is no filter: the gateway refuses the subscription.
        ToolRunner.Run refused = ToolRunner.run(at("sub", "-t", "life/#/refused", "-i", "life-refused-sub", "-d"));
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.errLines()).anyMatch(line -> line.startsWith("sngate-sim sub: subscribe failed: rejected"))
                .anyMatch(line -> line.startsWith("received Disconnect"));
        awaitSessionGone("life-refused-sub");
    }

    @Test
    void sigtermEndsASubWithDisconnectAndWithoutItsWill() throws Exception {
        endsWithDisconnect("TERM", 143, "life-sigterm");
    }

    @Test
    void sigintEndsASubWithDisconnectAndWithoutItsWill() throws Exception {
        endsWithDisconnect("INT", 130, "life-sigint");
    }

    /**
     * A sub in a JVM of its own, with a will and a keep-alive of 60 s, gets {@code signal}: the
     * gateway's session ends at once (a lost one would linger for 90 s), no client is counted
     * lost, and the will is not published.
     */
    private static void endsWithDisconnect(String signal, int exitCode, String clientId) throws Exception {
        long lost = gateway.metrics().get(Metrics.CLIENTS_LOST);
        String willTopic = "life/" + clientId + "/status";
        try (ToolRunner.Child sub = ToolRunner.Child.start(at("sub", "-t", "life/" + clientId + "/in", "-i", clientId,
                "-k", "60", "--will-topic", willTopic, "--will-payload", "gone", "--will-qos", "1", "-d"))) {
            sub.awaitErrLine("the SUBACK", "received SubAck");
            assertThat(session(clientId)).isEqualTo(200);

            sub.signal(signal);

            assertThat(sub.waitForExit()).as("exit code, %s", sub).isEqualTo(exitCode);
            assertThat(sub.err).as("the child's stderr").anyMatch(line -> line.startsWith("sending  Disconnect"))
                    .anyMatch(line -> line.startsWith("received Disconnect"));
        }
        awaitSessionGone(clientId);
        assertThat(gateway.metrics().get(Metrics.CLIENTS_LOST)).isEqualTo(lost);
        watcher.barrier("life/barrier");
        assertThat(watcher.on(willTopic)).as("the will after a DISCONNECT").isEmpty();
    }

    @Test
    void aKilledSubsWillIsPublished() throws Exception {
        long lost = gateway.metrics().get(Metrics.CLIENTS_LOST);
        try (ToolRunner.Child sub = ToolRunner.Child.start(at("sub", "-t", "life/killed/in", "-i", "life-killed",
                "-k", "1", "--will-topic", "life/killed/status", "--will-payload", "gone", "--will-qos", "1",
                "--will-retain", "-d"))) {
            sub.awaitErrLine("the SUBACK", "received SubAck");

            sub.signal("KILL");
            sub.waitForExit();
        }
        BrokerWatcher.Received will = watcher.awaitMessage("life/killed/status");
        assertThat(will.text()).isEqualTo("gone");
        assertThat(gateway.metrics().get(Metrics.CLIENTS_LOST)).isEqualTo(lost + 1);
        watcher.publish("life/killed/status", new byte[0], 1, true); // clear the retained will
    }

    // ------------------------------------------------------------------ losing the gateway

    /** Keep-alive 1 s, and a ping given up after 1 + 2 x 1 s: the gateway's loss is noticed within seconds. */
    static final String[] QUICK_LOSS = {"-k", "1", "--retry-seconds", "1", "--max-retries", "2"};

    /**
     * The gateway stops (its sessions go with it, and it sends nothing to say so) and starts
     * again on the same port: sub notices through its keep-alive, says so, connects and
     * subscribes again and prints what comes next. With -c likewise: sub subscribes again
     * whether or not the gateway kept the session (the CONNACK does not say), and the session
     * stays at the gateway after sub's DISCONNECT.
     */
    @ParameterizedTest(name = "clean session {0}")
    @ValueSource(booleans = {true, false})
    void subReconnectsWhenTheGatewayComesBackAndGoesOnPrinting(boolean clean) throws Exception {
        String clientId = clean ? "life-restart" : "life-restart-persistent";
        String topic = "life/" + clientId;
        List<String> args = new ArrayList<>(List.of(at("sub", "-t", topic, "-q", "1", "-v", "-C", "2", "-i", clientId,
                "-d")));
        args.addAll(List.of(QUICK_LOSS));
        if (!clean) {
            args.add("-c");
        }
        ToolRunner.Running sub = ToolRunner.start(args.toArray(String[]::new)).awaitErr("the SUBACK", "received SubAck");
        watcher.publish(topic, "before", 1);
        sub.awaitOut("the first message", topic + " before\n");

        gateway.close();
        try {
            sub.awaitErr("the loss noticed", "sngate-sim sub: lost the gateway at 127.0.0.1:" + udpPort
                    + " (no answer to PINGREQ); reconnecting");
        } finally {
            startGateway(udpPort);
        }
        sub.awaitErr("the reconnection", "sngate-sim sub: reconnected to the gateway at 127.0.0.1:" + udpPort);
        watcher.publish(topic, "after", 1);

        ToolRunner.Run run = sub.finish();
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo(topic + " before\n" + topic + " after\n");
        assertThat(run.errLines()).filteredOn(line -> line.startsWith("sngate-sim sub: lost")
                || line.startsWith("sngate-sim sub: reconnected")).hasSize(2);
        if (clean) {
            awaitSessionGone(clientId);
        } else {
            // Kept after its DISCONNECT, as a persistent session is.
            await("the persistent session disconnected").atMost(ToolRunner.WAIT)
                    .until(() -> admin.get("/api/clients/" + clientId).json().path("state").asText(),
                            state -> state.equals("disconnected"));
        }
    }

    @Test
    void subWithNoReconnectExitsWith3WhenTheGatewayIsLost() throws Exception {
        List<String> args = new ArrayList<>(List.of(at("sub", "-t", "life/noreconnect", "--no-reconnect", "-i",
                "life-no-reconnect", "-d")));
        args.addAll(List.of(QUICK_LOSS));
        ToolRunner.Running sub = ToolRunner.start(args.toArray(String[]::new)).awaitErr("the SUBACK", "received SubAck");

        ToolRunner.Run run;
        gateway.close();
        try {
            run = sub.finish();
        } finally {
            startGateway(udpPort);
        }
        assertThat(run.code()).isEqualTo(SubCommand.EXIT_LOST).isEqualTo(3);
        assertThat(run.errLines()).filteredOn(line -> line.startsWith("sngate-sim sub:")).containsExactly(
                "sngate-sim sub: lost the gateway at 127.0.0.1:" + udpPort + ": no answer to PINGREQ (--no-reconnect)");
        assertThat(run.out()).isEmpty();
    }
}
