package io.sngate.device;

import io.sngate.codec.QoS;
import io.sngate.codec.v12.ReturnCode;
import java.util.Optional;

/**
 * How a request ended. {@code returnCode} is the gateway's answer when there was one;
 * a request that got no answer, or was cut short by a state change, has a reason instead.
 */
public record Outcome(boolean success, Optional<ReturnCode> returnCode, String detail, int topicId,
                      Optional<QoS> grantedQos) {

    static Outcome ok() {
        return new Outcome(true, Optional.of(ReturnCode.ACCEPTED), "accepted", 0, Optional.empty());
    }

    static Outcome ok(int topicId, QoS granted) {
        return new Outcome(true, Optional.of(ReturnCode.ACCEPTED), "accepted", topicId, Optional.ofNullable(granted));
    }

    static Outcome rejected(ReturnCode code) {
        return new Outcome(false, Optional.of(code), "rejected: " + code.name().toLowerCase().replace('_', ' '),
                0, Optional.empty());
    }

    static Outcome failed(String why) {
        return new Outcome(false, Optional.empty(), why, 0, Optional.empty());
    }
}
