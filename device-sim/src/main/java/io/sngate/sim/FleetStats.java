package io.sngate.sim;

import java.util.concurrent.atomic.AtomicLong;

/** Running totals of a fleet, updated from the device runtimes, read by the display. */
final class FleetStats {
    final AtomicLong devicesUp = new AtomicLong();
    final AtomicLong connects = new AtomicLong();
    final AtomicLong connectFailures = new AtomicLong();
    final AtomicLong lost = new AtomicLong();
    final AtomicLong published = new AtomicLong();
    final AtomicLong acknowledged = new AtomicLong();
    /** Failed because the gateway was lost or congested; the reading is published again. */
    final AtomicLong publishFailures = new AtomicLong();
    /** Refused for good (e.g. an unknown topic id); the reading is dropped, not published again. */
    final AtomicLong publishRefused = new AtomicLong();
    final AtomicLong subscribed = new AtomicLong();
    final AtomicLong subscribeFailures = new AtomicLong();
    final AtomicLong received = new AtomicLong();
    /** Received during a wake poll: held by the gateway while the device slept. */
    final AtomicLong receivedOnWake = new AtomicLong();
    final AtomicLong sleeps = new AtomicLong();
    final AtomicLong wakes = new AtomicLong();
    /** QoS -1 devices that never connect. */
    final AtomicLong connectionless = new AtomicLong();
    final ImpairedLink.Stats link = new ImpairedLink.Stats();
    /** Why the latest refused publish was refused, for the summary; null while none was. */
    volatile String lastRefusal;

    long errors() {
        return connectFailures.get() + publishFailures.get() + publishRefused.get() + subscribeFailures.get();
    }
}
