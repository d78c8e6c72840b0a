package io.sngate.hw.config.devices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClientIdMatcherTest {

    @Test
    void anExactIdMatchesOnlyItselfCaseSensitively() {
        ClientIdMatcher exact = ClientIdMatcher.exact("sensor-1");
        assertThat(exact.matches("sensor-1")).isTrue();
        assertThat(exact.matches("Sensor-1")).isFalse();
        assertThat(exact.matches("sensor-10")).isFalse();
        assertThat(exact.matches(null)).isFalse();
        assertThat(exact.text()).isEqualTo("sensor-1");
    }

    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource(delimiter = '|', value = {
            "sensor-*   | sensor-1       | true",
            "sensor-*   | sensor-        | true", // '*' may be nothing
            "sensor-*   | sensor         | false",
            "sensor-*   | xsensor-1      | false",
            "*-meter    | kitchen-meter  | true",
            "*-meter    | kitchen-meterx | false",
            "s?n*r      | sensor         | true",
            "s?n*r      | snr            | false",
            "dev-??     | dev-12         | true",
            "dev-??     | dev-1          | false",
            "dev-??     | dev-123        | false",
            "*a*b*      | xxaxxbxx       | true",
            "*a*b*      | xxbxxaxx       | false",
            "*          | ''             | true",
            "?          | ''             | false",
            "dev-?      | dev-😀          | true", // one character, even outside the BMP
    })
    void patternsUseStarAndQuestionMark(String pattern, String clientId, boolean expected) {
        assertThat(ClientIdMatcher.pattern(pattern).matches(clientId)).isEqualTo(expected);
    }

    @Test
    void aHostileIdAgainstManyStarsEndsQuickly() {
        ClientIdMatcher pattern = ClientIdMatcher.pattern("*a*a*a*a*a*a*a*a*a*a*b");
        String id = "a".repeat(10_000);
        assertThat(pattern.matches(id)).isFalse(); // exponential matching would never return
    }

    @Test
    void aPatternNeedsAWildcardAndText() {
        assertThatThrownBy(() -> ClientIdMatcher.pattern("")).hasMessageContaining("cannot be empty");
        assertThatThrownBy(() -> ClientIdMatcher.pattern("sensor-1")).hasMessageContaining("has no '*' or '?'");
    }
}
