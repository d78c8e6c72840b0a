package io.sngate.gateway.it;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway's command line ({@code io.sngate.gateway.Main}) in a child JVM with this test
 * run's class path: stdout and stderr are collected line by line, the process can be stopped
 * with SIGTERM ({@link Process#destroy()}) or SIGKILL ({@link Process#destroyForcibly()}).
 */
final class GatewayProcess implements AutoCloseable {

    static final Pattern READY = Pattern.compile(
            "sngate gateway ready udp=(\\d+) broker=(tcp://\\S+) \\((connected|unreachable: .*)\\) "
                    + "mode=(transparent|aggregating)");
    static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

    final Process process;
    final List<String> stdout = new CopyOnWriteArrayList<>();
    final List<String> stderr = new CopyOnWriteArrayList<>();
    private final Thread outReader;
    private final Thread errReader;

    private GatewayProcess(Process process) {
        this.process = process;
        this.outReader = pump(process.getInputStream(), stdout, "gateway-stdout");
        this.errReader = pump(process.getErrorStream(), stderr, "gateway-stderr");
    }

    static GatewayProcess start(List<String> args) {
        return start(args, java.util.Map.of());
    }

    /** With {@code environment} added to the child's (e.g. SNGATE_LOG_LEVEL). */
    static GatewayProcess start(List<String> args, java.util.Map<String, String> environment) {
        List<String> command = new ArrayList<>();
        if (Path.of("/usr/bin/env").toFile().canExecute()) {
            // A child inherits ignored signals, and something in the test JVM ignores SIGHUP:
            // start the gateway with SIGHUP at its default, as a service manager would.
            command.addAll(List.of("/usr/bin/env", "--default-signal=HUP"));
        }
        command.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"),
                "io.sngate.gateway.Main"));
        command.addAll(args);
        try {
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().putAll(environment);
            return new GatewayProcess(builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    private static Thread pump(InputStream stream, List<String> into, String name) {
        Thread t = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    into.add(line);
                }
            } catch (IOException e) {
                // the process is gone
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Waits for the ready line; fails at once if the process exits first. */
    Matcher awaitReady() {
        await("the gateway's ready line").atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(20))
                .failFast("the gateway exited: " + this, () -> !process.isAlive())
                .until(() -> readyLine().isPresent());
        Matcher m = READY.matcher(readyLine().orElseThrow());
        if (!m.matches()) {
            throw new AssertionError("not a ready line: " + readyLine().orElseThrow());
        }
        return m;
    }

    Optional<String> readyLine() {
        return stdout.stream().filter(l -> l.startsWith("sngate gateway ready")).findFirst();
    }

    /**
     * SIGTERM, then waits for the exit and for both streams to end; returns the exit code.
     * Sent through the {@link ProcessHandle}: {@link Process#destroy()} sends the same SIGTERM but
     * also closes our ends of the child's stdout and stderr at once, which would lose what the
     * gateway writes while it stops.
     */
    int terminate() {
        process.toHandle().destroy();
        return waitForExit();
    }

    /** SIGKILL (kill -9), then waits for the exit; returns the exit code. */
    int kill() {
        process.destroyForcibly();
        return waitForExit();
    }

    /** Waits for an exit the process makes by itself. */
    int waitForExit() {
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the gateway did not exit within " + STOP_TIMEOUT + ": " + this);
            }
            outReader.join(STOP_TIMEOUT.toMillis());
            errReader.join(STOP_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "gateway process " + process.pid() + "\n--- stdout ---\n" + String.join("\n", stdout)
                + "\n--- stderr ---\n" + String.join("\n", stderr);
    }
}
