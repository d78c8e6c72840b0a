package io.sngate.bridge;

/**
 * What happened to one XBee radio after the bridge's start.
 *
 * @param portLost how often its serial port went away
 * @param passed   checks it passed after its port came back (forwarding resumed each time)
 * @param failed   checks it failed after its port came back (each asked again after a backoff)
 */
public record RadioRechecks(long portLost, long passed, long failed) {

    public String describe() {
        return "port-lost=" + portLost + " rechecks-passed=" + passed + " rechecks-failed=" + failed;
    }
}
