package io.sngate.gateway.testing;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real mosquitto broker for tests: its own config, port, persistence directory and log file in
 * a temporary directory. Restarting keeps the port and the persisted sessions (mosquitto saves its
 * database on SIGTERM).
 *
 * <p>If mosquitto is not installed the test is skipped, unless the environment says {@code CI=true}:
 * then it fails, so a CI image that lost the broker does not turn the suite silently green.
 *
 * <pre>{@code
 * try (Mosquitto broker = Mosquitto.start()) {
 *     ... broker.host(), broker.port(), broker.uri() ...
 *     broker.restart();
 * }
 * }</pre>
 */
public final class Mosquitto implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final Path binary;
    private final Path dir;
    private final Path config;
    private final Path log;
    private final int port;
    private Process process;

    private Mosquitto(Path binary, Path dir, int port, List<String> extraConfig) throws IOException {
        this.binary = binary;
        this.dir = dir;
        this.port = port;
        this.config = dir.resolve("mosquitto.conf");
        this.log = dir.resolve("mosquitto.log");
        List<String> lines = new ArrayList<>();
        lines.add("listener " + port + " 127.0.0.1");
        lines.add("allow_anonymous true");
        lines.add("persistence true");
        lines.add("persistence_location " + dir.toAbsolutePath() + File.separator);
        lines.add("persistence_file mosquitto.db");
        lines.add("max_queued_messages 5000");
        lines.add("log_dest stdout");
        lines.add("log_type all");
        lines.add("connection_messages true");
        if ("root".equals(System.getProperty("user.name"))) {
            // As root mosquitto would switch to the 'mosquitto' user, who cannot write here.
            lines.add("user root");
        }
        // Later lines win for single-valued options (e.g. "allow_anonymous false").
        lines.addAll(extraConfig);
        Files.write(config, lines, StandardCharsets.UTF_8);
    }

    /** Starts a broker with the default config. */
    public static Mosquitto start() {
        return start(List.of());
    }

    /** Starts a broker with extra config lines appended to the default config. */
    public static Mosquitto start(List<String> extraConfig) {
        Path binary = requireBinary();
        for (int attempt = 1; ; attempt++) {
            Mosquitto m;
            try {
                m = new Mosquitto(binary, Files.createTempDirectory("sngate-mosquitto-"), freePort(), extraConfig);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                m.launch();
                return m;
            } catch (AssertionError e) {
                // Test JVMs run side by side: another one may take the free port before mosquitto
                // binds it. Anything else is a real failure.
                if (attempt == 3 || !m.log().contains("Address already in use")) {
                    throw e;
                }
            }
        }
    }

    /**
     * Extra config lines for a second listener, TLS on 127.0.0.1:{@code port}, beside the plain one
     * (which observers keep using). mosquitto's TLS options belong to the listener above them.
     * With {@code requireCertificate} a client must show a certificate signed by {@code caFile},
     * and its common name becomes its user name (what the broker's log shows as {@code u'CN'}).
     */
    public static List<String> tlsListener(int port, Path caFile, Path certFile, Path keyFile,
                                           boolean requireCertificate) {
        List<String> lines = new ArrayList<>();
        lines.add("listener " + port + " 127.0.0.1");
        lines.add("cafile " + caFile.toAbsolutePath());
        lines.add("certfile " + certFile.toAbsolutePath());
        lines.add("keyfile " + keyFile.toAbsolutePath());
        if (requireCertificate) {
            lines.add("require_certificate true");
            lines.add("use_identity_as_username true");
        }
        return lines;
    }

    /** Where mosquitto is installed; skips (or fails on CI) when it is not. */
    public static Path requireBinary() {
        Optional<Path> found = findBinary();
        if (found.isEmpty()) {
            String message = "mosquitto (MQTT broker) not found on PATH nor at /usr/sbin/mosquitto;"
                    + " install it (Debian: apt-get install mosquitto)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(message + " - required when CI=true");
            }
            Assumptions.abort(message);
        }
        return found.get();
    }

    public static Optional<Path> findBinary() {
        List<Path> candidates = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(File.pathSeparator)) {
                if (!d.isEmpty()) {
                    candidates.add(Paths.get(d, "mosquitto"));
                }
            }
        }
        candidates.add(Paths.get("/usr/sbin/mosquitto"));
        candidates.add(Paths.get("/usr/local/sbin/mosquitto"));
        return candidates.stream().filter(p -> Files.isRegularFile(p) && Files.isExecutable(p)).findFirst();
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    /** {@code tcp://127.0.0.1:PORT}, for Paho. */
    public String uri() {
        return "tcp://" + host() + ":" + port;
    }

    public Path logFile() {
        return log;
    }

    /** The broker's log so far (for assertion messages). */
    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** SIGTERM and wait: mosquitto saves its persistent sessions. */
    public void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        waitForExit();
    }

    /** SIGKILL: a crash; only what was already saved survives. */
    public void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        waitForExit();
    }

    /** Stops (if running) and starts again on the same port with the same persistence. */
    public void restart() {
        stop();
        launch();
    }

    /** Starts again after {@link #stop()} or {@link #kill()}. */
    public void startAgain() {
        if (isRunning()) {
            throw new IllegalStateException("mosquitto is running");
        }
        launch();
    }

    @Override
    public void close() {
        kill();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }

    private void launch() {
        try {
            process = new ProcessBuilder(binary.toString(), "-c", config.toString())
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
        Process p = process;
        try {
            await("mosquitto accepting connections on port " + port)
                    .atMost(START_TIMEOUT)
                    .pollInterval(Duration.ofMillis(20))
                    .pollDelay(Duration.ZERO)
                    .failFast("mosquitto exited", () -> !p.isAlive())
                    .until(this::accepts);
        } catch (RuntimeException e) {
            p.destroyForcibly();
            throw new AssertionError("mosquitto did not start on port " + port + ": " + e.getMessage()
                    + "\n--- " + log + " ---\n" + log(), e);
        }
    }

    private boolean accepts() {
        for (int listener : listenerPorts()) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host(), listener), 200);
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    /** Every port a {@code listener} line of the config names: a TLS listener must be up too before tests use it. */
    private List<Integer> listenerPorts() {
        List<Integer> ports = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(config, StandardCharsets.UTF_8)) {
                String[] words = line.trim().split("\\s+");
                if (words.length >= 2 && words[0].equals("listener")) {
                    ports.add(Integer.parseInt(words[1]));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ports;
    }

    private void waitForExit() {
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping mosquitto", e);
        }
    }

    /** A port nothing listens on right now (for the broker, or to test an unreachable one). */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
