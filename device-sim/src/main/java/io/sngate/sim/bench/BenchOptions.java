package io.sngate.sim.bench;

import io.sngate.codec.QoS;
import io.sngate.hw.cli.Args;
import io.sngate.hw.cli.CliCommand;
import io.sngate.sim.DtlsSettings;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.ParameterException;

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

    /** A usage error: reported as picocli reports its own, exit code 2. */
    static final class UsageError extends io.sngate.hw.cli.UsageError {
        private static final long serialVersionUID = 1L;

        UsageError(String message) {
            super(message);
        }
    }

    static final List<String> MODES = List.of("qos0", "qos1", "latency", "connect", "ceiling");

    /** The bench's command line, without what it does ({@link BenchCommand} adds that). */
    static CliCommand commandLine() {
        CliCommand command = CliCommand.named("bench")
                .summary("measure an MQTT-SN gateway: qos0, qos1, latency, connect, ceiling")
                .synopsis("sngate-sim bench MODE [OPTIONS]")
                .description("Simulated devices publish through the gateway (ours or another) to an MQTT broker "
                                + "where MQTT subscribers count what arrives. Sent, acknowledged and received are "
                                + "counted apart, a message once however often it arrives; the bench's own ceiling "
                                + "is measured first and results near it are marked tool-bound. The first line "
                                + "printed is the complete command, every default spelled out, to repeat the run. "
                                + "See docs/benchmarks.md.",
                        """
                        Modes:
                          qos0     QoS 0 publishes at --rate msgs/s; with --sweep, raise the rate
                                   step by step until messages are lost and report the highest
                                   zero-loss rate
                          qos1     QoS 1: every client keeps one publish in flight (MQTT-SN allows
                                   one per client; more in flight means more --clients); --rate
                                   caps the total, default as fast as acknowledged
                          latency  publishes at a fixed --rate (default 10000) and reports the
                                   latency histogram
                          connect  --clients devices CONNECT and REGISTER (all at once, or --rate
                                   per second): time until all are connected, connects/s
                          ceiling  the bench's own limit, no gateway needed: the rate the device
                                   side puts PUBLISHes on UDP, and the msgs/s MQTT publishers get
                                   through the broker to the subscribers (for --duration; at full
                                   speed, or paced at --rate). Run before the other publishing
                                   modes too (see --no-ceiling), to mark results near it
                                   tool-bound""")
                .operand("MODE", "0..1", MODES, "qos0, qos1, latency, connect or ceiling")
                .group("Gateway and broker")
                .value("-h", "HOST", "the MQTT-SN gateway's host (default localhost)")
                .value("-p", "PORT", "the MQTT-SN gateway's port (default 1883)")
                .value("--broker", "URI", "the broker the subscribers watch (default tcp://localhost:1883)")
                .group("Load")
                .value("--clients", "N", "simulated devices (default 10)")
                .value("--rate", "R", "msgs/s over all clients (qos0, latency: default 10000; qos1: 0 = as fast as "
                        + "acknowledged); connect: CONNECTs/s (default 0 = all at once)")
                .value("--payload-size", "BYTES", "16 .. 1024 (default 16: sequence number + send time)")
                .value("--qos", "Q", "latency and ceiling: 0, 1 or 2 (default 0); qos1: 1 or 2")
                .value("--window", "W", "publishes in flight per client: 1 (MQTT-SN 1.2 allows no more)")
                .value("--runtimes", "N", "device threads (default: the number of cores)")
                .value("--subscribers", "N", "MQTT subscribers at the broker, each taking a share of the clients "
                        + "(default: 2, at most --clients)")
                .value("--subscribe-qos", "Q", "the subscribers' QoS (default: --qos); 0 spares them a PUBACK per "
                        + "message in QoS 1/2 runs, raising the bench's own limit")
                .value("--source", "ADDRESSES", "local addresses of the device sockets (default: the loopback "
                        + "address when the gateway is on loopback, else any): one address, a list "
                        + "127.0.0.1,127.0.0.2, an IPv4 range 127.0.0.1-127.0.0.20 (or 127.0.0.1-20), a CIDR block "
                        + "127.0.1.0/24 (its host addresses), or a list of those; at most 65536 addresses; IPv6 only "
                        + "as single addresses or lists. Device i binds to address i mod N. A gateway limits "
                        + "sessions and CONNECTs per source IP (sngate: 1000 and 1000/s), and an address has ~28 000 "
                        + "ephemeral ports: 10 000 clients fit on 127.0.0.1-20 (500 each)")
                .group("Sweep (qos0)")
                .flag("--sweep", "step the rate up from --rate until loss appears")
                .value("--step", "R", "sweep increment (default: --rate)")
                .value("--max-rate", "R", "sweep stops here (default 1000000)")
                .value("--refine", "N", "after the first lossy step, bisect N times between it and the last good one")
                .group("Timing")
                .value("--duration", "SECONDS", "measured time per run or step (default 10)")
                .value("--drain", "SECONDS", "after the run, longest wait for outstanding messages (default 3)")
                .value("--warmup", "SECONDS", "unmeasured load before the measurement (and before the ceiling's), "
                        + "so JIT compilation is not measured (default 2)")
                .flag("--no-ceiling", "skip the ceiling measured before qos0, qos1 and latency runs")
                .value("--ceiling-duration", "S", "length of that measurement (default 5)")
                .value("--hold", "SECONDS", "connect: keep the clients connected this long after the storm, to "
                        + "read the gateway's memory (see docs/benchmarks.md)")
                .value("--timeout", "SECONDS", "connect: give up waiting for CONNACK/REGACK (default: from the "
                        + "retries)")
                .group("Device clients")
                .value("--retry", "SECONDS", "T_RETRY of the device clients (default 10)")
                .value("--max-retries", "N", "N_RETRY of the device clients (default 3)")
                .value("--keep-alive", "SECONDS", "of the device clients (default 600)")
                .value("--seed", "N", "padding bytes and client randomness (default 1)")
                .group("Results")
                .file("--json", "FILE", "write the results as JSON")
                .file("--csv", "FILE", "write the results as CSV (one row per run or step)")
                .file("--plot", "FILE", "latency by percentile, FILE.svg or FILE.png");
        return DtlsSettings.addOptions(command, "DTLS (qos0, qos1, latency, connect; at most 5000 --clients, as each "
                        + "DTLS device has a receiver thread; the ceiling's device-side figure stays plain UDP)",
                "DTLS 1.2 to the gateway (-p is then its DTLS port), with a PSK or certificates")
                .exitCode(BenchCommand.EXIT_OK, "the run was measured")
                .exitCode(BenchCommand.EXIT_FAILURE, "the run could not be carried out (no gateway, no broker, a "
                        + "result file that cannot be written), or in connect mode no device connected")
                .exitCode(BenchCommand.EXIT_USAGE, "usage error: no or an unknown mode, an unknown or repeated "
                        + "option, a bad value, options that do not go together")
                .examples("sngate-sim bench ceiling",
                        "sngate-sim bench qos0 -h 127.0.0.1 -p 1883 --broker tcp://127.0.0.1:1884 --sweep "
                                + "--rate 20000 --refine 3",
                        "sngate-sim bench latency --rate 5000 --plot latency.svg --json latency.json",
                        "sngate-sim bench connect --clients 10000 --source 127.0.0.1-20 --hold 30");
    }

    /**
     * The options of a bench command line ({@code MODE [OPTIONS]}), as {@link BenchCommand} reads them.
     *
     * @throws UsageError anything wrong with it, picocli's findings included
     */
    static BenchOptions parse(List<String> args) throws UsageError {
        Args parsed;
        try {
            parsed = commandLine().parse(args);
        } catch (ParameterException e) {
            throw new UsageError(e.getMessage());
        }
        return from(parsed);
    }

    /** The options of a parsed bench command line. */
    static BenchOptions from(Args values) throws UsageError {
        List<String> positional = values.positional();
        if (positional.isEmpty()) {
            throw new UsageError("which mode? qos0, qos1, latency, connect or ceiling");
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
        boolean sweep = values.has("--sweep");
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
            if (values.has(sweepOnly) && !sweep) {
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
        if (values.has("--window")) {
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
        if (values.has("--source")) {
            source = Optional.of(SourceAddresses.parse(values.get("--source")));
        }
        Optional<DtlsSettings> dtls;
        try {
            dtls = DtlsSettings.fromFlags(values::get, values.has("--dtls"));
            if (dtls.isPresent() && values.has("--psk-file")
                    && values.get("--psk-identity", "").contains("{id}")) {
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
                csv, plot, seed, values.has("--no-ceiling"), ceilingSeconds, warmup, hold, timeout, source,
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
    private record Parser(Args values) {
        String text(String name, String fallback) throws UsageError {
            String value = values.get(name, fallback);
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
