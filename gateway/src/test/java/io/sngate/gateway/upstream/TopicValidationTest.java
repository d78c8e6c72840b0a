package io.sngate.gateway.upstream;

import io.sngate.gateway.session.Topics;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TopicValidationTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "a/b", "/", "a//b", "$SYS/x", "sensors/t\u00e9mp", " "})
    void validTopicNames(String topic) {
        assertThat(Topics.isValidName(topic)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/+", "#", "a/#", "a+b", "nul\u0000"})
    void invalidTopicNames(String topic) {
        assertThat(Topics.isValidName(topic)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "#", "+", "a/#", "a/+/b", "+/+", "/#", "$share/g/a/#", "a//+"})
    void validFilters(String filter) {
        assertThat(Topics.isValidFilter(filter)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a#", "a/#/b", "a+", "a/b+", "+a", "##", "a/\u0000"})
    void invalidFilters(String filter) {
        assertThat(Topics.isValidFilter(filter)).isFalse();
    }
}
