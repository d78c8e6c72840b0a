package io.sngate.codec.frame;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import java.util.Objects;

/**
 * One forwarder-encapsulated frame (MQTT-SN 1.2 §5.5, message type 0xFE): the Ctrl byte,
 * the wireless node id the forwarder uses for the device, and the device's packet, still
 * as bytes (decode it with the codec of the version the device speaks).
 *
 * <p>{@code ctrl} is the whole Ctrl byte as received: bits 1-0 are the broadcast radius
 * ({@link #radius()}), bits 7-2 are reserved. They are kept, not cleared, because the gateway
 * answers a forwarder with the node id and Ctrl byte it received ({@link #withInnerPacket}).
 *
 * <p>The constructor accepts only what can be encoded: Ctrl 0..255, a node id of at most
 * {@value ForwarderEncapsulation#MAX_NODE_ID_LENGTH} bytes, and an inner packet whose own
 * Length field equals its size and which is not itself encapsulated. Anything else is an
 * {@link IllegalArgumentException} (a bug at the caller); bytes from the wire go through
 * {@link ForwarderEncapsulation#decode}, which reports the same problems as
 * {@link DecodeException}s.
 */
public record Encapsulated(int ctrl, Bytes wirelessNodeId, Bytes innerPacket) {

    /** Bits 1-0 of the Ctrl byte. */
    public static final int RADIUS_MASK = 0x03;

    public Encapsulated {
        if (ctrl < 0 || ctrl > 0xFF) {
            throw new IllegalArgumentException("ctrl must fit one byte (0..255), not " + ctrl);
        }
        Objects.requireNonNull(wirelessNodeId, "wirelessNodeId");
        Objects.requireNonNull(innerPacket, "innerPacket");
        if (wirelessNodeId.length() > ForwarderEncapsulation.MAX_NODE_ID_LENGTH) {
            throw new IllegalArgumentException("wirelessNodeId of " + wirelessNodeId.length()
                    + " bytes does not fit the 1-byte Length (at most "
                    + ForwarderEncapsulation.MAX_NODE_ID_LENGTH + " bytes)");
        }
        try {
            ForwarderEncapsulation.checkInnerPacket(innerPacket, 0);
        } catch (DecodeException e) {
            throw new IllegalArgumentException("innerPacket is not one whole MQTT-SN packet: " + e.getMessage());
        }
    }

    /** The broadcast radius: bits 1-0 of Ctrl (meaningful from gateway to forwarder only). */
    public int radius() {
        return ctrl & RADIUS_MASK;
    }

    /** The same node id and Ctrl around another packet: how a reply to this device is wrapped. */
    public Encapsulated withInnerPacket(Bytes packet) {
        return new Encapsulated(ctrl, wirelessNodeId, packet);
    }
}
