package io.sngate.sim;

import io.sngate.codec.SngateVersion;
import io.sngate.hw.cli.Cli;
import io.sngate.hw.cli.CliCommand;
import io.sngate.sim.bench.BenchCommand;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;

/** {@code sngate-sim <command>}: the simulator's and tools' entry point. */
public final class Main {

    static final int EXIT_OK = Cli.EXIT_OK;
    static final int EXIT_FAILURE = Cli.EXIT_FAILURE;
    static final int EXIT_USAGE = Cli.EXIT_USAGE;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out, System.err));
    }

    /** Runs {@code sngate-sim ARGS}; standard input is the process's (pub -s, pub -l, decode -). */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        return command(out, err, System.in).run(args, out, err);
    }

    /** The command line, for the bash completion script written at build time. */
    static CliCommand command() {
        return command(System.out, System.err, System.in);
    }

    static CliCommand command(PrintStream out, PrintStream err, InputStream in) {
        return CliCommand.named("sngate-sim")
                .summary("MQTT-SN device simulator and tools: pub, sub, fleet, bench, decode")
                .synopsis("sngate-sim COMMAND [OPTIONS] [ARGUMENTS]")
                .description("Tools to talk to an MQTT-SN gateway as devices do (pub and sub, like mosquitto_pub "
                                + "and mosquitto_sub), to simulate fleets of devices, to measure a gateway and to "
                                + "decode MQTT-SN packets. 'sngate-sim COMMAND --help' explains a command.",
                        "sngate-sim stands for 'java -jar sngate-sim.jar' (device-sim/target/sngate-sim.jar). "
                                + "Logs go to stderr.")
                .helpNames("-h", "--help")
                .version("sngate-sim " + SngateVersion.get())
                .logLevel("SNGATE_LOG_LEVEL, else warn")
                .subcommand(new PubCommand(err, in).command())
                .subcommand(new SubCommand(out, err).command())
                .subcommand(new FleetCommand(out, err).command())
                .subcommand(new BenchCommand(out, err).command())
                .subcommand(new DecodeCommand(out, err, in).command())
                .subcommand(CliCommand.named("version")
                        .summary("print the version")
                        .exitCode(EXIT_OK, "the version was printed")
                        .action(args -> {
                            out.println("sngate-sim " + SngateVersion.get());
                            return EXIT_OK;
                        }))
                .helpSubcommand()
                .exitCode(EXIT_OK, "the command did its work; or the help or version was printed")
                .exitCode(EXIT_FAILURE, "the command failed (each command's --help says when)")
                .exitCode(EXIT_USAGE, "usage error: no or an unknown command, an unknown or repeated option, a bad "
                        + "value")
                .exitCode(SubCommand.EXIT_LOST, "sub lost the gateway and was told not to reconnect (--no-reconnect)")
                .exitCode(130, "pub or sub ended by SIGINT (Ctrl-C), after sending DISCONNECT")
                .exitCode(143, "pub or sub ended by SIGTERM, after sending DISCONNECT")
                .examples("sngate-sim sub -t 'plant/#' -v -q 1 &",
                        "sngate-sim pub -t plant/temperature -m 21.5 -q 1",
                        "sngate-sim decode 08 04 04 01 00 3C 63 31",
                        "sngate-sim help fleet");
    }
}
