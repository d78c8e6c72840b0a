package io.sngate.client.gpio;

import java.util.Optional;

/**
 * Turns a bouncing digital input into clean changes, without clocks or threads: the caller
 * reports each edge with the time and asks again at {@link #deadline()}. A level counts once it
 * has held for the debounce time with no edge in between; a bounce that returns to the
 * reported level reports nothing.
 */
final class Debouncer {

    private final long debounceMillis;
    private boolean reported;
    private boolean level;
    private long lastEdgeAt;
    private boolean settling;

    /** @param initial the level taken as already reported (the input's state at start) */
    public Debouncer(long debounceMillis, boolean initial) {
        if (debounceMillis < 0) {
            throw new IllegalArgumentException("debounce must not be negative: " + debounceMillis);
        }
        this.debounceMillis = debounceMillis;
        this.reported = initial;
        this.level = initial;
    }

    /** The input is now at {@code high}; returns when to call {@link #onTimer}. */
    public long onEdge(boolean high, long now) {
        level = high;
        lastEdgeAt = now;
        settling = true;
        return deadline();
    }

    /** When the current level will have held long enough; {@link Long#MAX_VALUE} when nothing is settling. */
    public long deadline() {
        return settling ? lastEdgeAt + debounceMillis : Long.MAX_VALUE;
    }

    /** The new level if it has settled by {@code now} and differs from the last one reported. */
    public Optional<Boolean> onTimer(long now) {
        if (!settling || now < deadline()) {
            return Optional.empty();
        }
        settling = false;
        if (level == reported) {
            return Optional.empty();
        }
        reported = level;
        return Optional.of(level);
    }

    /** The last level reported (or the initial one). */
    public boolean reported() {
        return reported;
    }
}
