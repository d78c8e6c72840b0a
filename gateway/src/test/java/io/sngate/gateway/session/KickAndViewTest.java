package io.sngate.gateway.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.QoS;
import io.sngate.codec.v12.Disconnect;
import org.junit.jupiter.api.Test;

/** What the admin API reads of a session (its view) and its kick, on the session alone. */
class KickAndViewTest extends SessionHarness {

    @Test
    void theViewCopiesTheRegistrySubscriptionsAndQueues() {
        connect(false, 45);
        int registered = register("room/temp", 7);
        int subscribed = subscribe("room/cmd");
        message(1, "room/cmd", "on", QoS.AT_LEAST_ONCE);

        SessionView view = session().view();

        assertThat(view.clientId()).isEqualTo(CLIENT_ID);
        assertThat(view.state()).isEqualTo(SessionState.ACTIVE);
        assertThat(view.cleanSession()).isFalse();
        assertThat(view.keepAliveSeconds()).isEqualTo(45);
        assertThat(view.topics()).containsExactly(new SessionView.Topic(registered, "room/temp", true),
                new SessionView.Topic(subscribed, "room/cmd", true));
        assertThat(view.subscriptions()).containsExactly(new SessionView.Subscription("room/cmd", 2));
        assertThat(view.queuedToDevice()).isEqualTo(1);
        assertThat(view.inFlightToDevice()).isEqualTo(1);
        assertThat(view.inFlightToBroker()).isZero();
        assertThat(view.lastHeardMillis()).isEqualTo(now());
    }

    @Test
    void kickingAnActiveClientTellsTheDeviceAndEndsAsLostWithTheWill() {
        connect();

        assertThat(kick("by the operator")).isTrue();

        assertThat(effects()).containsExactly(new Effect.SendToDevice(Disconnect.PLAIN),
                new Effect.Lost("by the operator"), new Effect.Disconnect(true, true));
        assertThat(state()).isEqualTo(SessionState.LOST);
        assertThat(session().isFinished()).isTrue();
    }

    @Test
    void kickingASleepingClientSendsItNothingButPublishesTheWill() {
        connect();
        device(Disconnect.sleep(600));

        assertThat(kick("by the operator")).isTrue();

        assertThat(sent()).isEmpty();
        assertThat(effects()).contains(new Effect.Disconnect(true, true));
        assertThat(state()).isEqualTo(SessionState.LOST);
    }

    @Test
    void kickingAKeptPersistentSessionForgetsItWithoutAWill() {
        connect(false, 60);
        device(Disconnect.PLAIN);
        assertThat(session().isFinished()).isFalse();

        assertThat(kick("by the operator")).isTrue();

        assertThat(effects()).containsExactly(new Effect.Count(ClientSession.Counters.KICKED, "by the operator"));
        assertThat(session().isFinished()).isTrue();
        assertThat(kick("again")).isFalse();
        assertThat(effects()).isEmpty();
    }
}
