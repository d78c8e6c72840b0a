package io.sngate.sim.docs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What the docs test needs to know about one block, from the HTML comment above it:
 * {@code <!-- doc-test: background; name: gateway; ready: "sngate gateway ready" -->}. Items are
 * separated by {@code ;}; a value is bare text or a quoted string ({@code \"} and {@code \\}
 * inside). The comment is invisible on GitHub, so the block stays as a reader sees it.
 *
 * <ul>
 *   <li>{@code run}: run it as it is, in the foreground, expecting exit status 0 (what every
 *       shell block without another item does; the item says that this was decided).
 *   <li>{@code skip: REASON}: not run; the reason (the rest of the comment) says why it cannot run
 *       on a laptop.
 *   <li>{@code setup}: run, and its text also runs before every later block of the document
 *       (what a reader's shell keeps, such as a function definition).
 *   <li>{@code background}: a command that keeps running (a reader's second terminal): started,
 *       not waited for.
 *   <li>{@code name: NAME}: its processes can be waited for or stopped by a later block.
 *   <li>{@code ready: TEXT}: the runner goes on once TEXT is in the block's output.
 *   <li>{@code listening: tcp:1884, udp:1883}: ... and once something listens on those ports
 *       (for a program that prints nothing when it is ready, such as a quiet mosquitto).
 *   <li>{@code expect: TEXT}, {@code match: REGEX}: in the output when the block ends (a
 *       background block ends at a later {@code wait}, at a {@code stop} or at the document's end).
 *   <li>{@code exit: N}: its exit status (0 unless given).
 *   <li>{@code timeout: SECONDS}: the deadline of each wait for it (60 unless given).
 *   <li>{@code ports: udp:1883, tcp:1883}: must be free before it runs (the test fails otherwise).
 *   <li>{@code needs: socat, tcpdump, root}: tools (or root); missing, the rest of the document is
 *       skipped, or fails when {@code CI=true}.
 *   <li>{@code wait: NAME, ...}, {@code stop: NAME, ...}: before it runs, wait for those blocks'
 *       processes to end, or stop them. Also allowed in a comment not followed by a block.
 *   <li>{@code output: FILE, ...}: files its commands write their output to, searched with it.
 *   <li>{@code file: NAME}: for a non-shell block, the file a reader saves it as (written in the
 *       repository's root before the next block runs).
 * </ul>
 */
record Directive(
        Optional<String> skip,
        boolean setup,
        boolean background,
        Optional<String> name,
        List<String> ready,
        List<String> expect,
        List<Pattern> match,
        int exit,
        Duration timeout,
        List<Port> ports,
        List<Port> listening,
        List<String> needs,
        List<String> waitFor,
        List<String> stop,
        List<String> output,
        Optional<String> file) {

    static final String PREFIX = "doc-test:";
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    static final Directive NONE = new Directive(Optional.empty(), false, false, Optional.empty(), List.of(), List.of(),
            List.of(), 0, DEFAULT_TIMEOUT, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
            Optional.empty());

    private static final Set<String> FLAGS = Set.of("run", "setup", "background");
    private static final Set<String> REPEATABLE = Set.of("ready", "expect", "match");
    private static final Set<String> KEYS = Set.of("run", "skip", "setup", "background", "name", "ready", "expect", "match",
            "exit", "timeout", "ports", "listening", "needs", "wait", "stop", "output", "file");
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    /** A port a block's commands listen on, as written in the document. */
    record Port(String protocol, int number) {

        static Port parse(String key, String text) throws Invalid {
            String[] parts = text.split(":", -1);
            if (parts.length != 2 || !(parts[0].equals("udp") || parts[0].equals("tcp"))) {
                throw new Invalid(key + ": '" + text + "' is not udp:N or tcp:N");
            }
            try {
                int number = Integer.parseInt(parts[1]);
                if (number < 1 || number > 65535) {
                    throw new Invalid(key + ": " + number + " is not a port number");
                }
                return new Port(parts[0], number);
            } catch (NumberFormatException e) {
                throw new Invalid(key + ": '" + parts[1] + "' is not a number");
            }
        }

        @Override
        public String toString() {
            return protocol.toUpperCase(java.util.Locale.ROOT) + " port " + number;
        }
    }

    /** A directive that cannot be used, with what is wrong in it. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message);
        }
    }

    boolean waitsOrStops() {
        return !waitFor.isEmpty() || !stop.isEmpty();
    }

    /** Whether it holds anything but wait and stop (which a comment without a block may hold). */
    boolean onlyWaitsOrStops() {
        return skip.isEmpty() && !setup && !background && name.isEmpty() && ready.isEmpty() && expect.isEmpty()
                && match.isEmpty() && exit == 0 && timeout.equals(DEFAULT_TIMEOUT) && ports.isEmpty()
                && listening.isEmpty() && needs.isEmpty()
                && output.isEmpty() && file.isEmpty();
    }

    /** The directive in the body of an HTML comment that starts with {@value #PREFIX}. */
    static Directive parse(String body) throws Invalid {
        String text = body.strip();
        if (!text.startsWith(PREFIX)) {
            throw new Invalid("a doc-test comment starts with '" + PREFIX + "'");
        }
        Map<String, List<String>> items = new LinkedHashMap<>();
        for (String[] item : items(text.substring(PREFIX.length()))) {
            String key = item[0];
            if (!KEYS.contains(key)) {
                throw new Invalid("unknown item '" + key + "' (known: " + String.join(", ", KEYS.stream().sorted()
                        .toList()) + ")");
            }
            if (FLAGS.contains(key) != (item[1] == null)) {
                throw new Invalid(FLAGS.contains(key) ? "'" + key + "' takes no value" : "'" + key + "' needs a value");
            }
            if (items.containsKey(key) && !REPEATABLE.contains(key)) {
                throw new Invalid("'" + key + "' given twice");
            }
            items.computeIfAbsent(key, k -> new ArrayList<>()).add(item[1]);
        }
        Optional<String> skip = single(items, "skip");
        if (skip.isPresent()) {
            if (skip.get().isBlank()) {
                throw new Invalid("skip needs the reason the block cannot run on a laptop");
            }
            if (items.size() > 1) {
                throw new Invalid("a skipped block takes nothing but its reason");
            }
        }
        Optional<String> name = single(items, "name");
        if (name.isPresent() && !NAME.matcher(name.get()).matches()) {
            throw new Invalid("name: '" + name.get() + "' is not lower-case letters, digits and '-'");
        }
        List<Pattern> match = new ArrayList<>();
        for (String regex : items.getOrDefault("match", List.of())) {
            try {
                match.add(Pattern.compile(regex, Pattern.MULTILINE));
            } catch (PatternSyntaxException e) {
                throw new Invalid("match: not a regular expression: " + e.getDescription());
            }
        }
        int exit = integer(items, "exit", 0, 0, 255);
        Duration timeout = Duration.ofSeconds(integer(items, "timeout", (int) DEFAULT_TIMEOUT.toSeconds(), 1, 3600));
        List<Port> ports = ports(items, "ports");
        List<Port> listening = ports(items, "listening");
        List<String> waitFor = names(items, "wait");
        List<String> stop = names(items, "stop");
        Optional<String> file = single(items, "file");
        if (file.isPresent() && !FILE_NAME.matcher(file.get()).matches()) {
            throw new Invalid("file: '" + file.get() + "' is not a plain file name (it is written in the root)");
        }
        if (file.isPresent() && items.size() > 1) {
            throw new Invalid("a block saved as a file takes nothing but its name");
        }
        boolean background = items.containsKey("background");
        if (background && items.containsKey("setup")) {
            throw new Invalid("a setup block runs in the foreground");
        }
        return new Directive(skip, items.containsKey("setup"), background, name,
                List.copyOf(items.getOrDefault("ready", List.of())), List.copyOf(items.getOrDefault("expect", List.of())),
                List.copyOf(match), exit, timeout, ports, listening, list(items, "needs"), waitFor, stop,
                list(items, "output"), file);
    }

    private static Optional<String> single(Map<String, List<String>> items, String key) {
        return Optional.ofNullable(items.get(key)).map(values -> values.get(0));
    }

    private static int integer(Map<String, List<String>> items, String key, int otherwise, int min, int max)
            throws Invalid {
        Optional<String> text = single(items, key);
        if (text.isEmpty()) {
            return otherwise;
        }
        try {
            int value = Integer.parseInt(text.get());
            if (value < min || value > max) {
                throw new Invalid(key + ": " + value + " is not from " + min + " to " + max);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new Invalid(key + ": '" + text.get() + "' is not a number");
        }
    }

    private static List<String> list(Map<String, List<String>> items, String key) throws Invalid {
        Optional<String> text = single(items, key);
        if (text.isEmpty()) {
            return List.of();
        }
        List<String> values = new ArrayList<>();
        for (String value : text.get().split(",")) {
            if (value.isBlank()) {
                throw new Invalid(key + ": an empty entry in '" + text.get() + "'");
            }
            values.add(value.strip());
        }
        return List.copyOf(values);
    }

    private static List<Port> ports(Map<String, List<String>> items, String key) throws Invalid {
        List<Port> ports = new ArrayList<>();
        for (String port : list(items, key)) {
            ports.add(Port.parse(key, port));
        }
        return List.copyOf(ports);
    }

    private static List<String> names(Map<String, List<String>> items, String key) throws Invalid {
        List<String> names = list(items, key);
        for (String name : names) {
            if (!NAME.matcher(name).matches()) {
                throw new Invalid(key + ": '" + name + "' is not a block name");
            }
        }
        return names;
    }

    /** Splits {@code key: value; flag; key: "quoted; value"} into key and value (null for a flag). */
    private static List<String[]> items(String text) throws Invalid {
        List<String[]> items = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            int keyStart = i;
            while (i < n && text.charAt(i) != ':' && text.charAt(i) != ';') {
                i++;
            }
            String key = text.substring(keyStart, i).strip();
            String value = null;
            if (i < n && text.charAt(i) == ':') {
                i++;
                while (i < n && Character.isWhitespace(text.charAt(i))) {
                    i++;
                }
                if (i < n && text.charAt(i) == '"') {
                    StringBuilder quoted = new StringBuilder();
                    i++;
                    while (true) {
                        if (i >= n) {
                            throw new Invalid("a quoted value of '" + key + "' has no closing quote");
                        }
                        char c = text.charAt(i++);
                        if (c == '"') {
                            break;
                        }
                        if (c == '\\' && i < n) {
                            c = text.charAt(i++);
                        }
                        quoted.append(c);
                    }
                    while (i < n && Character.isWhitespace(text.charAt(i))) {
                        i++;
                    }
                    if (i < n && text.charAt(i) != ';') {
                        throw new Invalid("after the quoted value of '" + key + "': ';' expected, found '"
                                + text.charAt(i) + "'");
                    }
                    value = quoted.toString();
                } else {
                    int valueStart = i;
                    // a skip's reason is prose and the last item: it runs to the end, ';' included
                    while (i < n && (key.equals("skip") || text.charAt(i) != ';')) {
                        i++;
                    }
                    value = text.substring(valueStart, i).strip().replaceAll("\\s+", " ");
                }
            }
            i++; // the ';'
            if (key.isEmpty()) {
                if (value != null) {
                    throw new Invalid("a value without a key");
                }
                continue; // an empty item, e.g. a trailing ';'
            }
            items.add(new String[] {key, value});
        }
        return items;
    }
}
