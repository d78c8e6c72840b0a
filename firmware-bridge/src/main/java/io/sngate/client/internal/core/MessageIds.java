package io.sngate.client.internal.core;

/**
 * The message ids of the client's PUBLISH, REGISTER, SUBSCRIBE and UNSUBSCRIBE. One counter
 * serves both channels, so the two exchanges in flight do not carry the same id (short of
 * 65 535 others passing while one of them waits).
 */
final class MessageIds {

    private int next = 1;

    /** 1..0xFFFF, then 1 again: 0 means "no id" in QoS 0 and -1 PUBLISH. */
    int next() {
        int id = next;
        next = next == 0xFFFF ? 1 : next + 1;
        return id;
    }
}
