package io.sngate.client;

import java.io.IOException;

/**
 * The device's side of a link to a gateway: {@link UdpLink} here, DTLS, serial lines and XBee
 * radios in the {@code dtls} and {@code serial} packages, or a link of your own. A client opens its
 * link on its {@link ClientRuntime} and uses it only from that runtime's thread.
 */
public interface Link extends AutoCloseable {

    /** Receives packets from the link, on the runtime's thread. */
    @FunctionalInterface
    interface Receiver {
        /**
         * One MQTT-SN packet (not yet decoded) and who sent it.
         *
         * @param from the sender in the link's own terms: a {@link LinkAddress.Udp} for UDP and DTLS,
         *             the {@link LinkAddress.SerialPort} of a serial line, an {@link XBeeAddress} for a radio
         */
        void onPacket(byte[] packet, LinkAddress from);
    }

    /** Opens the link; called once, on {@code runtime}'s thread, before anything else. */
    void open(ClientRuntime runtime, Receiver receiver) throws IOException;

    /** Sends to the gateway. */
    void send(byte[] packet) throws IOException;

    /** Sends to everyone the link reaches, within {@code radius} hops where the link knows hops. */
    void broadcast(byte[] packet, int radius) throws IOException;

    /**
     * The largest packet the link carries. {@link #send} and {@link #broadcast} refuse a larger one
     * with an {@link IOException} naming both sizes, and send nothing of it; the client fails a
     * request whose packet would be larger before it sends anything. The client asks it at each
     * request, on the runtime's thread, so it may change (as a DTLS link's does with the handshake).
     */
    int maxPacketSize();

    /**
     * The client lost the gateway: a request went unanswered after all its retries (a CONNECT
     * too). A link that keeps state about its peer starts afresh with the next packet: over DTLS a
     * new handshake, as a gateway that restarted no longer knows the session the link would
     * otherwise go on sending into. Called on the runtime's thread.
     */
    default void peerLost() {
    }

    /** Releases the link's socket or port; the client closes its link when it is closed. */
    @Override
    void close();
}
