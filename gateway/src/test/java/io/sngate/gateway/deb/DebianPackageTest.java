package io.sngate.gateway.deb;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.Bytes;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.gateway.testing.UdpDevice;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Debian package as an operator gets it: {@code target/sngate_VERSION_all.deb} installed with
 * {@code dpkg -i}, the gateway started with the installed unit's {@code ExecStart} (its environment
 * and user, through runuser: CI has no running systemd), a device connected over UDP, then the
 * package purged. {@code systemd-analyze verify} checks both units.
 *
 * <p>Runs after the package phase (a second Surefire execution, see the pom). It needs root, dpkg
 * and runuser: without them it is skipped, unless the environment says {@code CI=true} (.ci/run
 * runs as root and installs systemd for systemd-analyze): then it fails.
 */
class DebianPackageTest {

    static final Path INSTALLED_CONFIG = Path.of("/etc/sngate/sngate.yaml");
    static final Path GATEWAY_UNIT = Path.of("/lib/systemd/system/sngate.service");
    static final Path BRIDGE_UNIT = Path.of("/lib/systemd/system/sngate-bridge.service");
    static final Path STATE = Path.of("/var/lib/sngate");
    static final Pattern READY = Pattern.compile(
            "sngate gateway ready udp=(\\d+) broker=(tcp://\\S+) \\((connected|unreachable: [^)]*)\\) mode=(transparent|aggregating)");
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    static Path deb;
    static String debVersion;

    @BeforeAll
    static void preconditions() throws Exception {
        String target = System.getProperty("sngate.target");
        String version = System.getProperty("sngate.version");
        Assumptions.assumeTrue(target != null && version != null,
                "run by Maven after the package phase (mvn verify), which builds the .deb and names it");
        // Debian sorts '~' before anything, as Maven sorts -SNAPSHOT before its release.
        debVersion = version.replace("-SNAPSHOT", "~SNAPSHOT");
        deb = Path.of(target, "sngate_" + debVersion + "_all.deb");
        assertThat(deb).as("the package built by jdeb in the package phase").exists();
        require(System.getProperty("os.name").startsWith("Linux"), "not Linux");
        require(onPath("dpkg") && onPath("dpkg-deb"), "dpkg is not installed");
        require(onPath("runuser"), "runuser (util-linux) is not installed");
        require(run(List.of("id", "-u")).output.strip().equals("0"),
                "not root: dpkg -i needs root (CI runs as root)");
    }

    @Test
    void packageHoldsTheJarsConfigAndUnits() throws Exception {
        assertThat(run(List.of("dpkg-deb", "-f", deb.toString(), "Package", "Version", "Architecture", "Depends"))
                .checked().output)
                .contains("Package: sngate", "Version: " + debVersion, "Architecture: all",
                        "Depends: default-jre-headless (>= 2:1.17) | java17-runtime-headless");
        assertThat(run(List.of("dpkg-deb", "-c", deb.toString())).checked().output)
                .contains("./usr/share/sngate/sngate-gateway.jar", "./usr/share/sngate/sngate-bridge.jar",
                        "./etc/sngate/sngate.yaml", "./etc/sngate/bridge.env",
                        "./lib/systemd/system/sngate.service", "./lib/systemd/system/sngate-bridge.service",
                        "./usr/bin/sngate-gateway", "./usr/bin/sngate-bridge",
                        "./usr/share/bash-completion/completions/sngate-gateway",
                        "./usr/share/bash-completion/completions/sngate-bridge");
    }

    @Test
    void installedGatewayStartsFromItsUnitAndServesADevice() throws Exception {
        purgeLeftover();
        try {
            Result install = run(List.of("dpkg", "-i", deb.toString()));
            assertThat(install.code).as("dpkg -i\n" + install.output).isZero();

            assertThat(run(List.of("id", "-nG", "sngate")).checked().output.split("\\s+"))
                    .contains("sngate", "dialout", "gpio");
            PosixFileAttributes state = Files.readAttributes(STATE, PosixFileAttributes.class);
            assertThat(state.owner().getName()).isEqualTo("sngate");
            assertThat(Files.readAttributes(STATE.resolve("broker"), PosixFileAttributes.class).owner().getName())
                    .isEqualTo("sngate");
            assertThat(Files.readString(INSTALLED_CONFIG))
                    .isEqualTo(Files.readString(PackageSourcesTest.PACKAGED_YAML));
            assertThat(run(List.of("dpkg-query", "-W", "-f=${Conffiles}", "sngate")).checked().output)
                    .contains("/etc/sngate/sngate.yaml", "/etc/sngate/bridge.env");

            verifyUnits();
            checkCommands();

            // The one file an operator edits. Free ports, so that the test does not meet a broker
            // or gateway already on this machine's 1883.
            int udpPort = freeUdpPort();
            int brokerPort = freeTcpPort();
            int adminPort = freeTcpPort();
            String config = Files.readString(INSTALLED_CONFIG);
            String edited = config.replaceFirst("(?m)^  port: 1883$", "  port: " + udpPort)
                    .replaceFirst("(?m)^  port: 8080$", "  port: " + adminPort)
                    .replaceFirst("(?m)^  embedded-port: 1883$", "  embedded-port: " + brokerPort)
                    .replaceFirst("(?m)^  broadcast: .*$", "  broadcast: \"\"");
            assertThat(edited).isNotEqualTo(config);
            Files.writeString(INSTALLED_CONFIG, edited);

            Unit unit = Unit.parse(GATEWAY_UNIT);
            assertThat(unit.user()).isEqualTo("sngate");
            List<String> command = new ArrayList<>(List.of("runuser", "-u", unit.user(), "--"));
            command.addAll(unit.execStart());
            assertThat(command).contains("-Xmx64m", "-XX:+UseSerialGC", "/usr/share/sngate/sngate-gateway.jar");
            ProcessBuilder builder = new ProcessBuilder(command).directory(unit.workingDirectory().toFile());
            builder.environment().put("PATH", SYSTEM_PATH);
            builder.environment().putAll(unit.environment());
            try (Child gateway = new Child(builder.start())) {
                Matcher ready = gateway.awaitLine(READY, START_TIMEOUT);
                assertThat(ready.group(1)).isEqualTo(String.valueOf(udpPort));
                assertThat(ready.group(2)).isEqualTo("tcp://127.0.0.1:" + brokerPort);
                assertThat(ready.group(3)).as("the embedded broker, started first, is connected").isEqualTo("connected");
                // The admin server the package turns on answers /ready on 127.0.0.1.
                java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
                java.net.http.HttpRequest readyRequest = java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                        "http://127.0.0.1:" + adminPort + "/ready")).timeout(java.time.Duration.ofSeconds(5)).build();
                org.awaitility.Awaitility.await("/ready answers 200").atMost(java.time.Duration.ofSeconds(20))
                        .ignoreExceptions().until(() -> http.send(readyRequest,
                                java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
                assertThat(gateway.uidOfJava()).as("the JVM runs as sngate")
                        .isEqualTo(run(List.of("id", "-u", "sngate")).checked().output.strip());

                try (UdpDevice device = new UdpDevice(udpPort)) {
                    device.send(new Connect(false, true, Connect.PROTOCOL_ID, 60, Bytes.utf8("deb-test")));
                    assertThat(device.expect(ConnAck.class)).isEqualTo(new ConnAck(ReturnCode.ACCEPTED));
                }
                try (var files = Files.list(STATE.resolve("broker"))) {
                    assertThat(files.count()).as("the embedded broker keeps its data in /var/lib/sngate/broker")
                            .isPositive();
                }
                assertThat(gateway.terminate()).as("exit after SIGTERM\n" + gateway).isIn(0, 143);
            }

            // An upgrade (here: the same package again) keeps the operator's edit of the conffile.
            Result again = run(List.of("dpkg", "-i", "--force-confold", deb.toString()));
            assertThat(again.code).as("dpkg -i over the installed package\n" + again.output).isZero();
            assertThat(Files.readString(INSTALLED_CONFIG)).isEqualTo(edited);
        } finally {
            Result purge = run(List.of("dpkg", "--purge", "sngate"));
            assertThat(purge.code).as("dpkg --purge\n" + purge.output).isZero();
        }
        assertThat(STATE).doesNotExist();
        assertThat(INSTALLED_CONFIG.getParent()).doesNotExist();
        assertThat(Path.of("/usr/share/sngate")).doesNotExist();
    }

    /** The launchers run the installed jars, and bash completes their options once the package is in. */
    private static void checkCommands() throws Exception {
        for (String command : List.of("sngate-gateway", "sngate-bridge")) {
            Path launcher = Path.of("/usr/bin", command);
            assertThat(Files.isExecutable(launcher)).as(launcher + " is executable").isTrue();
            Result version = run(List.of(launcher.toString(), "--version"));
            assertThat(version.code).as(command + " --version\n" + version.output).isZero();
            assertThat(version.output).as(command + " --version")
                    .contains(command.replace('-', ' ') + " " + System.getProperty("sngate.version"));
            Path completion = Path.of("/usr/share/bash-completion/completions", command);
            Result complete = run(List.of("bash", "-c", "source " + completion + " && complete -p " + command));
            assertThat(complete.code).as("bash completion of " + command + "\n" + complete.output).isZero();
            assertThat(complete.output).as("bash completion of " + command).contains("complete ")
                    .contains(command);
        }
    }

    /** systemd-analyze verify prints what it finds wrong but still exits 0: both must hold. */
    private static void verifyUnits() throws Exception {
        if (!onPath("systemd-analyze")) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError("systemd-analyze (package systemd, installed by .ci/run) is missing"
                        + " - required when CI=true");
            }
            System.err.println("DebianPackageTest: systemd-analyze (package systemd) is not installed:"
                    + " the units are not verified");
            return;
        }
        Result verify = run(List.of("systemd-analyze", "verify", GATEWAY_UNIT.toString(), BRIDGE_UNIT.toString()));
        assertThat(verify.code).as("systemd-analyze verify\n" + verify.output).isZero();
        assertThat(verify.output.lines().filter(line -> line.contains("sngate")))
                .as("systemd-analyze verify on the units").isEmpty();
    }

    private static void purgeLeftover() throws Exception {
        // An interrupted earlier run may have left the package installed.
        if (run(List.of("dpkg-query", "-W", "-f=${Status}", "sngate")).output.contains("installed")) {
            run(List.of("dpkg", "--purge", "sngate")).checked();
        }
    }

    /** The parts of a unit file this test runs by hand: Environment, User, WorkingDirectory, ExecStart. */
    record Unit(Map<String, String> environment, String user, Path workingDirectory, List<String> execStart) {

        static Unit parse(Path file) throws IOException {
            Map<String, String> environment = new LinkedHashMap<>();
            String user = null;
            Path directory = Path.of("/");
            String execStart = null;
            for (String line : Files.readAllLines(file)) {
                int eq = line.indexOf('=');
                if (line.startsWith("#") || eq < 0) {
                    continue;
                }
                String key = line.substring(0, eq);
                String value = line.substring(eq + 1);
                switch (key) {
                    case "Environment" -> {
                        for (String assignment : words(value)) {
                            int at = assignment.indexOf('=');
                            environment.put(assignment.substring(0, at), assignment.substring(at + 1));
                        }
                    }
                    case "User" -> user = value;
                    case "WorkingDirectory" -> directory = Path.of(value);
                    case "ExecStart" -> execStart = value;
                    case "EnvironmentFile" -> throw new AssertionError("EnvironmentFile is not read by this test");
                    default -> { }
                }
            }
            if (execStart == null) {
                throw new AssertionError("no ExecStart in " + file);
            }
            // systemd: $NAME alone is split into words, ${NAME} stays one word.
            List<String> command = new ArrayList<>();
            for (String word : words(execStart)) {
                if (word.matches("\\$[A-Za-z_][A-Za-z0-9_]*")) {
                    command.addAll(words(environment.getOrDefault(word.substring(1), "")));
                } else {
                    Matcher braced = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}").matcher(word);
                    command.add(braced.replaceAll(m -> Matcher.quoteReplacement(
                            environment.getOrDefault(m.group(1), ""))));
                }
            }
            return new Unit(environment, user, directory, command);
        }

        /** Words split at spaces, double quotes grouping (enough for these units). */
        static List<String> words(String text) {
            List<String> words = new ArrayList<>();
            StringBuilder word = new StringBuilder();
            boolean quoted = false;
            boolean any = false;
            for (char c : text.toCharArray()) {
                if (c == '"') {
                    quoted = !quoted;
                    any = true;
                } else if (c == ' ' && !quoted) {
                    if (any) {
                        words.add(word.toString());
                    }
                    word.setLength(0);
                    any = false;
                } else {
                    word.append(c);
                    any = true;
                }
            }
            if (any) {
                words.add(word.toString());
            }
            return words;
        }
    }

    /** runuser and the JVM under it, with stdout and stderr collected line by line. */
    static final class Child implements AutoCloseable {
        final Process process;
        final List<String> lines = new CopyOnWriteArrayList<>();

        Child(Process process) {
            this.process = process;
            pump(process.getInputStream(), "stdout");
            pump(process.getErrorStream(), "stderr");
        }

        private void pump(InputStream stream, String name) {
            Thread t = new Thread(() -> {
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // the process is gone
                }
            }, "deb-gateway-" + name);
            t.setDaemon(true);
            t.start();
        }

        Matcher awaitLine(Pattern pattern, Duration timeout) {
            Matcher[] found = new Matcher[1];
            try {
                org.awaitility.Awaitility.await("the ready line").atMost(timeout)
                        .pollInterval(Duration.ofMillis(50)).until(() -> {
                            for (String line : lines) {
                                Matcher m = pattern.matcher(line);
                                if (m.matches()) {
                                    found[0] = m;
                                    return true;
                                }
                            }
                            if (!process.isAlive()) {
                                throw new AssertionError("the gateway exited with " + process.exitValue() + "\n" + this);
                            }
                            return false;
                        });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("no ready line within " + timeout + "\n" + this);
            }
            return found[0];
        }

        String uidOfJava() throws IOException {
            ProcessHandle java = process.descendants().filter(p -> p.info().command().orElse("").endsWith("java"))
                    .findFirst().orElseThrow(() -> new AssertionError("no java under runuser\n" + this));
            return Files.readAllLines(Path.of("/proc", String.valueOf(java.pid()), "status")).stream()
                    .filter(line -> line.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[1];
        }

        /** SIGTERM to runuser, which passes it on to the JVM; returns runuser's exit code. */
        int terminate() throws InterruptedException {
            process.toHandle().destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError("no exit within 30 s of SIGTERM\n" + this);
            }
            return process.exitValue();
        }

        @Override
        public void close() throws InterruptedException {
            // Only this test's processes, by pid: the JVM first, then runuser.
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        @Override
        public String toString() {
            return "--- runuser + gateway output ---\n" + String.join("\n", lines);
        }
    }

    record Result(int code, String output) {
        Result checked() {
            if (code != 0) {
                throw new AssertionError("exit " + code + ":\n" + output);
            }
            return this;
        }
    }

    static Result run(List<String> command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("PATH", SYSTEM_PATH);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        return new Result(process.exitValue(), output);
    }

    /** dpkg and its maintainer scripts need the sbin directories, which a user's PATH may lack. */
    static final String SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    static boolean onPath(String program) {
        for (String dir : SYSTEM_PATH.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /** Skips with the reason, or fails with it when CI=true (CI must run this test). */
    static void require(boolean condition, String reason) {
        if (condition) {
            return;
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(reason + " - required when CI=true");
        }
        Assumptions.abort("Debian package test skipped: " + reason);
    }

    static int freeUdpPort() throws IOException {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return socket.getLocalPort();
        }
    }

    static int freeTcpPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
