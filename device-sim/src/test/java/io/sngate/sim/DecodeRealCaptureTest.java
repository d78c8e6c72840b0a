package io.sngate.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.client.ClientRuntime;
import io.sngate.client.MqttSnClient;
import io.sngate.client.Outcome;
import io.sngate.client.UdpLink;
import io.sngate.codec.QoS;
import io.sngate.device.it.GatewayUnderTest;
import io.sngate.hw.config.GatewayMode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code decode --pcap} on a real capture: tcpdump records the loopback traffic between a real
 * device ({@link MqttSnClient} over UDP) and our gateway in front of a real mosquitto, and the
 * tool must print that conversation packet by packet, with the addresses both ways.
 *
 * <p>Needs tcpdump and the right to capture (root, as on CI). Without tcpdump the test is
 * skipped, except when {@code CI=true}: then it fails, so a CI image without it does not pass
 * silently.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DecodeRealCaptureTest {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final String TOPIC = "capture/temperature";
    /** A line of the tool: the capture time (its fraction apart), then addresses and packet. */
    static final Pattern LINE = Pattern.compile("(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.(\\d+)Z) (.*)");

    @TempDir
    Path dir;

    @Test
    void decodesTheConversationTcpdumpCaptured() throws Exception {
        Path tcpdumpBinary = requireTcpdump();
        Instant before = Instant.now().minusSeconds(1);
        try (GatewayUnderTest env = GatewayUnderTest.start(GatewayMode.TRANSPARENT, Map.of());
             ClientRuntime runtime = ClientRuntime.start("capture-device")) {
            int gateway = env.udpPort();
            // The same conversation twice: on lo (Ethernet link type, microseconds) as an operator captures one
            // interface, and on 'any' (Linux cooked SLL2, here with nanosecond times) as 'tcpdump -i any' does.
            try (Tcpdump lo = Tcpdump.start(tcpdumpBinary, "lo", false, gateway, dir.resolve("lo.pcap"));
                 Tcpdump any = Tcpdump.start(tcpdumpBinary, "any", true, gateway, dir.resolve("any.pcap"))) {
                UdpLink link = UdpLink.to("127.0.0.1", gateway);
                int registered;
                int devicePort;
                try (MqttSnClient device = MqttSnClient.builder("capture-device").link(link).runtime(runtime).build()) {
                    devicePort = link.localPort();
                    assertOk(device.connect(true));
                    registered = assertOk(device.register(TOPIC)).topicId();
                    assertOk(device.publish(TOPIC, "21.5".getBytes(StandardCharsets.UTF_8), QoS.AT_LEAST_ONCE,
                            false));
                    assertOk(device.disconnect());
                }
                String deviceAddress = "127.0.0.1:" + devicePort;
                String gatewayAddress = "127.0.0.1:" + gateway;
                String up = deviceAddress + " -> " + gatewayAddress + " ";
                String down = gatewayAddress + " -> " + deviceAddress + " ";

                for (Tcpdump capture : List.of(lo, any)) {
                    // The gateway's DISCONNECT is the last packet; tcpdump may not have written it yet.
                    await("the capture on " + capture.device() + " holds the whole conversation").atMost(WAIT)
                            .until(() -> decode(capture.file(), gateway).lines()
                                    .anyMatch(l -> l.contains(down + "Disconnect")));
                    capture.stop();
                }
                Instant after = Instant.now().plusSeconds(1);

                for (Tcpdump capture : List.of(lo, any)) {
                    Decode result = decode(capture.file(), gateway);
                    assertThat(result.code()).as(result.err()).isZero();
                    assertThat(result.err()).isEqualTo("sngate-sim decode: 8 decoded, 0 not decodable; 0 other"
                            + " packet(s) in the capture skipped (not UDP to or from port " + gateway + ")\n");
                    List<String> packets = new ArrayList<>();
                    for (String line : result.lines().toList()) {
                        Matcher m = LINE.matcher(line);
                        assertThat(m.matches()).as("capture time first: %s", line).isTrue();
                        assertThat(m.group(2).length()).as("digits of the fraction: %s", line)
                                .isEqualTo(capture.nanoseconds() ? 9 : 6);
                        assertThat(Instant.parse(m.group(1))).isBetween(before, after);
                        packets.add(m.group(3));
                    }
                    assertThat(packets).hasSize(8);
                    assertThat(packets.get(0)).isEqualTo(up + "Connect[will=false, cleanSession=true, protocolId=1,"
                            + " keepAlive=60, clientId=\"capture-device\"]");
                    assertThat(packets.get(1)).isEqualTo(down + "ConnAck[returnCode=ACCEPTED]");
                    int registerId = messageId(packets.get(2), up + "Register[topicId=0, msgId=(\\d+), topicName=\""
                            + TOPIC + "\"]");
                    assertThat(packets.get(3)).isEqualTo(down + "RegAck[topicId=" + registered + ", msgId="
                            + registerId + ", returnCode=ACCEPTED]");
                    int publishId = messageId(packets.get(4), up + "Publish[dup=false, qos=AT_LEAST_ONCE,"
                            + " retain=false, topicIdType=NORMAL, topicId=" + registered + ", msgId=(\\d+),"
                            + " data=\"21.5\"]");
                    assertThat(packets.get(5)).isEqualTo(down + "PubAck[topicId=" + registered + ", msgId="
                            + publishId + ", returnCode=ACCEPTED]");
                    assertThat(packets.get(6)).isEqualTo(up + "Disconnect[duration=OptionalInt.empty]");
                    assertThat(packets.get(7)).isEqualTo(down + "Disconnect[duration=OptionalInt.empty]");
                }
            }
        }
    }

    /** A tcpdump process writing a classic pcap file; stopped (SIGTERM, it flushes) on close. */
    record Tcpdump(Process process, String device, boolean nanoseconds, Path file, Path log) implements AutoCloseable {

        static Tcpdump start(Path binary, String device, boolean nanoseconds, int port, Path file) throws Exception {
            Path log = file.resolveSibling(file.getFileName() + ".log");
            List<String> command = new ArrayList<>(List.of(binary.toString(), "-i", device, "-n",
                    // -U writes each packet as it comes, so the file can be read while tcpdump runs.
                    "-U", "-w", file.toString()));
            if (nanoseconds) {
                command.add("--time-stamp-precision=nano");
            }
            command.add("udp port " + port);
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .start();
            Tcpdump tcpdump = new Tcpdump(process, device, nanoseconds, file, log);
            await("tcpdump listening on " + device).atMost(WAIT)
                    .until(() -> !process.isAlive() || Files.readString(log).contains("listening on " + device));
            assertThat(process.isAlive()).as("tcpdump: %s", Files.readString(log)).isTrue();
            return tcpdump;
        }

        void stop() throws InterruptedException {
            process.destroy();
            assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("tcpdump on %s stops on SIGTERM", device).isTrue();
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroy();
                process.waitFor(20, TimeUnit.SECONDS);
            }
        }
    }

    record Decode(int code, String out, String err) {
        Stream<String> lines() {
            return out.lines();
        }
    }

    /** The tool as a user runs it: {@code decode --pcap FILE --port N}. */
    static Decode decode(Path capture, int port) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new DecodeCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(List.of("--pcap", capture.toString(), "--port", Integer.toString(port)));
        return new Decode(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The line must match {@code template} (literal, except one {@code (\d+)}); returns that number. */
    static int messageId(String line, String template) {
        int group = template.indexOf("(\\d+)");
        Pattern pattern = Pattern.compile(Pattern.quote(template.substring(0, group)) + "(\\d+)"
                + Pattern.quote(template.substring(group + "(\\d+)".length())));
        Matcher m = pattern.matcher(line);
        assertThat(m.matches()).as("%s%n matches %s", line, template).isTrue();
        return Integer.parseInt(m.group(1));
    }

    static Outcome assertOk(CompletableFuture<Outcome> request) {
        Outcome outcome = request.orTimeout(30, TimeUnit.SECONDS).join();
        assertThat(outcome.success()).as("outcome %s", outcome).isTrue();
        return outcome;
    }

    /** tcpdump from PATH, /usr/bin or /usr/sbin; skips without it, except on CI (where the image must have it). */
    static Path requireTcpdump() {
        Optional<Path> found = Stream.concat(
                        Stream.of(System.getenv().getOrDefault("PATH", "").split(":")).filter(p -> !p.isEmpty()),
                        Stream.of("/usr/bin", "/usr/sbin"))
                .map(p -> Path.of(p, "tcpdump")).filter(Files::isExecutable).findFirst();
        if (found.isEmpty()) {
            String message = "tcpdump not found on PATH nor in /usr/bin, /usr/sbin; install it (Debian: apt-get"
                    + " install tcpdump)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(message + " - required when CI=true");
            }
            Assumptions.abort(message);
        }
        return found.get();
    }
}
