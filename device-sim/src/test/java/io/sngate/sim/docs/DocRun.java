package io.sngate.sim.docs;

import static org.awaitility.Awaitility.await;

import io.sngate.sim.docs.MarkdownDoc.Block;
import io.sngate.sim.docs.MarkdownDoc.Standalone;
import io.sngate.sim.docs.MarkdownDoc.Step;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the shell blocks of one document in order, as a reader would: each with bash from the
 * repository's root, exactly as written (after the document's setup blocks), under
 * {@code set -eo pipefail} so that any command that fails fails the block. Waits are deadlines on
 * output and exit, never sleeps. Whatever the blocks started is stopped at the end, and files
 * they left in the repository's root are removed.
 */
final class DocRun implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(100);
    private static final int TAIL_LINES = 40;

    private final MarkdownDoc doc;
    private final Path root;
    private final Path work;
    private final PrintStream log;
    private final StringBuilder setup = new StringBuilder();
    private final Map<String, Started> named = new HashMap<>();
    private final List<Started> started = new ArrayList<>();
    private final Set<Path> rootBefore;
    /** Kills what the blocks started if the test's JVM is stopped before {@link #close()}. */
    private final Thread killOnExit = new Thread(this::killAll, "doc-test-cleanup");

    /** One block's run: its bash, its process group and where its output goes. */
    private final class Started {
        final Block block;
        final Process bash;
        final ProcessGroup group;
        final Path out;
        final Path err;
        /** Waited for or stopped: a later wait or stop of it is a mistake in the document. */
        boolean ended;

        Started(Block block, Process bash, Path out, Path err) {
            this.block = block;
            this.bash = bash;
            this.group = new ProcessGroup(bash.pid());
            this.out = out;
            this.err = err;
        }

        Directive directive() {
            return block.directive();
        }

        String where() {
            return doc.label() + ":" + block.line();
        }

        /** Its stdout, stderr and the files its commands write to, together. */
        String output() {
            StringBuilder all = new StringBuilder(read(out)).append(read(err));
            for (String file : directive().output()) {
                all.append(read(root.resolve(file)));
            }
            return all.toString();
        }

        /** The block and the end of everything it printed, for a failure message. */
        String report() {
            StringBuilder text = new StringBuilder("\n--- the block (```").append(block.info()).append(" at ")
                    .append(where()).append(")\n").append(block.text());
            text.append("--- its stdout (").append(out).append(")\n").append(tail(read(out)));
            text.append("--- its stderr (").append(err).append(")\n").append(tail(read(err)));
            for (String file : directive().output()) {
                text.append("--- ").append(file).append('\n').append(tail(read(root.resolve(file))));
            }
            return text.toString();
        }
    }

    DocRun(MarkdownDoc doc, Path root, Path work, PrintStream log) throws IOException {
        this.doc = doc;
        this.root = root;
        this.work = work;
        this.log = log;
        Files.createDirectories(work);
        try (Stream<Path> entries = Files.list(root)) {
            rootBefore = entries.collect(java.util.stream.Collectors.toCollection(LinkedHashSet::new));
        }
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /** Every step of the document; throws AssertionError at the first that does not work as written. */
    void run() throws Exception {
        if (!doc.problems().isEmpty()) {
            throw new AssertionError(doc.label() + " cannot be tested:\n" + String.join("\n", doc.problems()));
        }
        for (Step step : doc.steps()) {
            if (step instanceof Standalone standalone) {
                waitAndStop(standalone.directive());
            } else {
                run((Block) step);
            }
        }
        for (Started run : started) {
            if (!run.ended && run.directive().background()) {
                finishBackground(run);
            }
        }
    }

    private void run(Block block) throws Exception {
        Directive directive = block.directive();
        String where = doc.label() + ":" + block.line();
        if (directive.skip().isPresent()) {
            log.println(where + " skipped: " + directive.skip().get());
            return;
        }
        if (!block.shell()) {
            if (directive.file().isPresent()) {
                Files.writeString(root.resolve(directive.file().get()), block.text(), StandardCharsets.UTF_8);
                log.println(where + " saved as " + directive.file().get());
            }
            return;
        }
        waitAndStop(directive);
        checkNeeds(where, directive.needs());
        checkPorts(where, directive);
        long begin = System.nanoTime();
        Started run = start(block);
        synchronized (started) {
            started.add(run);
        }
        directive.name().ifPresent(name -> named.put(name, run));
        if (directive.background()) {
            awaitOutput(run, directive.ready(), List.of(), "ready");
            awaitListening(run);
            log.printf("%s started in the background (%s) in %.1f s%n", where, directive.name().orElse("unnamed"),
                    seconds(begin));
        } else {
            if (!run.bash.waitFor(directive.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(where + ": did not end within " + directive.timeout().toSeconds() + " s"
                        + run.report());
            }
            checkExit(run);
            List<String> texts = new ArrayList<>(directive.ready());
            texts.addAll(directive.expect());
            awaitOutput(run, texts, directive.match(), "expected");
            awaitListening(run);
            log.printf("%s ran in %.1f s%n", where, seconds(begin));
        }
        if (directive.setup()) {
            setup.append(block.text()).append('\n');
        }
    }

    private Started start(Block block) throws IOException {
        String base = "line-" + block.line();
        Path script = work.resolve(base + ".sh");
        Path out = work.resolve(base + ".out");
        Path err = work.resolve(base + ".err");
        Files.writeString(script, "set -eo pipefail\n" + setup + block.text(), StandardCharsets.UTF_8);
        // setsid: the block's bash leads a new process group, which its background commands stay in.
        Process bash = new ProcessBuilder("setsid", "bash", script.toString())
                .directory(root.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        await("bash of " + doc.label() + ":" + block.line() + " to lead its process group").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> ProcessGroup.groupOf(bash.pid()) == bash.pid() || !bash.isAlive());
        return new Started(block, bash, out, err);
    }

    private void checkExit(Started run) {
        int status = run.bash.exitValue();
        if (status != run.directive().exit()) {
            throw new AssertionError(run.where() + ": exit status " + status + ", expected " + run.directive().exit()
                    + run.report());
        }
    }

    /**
     * Waits until every text and pattern is in the block's output; fails at once when all its
     * processes have ended without it, and at the block's timeout.
     */
    private void awaitOutput(Started run, List<String> texts, List<Pattern> patterns, String what) {
        if (texts.isEmpty() && patterns.isEmpty()) {
            return;
        }
        try {
            await(run.where() + ": " + what + " output").atMost(run.directive().timeout()).pollInterval(POLL)
                    .until(() -> {
                        boolean gone = run.group.isEmpty();
                        List<String> missing = missing(run.output(), texts, patterns);
                        if (missing.isEmpty()) {
                            return true;
                        }
                        if (gone) {
                            throw new AssertionError(run.where() + ": ended without the " + what + " output "
                                    + missing + exitNote(run) + run.report());
                        }
                        return false;
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(run.where() + ": no " + what + " output " + missing(run.output(), texts, patterns)
                    + " within " + run.directive().timeout().toSeconds() + " s" + exitNote(run) + run.report());
        }
    }

    /** Waits until something listens on each port of {@code listening}; fails when the block's processes end first. */
    private void awaitListening(Started run) {
        for (Directive.Port port : run.directive().listening()) {
            try {
                await(run.where() + ": " + port + " listening").atMost(run.directive().timeout()).pollInterval(POLL)
                        .until(() -> {
                            if (Listeners.listening(port)) {
                                return true;
                            }
                            if (run.group.isEmpty()) {
                                throw new AssertionError(run.where() + ": ended before anything listened on " + port
                                        + exitNote(run) + run.report());
                            }
                            return false;
                        });
            } catch (ConditionTimeoutException e) {
                throw new AssertionError(run.where() + ": nothing listens on " + port + " within "
                        + run.directive().timeout().toSeconds() + " s" + exitNote(run) + run.report());
            }
        }
    }

    private static String exitNote(Started run) {
        return run.bash.isAlive() ? "" : " (its bash ended with status " + run.bash.exitValue() + ")";
    }

    private static List<String> missing(String output, List<String> texts, List<Pattern> patterns) {
        List<String> missing = new ArrayList<>();
        for (String text : texts) {
            if (!output.contains(text)) {
                missing.add("'" + text + "'");
            }
        }
        for (Pattern pattern : patterns) {
            if (!pattern.matcher(output).find()) {
                missing.add("/" + pattern.pattern() + "/");
            }
        }
        return missing;
    }

    private void waitAndStop(Directive directive) throws InterruptedException {
        for (String name : directive.waitFor()) {
            Started run = named(name, "wait");
            long begin = System.nanoTime();
            Duration timeout = run.directive().timeout();
            if (!run.bash.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) || !run.group.awaitEmpty(timeout)) {
                throw new AssertionError(run.where() + " (" + name + "): did not end within " + timeout.toSeconds()
                        + " s of the wait for it; still running: " + ProcessGroup.describe(run.group.members())
                        + run.report());
            }
            checkExit(run);
            awaitOutput(run, run.directive().expect(), run.directive().match(), "expected");
            run.ended = true;
            log.printf("%s (%s) ended, waited %.1f s%n", run.where(), name, seconds(begin));
        }
        for (String name : directive.stop()) {
            Started run = named(name, "stop");
            if (run.directive().background()) {
                finishBackground(run);
            }
            run.group.stop();
            run.ended = true;
            log.println(run.where() + " (" + name + ") stopped");
        }
    }

    private Started named(String name, String why) {
        Started run = named.get(name);
        if (run == null) {
            throw new AssertionError(doc.label() + ": " + why + ": the block named '" + name
                    + "' was skipped or has not run");
        }
        if (run.ended) {
            throw new AssertionError(doc.label() + ": " + why + ": " + run.where() + " (" + name + ") has ended already");
        }
        return run;
    }

    /**
     * A background block's end when nobody waited for it: what it was to print must be there,
     * and it must not have failed on its own.
     */
    private void finishBackground(Started run) {
        if (!run.bash.isAlive() && run.bash.exitValue() != 0 && run.bash.exitValue() != run.directive().exit()) {
            throw new AssertionError(run.where() + ": ended on its own with status " + run.bash.exitValue()
                    + " while it should have kept running" + run.report());
        }
        awaitOutput(run, run.directive().expect(), run.directive().match(), "expected");
    }

    private static void checkNeeds(String where, List<String> needs) {
        List<String> missing = new ArrayList<>();
        for (String need : needs) {
            if (need.equals("root") ? !isRoot() : !onPath(need)) {
                missing.add(need);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        String message = where + " and what follows need " + String.join(", ", missing) + ", missing here";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(message + "; CI=true, so this fails instead of skipping (.ci/run installs "
                    + "mosquitto, socat and tcpdump)");
        }
        Assumptions.abort(message);
    }

    private static boolean onPath(String tool) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/sbin", "/sbin")); // mosquitto and tcpdump live there on Debian
        return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, tool)).anyMatch(Files::isExecutable);
    }

    private static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:")).anyMatch(l -> l.split("\\s+")[2].equals("0"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void checkPorts(String where, Directive directive) throws IOException {
        for (Directive.Port port : directive.ports()) {
            try {
                if (port.protocol().equals("udp")) {
                    try (DatagramSocket socket = new DatagramSocket(null)) {
                        socket.bind(new InetSocketAddress(port.number()));
                    }
                } else {
                    try (ServerSocket socket = new ServerSocket()) {
                        socket.setReuseAddress(true);
                        socket.bind(new InetSocketAddress(port.number()));
                    }
                }
            } catch (BindException e) {
                throw new AssertionError(where + ": " + port + " is taken by another program, and the block uses it "
                        + "as written; stop that program (a gateway or broker left running?) and run the test again");
            }
        }
    }

    /** Stops every process the blocks started (last started first) and removes the files they left in the root. */
    @Override
    public void close() throws IOException {
        List<Started> reversed = new ArrayList<>(started);
        java.util.Collections.reverse(reversed);
        IllegalStateException stuck = null;
        for (Started run : reversed) {
            try {
                run.group.stop();
            } catch (IllegalStateException e) {
                stuck = e;
            }
            run.ended = true;
        }
        try (Stream<Path> entries = Files.list(root)) {
            for (Path entry : entries.filter(e -> !rootBefore.contains(e)).toList()) {
                log.println(doc.label() + ": removing " + root.relativize(entry) + " (left by its commands)");
                deleteTree(entry);
            }
        }
        Runtime.getRuntime().removeShutdownHook(killOnExit);
        if (stuck != null) {
            throw stuck;
        }
    }

    private void killAll() {
        synchronized (started) {
            for (Started run : started) {
                run.group.members().forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            }
        }
    }

    private static void deleteTree(Path entry) throws IOException {
        if (Files.isDirectory(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> tree = Files.walk(entry)) {
                for (Path path : tree.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        } else {
            Files.deleteIfExists(entry);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return "";
        } catch (java.nio.charset.MalformedInputException e) {
            try {
                return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
            } catch (IOException again) {
                throw new UncheckedIOException(again);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tail(String text) {
        if (text.isEmpty()) {
            return "(nothing)\n";
        }
        List<String> lines = text.lines().toList();
        List<String> last = lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size());
        return (lines.size() > TAIL_LINES ? "(" + (lines.size() - TAIL_LINES) + " lines before)\n" : "")
                + String.join("\n", last) + "\n";
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
