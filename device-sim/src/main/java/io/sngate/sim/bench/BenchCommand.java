package io.sngate.sim.bench;

import io.sngate.codec.QoS;
import io.sngate.codec.SngateVersion;
import io.sngate.hw.cli.Cli;
import io.sngate.hw.cli.CliCommand;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code sngate-sim bench <mode>}: the measurement harness for an MQTT-SN gateway (ours or
 * another) in front of an MQTT broker. Simulated devices publish through the gateway; MQTT
 * subscribers count what reaches the broker. See {@link BenchOptions#commandLine()} and
 * docs/benchmarks.md.
 *
 * <p>Honest by construction: sent, acknowledged and received are separate counts; a message
 * is named by (client, sequence) and counted once however often it arrives; the bench's own
 * ceiling is measured first and results near it are marked tool-bound.
 */
public final class BenchCommand {

    static final int EXIT_OK = Cli.EXIT_OK;
    static final int EXIT_FAILURE = Cli.EXIT_FAILURE;
    static final int EXIT_USAGE = Cli.EXIT_USAGE;
    /** CONNECTs/s when setting the devices up for a publishing run (not measured). */
    static final double SETUP_CONNECT_RATE = 5_000;

    private final PrintStream out;
    private final PrintStream err;

    /** A run that could not be carried out: printed as one line, exit code 1. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message);
        }
    }

    public BenchCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** Runs {@code sngate-sim bench ARGS}, as the simulator's command line does. */
    public int run(List<String> args) {
        List<String> command = new ArrayList<>(List.of("bench"));
        command.addAll(args);
        return io.sngate.sim.Main.run(command, out, err);
    }

    /** {@code sngate-sim bench}: its options, help and action. */
    public CliCommand command() {
        return BenchOptions.commandLine().action(args -> run(BenchOptions.from(args)));
    }

    private int run(BenchOptions options) {
        try {
            BenchReport report = execute(options);
            writeFiles(report);
            return report.connect != null && report.connect.connected() == 0 ? EXIT_FAILURE : EXIT_OK;
        } catch (Failure e) {
            err.println("sngate-sim bench: " + e.getMessage());
            return EXIT_FAILURE;
        } catch (IOException e) {
            err.println("sngate-sim bench: " + e.getMessage());
            return EXIT_FAILURE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("sngate-sim bench: interrupted");
            return EXIT_FAILURE;
        } catch (RuntimeException e) {
            err.println("sngate-sim bench: " + e);
            return EXIT_FAILURE;
        }
    }

    /** Runs the bench and returns what it found (also printed as it goes). */
    BenchReport execute(BenchOptions o) throws Failure, InterruptedException, IOException {
        String runId = HexFormat.of().toHexDigits(new SecureRandom().nextInt());
        Map<String, Object> environment = environment();
        BenchReport report = new BenchReport(o, runId,
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), environment);
        out.println(o.command());
        o.dtls().ifPresent(d -> out.println("# over " + d.describe()));
        out.printf(Locale.ROOT, "# run %s at %s: sngate-sim %s, %s %s, %s, %d cores, max heap %d MiB%n", runId,
                report.started, environment.get("sngate_version"), environment.get("java_vm"),
                environment.get("java_version"), environment.get("os"), environment.get("cores"),
                environment.get("max_heap_mib"));
        out.flush();
        InetSocketAddress gateway = new InetSocketAddress(o.host(), o.port());
        if (gateway.isUnresolved()) {
            throw new Failure("cannot resolve the gateway host " + o.host());
        }
        if (o.source().isPresent() && o.mode() != BenchOptions.Mode.CEILING
                && o.source().get().addresses().get(0).getClass() != gateway.getAddress().getClass()) {
            throw new Failure("--source " + o.source().get().text() + " and the gateway " + o.host() + " ("
                    + gateway.getAddress().getHostAddress() + ") are not of the same IP version");
        }
        Payload payload = new Payload(o.payloadSize(), o.seed());
        String clientIds = "sb" + runId + "-";
        if (o.mode() == BenchOptions.Mode.CONNECT) {
            connectStorm(o, report, gateway, payload, clientIds);
            return report;
        }
        Ledger ledger = new Ledger(2 * o.clients());
        Subscribers subscribers;
        try {
            subscribers = new Subscribers(o.broker(), runId, o.subscribers(), o.subscribeQos(), ledger);
        } catch (IOException e) {
            throw new Failure("cannot subscribe at the broker " + o.broker() + ": " + e.getMessage());
        }
        try (subscribers) {
            if (o.mode() == BenchOptions.Mode.CEILING || !o.noCeiling()) {
                report.ceiling = measureCeiling(o, runId, ledger, payload);
                if (o.dtls().isPresent()) {
                    report.notes.add("the ceiling's device-side figure is for plain UDP: over DTLS each message"
                            + " costs the devices more, so their own limit is below it");
                }
                out.println(report.ceilingLine());
                report.ceiling.problems().forEach(p -> out.println("  ceiling: " + p));
            }
            if (o.mode() == BenchOptions.Mode.CEILING) {
                out.println(BenchReport.TABLE_HEADER);
                out.println(report.row(report.ceiling.broker()));
            } else {
                publishRuns(o, report, ledger, gateway, payload, clientIds, runId);
            }
            long foreign = ledger.foreign.sum();
            if (foreign > 0) {
                report.notes.add(foreign + " messages on the bench's topics were not the bench's (ignored)");
            }
            subscribers.problems().forEach(p -> report.notes.add("subscriber problem: " + p));
        }
        long late = report.results.stream().mapToLong(RunResult::late).sum();
        if (late > 0) {
            report.notes.add(late + " messages arrived after their run was reported (in no figure)");
        }
        report.notes.forEach(n -> out.println("note: " + n));
        return report;
    }

    // ------------------------------------------------------------------ connect storm

    private void connectStorm(BenchOptions o, BenchReport report, InetSocketAddress gateway, Payload payload,
                              String clientIds) throws InterruptedException {
        try (SnDevices devices = new SnDevices(o, gateway, payload, 0, o.clients(), clientIds,
                i -> Subscribers.topic(report.runId, 1, i), o.dtls())) {
            out.printf(Locale.ROOT, "opening %d device sockets on %d runtimes ...%n", o.clients(),
                    Math.min(o.runtimes(), o.clients()));
            devices.open();
            printSourceLine(report, o.clients());
            out.printf(Locale.ROOT, "%d clients CONNECT + REGISTER %s%n", o.clients(),
                    o.rate() > 0 ? "at " + BenchOptions.number(o.rate()) + " per second" : "all at once");
            out.flush();
            Map<String, Long> udpBefore = HostUdp.read();
            report.connect = devices.connect(o.rate(), o.connectTimeoutSeconds());
            devices.dtlsNote().ifPresent(report.notes::add);
            Map<String, Long> udpAfter = HostUdp.read();
            out.print(report.connectTable());
            if (udpBefore != null && udpAfter != null) {
                long drops = udpAfter.getOrDefault("RcvbufErrors", 0L) - udpBefore.getOrDefault("RcvbufErrors", 0L);
                if (drops > 0) {
                    report.notes.add("host UDP receive-buffer drops during the storm: " + drops
                            + " (requests the clients had to send again after --retry)");
                }
            }
            if (report.connect.connectPackets() > o.clients()
                    || report.connect.registerPackets() > report.connect.connected()) {
                report.notes.add("sent again after T_RETRY: "
                        + Math.max(0, report.connect.connectPackets() - o.clients()) + " CONNECTs, "
                        + Math.max(0, report.connect.registerPackets() - report.connect.connected()) + " REGISTERs");
            }
            if (devices.sendErrors() > 0) {
                report.notes.add(devices.sendErrors() + " packets refused by the device sockets");
            }
            if (o.holdSeconds() > 0 && report.connect.connected() > 0) {
                out.printf(Locale.ROOT, "holding %d clients connected for %s s: read the gateway's heap and RSS now"
                        + " (docs/benchmarks.md)%n", report.connect.connected(), BenchOptions.number(o.holdSeconds()));
                out.flush();
                TimeUnit.MILLISECONDS.sleep((long) (o.holdSeconds() * 1000));
                if (devices.devicesLost() > 0) {
                    report.notes.add(devices.devicesLost() + " clients lost the gateway while held");
                }
            }
        }
        report.notes.forEach(n -> out.println("note: " + n));
    }

    /** With several --source addresses, how the devices were spread over them. */
    private void printSourceLine(BenchReport report, int devices) {
        String line = report.sourceLine(devices);
        if (line != null) {
            out.println(line);
            out.flush();
        }
    }

    // ------------------------------------------------------------------ ceiling

    private Ceiling measureCeiling(BenchOptions o, String runId, Ledger ledger, Payload payload)
            throws InterruptedException, IOException, Failure {
        double seconds = o.mode() == BenchOptions.Mode.CEILING ? o.durationSeconds() : o.ceilingSeconds();
        out.printf(Locale.ROOT, "measuring the bench's ceiling: %s s device-side generation, %s s through the broker"
                + " without the gateway ...%n", BenchOptions.number(seconds), BenchOptions.number(seconds));
        out.flush();
        double generated;
        try (DatagramChannel sink = DatagramChannel.open()) {
            sink.setOption(StandardSocketOptions.SO_RCVBUF, 4_096);
            sink.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            // Plain UDP even in a DTLS run: the sink is no DTLS server (the note after the run says so).
            try (SnDevices devices = new SnDevices(o, (InetSocketAddress) sink.getLocalAddress(), payload, 0,
                    Math.min(o.clients(), 1_000), "sink-" + runId + "-", i -> "unused", Optional.empty())) {
                devices.open();
                generated = devices.generate(seconds);
            }
        }
        double rate = o.mode() == BenchOptions.Mode.CEILING ? o.rate() : 0;
        MqttPublishers publishers = new MqttPublishers(o, runId, payload, o.clients(), o.clients());
        List<String> problems;
        StepStats stats;
        try {
            if (o.warmupSeconds() > 0) {
                StepStats warmup = ledger.open(Payload.CEILING_WARMUP_STEP, rate);
                publishers.run(warmup, o.warmupSeconds(), rate);
                drain(warmup, o, null);
                warmup.close();
            }
            stats = ledger.open(Payload.CEILING_STEP, rate);
            problems = new ArrayList<>(publishers.run(stats, seconds, rate));
        } catch (IOException e) {
            throw new Failure("ceiling: cannot publish to the broker " + o.broker() + ": " + e.getMessage());
        }
        drain(stats, o, null);
        stats.close();
        RunResult broker = result("ceiling", stats, seconds, 0, o);
        return new Ceiling(generated, broker, List.copyOf(problems));
    }

    // ------------------------------------------------------------------ publishing runs

    private void publishRuns(BenchOptions o, BenchReport report, Ledger ledger, InetSocketAddress gateway,
                             Payload payload, String clientIds, String runId) throws InterruptedException, Failure {
        try (SnDevices devices = new SnDevices(o, gateway, payload, 0, o.clients(), clientIds,
                i -> Subscribers.topic(runId, o.subscribers(), i), o.dtls())) {
            devices.open();
            printSourceLine(report, o.clients());
            SnDevices.ConnectReport connected = devices.connect(SETUP_CONNECT_RATE, o.connectTimeoutSeconds());
            if (connected.connected() == 0) {
                throw new Failure("no device could connect to the gateway at " + o.host() + ":" + o.port()
                        + devices.dtlsNote().map(n -> " (" + n + ")").orElse("") + ": "
                        + connected.failures());
            }
            if (connected.connected() < o.clients()) {
                report.notes.add((o.clients() - connected.connected()) + " of " + o.clients()
                        + " devices did not connect: " + connected.failures());
            }
            out.printf(Locale.ROOT, "%d devices connected to %s:%d; %s%n", connected.connected(), o.host(), o.port(),
                    o.sweep() ? "sweeping" : "running");
            if (o.warmupSeconds() > 0) {
                out.printf(Locale.ROOT, "warming up for %s s at %s ...%n", BenchOptions.number(o.warmupSeconds()),
                        o.rate() > 0 ? BenchOptions.number(o.rate()) + " msgs/s" : "full speed");
                out.flush();
                StepStats warmup = ledger.open(Payload.WARMUP_STEP, o.rate());
                long start = System.nanoTime() + 20_000_000L;
                long end = start + (long) (o.warmupSeconds() * 1e9);
                devices.startStep(warmup, o.rate(), o.qos(), start, end);
                TimeUnit.NANOSECONDS.sleep(Math.max(0, end - System.nanoTime()));
                devices.barrier();
                drain(warmup, o, devices);
                warmup.close();
            }
            out.println(BenchReport.TABLE_HEADER);
            out.flush();
            if (!o.sweep()) {
                report.results.add(step(devices, ledger, report, 0, o.rate(), o.mode().label(), o));
            } else {
                sweep(devices, ledger, report, o);
            }
            if (devices.devicesLost() > 0) {
                report.notes.add(devices.devicesLost() + " devices lost the gateway (no answer after the retries,"
                        + " or DISCONNECT from it)");
            }
            if (devices.malformed() > 0) {
                report.notes.add(devices.malformed() + " malformed packets from the gateway");
            }
            devices.dtlsNote().ifPresent(report.notes::add);
        }
    }

    private void sweep(SnDevices devices, Ledger ledger, BenchReport report, BenchOptions o)
            throws InterruptedException {
        double rate = o.rate();
        double good = -1;
        double bad = -1;
        int id = 0;
        while (rate <= o.maxRate() && id <= Payload.LAST_STEP) {
            RunResult r = step(devices, ledger, report, id, rate, "step " + (id + 1), o);
            report.results.add(r);
            id++;
            if (!passes(r)) {
                bad = rate;
                break;
            }
            good = rate;
            if (r.toolBound()) {
                report.notes.add("sweep stopped at " + BenchOptions.number(rate) + " msgs/s: tool-bound");
                break;
            }
            rate += o.rateStep();
        }
        for (int k = 0; k < o.refine() && good > 0 && bad > 0 && bad - good > 1 && id <= Payload.LAST_STEP; k++) {
            double mid = Math.round((good + bad) / 2);
            RunResult r = step(devices, ledger, report, id, mid, "refine " + (k + 1), o);
            report.results.add(r);
            id++;
            if (passes(r)) {
                good = mid;
            } else {
                bad = mid;
            }
        }
        String summary;
        if (good > 0) {
            RunResult best = report.results.stream().filter(BenchCommand::passes)
                    .max(java.util.Comparator.comparingDouble(RunResult::offeredRate)).orElseThrow();
            summary = String.format(Locale.ROOT, "highest zero-loss rate: %s msgs/s offered (%.0f msgs/s received,"
                            + " p99 %s ms)%s", BenchOptions.number(best.offeredRate()), best.receivedRate(),
                    BenchReport.ms(best.latencyMs(99)), best.toolBound() ? " - TOOL-BOUND" : "");
            report.highestZeroLoss = best.offeredRate();
        } else {
            summary = "highest zero-loss rate: none (the first step, " + BenchOptions.number(o.rate())
                    + " msgs/s, already lost messages or was not reached)";
        }
        if (bad > 0) {
            summary += "; first failing step " + BenchOptions.number(bad) + " msgs/s";
        }
        out.println(summary);
        report.notes.add(0, summary);
    }

    /** A sweep step counts as good when nothing was lost and the offered rate was reached. */
    static boolean passes(RunResult r) {
        return r.zeroLoss() && reached(r);
    }

    static boolean reached(RunResult r) {
        return r.offeredRate() <= 0 || r.sentRate() >= 0.95 * r.offeredRate();
    }

    private RunResult step(SnDevices devices, Ledger ledger, BenchReport report, int id, double rate, String label,
                           BenchOptions o) throws InterruptedException {
        StepStats stats = ledger.open(id, rate);
        Map<String, Long> udpBefore = HostUdp.read();
        long start = System.nanoTime() + 50_000_000L;
        long end = start + (long) (o.durationSeconds() * 1e9);
        devices.startStep(stats, rate, o.qos(), start, end);
        long wait = end - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
        devices.barrier();
        int inFlight = drain(stats, o, devices);
        stats.close();
        Map<String, Long> udpAfter = HostUdp.read();
        RunResult r = result(label, stats, o.durationSeconds(), inFlight, o);
        List<String> notes = new ArrayList<>(r.notes());
        if (udpBefore != null && udpAfter != null) {
            long drops = udpAfter.getOrDefault("RcvbufErrors", 0L) - udpBefore.getOrDefault("RcvbufErrors", 0L);
            if (drops > 0) {
                notes.add("host UDP receive-buffer drops: " + drops);
            }
        }
        if (o.mode() != BenchOptions.Mode.QOS1 && !reached(r)) {
            notes.add(String.format(Locale.ROOT, "offered rate not reached (sent %.0f/s)", r.sentRate()));
        }
        r = new RunResult(r.label(), r.step(), r.offeredRate(), r.durationSeconds(), r.sent(), r.acknowledged(),
                r.failed(), r.received(), r.duplicates(), r.late(), r.retransmitted(), r.sendErrors(),
                r.inFlightAtEnd(), r.pacerMaxLagMicros(), r.latencyMicros(), false, List.copyOf(notes));
        if (report.ceiling != null && report.ceiling.bounds(r.receivedRate())) {
            r = r.markedToolBound(report.ceiling.limit());
        }
        out.println(report.row(r));
        out.flush();
        return r;
    }

    /**
     * Waits up to --drain for what was sent to arrive (and QoS 1/2 publishes to end); returns
     * the publishes still in flight.
     */
    private static int drain(StepStats stats, BenchOptions o, SnDevices devices) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (o.drainSeconds() * 1e9);
        boolean acks = o.qos() != QoS.AT_MOST_ONCE && devices != null;
        int inFlight = acks ? devices.inFlight() : 0;
        while (System.nanoTime() < deadline
                && (stats.received() < stats.sent.sum() || inFlight > 0)) {
            TimeUnit.MILLISECONDS.sleep(20);
            inFlight = acks ? devices.inFlight() : 0;
        }
        return inFlight;
    }

    private static RunResult result(String label, StepStats s, double seconds, int inFlight, BenchOptions o) {
        List<String> notes = new ArrayList<>();
        long sendErrors = s.sendErrors.sum();
        if (sendErrors > 0) {
            notes.add(sendErrors + " datagrams refused by the device sockets");
        }
        long failed = s.failed.sum();
        if (failed > 0) {
            notes.add(failed + " publishes failed (last: " + s.lastFailure.get() + ")");
        }
        if (inFlight > 0) {
            notes.add(inFlight + " still in flight after the drain");
        }
        long lag = s.maxPacerLagNanos.get() / 1_000;
        if (lag > 5_000) {
            notes.add(String.format(Locale.ROOT, "pacer fell behind by up to %.1f ms", lag / 1000.0));
        }
        return new RunResult(label, s.step, s.offeredRate, seconds, s.sent.sum(), s.acknowledged.sum(), failed,
                s.received(), s.duplicates.sum(), s.late.sum(), s.retransmitted.sum(), sendErrors, inFlight, lag,
                s.latencySnapshot(), false, List.copyOf(notes));
    }

    // ------------------------------------------------------------------ output files

    private void writeFiles(BenchReport report) throws IOException {
        BenchOptions o = report.options;
        if (o.json().isPresent()) {
            write(o.json().get(), report.json());
        }
        if (o.csv().isPresent()) {
            write(o.csv().get(), report.csv());
        }
        if (o.plot().isPresent()) {
            List<LatencyPlot.Series> series = new ArrayList<>();
            String subtitle;
            if (report.connect != null) {
                series.add(new LatencyPlot.Series("CONNECT to REGACK", report.connect.latencyMicros(), false));
                subtitle = o.clients() + " clients, run " + report.runId;
            } else {
                for (RunResult r : report.results) {
                    String rate = r.offeredRate() > 0 ? BenchOptions.number(r.offeredRate()) + "/s" : "closed loop";
                    series.add(new LatencyPlot.Series(r.label() + " " + rate + (r.toolBound() ? " (tool-bound)" : ""),
                            r.latencyMicros(), false));
                }
                if (report.ceiling != null) {
                    series.add(new LatencyPlot.Series("ceiling (no gateway, max rate)",
                            report.ceiling.broker().latencyMicros(), true));
                }
                subtitle = String.format(Locale.ROOT, "QoS %d, %d clients, %d-byte payloads, run %s",
                        o.qos().level(), o.clients(), o.payloadSize(), report.runId);
            }
            String title = report.connect != null ? "sngate bench connect: CONNECT + REGISTER latency"
                    : "sngate bench " + o.mode().label() + ": device -> subscriber latency";
            Path plot = o.plot().get();
            createParent(plot);
            LatencyPlot.write(plot, title, subtitle, series);
            out.println("wrote " + plot);
        }
    }

    private void write(Path file, String text) throws IOException {
        createParent(file);
        Files.writeString(file, text, StandardCharsets.UTF_8);
        out.println("wrote " + file);
    }

    private static void createParent(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
    }

    private static Map<String, Object> environment() {
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("sngate_version", SngateVersion.get());
        env.put("java_version", System.getProperty("java.version"));
        env.put("java_vm", System.getProperty("java.vm.name"));
        env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        env.put("cores", Runtime.getRuntime().availableProcessors());
        env.put("max_heap_mib", Runtime.getRuntime().maxMemory() / (1024 * 1024));
        return env;
    }

    /** The host's UDP counters from /proc/net/snmp (Linux), or null elsewhere. */
    static final class HostUdp {
        private HostUdp() {
        }

        static Map<String, Long> read() {
            try {
                List<String> lines = Files.readAllLines(Path.of("/proc/net/snmp"));
                for (int i = 0; i + 1 < lines.size(); i++) {
                    if (lines.get(i).startsWith("Udp:") && lines.get(i + 1).startsWith("Udp:")) {
                        String[] names = lines.get(i).trim().split("\\s+");
                        String[] values = lines.get(i + 1).trim().split("\\s+");
                        Map<String, Long> counters = new LinkedHashMap<>();
                        for (int k = 1; k < Math.min(names.length, values.length); k++) {
                            counters.put(names[k], Long.parseLong(values[k]));
                        }
                        return counters;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not Linux, or no /proc
            }
            return null;
        }
    }
}
