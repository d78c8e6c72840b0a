package io.sngate.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sngate.device.it.GatewayUnderTest;
import io.sngate.hw.config.GatewayMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sngate-sim fleet}'s progress display as a person sees it: in a real terminal (the
 * command runs under {@code script}, which gives it a pseudo-terminal) one line rewritten in
 * place with carriage returns; with stdout in a pipe, plain lines. The fleet runs in its own
 * JVM against the real gateway.
 */
class FleetDisplayTest {

    private static GatewayUnderTest env;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        env = GatewayUnderTest.start(GatewayMode.TRANSPARENT, Map.of());
    }

    @AfterAll
    static void stop() {
        if (env != null) {
            env.close();
        }
    }

    private List<String> fleetCommand(Path scenario) {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "fleet",
                "--scenario", scenario.toString(), "-h", "127.0.0.1", "-p", Integer.toString(env.udpPort()),
                "--duration", "2.5", "--devices", "2");
    }

    private Path scenario() throws IOException {
        Path file = dir.resolve("display.yaml");
        Files.writeString(file, """
                devices:
                  client-id-prefix: "display-"
                connect-spread-seconds: 0.1
                publish:
                  topic: "fleet/{id}/display"
                  interval-seconds: 0.2
                  qos: 0
                """, StandardCharsets.UTF_8);
        return file;
    }

    private static String run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String text = new String(output, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(text).isZero();
        return text;
    }

    @Test
    void inATerminalTheStatusIsOneLineRewrittenInPlace() throws Exception {
        Path script = Path.of("/usr/bin/script");
        assumeTrue(Files.isExecutable(script) || "true".equalsIgnoreCase(System.getenv("CI")),
                "util-linux script is not installed");
        List<String> command = new ArrayList<>(List.of(script.toString(), "-q", "-e", "-c",
                String.join(" ", fleetCommand(scenario()).stream().map(FleetDisplayTest::quoted).toList()),
                "/dev/null"));
        String shown = run(command);
        // each update starts with a carriage return right after the previous one ("...   \rt=..."),
        // and none starts a new line (the terminal shows "\r\n" for a newline)
        assertThat(shown).contains("   \rt=").doesNotContain("\nt=").contains("summary:");
    }

    @Test
    void inAPipeTheStatusComesAsPlainLines() throws Exception {
        String shown = run(fleetCommand(scenario()));
        assertThat(shown).doesNotContain("\r").contains("summary:");
        assertThat(shown.split("\n")).anyMatch(line -> line.startsWith("t="));
    }

    private static String quoted(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
