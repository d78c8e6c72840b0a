package io.sngate.client;

/**
 * The client was not in a state for the request, or its connection ended while the request waited
 * ({@link Outcome.Status#NOT_CONNECTED}).
 */
public final class NotConnectedException extends MqttSnException {

    NotConnectedException(Outcome outcome) {
        super(outcome);
    }
}
