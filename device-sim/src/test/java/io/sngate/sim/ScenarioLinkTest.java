package io.sngate.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sngate.codec.xbee.ApiMode;
import io.sngate.sim.line.LineImpairment;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** The scenario's link section and the fleet command's line options, and what they refuse. */
class ScenarioLinkTest {

    static Scenario parse(String yaml) throws Scenario.ScenarioError {
        Object document = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
        return Scenario.fromMap(document == null ? Map.of() : (Map<?, ?>) document);
    }

    static String errorOf(String yaml) {
        try {
            parse(yaml);
            throw new AssertionError("accepted: " + yaml);
        } catch (Scenario.ScenarioError e) {
            return e.getMessage();
        }
    }

    @Test
    void withoutALinkSectionTheDevicesUseUdp() throws Exception {
        assertThat(parse("").link()).isEqualTo(Scenario.LinkSpec.UDP);
    }

    @Test
    void anXBeeLinkReadsEveryKey() throws Exception {
        Scenario.LinkSpec link = parse("""
                link:
                  kind: xbee
                  port: /tmp/sngate-radio
                  baud: 115200
                  api-mode: 1
                  address-base: 0x0013A20040000000
                  max-payload: 72
                  line:
                    drop-percent: 1
                    corrupt-percent: 2
                    noise-percent: 3
                    half-frame-percent: 4
                """).link();
        assertThat(link).isEqualTo(new Scenario.LinkSpec(Scenario.LinkKind.XBEE, "/tmp/sngate-radio", 115_200,
                ApiMode.UNESCAPED, false, 0x0013A20040000000L, 72, new LineImpairment(1, 2, 3, 4)));
        assertThat(link.describe("localhost", 1883)).isEqualTo("xbee radio on /tmp/sngate-radio (AP=1, NP=72)");
    }

    @Test
    void aSerialLinkDefaultsToTheOneByteLengthFormsLargestPacket() throws Exception {
        Scenario.LinkSpec link = parse("devices: {count: 3}\nlink: {kind: serial, port: /tmp/x, forwarder: true}\n")
                .link();
        assertThat(link.maxPayload()).isEqualTo(255);
        assertThat(link.forwarder()).isTrue();
        assertThat(link.describe("h", 1)).isEqualTo("forwarder on serial /tmp/x");
    }

    @Test
    void problemsNameTheirKey() {
        assertThat(errorOf("link: {kind: zigbee}")).startsWith("link.kind: must be udp, xbee or serial");
        assertThat(errorOf("link: {kind: xbee}")).startsWith("link.port: is required for kind xbee");
        assertThat(errorOf("link: {port: /tmp/x}")).startsWith("link.port: is for kind xbee or serial");
        assertThat(errorOf("devices: {count: 2}\nlink: {kind: serial, port: /tmp/x}"))
                .startsWith("link.forwarder: must be true (--forwarder) for more than one device");
        assertThat(errorOf("link: {kind: xbee, port: /tmp/x, api-mode: 0}")).startsWith("link.api-mode:");
        assertThat(errorOf("link: {kind: xbee, port: /tmp/x, max-payload: 300}")).startsWith("link.max-payload:");
        assertThat(errorOf("link: {kind: xbee, port: /tmp/x, address-base: 0x1FFFFFFFFFFFFFFFF}"))
                .startsWith("link.address-base:");
        assertThat(errorOf("link: {kind: xbee, port: /tmp/x, address-base: radio}")).startsWith("link.address-base:");
        assertThat(errorOf("link: {line: {drop-percent: 101}}")).startsWith("link.line.drop-percent:");
        assertThat(errorOf("link: {line: {static: 1}}")).startsWith("link.line.static: unknown key");
    }

    int fleet(List<String> args, ByteArrayOutputStream err) {
        return Main.run(args, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void theFleetCommandRefusesLineOptionsThatDoNotGoTogether() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(fleet(List.of("fleet", "--xbee", "/tmp/a", "--serial", "/tmp/b"), err)).isEqualTo(Main.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--xbee and --serial exclude each other");

        err.reset();
        assertThat(fleet(List.of("fleet", "--forwarder"), err)).isEqualTo(Main.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--forwarder is for a serial line");

        err.reset();
        assertThat(fleet(List.of("fleet", "--serial", "/tmp/b", "--devices", "5"), err)).isEqualTo(Main.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("link.forwarder: must be true");
    }

    @Test
    void aScenarioFileMayLeaveTheLinesPortAndForwarderToTheCommandLine(@TempDir Path dir) throws Exception {
        Path serial = dir.resolve("serial.yaml");
        Files.writeString(serial, "devices: {count: 3}\nlink: {kind: serial, baud: 115200}\n");
        Path xbee = dir.resolve("xbee.yaml");
        Files.writeString(xbee, "link: {kind: xbee, api-mode: 1}\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        // Complete with the flags: the scenario is accepted, and the fleet fails on the missing port itself.
        assertThat(fleet(List.of("fleet", "--scenario", serial.toString(), "--serial", "/tmp/sngate-no-such-line",
                "--forwarder", "--duration", "1", "--plain"), err)).as(err.toString(StandardCharsets.UTF_8))
                .isEqualTo(Main.EXIT_FAILURE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("/tmp/sngate-no-such-line")
                .doesNotContain("link.port");
        err.reset();
        assertThat(fleet(List.of("fleet", "--scenario", xbee.toString(), "--xbee", "/tmp/sngate-no-such-radio",
                "--duration", "1", "--plain"), err)).as(err.toString(StandardCharsets.UTF_8))
                .isEqualTo(Main.EXIT_FAILURE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("/tmp/sngate-no-such-radio");

        // Still incomplete after the flags: refused, naming the key.
        err.reset();
        assertThat(fleet(List.of("fleet", "--scenario", serial.toString()), err)).isEqualTo(Main.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("link.port: is required for kind serial");
        err.reset();
        assertThat(fleet(List.of("fleet", "--scenario", serial.toString(), "--serial", "/tmp/x"), err))
                .isEqualTo(Main.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("link.forwarder: must be true (--forwarder)");
        assertThat(Scenario.read(serial).link().port()).isEmpty();
        assertThatThrownBy(() -> Scenario.load(serial)).hasMessageStartingWith("link.port: is required");
    }

    @Test
    void aPortThatDoesNotExistStopsTheFleetNamingIt() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(fleet(List.of("fleet", "--xbee", "/tmp/sngate-no-such-radio", "--duration", "1", "--plain"), err))
                .isEqualTo(Main.EXIT_FAILURE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("/tmp/sngate-no-such-radio");
    }
}
