package io.sngate.sim.docs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Markdown document as the docs test reads it: its fenced blocks in order, each with the
 * doc-test comment above it, and the comments that only wait for or stop earlier blocks. Every
 * fence must name its language, and every shell block must carry a doc-test comment (run, or
 * skipped with a reason): {@link #problems()} lists what does not, so a new block cannot go
 * unchecked.
 */
final class MarkdownDoc {

    /** Info strings of blocks that are shell commands. */
    static final Set<String> SHELL = Set.of("sh", "bash", "shell", "zsh", "console", "shell-session");

    private static final Pattern FENCE = Pattern.compile("^(\\s*)(`{3,}|~{3,})\\s*(.*)$");

    /** One step of the document, in order. */
    sealed interface Step permits Block, Standalone {
        int line();

        Directive directive();
    }

    /**
     * A fenced block: {@code line} is the line of its opening fence (1-based), {@code text} its
     * content with the fence's indentation removed.
     */
    record Block(int line, String info, String text, Directive directive) implements Step {

        boolean shell() {
            return SHELL.contains(language());
        }

        String language() {
            String first = info.split("\\s+", 2)[0];
            return first.toLowerCase(Locale.ROOT);
        }
    }

    /** A doc-test comment not followed by a block: it waits for or stops earlier blocks. */
    record Standalone(int line, Directive directive) implements Step {
    }

    private final Path file;
    private final String label;
    private final List<Step> steps = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    private MarkdownDoc(Path file, String label) {
        this.file = file;
        this.label = label;
    }

    /**
     * @param label how messages name the document, e.g. {@code docs/simulator.md}
     */
    static MarkdownDoc read(Path file, String label) throws IOException {
        MarkdownDoc doc = new MarkdownDoc(file, label);
        doc.parse(Files.readAllLines(file, StandardCharsets.UTF_8));
        return doc;
    }

    Path file() {
        return file;
    }

    String label() {
        return label;
    }

    List<Step> steps() {
        return steps;
    }

    /** What keeps the document from being tested, each starting with {@code label:line:}. */
    List<String> problems() {
        return problems;
    }

    List<Block> blocks() {
        return steps.stream().filter(Block.class::isInstance).map(Block.class::cast).toList();
    }

    private void parse(List<String> lines) {
        Directive pending = null;
        int pendingLine = 0;
        Set<String> names = new HashSet<>();
        int i = 0;
        while (i < lines.size()) {
            String line = lines.get(i);
            Matcher fence = FENCE.matcher(line);
            if (fence.matches()) {
                int opening = i + 1;
                String indent = fence.group(1);
                String marker = fence.group(2);
                String info = fence.group(3).strip();
                StringBuilder text = new StringBuilder();
                i++;
                boolean closed = false;
                while (i < lines.size()) {
                    String inner = lines.get(i);
                    String stripped = inner.strip();
                    if (stripped.startsWith(marker) && stripped.chars().allMatch(c -> c == marker.charAt(0))) {
                        closed = true;
                        i++;
                        break;
                    }
                    text.append(inner.startsWith(indent) ? inner.substring(indent.length()) : inner.stripLeading())
                            .append('\n');
                    i++;
                }
                if (!closed) {
                    problem(opening, "the block is never closed");
                }
                Block block = new Block(opening, info, text.toString(), pending == null ? Directive.NONE : pending);
                check(block, pending != null, names);
                steps.add(block);
                pending = null;
                continue;
            }
            int comment = line.indexOf("<!--");
            if (comment >= 0) {
                int start = i + 1;
                StringBuilder body = new StringBuilder(line.substring(comment + 4));
                while (body.indexOf("-->") < 0 && i + 1 < lines.size()) {
                    i++;
                    body.append('\n').append(lines.get(i));
                }
                int end = body.indexOf("-->");
                String inside = end < 0 ? body.toString() : body.substring(0, end);
                if (inside.strip().startsWith(Directive.PREFIX)) {
                    if (end < 0) {
                        problem(start, "the doc-test comment is never closed with -->");
                    }
                    closePending(pending, pendingLine, names);
                    try {
                        pending = Directive.parse(inside);
                        pendingLine = start;
                    } catch (Directive.Invalid e) {
                        problem(start, e.getMessage());
                        pending = null;
                    }
                }
                i++;
                continue;
            }
            if (!line.isBlank() && pending != null) {
                closePending(pending, pendingLine, names);
                pending = null;
            }
            i++;
        }
        closePending(pending, pendingLine, names);
    }

    /** A doc-test comment with text after it instead of a block: only wait and stop may stand alone. */
    private void closePending(Directive pending, int line, Set<String> names) {
        if (pending == null) {
            return;
        }
        if (!pending.waitsOrStops() || !pending.onlyWaitsOrStops()) {
            problem(line, "a doc-test comment belongs right above its block; only 'wait' and 'stop' stand alone");
            return;
        }
        checkNames(line, pending, names);
        steps.add(new Standalone(line, pending));
    }

    private void check(Block block, boolean marked, Set<String> names) {
        Directive directive = block.directive();
        if (block.info().isEmpty()) {
            problem(block.line(), "a block without a language: name it (```sh for commands, ```text for output)");
            return;
        }
        if (!block.shell()) {
            if (marked && !directive.onlyWaitsOrStops() && directive.file().isEmpty()) {
                problem(block.line(), "a ```" + block.language() + " block takes only 'file: NAME' (what a reader "
                        + "saves it as)");
            }
            if (directive.waitsOrStops()) {
                problem(block.line(), "'wait' and 'stop' belong to a shell block or stand alone");
            }
            return;
        }
        if (!marked) {
            problem(block.line(), "a shell block without a doc-test comment: add <!-- doc-test: run --> (or ready, "
                    + "expect, ...) to have the docs test run it, or <!-- doc-test: skip: REASON --> with the "
                    + "reason it cannot run on a laptop");
            return;
        }
        if (directive.file().isPresent()) {
            problem(block.line(), "'file' is for blocks that are not commands");
        }
        checkNames(block.line(), directive, names);
        directive.name().ifPresent(name -> {
            if (!names.add(name)) {
                problem(block.line(), "the name '" + name + "' is taken by an earlier block");
            }
        });
        if (directive.setup() && (!directive.ready().isEmpty() || !directive.listening().isEmpty())) {
            problem(block.line(), "a setup block is run again before each later block: it cannot wait for output");
        }
    }

    private void checkNames(int line, Directive directive, Set<String> names) {
        for (String name : directive.waitFor()) {
            if (!names.contains(name)) {
                problem(line, "wait: no earlier block is named '" + name + "'");
            }
        }
        for (String name : directive.stop()) {
            if (!names.contains(name)) {
                problem(line, "stop: no earlier block is named '" + name + "'");
            }
        }
    }

    private void problem(int line, String message) {
        problems.add(label + ":" + line + ": " + message);
    }
}
