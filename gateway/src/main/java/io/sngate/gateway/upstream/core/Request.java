package io.sngate.gateway.upstream.core;

/** A caller's request: queued, then (QoS 1/2, SUBSCRIBE, UNSUBSCRIBE) in flight. */
final class Request {

    enum Kind { PUBLISH, SUBSCRIBE, UNSUBSCRIBE }

    final Kind kind;
    final long token;
    final String topic;
    /** Null for a {@link #releaseOnly() release} of an exchange begun before a restart. */
    final byte[] payload;
    final int qos;
    final boolean retain;
    /** The packet id the caller chose (its device's message id), or 0 to allocate one. */
    final int fixedPacketId;
    /** QoS 2 chained to the caller's own exchange: PUBREL waits for {@link OutboundWindow#release}. */
    final boolean awaitRelease;
    int packetId;
    boolean pubrecReceived;
    /** The owner heard {@code PublishReceived} for it (once, whatever the re-sends). */
    boolean receivedReported;
    /** The caller released it (or it does not wait for a release): PUBREL may go. */
    boolean released;
    /** It holds one of the broker's Receive Maximum slots on the current connection. */
    boolean holdsQuota;
    /** The network connection ({@link ConnectionCycle#connectionNumber}) it was last written on. */
    long writtenOn;
    /** Outstanding at abrupt closes (no DISCONNECT) so far; two make it a suspect. */
    int abruptCloses;
    /** May be what the broker ends connections over: re-sent alone until answered or blamed. */
    boolean suspect;

    Request(Kind kind, long token, String topic, byte[] payload, int qos, boolean retain, int fixedPacketId,
            boolean awaitRelease) {
        this.kind = kind;
        this.token = token;
        this.topic = topic;
        this.payload = payload;
        this.qos = qos;
        this.retain = retain;
        this.fixedPacketId = fixedPacketId;
        this.awaitRelease = awaitRelease;
        this.released = !awaitRelease;
    }

    /** The PUBREL of a QoS 2 exchange the broker may hold from before a gateway restart. */
    static Request release(long token, int packetId) {
        Request r = new Request(Kind.PUBLISH, token, "", null, 2, false, packetId, true);
        r.pubrecReceived = true;
        r.released = true;
        return r;
    }

    boolean releaseOnly() {
        return payload == null;
    }

    boolean countsAgainstReceiveMaximum() {
        return kind == Kind.PUBLISH && qos > 0;
    }

    String describe() {
        return switch (kind) {
            case PUBLISH -> releaseOnly() ? "release of packet " + fixedPacketId + " of" : "publish (qos " + qos + ") to";
            case SUBSCRIBE -> "subscribe to";
            case UNSUBSCRIBE -> "unsubscribe from";
        };
    }
}
