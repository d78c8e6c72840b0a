package io.sngate.hw.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** log.level, log.format, broker.require and their flags: a yes/no flag alone turns its setting on. */
class OperatingSettingsTest {

    @Test
    void requireBrokerAloneTurnsItOnAndTakesAnExplicitValue() throws Exception {
        assertThat(ConfigLoader.fromArgs(List.of("--require-broker"), Map.of()).get(GatewaySettings.BROKER_REQUIRE))
                .isTrue();
        assertThat(ConfigLoader.fromArgs(List.of("--require-broker", "--port", "0"), Map.of())
                .get(GatewaySettings.BROKER_REQUIRE)).isTrue();
        assertThat(ConfigLoader.fromArgs(List.of("--require-broker=false"), Map.of())
                .get(GatewaySettings.BROKER_REQUIRE)).isFalse();
        assertThat(ConfigLoader.fromArgs(List.of(), Map.of()).get(GatewaySettings.BROKER_REQUIRE)).isFalse();
    }

    @Test
    void logLevelAndFormatComeFromFlagsOrYaml(@TempDir Path dir) throws Exception {
        GatewayConfig flags = ConfigLoader.fromArgs(List.of("--log-level", "DEBUG", "--log-format", "json"), Map.of());
        assertThat(flags.get(GatewaySettings.LOG_LEVEL)).isEqualTo("debug");
        assertThat(flags.get(GatewaySettings.LOG_FORMAT)).isEqualTo(LogFormat.JSON);

        Path yaml = Files.writeString(dir.resolve("log.yaml"), "log:\n  level: warn\n  format: text\n"
                + "broker:\n  require: true\n  require-timeout-seconds: 2.5\n", StandardCharsets.UTF_8);
        GatewayConfig file = ConfigLoader.fromYaml(yaml, Map.of());
        assertThat(file.get(GatewaySettings.LOG_LEVEL)).isEqualTo("warn");
        assertThat(file.get(GatewaySettings.LOG_FORMAT)).isEqualTo(LogFormat.TEXT);
        assertThat(file.get(GatewaySettings.BROKER_REQUIRE)).isTrue();
        assertThat(file.get(GatewaySettings.BROKER_REQUIRE_TIMEOUT)).isEqualTo(2.5);
        assertThat(ConfigLoader.defaults().get(GatewaySettings.LOG_LEVEL)).as("left to SNGATE_LOG_LEVEL").isEmpty();
    }

    @Test
    void badValuesNameTheKeyAndTheReason(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> ConfigLoader.fromArgs(List.of("--log-level", "loud"), Map.of()))
                .isInstanceOf(ConfigError.class).hasMessageContaining("--log-level (log.level)")
                .hasMessageContaining("error|warn|info|debug|trace").hasMessageContaining("'loud'");
        Path yaml = Files.writeString(dir.resolve("bad.yaml"), "log:\n  format: xml\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ConfigLoader.fromYaml(yaml, Map.of()))
                .isInstanceOf(ConfigError.class).hasMessageContaining("log.format").hasMessageContaining("text|json");
        Path timeout = Files.writeString(dir.resolve("timeout.yaml"), "broker:\n  require-timeout-seconds: 0\n",
                StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ConfigLoader.fromYaml(timeout, Map.of()))
                .isInstanceOf(ConfigError.class).hasMessageContaining("broker.require-timeout-seconds");
    }
}
