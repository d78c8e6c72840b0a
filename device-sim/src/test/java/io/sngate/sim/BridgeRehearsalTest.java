package io.sngate.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.bridge.Bridge;
import io.sngate.bridge.BridgeArgs;
import io.sngate.bridge.BridgeCounters;
import io.sngate.device.it.BrokerWatcher;
import io.sngate.device.it.GatewayUnderTest;
import io.sngate.hw.config.GatewayMode;
import io.sngate.hw.testing.PtyPair;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The rehearsal of docs/simulator.md, "The bridge in front of a virtual radio and a virtual
 * serial line", run from the commands written there: the two fleets (sngate-sim's entry point,
 * with the example scenarios), the bridge (its documented arguments, parsed by BridgeArgs) and
 * the command published with sngate-sim pub. Only what a test must choose is replaced: the
 * socat pty pairs are made by {@link PtyPair} (the docs' link names mapped to their ends), the
 * gateway is ours in-process in front of a real mosquitto on a free port, and the fleets run
 * for less than the documented two minutes.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BridgeRehearsalTest {

    static final String SECTION = "The bridge in front of a virtual radio and a virtual serial line";
    static final String FLEET = "java -jar device-sim/target/sngate-sim.jar fleet ";
    static final String PUB = "java -jar device-sim/target/sngate-sim.jar pub ";
    static final String BRIDGE = "java -jar firmware-bridge/target/sngate-bridge.jar ";
    static final String SOCAT = "socat ";
    static final String FLEET_SECONDS = "25";
    static final List<String> DEVICES = List.of("radio-0", "radio-1", "radio-2", "fwd-0", "fwd-1", "fwd-2");

    private final List<PtyPair> cables = new ArrayList<>();
    private GatewayUnderTest env;
    private BrokerWatcher watcher;
    private Bridge bridge;

    @AfterEach
    void stop() throws Exception {
        if (bridge != null) {
            bridge.close();
        }
        cables.forEach(PtyPair::close);
        if (watcher != null) {
            watcher.close();
        }
        if (env != null) {
            env.close();
        }
    }

    /** One fleet started by sngate-sim's entry point, with what it printed. */
    private record FleetRun(CompletableFuture<Integer> exit, ByteArrayOutputStream out, ByteArrayOutputStream err) {

        static FleetRun start(List<String> args) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> Main.run(args,
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));
            return new FleetRun(exit, out, err);
        }

        String printed() {
            return out.toString(StandardCharsets.UTF_8);
        }

        /** The summary table's rows, e.g. "devices up" -> 3. */
        Map<String, Long> summary() {
            Map<String, Long> rows = new LinkedHashMap<>();
            Matcher row = Pattern.compile("(?m)^  (\\S.*?)\\s+(\\d+)$").matcher(printed());
            while (row.find()) {
                rows.put(row.group(1), Long.parseLong(row.group(2)));
            }
            return rows;
        }
    }

    @Test
    void threeDevicesBehindTheRadioAndThreeBehindTheForwarderComeUpThroughTheBridge() throws Exception {
        List<String> commands = DocCommands.of(Path.of("..", "docs", "simulator.md"), SECTION);
        env = GatewayUnderTest.start(GatewayMode.TRANSPARENT, Map.of());
        watcher = new BrokerWatcher(env.brokerUri(), "rehearsal-watcher");
        watcher.subscribe("rehearsal/#", 1);
        String gateway = "127.0.0.1:" + env.udpPort();

        // Step 2: each socat line of the docs is a pty pair; its link names become the pair's ends.
        Map<String, String> ends = new LinkedHashMap<>();
        for (String socat : DocCommands.starting(commands, SOCAT)) {
            List<String> links = DocCommands.links(socat);
            assertThat(links).as(socat).hasSize(2);
            PtyPair cable = PtyPair.open();
            cables.add(cable);
            ends.put(links.get(0), cable.a().toString());
            ends.put(links.get(1), cable.b().toString());
        }
        assertThat(ends).containsKeys("/tmp/sngate-bridge-xbee", "/tmp/sngate-radio", "/tmp/sngate-bridge-serial",
                "/tmp/sngate-fwd");

        // Step 3: the fleets, the radio's first (the bridge's start asks the radio).
        List<String> fleetLines = DocCommands.starting(commands, FLEET);
        assertThat(fleetLines).hasSize(2);
        List<FleetRun> fleets = new ArrayList<>();
        for (String line : fleetLines) {
            List<String> args = new ArrayList<>(List.of("fleet"));
            args.addAll(DocCommands.arguments(line, FLEET, ends));
            int duration = args.indexOf("--duration");
            assertThat(duration).as(line).isPositive();
            args.set(duration + 1, FLEET_SECONDS);
            args.replaceAll(arg -> arg.startsWith("docs/") ? Path.of("..").resolve(arg).toString() : arg);
            fleets.add(FleetRun.start(args));
            if (args.contains("--xbee")) {
                String radioEnd = Path.of(args.get(args.indexOf("--xbee") + 1)).toRealPath().toString();
                await("the emulated radio has opened " + radioEnd).atMost(Duration.ofSeconds(20))
                        .until(() -> openedByThisProcess(radioEnd));
            }
        }

        // Step 4: the bridge, with the documented arguments.
        List<String> bridgeLines = DocCommands.starting(commands, BRIDGE);
        assertThat(bridgeLines).hasSize(1);
        Map<String, String> toGateway = new LinkedHashMap<>(ends);
        toGateway.put("127.0.0.1:1883", gateway);
        bridge = Bridge.start(BridgeArgs.parse(DocCommands.arguments(bridgeLines.get(0), BRIDGE, toGateway)));
        assertThat(bridge.readyLine()).isEqualTo("sngate bridge ready gateway=" + gateway + " lines=2");

        // Step 5: the command for every device, retained, through the gateway.
        List<String> pubLines = DocCommands.starting(commands, PUB);
        assertThat(pubLines).hasSize(1);
        List<String> pub = new ArrayList<>(List.of("pub", "-h", "127.0.0.1", "-p", String.valueOf(env.udpPort())));
        pub.addAll(DocCommands.arguments(pubLines.get(0), PUB, Map.of()));
        ByteArrayOutputStream pubErr = new ByteArrayOutputStream();
        assertThat(Main.run(pub, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(pubErr, true, StandardCharsets.UTF_8))).as(pubErr.toString(StandardCharsets.UTF_8))
                .isZero();

        await("two readings from each of the six devices at mosquitto").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> DEVICES.stream().allMatch(id -> watcher.on("rehearsal/" + id + "/reading").size() >= 2));
        assertThat(watcher.texts("rehearsal/command")).containsExactly("open");

        for (FleetRun fleet : fleets) {
            int exit = fleet.exit().get(90, TimeUnit.SECONDS);
            assertThat(exit).as(fleet.err().toString(StandardCharsets.UTF_8)).isZero();
            Map<String, Long> summary = fleet.summary();
            assertThat(summary).as(fleet.printed()).containsEntry("devices up", 3L).containsEntry("connects", 3L)
                    .containsEntry("devices lost", 0L).containsEntry("subscriptions accepted", 3L)
                    .containsEntry("messages received", 3L).containsEntry("publishes refused (dropped)", 0L);
            assertThat(summary.get("publishes acknowledged")).as(fleet.printed()).isGreaterThanOrEqualTo(6);
        }
        BridgeCounters counters = bridge.counters();
        assertThat(counters.forwarder().rejectedFromDevices()).isZero();
        assertThat(counters.forwarder().unknownNodes()).isZero();
        assertThat(counters.transmitFailures()).containsOnly(0L);
        assertThat(env.gateway.metrics().snapshot()).noneSatisfy((name, value) ->
                assertThat(name).startsWith("malformed."));
    }

    /** Whether this JVM has {@code device} open (the fleets run in it): Linux's /proc/self/fd. */
    private static boolean openedByThisProcess(String device) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().equals(device);
                } catch (IOException gone) {
                    return false; // closed since it was listed
                }
            });
        }
    }

    /** The shell commands of one section of a Markdown file, as a reader would copy them. */
    static final class DocCommands {

        private DocCommands() {
        }

        /**
         * The lines of the section's {@code sh} blocks, comments and blank lines left out, a
         * trailing {@code &} and an output redirection dropped.
         */
        static List<String> of(Path markdown, String heading) throws IOException {
            List<String> lines = Files.readAllLines(markdown, StandardCharsets.UTF_8);
            int start = lines.indexOf("### " + heading);
            assertThat(start).as("section '%s' in %s", heading, markdown).isNotNegative();
            List<String> commands = new ArrayList<>();
            boolean inFence = false;
            boolean inShell = false;
            for (String line : lines.subList(start + 1, lines.size())) {
                if (line.startsWith("```")) {
                    inFence = !inFence;
                    inShell = inFence && line.equals("```sh");
                    continue;
                }
                if (!inFence && line.startsWith("#")) {
                    break; // the next heading
                }
                String command = line.strip();
                if (!inShell || command.isEmpty() || command.startsWith("#")) {
                    continue;
                }
                int redirect = command.indexOf(" > ");
                if (redirect >= 0) {
                    command = command.substring(0, redirect);
                }
                if (command.endsWith("&")) {
                    command = command.substring(0, command.length() - 1).strip();
                }
                commands.add(command);
            }
            return commands;
        }

        static List<String> starting(List<String> commands, String prefix) {
            return commands.stream().filter(c -> c.startsWith(prefix)).toList();
        }

        /** The words after {@code prefix}, each path named in {@code replace} replaced, quotes removed. */
        static List<String> arguments(String command, String prefix, Map<String, String> replace) {
            String rest = command.substring(prefix.length());
            for (Map.Entry<String, String> r : replace.entrySet()) {
                rest = rest.replace(r.getKey(), r.getValue());
            }
            return Arrays.stream(rest.split("\\s+")).map(word -> word.replace("'", "")).toList();
        }

        /** The {@code link=} names of a socat command, in order. */
        static List<String> links(String socat) {
            List<String> links = new ArrayList<>();
            Matcher link = Pattern.compile("link=([^\\s,]+)").matcher(socat);
            while (link.find()) {
                links.add(link.group(1));
            }
            return links;
        }
    }
}
