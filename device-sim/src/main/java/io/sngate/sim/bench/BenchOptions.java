package io.sngate.sim.bench;

import io.sngate.codec.QoS;
import io.sngate.sim.DtlsSettings;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Everything a bench run depends on, parsed from the command line and printed back as one
 * complete command ({@link #command()}) so the run can be repeated exactly.
 */
record BenchOptions(Mode mode, String host, int port, String broker, int clients, double rate, boolean sweep,
                    double rateStep, double maxRate, int refine, double durationSeconds, double drainSeconds,
                    int payloadSize, QoS qos, int window, int runtimes, int subscribers, int subscribeQos,
                    double retrySeconds,
                    int maxRetries, int keepAlive, Optional<Path> json, Optional<Path> csv, Optional<Path> plot,
                    long seed, boolean noCeiling, double ceilingSeconds, double warmupSeconds, double holdSeconds,
                    double connectTimeoutSeconds, Optional<SourceAddresses> source, Optional<DtlsSettings> dtls) {

    enum Mode {
        QOS0, QOS1, LATENCY, CONNECT, CEILING;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A usage error: printed with the usage, exit code 2. */
    static final class UsageError extends Exception {
        private static final long serialVersionUID = 1L;

        UsageError(String message) {
            super(message);
        }
    }

    static final String USAGE = """
            usage: sngate-sim bench <mode> [options]
            modes:
              qos0      QoS 0 publishes at --rate msgs/s; with --sweep, raise the rate step by step until
                        messages are lost and report the highest zero-loss rate
              qos1      QoS 1: every client keeps one publish in flight (MQTT-SN allows one per client;
                        more in flight means more --clients); --rate caps the total, default as fast as acked
              latency   publishes at a fixed --rate (default 10000) and reports the latency histogram
              connect   --clients devices CONNECT and REGISTER (all at once, or --rate per second):
                        time until all are connected, connects/s
              ceiling   the bench's own limit, no gateway needed: the rate the device side puts PUBLISHes
                        on UDP, and the msgs/s MQTT publishers get through the broker to the subscribers
                        (for --duration; at full speed, or paced at --rate). Run before the other
                        publishing modes too (see --no-ceiling), to mark results near it tool-bound
            options:
              -h HOST, -p PORT      the MQTT-SN gateway (default localhost 1883)
              --broker URI          the broker the subscribers watch (default tcp://localhost:1883)
              --clients N           simulated devices (default 10)
              --rate R              msgs/s over all clients (qos0, latency: default 10000; qos1: 0 = as fast
                                    as acknowledged); connect: CONNECTs/s (default 0 = all at once)
              --sweep               qos0: step the rate up from --rate until loss appears
              --step R              sweep increment (default: --rate)
              --max-rate R          sweep stops here (default 1000000)
              --refine N            after the first lossy step, bisect N times between it and the last good one
              --duration SECONDS    measured time per run or step (default 10)
              --drain SECONDS       after the run, longest wait for outstanding messages (default 3)
              --warmup SECONDS      unmeasured load before the measurement (and before the ceiling's),
                                    so JIT compilation is not measured (default 2)
              --payload-size BYTES  16 .. 1024 (default 16: sequence number + send time)
              --qos Q               latency and ceiling: 0, 1 or 2 (default 0); qos1: 1 or 2
              --window W            publishes in flight per client: 1 (MQTT-SN 1.2 allows no more)
              --runtimes N          device threads (default: the number of cores)
              --subscribers N       Paho subscribers at the broker, each taking a share of the clients
                                    (default: 2, at most --clients)
              --subscribe-qos Q     the subscribers' QoS (default: --qos); 0 spares them a PUBACK per
                                    message in QoS 1/2 runs, raising the bench's own limit
              --retry SECONDS       T_RETRY of the device clients (default 10)
              --max-retries N       N_RETRY of the device clients (default 3)
              --keep-alive SECONDS  of the device clients (default 600)
              --json FILE           write the results as JSON
              --csv FILE            write the results as CSV (one row per run or step)
              --plot FILE           latency by percentile, FILE.svg or FILE.png
              --seed N              padding bytes and client randomness (default 1)
              --no-ceiling          skip the ceiling measured before qos0, qos1 and latency runs
              --ceiling-duration S  length of that measurement (default 5)
              --hold SECONDS        connect: keep the clients connected this long after the storm,
                                    to read the gateway's memory (see docs/benchmarks.md)
              --timeout SECONDS     connect: give up waiting for CONNACK/REGACK (default: from the retries)
              --source ADDRESSES    local addresses of the device sockets (default: the loopback address
                                    when the gateway is on loopback, else any): one address, a list
                                    127.0.0.1,127.0.0.2, an IPv4 range 127.0.0.1-127.0.0.20 (or 127.0.0.1-20),
                                    a CIDR block 127.0.1.0/24 (its host addresses), or a list of those;
                                    at most 65536 addresses; IPv6 only as single addresses or lists.
                                    Device i binds to address i mod N. A gateway limits sessions and
                                    CONNECTs per source IP (sngate: 1000 and 1000/s), and an address has
                                    ~28 000 ephemeral ports: 10 000 clients fit on 127.0.0.1-20 (500 each)
            DTLS (qos0, qos1, latency, connect; -p is then the gateway's DTLS port; at most 5000 --clients, as each
            DTLS device has a receiver thread; the ceiling's device-side figure stays plain UDP):
            """ + DtlsSettings.USAGE;

    private static final Set<String> WITH_VALUE = union(Set.of("-h", "-p", "--broker", "--clients", "--rate", "--step",
            "--max-rate", "--refine", "--duration", "--drain", "--payload-size", "--qos", "--window", "--runtimes",
            "--subscribers", "--subscribe-qos", "--retry", "--max-retries", "--keep-alive", "--json", "--csv", "--plot",
            "--seed",
            "--ceiling-duration", "--warmup", "--hold", "--timeout", "--source"), DtlsSettings.FLAGS_WITH_VALUE);
    private static final Set<String> SWITCHES = union(Set.of("--sweep", "--no-ceiling"), DtlsSettings.SWITCHES);

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }

    static BenchOptions parse(List<String> args) throws UsageError {
        Map<String, String> values = new HashMap<>();
        Set<String> switches = new HashSet<>();
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String name = arg;
            String inline = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                inline = arg.substring(eq + 1);
            }
            if (WITH_VALUE.contains(name)) {
                if (inline == null) {
                    if (i + 1 >= args.size()) {
                        throw new UsageError(name + " needs a value");
                    }
                    inline = args.get(++i);
                }
                values.put(name, inline);
            } else if (SWITCHES.contains(name) && inline == null) {
                switches.add(name);
            } else if (arg.startsWith("-") && arg.length() > 1) {
                throw new UsageError("unknown option " + arg);
            } else {
                positional.add(arg);
            }
        }
        if (positional.isEmpty()) {
            throw new UsageError("which mode? qos0, qos1, latency, connect or ceiling");
        }
        if (positional.size() > 1) {
            throw new UsageError("unexpected argument " + positional.get(1));
        }
        Mode mode;
        try {
            mode = Mode.valueOf(positional.get(0).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageError("unknown mode '" + positional.get(0) + "': qos0, qos1, latency, connect or ceiling");
        }
        Parser p = new Parser(values);
        String host = p.text("-h", "localhost");
        int port = p.integer("-p", 1883, 1, 65535);
        String broker = p.text("--broker", "tcp://localhost:1883");
        try {
            URI uri = new URI(broker);
            if (!"tcp".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 1) {
                throw new UsageError("--broker must be tcp://HOST:PORT, not " + broker);
            }
        } catch (java.net.URISyntaxException e) {
            throw new UsageError("--broker must be tcp://HOST:PORT, not " + broker);
        }
        int clients = p.integer("--clients", 10, 1, Payload.MAX_CLIENTS / 2 - 1);
        double defaultRate = switch (mode) {
            case QOS0, LATENCY -> 10_000;
            case QOS1, CONNECT, CEILING -> 0;
        };
        double rate = p.decimal("--rate", defaultRate, 0, 100_000_000);
        boolean sweep = switches.contains("--sweep");
        if (sweep && mode != Mode.QOS0) {
            throw new UsageError("--sweep is for qos0");
        }
        if ((mode == Mode.QOS0 || mode == Mode.LATENCY) && rate <= 0) {
            throw new UsageError("--rate must be above 0 for " + mode.label());
        }
        double rateStep = p.decimal("--step", rate, 1, 100_000_000);
        double maxRate = p.decimal("--max-rate", 1_000_000, 1, 100_000_000);
        int refine = p.integer("--refine", 0, 0, 20);
        for (String sweepOnly : List.of("--step", "--max-rate", "--refine")) {
            if (values.containsKey(sweepOnly) && !sweep) {
                throw new UsageError(sweepOnly + " needs --sweep");
            }
        }
        double duration = p.decimal("--duration", 10, 0.1, 86_400);
        double drain = p.decimal("--drain", 3, 0, 3_600);
        int payloadSize = p.integer("--payload-size", 16, Payload.HEADER, 1024);
        QoS qos = switch (mode) {
            case QOS0 -> QoS.ofLevel(p.integer("--qos", 0, 0, 0));
            case QOS1 -> QoS.ofLevel(p.integer("--qos", 1, 1, 2));
            case LATENCY, CEILING -> QoS.ofLevel(p.integer("--qos", 0, 0, 2));
            case CONNECT -> QoS.ofLevel(p.integer("--qos", 0, 0, 2));
        };
        if (values.containsKey("--window")) {
            int window = p.integer("--window", 1, 1, Integer.MAX_VALUE);
            if (window != 1) {
                throw new UsageError("--window " + window + ": an MQTT-SN 1.2 client has one QoS 1/2 publish in"
                        + " flight; for " + window + " in flight use " + window + " times the --clients");
            }
        }
        int runtimes = p.integer("--runtimes", Runtime.getRuntime().availableProcessors(), 1, 256);
        int subscribers = p.integer("--subscribers", Math.min(2, clients), 1, 64);
        if (subscribers > clients) {
            throw new UsageError("--subscribers " + subscribers + " is more than --clients " + clients);
        }
        int subscribeQos = p.integer("--subscribe-qos", qos.level() < 0 ? 0 : qos.level(), 0, 2);
        double retry = p.decimal("--retry", 10, 0.01, 3_600);
        int maxRetries = p.integer("--max-retries", 3, 0, 100);
        int keepAlive = p.integer("--keep-alive", 600, 0, 65535);
        Optional<Path> json = Optional.ofNullable(values.get("--json")).map(Path::of);
        Optional<Path> csv = Optional.ofNullable(values.get("--csv")).map(Path::of);
        Optional<Path> plot = Optional.ofNullable(values.get("--plot")).map(Path::of);
        if (plot.isPresent()) {
            String name = plot.get().getFileName().toString().toLowerCase(Locale.ROOT);
            if (!name.endsWith(".svg") && !name.endsWith(".png")) {
                throw new UsageError("--plot needs a .svg or .png file name");
            }
        }
        long seed = p.longValue("--seed", 1);
        double ceilingSeconds = p.decimal("--ceiling-duration", 5, 0.1, 3_600);
        double warmup = p.decimal("--warmup", 2, 0, 3_600);
        double hold = p.decimal("--hold", 0, 0, 86_400);
        if (hold > 0 && mode != Mode.CONNECT) {
            throw new UsageError("--hold is for connect");
        }
        double timeout = p.decimal("--timeout", retry * (maxRetries + 1) + 5, 0.1, 86_400);
        Optional<SourceAddresses> source = Optional.empty();
        if (values.containsKey("--source")) {
            source = Optional.of(SourceAddresses.parse(values.get("--source")));
        }
        Optional<DtlsSettings> dtls;
        try {
            dtls = DtlsSettings.fromFlags(values::get, switches.contains("--dtls"));
            if (dtls.isPresent() && values.containsKey("--psk-file")
                    && values.getOrDefault("--psk-identity", "").contains("{id}")) {
                throw new UsageError("--psk-identity: bench makes new client ids for every run, so {id} finds no"
                        + " line in --psk-file: use {n}, the device's number");
            }
            if (dtls.isPresent()) {
                if (mode == Mode.CEILING) {
                    throw new UsageError("--dtls is for the modes that talk to a gateway: qos0, qos1, latency,"
                            + " connect");
                }
                // Client ids carry the run's id, unknown here: {id} patterns are checked with a stand-in.
                dtls.get().checkDevices(clients, i -> "sb-" + i);
            }
        } catch (DtlsSettings.Invalid e) {
            throw new UsageError(e.getMessage());
        }
        return new BenchOptions(mode, host, port, broker, clients, rate, sweep, rateStep, maxRate, refine, duration,
                drain, payloadSize, qos, 1, runtimes, subscribers, subscribeQos, retry, maxRetries, keepAlive, json,
                csv, plot, seed, switches.contains("--no-ceiling"), ceilingSeconds, warmup, hold, timeout, source,
                dtls);
    }

    /** Whether this mode publishes through the gateway (and so is compared with the ceiling). */
    boolean publishes() {
        return mode == Mode.QOS0 || mode == Mode.QOS1 || mode == Mode.LATENCY;
    }

    /** The complete command, every default spelled out, to repeat this run. */
    String command() {
        List<String> words = new ArrayList<>(List.of("sngate-sim", "bench", mode.label(), "-h", host, "-p",
                Integer.toString(port), "--broker", broker, "--clients", Integer.toString(clients)));
        if (mode != Mode.CONNECT || rate > 0) {
            words.addAll(List.of("--rate", number(rate)));
        }
        if (sweep) {
            words.addAll(List.of("--sweep", "--step", number(rateStep), "--max-rate", number(maxRate), "--refine",
                    Integer.toString(refine)));
        }
        if (mode != Mode.CONNECT) {
            words.addAll(List.of("--duration", number(durationSeconds), "--warmup", number(warmupSeconds),
                    "--drain", number(drainSeconds),
                    "--payload-size", Integer.toString(payloadSize), "--qos", Integer.toString(qos.level())));
        }
        if (mode == Mode.QOS1) {
            words.addAll(List.of("--window", Integer.toString(window)));
        }
        words.addAll(List.of("--runtimes", Integer.toString(runtimes)));
        if (mode != Mode.CONNECT) {
            words.addAll(List.of("--subscribers", Integer.toString(subscribers), "--subscribe-qos",
                    Integer.toString(subscribeQos)));
        }
        words.addAll(List.of("--retry", number(retrySeconds), "--max-retries", Integer.toString(maxRetries),
                "--keep-alive", Integer.toString(keepAlive), "--seed", Long.toString(seed)));
        if (publishes()) {
            if (noCeiling) {
                words.add("--no-ceiling");
            } else {
                words.addAll(List.of("--ceiling-duration", number(ceilingSeconds)));
            }
        }
        if (mode == Mode.CONNECT) {
            words.addAll(List.of("--timeout", number(connectTimeoutSeconds)));
            if (holdSeconds > 0) {
                words.addAll(List.of("--hold", number(holdSeconds)));
            }
        }
        source.ifPresent(a -> words.addAll(List.of("--source", a.text())));
        dtls.ifPresent(d -> words.addAll(d.commandWords()));
        json.ifPresent(f -> words.addAll(List.of("--json", f.toString())));
        csv.ifPresent(f -> words.addAll(List.of("--csv", f.toString())));
        plot.ifPresent(f -> words.addAll(List.of("--plot", f.toString())));
        StringBuilder line = new StringBuilder();
        for (String word : words) {
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word.matches("[A-Za-z0-9_./:=@%+,-]+") ? word : "'" + word.replace("'", "'\\''") + "'");
        }
        return line.toString();
    }

    static String number(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return String.format(Locale.ROOT, "%s", value);
    }

    /** Reads typed values, naming the option in errors. */
    private record Parser(Map<String, String> values) {
        String text(String name, String fallback) throws UsageError {
            String value = values.getOrDefault(name, fallback);
            if (value.isBlank()) {
                throw new UsageError(name + " must not be empty");
            }
            return value;
        }

        int integer(String name, int fallback, int min, int max) throws UsageError {
            long value = longValue(name, fallback);
            if (value < min || value > max) {
                throw new UsageError(name + " must be from " + min + " to " + max + ", not " + value);
            }
            return (int) value;
        }

        long longValue(String name, long fallback) throws UsageError {
            String text = values.get(name);
            if (text == null) {
                return fallback;
            }
            try {
                return Long.parseLong(text.trim().replace("_", ""));
            } catch (NumberFormatException e) {
                throw new UsageError(name + " must be a whole number, not '" + text + "'");
            }
        }

        double decimal(String name, double fallback, double min, double max) throws UsageError {
            String text = values.get(name);
            if (text == null) {
                return fallback;
            }
            double value;
            try {
                value = Double.parseDouble(text.trim().replace("_", ""));
            } catch (NumberFormatException e) {
                throw new UsageError(name + " must be a number, not '" + text + "'");
            }
            if (!(value >= min && value <= max)) {
                throw new UsageError(name + " must be from " + number(min) + " to " + number(max) + ", not " + text);
            }
            return value;
        }
    }
}
