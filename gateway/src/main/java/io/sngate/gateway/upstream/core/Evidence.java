package io.sngate.gateway.upstream.core;

/** What the way the broker ended a connection says about the requests outstanding on it. */
enum Evidence {
    /** Nothing: we ended it, or the broker's reason is not about a packet. */
    NONE,
    /** The broker closed TCP without DISCONNECT: a refused packet or an ordinary outage. */
    ABRUPT,
    /** A DISCONNECT whose reason code blames a packet we sent. */
    PACKET
}
