package io.sngate.hw.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path yaml(String text) throws IOException {
        Path file = dir.resolve("sngate.yaml");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void aBareStartUsesTheDefaults() throws ConfigError {
        GatewayConfig config = ConfigLoader.fromArgs(List.of());
        assertThat(config.get(GatewaySettings.UDP_PORT)).isEqualTo(1883);
        assertThat(config.get(GatewaySettings.MODE)).isEqualTo(GatewayMode.TRANSPARENT);
        assertThat(config.broker()).isEmpty();
        assertThat(config.predefinedTopics()).isEmpty();
    }

    @Test
    void yamlOverridesDefaultsAndFlagsOverrideYaml() throws Exception {
        Path file = yaml("""
                udp:
                  port: 2000
                mode: aggregating
                gateway:
                  id: 7
                timers:
                  retry-seconds: 0.5
                """);
        GatewayConfig config = ConfigLoader.fromArgs(List.of("--config", file.toString(), "--port", "3000"));
        assertThat(config.get(GatewaySettings.UDP_PORT)).isEqualTo(3000);
        assertThat(config.get(GatewaySettings.MODE)).isEqualTo(GatewayMode.AGGREGATING);
        assertThat(config.get(GatewaySettings.GATEWAY_ID)).isEqualTo(7);
        assertThat(config.get(GatewaySettings.RETRY_SECONDS)).isEqualTo(0.5);
    }

    @Test
    void everyFlagOfTheCommandLineIsKnown() throws Exception {
        Path predefined = dir.resolve("predefined.txt");
        Files.writeString(predefined, "1,sensors/temp\n");
        GatewayConfig config = ConfigLoader.fromArgs(List.of("--port=1999", "--broker", "tcp://127.0.0.1:1884",
                "--mode", "transparent", "--predefined", predefined.toString(), "--gateway-id", "3",
                "--advertise", "60"));
        assertThat(config.broker()).contains(new GatewayConfig.BrokerAddress("127.0.0.1", 1884));
        assertThat(config.predefinedTopics()).containsEntry(1, "sensors/temp");
        assertThat(config.get(GatewaySettings.ADVERTISE_SECONDS)).isEqualTo(60);
        assertThat(config.get(GatewaySettings.GATEWAY_ID)).isEqualTo(3);
    }

    @Test
    void anUnknownKeyIsNamedWithASuggestion() throws Exception {
        Path file = yaml("udp:\n  prot: 1883\n");
        assertThatThrownBy(() -> ConfigLoader.fromArgs(List.of("--config", file.toString())))
                .isInstanceOf(ConfigError.class)
                .hasMessage("udp.prot: unknown key (did you mean 'udp.port'?)");
    }

    @Test
    void aValueOfTheWrongTypeNamesTheKeyAndTheReason() throws Exception {
        Path file = yaml("udp:\n  port: seventy\n");
        assertThatThrownBy(() -> ConfigLoader.fromYaml(file))
                .isInstanceOf(ConfigError.class)
                .satisfies(e -> assertThat(((ConfigError) e).key()).isEqualTo("udp.port"))
                .hasMessageContaining("must be an integer from 0 to 65535, not 'seventy'");
    }

    @Test
    void aValueOutOfRangeNamesTheFlag() {
        assertThatThrownBy(() -> ConfigLoader.fromArgs(List.of("--port", "70000")))
                .isInstanceOf(ConfigError.class)
                .hasMessage("--port (udp.port): must be from 0 to 65535, not 70000");
        assertThatThrownBy(() -> ConfigLoader.fromArgs(List.of("--mode", "bridging")))
                .hasMessage("--mode (mode): must be one of transparent|aggregating, not 'bridging'");
    }

    @Test
    void unknownFlagsAndMissingValuesAreNamed() {
        assertThatThrownBy(() -> ConfigLoader.fromArgs(List.of("--prot", "1")))
                .hasMessage("--prot: unknown option");
        assertThatThrownBy(() -> ConfigLoader.fromArgs(List.of("--port")))
                .hasMessage("--port: needs a value");
        assertThatThrownBy(() -> ConfigLoader.fromArgs(List.of("1883")))
                .hasMessageStartingWith("1883: unexpected argument");
    }

    @Test
    void aSectionWhereAValueBelongsIsAnError() throws Exception {
        Path file = yaml("mode:\n  kind: transparent\n");
        assertThatThrownBy(() -> ConfigLoader.fromYaml(file)).hasMessage("mode: must be a single value, not a section");
    }

    @Test
    void brokenYamlAndMissingFilesAreNamed() throws Exception {
        Path file = yaml("udp: [port\n");
        assertThatThrownBy(() -> ConfigLoader.fromYaml(file)).hasMessageContaining("is not valid YAML");
        assertThatThrownBy(() -> ConfigLoader.fromArgs(List.of("--config", dir.resolve("nope.yaml").toString())))
                .hasMessageStartingWith("--config: cannot read");
        Path list = yaml("- a\n- b\n");
        assertThatThrownBy(() -> ConfigLoader.fromYaml(list)).hasMessageContaining("must hold a mapping");
    }

    @Test
    void anEmptyFileMeansDefaults() throws Exception {
        assertThat(ConfigLoader.fromYaml(yaml("")).get(GatewaySettings.UDP_PORT)).isEqualTo(1883);
    }

    @Test
    void duplicateKeysAreRefused() throws Exception {
        Path file = yaml("mode: transparent\nmode: aggregating\n");
        assertThatThrownBy(() -> ConfigLoader.fromYaml(file)).hasMessageContaining("duplicate key");
    }

    @Test
    void brokerUrisAreChecked() throws ConfigError {
        assertThat(ConfigLoader.fromArgs(List.of("--broker", "tcp://[::1]:1885")).broker())
                .contains(new GatewayConfig.BrokerAddress("::1", 1885));
        assertThat(ConfigLoader.fromArgs(List.of("--broker", "tcp://broker.local")).broker().orElseThrow().port())
                .isEqualTo(1883);
        assertThatThrownBy(() -> ConfigLoader.fromArgs(List.of("--broker", "ssl://x:8883")))
                .hasMessageStartingWith("broker.uri: 'ssl://x:8883' must start with tcp://");
        assertThatThrownBy(() -> ConfigLoader.fromArgs(List.of("--broker", "tcp://")))
                .hasMessageStartingWith("broker.uri:");
    }

    @Test
    void theReadmeExampleIsTheDefaults() throws Exception {
        String example = GatewaySettings.exampleYaml();
        GatewayConfig parsed = ConfigLoader.fromYaml(yaml(example));
        for (Setting<?> setting : GatewaySettings.ALL.values()) {
            assertThat((Object) parsed.get(setting)).as(setting.path()).isEqualTo(setting.defaultValue());
            assertThat(example).contains(setting.doc());
        }
    }

    @Test
    void theReadmeShowsTheGeneratedExample() throws IOException {
        Path readme = Path.of("..", "README.md");
        assertThat(Files.readString(readme)).contains(GatewaySettings.exampleYaml());
    }

    @Test
    void withoutADevicesFileNobodyIsListedAndEverythingIsAllowed() throws ConfigError {
        GatewayConfig config = ConfigLoader.fromArgs(List.of());
        assertThat(config.devices()).isSameAs(io.sngate.hw.config.devices.DevicesFile.EMPTY);
        assertThat(config.perClientPredefinedTopics()).isEmpty();
    }

    @Test
    void theDevicesFileIsLoadedAtStart() throws Exception {
        Path devices = dir.resolve("devices.yaml");
        Files.writeString(devices, "devices:\n  - client-id: sensor-1\n    publish: [\"plant/%c/#\"]\n");
        GatewayConfig config = ConfigLoader.fromYaml(yaml("devices:\n  file: " + devices + "\n  require-listed: true\n"));
        assertThat(config.devices().listed("sensor-1")).isTrue();
        assertThat(config.devices().entryFor("sensor-1").mayPublish("sensor-1", "plant/sensor-1/t")).isTrue();
        assertThat(config.get(GatewaySettings.DEVICES_REQUIRE_LISTED)).isTrue();
        // Carried along when hardware or one value changes.
        assertThat(config.withHardware(HardwareConfig.NONE).devices().listed("sensor-1")).isTrue();
        assertThat(config.with(GatewaySettings.UDP_PORT, 2000).devices().listed("sensor-1")).isTrue();
    }

    @Test
    void aPahoClientListWorksAsTheDevicesFile() throws Exception {
        Path clients = dir.resolve("clients.conf");
        Files.writeString(clients, "Client01,192.0.2.6:12001\n");
        GatewayConfig config = ConfigLoader.fromYaml(yaml("devices:\n  file: " + clients + "\n"));
        assertThat(config.devices().entryFor("Client01").pinned()).isTrue();
    }

    @Test
    void aBadDevicesFileStopsTheStartWithFileLineAndReason() throws Exception {
        Path devices = dir.resolve("devices.yaml");
        Files.writeString(devices, "devices:\n  - client-id: a\n    addresses: [\"10.0.0.0/40\"]\n");
        assertThatThrownBy(() -> ConfigLoader.fromYaml(yaml("devices:\n  file: " + devices + "\n")))
                .isInstanceOf(ConfigError.class)
                .hasMessage("devices.file: " + devices + " line 3: devices[0].addresses[0]: "
                        + "the prefix length must be from 0 to 32, not 40");
        assertThatThrownBy(() -> ConfigLoader.fromYaml(yaml("devices:\n  file: " + dir.resolve("none.yaml") + "\n")))
                .hasMessage("devices.file: cannot read " + dir.resolve("none.yaml") + ": no such file");
    }

    @Test
    void requiringListedClientsNeedsAList() throws Exception {
        assertThatThrownBy(() -> ConfigLoader.fromYaml(yaml("devices:\n  require-listed: true\n")))
                .isInstanceOf(ConfigError.class)
                .hasMessage("devices.require-listed: is true but devices.file is not set, so no client could connect");
    }

    @Test
    void perClientPredefinedTopicsComeFromPahoLines() throws Exception {
        Path predefined = dir.resolve("predefinedTopic.conf");
        Files.writeString(predefined, "*,all/hello,1\nClient01,c1/data,2\n3,plain/line\n");
        GatewayConfig config = ConfigLoader.fromArgs(List.of("--predefined", predefined.toString()));
        assertThat(config.predefinedTopics()).containsOnly(java.util.Map.entry(1, "all/hello"), java.util.Map.entry(3, "plain/line"));
        assertThat(config.perClientPredefinedTopics()).containsOnlyKeys("Client01");
        assertThat(config.perClientPredefinedTopics().get("Client01")).containsOnly(java.util.Map.entry(2, "c1/data"));
    }
}
