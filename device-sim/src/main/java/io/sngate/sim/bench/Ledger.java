package io.sngate.sim.bench;

import java.util.BitSet;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * What arrived at the broker side: every message is named by (client, sequence) and counted
 * once, whichever subscriber it reaches and however often. Thread-safe; each client's record
 * is locked on its own, and subscribers see disjoint sets of clients, so locks are uncontended.
 */
final class Ledger {

    private final BitSet[] seen;
    private final AtomicReferenceArray<StepStats> steps = new AtomicReferenceArray<>(256);
    /** Messages on the bench's topics that are not the bench's (wrong length, unknown step or client). */
    final LongAdder foreign = new LongAdder();

    /** @param clients client indexes 0 .. clients-1 are valid */
    Ledger(int clients) {
        if (clients < 1 || clients > Payload.MAX_CLIENTS) {
            throw new IllegalArgumentException("clients must be 1.." + Payload.MAX_CLIENTS);
        }
        seen = new BitSet[clients];
        for (int i = 0; i < clients; i++) {
            seen[i] = new BitSet();
        }
    }

    int clients() {
        return seen.length;
    }

    /** Starts counting a step; its id goes into every payload sent for it. */
    synchronized StepStats open(int step, double offeredRate) {
        if (steps.get(step) != null) {
            throw new IllegalStateException("step " + step + " already used");
        }
        StepStats stats = new StepStats(step, offeredRate);
        steps.set(step, stats);
        return stats;
    }

    StepStats step(int step) {
        return steps.get(step);
    }

    /** A message as the subscriber got it, with its arrival time. */
    void onReceived(byte[] payload, long arrivedNanos) {
        if (payload.length < Payload.HEADER) {
            foreign.increment();
            return;
        }
        StepStats stats = steps.get(Payload.step(payload));
        int client = Payload.client(payload);
        int seq = Payload.seq(payload);
        if (stats == null || client >= seen.length || seq < 0) {
            foreign.increment();
            return;
        }
        boolean first;
        BitSet bits = seen[client];
        synchronized (bits) {
            first = !bits.get(seq);
            if (first) {
                bits.set(seq);
            }
        }
        if (!first) {
            stats.duplicates.increment();
            return;
        }
        stats.arrived(Math.max(0, (arrivedNanos - Payload.sentNanos(payload)) / 1_000));
    }
}
