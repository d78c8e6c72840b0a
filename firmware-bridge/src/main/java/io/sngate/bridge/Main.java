package io.sngate.bridge;

import io.sngate.hw.cli.Cli;
import io.sngate.hw.cli.CliCommand;
import io.sngate.hw.serial.SerialPorts;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar sngate-bridge.jar [options]}: starts the bridge, prints one ready line on
 * stdout, forwards until SIGTERM or Ctrl-C, then closes the ports and logs the counters.
 * Exit codes: 0 done, 1 cannot start (port or socket), 2 bad command line; the options are
 * {@link BridgeArgs#command()}'s.
 */
public final class Main {

    static final int EXIT_OK = Cli.EXIT_OK;
    static final int EXIT_FAILURE = Cli.EXIT_FAILURE;
    static final int EXIT_USAGE = Cli.EXIT_USAGE;

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

    static Started start(List<String> args, PrintStream out, PrintStream err) {
        Bridge[] running = new Bridge[1];
        int code = BridgeArgs.command().action(parsed -> {
            if (parsed.has(BridgeArgs.LIST_PORTS)) {
                SerialPorts.list().forEach(out::println);
                return EXIT_OK;
            }
            BridgeConfig config = BridgeArgs.from(parsed);
            try {
                running[0] = Bridge.start(config);
            } catch (IOException | RuntimeException e) {
                err.println("sngate bridge: cannot start: " + e.getMessage());
                return EXIT_FAILURE;
            }
            out.println(running[0].readyLine());
            out.flush();
            return EXIT_OK;
        }).run(args, out, err);
        return running[0] != null ? new Started.Running(running[0]) : new Started.Exit(code);
    }

    /** The command line, for the bash completion script written at build time. */
    static CliCommand command() {
        return BridgeArgs.command();
    }
}
