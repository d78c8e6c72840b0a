package io.sngate.gateway.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's headless Chromium, run once per page: {@code --dump-dom} prints the DOM after the
 * page's scripts ran for a virtual-time budget, {@code --screenshot} saves what it looks like.
 * A page that stays open and is driven while it runs is a {@link ChromiumPage}.
 * A test without Chromium skips, except on CI (CI=true), where it fails.
 */
public final class HeadlessChromium {

    /** Virtual time the page's scripts get: enough for several of the status page's refreshes. */
    private static final int VIRTUAL_TIME_BUDGET_MILLIS = 6_000;
    private static final long RUN_TIMEOUT_SECONDS = 90;

    private final Path binary;
    private final Path profile;

    private HeadlessChromium(Path binary, Path profile) {
        this.binary = binary;
        this.profile = profile;
    }

    /** Chromium from PATH (or /usr/bin); skips, or fails on CI, when it is not installed. */
    public static HeadlessChromium require(Path profile) {
        return new HeadlessChromium(requireBinary(), profile);
    }

    /** The chromium executable; skips the test, or fails it on CI, when there is none. */
    static Path requireBinary() {
        Optional<Path> found = findBinary();
        if (found.isEmpty()) {
            String message = "chromium not found on PATH nor in /usr/bin; install it (Debian: apt-get install chromium)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(message + " - required when CI=true");
            }
            Assumptions.abort(message);
        }
        return found.get();
    }

    private static Optional<Path> findBinary() {
        List<Path> candidates = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    candidates.add(Path.of(dir, "chromium"));
                }
            }
        }
        candidates.add(Path.of("/usr/bin/chromium"));
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    /** The DOM of {@code url} once its scripts have run. */
    public String dumpDom(String url) throws IOException, InterruptedException {
        return run(List.of("--dump-dom", url));
    }

    /** Saves a PNG of {@code url} at {@code width} x {@code height}. */
    public void screenshot(String url, Path png, int width, int height) throws IOException, InterruptedException {
        Files.createDirectories(png.toAbsolutePath().getParent());
        Files.deleteIfExists(png);
        run(List.of("--screenshot=" + png.toAbsolutePath(), "--window-size=" + width + "," + height,
                "--hide-scrollbars", url));
        if (!Files.isRegularFile(png)) {
            throw new AssertionError("chromium wrote no screenshot to " + png);
        }
    }

    private String run(List<String> what) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--headless", "--disable-gpu",
                // Tests run as root on CI, where Chromium's sandbox refuses to start.
                "--no-sandbox", "--no-first-run", "--disable-extensions", "--user-data-dir=" + profile,
                "--virtual-time-budget=" + VIRTUAL_TIME_BUDGET_MILLIS));
        command.addAll(what);
        Path errors = Files.createTempFile("sngate-chromium-", ".log");
        try {
            Process process = new ProcessBuilder(command).redirectError(errors.toFile()).start();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("chromium did not finish within " + RUN_TIMEOUT_SECONDS + " s: " + command);
            }
            if (process.exitValue() != 0) {
                throw new AssertionError("chromium exited with " + process.exitValue() + ": "
                        + Files.readString(errors, StandardCharsets.UTF_8));
            }
            return new String(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(errors);
        }
    }
}
