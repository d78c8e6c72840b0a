package io.sngate.sim.bench;

import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * One measured run or sweep step, as reported: every count is of distinct messages.
 * {@code lost} is sent minus received, taken after the drain; a message that arrived after
 * that is {@code late} and in no other figure.
 */
record RunResult(String label, int step, double offeredRate, double durationSeconds, long sent, long acknowledged,
                 long failed, long received, long duplicates, long late, long retransmitted, long sendErrors,
                 long inFlightAtEnd, long pacerMaxLagMicros, Histogram latencyMicros, boolean toolBound,
                 List<String> notes) {

    long lost() {
        return sent - received;
    }

    double sentRate() {
        return durationSeconds > 0 ? sent / durationSeconds : 0;
    }

    double receivedRate() {
        return durationSeconds > 0 ? received / durationSeconds : 0;
    }

    /** Latency percentile in milliseconds, or NaN without samples. */
    double latencyMs(double percentile) {
        if (latencyMicros.getTotalCount() == 0) {
            return Double.NaN;
        }
        return latencyMicros.getValueAtPercentile(percentile) / 1000.0;
    }

    double maxLatencyMs() {
        return latencyMicros.getTotalCount() == 0 ? Double.NaN : latencyMicros.getMaxValue() / 1000.0;
    }

    boolean zeroLoss() {
        return sent > 0 && lost() == 0 && failed == 0;
    }

    /** The same result with the tool-bound flag and its note. */
    RunResult markedToolBound(double ceiling) {
        List<String> more = new ArrayList<>(notes);
        more.add(0, String.format(java.util.Locale.ROOT,
                "tool-bound: %.0f msgs/s received is within 10%% of the bench's ceiling %.0f msgs/s",
                receivedRate(), ceiling));
        return new RunResult(label, step, offeredRate, durationSeconds, sent, acknowledged, failed, received,
                duplicates, late, retransmitted, sendErrors, inFlightAtEnd, pacerMaxLagMicros, latencyMicros, true,
                List.copyOf(more));
    }
}
