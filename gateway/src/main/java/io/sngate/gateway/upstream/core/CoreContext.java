package io.sngate.gateway.upstream.core;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.sngate.gateway.session.UpstreamEvent;

/** What the parts of the client core share: the one effect sink, the clock, the state. */
interface CoreContext {

    /** Writes a packet (and counts it as traffic for the keep-alive). */
    void send(MqttMessage packet);

    void event(UpstreamEvent event);

    /** The broker broke the protocol: DISCONNECT with {@code reason} if connected, then close. */
    void protocolError(byte reason, String detail);

    ClientState state();

    /** The socket takes more data now (Netty's writability: TCP back-pressure). */
    boolean writable();

    String clientId();

    ClientCounters counters();

    /** The time of the input being handled, in milliseconds. */
    long now();

    default boolean connected() {
        return state() == ClientState.CONNECTED;
    }
}
