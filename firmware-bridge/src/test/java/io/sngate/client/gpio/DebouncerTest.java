package io.sngate.client.gpio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class DebouncerTest {

    private final Debouncer debouncer = new Debouncer(30, false);

    @Test
    void aLevelCountsOnceItHeldForTheDebounceTime() {
        assertThat(debouncer.onEdge(true, 100)).isEqualTo(130);
        assertThat(debouncer.onTimer(129)).isEmpty();
        assertThat(debouncer.onTimer(130)).contains(true);
        assertThat(debouncer.reported()).isTrue();
        assertThat(debouncer.deadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void bouncesPushTheDeadlineAndReportTheFinalLevelOnce() {
        debouncer.onEdge(true, 100);
        debouncer.onEdge(false, 105);
        assertThat(debouncer.onEdge(true, 110)).isEqualTo(140);
        assertThat(debouncer.onTimer(130)).as("the first deadline has passed, but not since the last edge").isEmpty();
        assertThat(debouncer.onTimer(140)).contains(true);
        assertThat(debouncer.onTimer(500)).isEmpty();
    }

    @Test
    void aBounceBackToTheReportedLevelReportsNothing() {
        debouncer.onEdge(true, 100);
        debouncer.onEdge(false, 104);
        assertThat(debouncer.onTimer(134)).isEqualTo(Optional.empty());
        assertThat(debouncer.reported()).isFalse();
    }

    @Test
    void zeroDebounceReportsAtTheEdge() {
        Debouncer immediate = new Debouncer(0, true);
        immediate.onEdge(false, 7);
        assertThat(immediate.onTimer(7)).contains(false);
        assertThatThrownBy(() -> new Debouncer(-1, true)).hasMessageContaining("negative");
    }
}
