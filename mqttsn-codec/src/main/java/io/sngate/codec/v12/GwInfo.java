package io.sngate.codec.v12;

import io.sngate.codec.Bytes;

/**
 * GWINFO: the answer to SEARCHGW. A gateway sends it with an empty {@code gwAddress}; a client
 * answering for a gateway adds the gateway's address, which is opaque (no type or length octet,
 * whatever §5.3.5 suggests: peers take the whole remainder as the address).
 */
public record GwInfo(int gwId, Bytes gwAddress) implements MqttSn12Message {
    public GwInfo {
        Check.uint8("gwId", gwId);
        Check.notNull("gwAddress", gwAddress);
    }

    /** A gateway's own GWINFO, without an address. */
    public static GwInfo fromGateway(int gwId) {
        return new GwInfo(gwId, Bytes.EMPTY);
    }

    @Override
    public MessageType type() {
        return MessageType.GWINFO;
    }
}
