package io.sngate.gateway.upstream.core;

/**
 * What one upstream connection counted. Written on its event loop only (plain increments of
 * volatile fields, one writer), readable from any thread.
 */
public final class ClientCounters {

    volatile long messagesIn;
    volatile long messagesOut;
    volatile long publishesCompleted;
    volatile long requestsRefused;
    volatile long refusedByBroker;
    volatile long disconnectCulprits;
    volatile long connectAttempts;
    volatile long requestsRejectedCongestion;
    volatile long requestsFailedOnClose;
    volatile long reconnects;
    volatile long connectionsLost;
    volatile long connectFailures;
    volatile long willUpdates;
    volatile long duplicatesSuppressed;
    volatile long staleAcknowledgements;
    volatile long protocolErrors;
    volatile long retransmissions;
    volatile long qos0WriteFailures;

    /** PUBLISH packets received from the broker (duplicates suppressed are not counted). */
    public long messagesIn() {
        return messagesIn;
    }

    /** PUBLISH packets sent for the first time (re-sends are {@link #retransmissions()}). */
    public long messagesOut() {
        return messagesOut;
    }

    /** QoS 1/2 publishes the broker acknowledged successfully. */
    public long publishesCompleted() {
        return publishesCompleted;
    }

    /** Publishes, subscribes and unsubscribes refused (by the broker or as invalid): REFUSED. */
    public long requestsRefused() {
        return requestsRefused;
    }

    /**
     * Requests the broker refused, each failed with REFUSED and never sent again: a PUBACK or
     * PUBREC reason code of 0x80 or more, a failed SUBACK or UNSUBACK, or a
     * {@link #disconnectCulprits() culprit} of the broker ending connections. Part of
     * {@link #requestsRefused()}.
     */
    public long refusedByBroker() {
        return refusedByBroker;
    }

    /** Requests found to be why the broker kept ending the connection (see {@link CulpritSearch}). */
    public long disconnectCulprits() {
        return disconnectCulprits;
    }

    /** TCP connections attempted: the first, every reconnection and every will update. */
    public long connectAttempts() {
        return connectAttempts;
    }

    /** Requests failed at once because the queue was full or the connection was over: CONGESTION. */
    public long requestsRejectedCongestion() {
        return requestsRejectedCongestion;
    }

    /** Requests still queued or in flight when the connection ended: CONGESTION. */
    public long requestsFailedOnClose() {
        return requestsFailedOnClose;
    }

    /** Successful reconnections after a lost connection. */
    public long reconnects() {
        return reconnects;
    }

    public long connectionsLost() {
        return connectionsLost;
    }

    /** Failed connection attempts (first or reconnection). */
    public long connectFailures() {
        return connectFailures;
    }

    public long willUpdates() {
        return willUpdates;
    }

    /** QoS 2 messages the broker sent again before PUBREL, not delivered twice. */
    public long duplicatesSuppressed() {
        return duplicatesSuppressed;
    }

    public long staleAcknowledgements() {
        return staleAcknowledgements;
    }

    /** Malformed or unexpected packets from the broker (each closes the connection). */
    public long protocolErrors() {
        return protocolErrors;
    }

    /** PUBLISH, PUBREL, SUBSCRIBE and UNSUBSCRIBE packets re-sent after a reconnection. */
    public long retransmissions() {
        return retransmissions;
    }

    /** QoS 0 publishes written but lost with the connection (counted by the I/O adapter). */
    public long qos0WriteFailures() {
        return qos0WriteFailures;
    }

    /** For the I/O adapter: a QoS 0 publish it wrote did not reach the socket. */
    public void countQos0WriteFailure() {
        qos0WriteFailures++;
    }
}
