package io.sngate.device;

/** The client's states (spec §6.14, seen from the device), plus discovery and connecting. */
public enum ClientState {
    DISCONNECTED,
    /** Looking for a gateway with SEARCHGW. */
    SEARCHING,
    /** CONNECT sent (and the will exchange, if any), waiting for CONNACK. */
    CONNECTING,
    ACTIVE,
    /** DISCONNECT(duration) acknowledged: the gateway buffers messages for us. */
    ASLEEP,
    /** Woken with PINGREQ(client id), receiving what the gateway buffered. */
    AWAKE,
    /** The gateway stopped answering (retries or keep-alive exhausted) or dropped us. */
    LOST
}
