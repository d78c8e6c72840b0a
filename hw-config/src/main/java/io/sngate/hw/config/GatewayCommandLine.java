package io.sngate.hw.config;

import io.sngate.codec.SngateVersion;
import io.sngate.hw.cli.Args;
import io.sngate.hw.cli.Cli;
import io.sngate.hw.cli.CliCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.OverwrittenOptionException;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The gateway's command line: {@code --config}, the program's own flags, and one option per
 * {@link Setting} that has a flag, made from the settings table (the single source of names,
 * documentation and defaults). Read by {@link ConfigLoader#fromArgs}; the gateway's {@code Main}
 * gives it its action.
 */
public final class GatewayCommandLine {

    public static final String NAME = "sngate-gateway";
    public static final String EXAMPLE_CONFIG_FLAG = "--example-config";
    public static final String LIST_PORTS_FLAG = "--list-ports";
    /** The gateway could not be accepted by the broker in time, with broker.require (--require-broker). */
    public static final int EXIT_NO_BROKER = 3;

    /** Option groups of the help, by the first part of a setting's YAML path. */
    private static final Map<String, String> GROUPS = Map.of(
            "udp", "Devices",
            "dtls", "Devices",
            "broker", "Broker",
            "mode", "Gateway",
            "gateway", "Gateway",
            "predefined", "Gateway",
            "log", "Logging");

    private GatewayCommandLine() {
    }

    /** The command line, without an action (parsing it runs nothing). */
    public static CliCommand command() {
        CliCommand command = CliCommand.named(NAME)
                .summary("the sngate MQTT-SN gateway")
                .synopsis("java -jar sngate-gateway.jar [--config FILE] [OPTIONS]")
                .description("Starts the MQTT-SN gateway on UDP with an embedded MQTT 5 broker, or with --broker an "
                                + "external one; serial lines, XBee radios, GPIO and DTLS come from the configuration "
                                + "file. It prints one ready line on stdout, runs until SIGTERM or Ctrl-C, then stops "
                                + "cleanly (broker sessions kept, no wills published). SIGHUP reads the devices, "
                                + "predefined-topics and DTLS PSK files again.",
                        "A setting given as an option below wins over the same key in the YAML file of "
                                + "--config, which wins over the default. The file holds every setting "
                                + "(--example-config prints them all, documented); the options are the ones changed "
                                + "most often. Set by neither, the broker password and the log level are taken from "
                                + "the environment variables SNGATE_BROKER_PASSWORD and SNGATE_LOG_LEVEL.",
                        "sngate-gateway stands for 'java -jar sngate-gateway.jar'; the Debian package runs it as "
                                + "the systemd service sngate with /etc/sngate/sngate.yaml.")
                .helpNames("-h", "--help")
                .version("sngate gateway " + SngateVersion.get())
                .errorPrefix("sngate gateway");
        command.group("Configuration")
                .file(ConfigLoader.CONFIG_FLAG, "FILE", "the YAML configuration; the options below override "
                        + "its keys")
                .flag(EXAMPLE_CONFIG_FLAG, "print a complete commented configuration and exit")
                .flag(LIST_PORTS_FLAG, "print the machine's serial ports (for the serial and xbee sections) and exit");
        for (Setting<?> setting : GatewaySettings.ALL.values()) {
            if (setting.flag() != null) {
                command.group(GROUPS.getOrDefault(setting.path().split("\\.")[0], "Settings"));
                command.option(option(setting));
            }
        }
        return command
                .exitCode(Cli.EXIT_OK, "stopped by SIGTERM or Ctrl-C; or the help, version, example configuration "
                        + "or port list was printed")
                .exitCode(Cli.EXIT_FAILURE, "could not start (a port in use, a broker that cannot start...)")
                .exitCode(Cli.EXIT_USAGE, "usage or configuration error: an unknown or repeated option, a bad "
                        + "value, an unknown key or a bad value in the configuration file; nothing was started")
                .exitCode(EXIT_NO_BROKER, "--require-broker (broker.require) and the broker did not accept the "
                        + "gateway in time")
                .examples("java -jar sngate-gateway.jar",
                        "java -jar sngate-gateway.jar --port 1884 --broker tcp://192.168.1.5:1883 --mode aggregating",
                        "java -jar sngate-gateway.jar --example-config > sngate.yaml",
                        "java -jar sngate-gateway.jar --config sngate.yaml --log-level debug");
    }

    private static OptionSpec.Builder option(Setting<?> setting) {
        String where = setting.path() + (isEmpty(setting.defaultValue()) ? ""
                : ", default " + shown(setting.defaultValue()));
        OptionSpec.Builder option = OptionSpec.builder(setting.flag())
                .description(setting.doc() + " (YAML " + where + ")");
        if (setting.defaultValue() instanceof Boolean) {
            // Alone it turns the setting on (--require-broker); --require-broker=false turns it off.
            return option.arity("0..1").fallbackValue("true").paramLabel("BOOLEAN").type(String.class)
                    .completionCandidates(List.of("true", "false"));
        }
        if (setting.type().contains("|")) {
            String[] path = setting.path().split("\\.");
            return option.paramLabel(path[path.length - 1].toUpperCase(Locale.ROOT)).type(String.class)
                    .completionCandidates(List.of(setting.type().split("\\|")));
        }
        if (setting.type().equals("path")) {
            return option.paramLabel("FILE").type(Path.class);
        }
        return option.paramLabel(setting.type().equals("integer") ? "N" : setting.type().toUpperCase(Locale.ROOT))
                .type(String.class);
    }

    private static boolean isEmpty(Object value) {
        return value == null || value.toString().isEmpty();
    }

    private static String shown(Object value) {
        return value instanceof Enum<?> constant ? constant.name().toLowerCase(Locale.ROOT) : String.valueOf(value);
    }

    /** The settings given as options, with their values as written. */
    static Map<Setting<?>, String> flagValues(Args args) {
        Map<Setting<?>, String> values = new LinkedHashMap<>();
        for (Setting<?> setting : GatewaySettings.ALL.values()) {
            if (setting.flag() != null && args.has(setting.flag())) {
                values.put(setting, args.get(setting.flag()));
            }
        }
        return values;
    }

    /** What picocli found wrong, as the configuration's error naming the option. */
    static ConfigError configError(ParameterException e) {
        if (e instanceof UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
            String arg = unmatched.getUnmatched().get(0);
            if (!arg.startsWith("-")) {
                return new ConfigError(arg, "unexpected argument (options start with --)");
            }
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            return new ConfigError(name, "unknown option" + Suggestions.didYouMean(name, flags(), flag -> flag));
        }
        if (e instanceof MissingParameterException missing && !missing.getMissing().isEmpty()) {
            return new ConfigError(nameOf(missing.getMissing().get(0)), "needs a value");
        }
        if (e instanceof OverwrittenOptionException overwritten) {
            return new ConfigError(nameOf(overwritten.getOverwritten()), "is given more than once");
        }
        return new ConfigError(e.getArgSpec() != null ? nameOf(e.getArgSpec()) : "command line", e.getMessage());
    }

    private static String nameOf(ArgSpec arg) {
        return arg instanceof OptionSpec option ? option.longestName() : arg.paramLabel();
    }

    private static List<String> flags() {
        List<String> flags = new ArrayList<>(List.of(ConfigLoader.CONFIG_FLAG, EXAMPLE_CONFIG_FLAG, LIST_PORTS_FLAG));
        for (Setting<?> setting : GatewaySettings.ALL.values()) {
            if (setting.flag() != null) {
                flags.add(setting.flag());
            }
        }
        return flags;
    }
}
