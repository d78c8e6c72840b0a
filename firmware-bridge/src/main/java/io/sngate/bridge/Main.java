package io.sngate.bridge;

import io.sngate.codec.SngateVersion;
import io.sngate.hw.log.LogSetup;
import io.sngate.hw.serial.SerialPorts;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar sngate-bridge.jar [options]}: starts the bridge, prints one ready line on
 * stdout, forwards until SIGTERM or Ctrl-C, then closes the ports and logs the counters.
 * Exit codes: 0 done, 1 cannot start (port or socket), 2 bad command line.
 */
public final class Main {

    static final int EXIT_OK = 0;
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;

    /** What {@link #start} ended with: an exit code at once, or a bridge now forwarding. */
    sealed interface Started {
        record Exit(int code) implements Started {
        }

        record Running(Bridge bridge) implements Started {
        }
    }

    private Main() {
    }

    public static void main(String[] args) {
        Started started = start(List.of(args), System.out, System.err);
        if (started instanceof Started.Exit exit) {
            System.exit(exit.code());
            return;
        }
        Bridge bridge = ((Started.Running) started).bridge();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            bridge.close();
            stopped.countDown();
        }, "sngate-bridge-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Started start(List<String> given, PrintStream out, PrintStream err) {
        List<String> args;
        try {
            args = LogSetup.applyLevelFlag(given);
        } catch (IllegalArgumentException e) {
            err.println("sngate bridge: " + e.getMessage());
            err.println("run with --help for the options");
            return new Started.Exit(EXIT_USAGE);
        }
        if (args.contains("--help") || args.contains("-h")) {
            out.print(BridgeArgs.USAGE);
            return new Started.Exit(EXIT_OK);
        }
        if (args.contains("--version")) {
            out.println("sngate bridge " + SngateVersion.get());
            return new Started.Exit(EXIT_OK);
        }
        if (args.contains("--list-ports")) {
            SerialPorts.list().forEach(out::println);
            return new Started.Exit(EXIT_OK);
        }
        BridgeConfig config;
        try {
            config = BridgeArgs.parse(args);
        } catch (UsageException e) {
            err.println("sngate bridge: " + e.getMessage());
            err.println("run with --help for the options");
            return new Started.Exit(EXIT_USAGE);
        }
        Bridge bridge;
        try {
            bridge = Bridge.start(config);
        } catch (IOException | RuntimeException e) {
            err.println("sngate bridge: cannot start: " + e.getMessage());
            return new Started.Exit(EXIT_FAILURE);
        }
        out.println(bridge.readyLine());
        out.flush();
        return new Started.Running(bridge);
    }
}
