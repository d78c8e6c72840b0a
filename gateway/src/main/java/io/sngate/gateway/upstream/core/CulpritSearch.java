package io.sngate.gateway.upstream.core;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the request a broker keeps ending the connection over, so that it fails alone instead of
 * ending every connection for ever. A broker may end the connection over one packet (mosquitto
 * 2.0 answers a PUBLISH whose topic holds U+0001, U+007F or U+FFFF with DISCONNECT 0x81 and
 * closes; with more of our packets unread the close becomes a TCP reset, which can overtake the
 * DISCONNECT); re-sending every unanswered request after the reconnection, as MQTT asks, would
 * end the next connection the same way. So the way a connection ends is evidence against the
 * requests written on it and not answered:
 * <ul>
 * <li>A DISCONNECT whose reason code {@link ConnectionCycle#blamesAPacket blames a packet} makes
 * each of them a <em>suspect</em>; a close without DISCONNECT makes a request a suspect the second
 * time it happens to it (a broker restarting also just closes, and one must not slow anything).
 * <li>After a reconnection with suspects in flight the re-sends go <em>one at a time</em>, each
 * waiting for its answer, and nothing new (not even QoS 0) goes meanwhile.
 * <li>A request written alone this way is the culprit when the broker ends the connection for a
 * packet reason, or abruptly when it is already a suspect. It fails with REFUSED (the device gets
 * 0x03), is counted and never sent again.
 * </ul>
 * One refused request costs two lost connections when the broker says why and three when it just
 * closes.
 */
final class CulpritSearch {

    private static final Logger LOG = LoggerFactory.getLogger(CulpritSearch.class);

    private final CoreContext ctx;
    private final OutboundWindow window;
    private boolean probing;
    /** While {@link #probing}: the one request written and not yet answered, or null. */
    private Request probe;

    CulpritSearch(CoreContext ctx, OutboundWindow window) {
        this.ctx = ctx;
        this.window = window;
    }

    boolean probing() {
        return probing;
    }

    void reset() {
        probing = false;
        probe = null;
    }

    void begin(int suspects, int outstanding) {
        probing = true;
        LOG.info("upstream {}: {} of {} re-sent requests may be what the broker refuses: re-sending them one"
                + " at a time", ctx.clientId(), suspects, outstanding);
    }

    /** Sends the next re-send once the one before it is answered. */
    void probeNext() {
        if (probe != null && isOutstanding(probe)) {
            return;
        }
        probe = null;
        while (!window.resend.isEmpty()) {
            Request r = window.resend.poll();
            if (window.inFlight.get(r.packetId) != r) {
                continue; // answered meanwhile
            }
            if (r.countsAgainstReceiveMaximum()) {
                window.takeQuota(r);
            }
            if (window.resendOne(r)) {
                probe = r;
                return;
            }
        }
        probing = false;
        LOG.info("upstream {}: every re-sent request answered; sending as usual again", ctx.clientId());
    }

    /** Written and not answered; a chained QoS 2 the broker has PUBRECed waits for its device, not the broker. */
    private boolean isOutstanding(Request r) {
        return window.inFlight.get(r.packetId) == r && !(r.pubrecReceived && !r.released);
    }

    /**
     * Applies what the end of a connection says to the requests outstanding on it: the lone
     * probe is the culprit; in ordinary sending, what was outstanding becomes a suspect (at once
     * after a DISCONNECT blaming a packet, at the second abrupt close).
     */
    void weigh(Evidence evidence, String detail) {
        if (evidence == Evidence.NONE) {
            return;
        }
        if (probing) {
            Request r = probe;
            if (r == null || !isOutstanding(r)) {
                return;
            }
            if (evidence == Evidence.PACKET || r.suspect) {
                window.inFlight.remove(r.packetId);
                ctx.counters().disconnectCulprits++;
                window.refusedByBroker(r, "the broker ends the connection over it (last: " + detail
                        + ", with nothing else outstanding)");
            } else {
                strike(r);
            }
            return;
        }
        for (Request r : window.inFlight.values()) {
            if (r.writtenOn != window.connectionNumber || !isOutstanding(r)) {
                continue; // not written on this connection, or the broker had answered it
            }
            if (evidence == Evidence.PACKET) {
                r.suspect = true;
            } else {
                strike(r);
            }
        }
    }

    private static void strike(Request r) {
        r.abruptCloses++;
        if (r.abruptCloses >= 2) {
            r.suspect = true;
        }
    }
}
