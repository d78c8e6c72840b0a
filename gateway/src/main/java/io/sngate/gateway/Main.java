package io.sngate.gateway;

import io.sngate.codec.SngateVersion;
import java.io.PrintStream;
import java.util.List;

/**
 * The gateway's command line. The runtime behind it (transports, sessions, upstream) is
 * built by the gateway issue; until then the launcher knows its version and its usage and
 * refuses to pretend it serves anything.
 */
public final class Main {

    static final int EXIT_OK = 0;
    static final int EXIT_NOT_SERVING = 1;
    static final int EXIT_USAGE = 2;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out, System.err));
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.contains("--version")) {
            out.println("sngate gateway " + SngateVersion.get());
            return EXIT_OK;
        }
        if (args.contains("--help") || args.contains("-h")) {
            out.println("sngate gateway " + SngateVersion.get());
            out.print(usage());
            return EXIT_OK;
        }
        if (!args.isEmpty()) {
            err.println("sngate gateway: unknown option " + args.get(0));
            err.print(usage());
            return EXIT_USAGE;
        }
        out.println("sngate gateway " + SngateVersion.get());
        out.print(usage());
        err.println("sngate gateway: this build has the codec only; the UDP gateway is not in it yet");
        return EXIT_NOT_SERVING;
    }

    static String usage() {
        return """
                usage: java -jar sngate-gateway.jar [options]
                  --help         print this help
                  --version      print the version
                """;
    }
}
