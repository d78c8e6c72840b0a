package io.sngate.sim;

import java.util.concurrent.TimeUnit;

/** When a tool's -W time is up, on the monotonic clock; {@link #NONE} never comes. */
final class Deadline {

    static final Deadline NONE = new Deadline(0, true);

    private final long atNanos;
    private final boolean never;

    private Deadline(long atNanos, boolean never) {
        this.atNanos = atNanos;
        this.never = never;
    }

    /** {@code seconds} from now; {@link #NONE} for 0. */
    static Deadline after(double seconds) {
        return seconds <= 0 ? NONE : new Deadline(System.nanoTime() + (long) (seconds * 1e9), false);
    }

    boolean passed() {
        return !never && System.nanoTime() - atNanos >= 0;
    }

    /** What is left, in nanoseconds; {@link Long#MAX_VALUE} for {@link #NONE}. */
    long remainingNanos() {
        return never ? Long.MAX_VALUE : Math.max(0, atNanos - System.nanoTime());
    }

    /** {@code nanos}, or less if the deadline comes first. */
    long cap(long nanos) {
        return Math.min(nanos, remainingNanos());
    }

    /** Sleeps {@code millis}, or until the deadline if that is sooner. */
    void sleep(long millis) throws InterruptedException {
        TimeUnit.NANOSECONDS.sleep(cap(TimeUnit.MILLISECONDS.toNanos(millis)));
    }
}
