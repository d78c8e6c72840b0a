package io.sngate.sim.bench;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * The counters of one measured run (or sweep step). Senders count a message once when they
 * hand it to a client ({@link #sent}); the receiving side counts it once when its
 * (client, sequence) is first seen ({@link #received}), and a second copy as a duplicate.
 * A message whose step was already reported is counted in {@link #late} only.
 */
final class StepStats {

    final int step;
    final double offeredRate;
    final LongAdder sent = new LongAdder();
    /** QoS 1/2 publishes the gateway (or broker, for the ceiling) acknowledged. */
    final LongAdder acknowledged = new LongAdder();
    /** QoS 1/2 publishes that ended without success (rejected, or no answer after the retries). */
    final LongAdder failed = new LongAdder();
    final LongAdder duplicates = new LongAdder();
    /** First copies that arrived after the step was reported: not in its figures. */
    final LongAdder late = new LongAdder();
    /** PUBLISH packets sent again (DUP) by the clients' retransmission timers. */
    final LongAdder retransmitted = new LongAdder();
    /** Packets the sending socket refused (buffer full, port unreachable). */
    final LongAdder sendErrors = new LongAdder();
    /** Latency from the send stamp to arrival at a subscriber, microseconds; guarded by this. */
    private final Histogram latencyMicros = new Histogram(3);
    private long received;
    private boolean closed;
    /** Longest the open-loop pacer fell behind its schedule, nanoseconds. */
    final AtomicLong maxPacerLagNanos = new AtomicLong();
    final AtomicReference<String> lastFailure = new AtomicReference<>();

    StepStats(int step, double offeredRate) {
        this.step = step;
        this.offeredRate = offeredRate;
    }

    void pacerLag(long nanos) {
        maxPacerLagNanos.accumulateAndGet(nanos, Math::max);
    }

    /** A first copy arrived; false (and counted late) once the step is closed. */
    synchronized boolean arrived(long latencyMicros) {
        if (closed) {
            late.increment();
            return false;
        }
        received++;
        this.latencyMicros.recordValue(latencyMicros);
        return true;
    }

    synchronized long received() {
        return received;
    }

    /** A copy of the latency histogram as it is now (its total count is {@link #received()}). */
    synchronized Histogram latencySnapshot() {
        return latencyMicros.copy();
    }

    /** Stops counting arrivals for this step: later first copies count as {@link #late}. */
    synchronized void close() {
        closed = true;
    }
}
