package io.sngate.client.internal.core;

import io.sngate.client.ClientConfig;
import io.sngate.client.ClientState;
import io.sngate.client.Outcome;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PingResp;

/**
 * The session's life after CONNECT (spec §6.11-6.14): keep-alive pings, DISCONNECT, sleeping
 * and waking to poll, and deciding that the gateway is gone. It owns the timers of every
 * exchange: an exchange that used up N_RETRY loses the connection, and a lost or ended
 * connection fails every request still waiting.
 */
final class Supervision {

    private final ClientConfig config;
    private final EffectSink effects;
    private final PacketLimit limit;
    private final SessionExchange session;
    private final Outbound outbound;
    private final ControlChannel control;

    Supervision(ClientConfig config, EffectSink effects, PacketLimit limit, SessionExchange session,
                Outbound outbound, ControlChannel control) {
        this.config = config;
        this.effects = effects;
        this.limit = limit;
        this.session = session;
        this.outbound = outbound;
        this.control = control;
    }

    // ------------------------------------------------------------------ requests

    /** Goes to sleep for {@code seconds}: the gateway buffers messages meanwhile. */
    void sleep(long requestId, int seconds, long now) {
        ClientState state = effects.state();
        if (state != ClientState.ACTIVE && state != ClientState.AWAKE && state != ClientState.ASLEEP) {
            effects.complete(requestId,
                    Outcome.failed(Outcome.Status.NOT_CONNECTED, "cannot sleep while " + state.name().toLowerCase()));
            return;
        }
        Disconnect sleep = Disconnect.sleep(seconds);
        if (limit.admits(requestId, sleep)) {
            startExchange(requestId, sleep, now);
        }
    }

    void wake(long requestId, long now) {
        if (effects.state() != ClientState.ASLEEP) {
            effects.complete(requestId, Outcome.failed(Outcome.Status.NOT_CONNECTED, "not asleep"));
            return;
        }
        PingReq poll = PingReq.wake(config.clientId());
        if (!limit.admits(requestId, poll)) {
            return;
        }
        effects.changeState(ClientState.AWAKE, "polling the gateway");
        startExchange(requestId, poll, now);
    }

    void disconnect(long requestId, long now) {
        ClientState state = effects.state();
        if (state == ClientState.DISCONNECTED || state == ClientState.SEARCHING) {
            effects.complete(requestId, Outcome.ok()); // nothing to end
            return;
        }
        if (!limit.admits(requestId, Disconnect.PLAIN)) {
            return;
        }
        if (state == ClientState.LOST) {
            disconnectLost(requestId, now);
            return;
        }
        startExchange(requestId, Disconnect.PLAIN, now);
    }

    /**
     * LOST only says the gateway did not answer: it may be alive and still hold the session (the
     * answers were what got lost), and would keep it, will included, until its keep-alive runs
     * out. So one DISCONNECT goes anyway, for a live gateway to end the session at once; it is
     * neither waited for nor sent again, since the gateway has already not answered N_RETRY times.
     */
    private void disconnectLost(long requestId, long now) {
        session.supersede("superseded by DISCONNECT");
        session.take();
        effects.send(Disconnect.PLAIN, now);
        effects.changeState(ClientState.DISCONNECTED,
                "disconnected (gateway lost: DISCONNECT sent, no answer awaited)");
        failAll("disconnected", null);
        effects.complete(requestId, Outcome.ok());
    }

    private void startExchange(long requestId, MqttSn12Message packet, long now) {
        session.supersede("superseded by " + packet.typeName());
        session.start(requestId, packet, now);
    }

    // ------------------------------------------------------------------ packets from the gateway

    /** A gateway checking on us. */
    void onGatewayPing(long now) {
        if (effects.state() == ClientState.ACTIVE) {
            effects.send(PingResp.INSTANCE, now);
        }
    }

    void onPingResp() {
        Exchange exchange = session.current();
        if (exchange == null || !(exchange.packet() instanceof PingReq)) {
            return;
        }
        session.take();
        if (effects.state() == ClientState.AWAKE) {
            effects.changeState(ClientState.ASLEEP, "gateway has nothing more buffered");
        }
        effects.complete(exchange.requestId(), Outcome.ok());
    }

    void onDisconnect() {
        Exchange exchange = session.current();
        if (exchange != null && exchange.packet() instanceof Disconnect disconnect) {
            session.take();
            if (disconnect.isSleep()) {
                effects.changeState(ClientState.ASLEEP, "sleeping " + disconnect.duration().getAsInt() + " s");
            } else {
                effects.changeState(ClientState.DISCONNECTED, "disconnected");
                failAll("disconnected", null);
            }
            effects.complete(exchange.requestId(), Outcome.ok());
            return;
        }
        ClientState state = effects.state();
        if (state == ClientState.ACTIVE || state == ClientState.AWAKE || state == ClientState.ASLEEP) {
            // An unsolicited DISCONNECT: the gateway does not know us (any more); reconnect needed.
            effects.changeState(ClientState.LOST, "gateway sent DISCONNECT");
            if (exchange != null) {
                session.take();
                effects.complete(exchange.requestId(),
                        Outcome.failed(Outcome.Status.NOT_CONNECTED, "gateway sent DISCONNECT"));
            }
        }
    }

    // ------------------------------------------------------------------ time

    /** The earliest of the exchanges' T_RETRY and the next keep-alive ping, or {@link Long#MAX_VALUE}. */
    long nextDeadline() {
        long deadline = session.deadline();
        if (effects.state() == ClientState.ACTIVE) { // asleep or awake, exchanges resume after the next CONNECT
            deadline = Math.min(deadline, Math.min(outbound.nextDeadline(), control.nextDeadline()));
            if (keepAliveOn()) {
                deadline = Math.min(deadline, pingAt());
            }
        }
        return deadline;
    }

    void onTimer(long now) {
        Exchange exchange = session.current();
        if (exchange != null && exchange.isDue(now) && !exchange.retransmit(now, config, effects)) {
            giveUp(session.take());
            return;
        }
        if (effects.state() == ClientState.ACTIVE) {
            Exchange unanswered = outbound.retransmitDue(now);
            if (unanswered == null) {
                unanswered = control.retransmitDue(now);
            }
            if (unanswered != null) {
                lose("no answer to " + unanswered.packet().typeName(), unanswered);
                return;
            }
        }
        if (keepAliveOn() && effects.state() == ClientState.ACTIVE && now >= pingAt()) {
            startExchange(0, PingReq.PLAIN, now);
        }
    }

    /** The session exchange used up N_RETRY. */
    private void giveUp(Exchange failed) {
        if (effects.state() == ClientState.AWAKE) {
            // Spec §6.14: a wake poll that gets no answer goes back to sleep.
            effects.changeState(ClientState.ASLEEP, "no answer to the wake PINGREQ");
            effects.complete(failed.requestId(), Outcome.failed(Outcome.Status.NO_ANSWER, "no answer to PINGREQ"));
        } else if (failed.packet() instanceof Disconnect) {
            // The gateway did not confirm; we are gone from its point of view either way.
            effects.changeState(ClientState.DISCONNECTED, "no answer to DISCONNECT");
            failAll("disconnected (no answer to DISCONNECT)", null);
            effects.complete(failed.requestId(), Outcome.ok());
        } else {
            lose("no answer to " + failed.packet().typeName(), null);
            effects.complete(failed.requestId(),
                    Outcome.failed(Outcome.Status.NO_ANSWER, "no answer to " + failed.packet().typeName()));
        }
    }

    /** Keep-alive pings go while active, when nothing else of the session waits for an answer. */
    private boolean keepAliveOn() {
        return config.keepAliveSeconds() > 0 && session.current() == null;
    }

    /** Anything sent to the gateway shows we are alive, so the ping is due a keep-alive after it. */
    private long pingAt() {
        return effects.lastSent() + config.keepAliveSeconds() * 1000L;
    }

    /** @param unanswered the channels' exchange whose retries ran out, if that is why */
    private void lose(String why, Exchange unanswered) {
        effects.changeState(ClientState.LOST, why);
        failAll("connection lost: " + why, unanswered);
    }

    /**
     * Fails every request in flight or waiting (after a disconnect or loss): those in flight
     * first, then the waiting ones, publishes before control requests in each.
     */
    private void failAll(String why, Exchange unanswered) {
        Outcome ended = Outcome.failed(Outcome.Status.NOT_CONNECTED, why);
        outbound.failInFlight(ended, unanswered);
        control.failInFlight(ended, unanswered);
        outbound.failQueued(ended);
        control.failQueued(ended);
    }
}
