package io.sngate.gateway;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WARN lines that cannot flood the log: at most one line per key per interval, with the
 * number of suppressed ones said in the next line. The counters still count every event.
 */
public final class WarnLimiter {

    private static final Logger LOG = LoggerFactory.getLogger("io.sngate.gateway.discard");

    private final long intervalMillis;
    private final LongSupplier clock;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    public WarnLimiter(long intervalMillis, LongSupplier clock) {
        this.intervalMillis = intervalMillis;
        this.clock = clock;
    }

    public void warn(String key, Supplier<String> message) {
        Window window = windows.computeIfAbsent(key, k -> new Window());
        long now = clock.getAsLong();
        long last = window.lastLogged.get();
        if (now - last >= intervalMillis && window.lastLogged.compareAndSet(last, now)) {
            long suppressed = window.suppressed.getAndSet(0);
            LOG.warn(suppressed == 0 ? message.get() : message.get() + " [+" + suppressed + " similar suppressed]");
        } else {
            window.suppressed.incrementAndGet();
        }
    }

    private static final class Window {
        final AtomicLong lastLogged = new AtomicLong(Long.MIN_VALUE / 2);
        final AtomicLong suppressed = new AtomicLong();
    }
}
