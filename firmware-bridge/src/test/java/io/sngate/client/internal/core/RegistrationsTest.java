package io.sngate.client.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.client.ClientState;
import io.sngate.client.Outcome;
import io.sngate.client.Topic;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.TopicIdType;
import org.junit.jupiter.api.Test;

/** REGISTER both ways (§6.5): ours on the control channel, the gateway's answered at once. */
class RegistrationsTest extends PartFixture {

    private final MessageIds msgIds = new MessageIds();
    private final TopicIds topics = new TopicIds();
    private final SessionExchange session = new SessionExchange(config, sink);
    private final ControlChannel control = new ControlChannel(config, sink, limit, msgIds, topics);
    private final Outbound outbound = new Outbound(config, sink, limit, msgIds, topics, control);
    private final Registrations registrations = new Registrations(sink, topics, control, outbound, session);

    @Test
    void anAcceptedRegisterGivesTheNameItsId() {
        assertThat(registrations.register(5, new Topic.Name("plant/temp"))).isTrue();
        control.pump(now);
        assertThat(drainSent()).containsExactly(new Register(0, 1, "plant/temp"));

        assertThat(registrations.onRegAck(new RegAck(12, 1, ReturnCode.ACCEPTED))).isTrue();

        assertThat(drain()).containsExactly(completed(5, Outcome.ok(12, null)));
        assertThat(topics.id("plant/temp")).isEqualTo(12);
        assertThat(topics.name(12)).isEqualTo("plant/temp");
        assertThat(control.pending()).isZero();
    }

    @Test
    void aRefusedRegisterFailsTheRequestAndThePublishesWaitingForTheName() {
        long waiting = 7;
        long other = 8;
        outbound.publish(waiting, Topic.name("plant/temp"), bytes("21"), QoS.AT_LEAST_ONCE, false, now);
        outbound.publish(other, Topic.shortName("cm"), bytes("x"), QoS.AT_MOST_ONCE, false, now);
        registrations.register(5, new Topic.Name("plant/temp"));
        control.pump(now);
        assertThat(drainSent()).as("the publish's own registration goes first")
                .containsExactly(new Register(0, 1, "plant/temp"));

        assertThat(registrations.onRegAck(new RegAck(0, 1, ReturnCode.REJECTED_NOT_SUPPORTED))).isTrue();

        Outcome refused = Outcome.rejected(ReturnCode.REJECTED_NOT_SUPPORTED);
        assertThat(drain()).as("the internal registration completes nothing").containsExactly(completed(waiting, refused));
        assertThat(outbound.pending()).as("the short-name publish still waits").isEqualTo(1);
        assertThat(topics.knows("plant/temp")).isFalse();
    }

    @Test
    void aRegAckThatIsNotOursIsIgnored() {
        registrations.register(5, new Topic.Name("plant/temp"));
        control.pump(now);
        drain();

        assertThat(registrations.onRegAck(new RegAck(12, 2, ReturnCode.ACCEPTED))).isFalse();

        assertThat(drain()).isEmpty();
        assertThat(topics.knows("plant/temp")).isFalse();
        assertThat(control.pending()).isEqualTo(1);
    }

    @Test
    void theGatewaysRegisterIsRememberedAndAcknowledged() {
        registrations.onGatewayRegister(new Register(21, 900, "plant/hum"), now);

        assertThat(drain()).containsExactly(send(new RegAck(21, 900, ReturnCode.ACCEPTED)));
        assertThat(topics.name(21)).isEqualTo("plant/hum");
        assertThat(sink.lastSent()).isEqualTo(now);
    }

    @Test
    void theGatewaysRegisterGivesAQueuedPublishItsId() {
        outbound.publish(7, Topic.name("plant/hum"), bytes("55"), QoS.AT_MOST_ONCE, false, now);

        registrations.onGatewayRegister(new Register(21, 900, "plant/hum"), now);
        drain();
        outbound.pump(now);

        assertThat(drainSent()).containsExactly(
                new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.NORMAL, 21, 0, bytes("55")));
    }

    @Test
    void whileAwakeTheGatewaysRegisterRestartsTheWakePoll() {
        inState(ClientState.AWAKE);
        session.start(3, PingReq.wake(CLIENT_ID), now);
        advance(RETRY - 1);

        registrations.onGatewayRegister(new Register(21, 900, "plant/hum"), now);

        assertThat(session.deadline()).isEqualTo(now + RETRY);
    }

    @Test
    void whileActiveTheGatewaysRegisterLeavesThePingsTimerAlone() {
        inState(ClientState.ACTIVE);
        session.start(0, PingReq.PLAIN, now);
        long deadline = session.deadline();
        advance(RETRY - 1);

        registrations.onGatewayRegister(new Register(21, 900, "plant/hum"), now);

        assertThat(session.deadline()).isEqualTo(deadline);
    }
}
