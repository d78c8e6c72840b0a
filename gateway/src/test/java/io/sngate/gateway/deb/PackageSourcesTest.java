package io.sngate.gateway.deb;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.hw.config.ConfigLoader;
import io.sngate.hw.config.GatewayConfig;
import io.sngate.hw.config.GatewaySettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Debian package's sources under {@code src/deb} against the code they describe: the packaged
 * configuration is the gateway's own example with one documented change, and the gateway accepts it
 * (it refuses unknown keys); the unit's JVM profile is the one docs/benchmarks.md measured.
 */
class PackageSourcesTest {

    static final Path PACKAGED_YAML = Path.of("src/deb/etc/sngate.yaml");
    static final Path GATEWAY_UNIT = Path.of("src/deb/systemd/sngate.service");
    static final String DATA_DIR_DEFAULT = "  embedded-data-dir: \"\"\n";
    static final String DATA_DIR_PACKAGED = "  embedded-data-dir: \"/var/lib/sngate/broker\"\n";
    /** The admin server's port, after its doc line (dtls has a "port: 0" too). */
    static final String ADMIN_PORT_DEFAULT = "0: no admin server\n  port: 0\n";
    static final String ADMIN_PORT_PACKAGED = "0: no admin server\n  port: 8080\n";

    @Test
    void packagedConfigIsTheExampleConfigWithTheBrokerDataInVarLib() throws IOException {
        String packaged = Files.readString(PACKAGED_YAML, StandardCharsets.UTF_8);
        // The file's own words before the first section and after the example's last line.
        int start = packaged.indexOf("\nudp:\n") + 1;
        String example = GatewaySettings.exampleYaml();
        assertThat(example).as("the example config names the data dir key with its default").contains(DATA_DIR_DEFAULT);
        assertThat(example).as("the example config has the admin port with its default").contains(ADMIN_PORT_DEFAULT);
        // Installed, the broker keeps its data, and the admin server listens on 127.0.0.1:8080.
        String expected = example.replace(DATA_DIR_DEFAULT, DATA_DIR_PACKAGED).replace(ADMIN_PORT_DEFAULT,
                ADMIN_PORT_PACKAGED);
        assertThat(start).as("a udp: section in " + PACKAGED_YAML).isPositive();
        String body = packaged.substring(start, Math.min(packaged.length(), start + expected.length()));
        if (!body.equals(expected)) {
            Path fresh = Path.of("target/sngate.yaml.expected-body");
            Files.writeString(fresh, expected, StandardCharsets.UTF_8);
            assertThat(body).as(PACKAGED_YAML + " no longer matches --example-config: replace the part from 'udp:' "
                    + "to the end of the commented gpio section with " + fresh + " (written by this test)")
                    .isEqualTo(expected);
        }
        String tail = packaged.substring(start + expected.length());
        assertThat(tail.lines().filter(line -> !line.isBlank()))
                .as("after the example: comments only")
                .allMatch(line -> line.startsWith("#"));
    }

    @Test
    void gatewayAcceptsThePackagedConfig() throws Exception {
        GatewayConfig config = ConfigLoader.fromArgs(List.of("--config", PACKAGED_YAML.toString()), java.util.Map.of());
        assertThat(config.get(GatewaySettings.EMBEDDED_DATA_DIR)).isEqualTo("/var/lib/sngate/broker");
        assertThat(config.get(GatewaySettings.BROKER_URI)).as("the embedded broker").isEmpty();
        assertThat(config.get(GatewaySettings.ADMIN_PORT)).isEqualTo(8080);
        assertThat(config.get(GatewaySettings.ADMIN_BIND)).isEqualTo("127.0.0.1");
    }

    @Test
    void unitRunsTheJvmProfileThatWasMeasured() throws IOException {
        String unit = Files.readString(GATEWAY_UNIT, StandardCharsets.UTF_8);
        String options = unit.lines().filter(line -> line.startsWith("Environment=\"SNGATE_JAVA_OPTS="))
                .map(line -> line.substring("Environment=\"SNGATE_JAVA_OPTS=".length(), line.length() - 1))
                .findFirst().orElseThrow(() -> new AssertionError("no SNGATE_JAVA_OPTS in " + GATEWAY_UNIT));
        assertThat(options).contains("-Xmx", "-XX:+UseSerialGC");
        assertThat(Files.readString(Path.of("../docs/benchmarks.md"), StandardCharsets.UTF_8))
                .as("docs/benchmarks.md records the profile the unit uses")
                .contains(options);
        assertThat(unit).contains("ExecStart=/usr/bin/java $SNGATE_JAVA_OPTS -jar /usr/share/sngate/sngate-gateway.jar");
    }
}
