package io.sngate.sim.decode;

/**
 * What one payload (a datagram, a serial frame, the RF data of an XBee frame) decoded to.
 *
 * @param via  where a forwarder says the packet came from ({@code node 0A0B}), or empty
 * @param text the packet as text, or why the bytes are not a packet ({@code malformed: ...})
 * @param note what in a decoded packet is outside MQTT-SN 1.2, or empty
 * @param ok   whether the bytes decoded
 */
public record Decoded(String via, String text, String note, boolean ok) {

    static Decoded packet(String via, String text, String note) {
        return new Decoded(via, text, note, true);
    }

    static Decoded malformed(String via, String reason) {
        return new Decoded(via, "malformed: " + reason, "", false);
    }
}
