package io.sngate.hw.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Two connected pseudo-terminals made by {@code socat}: what one end writes, the other reads,
 * like the two ends of a null-modem cable. Tests open one end as the gateway's serial port and
 * drive the other as the device (or radio).
 *
 * <p>Without socat the test is skipped, unless the environment says {@code CI=true}: then it
 * fails, so a CI image that lost socat does not turn the suite silently green.
 *
 * <p>{@link #unplug()} kills socat: both device nodes disappear, as when a USB adapter is pulled;
 * {@link #replug()} makes them again at the same paths (the symlinks {@link #a()} and {@link #b()}).
 */
public final class PtyPair implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

    private final Path binary;
    private final Path dir;
    private final Path a;
    private final Path b;
    private Process process;

    private PtyPair(Path binary, Path dir) {
        this.binary = binary;
        this.dir = dir;
        this.a = dir.resolve("ttyA");
        this.b = dir.resolve("ttyB");
    }

    /** Starts socat with a new pair of raw pseudo-terminals. */
    public static PtyPair open() {
        Path binary = socat().orElse(null);
        if (binary == null) {
            String message = "socat is not installed (apt-get install socat)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException(message + "; CI=true, so this fails instead of skipping");
            }
            Assumptions.abort(message);
        }
        try {
            PtyPair pair = new PtyPair(binary, Files.createTempDirectory("sngate-pty"));
            pair.start();
            return pair;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where socat is, if installed. */
    public static Optional<Path> socat() {
        return Stream.of("/usr/bin/socat", "/bin/socat", "/usr/local/bin/socat")
                .map(Paths::get).filter(Files::isExecutable).findFirst();
    }

    /** The first end, a symlink to its /dev/pts device. */
    public Path a() {
        return a;
    }

    /** The second end. */
    public Path b() {
        return b;
    }

    /** The /dev/pts device behind {@link #a()} (some libraries want the real device). */
    public String devA() {
        return resolve(a);
    }

    public String devB() {
        return resolve(b);
    }

    private static String resolve(Path link) {
        try {
            return link.toRealPath().toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes both pseudo-terminals, as when a USB serial adapter is pulled out. */
    public void unplug() {
        stop();
        await().atMost(START_TIMEOUT).until(() -> !Files.exists(a) && !Files.exists(b));
    }

    /** Makes the pair again at the same paths (new /dev/pts devices behind the same links). */
    public void replug() {
        try {
            start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void start() throws IOException {
        Files.deleteIfExists(a);
        Files.deleteIfExists(b);
        // raw: no line discipline (binary frames pass untouched); echo=0: nothing comes back.
        process = new ProcessBuilder(List.of(binary.toString(),
                "pty,raw,echo=0,link=" + a, "pty,raw,echo=0,link=" + b))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("socat.log").toFile())
                .start();
        await().atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(10)).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("socat exited: " + Files.readString(dir.resolve("socat.log")));
            }
            return Files.exists(a) && Files.exists(b);
        });
    }

    private void stop() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        process = null;
    }

    @Override
    public void close() {
        stop();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is not worth failing a test
        }
    }
}
