package io.sngate.gateway.transport;

/**
 * A link that carries MQTT-SN packets: UDP today, serial lines and XBee radios next. The
 * session layer sees only {@link LinkAddress}es and packet bytes, never which link it has
 * (DESIGN rule 6).
 */
public interface Transport extends AutoCloseable {

    /** Receives every packet (exactly one MQTT-SN packet or forwarder frame) from the link. */
    @FunctionalInterface
    interface Receiver {
        void onPacket(LinkAddress from, byte[] packet);

        /**
         * The link knows that a packet sent to {@code to} did not arrive (an XBee radio's
         * Transmit Status); links without delivery reports never call it.
         */
        default void onUndeliverable(LinkAddress to) {
        }

        /**
         * A packet above the link's size limit arrived from {@code from} and was dropped (and
         * counted); {@code head} holds its first bytes, enough for an MQTT-SN header, so that a
         * device waiting for an answer can be told.
         */
        default void onOversized(LinkAddress from, byte[] head) {
        }
    }

    /** Starts receiving; returns once the link is ready. */
    void start(Receiver receiver) throws Exception;

    /** Sends one packet to an address of this transport. Never blocks. */
    void send(LinkAddress to, byte[] packet);

    /** Sends one packet to every device the link can reach (ADVERTISE). */
    void broadcast(byte[] packet);

    /** Broadcasts within {@code radius} hops (0: the network's maximum) where the link knows hops. */
    default void broadcast(byte[] packet, int radius) {
        broadcast(packet);
    }

    /** True when this transport reaches {@code address}. */
    boolean owns(LinkAddress address);

    /** Largest packet the link carries. */
    int maxPacketSize();

    /** Largest packet that fits a device at {@code to} (a layer such as {@link Forwarding} takes its share). */
    default int maxPacketSize(LinkAddress to) {
        return maxPacketSize();
    }

    /** For the ready line and logs, e.g. {@code udp=1883}. */
    String describe();

    @Override
    void close();
}
