package io.sngate.gateway.session;

import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.WillMsg;
import io.sngate.codec.v12.WillMsgReq;
import io.sngate.codec.v12.WillTopic;
import io.sngate.codec.v12.WillTopicReq;
import io.sngate.gateway.session.ClientSession.Counters;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Setting a connection up (spec §6.2, §6.3): copies of a CONNECT, the will exchange
 * (WILLTOPICREQ, WILLTOPIC, WILLMSGREQ, WILLMSG) with its retransmission, and the request
 * that opens the client's upstream session. The state the connection is in is the façade's.
 */
final class ConnectHandshake {

    /** What a WILLTOPIC during the will exchange leads to. */
    enum WillTopicStep {
        /** An empty WILLTOPIC: the client has no will after all; the connection opens. */
        NO_WILL,
        /** WILLMSGREQ sent: the will message comes next. */
        ASKED_FOR_MESSAGE,
        /** Not a valid topic name: the CONNECT is refused. */
        INVALID
    }

    private final SessionContext ctx;
    /** The CONNECT that opened the current connection, and when it was answered: to spot a copy of it. */
    private Connect lastConnect;
    private long connAckAt;
    /** The CONNECT being answered had no will flag (so an identical one is a plain resend). */
    private boolean connectHadNoWill;
    private QoS pendingWillQos = QoS.AT_MOST_ONCE;
    private boolean pendingWillRetain;
    private String pendingWillTopic;
    private int setupRetries;
    private long setupDeadline = Long.MAX_VALUE;

    ConnectHandshake(SessionContext ctx) {
        this.ctx = ctx;
    }

    /**
     * Whether {@code connect} repeats the CONNECT of the connection just answered or still being
     * opened, where restarting would do harm; otherwise it is remembered as the one that opens
     * the next connection.
     */
    boolean isRepeat(Connect connect, long now, int keepAliveSeconds, Consumer<Effect> out) {
        if (ctx.state == SessionState.ACTIVE && connect.equals(lastConnect)
                && now - connAckAt <= ctx.config.retryMillis()) {
            // The device lost our CONNACK and sent the same CONNECT again: restarting would
            // throw its subscriptions and topic ids away while it believes it is connected.
            out.accept(new Effect.Count(Counters.CONNECT_RETRANSMISSION,
                    "CONNECT repeated within T_RETRY of its CONNACK"));
            out.accept(new Effect.SendToDevice(new ConnAck(ReturnCode.ACCEPTED)));
            return true;
        }
        lastConnect = connect;
        if (ctx.state == SessionState.CONNECTING && !connect.will() && connectHadNoWill
                && connect.cleanSession() == ctx.cleanSession && connect.keepAlive() == keepAliveSeconds) {
            // The device resent the CONNECT the broker is still answering (its T_RETRY ran out,
            // e.g. while the broker is slow or away): restarting would throw that attempt away
            // and, with a broker slower than T_RETRY, never connect. The CONNACK will come.
            return true;
        }
        connectHadNoWill = !connect.will();
        return false;
    }

    /** The device is at a new address: a CONNECT from there is never a copy of the last one. */
    void forgetLastConnect() {
        lastConnect = null;
    }

    /** The CONNECT has the will flag: WILLTOPICREQ. */
    void askWillTopic(long now, Consumer<Effect> out) {
        setupRetries = 0;
        setupDeadline = now + ctx.config.retryMillis();
        out.accept(new Effect.SendToDevice(WillTopicReq.INSTANCE));
    }

    WillTopicStep onWillTopic(WillTopic willTopic, long now, Consumer<Effect> out) {
        if (willTopic.isEmpty()) {
            return WillTopicStep.NO_WILL; // an empty WILLTOPIC during CONNECT means: no will
        }
        Optional<String> topic = Topics.decodeUtf8(willTopic.willTopic()).filter(Topics::isValidName);
        if (topic.isEmpty()) {
            setupDeadline = Long.MAX_VALUE;
            return WillTopicStep.INVALID;
        }
        pendingWillTopic = topic.get();
        pendingWillQos = willTopic.qos();
        pendingWillRetain = willTopic.retain();
        setupRetries = 0;
        setupDeadline = now + ctx.config.retryMillis();
        out.accept(new Effect.SendToDevice(WillMsgReq.INSTANCE));
        return WillTopicStep.ASKED_FOR_MESSAGE;
    }

    /** The will that WILLMSG completes. */
    Will willOf(WillMsg willMsg) {
        return new Will(pendingWillTopic, willMsg.willMessage(), pendingWillQos, pendingWillRetain);
    }

    /** When {@link #onTimeout} must run, or {@link Long#MAX_VALUE}. */
    long deadline() {
        return setupDeadline;
    }

    void stopTimer() {
        setupDeadline = Long.MAX_VALUE;
    }

    /**
     * The device did not answer WILLTOPICREQ or WILLMSGREQ within T_RETRY: asked again, up to
     * N_RETRY times. True when the exchange is abandoned (counted).
     */
    boolean onTimeout(long now, Consumer<Effect> out) {
        boolean awaitingTopic = ctx.state == SessionState.AWAITING_WILL_TOPIC;
        boolean awaiting = awaitingTopic || ctx.state == SessionState.AWAITING_WILL_MESSAGE;
        if (setupRetries >= ctx.config.maxRetries() || !awaiting) {
            setupDeadline = Long.MAX_VALUE;
            if (awaiting) {
                out.accept(new Effect.Discard(Counters.WILL_EXCHANGE_ABANDONED, "",
                        "no answer to " + (awaitingTopic ? "WILLTOPICREQ" : "WILLMSGREQ")));
                return true;
            }
            return false;
        }
        setupRetries++;
        setupDeadline = now + ctx.config.retryMillis();
        out.accept(new Effect.SendToDevice(awaitingTopic ? WillTopicReq.INSTANCE : WillMsgReq.INSTANCE));
        return false;
    }

    /** Opens the client's upstream session, with its clean flag, keep-alive and will. */
    Effect.Connect upstreamRequest(int keepAliveSeconds, Optional<Will> will) {
        setupDeadline = Long.MAX_VALUE;
        long expiry = ctx.cleanSession ? ctx.config.cleanSessionExpirySeconds()
                : ctx.config.persistentSessionExpirySeconds();
        return new Effect.Connect(new UpstreamConnect(ctx.clientId, ctx.cleanSession, expiry, keepAliveSeconds,
                ctx.config.maxQueued(), will, ClientSession.upstreamMaxPacketSize(ctx.packetLimit())));
    }

    /** The broker accepted: the CONNACK goes out now, and a copy of the CONNECT is answered again. */
    void accepted(long now, Consumer<Effect> out) {
        connAckAt = now;
        out.accept(new Effect.SendToDevice(new ConnAck(ReturnCode.ACCEPTED)));
    }
}
