package io.sngate.gateway;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * The gateway's named counters. Every packet or message the gateway gives up on is counted
 * here under a name that says why (DESIGN rule 4), and the names are stable: scripts and
 * tests read them.
 */
public final class Metrics {

    public static final String RECEIVED_PACKETS = "received_packets";
    public static final String SENT_PACKETS = "sent_packets";
    public static final String DROPPED_OVERSIZED = "dropped.oversized";
    public static final String DROPPED_FLOOD = "dropped.flood";
    /** Dropped beyond the strict budget of a source IP (CONNECT, SEARCHGW, QoS -1, no session). */
    public static final String DROPPED_FLOOD_NEW = "dropped.flood_new";
    /** Dropped beyond the generous budget of an established session. */
    public static final String DROPPED_FLOOD_SESSION = "dropped.flood_session";
    public static final String DROPPED_NO_SESSION = "dropped.no_session";
    public static final String DROPPED_NOT_FOR_GATEWAY = "dropped.not_for_gateway";
    public static final String DROPPED_TRANSPORT_CLOSED = "dropped.transport_closed";
    public static final String DROPPED_SEND_BUFFER_FULL = "dropped.send_buffer_full";
    public static final String DROPPED_QOS_MINUS_ONE = "dropped.qos_minus_one";
    public static final String MALFORMED_PREFIX = "malformed.";
    public static final String SESSION_PREFIX = "session.";
    public static final String UDP_ERRORS = "udp_errors";
    public static final String CONNECT_REFUSED_MAX_CLIENTS = "connect_refused.max_clients";
    public static final String CONNECT_REFUSED_CLIENT_ID = "connect_refused.client_id";
    public static final String CLIENTS_LOST = "clients_lost";
    public static final String QOS_MINUS_ONE_PUBLISHED = "qos_minus_one_published";
    public static final String CONNECT_REFUSED_PER_IP = "connect_refused.per_source_ip";
    public static final String CONNECT_REFUSED_NOT_LISTED = "connect_refused.not_listed";
    public static final String CONNECT_REFUSED_ADDRESS = "connect_refused.address_not_allowed";
    public static final String CONNECT_REFUSED_EMPTY_ID = "connect_refused.empty_client_id";
    public static final String CLIENT_ID_ASSIGNED = "client_id_assigned";
    /** A session moved to a new address: CONNECT with its id, or a sleeping device waking from a new address. */
    public static final String TAKEOVER_ALLOWED = "takeover.allowed";
    /** A packet claimed a session from an address that does not own it, and was not let in. */
    public static final String TAKEOVER_REFUSED = "takeover.refused";
    /** A CONNECT with another client id came from an address that a session held: that session was detached. */
    public static final String ADDRESS_REUSED = "takeover.address_reused";
    /** An oversized QoS 1/2 PUBLISH from a connected device, answered with PUBACK 0x03. */
    public static final String OVERSIZED_PUBLISH_REFUSED = "oversized_publish_refused";
    /** A DTLS device's CONNECT named a client id its authenticated identity may not use (or a plain link named a DTLS-bound one). */
    public static final String CONNECT_REFUSED_IDENTITY = "connect_refused.identity";
    public static final String DTLS_HANDSHAKES = "dtls.handshakes";
    /** Prefix: handshakes that failed, by the alert that ended them ({@code dtls.handshake_failed.unknown_psk_identity}). */
    public static final String DTLS_HANDSHAKE_FAILED_PREFIX = "dtls.handshake_failed.";
    /** ClientHellos with a cookie beyond dtls.max-handshakes-per-second-per-ip, dropped. */
    public static final String DTLS_HANDSHAKE_RATE_LIMITED = "dtls.handshake_rate_limited";
    /** Records that did not decrypt (a wrong key, or forged records), dropped. */
    public static final String DTLS_MAC_ERRORS = "dtls.mac_errors";
    public static final String DTLS_SESSIONS_EXPIRED = "dtls.sessions_expired";
    /** A session moved to a new source address under its Connection ID (a NAT rebinding). */
    public static final String DTLS_ADDRESS_CHANGED = "dtls.address_changed";
    /** A packet for a DTLS device whose DTLS session is gone, not sent. */
    public static final String DTLS_DROPPED_NO_CONNECTION = "dtls.dropped_no_connection";
    public static final String DTLS_SEND_FAILED = "dtls.send_failed";
    public static final String DTLS_PSK_RELOADED = "dtls.psk_file.reloaded";
    public static final String DTLS_PSK_RELOAD_FAILED = "dtls.psk_file.reload_failed";
    public static final String PREDEFINED_RELOADED = "predefined_file.reloaded";
    public static final String PREDEFINED_RELOAD_FAILED = "predefined_file.reload_failed";
    public static final String DEVICES_RELOADED = "devices_file.reloaded";
    public static final String DEVICES_RELOAD_FAILED = "devices_file.reload_failed";

    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
    /** Where acknowledgement latencies go: nowhere until an exporter (the admin server's /metrics) asks. */
    private volatile LongConsumer ackLatency = millis -> { };

    public void count(String name) {
        counters.computeIfAbsent(name, n -> new LongAdder()).increment();
    }

    /** Adds {@code delta} (a transport's decoder counters grow by more than one at a time). */
    public void add(String name, long delta) {
        if (delta != 0) {
            counters.computeIfAbsent(name, n -> new LongAdder()).add(delta);
        }
    }

    /** Counts a malformed packet under {@code malformed.<reason>} and returns that name. */
    public static String countMalformed(Metrics metrics, io.sngate.codec.DecodeException e) {
        String counter = MALFORMED_PREFIX + e.reason().name().toLowerCase();
        metrics.count(counter);
        return counter;
    }

    /**
     * The time from a device's QoS 1/2 PUBLISH leaving for the broker to the broker's PUBACK
     * (QoS 1) or PUBREC (QoS 2), in milliseconds, as the session saw it.
     */
    public void recordAckLatency(long millis) {
        ackLatency.accept(millis);
    }

    /** Sends every later {@link #recordAckLatency} to {@code sink} (thread-safe, called on event loops). */
    public void onAckLatency(LongConsumer sink) {
        ackLatency = sink;
    }

    public long get(String name) {
        LongAdder adder = counters.get(name);
        return adder == null ? 0 : adder.sum();
    }

    /** All counters, sorted by name. */
    public Map<String, Long> snapshot() {
        Map<String, Long> copy = new TreeMap<>();
        counters.forEach((name, adder) -> copy.put(name, adder.sum()));
        return copy;
    }
}
