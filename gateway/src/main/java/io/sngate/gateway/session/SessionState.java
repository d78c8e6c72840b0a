package io.sngate.gateway.session;

/** The client states of spec §6.14, plus the steps of a connection being set up. */
public enum SessionState {
    DISCONNECTED,
    /** CONNECT with Will: waiting for WILLTOPIC. */
    AWAITING_WILL_TOPIC,
    /** Waiting for WILLMSG. */
    AWAITING_WILL_MESSAGE,
    /** Waiting for the broker to accept the upstream connection. */
    CONNECTING,
    ACTIVE,
    ASLEEP,
    /** Woken by PINGREQ(client id): buffered messages are being delivered. */
    AWAKE,
    LOST
}
