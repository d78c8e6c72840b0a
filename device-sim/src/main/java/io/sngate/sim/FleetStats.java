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
    final AtomicLong publishFailures = new AtomicLong();
    final AtomicLong received = new AtomicLong();
    final AtomicLong sleeps = new AtomicLong();
    final AtomicLong wakes = new AtomicLong();
    final ImpairedLink.Stats link = new ImpairedLink.Stats();

    long errors() {
        return connectFailures.get() + publishFailures.get();
    }
}
