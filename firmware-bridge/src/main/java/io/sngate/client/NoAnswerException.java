package io.sngate.client;

/**
 * The gateway did not answer the request within its retries ({@link Outcome.Status#NO_ANSWER}):
 * the client's timeout. The connection then counts as lost; connect again.
 */
public final class NoAnswerException extends MqttSnException {

    NoAnswerException(Outcome outcome) {
        super(outcome);
    }
}
