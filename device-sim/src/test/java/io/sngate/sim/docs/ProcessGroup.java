package io.sngate.sim.docs;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Every process one block started: the block's bash runs under {@code setsid}, so it leads a
 * process group of its own, and whatever it starts in the background ({@code java ... &},
 * {@code socat ... &}) stays in that group after bash has exited. Linux's {@code /proc} tells
 * who is in it; stopping the group is SIGTERM to each (a gateway stops cleanly), then SIGKILL to
 * what is left.
 */
final class ProcessGroup {

    static final Duration TERM_GRACE = Duration.ofSeconds(15);
    static final Duration KILL_GRACE = Duration.ofSeconds(5);

    private final long id;

    ProcessGroup(long id) {
        this.id = id;
    }

    long id() {
        return id;
    }

    /** The processes of the group that still run (zombies waiting to be reaped are gone). */
    List<Long> members() {
        List<Long> members = new ArrayList<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                String name = entry.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                long[] stat = stat(entry.resolve("stat"));
                if (stat != null && stat[1] == id) {
                    members.add(Long.parseLong(name));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc: " + e.getMessage(), e);
        }
        return members;
    }

    boolean isEmpty() {
        return members().isEmpty();
    }

    /**
     * The process group of a process, or -1 when it has ended.
     */
    static long groupOf(long pid) {
        long[] stat = stat(Path.of("/proc", Long.toString(pid), "stat"));
        return stat == null ? -1 : stat[1];
    }

    /** SIGTERM to every member, then SIGKILL to what is still there after {@link #TERM_GRACE}. */
    void stop() {
        signal(false);
        if (awaitEmpty(TERM_GRACE)) {
            return;
        }
        signal(true);
        if (!awaitEmpty(KILL_GRACE)) {
            throw new IllegalStateException("process group " + id + " still has " + describe(members())
                    + " after SIGKILL");
        }
    }

    boolean awaitEmpty(Duration atMost) {
        try {
            await("process group " + id + " to end").atMost(atMost).pollInterval(Duration.ofMillis(100))
                    .until(this::isEmpty);
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }

    private void signal(boolean kill) {
        for (long pid : members()) {
            ProcessHandle.of(pid).ifPresent(process -> {
                if (kill) {
                    process.destroyForcibly();
                } else {
                    process.destroy();
                }
            });
        }
    }

    /** The command lines of some processes, for a message. */
    static String describe(List<Long> pids) {
        List<String> commands = new ArrayList<>();
        for (long pid : pids) {
            commands.add(pid + " " + ProcessHandle.of(pid).flatMap(p -> p.info().commandLine()).orElse("?"));
        }
        return String.join("; ", commands);
    }

    /** State (as a char) and process group from /proc/PID/stat, or null when the process is gone. */
    private static long[] stat(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return null; // ended between the listing and the read
        }
        // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so count from the last ')'.
        String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
        char state = fields[0].charAt(0);
        if (state == 'Z' || state == 'X') {
            return null;
        }
        return new long[] {state, Long.parseLong(fields[2])};
    }
}
