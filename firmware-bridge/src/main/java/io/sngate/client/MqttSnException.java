package io.sngate.client;

/**
 * A request that did not work, from {@link Outcome#orThrow()}. The subclasses name the failures a
 * program usually treats apart: {@link RefusedException}, {@link NoAnswerException},
 * {@link NotConnectedException}; the others (queue full, cancelled, invalid, link failed) come as
 * this class, with the {@link #outcome()} telling which.
 */
public class MqttSnException extends RuntimeException {

    private final transient Outcome outcome;

    MqttSnException(Outcome outcome) {
        super(outcome.detail());
        this.outcome = outcome;
    }

    /** The outcome of the failed request. */
    public Outcome outcome() {
        return outcome;
    }

    /** Why it failed. */
    public Outcome.Status status() {
        return outcome.status();
    }
}
