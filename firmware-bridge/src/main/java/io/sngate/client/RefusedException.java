package io.sngate.client;

import io.sngate.codec.v12.ReturnCode;

/** The gateway refused the request ({@link Outcome.Status#REFUSED}): its return code says why. */
public final class RefusedException extends MqttSnException {

    RefusedException(Outcome outcome) {
        super(outcome);
    }

    /** The gateway's return code, e.g. {@link ReturnCode#REJECTED_CONGESTION}. */
    public ReturnCode returnCode() {
        return outcome().returnCode().orElseThrow();
    }
}
