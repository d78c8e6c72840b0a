package io.sngate.gateway.session;

/**
 * The bounds and timers of a client session. Every bound has an overflow behaviour that
 * is counted (see {@link ClientSession}).
 *
 * @param retryMillis           T_RETRY: wait for the device's answer before resending
 * @param maxRetries            N_RETRY: resends (with DUP) before the device counts as lost
 * @param keepAliveFactor       supervision tolerance: lost after keep-alive x this (1.5)
 * @param maxTopics             normal topic ids per client
 * @param maxQueued             messages waiting for the device (asleep, or behind the in-flight one)
 * @param maxInflightUpstream   device publishes awaiting the broker's acknowledgement
 * @param maxPacketSize         largest packet the device's link carries; larger deliveries are refused
 * @param cleanSessionExpirySeconds  broker session expiry for clean-session devices, so a short
 *                              outage or gateway restart does not lose them
 * @param persistentSessionExpirySeconds broker session expiry for clean-session-0 devices; also
 *                              how long the gateway keeps a disconnected clean-session-0 session
 * @param maxKeepAliveSeconds   keep-alive 0 (none) and longer ones are supervised at this, so
 *                              every session ends
 * @param unprovenSendBytes     PUBLISH, REGISTER and PUBREL bytes the session sends before the
 *                              device has shown it receives; {@link #PROOF_OFF} trusts every address
 */
public record SessionConfig(long retryMillis, int maxRetries, double keepAliveFactor, int maxTopics,
                            int maxQueued, int maxInflightUpstream, int maxPacketSize,
                            long cleanSessionExpirySeconds, long persistentSessionExpirySeconds,
                            int maxKeepAliveSeconds, int unprovenSendBytes) {

    /** {@link #unprovenSendBytes} that trusts every address (no challenge, no budget). */
    public static final int PROOF_OFF = -1;

    public static final SessionConfig DEFAULTS =
            new SessionConfig(10_000, 3, 1.5, 1_000, 100, 16, 1_024, 300, 7 * 24 * 3600, 65_535, PROOF_OFF);

    public SessionConfig {
        positive("retryMillis", retryMillis);
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must be >= 0");
        }
        if (keepAliveFactor < 1.0) {
            throw new IllegalArgumentException("keepAliveFactor must be >= 1");
        }
        positive("maxTopics", maxTopics);
        positive("maxQueued", maxQueued);
        positive("maxInflightUpstream", maxInflightUpstream);
        if (maxPacketSize < 8) {
            throw new IllegalArgumentException("maxPacketSize must be at least 8");
        }
        positive("maxKeepAliveSeconds", maxKeepAliveSeconds);
    }

    /** True when an address must show it receives before more than {@link #unprovenSendBytes} go to it. */
    public boolean requiresProof() {
        return unprovenSendBytes >= 0;
    }

    private static void positive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0");
        }
    }

    public SessionConfig withRetry(long millis, int retries) {
        return new SessionConfig(millis, retries, keepAliveFactor, maxTopics, maxQueued, maxInflightUpstream,
                maxPacketSize, cleanSessionExpirySeconds, persistentSessionExpirySeconds, maxKeepAliveSeconds,
                unprovenSendBytes);
    }

    public SessionConfig withMaxPacketSize(int size) {
        return new SessionConfig(retryMillis, maxRetries, keepAliveFactor, maxTopics, maxQueued, maxInflightUpstream,
                size, cleanSessionExpirySeconds, persistentSessionExpirySeconds, maxKeepAliveSeconds, unprovenSendBytes);
    }

    public SessionConfig withMaxQueued(int queued) {
        return new SessionConfig(retryMillis, maxRetries, keepAliveFactor, maxTopics, queued, maxInflightUpstream,
                maxPacketSize, cleanSessionExpirySeconds, persistentSessionExpirySeconds, maxKeepAliveSeconds,
                unprovenSendBytes);
    }

    public SessionConfig withMaxKeepAlive(int seconds) {
        return new SessionConfig(retryMillis, maxRetries, keepAliveFactor, maxTopics, maxQueued, maxInflightUpstream,
                maxPacketSize, cleanSessionExpirySeconds, persistentSessionExpirySeconds, seconds, unprovenSendBytes);
    }

    public SessionConfig withUnprovenSendBytes(int bytes) {
        return new SessionConfig(retryMillis, maxRetries, keepAliveFactor, maxTopics, maxQueued, maxInflightUpstream,
                maxPacketSize, cleanSessionExpirySeconds, persistentSessionExpirySeconds, maxKeepAliveSeconds, bytes);
    }

    public SessionConfig withPersistentExpiry(long seconds) {
        return new SessionConfig(retryMillis, maxRetries, keepAliveFactor, maxTopics, maxQueued, maxInflightUpstream,
                maxPacketSize, cleanSessionExpirySeconds, seconds, maxKeepAliveSeconds, unprovenSendBytes);
    }
}
