package io.sngate.gateway;

/** The start was asked to wait for the broker (broker.require), and the broker did not accept the gateway in time. */
public final class BrokerUnavailableException extends Exception {

    public BrokerUnavailableException(String message) {
        super(message);
    }
}
