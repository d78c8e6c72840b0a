package io.sngate.gateway.admin;

import io.sngate.gateway.Metrics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one table from the gateway's counter names ({@link Metrics}: dotted, some with a variable
 * part such as {@code dropped.flood} or {@code dtls.handshake_failed.<alert>}) to Prometheus
 * names and labels. The variable part becomes a label, so that a dashboard sums or filters it
 * instead of knowing every name. docs/metrics.md lists this table; a test checks they agree and
 * that every counter constant of {@link Metrics} has its row.
 *
 * <p>Names are given without the {@code _total} suffix that the exposition adds to counters.
 */
public final class PrometheusNames {

    /**
     * A row: a counter name (exact) or a prefix of names (ending in a dot), the Prometheus
     * name, and the labels the rest of the counter name fills (two labels: split at its first dot).
     */
    public record Row(String counter, String prometheus, List<String> labels, String help) {
        boolean isPrefix() {
            return counter.endsWith(".");
        }
    }

    /** A counter under its Prometheus name, with its labels' values. */
    public record Mapped(String name, Map<String, String> labels, String help) {
    }

    /** Where a counter name no row knows ends up: still exported, and flagged by its name. */
    public static final String UNMAPPED = "sngate_unmapped_events";

    /** Exact names first: a prefix row below must not take them. */
    public static final List<Row> TABLE = List.of(
            exact(Metrics.RECEIVED_PACKETS, "sngate_received_packets", "packets received from devices on every link"),
            exact(Metrics.SENT_PACKETS, "sngate_sent_packets", "packets sent to devices on every link"),
            exact(Metrics.UDP_ERRORS, "sngate_udp_errors", "errors of the UDP socket"),
            exact(Metrics.CLIENTS_LOST, "sngate_clients_lost", "sessions that ended as lost (the will was published)"),
            exact(Metrics.QOS_MINUS_ONE_PUBLISHED, "sngate_qos_minus_one_published",
                    "QoS -1 publishes forwarded to the broker"),
            exact(Metrics.CLIENT_ID_ASSIGNED, "sngate_client_ids_assigned",
                    "CONNECTs with an empty client id that the gateway named"),
            exact(Metrics.OVERSIZED_PUBLISH_REFUSED, "sngate_oversized_publishes_refused",
                    "QoS 1/2 PUBLISHes above limits.max-packet-size, answered with PUBACK 0x03"),
            exact(Metrics.DTLS_HANDSHAKES, "sngate_dtls_handshakes", "DTLS handshakes completed"),
            exact(Metrics.DTLS_HANDSHAKE_RATE_LIMITED, "sngate_dtls_handshakes_rate_limited",
                    "ClientHellos beyond dtls.max-handshakes-per-second-per-ip, dropped"),
            exact(Metrics.DTLS_MAC_ERRORS, "sngate_dtls_mac_errors", "DTLS records that did not decrypt, dropped"),
            exact(Metrics.DTLS_SESSIONS_EXPIRED, "sngate_dtls_sessions_expired",
                    "DTLS sessions closed after dtls.session-expiry-seconds of silence"),
            exact(Metrics.DTLS_ADDRESS_CHANGED, "sngate_dtls_address_changes",
                    "DTLS sessions that moved to a new address under their Connection ID"),
            exact(Metrics.DTLS_DROPPED_NO_CONNECTION, "sngate_dtls_dropped_no_connection",
                    "packets for a DTLS device whose DTLS session is gone, not sent"),
            exact(Metrics.DTLS_SEND_FAILED, "sngate_dtls_send_failures", "DTLS records that could not be sent"),
            prefix(Metrics.DTLS_HANDSHAKE_FAILED_PREFIX, "sngate_dtls_handshakes_failed", "alert",
                    "DTLS handshakes that failed, by the alert that ended them"),
            prefix("dtls.psk_file.", "sngate_dtls_psk_file_reloads", "outcome",
                    "reloads of dtls.psk-file (reloaded, reload_failed)"),
            prefix("devices_file.", "sngate_devices_file_reloads", "outcome",
                    "reloads of devices.file on SIGHUP or POST /api/reload (reloaded, reload_failed)"),
            prefix("predefined_file.", "sngate_predefined_file_reloads", "outcome",
                    "reloads of predefined.file on SIGHUP or POST /api/reload (reloaded, reload_failed)"),
            prefix("dropped.", "sngate_dropped", "reason",
                    "packets dropped before a session, by reason (flood is the sum of flood_new and flood_session)"),
            prefix(Metrics.MALFORMED_PREFIX, "sngate_malformed_packets", "reason",
                    "packets that did not decode, by the decoder's reason"),
            prefix(Metrics.SESSION_PREFIX, "sngate_session_events", "event",
                    "what sessions discarded or counted, by the session's counter name"),
            prefix("connect_refused.", "sngate_connects_refused", "reason", "CONNECTs refused, by reason"),
            prefix("takeover.", "sngate_takeovers", "outcome",
                    "sessions claimed from another address (allowed, refused, address_reused)"),
            prefix("upstream.", "sngate_upstream_events", "event",
                    "events of the broker connections (connection_lost, reconnected, connect_failed, ...)"),
            prefix2("serial.", "sngate_serial_events", "line", "event",
                    "events of a serial line, by the line's name and the event"),
            prefix2("xbee.", "sngate_xbee_events", "radio", "event",
                    "events of an XBee radio, by the radio's name and the event (tx_status.0xNN, modem_status.0xNN, ...)"));

    private PrometheusNames() {
    }

    private static Row exact(String counter, String prometheus, String help) {
        return new Row(counter, prometheus, List.of(), help);
    }

    private static Row prefix(String counter, String prometheus, String label, String help) {
        return new Row(counter, prometheus, List.of(label), help);
    }

    private static Row prefix2(String counter, String prometheus, String first, String second, String help) {
        return new Row(counter, prometheus, List.of(first, second), help);
    }

    /** The Prometheus name and labels of a counter; a name no row knows goes to {@link #UNMAPPED}. */
    public static Mapped map(String counter) {
        for (Row row : TABLE) {
            if (!row.isPrefix()) {
                if (row.counter().equals(counter)) {
                    return new Mapped(row.prometheus(), Map.of(), row.help());
                }
                continue;
            }
            if (!counter.startsWith(row.counter()) || counter.length() == row.counter().length()) {
                continue;
            }
            String rest = counter.substring(row.counter().length());
            Map<String, String> labels = new LinkedHashMap<>();
            if (row.labels().size() == 1) {
                labels.put(row.labels().get(0), rest);
            } else {
                int dot = rest.indexOf('.');
                if (dot <= 0 || dot == rest.length() - 1) {
                    continue;
                }
                labels.put(row.labels().get(0), rest.substring(0, dot));
                labels.put(row.labels().get(1), rest.substring(dot + 1));
            }
            return new Mapped(row.prometheus(), labels, row.help());
        }
        return new Mapped(UNMAPPED, Map.of("counter", counter), "counters no row of the name table knows yet");
    }
}
