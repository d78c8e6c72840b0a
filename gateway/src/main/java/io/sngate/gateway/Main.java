package io.sngate.gateway;


import io.sngate.hw.cli.Args;
import io.sngate.hw.cli.Cli;
import io.sngate.hw.cli.CliCommand;
import io.sngate.hw.cli.UsageError;
import io.sngate.hw.config.ConfigError;
import io.sngate.hw.config.ConfigLoader;
import io.sngate.hw.config.GatewayConfig;
import io.sngate.hw.config.GatewayCommandLine;
import io.sngate.hw.config.GatewaySettings;
import io.sngate.hw.config.LogFormat;
import io.sngate.hw.log.LogSetup;
import io.sngate.hw.serial.SerialPorts;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar sngate-gateway.jar [options]}: starts the gateway, prints one ready line,
 * runs until SIGTERM or Ctrl-C, then stops cleanly (broker sessions kept, no wills published).
 * The options are {@link GatewayCommandLine}'s; {@code --help} lists them and the exit codes.
 */
public final class Main {

    static final int EXIT_OK = Cli.EXIT_OK;
    static final int EXIT_FAILURE = Cli.EXIT_FAILURE;
    static final int EXIT_USAGE = Cli.EXIT_USAGE;
    /** broker.require (--require-broker) was set and the broker did not accept the gateway in time. */
    static final int EXIT_NO_BROKER = GatewayCommandLine.EXIT_NO_BROKER;

    private Main() {
    }

    public static void main(String[] args) {
        int code = run(List.of(args), System.out, System.err);
        if (code != EXIT_OK) {
            System.exit(code);
        }
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        return GatewayCommandLine.command().action(parsed -> start(parsed, out, err)).run(args, out, err);
    }

    /** The command line, for the bash completion script written at build time. */
    static CliCommand command() {
        return GatewayCommandLine.command();
    }

    private static int start(Args args, PrintStream out, PrintStream err) throws UsageError {
        if (args.has(GatewayCommandLine.EXAMPLE_CONFIG_FLAG)) {
            out.print(GatewaySettings.exampleYaml());
            return EXIT_OK;
        }
        if (args.has(GatewayCommandLine.LIST_PORTS_FLAG)) {
            SerialPorts.list().forEach(out::println);
            return EXIT_OK;
        }
        GatewayConfig config;
        try {
            config = ConfigLoader.fromArgs(args, System.getenv());
        } catch (ConfigError e) {
            throw new UsageError(e.getMessage());
        }
        LogSetup.apply(config.get(GatewaySettings.LOG_LEVEL), config.get(GatewaySettings.LOG_FORMAT) == LogFormat.JSON);
        Gateway gateway;
        try {
            gateway = Gateway.start(config);
        } catch (BrokerUnavailableException e) {
            LoggerFactory.getLogger(Main.class).error("not started: {}", e.getMessage());
            err.println("sngate gateway: not started: " + e.getMessage());
            return EXIT_NO_BROKER;
        } catch (Exception e) {
            err.println("sngate gateway: cannot start: " + e.getMessage());
            return EXIT_FAILURE;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            stopped.countDown();
        }, "sngate-shutdown"));
        reloadDevicesOnHangUp(gateway);
        out.println(gateway.readyLine());
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return EXIT_OK;
    }

    /**
     * SIGHUP reloads the devices file, as daemons do with their configuration: a bad file is
     * logged with its line and the reason, and the previous one stays in force.
     */
    private static void reloadDevicesOnHangUp(Gateway gateway) {
        try {
            sun.misc.SignalHandler before =
                    sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> gateway.reloadDevices());
            if (before == sun.misc.SignalHandler.SIG_IGN) {
                // The JVM keeps a shutdown signal that was ignored when it started ignored.
                LoggerFactory.getLogger(Main.class).warn("SIGHUP is ignored in this process (started under nohup, "
                        + "or by a parent that ignores it): the devices file cannot be reloaded with SIGHUP; start "
                        + "the gateway without nohup (a systemd service is fine)");
            }
        } catch (IllegalArgumentException e) {
            // No SIGHUP on this platform (Windows): the devices file is read at start only.
        }
    }

    static String usage() {
        return GatewayCommandLine.command().usage();
    }
}
