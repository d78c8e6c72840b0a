package io.sngate.sim.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DocRun} on small documents of plain shell commands: it runs blocks as written, fails on
 * the first that does not do what its comment says, and leaves nothing running or lying around.
 */
class DocRunTest {

    @TempDir
    Path root;

    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    private void run(String markdown) throws Exception {
        Files.writeString(root.resolve("README.md"), markdown);
        MarkdownDoc doc = MarkdownDoc.read(root.resolve("README.md"), "README.md");
        try (DocRun run = new DocRun(doc, root, root.resolve("work"), new PrintStream(log, true,
                StandardCharsets.UTF_8))) {
            run.run();
        }
    }

    @Test
    void blocksRunInOrderFromTheRootWithTheSetupAndTheirFilesAreRemovedAfterwards() throws Exception {
        run("""
                <!-- doc-test: setup -->
                ```sh
                greet() { echo "hello $1"; }
                ```

                <!-- doc-test: file: names.txt -->
                ```text
                world
                ```

                <!-- doc-test: expect: "hello world"; match: "^hello w.*d$" -->
                ```sh
                greet "$(cat names.txt)" | tee greeting.txt
                ```

                <!-- doc-test: exit: 3; expect: "on stderr" -->
                ```sh
                echo on stderr >&2
                exit 3
                ```

                <!-- doc-test: skip: needs a Raspberry Pi -->
                ```sh
                false
                ```
                """);
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("README.md:2 ran in", "README.md:12 ran in", "README.md:17 ran in",
                "README.md:23 skipped: needs a Raspberry Pi", "removing greeting.txt", "removing names.txt");
        try (var entries = Files.list(root)) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("README.md", "work");
        }
    }

    @Test
    void aCommandThatFailsInsideABlockFailsIt() {
        assertThatThrownBy(() -> run("""
                <!-- doc-test: run -->
                ```sh
                ls no-such-file
                echo the last command succeeds
                ```
                """)).isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("README.md:2: exit status 2, expected 0")
                .hasMessageContaining("ls no-such-file").hasMessageContaining("No such file or directory");
    }

    @Test
    void backgroundBlocksAreWaitedForOrStoppedAndNothingRunsAfterTheDocument() throws Exception {
        run("""
                <!-- doc-test: background; name: server; ready: "listening" -->
                ```sh
                echo listening
                exec sleep 3001
                ```

                <!-- doc-test: background; name: counter; ready: "1"; expect: "3" -->
                ```sh
                for i in 1 2 3; do echo $i; done
                ```

                <!-- doc-test: run -->
                ```sh
                sleep 3002 &
                echo started in the background
                ```

                <!-- doc-test: wait: counter; stop: server -->
                """);
        String printed = log.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("README.md:8 (counter) ended", "README.md:2 (server) stopped");
        assertThat(sleeps()).isEmpty();
    }

    @Test
    void outputThatNeverComesFailsAsSoonAsTheBlocksProcessesHaveEnded() {
        assertThatThrownBy(() -> run("""
                <!-- doc-test: background; name: gateway; ready: "ready"; timeout: 600 -->
                ```sh
                echo "cannot bind" >&2
                exit 1
                ```
                """)).isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("README.md:2: ended without the ready output ['ready'] (its bash ended with "
                        + "status 1)")
                .hasMessageContaining("cannot bind");
    }

    @Test
    void aDocumentWithAnUnmarkedBlockIsNotRunAtAll() {
        assertThatThrownBy(() -> run("""
                ```sh
                touch ran.txt
                ```
                """)).hasMessageContaining("README.md:1: a shell block without a doc-test comment");
        assertThat(root.resolve("ran.txt")).doesNotExist();
    }

    /** The test's own sleeps (the durations are unusual enough to be theirs), if any still run. */
    private static List<String> sleeps() {
        return ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse(""))
                .filter(c -> c.endsWith("sleep 3001") || c.endsWith("sleep 3002")).toList();
    }
}
