package io.sngate.sim;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code sngate-sim pub} and {@code sub} for the tool tests: in-process through
 * {@link Main#run} (with stdout and stderr readable while they run), or as a child JVM on the
 * test class path, for what needs a process of its own: signals, and being killed.
 */
final class ToolRunner {

    static final Duration WAIT = Duration.ofSeconds(30);

    private ToolRunner() {
    }

    /** How a run ended. */
    record Run(int code, String out, String err) {
        List<String> errLines() {
            return err.isEmpty() ? List.of() : Arrays.asList(err.split("\n"));
        }
    }

    /** A run in progress: what it printed so far, and its end. */
    record Running(ByteArrayOutputStream outBytes, ByteArrayOutputStream errBytes, CompletableFuture<Run> end) {
        String out() {
            return outBytes.toString(StandardCharsets.UTF_8);
        }

        String err() {
            return errBytes.toString(StandardCharsets.UTF_8);
        }

        Run finish() {
            return end.orTimeout(90, TimeUnit.SECONDS).join();
        }

        /** Waits until stderr holds {@code text}; fails at once if the tool ended first. */
        Running awaitErr(String description, String text) {
            await(description).atMost(WAIT).pollInterval(Duration.ofMillis(20))
                    .failFast("the tool ended: " + this, () -> end.isDone() && !err().contains(text))
                    .until(() -> err().contains(text));
            return this;
        }

        /** Waits until stdout holds {@code text}; fails at once if the tool ended first. */
        Running awaitOut(String description, String text) {
            await(description).atMost(WAIT).pollInterval(Duration.ofMillis(20))
                    .failFast("the tool ended: " + this, () -> end.isDone() && !out().contains(text))
                    .until(() -> out().contains(text));
            return this;
        }

        @Override
        public String toString() {
            return "out [" + out() + "] err [" + err() + "]";
        }
    }

    /** Runs a tool in-process and waits for its end. */
    static Run run(String... args) {
        return start(args).finish();
    }

    /** Runs a tool in-process on a thread of its own. */
    static Running start(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Run> end = CompletableFuture.supplyAsync(() -> {
            int code = Main.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }, command -> {
            Thread thread = new Thread(command, "tool-" + args[0]);
            thread.setDaemon(true);
            thread.start();
        });
        return new Running(out, err, end);
    }

    /** sngate-sim in a JVM of its own, its output collected line by line. */
    static final class Child implements AutoCloseable {
        final Process process;
        final List<String> out = new CopyOnWriteArrayList<>();
        final List<String> err = new CopyOnWriteArrayList<>();
        private final Thread outReader;
        private final Thread errReader;

        private Child(Process process) {
            this.process = process;
            outReader = pump(process.getInputStream(), out, "child-stdout");
            errReader = pump(process.getErrorStream(), err, "child-stderr");
        }

        static Child start(String... args) {
            List<String> command = new ArrayList<>();
            if (Files.isExecutable(Path.of("/usr/bin/env"))) {
                // A child inherits ignored signals (a build run in the background ignores SIGINT),
                // and a JVM that starts with SIGINT ignored installs no handler for it.
                command.addAll(List.of("/usr/bin/env", "--default-signal=INT,TERM"));
            }
            command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m",
                    "-cp", System.getProperty("java.class.path"), Main.class.getName()));
            command.addAll(List.of(args));
            try {
                Process process = new ProcessBuilder(command).start();
                process.getOutputStream().close();
                return new Child(process);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + command, e);
            }
        }

        private static Thread pump(InputStream stream, List<String> into, String name) {
            Thread thread = new Thread(() -> {
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                        into.add(line);
                    }
                } catch (IOException e) {
                    into.add("(stream ended: " + e + ")");
                }
            }, name);
            thread.setDaemon(true);
            thread.start();
            return thread;
        }

        /** Waits until a line of stderr starts with {@code start}; fails at once if the process exits first. */
        Child awaitErrLine(String description, String start) {
            await(description).atMost(WAIT).pollInterval(Duration.ofMillis(20))
                    .failFast("the child exited: " + this, () -> !process.isAlive()
                            && err.stream().noneMatch(line -> line.startsWith(start)))
                    .until(() -> err.stream().anyMatch(line -> line.startsWith(start)));
            return this;
        }

        /** Sends {@code signal} (INT, TERM, KILL) to the child. */
        void signal(String signal) throws Exception {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new AssertionError("kill -" + signal + " " + process.pid() + " failed");
            }
        }

        /** Waits for the exit and for both streams to end; returns the exit code. */
        int waitForExit() throws InterruptedException {
            if (!process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("the child did not exit within " + WAIT + ": " + this);
            }
            outReader.join(WAIT.toMillis());
            errReader.join(WAIT.toMillis());
            return process.exitValue();
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }

        @Override
        public String toString() {
            return "pid " + process.pid() + " out " + out + " err " + err;
        }
    }
}
