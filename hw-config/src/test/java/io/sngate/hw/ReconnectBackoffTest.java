package io.sngate.hw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReconnectBackoffTest {

    @Test
    void withoutJitterTheDelayDoublesUpToTheCap() {
        ReconnectBackoff b = new ReconnectBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 0, new Random(1));
        assertThat(new long[] {b.delayMillis(0), b.delayMillis(1), b.delayMillis(2), b.delayMillis(3),
            b.delayMillis(4), b.delayMillis(60), b.delayMillis(Integer.MAX_VALUE)})
                .containsExactly(100, 200, 400, 800, 1000, 1000, 1000);
    }

    @Test
    void jitterStaysWithinItsFractionAndUnderTheCap() {
        ReconnectBackoff b = new ReconnectBackoff(Duration.ofMillis(1000), Duration.ofSeconds(8), 0.25, new Random(3));
        for (int i = 0; i < 1000; i++) {
            assertThat(b.delayMillis(0)).isBetween(750L, 1250L);
            assertThat(b.delayMillis(10)).isBetween(6000L, 8000L);
        }
    }

    @Test
    void aSeededRandomGivesTheSameDelays() {
        long[] first = new long[20];
        long[] second = new long[20];
        ReconnectBackoff a = new ReconnectBackoff(Duration.ofMillis(50), Duration.ofSeconds(5), 0.5, new Random(99));
        ReconnectBackoff b = new ReconnectBackoff(Duration.ofMillis(50), Duration.ofSeconds(5), 0.5, new Random(99));
        for (int i = 0; i < 20; i++) {
            first[i] = a.delayMillis(i);
            second[i] = b.delayMillis(i);
        }
        assertThat(first).containsExactly(second);
    }

    @Test
    void nonsenseIsRejected() {
        assertThatThrownBy(() -> new ReconnectBackoff(Duration.ZERO, Duration.ofSeconds(1), 0, new Random()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 0, new Random()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReconnectBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 1.5, new Random()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
