package io.sngate.sim.bench;

import java.util.List;

/**
 * The bench's own limit: how fast its device side can put PUBLISH datagrams on UDP
 * ({@code generateRate}) and how many msgs/s its MQTT publishers get through the broker to
 * its subscribers ({@code broker}). A gateway figure near the lower of the two says more
 * about the bench than about the gateway.
 */
record Ceiling(double generateRate, RunResult broker, List<String> problems) {

    double limit() {
        return Math.min(generateRate, broker.receivedRate());
    }

    /** Whether a result at {@code rate} msgs/s is within 10% of the limit. */
    boolean bounds(double rate) {
        return rate >= 0.9 * limit();
    }
}
