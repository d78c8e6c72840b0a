package io.sngate.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.gateway.Metrics;
import io.sngate.gateway.session.ClientSession;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class PrometheusNamesTest {

    private static final Pattern PROMETHEUS_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    @Test
    void everyCounterConstantOfMetricsHasItsRow() throws Exception {
        for (String counter : constants(Metrics.class)) {
            String example = counter.endsWith(".") ? counter + "example_reason" : counter;
            assertThat(PrometheusNames.map(example).name()).as(counter).isNotEqualTo(PrometheusNames.UNMAPPED);
        }
    }

    @Test
    void everySessionCounterIsAnEventOfTheSessionRow() throws Exception {
        for (String counter : constants(ClientSession.Counters.class)) {
            assertThat(PrometheusNames.map(Metrics.SESSION_PREFIX + counter))
                    .isEqualTo(new PrometheusNames.Mapped("sngate_session_events", Map.of("event", counter),
                            PrometheusNames.map("session.x").help()));
        }
    }

    @Test
    void variablePartsBecomeLabels() {
        assertMapped("dropped.flood", "sngate_dropped", Map.of("reason", "flood"));
        assertMapped("dtls.handshake_failed.unknown_psk_identity", "sngate_dtls_handshakes_failed",
                Map.of("alert", "unknown_psk_identity"));
        assertMapped("dtls.handshakes", "sngate_dtls_handshakes", Map.of());
        assertMapped("dtls.psk_file.reload_failed", "sngate_dtls_psk_file_reloads", Map.of("outcome", "reload_failed"));
        assertMapped("upstream.connection_lost", "sngate_upstream_events", Map.of("event", "connection_lost"));
        assertMapped("serial.usb0.port_lost", "sngate_serial_events", Map.of("line", "usb0", "event", "port_lost"));
        assertMapped("xbee.radio1.tx_status.0x21", "sngate_xbee_events",
                Map.of("radio", "radio1", "event", "tx_status.0x21"));
        assertMapped("malformed.truncated", "sngate_malformed_packets", Map.of("reason", "truncated"));
        assertMapped("connect_refused.max_clients", "sngate_connects_refused", Map.of("reason", "max_clients"));
        assertMapped("takeover.address_reused", "sngate_takeovers", Map.of("outcome", "address_reused"));
    }

    @Test
    void aNameNoRowKnowsIsStillExportedUnderItsOwnName() {
        assertMapped("brand_new.thing", PrometheusNames.UNMAPPED, Map.of("counter", "brand_new.thing"));
        assertMapped("serial.noevent", PrometheusNames.UNMAPPED, Map.of("counter", "serial.noevent"));
        assertMapped("dropped.", PrometheusNames.UNMAPPED, Map.of("counter", "dropped."));
    }

    @Test
    void namesAreValidPrometheusNamesWithoutTheCounterSuffix() {
        for (PrometheusNames.Row row : PrometheusNames.TABLE) {
            assertThat(row.prometheus()).matches(PROMETHEUS_NAME).startsWith("sngate_").doesNotEndWith("_total");
            assertThat(row.help()).isNotBlank();
        }
    }

    @Test
    void docsMetricsListsEveryRow() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "metrics.md"), StandardCharsets.UTF_8);
        for (PrometheusNames.Row row : PrometheusNames.TABLE) {
            assertThat(doc).as("docs/metrics.md").contains("`" + row.prometheus() + "_total`")
                    .contains("`" + row.counter() + "`");
        }
        for (String gauge : List.of("sngate_sessions", "sngate_queued_messages", "sngate_queued_messages_max",
                "sngate_upstream_connections", "sngate_broker_reachable", "sngate_ack_latency_seconds",
                PrometheusNames.UNMAPPED + "_total")) {
            assertThat(doc).as("docs/metrics.md").contains("`" + gauge + "`");
        }
    }

    private static void assertMapped(String counter, String name, Map<String, String> labels) {
        PrometheusNames.Mapped mapped = PrometheusNames.map(counter);
        assertThat(mapped.name()).as(counter).isEqualTo(name);
        assertThat(mapped.labels()).as(counter).isEqualTo(labels);
    }

    private static List<String> constants(Class<?> type) throws IllegalAccessException {
        List<String> values = new ArrayList<>();
        for (Field field : type.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
                values.add((String) field.get(null));
            }
        }
        assertThat(values).as("String constants of " + type.getSimpleName()).isNotEmpty();
        return values;
    }
}
