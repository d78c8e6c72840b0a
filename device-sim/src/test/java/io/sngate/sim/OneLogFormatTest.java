package io.sngate.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The gateway, the bridge and the simulator each ship a logback.xml (each jar has its own, read
 * from its root): one backend, and the same line format on stderr, so one grep or log shipper
 * reads all three. Maven runs this test from device-sim's folder; the others are its siblings.
 */
class OneLogFormatTest {

    private static final Pattern PATTERN = Pattern.compile("<pattern>([^<]+)</pattern>");
    private static final Pattern TARGET = Pattern.compile("<target>([^<]+)</target>");

    @Test
    void theGatewayTheBridgeAndTheSimulatorLogTheSameLinesToStderr() throws Exception {
        Map<String, Path> configs = new LinkedHashMap<>();
        configs.put("gateway", Path.of("../gateway/src/main/resources/logback.xml"));
        configs.put("bridge", Path.of("../firmware-bridge/src/main/resources/logback.xml"));
        configs.put("simulator", Path.of("src/main/resources/logback.xml"));
        Map<String, String> patterns = new LinkedHashMap<>();
        for (Map.Entry<String, Path> config : configs.entrySet()) {
            String xml = Files.readString(config.getValue());
            assertThat(only(TARGET, xml)).as("%s logs to", config.getKey()).isEqualTo("System.err");
            patterns.put(config.getKey(), only(PATTERN, xml));
        }
        assertThat(patterns.values()).as("the line pattern of each: %s", patterns).containsOnly(
                "%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n");
    }

    private static String only(Pattern pattern, String xml) {
        Matcher m = pattern.matcher(xml);
        assertThat(m.find()).as("%s in %s", pattern, xml).isTrue();
        String value = m.group(1);
        assertThat(m.find()).as("one %s only", pattern).isFalse();
        return value;
    }
}
