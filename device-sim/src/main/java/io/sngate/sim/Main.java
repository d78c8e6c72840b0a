package io.sngate.sim;

import io.sngate.codec.SngateVersion;
import io.sngate.hw.log.LogSetup;
import java.io.PrintStream;
import java.util.List;

/** {@code sngate-sim <command>}: the simulator's and tools' entry point. */
public final class Main {

    static final int EXIT_OK = 0;
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out, System.err));
    }

    static int run(List<String> given, PrintStream out, PrintStream err) {
        List<String> args;
        try {
            args = LogSetup.applyLevelFlag(given);
        } catch (IllegalArgumentException e) {
            err.println("sngate-sim: " + e.getMessage());
            return EXIT_USAGE;
        }
        if (args.isEmpty()) {
            err.print(usage());
            return EXIT_USAGE;
        }
        String command = args.get(0);
        List<String> rest = args.subList(1, args.size());
        return switch (command) {
            case "decode" -> new DecodeCommand(out, err).run(rest);
            case "pub" -> new PubCommand(out, err, System.in).run(rest);
            case "sub" -> new SubCommand(out, err).run(rest);
            case "fleet" -> new FleetCommand(out, err).run(rest);
            case "bench" -> new io.sngate.sim.bench.BenchCommand(out, err).run(rest);
            case "version", "--version" -> {
                out.println("sngate-sim " + SngateVersion.get());
                yield EXIT_OK;
            }
            case "help", "--help", "-h" -> {
                out.print(usage());
                yield EXIT_OK;
            }
            default -> {
                err.println("sngate-sim: unknown command '" + command + "'");
                err.print(usage());
                yield EXIT_USAGE;
            }
        };
    }

    static String usage() {
        return """
                usage: java -jar sngate-sim.jar <command> [arguments]
                commands:
                  pub -t TOPIC -m MESSAGE [options]   publish through an MQTT-SN gateway (like mosquitto_pub)
                  sub -t TOPIC [-v] [options]         subscribe and print messages (like mosquitto_sub)
                  fleet --devices N --scenario FILE   simulate a fleet of devices
                  bench MODE [options]                measure a gateway: qos0, qos1, latency, connect, ceiling
                  decode HEX...   decode MQTT-SN bytes (hex, spaces allowed; '-' reads lines from stdin)
                                  and print each packet, or why it is malformed
                  version         print the version
                  help            print this help
                'sngate-sim COMMAND --help' lists a command's options; with every command:
                  --log-level LEVEL   error|warn|info|debug|trace on stderr (default: SNGATE_LOG_LEVEL, else warn)
                """;
    }
}
