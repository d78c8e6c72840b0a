package io.sngate.client;

import io.sngate.codec.QoS;
import io.sngate.codec.v12.ReturnCode;
import java.util.Objects;
import java.util.Optional;

/**
 * How a request ended. Every request of {@link MqttSnClient} completes with one (its future never
 * fails): {@link #success()} tells whether it worked, {@link #status()} why not, and
 * {@link #orThrow()} turns a failure into an {@link MqttSnException} for code that prefers them.
 *
 * @param status     how it ended
 * @param returnCode the gateway's answer, when there was one (always for {@link Status#REFUSED})
 * @param detail     the same in words, e.g. {@code "rejected: congestion (0x01)"} or {@code "no answer to CONNECT"}
 * @param topicId    the topic id the gateway gave (REGISTER, SUBSCRIBE to a name), else 0
 * @param grantedQos the QoS the gateway granted to a SUBSCRIBE
 */
public record Outcome(Status status, Optional<ReturnCode> returnCode, String detail, int topicId,
                      Optional<QoS> grantedQos) {

    /** Why a request ended the way it did. */
    public enum Status {
        /** The gateway accepted it (or, for QoS 0 and -1, it was sent). */
        ACCEPTED,
        /** The gateway answered with a refusal: see {@link #returnCode()}. */
        REFUSED,
        /** The gateway did not answer within the retries (T_RETRY x N_RETRY); the connection counts as lost. */
        NO_ANSWER,
        /**
         * The client was not in a state for it (sleep while disconnected, wake while not asleep), or
         * the connection ended (disconnected, lost) while it waited.
         */
        NOT_CONNECTED,
        /** Too many requests were waiting already ({@link ClientConfig#maxQueued()}). */
        QUEUE_FULL,
        /** A later request of the same kind replaced it (a new CONNECT, search), or the client was closed. */
        CANCELLED,
        /** It cannot be sent as asked (e.g. QoS -1 to a topic name, a packet larger than the link carries). */
        INVALID,
        /** The link could not reach the gateway (e.g. its DTLS handshake failed). */
        LINK_FAILED
    }

    /** Checks every part is there. */
    public Outcome {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(returnCode, "returnCode");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(grantedQos, "grantedQos");
    }

    /** Accepted. */
    public static Outcome ok() {
        return new Outcome(Status.ACCEPTED, Optional.of(ReturnCode.ACCEPTED), "accepted", 0, Optional.empty());
    }

    /** Accepted, with the topic id the gateway gave and the QoS it granted ({@code null}: none). */
    public static Outcome ok(int topicId, QoS granted) {
        return new Outcome(Status.ACCEPTED, Optional.of(ReturnCode.ACCEPTED), "accepted", topicId,
                Optional.ofNullable(granted));
    }

    /** Refused by the gateway with {@code code}. */
    public static Outcome rejected(ReturnCode code) {
        if (code == ReturnCode.ACCEPTED) {
            throw new IllegalArgumentException("a refusal needs a return code other than ACCEPTED");
        }
        // "rejected: congestion (0x01)": the code's name without its REJECTED_ prefix, and its value.
        String detail = "rejected: " + code.name().replaceFirst("^REJECTED_", "").toLowerCase().replace('_', ' ')
                + String.format(" (0x%02X)", code.code());
        return new Outcome(Status.REFUSED, Optional.of(code), detail, 0, Optional.empty());
    }

    /** Ended without an answer from the gateway, for the reason {@code why}. */
    public static Outcome failed(Status status, String why) {
        if (status == Status.ACCEPTED || status == Status.REFUSED) {
            throw new IllegalArgumentException(status + " is not a failure without an answer");
        }
        return new Outcome(status, Optional.empty(), why, 0, Optional.empty());
    }

    /** Whether the request worked. */
    public boolean success() {
        return status == Status.ACCEPTED;
    }

    /**
     * This outcome if it is a success, else the failure as an exception: a {@link RefusedException},
     * {@link NoAnswerException} or {@link NotConnectedException} for those statuses, a plain
     * {@link MqttSnException} for the others.
     */
    public Outcome orThrow() {
        return switch (status) {
            case ACCEPTED -> this;
            case REFUSED -> throw new RefusedException(this);
            case NO_ANSWER -> throw new NoAnswerException(this);
            case NOT_CONNECTED -> throw new NotConnectedException(this);
            default -> throw new MqttSnException(this);
        };
    }
}
