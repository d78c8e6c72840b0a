package io.sngate.gateway.upstream.core;

/** Where an upstream MQTT connection is in its life. */
public enum ClientState {
    NEW, CONNECTING, CONNECTED, RECONNECT_WAIT, UPDATING_WILL, CLOSED
}
