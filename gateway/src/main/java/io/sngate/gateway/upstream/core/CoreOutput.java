package io.sngate.gateway.upstream.core;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.sngate.gateway.session.UpstreamEvent;

/**
 * What the {@link MqttClientCore} asks of its I/O adapter. The core performs no I/O and keeps no
 * timer: these are its effects, and {@link MqttClientCore#nextDeadline()} says when it wants
 * {@link MqttClientCore#onTimer} next. Every method is one thing the adapter must do; a new kind
 * of effect is a new method, which every adapter (and the tests' recording one) must implement.
 */
public interface CoreOutput {

    /** Open a TCP connection to the broker; answer with onOpened, or onClosed when it fails. */
    void open();

    /** Write a packet on the open connection; the adapter flushes at the end of the input. */
    void send(MqttMessage packet);

    /** Close the connection once what was written is flushed; answer with onClosed. */
    void close();

    /**
     * Write DISCONNECT and half-close: the broker closes the connection once it has processed the
     * DISCONNECT, and its close (onClosed) is the proof. Closing at once would race the next
     * connection with the same client id: a broker that reads the new CONNECT before the old
     * DISCONNECT (HiveMQ does, on another thread) would take the session over and publish the
     * old connection's will. The core closes after {@link MqttClientCore#DISCONNECT_LINGER_MILLIS}
     * if the broker does not.
     */
    void disconnect(MqttMessage disconnect);

    /** Tell the owner (the device session, or the aggregating router) what happened. */
    void event(UpstreamEvent event);
}
