package io.sngate.gateway.upstream.core;

/**
 * MQTT keep-alive from the client's side (MQTT 5 §3.1.2.10): a PINGREQ when nothing was sent or
 * nothing was received for the interval the broker granted, and the connection is dead when
 * its PINGRESP has not come within one more interval. Plain deadlines on the injected clock.
 */
final class KeepAlive {

    enum Due { NOTHING, PING, TIMEOUT }

    private long intervalMillis;
    private long lastSent;
    private long lastReceived;
    private boolean pingOutstanding;
    private long pingSentAt;

    /** A connection was accepted with this keep-alive (0: none). */
    void start(int seconds, long now) {
        intervalMillis = seconds * 1000L;
        lastSent = now;
        lastReceived = now;
        pingOutstanding = false;
    }

    void stop() {
        intervalMillis = 0;
        pingOutstanding = false;
    }

    void sent(long now) {
        lastSent = now;
    }

    void received(long now) {
        lastReceived = now;
    }

    void pingResponse() {
        pingOutstanding = false;
    }

    long intervalSeconds() {
        return intervalMillis / 1000;
    }

    long deadline() {
        if (intervalMillis == 0) {
            return Long.MAX_VALUE;
        }
        if (pingOutstanding) {
            return pingSentAt + intervalMillis;
        }
        return Math.min(lastSent, lastReceived) + intervalMillis;
    }

    /** What is due at {@code now}; a PING is taken as sent. */
    Due check(long now) {
        if (intervalMillis == 0 || now < deadline()) {
            return Due.NOTHING;
        }
        if (pingOutstanding) {
            return Due.TIMEOUT;
        }
        pingOutstanding = true;
        pingSentAt = now;
        return Due.PING;
    }
}
