package io.sngate.sim.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/** The documents whose commands are tested: README.md and every docs/*.md, and where they are. */
final class Documents {

    /** Names documents to test alone, comma-separated (e.g. {@code -Dsngate.docs=docs/simulator.md}). */
    static final String ONLY = "sngate.docs";

    private Documents() {
    }

    /**
     * The repository's root: {@code sngate.repo} when the build passes it, else the parent of
     * the module directory the test runs in.
     */
    static Path root() {
        String configured = System.getProperty("sngate.repo");
        Path root = (configured != null ? Path.of(configured) : Path.of("").toAbsolutePath().getParent())
                .toAbsolutePath().normalize();
        if (!Files.isRegularFile(root.resolve("README.md")) || !Files.isDirectory(root.resolve("docs"))) {
            throw new IllegalStateException(root + " is not the repository's root (no README.md and docs/)");
        }
        return root;
    }

    /** README.md, then docs/*.md by name, as paths relative to the root. */
    static List<String> all(Path root) {
        List<String> names = new ArrayList<>(List.of("README.md"));
        try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
            docs.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".md")).sorted()
                    .forEach(n -> names.add("docs/" + n));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return names;
    }

    /** {@link #all}, or those named by {@value #ONLY}. */
    static List<String> selected(Path root) {
        String only = System.getProperty(ONLY, "").strip();
        List<String> all = all(root);
        if (only.isEmpty()) {
            return all;
        }
        List<String> chosen = Arrays.stream(only.split(",")).map(String::strip).toList();
        for (String name : chosen) {
            if (!all.contains(name)) {
                throw new IllegalArgumentException(ONLY + ": " + name + " is not one of " + all);
            }
        }
        return chosen;
    }

    static MarkdownDoc read(Path root, String name) {
        try {
            return MarkdownDoc.read(root.resolve(name), name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
