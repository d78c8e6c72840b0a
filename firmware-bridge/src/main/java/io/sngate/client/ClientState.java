package io.sngate.client;

/** The client's states (spec §6.14, seen from the device), plus discovery and connecting. */
public enum ClientState {
    /** Not connected: before the first CONNECT, after a DISCONNECT or a refused CONNECT. */
    DISCONNECTED,
    /** Looking for a gateway with SEARCHGW. */
    SEARCHING,
    /** CONNECT sent (and the will exchange, if any), waiting for CONNACK. */
    CONNECTING,
    /** Connected: requests go out. */
    ACTIVE,
    /** DISCONNECT(duration) acknowledged: the gateway buffers messages for us. */
    ASLEEP,
    /** Woken with PINGREQ(client id), receiving what the gateway buffered. */
    AWAKE,
    /** The gateway stopped answering (retries or keep-alive exhausted) or dropped us. */
    LOST
}
