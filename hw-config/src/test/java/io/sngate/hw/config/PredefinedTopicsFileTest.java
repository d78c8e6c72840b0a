package io.sngate.hw.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PredefinedTopicsFileTest {

    private static java.util.Map<Integer, String> parse(String... lines) throws ConfigError {
        return PredefinedTopicsFile.parse("predefined.file", "topics.txt", List.of(lines));
    }

    @Test
    void readsIdsAndTopicsSkippingCommentsAndBlanks() throws ConfigError {
        assertThat(parse("# the plant", "", "1, plant/temperature  # degrees", "2,plant/humidity"))
                .containsExactly(java.util.Map.entry(1, "plant/temperature"), java.util.Map.entry(2, "plant/humidity"));
    }

    @Test
    void errorsNameTheLine() {
        assertThatThrownBy(() -> parse("1,a", "oops")).hasMessage("predefined.file: topics.txt line 2: expected 'id,topic', got 'oops'");
        assertThatThrownBy(() -> parse("x,a")).hasMessageContaining("line 1: topic id 'x' is not a number");
        assertThatThrownBy(() -> parse("0,a")).hasMessageContaining("must be from 1 to 65534");
        assertThatThrownBy(() -> parse("65535,a")).hasMessageContaining("must be from 1 to 65534");
        assertThatThrownBy(() -> parse("1,a/+")).hasMessageContaining("is not a topic name");
        assertThatThrownBy(() -> parse("1,a", "1,b")).hasMessageContaining("line 2: topic id 1 is defined twice");
        assertThatThrownBy(() -> parse("1,a", "2,a")).hasMessageContaining("line 2: topic 'a' already has id 1");
    }
}
