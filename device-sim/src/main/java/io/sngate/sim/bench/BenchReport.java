package io.sngate.sim.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** Everything a bench run found, and its three renderings: table, JSON, CSV. */
final class BenchReport {

    final BenchOptions options;
    final String runId;
    final String started;
    final Map<String, Object> environment;
    Ceiling ceiling;
    final List<RunResult> results = new ArrayList<>();
    SnDevices.ConnectReport connect;
    /** Sweep: the highest offered rate that lost nothing and was reached; null when none. */
    Double highestZeroLoss;
    final List<String> notes = new ArrayList<>();

    BenchReport(BenchOptions options, String runId, String started, Map<String, Object> environment) {
        this.options = options;
        this.runId = runId;
        this.started = started;
        this.environment = environment;
    }

    // ------------------------------------------------------------------ table

    static final String TABLE_HEADER = String.format(Locale.ROOT,
            "%-9s %9s %9s %9s %9s %8s %5s %7s %9s %9s %8s %8s %8s %8s  %s",
            "run", "offered/s", "sent", "acked", "received", "lost", "dup", "retrans", "sent/s", "rcvd/s",
            "p50 ms", "p99 ms", "p99.9 ms", "max ms", "notes");

    String row(RunResult r) {
        boolean acks = options.qos().level() > 0;
        return String.format(Locale.ROOT, "%-9s %9s %9d %9s %9d %8d %5d %7d %9.0f %9.0f %8s %8s %8s %8s  %s",
                r.label(), r.offeredRate() > 0 ? BenchOptions.number(Math.round(r.offeredRate())) : "max", r.sent(),
                acks ? Long.toString(r.acknowledged()) : "-", r.received(), r.lost(), r.duplicates(),
                r.retransmitted(), r.sentRate(), r.receivedRate(), ms(r.latencyMs(50)), ms(r.latencyMs(99)),
                ms(r.latencyMs(99.9)), ms(r.maxLatencyMs()), String.join("; ", r.notes()));
    }

    String ceilingLine() {
        return String.format(Locale.ROOT,
                "ceiling: device side generates %.0f msgs/s (QoS -1 to a UDP sink); MQTT -> broker -> subscribers"
                        + " carries %.0f msgs/s; results from %.0f msgs/s up are marked tool-bound",
                ceiling.generateRate(), ceiling.broker().receivedRate(), 0.9 * ceiling.limit());
    }

    /**
     * Over how many source addresses ({@code --source}) the {@code devices} were spread, e.g.
     * "300 devices spread over 3 source addresses (--source 127.0.0.1-127.0.0.3), 100 per address";
     * null when they all share one.
     */
    String sourceLine(int devices) {
        if (options.source().isEmpty() || options.source().get().size() < 2 || devices < 2) {
            return null;
        }
        SourceAddresses source = options.source().get();
        int used = Math.min(devices, source.size());
        int fewest = devices / source.size();
        int most = (devices + source.size() - 1) / source.size();
        String per = fewest == most || fewest == 0 ? most + " per address" : fewest + " or " + most + " per address";
        return String.format(Locale.ROOT, "%d devices spread over %s source addresses (--source %s), %s",
                devices, used == source.size() ? Integer.toString(used) : used + " of the " + source.size(),
                source.text(), per);
    }

    String connectTable() {
        SnDevices.ConnectReport c = connect;
        StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, "%-8s %9s %9s %12s %11s %9s %9s %8s %8s %8s %8s%n",
                "clients", "connected", "failed", "all in (s)", "connects/s", "CONNECTs", "REGISTERs",
                "p50 ms", "p99 ms", "p99.9 ms", "max ms"));
        text.append(String.format(Locale.ROOT, "%-8d %9d %9d %12s %11s %9d %9d %8s %8s %8s %8s%n",
                c.clients(), c.connected(), c.failed(),
                c.lastConnectedNanos() >= 0 ? String.format(Locale.ROOT, "%.3f", c.lastConnectedNanos() / 1e9) : "-",
                c.lastConnectedNanos() > 0 ? String.format(Locale.ROOT, "%.0f", connectsPerSecond()) : "-",
                c.connectPackets(), c.registerPackets(), ms(percentile(c.latencyMicros(), 50)),
                ms(percentile(c.latencyMicros(), 99)), ms(percentile(c.latencyMicros(), 99.9)),
                ms(c.latencyMicros().getTotalCount() == 0 ? Double.NaN : c.latencyMicros().getMaxValue() / 1000.0)));
        c.failures().forEach((why, n) -> text.append("  failed: ").append(n).append(" x ").append(why).append('\n'));
        return text.toString();
    }

    double connectsPerSecond() {
        return connect.lastConnectedNanos() > 0 ? connect.connected() / (connect.lastConnectedNanos() / 1e9) : 0;
    }

    static double percentile(Histogram h, double p) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(p) / 1000.0;
    }

    static String ms(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.3f", value);
    }

    // ------------------------------------------------------------------ JSON

    String json() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("tool", "sngate-sim bench");
        root.put("mode", options.mode().label());
        root.put("command", options.command());
        root.put("run_id", runId);
        root.put("started", started);
        root.put("parameters", parameters());
        root.put("environment", environment);
        root.put("ceiling", ceiling == null ? null : ceilingJson());
        List<Object> rows = new ArrayList<>();
        for (RunResult r : results) {
            rows.add(resultJson(r));
        }
        root.put("results", rows);
        if (options.sweep()) {
            root.put("highest_zero_loss_rate", highestZeroLoss);
        }
        if (connect != null) {
            root.put("connect", connectJson());
        }
        root.put("notes", notes);
        return Json.write(root);
    }

    private Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("gateway_host", options.host());
        p.put("gateway_port", options.port());
        p.put("broker", options.broker());
        p.put("clients", options.clients());
        p.put("rate", options.rate());
        p.put("sweep", options.sweep());
        if (options.sweep()) {
            p.put("step", options.rateStep());
            p.put("max_rate", options.maxRate());
            p.put("refine", options.refine());
        }
        p.put("duration_s", options.durationSeconds());
        p.put("warmup_s", options.warmupSeconds());
        p.put("drain_s", options.drainSeconds());
        p.put("payload_size", options.payloadSize());
        p.put("qos", options.qos().level());
        p.put("window", options.window());
        p.put("runtimes", options.runtimes());
        p.put("subscribers", options.subscribers());
        p.put("subscribe_qos", options.subscribeQos());
        p.put("retry_s", options.retrySeconds());
        p.put("max_retries", options.maxRetries());
        p.put("keep_alive_s", options.keepAlive());
        p.put("seed", options.seed());
        p.put("source", options.source().map(SourceAddresses::text).orElse(null));
        p.put("source_addresses", options.source().map(SourceAddresses::size).orElse(1));
        p.put("ceiling", !options.noCeiling() && options.publishes() || options.mode() == BenchOptions.Mode.CEILING);
        p.put("ceiling_duration_s", options.ceilingSeconds());
        return p;
    }

    private Map<String, Object> ceilingJson() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("generate_rate", ceiling.generateRate());
        c.put("broker_rate", ceiling.broker().receivedRate());
        c.put("limit", ceiling.limit());
        c.put("tool_bound_from", 0.9 * ceiling.limit());
        c.put("broker_run", resultJson(ceiling.broker()));
        c.put("problems", ceiling.problems());
        return c;
    }

    private Map<String, Object> resultJson(RunResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("label", r.label());
        m.put("step", r.step());
        m.put("offered_rate", r.offeredRate());
        m.put("duration_s", r.durationSeconds());
        m.put("sent", r.sent());
        m.put("acknowledged", r.acknowledged());
        m.put("failed", r.failed());
        m.put("received", r.received());
        m.put("lost", r.lost());
        m.put("duplicates", r.duplicates());
        m.put("late", r.late());
        m.put("retransmitted", r.retransmitted());
        m.put("send_errors", r.sendErrors());
        m.put("in_flight_at_end", r.inFlightAtEnd());
        m.put("sent_rate", r.sentRate());
        m.put("received_rate", r.receivedRate());
        m.put("pacer_max_lag_ms", r.pacerMaxLagMicros() / 1000.0);
        m.put("latency_ms", latencyJson(r.latencyMicros()));
        m.put("tool_bound", r.toolBound());
        m.put("notes", r.notes());
        return m;
    }

    private static Map<String, Object> latencyJson(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        m.put("p50", nullable(percentile(h, 50)));
        m.put("p90", nullable(percentile(h, 90)));
        m.put("p99", nullable(percentile(h, 99)));
        m.put("p99_9", nullable(percentile(h, 99.9)));
        m.put("max", nullable(h.getTotalCount() == 0 ? Double.NaN : h.getMaxValue() / 1000.0));
        m.put("mean", nullable(h.getTotalCount() == 0 ? Double.NaN : h.getMean() / 1000.0));
        return m;
    }

    private Map<String, Object> connectJson() {
        SnDevices.ConnectReport c = connect;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("clients", c.clients());
        m.put("connected", c.connected());
        m.put("failed", c.failed());
        m.put("time_to_all_connected_s", c.lastConnectedNanos() >= 0 ? (Object) (c.lastConnectedNanos() / 1e9) : null);
        m.put("connects_per_s", c.lastConnectedNanos() > 0 ? (Object) connectsPerSecond() : null);
        m.put("connect_packets", c.connectPackets());
        m.put("register_packets", c.registerPackets());
        m.put("latency_ms", latencyJson(c.latencyMicros()));
        m.put("failures", c.failures());
        return m;
    }

    private static Object nullable(double value) {
        return Double.isNaN(value) ? null : value;
    }

    // ------------------------------------------------------------------ CSV

    String csv() {
        StringBuilder text = new StringBuilder();
        if (connect != null) {
            SnDevices.ConnectReport c = connect;
            text.append("mode,clients,connected,failed,time_to_all_connected_s,connects_per_s,connect_packets,"
                    + "register_packets,p50_ms,p99_ms,p999_ms,max_ms,run_id,command\n");
            text.append(String.join(",", "connect", Integer.toString(c.clients()), Integer.toString(c.connected()),
                    Integer.toString(c.failed()),
                    c.lastConnectedNanos() >= 0 ? num(c.lastConnectedNanos() / 1e9) : "",
                    c.lastConnectedNanos() > 0 ? num(connectsPerSecond()) : "", Long.toString(c.connectPackets()),
                    Long.toString(c.registerPackets()), csvMs(percentile(c.latencyMicros(), 50)),
                    csvMs(percentile(c.latencyMicros(), 99)), csvMs(percentile(c.latencyMicros(), 99.9)),
                    csvMs(c.latencyMicros().getTotalCount() == 0 ? Double.NaN
                            : c.latencyMicros().getMaxValue() / 1000.0),
                    runId, quote(options.command()))).append('\n');
            return text.toString();
        }
        text.append("mode,label,step,qos,clients,payload_size,offered_rate,duration_s,sent,acknowledged,failed,"
                + "received,lost,duplicates,late,retransmitted,send_errors,sent_rate,received_rate,p50_ms,p99_ms,"
                + "p999_ms,max_ms,pacer_max_lag_ms,tool_bound,ceiling_limit,run_id,notes\n");
        List<RunResult> rows = new ArrayList<>();
        if (ceiling != null) {
            rows.add(ceiling.broker());
        }
        rows.addAll(results);
        for (RunResult r : rows) {
            text.append(String.join(",", options.mode().label(), r.label(), Integer.toString(r.step()),
                    Integer.toString(options.qos().level()), Integer.toString(options.clients()),
                    Integer.toString(options.payloadSize()), num(r.offeredRate()), num(r.durationSeconds()),
                    Long.toString(r.sent()), Long.toString(r.acknowledged()), Long.toString(r.failed()),
                    Long.toString(r.received()), Long.toString(r.lost()), Long.toString(r.duplicates()),
                    Long.toString(r.late()), Long.toString(r.retransmitted()), Long.toString(r.sendErrors()),
                    num(r.sentRate()), num(r.receivedRate()), csvMs(r.latencyMs(50)), csvMs(r.latencyMs(99)),
                    csvMs(r.latencyMs(99.9)), csvMs(r.maxLatencyMs()), num(r.pacerMaxLagMicros() / 1000.0),
                    Boolean.toString(r.toolBound()), ceiling == null ? "" : num(ceiling.limit()), runId,
                    quote(String.join("; ", r.notes())))).append('\n');
        }
        return text.toString();
    }

    private static String num(double value) {
        return String.format(Locale.ROOT, "%.3f", value);
    }

    private static String csvMs(double value) {
        return Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%.3f", value);
    }

    static String quote(String text) {
        if (text.contains(",") || text.contains("\"") || text.contains("\n") || text.contains("'")) {
            return "\"" + text.replace("\"", "\"\"") + "\"";
        }
        return text;
    }
}
