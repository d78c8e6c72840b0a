package io.sngate.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TopicsTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "a/b", "/", "a//b", "$SYS/x", "sensors/t\u00e9mp", " "})
    void validTopicNames(String topic) {
        assertThat(Topics.isValidTopicName(topic)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/+", "#", "a/#", "a+b", "nul\u0000"})
    void invalidTopicNames(String topic) {
        assertThat(Topics.isValidTopicName(topic)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "#", "+", "a/#", "a/+/b", "+/+", "/#", "$share/g/a/#", "a//+"})
    void validFilters(String filter) {
        assertThat(Topics.isValidTopicFilter(filter)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a#", "a/#/b", "a+", "a/b+", "+a", "##", "a/\u0000"})
    void invalidFilters(String filter) {
        assertThat(Topics.isValidTopicFilter(filter)).isFalse();
    }
}
