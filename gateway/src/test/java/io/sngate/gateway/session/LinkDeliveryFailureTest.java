package io.sngate.gateway.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.QoS;
import io.sngate.codec.v12.Publish;
import org.junit.jupiter.api.Test;

/**
 * A link's delivery report (an XBee Transmit Status failure) brings the retry of the exchange
 * in flight forward to {@link ClientSession#LINK_FAILURE_RETRY_MILLIS} after its send; the
 * retry counts towards N_RETRY.
 */
class LinkDeliveryFailureTest extends SessionHarness {

    private static final long SOON = ClientSession.LINK_FAILURE_RETRY_MILLIS;

    @Test
    void aFailureBringsTheRetransmissionForwardWithDup() {
        connect();
        int id = subscribe("room/temp");
        message(7, "room/temp", "21", QoS.AT_LEAST_ONCE);
        Publish first = (Publish) sent().get(0);
        long sentAt = now();

        advance(100);
        linkDeliveryFailed();
        assertThat(effects()).as("not at once").isEmpty();
        assertThat(session().nextDeadline()).isEqualTo(sentAt + SOON);

        advance(SOON - 100);
        assertThat(sent()).containsExactly(first.asDuplicate());
        assertThat(first.topicId()).isEqualTo(id);
        // the resend is timed by T_RETRY again
        assertThat(session().nextDeadline()).isEqualTo(now() + RETRY);
    }

    @Test
    void aFailureReportedLaterThanTheShortDelayRetriesAtOnce() {
        connect();
        subscribe("room/temp");
        message(7, "room/temp", "21", QoS.AT_LEAST_ONCE);
        Publish first = (Publish) sent().get(0);

        advance(SOON * 3);
        linkDeliveryFailed();
        assertThat(sent()).containsExactly(first.asDuplicate());
    }

    @Test
    void repeatedFailuresUseUpTheRetriesAndLoseTheDevice() {
        connect();
        subscribe("room/temp");
        message(7, "room/temp", "21", QoS.AT_LEAST_ONCE);
        for (int i = 0; i < MAX_RETRIES; i++) {
            linkDeliveryFailed();
            advance(SOON);
        }
        assertThat(state()).isEqualTo(SessionState.ACTIVE);
        linkDeliveryFailed();
        advance(SOON);
        assertThat(state()).isEqualTo(SessionState.LOST);
        assertThat(effects(Effect.Lost.class)).hasSize(1);
    }

    @Test
    void aFailureOfTheLastResendLosesTheDeviceAtOnceWhenItsShortDelayHasPassed() {
        connect();
        subscribe("room/temp");
        message(7, "room/temp", "21", QoS.AT_LEAST_ONCE);
        advance(RETRY * MAX_RETRIES); // N_RETRY resends, the last one just now
        assertThat(state()).isEqualTo(SessionState.ACTIVE);

        advance(SOON * 2);
        linkDeliveryFailed();

        assertThat(effects(Effect.Lost.class)).hasSize(1);
        assertThat(state()).isEqualTo(SessionState.LOST);
    }

    @Test
    void aFailureWithNothingInFlightChangesNothing() {
        connect();
        long deadline = session().nextDeadline();
        linkDeliveryFailed();
        assertThat(effects()).isEmpty();
        assertThat(session().nextDeadline()).isEqualTo(deadline);
    }
}
