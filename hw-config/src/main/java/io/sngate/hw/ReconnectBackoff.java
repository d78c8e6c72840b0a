package io.sngate.hw;

import java.time.Duration;
import java.util.Objects;
import java.util.Random;

/**
 * Capped, jittered exponential backoff between reconnection attempts: attempt {@code n} (from 0)
 * waits {@code min(maxDelay, initialDelay * 2^n)}, scaled by a random factor in
 * {@code [1 - jitter, 1 + jitter]} and capped again at {@code maxDelay}. Jitter spreads the
 * reconnections of thousands of connections that lost the same broker (or serial ports the same USB hub) at the same moment. Shared by the upstream connections and the serial lines.
 *
 * @param random the source of jitter; give a seeded one for reproducible tests (a
 *        {@link Random} is safe to share between event loops)
 */
public record ReconnectBackoff(Duration initialDelay, Duration maxDelay, double jitter, Random random) {

    public ReconnectBackoff {
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        Objects.requireNonNull(random, "random");
        if (initialDelay.isNegative() || initialDelay.isZero()) {
            throw new IllegalArgumentException("initialDelay must be positive: " + initialDelay);
        }
        if (maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("maxDelay " + maxDelay + " < initialDelay " + initialDelay);
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("jitter must be within [0, 1]: " + jitter);
        }
    }

    /** 1 s doubling up to 60 s, 20 % jitter. */
    public static ReconnectBackoff defaults() {
        return new ReconnectBackoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 0.2, new Random());
    }

    /** The delay before reconnection attempt {@code attempt} (0 for the first), in milliseconds. */
    public long delayMillis(int attempt) {
        long initial = initialDelay.toMillis();
        long max = maxDelay.toMillis();
        int shift = Math.min(Math.max(attempt, 0), 40);
        long base = initial > (max >> shift) ? max : Math.min(max, initial << shift);
        double factor = 1 + jitter * (2 * random.nextDouble() - 1);
        long delay = Math.round(base * factor);
        return Math.max(1, Math.min(max, delay));
    }
}
