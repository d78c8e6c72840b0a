package io.sngate.sim;

import io.sngate.hw.cli.CliCommand;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** {@code fleet}: run a scenario of N simulated devices against a gateway. */
final class FleetCommand {

    private final PrintStream out;
    private final PrintStream err;

    FleetCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** {@code sngate-sim fleet}: its options, help and action. */
    CliCommand command() {
        CliCommand command = CliCommand.named("fleet")
                .summary("simulate a fleet of devices against a gateway")
                .synopsis("sngate-sim fleet [--devices N] [--scenario FILE.yaml] [OPTIONS]")
                .description("Runs N simulated MQTT-SN devices as a scenario describes them (see "
                                + "docs/simulator.md): how they connect, publish, subscribe and sleep, the "
                                + "impairment of their link, NAT rebinding, DTLS. Without --scenario, the defaults. "
                                + "It prints a status line while it runs and a summary of the counters at the end.",
                        "The devices talk UDP to the gateway, or sit behind an emulated XBee radio (--xbee) or on "
                                + "an emulated serial line (--serial) on one end of a pseudo-terminal whose other "
                                + "end the gateway opens.")
                .group("Scenario (these override the scenario file)")
                .file("--scenario", "FILE", "the scenario (see docs/simulator.md); without it, the defaults")
                .value("--devices", "N", "number of devices")
                .value("--duration", "SECONDS", "how long to run")
                .value("-h", "HOST", "the gateway's host (UDP)")
                .value("-p", "PORT", "the gateway's UDP port (its DTLS port with --dtls)")
                .group("Link (instead of UDP)")
                .file("--xbee", "PATH", "the devices sit behind an emulated XBee radio on PATH (a pty end)")
                .file("--serial", "PATH", "the devices sit on an emulated serial line on PATH (a pty end)")
                .flag("--forwarder", "with --serial: many devices behind one forwarder (0xFE encapsulation)")
                .value("--baud", "N", "the baud rate of the radio's or serial line's port")
                .group("Output")
                .flag("--plain", "periodic lines instead of a live status line");
        return DtlsSettings.addOptions(command, "DTLS (these override the scenario's dtls section)",
                        "DTLS 1.2 to the gateway (-p is then its DTLS port), with a PSK or certificates")
                .exitCode(Main.EXIT_OK, "the fleet ran for its duration (the summary says how it went)")
                .exitCode(Main.EXIT_FAILURE, "the fleet could not run (a link that does not open...)")
                .exitCode(Main.EXIT_USAGE, "usage error: an unknown or repeated option, a bad value, a scenario "
                        + "that cannot be used")
                .examples("sngate-sim fleet --devices 100 --duration 60 -h 127.0.0.1 -p 1883",
                        "sngate-sim fleet --scenario lossy-radio.yaml --plain",
                        "sngate-sim fleet --devices 5 --serial /dev/pts/7 --forwarder")
                .action(args -> run(new ToolArgs(args)));
    }

    private int run(ToolArgs line) throws ToolArgs.UsageError {
        Scenario scenario;
        boolean live;
        try {
            // Read without the whole-scenario checks: the flags below may complete it (a serial
            // scenario's port comes from --serial); checked() runs once they are applied.
            scenario = line.has("--scenario") ? Scenario.read(Path.of(line.get("--scenario"))) : Scenario.defaults();
            if (line.has("--devices")) {
                scenario = scenario.withDevices(line.getInt("--devices", 1, 1, 1_000_000));
            }
            if (line.has("-h") || line.has("-p")) {
                scenario = scenario.withGateway(line.get("-h", scenario.host()),
                        line.getInt("-p", scenario.port(), 1, 65535));
            }
            if (line.has("--duration")) {
                scenario = scenario.withDuration(line.getDouble("--duration", 30, 0.1, 31_536_000));
            }
            if (line.has("--xbee") && line.has("--serial")) {
                throw new ToolArgs.UsageError("--xbee and --serial exclude each other: one line per fleet");
            }
            if (line.has("--xbee")) {
                scenario = scenario.withLink(scenario.link().withPort(Scenario.LinkKind.XBEE, line.get("--xbee")));
            }
            if (line.has("--serial")) {
                scenario = scenario.withLink(scenario.link().withPort(Scenario.LinkKind.SERIAL, line.get("--serial")));
            }
            if (line.has("--forwarder")) {
                if (scenario.link().kind() != Scenario.LinkKind.SERIAL) {
                    throw new ToolArgs.UsageError("--forwarder is for a serial line (--serial PATH)");
                }
                scenario = scenario.withLink(scenario.link().withForwarder(true));
            }
            if (line.has("--baud")) {
                scenario = scenario.withLink(scenario.link().withBaud(line.getInt("--baud", 9_600, 50, 4_000_000)));
            }
            Optional<DtlsSettings> dtls = DtlsSettings.fromFlags(line::get, line.has("--dtls"));
            if (dtls.isPresent()) {
                scenario = scenario.withDtls(dtls);
            }
            scenario = scenario.checked();
            live = System.console() != null && !line.has("--plain");
        } catch (Scenario.ScenarioError | DtlsSettings.Invalid e) {
            throw new ToolArgs.UsageError(e.getMessage());
        }
        out.printf(Locale.ROOT, "fleet: %d devices -> %s for %.1f s, qos %s every %.1f s, impairment %s, seed %d%n",
                scenario.devices(), scenario.link().describe(scenario.host(), scenario.port()),
                scenario.durationSeconds(),
                scenario.publishing().qos().describe(), scenario.publishing().intervalSeconds(), scenario.impairment(),
                scenario.seed());
        scenario.dtls().ifPresent(d -> out.println("over " + d.describe()));
        if (scenario.nat().enabled()) {
            out.println("the devices reach the gateway " + scenario.nat().describe());
        }
        if (!scenario.link().lineImpairment().isNone()) {
            out.println("line impairment towards the gateway: " + scenario.link().lineImpairment());
        }
        try (Fleet fleet = new Fleet(scenario)) {
            fleet.start();
            if (scenario.link().kind() == Scenario.LinkKind.XBEE) {
                // Said once the radio's port is open: from here the gateway (or bridge) may start.
                out.println("the radio on " + scenario.link().port()
                        + " is up; the devices start once the gateway has talked to it");
            }
            if (scenario.publishing().qos().percentByLevel().size() > 1) {
                // The mix as drawn for this run, so a reader can tell what the shares came to.
                StringBuilder drawn = new StringBuilder("qos per device:");
                fleet.qosCounts().forEach((qos, n) -> drawn.append(' ').append(n).append(" at ").append(qos.level())
                        .append(','));
                drawn.setLength(drawn.length() - 1);
                out.println(drawn);
            }
            long start = System.nanoTime();
            long end = start + (long) (scenario.durationSeconds() * 1e9);
            long lastPublished = 0;
            long lastReport = start;
            long plainEvery = 10_000_000_000L;
            while (System.nanoTime() < end) {
                Thread.sleep(live ? 1_000 : 1_000);
                long now = System.nanoTime();
                if (!live && now - lastReport < plainEvery && now < end) {
                    continue;
                }
                long published = fleet.stats().published.get();
                double rate = (published - lastPublished) / ((now - lastReport) / 1e9);
                String status = String.format(Locale.ROOT, "t=%5.0fs up=%d/%d msgs/s=%.0f sent=%d acked=%d rcvd=%d errors=%d",
                        (now - start) / 1e9, fleet.stats().devicesUp.get(), fleet.size(), rate, published,
                        fleet.stats().acknowledged.get(), fleet.stats().received.get(), fleet.stats().errors());
                if (live) {
                    out.print("\r" + status + "   ");
                } else {
                    out.println(status);
                }
                out.flush();
                lastPublished = published;
                lastReport = now;
            }
            if (live) {
                out.println();
            }
            Map<String, Long> summary = fleet.summary();
            out.println("summary:");
            summary.forEach((name, value) -> out.printf(Locale.ROOT, "  %-36s %12d%n", name, value));
            String refusal = fleet.stats().lastRefusal;
            if (refusal != null) {
                out.println("last refused publish: " + refusal);
            }
            fleet.lastHandshakeFailure().ifPresent(f -> out.println("a failed handshake: " + f.message()));
            return Main.EXIT_OK;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Main.EXIT_FAILURE;
        } catch (RuntimeException e) {
            err.println("sngate-sim fleet: " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
    }
}
