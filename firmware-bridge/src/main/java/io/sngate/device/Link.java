package io.sngate.device;

import java.io.IOException;

/**
 * The device's side of a link to a gateway: UDP here, serial and XBee links alike. A link
 * is opened on a {@link DeviceRuntime} and only used from its thread.
 */
public interface Link extends AutoCloseable {

    /** Receives packets from the link, on the runtime thread. */
    @FunctionalInterface
    interface Receiver {
        /** {@code from} identifies the sender in the link's own terms (e.g. a socket address). */
        void onPacket(byte[] packet, Object from);
    }

    void open(DeviceRuntime runtime, Receiver receiver) throws IOException;

    /** Sends to the gateway. */
    void send(byte[] packet) throws IOException;

    /** Sends to everyone the link reaches, within {@code radius} hops where the link knows hops. */
    void broadcast(byte[] packet, int radius) throws IOException;

    /** Largest packet the link carries. */
    int maxPacketSize();

    /**
     * The client lost the gateway: a request went unanswered after all its retries (a CONNECT
     * too). A link that keeps state about its peer starts afresh with the next packet: over DTLS a
     * new handshake, as a gateway that restarted no longer knows the session the link would
     * otherwise go on sending into. Called on the runtime thread.
     */
    default void peerLost() {
    }

    @Override
    void close();
}
