package io.sngate.gateway.admin;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sngate.gateway.Metrics;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code /metrics}: the gateway's counters under their {@link PrometheusNames}, gauges of the
 * sessions, queues and broker connections, and the histogram of the broker's acknowledgement
 * latency, in Prometheus' text format (Micrometer's registry writes it).
 *
 * <p>Counters appear in {@link Metrics} as they are first counted, so each scrape registers the
 * names that are new since the last one; the gauges are computed once per scrape from the
 * sessions' published fields, not once per series. Scrapes come from the admin server's threads
 * and are serialised here.
 */
public final class PrometheusExport {

    /** Buckets of the acknowledgement latency: a LAN broker answers in milliseconds, a remote one in tens. */
    static final List<Duration> ACK_LATENCY_BUCKETS = List.of(Duration.ofMillis(1), Duration.ofMillis(2),
            Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10));

    private final AdminAccess gateway;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Set<String> counted = new HashSet<>();
    private final Set<String> sessionSeries = new HashSet<>();
    private final Set<String> upstreamSeries = new HashSet<>();
    // What the last scrape found; the gauges read these.
    private volatile Map<String, Integer> sessionsByStateAndLink = Map.of();
    private volatile Map<String, Integer> upstreamByState = Map.of();
    private volatile long queuedTotal;
    private volatile long queuedMax;

    public PrometheusExport(AdminAccess gateway) {
        this.gateway = gateway;
        Timer ackLatency = Timer.builder("sngate_ack_latency")
                .description("time from a device's QoS 1/2 PUBLISH leaving for the broker to the broker's PUBACK "
                        + "(QoS 1) or PUBREC (QoS 2)")
                .serviceLevelObjectives(ACK_LATENCY_BUCKETS.toArray(Duration[]::new))
                .register(registry);
        gateway.metrics().onAckLatency(millis -> ackLatency.record(millis, TimeUnit.MILLISECONDS));
        Gauge.builder("sngate_queued_messages", () -> queuedTotal)
                .description("messages waiting for devices, over all sessions").register(registry);
        Gauge.builder("sngate_queued_messages_max", () -> queuedMax)
                .description("messages waiting for the device with the longest queue").register(registry);
        Gauge.builder("sngate_broker_reachable", () -> gateway.broker().reachable() ? 1 : 0)
                .description("1 when a probe connection with the gateway's settings and credentials is up")
                .register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    /** The text exposition of everything, as of now. */
    public synchronized String scrape() {
        Metrics metrics = gateway.metrics();
        for (String counter : metrics.snapshot().keySet()) {
            if (counted.add(counter)) {
                PrometheusNames.Mapped mapped = PrometheusNames.map(counter);
                Tags tags = Tags.empty();
                for (Map.Entry<String, String> label : mapped.labels().entrySet()) {
                    tags = tags.and(label.getKey(), label.getValue());
                }
                FunctionCounter.builder(mapped.name(), metrics, m -> m.get(counter)).tags(tags)
                        .description(mapped.help()).register(registry);
            }
        }
        Map<String, Integer> sessions = new HashMap<>();
        Map<String, Integer> upstream = new HashMap<>();
        long total = 0;
        long max = 0;
        for (ClientSummary client : gateway.clients()) {
            sessions.merge(client.state() + "|" + client.link(), 1, Integer::sum);
            upstream.merge(client.upstream(), 1, Integer::sum);
            total += client.queued();
            max = Math.max(max, client.queued());
        }
        sessionsByStateAndLink = sessions;
        upstreamByState = upstream;
        queuedTotal = total;
        queuedMax = max;
        for (String key : sessions.keySet()) {
            if (sessionSeries.add(key)) {
                String[] parts = key.split("\\|", 2);
                Gauge.builder("sngate_sessions", () -> sessionsByStateAndLink.getOrDefault(key, 0))
                        .tags("state", parts[0], "link", parts[1])
                        .description("sessions the gateway keeps, by state and link").register(registry);
            }
        }
        for (String state : upstream.keySet()) {
            if (upstreamSeries.add(state)) {
                Gauge.builder("sngate_upstream_connections", () -> upstreamByState.getOrDefault(state, 0))
                        .tags("state", state)
                        .description("sessions by the state of their broker side (in aggregating mode, views of the "
                                + "one shared connection)").register(registry);
            }
        }
        return registry.scrape();
    }
}
