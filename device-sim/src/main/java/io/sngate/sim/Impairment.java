package io.sngate.sim;

/**
 * What a simulated link does to packets, in both directions: loss, duplication, reordering
 * and added latency. All draws come from a seeded random, so a run is reproducible.
 *
 * @param lossPercent      chance a packet disappears
 * @param duplicatePercent chance a packet arrives twice
 * @param reorderPercent   chance a packet is held back by an extra delay, so later ones overtake it
 * @param latencyMillis    added one-way delay
 * @param jitterMillis     up to this much more delay, uniformly
 */
record Impairment(double lossPercent, double duplicatePercent, double reorderPercent, long latencyMillis,
                  long jitterMillis) {

    static final Impairment NONE = new Impairment(0, 0, 0, 0, 0);

    Impairment {
        check("loss-percent", lossPercent);
        check("duplicate-percent", duplicatePercent);
        check("reorder-percent", reorderPercent);
        if (latencyMillis < 0 || jitterMillis < 0) {
            throw new IllegalArgumentException("latency and jitter must be >= 0");
        }
    }

    private static void check(String name, double percent) {
        if (!(percent >= 0 && percent <= 100)) {
            throw new IllegalArgumentException(name + " must be from 0 to 100, not " + percent);
        }
    }

    boolean isNone() {
        return equals(NONE);
    }
}
