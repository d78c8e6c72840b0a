package io.sngate.client.internal.core;

import io.sngate.client.ClientConfig;
import io.sngate.client.ClientState;
import io.sngate.client.Outcome;
import io.sngate.client.Will;
import io.sngate.codec.Bytes;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.WillMsg;
import io.sngate.codec.v12.WillTopic;
import java.util.Optional;

/**
 * CONNECT and the will exchange (spec §6.2, §6.3): CONNECT, then WILLTOPIC and WILLMSG when the
 * gateway asks for them, until the CONNACK. A clean session starts without the topic ids and
 * the QoS 2 receive state of the last one, since the gateway starts without them too.
 */
final class Connection {

    private final ClientConfig config;
    private final EffectSink effects;
    private final PacketLimit limit;
    private final SessionExchange session;
    private final TopicIds topics;
    private final Inbound inbound;
    /** The will of the last CONNECT, for the gateway's WILLTOPICREQ and WILLMSGREQ; null for none. */
    private Will will;

    Connection(ClientConfig config, EffectSink effects, PacketLimit limit, SessionExchange session, TopicIds topics,
               Inbound inbound) {
        this.config = config;
        this.effects = effects;
        this.limit = limit;
        this.session = session;
        this.topics = topics;
        this.inbound = inbound;
    }

    /**
     * A CONNECT whose packet, or whose will's WILLTOPIC or WILLMSG, the link cannot carry fails at
     * once, before it changes anything: the session goes on as it was.
     */
    void connect(long requestId, boolean cleanSession, Optional<Will> willSpec, long now) {
        Will asked = willSpec.orElse(null);
        Connect connect = new Connect(asked != null, cleanSession, Connect.PROTOCOL_ID, config.keepAliveSeconds(),
                Bytes.utf8(config.clientId()));
        if (asked == null ? !limit.admits(requestId, connect)
                : !limit.admits(requestId, connect, willTopic(asked), willMsg(asked))) {
            return;
        }
        session.supersede("superseded by a new CONNECT");
        will = asked;
        if (cleanSession) {
            topics.clear();
            inbound.clear();
        }
        effects.changeState(ClientState.CONNECTING, "connect requested");
        session.start(requestId, connect, now);
    }

    /** Each step of the will exchange shows the gateway is working on the CONNECT: T_RETRY starts again. */
    void onWillTopicReq(long now) {
        if (effects.state() == ClientState.CONNECTING && will != null) {
            effects.send(willTopic(will), now);
            session.restartTimer(now);
        }
    }

    void onWillMsgReq(long now) {
        if (effects.state() == ClientState.CONNECTING && will != null) {
            effects.send(willMsg(will), now);
            session.restartTimer(now);
        }
    }

    private static WillTopic willTopic(Will will) {
        return new WillTopic(will.qos(), will.retain(), will.topic());
    }

    private static WillMsg willMsg(Will will) {
        return new WillMsg(will.message());
    }

    /**
     * Ends the session exchange while connecting, whichever it is.
     *
     * @return true when the gateway accepted: the façade then resumes the exchanges a
     *         reconnect interrupted and lets waiting requests go
     */
    boolean onConnAck(ConnAck connAck) {
        // Only a CONNECT's exchange ends here: a DISCONNECT that replaced it waits for its own answer.
        if (effects.state() != ClientState.CONNECTING || session.current() == null
                || !(session.current().packet() instanceof Connect)) {
            return false;
        }
        Exchange exchange = session.take();
        if (connAck.returnCode() == ReturnCode.ACCEPTED) {
            effects.changeState(ClientState.ACTIVE, "connected");
            effects.complete(exchange.requestId(), Outcome.ok());
            return true;
        }
        effects.changeState(ClientState.DISCONNECTED, "connection refused: " + connAck.returnCode());
        effects.complete(exchange.requestId(), Outcome.rejected(connAck.returnCode()));
        return false;
    }
}
