package io.sngate.gateway;

import io.sngate.gateway.transport.LinkAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Packets per second per address, counted in one-second windows. Bounded: when more
 * addresses are tracked than the limit, the ones not heard in the current window are
 * forgotten. Shared by the transports' reading threads (the UDP loop, each serial line's and
 * radio's reader), hence synchronized: the lock is uncontended on a gateway with UDP only.
 */
final class FloodGuard {

    private final int maxPerSecond;
    private final int maxTracked;
    private final Map<LinkAddress, long[]> windows = new HashMap<>();

    FloodGuard(int maxPerSecond, int maxTracked) {
        this.maxPerSecond = maxPerSecond;
        this.maxTracked = maxTracked;
    }

    /** True when a packet from {@code address} at {@code nowMillis} is within the rate. */
    synchronized boolean allow(LinkAddress address, long nowMillis) {
        long second = nowMillis / 1000;
        long[] window = windows.get(address);
        if (window == null) {
            if (windows.size() >= maxTracked) {
                forgetStale(second);
                if (windows.size() >= maxTracked) {
                    return true; // more live addresses than we track: stay bounded, let it through
                }
            }
            window = new long[] {second, 0};
            windows.put(address, window);
        }
        if (window[0] != second) {
            window[0] = second;
            window[1] = 0;
        }
        return ++window[1] <= maxPerSecond;
    }

    private void forgetStale(long second) {
        for (Iterator<long[]> it = windows.values().iterator(); it.hasNext(); ) {
            if (it.next()[0] != second) {
                it.remove();
            }
        }
    }

    synchronized int tracked() {
        return windows.size();
    }
}
