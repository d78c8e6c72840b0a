package io.sngate.sim.decode;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.MqttSnCodec;
import io.sngate.codec.QoS;
import io.sngate.codec.frame.Encapsulated;
import io.sngate.codec.frame.ForwarderEncapsulation;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicRef;
import io.sngate.codec.v12.Unsubscribe;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the bytes of one MQTT-SN payload into a {@link Decoded}: a packet, or a forwarder-encapsulated
 * packet with the node id it came through. Never throws on bad bytes: they become a malformed result.
 */
public final class Payloads {

    private Payloads() {
    }

    /**
     * @param forwarderOnly every payload must be forwarder-encapsulated; otherwise 0xFE frames are
     *                      recognised by their type byte and anything else is a plain packet
     */
    public static Decoded decode(byte[] data, int offset, int length, boolean forwarderOnly) {
        if (forwarderOnly || ForwarderEncapsulation.isEncapsulated(data, offset, length)) {
            Encapsulated frame;
            try {
                frame = ForwarderEncapsulation.decode(data, offset, length);
            } catch (DecodeException e) {
                return Decoded.malformed("", e.getMessage());
            }
            String via = "node " + hexOrNone(frame.wirelessNodeId())
                    + (frame.ctrl() == 0 ? "" : String.format(" ctrl 0x%02X", frame.ctrl()));
            return packet(via, frame.innerPacket().toArray());
        }
        byte[] packet = new byte[length];
        System.arraycopy(data, offset, packet, 0, length);
        return packet("", packet);
    }

    public static Decoded decode(byte[] packet, boolean forwarderOnly) {
        return decode(packet, 0, packet.length, forwarderOnly);
    }

    private static Decoded packet(String via, byte[] packet) {
        MqttSn12Message message;
        try {
            message = MqttSnCodec.v12().decode(packet);
        } catch (DecodeException e) {
            return Decoded.malformed(via, e.getMessage());
        }
        List<String> outside = outsideTheSpec(message);
        // The codec decodes these because real clients send them; whoever reads a capture should still
        // see at a glance that the device is off the spec.
        return Decoded.packet(via, message.toString(),
                outside.isEmpty() ? "" : "outside MQTT-SN 1.2: " + String.join(", ", outside));
    }

    private static String hexOrNone(Bytes id) {
        return id.isEmpty() ? "(empty)" : id.toHex().toUpperCase();
    }

    /** What in a decoded packet MQTT-SN 1.2 does not provide for. */
    private static List<String> outsideTheSpec(MqttSn12Message message) {
        List<String> notes = new ArrayList<>();
        if (message instanceof Connect connect && connect.clientId().isEmpty()) {
            notes.add("empty client id");
        }
        if (message instanceof Subscribe subscribe) {
            if (subscribe.qos() == QoS.MINUS_ONE) {
                notes.add("QoS -1 in SUBSCRIBE");
            }
            addReserved(subscribe.topic(), notes);
        }
        if (message instanceof Unsubscribe unsubscribe) {
            addReserved(unsubscribe.topic(), notes);
        }
        return notes;
    }

    private static void addReserved(TopicRef topic, List<String> notes) {
        if (topic instanceof TopicRef.Reserved reserved) {
            notes.add("reserved topic id type 0b11 (" + reserved.field().length() + " byte(s) after MsgId)");
        }
    }
}
