package io.sngate.codec.v12;

import io.sngate.codec.Bytes;
import io.sngate.codec.ProtocolVersion;

/**
 * CONNECT. {@code protocolId} is kept as received (1.2 defines only 0x01) so that a gateway
 * can answer another value with "not supported" instead of failing to decode. The client id
 * is exact bytes and may be longer than the spec's 23.
 */
public record Connect(boolean will, boolean cleanSession, int protocolId, int keepAlive, Bytes clientId)
        implements MqttSn12Message {

    public static final int PROTOCOL_ID = ProtocolVersion.V1_2.protocolId();

    public Connect {
        Check.uint8("protocolId", protocolId);
        Check.uint16("keepAlive", keepAlive);
        Check.notNull("clientId", clientId);
        if (clientId.isEmpty()) {
            throw new IllegalArgumentException("clientId must not be empty");
        }
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
