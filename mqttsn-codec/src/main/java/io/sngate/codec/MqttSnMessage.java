package io.sngate.codec;

/**
 * An MQTT-SN packet of some protocol version.
 *
 * <p>Deliberately not sealed: each version's packets form their own sealed family
 * ({@link io.sngate.codec.v12.MqttSn12Message} for 1.2), so code can switch exhaustively
 * over a version that is frozen, and adding MQTT-SN 2.0 adds a family instead of changing
 * one that users already switch over.
 */
public interface MqttSnMessage {

    ProtocolVersion version();

    /** The packet's name as the specification writes it, e.g. {@code PUBLISH}. */
    String typeName();
}
