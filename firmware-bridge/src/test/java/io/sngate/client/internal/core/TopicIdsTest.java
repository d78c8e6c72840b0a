package io.sngate.client.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The client's table of normal topic ids, by name and by id. */
class TopicIdsTest {

    private final TopicIds topics = new TopicIds();

    @Test
    void anIdIsKnownBothWays() {
        topics.remember("a/b", 7);

        assertThat(topics.id("a/b")).isEqualTo(7);
        assertThat(topics.knows("a/b")).isTrue();
        assertThat(topics.name(7)).isEqualTo("a/b");
        assertThat(topics.id("c/d")).isNull();
        assertThat(topics.knows("c/d")).isFalse();
        assertThat(topics.name(8)).isNull();
    }

    @Test
    void aNewIdForANameWithdrawsTheOldOne() {
        topics.remember("a/b", 7);
        topics.remember("a/b", 9);

        assertThat(topics.id("a/b")).isEqualTo(9);
        assertThat(topics.name(9)).isEqualTo("a/b");
        assertThat(topics.name(7)).isNull();
    }

    @Test
    void theSameIdAgainChangesNothing() {
        topics.remember("a/b", 7);
        topics.remember("a/b", 7);

        assertThat(topics.id("a/b")).isEqualTo(7);
        assertThat(topics.name(7)).isEqualTo("a/b");
    }

    @Test
    void forgettingAnIdForgetsItsNameToo() {
        topics.remember("a/b", 7);
        topics.remember("c/d", 8);

        topics.forget(7);
        topics.forget(99); // not known: nothing happens

        assertThat(topics.knows("a/b")).isFalse();
        assertThat(topics.name(7)).isNull();
        assertThat(topics.id("c/d")).isEqualTo(8);
    }

    @Test
    void clearingForgetsEverything() {
        topics.remember("a/b", 7);
        topics.remember("c/d", 8);

        topics.clear();

        assertThat(topics.knows("a/b")).isFalse();
        assertThat(topics.knows("c/d")).isFalse();
        assertThat(topics.name(8)).isNull();
    }
}
