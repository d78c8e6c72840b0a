package io.sngate.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** sub -T's filters match as an MQTT broker's do. */
class TopicFilterTest {

    @Test
    void wildcards() {
        assertThat(new TopicFilter("a/b").matches("a/b")).isTrue();
        assertThat(new TopicFilter("a/b").matches("a/b/c")).isFalse();
        assertThat(new TopicFilter("a/+/c").matches("a/x/c")).isTrue();
        assertThat(new TopicFilter("a/+/c").matches("a/x/y/c")).isFalse();
        assertThat(new TopicFilter("a/+").matches("a/")).isTrue();
        assertThat(new TopicFilter("a/#").matches("a")).isTrue();
        assertThat(new TopicFilter("a/#").matches("a/b/c")).isTrue();
        assertThat(new TopicFilter("a/#").matches("ab")).isFalse();
        assertThat(new TopicFilter("#").matches("anything/at/all")).isTrue();
        assertThat(new TopicFilter("#").matches("$SYS/broker")).isFalse();
        assertThat(new TopicFilter("+/broker").matches("$SYS/broker")).isFalse();
        assertThat(new TopicFilter("$SYS/#").matches("$SYS/broker")).isTrue();
    }

    @Test
    void aFilterThatNoBrokerTakesIsRefused() {
        assertThatThrownBy(() -> new TopicFilter("a/#/b")).hasMessage("'#' must be a whole level and the last one: a/#/b");
        assertThatThrownBy(() -> new TopicFilter("a/b#")).hasMessageStartingWith("'#' must be a whole level");
        assertThatThrownBy(() -> new TopicFilter("a/b+")).hasMessage("'+' must be a whole level: a/b+");
        assertThatThrownBy(() -> new TopicFilter("")).hasMessage("a topic filter must not be empty");
    }
}
