package io.sngate.codec.v12;

import io.sngate.codec.Bytes;

/**
 * PINGREQ. A sleeping client that wakes to poll for buffered messages puts its client id
 * in it (its network address may have changed); a plain keep-alive ping has none.
 */
public record PingReq(Bytes clientId) implements MqttSn12Message {

    public static final PingReq PLAIN = new PingReq(Bytes.EMPTY);

    public PingReq {
        Check.notNull("clientId", clientId);
    }

    public static PingReq wake(String clientId) {
        return new PingReq(Bytes.utf8(clientId));
    }

    public boolean hasClientId() {
        return !clientId.isEmpty();
    }

    @Override
    public MessageType type() {
        return MessageType.PINGREQ;
    }
}
