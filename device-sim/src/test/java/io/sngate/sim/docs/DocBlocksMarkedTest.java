package io.sngate.sim.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every shell block of README.md and docs/*.md is either run by {@link DocsAsWrittenTest} or
 * marked with the reason it cannot run on a laptop, and every fence names its language: checked
 * here, in the unit tests, so a new block cannot slip past before the slower run. And the syntax
 * of the doc-test comments.
 */
class DocBlocksMarkedTest {

    @TempDir
    Path dir;

    @Test
    void everyShellBlockInTheDocsIsRunOrSkippedWithAReason() {
        Path root = Documents.root();
        List<String> problems = new ArrayList<>();
        int shellBlocks = 0;
        for (String name : Documents.all(root)) {
            MarkdownDoc doc = Documents.read(root, name);
            problems.addAll(doc.problems());
            shellBlocks += (int) doc.blocks().stream().filter(MarkdownDoc.Block::shell).count();
        }
        assertThat(problems).as("see io.sngate.sim.docs.Directive, or the README's 'Documentation', for the comment")
                .isEmpty();
        assertThat(shellBlocks).isGreaterThan(20);
    }

    @Test
    void theDocsPointToDocsNotToIssues() throws Exception {
        Path root = Documents.root();
        Pattern issue = Pattern.compile("\\bissues?\\b", Pattern.CASE_INSENSITIVE);
        List<String> mentions = new ArrayList<>();
        for (String name : Documents.all(root)) {
            List<String> lines = Files.readAllLines(root.resolve(name));
            for (int i = 0; i < lines.size(); i++) {
                if (issue.matcher(lines.get(i)).find()) {
                    mentions.add(name + ":" + (i + 1) + ": " + lines.get(i));
                }
            }
        }
        assertThat(mentions).as("a reader cannot see the project's issues: point to a document").isEmpty();
    }

    @Test
    void aDirectiveReadsEveryItem() throws Exception {
        Directive d = Directive.parse("""
                doc-test: background; name: gateway; ports: udp:1883, tcp:1883;
                  ready: "sngate gateway ready"; expect: "a; quoted \\"value\\""; match: ^devices up\\s+3$;
                  exit: 2; timeout: 90; needs: socat, root; wait: sub; stop: gw, cable; output: a.txt, b.txt;
                  listening: tcp:1884""");
        assertThat(d.background()).isTrue();
        assertThat(d.setup()).isFalse();
        assertThat(d.name()).contains("gateway");
        assertThat(d.ports()).containsExactly(new Directive.Port("udp", 1883), new Directive.Port("tcp", 1883));
        assertThat(d.listening()).containsExactly(new Directive.Port("tcp", 1884));
        assertThat(d.ready()).containsExactly("sngate gateway ready");
        assertThat(d.expect()).containsExactly("a; quoted \"value\"");
        assertThat(d.match()).singleElement().satisfies(p -> assertThat(p.matcher("x\ndevices up    3\n").find())
                .isTrue());
        assertThat(d.exit()).isEqualTo(2);
        assertThat(d.timeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(d.needs()).containsExactly("socat", "root");
        assertThat(d.waitFor()).containsExactly("sub");
        assertThat(d.stop()).containsExactly("gw", "cable");
        assertThat(d.output()).containsExactly("a.txt", "b.txt");
        assertThat(d.skip()).isEmpty();

        Directive skip = Directive.parse("doc-test: skip: needs a Raspberry Pi's GPIO pins; and its LED");
        assertThat(skip.skip()).isEqualTo(Optional.of("needs a Raspberry Pi's GPIO pins; and its LED"));
        assertThat(Directive.parse("doc-test: run")).isEqualTo(Directive.NONE);
    }

    @Test
    void aDirectiveThatCannotBeUsedSaysWhy() {
        assertThatThrownBy(() -> Directive.parse("doc-test: backgrund")).hasMessageStartingWith("unknown item 'backgrund'");
        assertThatThrownBy(() -> Directive.parse("doc-test: skip:"))
                .hasMessage("skip needs the reason the block cannot run on a laptop");
        assertThatThrownBy(() -> Directive.parse("doc-test: name: x; skip: Pi only"))
                .hasMessage("a skipped block takes nothing but its reason");
        assertThatThrownBy(() -> Directive.parse("doc-test: name: a; name: b")).hasMessage("'name' given twice");
        assertThatThrownBy(() -> Directive.parse("doc-test: ports: 1883")).hasMessage("ports: '1883' is not udp:N or tcp:N");
        assertThatThrownBy(() -> Directive.parse("doc-test: expect: \"open")).hasMessageContaining("no closing quote");
        assertThatThrownBy(() -> Directive.parse("doc-test: match: (")).hasMessageStartingWith("match: not a regular");
        assertThatThrownBy(() -> Directive.parse("doc-test: file: ../x.yaml")).hasMessageContaining("plain file name");
        assertThatThrownBy(() -> Directive.parse("doc-test: exit: 300")).hasMessage("exit: 300 is not from 0 to 255");
        assertThatThrownBy(() -> Directive.parse("doc-test: background; setup"))
                .hasMessage("a setup block runs in the foreground");
    }

    @Test
    void aDocumentIsReadIntoBlocksAndStandaloneSteps() throws Exception {
        MarkdownDoc doc = doc("""
                # Title

                <!-- doc-test: background; name: gw; ready: "ready" -->
                ```sh
                java -jar gateway.jar
                ```

                <!-- doc-test: file: gw.yaml -->
                ```yaml
                udp:
                  port: 1883
                ```

                - a list item with its own block:
                  ```text
                  output
                  ```

                <!-- doc-test: stop: gw -->
                Stop the gateway.
                <!-- an ordinary comment -->
                ```java
                class A {}
                ```
                """);
        assertThat(doc.problems()).isEmpty();
        assertThat(doc.steps()).hasSize(5);
        MarkdownDoc.Block gateway = (MarkdownDoc.Block) doc.steps().get(0);
        assertThat(gateway.line()).isEqualTo(4);
        assertThat(gateway.shell()).isTrue();
        assertThat(gateway.text()).isEqualTo("java -jar gateway.jar\n");
        assertThat(gateway.directive().name()).contains("gw");
        MarkdownDoc.Block yaml = (MarkdownDoc.Block) doc.steps().get(1);
        assertThat(yaml.directive().file()).contains("gw.yaml");
        assertThat(yaml.text()).isEqualTo("udp:\n  port: 1883\n");
        assertThat(((MarkdownDoc.Block) doc.steps().get(2)).text()).isEqualTo("output\n");
        assertThat(doc.steps().get(3)).isInstanceOf(MarkdownDoc.Standalone.class);
        assertThat(doc.steps().get(3).directive().stop()).containsExactly("gw");
        assertThat(((MarkdownDoc.Block) doc.steps().get(4)).shell()).isFalse();
    }

    @Test
    void unmarkedShellBlocksAndFencesWithoutALanguageAreProblems() throws Exception {
        MarkdownDoc doc = doc("""
                ```sh
                rm -rf build
                ```

                ```
                some output
                ```

                <!-- doc-test: skip: needs the Pi -->
                Some prose instead of a block.

                <!-- doc-test: wait: nobody -->

                <!-- doc-test: name: a -->
                ```bash
                true
                ```
                <!-- doc-test: name: a -->
                ```bash
                true
                ```
                """);
        assertThat(doc.problems()).containsExactly(
                "test.md:1: a shell block without a doc-test comment: add <!-- doc-test: run --> (or ready, expect, "
                        + "...) to have the docs test run it, or <!-- doc-test: skip: REASON --> with the reason it "
                        + "cannot run on a laptop",
                "test.md:5: a block without a language: name it (```sh for commands, ```text for output)",
                "test.md:9: a doc-test comment belongs right above its block; only 'wait' and 'stop' stand alone",
                "test.md:12: wait: no earlier block is named 'nobody'",
                "test.md:19: the name 'a' is taken by an earlier block");
    }

    private MarkdownDoc doc(String markdown) throws Exception {
        Path file = dir.resolve("test.md");
        Files.writeString(file, markdown);
        return MarkdownDoc.read(file, "test.md");
    }
}
