package io.sngate.client.internal.core;

import io.sngate.client.Outcome;
import io.sngate.client.Topic;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ReturnCode;

/**
 * REGISTER both ways (spec §6.5). The client registers a name (asked to, or for a publish that
 * needs the id) on the {@link ControlChannel} and learns the id from the REGACK; the gateway
 * registers a name before it publishes on it to the client, and gets a REGACK.
 */
final class Registrations {

    private final EffectSink effects;
    private final TopicIds topics;
    private final ControlChannel control;
    private final Outbound outbound;
    private final SessionExchange session;

    Registrations(EffectSink effects, TopicIds topics, ControlChannel control, Outbound outbound,
                  SessionExchange session) {
        this.effects = effects;
        this.topics = topics;
        this.control = control;
        this.outbound = outbound;
        this.session = session;
    }

    /** The application registers {@code topic}; true when it was queued (the façade then pumps). */
    boolean register(long requestId, Topic.Name topic) {
        return control.enqueue(new ControlRequest.Registration(requestId, topic));
    }

    /** The gateway's REGISTER: always accepted, so the PUBLISH that follows can be named. */
    void onGatewayRegister(Register register, long now) {
        topics.remember(register.topicName().utf8(), register.topicId());
        effects.send(new RegAck(register.topicId(), register.msgId(), ReturnCode.ACCEPTED), now);
        session.stillFlushing(now);
    }

    /**
     * The answer to our REGISTER. A refusal also fails the publishes waiting for that name: they
     * cannot go out, and retrying at once would only be refused again.
     *
     * @return whether it ended the exchange in flight (the next requests may go)
     */
    boolean onRegAck(RegAck regAck) {
        Exchange exchange = control.take(Register.class, regAck.msgId());
        if (exchange == null) {
            return false;
        }
        String name = ((Register) exchange.packet()).topicName().utf8();
        if (regAck.returnCode() == ReturnCode.ACCEPTED) {
            topics.remember(name, regAck.topicId());
            effects.complete(exchange.requestId(), Outcome.ok(regAck.topicId(), null));
        } else {
            effects.complete(exchange.requestId(), Outcome.rejected(regAck.returnCode()));
            outbound.failWaitingFor(name, Outcome.rejected(regAck.returnCode()));
        }
        return true;
    }
}
