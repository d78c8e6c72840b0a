package io.sngate.codec.v12;

import io.sngate.codec.Bytes;
import io.sngate.codec.ProtocolVersion;

/**
 * CONNECT. {@code protocolId} is kept as received (1.2 defines only 0x01) so that a gateway
 * can answer another value with "not supported" instead of failing to decode. The client id
 * is exact bytes and may be longer than the spec's 23. It may also be empty
 * ({@link Bytes#EMPTY}): 1.2 does not provide for that, but real clients send it, and a
 * gateway must answer them (accept with an id of its own or refuse) rather than stay silent.
 */
public record Connect(boolean will, boolean cleanSession, int protocolId, int keepAlive, Bytes clientId)
        implements MqttSn12Message {

    public static final int PROTOCOL_ID = ProtocolVersion.V1_2.protocolId();

    public Connect {
        Check.uint8("protocolId", protocolId);
        Check.uint16("keepAlive", keepAlive);
        Check.notNull("clientId", clientId);
    }

    /** A 1.2 CONNECT with the standard protocol id. */
    public Connect(boolean will, boolean cleanSession, int keepAlive, String clientId) {
        this(will, cleanSession, PROTOCOL_ID, keepAlive, Bytes.utf8(clientId));
    }

    @Override
    public MessageType type() {
        return MessageType.CONNECT;
    }
}
