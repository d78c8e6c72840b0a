package io.sngate.sim.docs;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The docs pass as written: the shell blocks of README.md and docs/*.md run with bash from the
 * repository's root, in order, as their doc-test comments say (see {@link Directive}), against
 * the jars the build has just made (gateway/target/sngate-gateway.jar,
 * device-sim/target/sngate-sim.jar, firmware-bridge/target/sngate-bridge.jar). It runs after
 * {@code package}, in device-sim's second Surefire execution; alone:
 * {@code mvn -B verify -pl device-sim -am -DskipTests -Dsngate.skipDocs=false}, one document with
 * {@code -Dsngate.docs=docs/simulator.md}.
 *
 * <p>Blocks use the ports they are written with (UDP and TCP 1883...): a port another program holds
 * fails the document with its name. mosquitto, socat and tcpdump: missing, the rest of a document
 * is skipped, or fails when CI=true.
 */
class DocsAsWrittenTest {

    @TestFactory
    Stream<DynamicTest> everyDocumentWorksAsWritten() {
        Path root = Documents.root();
        Path work = root.resolve("device-sim/target/doc-test");
        return Documents.selected(root).stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            MarkdownDoc doc = Documents.read(root, name);
            try (DocRun run = new DocRun(doc, root, work.resolve(name.replace('/', '_')), System.out)) {
                run.run();
            }
        }));
    }
}
