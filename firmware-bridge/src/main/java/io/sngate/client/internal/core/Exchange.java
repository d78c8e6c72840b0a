package io.sngate.client.internal.core;

import io.sngate.client.ClientConfig;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.Subscribe;

/**
 * A packet waiting for its answer, with the spec's retransmission rule (§6.13): after T_RETRY
 * it goes again, at most N_RETRY times, PUBLISH and SUBSCRIBE with DUP set. The client has
 * three of these at most at a time: the session's (CONNECT, DISCONNECT, PINGREQ), one
 * PUBLISH and one REGISTER/SUBSCRIBE/UNSUBSCRIBE.
 */
final class Exchange {

    private final long requestId;
    private final int msgId;
    private MqttSn12Message packet;
    private int retries;
    private long deadline;

    /** A new exchange whose packet the caller sends; its T_RETRY runs from {@code now}. */
    Exchange(long requestId, MqttSn12Message packet, int msgId, long now, ClientConfig config) {
        this.requestId = requestId;
        this.packet = packet;
        this.msgId = msgId;
        this.deadline = now + config.retryMillis();
    }

    /** The request it answers, or 0 for the core's own (keep-alive PINGREQ, internal REGISTER). */
    long requestId() {
        return requestId;
    }

    /** 0 for the session's exchanges, which carry none. */
    int msgId() {
        return msgId;
    }

    MqttSn12Message packet() {
        return packet;
    }

    long deadline() {
        return deadline;
    }

    boolean isDue(long now) {
        return now >= deadline;
    }

    /** The peer showed it is working on it (a will request, a buffered message): T_RETRY starts again. */
    void restartTimer(long now, ClientConfig config) {
        deadline = now + config.retryMillis();
    }

    /**
     * The exchange moves on to its next packet (PUBREC answered with PUBREL), which gets its own
     * N_RETRY: the gateway did answer, so the earlier retransmissions say nothing about it.
     */
    void moveOn(MqttSn12Message next, long now, ClientConfig config, EffectSink effects) {
        packet = next;
        retries = 0;
        deadline = now + config.retryMillis();
        effects.send(packet, now);
    }

    /** Sends the packet again (DUP where the packet has one) and restarts T_RETRY, without counting. */
    void resend(long now, ClientConfig config, EffectSink effects) {
        MqttSn12Message again = packet;
        if (again instanceof Publish publish) {
            again = publish.asDuplicate();
        } else if (again instanceof Subscribe subscribe) {
            again = new Subscribe(true, subscribe.qos(), subscribe.msgId(), subscribe.topic());
        }
        deadline = now + config.retryMillis();
        effects.send(again, now);
    }

    /** One more retransmission; false, sending nothing, when N_RETRY are used up. */
    boolean retransmit(long now, ClientConfig config, EffectSink effects) {
        if (retries >= config.maxRetries()) {
            return false;
        }
        retries++;
        resend(now, config, effects);
        return true;
    }
}
