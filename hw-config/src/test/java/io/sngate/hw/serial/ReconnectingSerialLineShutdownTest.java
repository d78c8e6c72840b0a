package io.sngate.hw.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.hw.testing.PtyPair;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM to a JVM that keeps a {@link ReconnectingSerialLine} open on a real pseudo-terminal
 * ({@link SerialLineOwner}): jSerialComm's shutdown hook closes the port before the owner's hook
 * closes the line, and that is no lost port.
 */
class ReconnectingSerialLineShutdownTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void sigtermIsNoLostPortAndNothingReopens() throws Exception {
        try (PtyPair pty = PtyPair.open()) {
            List<String> command = new ArrayList<>();
            if (Files.isExecutable(Path.of("/usr/bin/env"))) {
                // A child inherits ignored signals (a build run in the background may ignore them).
                command.addAll(List.of("/usr/bin/env", "--default-signal=TERM"));
            }
            command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m",
                    "-cp", System.getProperty("java.class.path"), SerialLineOwner.class.getName(), pty.a().toString()));
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            List<String> output = new CopyOnWriteArrayList<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader lines = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                        output.add(line);
                    }
                } catch (IOException e) {
                    output.add("(output ended: " + e + ")");
                }
            }, "owner-output");
            reader.start();
            try {
                await().atMost(WAIT).failFast("the owner exited: " + output, () -> !process.isAlive())
                        .until(() -> output.contains(SerialLineOwner.READY));

                // SIGTERM; through the handle, since Process.destroy() also closes the output being read.
                assertThat(process.toHandle().destroy()).isTrue();

                assertThat(process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("exited: %s", output).isTrue();
            } finally {
                if (process.isAlive()) {
                    process.destroyForcibly();
                }
            }
            reader.join(WAIT.toMillis());

            assertThat(process.exitValue()).as("%s", output).isEqualTo(143);
            assertThat(output).as("the hook's report")
                    .contains(SerialLineOwner.REPORT + "port end heard=true downs=0 ups=0 closed=1");
            assertThat(output).as("nothing said about a lost port").noneMatch(line -> line.contains("WARN"));
        }
    }
}
