package io.sngate.client.internal.core;

import io.sngate.client.ClientState;
import io.sngate.client.LinkAddress;
import io.sngate.client.Outcome;
import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.MqttSn12Message;
import java.util.function.Consumer;

/**
 * The one place every part of a {@link ClientCore} puts its effects. The façade points it at
 * the driver's consumer for the length of one input, so the effects of all parts reach the
 * driver in the order they happened, and no part needs the consumer passed along.
 *
 * <p>It also keeps the two facts that follow from what was emitted, because more than one
 * part reads them: the state last announced with {@link ClientEffect.StateChanged} (so the
 * state and its announcement cannot drift apart), and when the client last sent to the
 * gateway (keep-alive counts from there; broadcasts do not count, they are not for the gateway).
 */
final class EffectSink {

    private static final Consumer<ClientEffect> OUTSIDE_AN_INPUT = effect -> {
        throw new IllegalStateException("effect outside an input: " + effect);
    };

    private Consumer<ClientEffect> out = OUTSIDE_AN_INPUT;
    private ClientState state = ClientState.DISCONNECTED;
    private long lastSent;

    /**
     * Sends the effects of the input that starts now to {@code target}; returns the previous
     * target, which the caller puts back when the input ends (so an input started from within
     * a driver's callback still gets its own effects, as it would with separate consumers).
     */
    Consumer<ClientEffect> bind(Consumer<ClientEffect> target) {
        Consumer<ClientEffect> previous = out;
        out = target;
        return previous;
    }

    ClientState state() {
        return state;
    }

    /** When the client last sent to the gateway (0 before the first packet). */
    long lastSent() {
        return lastSent;
    }

    void send(MqttSn12Message message, long now) {
        lastSent = now;
        out.accept(new ClientEffect.Send(message));
    }

    void broadcast(MqttSn12Message message, int radius) {
        out.accept(new ClientEffect.Broadcast(message, radius));
    }

    /** Ends request {@code requestId}; 0 marks the core's own exchanges (keep-alive, internal REGISTER). */
    void complete(long requestId, Outcome outcome) {
        if (requestId != 0) {
            out.accept(new ClientEffect.Completed(requestId, outcome));
        }
    }

    /** Moves to {@code to}, announcing it; staying in the same state is not announced. */
    void changeState(ClientState to, String reason) {
        if (state != to) {
            ClientState from = state;
            state = to;
            out.accept(new ClientEffect.StateChanged(from, to, reason));
        }
    }

    void deliver(String topic, Bytes payload, QoS qos, boolean retain) {
        out.accept(new ClientEffect.MessageReceived(topic, payload, qos, retain));
    }

    void gatewayFound(int gwId, LinkAddress address) {
        out.accept(new ClientEffect.GatewayFound(gwId, address));
    }

    void gatewayLost(int gwId) {
        out.accept(new ClientEffect.GatewayLost(gwId));
    }
}
