package io.sngate.bridge;

import java.util.HashMap;
import java.util.Map;

/**
 * Decides which WARN lines are written: at most one per key per interval, telling how many were
 * held back since the last one. Time comes from the caller, so the core stays clock-free.
 * Not thread-safe: one owner thread.
 */
final class WarnLimiter {

    /** Whether to log now, and how many were suppressed before this one. */
    record Verdict(boolean log, long suppressed) {
    }

    private static final Verdict SUPPRESSED = new Verdict(false, 0);

    private final long intervalMillis;
    private final Map<String, long[]> windows = new HashMap<>();

    WarnLimiter(long intervalMillis) {
        this.intervalMillis = intervalMillis;
    }

    /** {@code key} names a kind of problem; there are few kinds, so the map stays small. */
    Verdict check(String key, long now) {
        long[] window = windows.get(key);
        if (window == null) {
            windows.put(key, new long[] {now, 0});
            return new Verdict(true, 0);
        }
        if (now - window[0] >= intervalMillis) {
            long suppressed = window[1];
            window[0] = now;
            window[1] = 0;
            return new Verdict(true, suppressed);
        }
        window[1]++;
        return SUPPRESSED;
    }
}
