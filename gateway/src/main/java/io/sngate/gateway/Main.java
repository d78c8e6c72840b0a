package io.sngate.gateway;


import io.sngate.codec.SngateVersion;
import io.sngate.hw.config.ConfigError;
import io.sngate.hw.config.ConfigLoader;
import io.sngate.hw.config.GatewayConfig;
import io.sngate.hw.config.GatewaySettings;
import io.sngate.hw.config.LogFormat;
import io.sngate.hw.log.LogSetup;
import io.sngate.hw.config.Setting;
import io.sngate.hw.serial.SerialPorts;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar sngate-gateway.jar [options]}: starts the gateway, prints one ready line,
 * runs until SIGTERM or Ctrl-C, then stops cleanly (broker sessions kept, no wills published).
 */
public final class Main {

    static final int EXIT_OK = 0;
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;
    /** broker.require (--require-broker) was set and the broker did not accept the gateway in time. */
    static final int EXIT_NO_BROKER = 3;

    private Main() {
    }

    public static void main(String[] args) {
        int code = run(List.of(args), System.out, System.err);
        if (code != EXIT_OK) {
            System.exit(code);
        }
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.contains("--version")) {
            out.println("sngate gateway " + SngateVersion.get());
            return EXIT_OK;
        }
        if (args.contains("--help") || args.contains("-h")) {
            out.print(usage());
            return EXIT_OK;
        }
        if (args.contains("--example-config")) {
            out.print(GatewaySettings.exampleYaml());
            return EXIT_OK;
        }
        if (args.contains("--list-ports")) {
            SerialPorts.list().forEach(out::println);
            return EXIT_OK;
        }
        GatewayConfig config;
        try {
            config = ConfigLoader.fromArgs(args);
        } catch (ConfigError e) {
            err.println("sngate gateway: " + e.getMessage());
            err.println("run with --help for the options");
            return EXIT_USAGE;
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
        StringBuilder text = new StringBuilder("""
                usage: java -jar sngate-gateway.jar [options]
                Starts the MQTT-SN gateway on UDP with an embedded MQTT 5 broker, or with --broker an external one.
                  --config FILE          YAML configuration (java -jar sngate-gateway.jar --example-config prints one)
                """);
        for (Setting<?> setting : GatewaySettings.ALL.values()) {
            if (setting.flag() != null) {
                String usage = setting.defaultValue() instanceof Boolean ? setting.flag()
                        : setting.flag() + " " + setting.type().toUpperCase().replace("TRANSPARENT|AGGREGATING", "MODE")
                                .replace("ERROR|WARN|INFO|DEBUG|TRACE", "LEVEL");
                text.append(String.format("  %-22s %s (%s)%n", usage, setting.doc(), setting.path()));
            }
        }
        text.append("""
                  --example-config       print a complete commented configuration
                  --list-ports           print the machine's serial ports (for the serial and xbee sections)
                  --version              print the version
                  --help                 print this help
                """);
        return text.toString();
    }
}
