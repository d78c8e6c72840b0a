package io.sngate.hw.config;

import io.sngate.hw.cli.Args;
import io.sngate.hw.config.devices.DevicesFile;
import io.sngate.hw.config.devices.DevicesFileLoader;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import picocli.CommandLine.ParameterException;

/**
 * Reads the gateway configuration: defaults, then the YAML file ({@code --config}), then
 * command-line flags ({@link GatewayCommandLine}), each overriding the one before. Any problem is a {@link ConfigError}
 * that names the key or flag.
 */
public final class ConfigLoader {

    public static final String CONFIG_FLAG = "--config";

    /** The environment variable that holds the broker password when no setting gives one. */
    public static final String PASSWORD_VARIABLE = "SNGATE_BROKER_PASSWORD";

    private ConfigLoader() {
    }

    /** The configuration from command-line arguments (which may name a YAML file). */
    public static GatewayConfig fromArgs(List<String> args) throws ConfigError {
        return fromArgs(args, System.getenv());
    }

    /** As {@link #fromArgs(List)}, with {@code environment} in place of the process's. */
    public static GatewayConfig fromArgs(List<String> args, Map<String, String> environment) throws ConfigError {
        Args parsed;
        try {
            parsed = GatewayCommandLine.command().parse(args);
        } catch (ParameterException e) {
            throw GatewayCommandLine.configError(e);
        }
        return fromArgs(parsed, environment);
    }

    /** The configuration from the gateway's parsed command line ({@link GatewayCommandLine}). */
    public static GatewayConfig fromArgs(Args args, Map<String, String> environment) throws ConfigError {
        Map<Setting<?>, Object> values = new HashMap<>();
        HardwareConfig hardware = HardwareConfig.NONE;
        String file = args.get(CONFIG_FLAG);
        if (file != null) {
            YamlFile yaml = readYaml(Path.of(file));
            values.putAll(yaml.values());
            hardware = yaml.hardware();
        }
        for (Map.Entry<Setting<?>, String> flag : GatewayCommandLine.flagValues(args).entrySet()) {
            values.put(flag.getKey(), parse(flag.getKey(), flag.getValue(), true));
        }
        return finish(values, hardware, environment);
    }

    /** The configuration in a YAML file, without flags. */
    public static GatewayConfig fromYaml(Path file) throws ConfigError {
        return fromYaml(file, System.getenv());
    }

    /** As {@link #fromYaml(Path)}, with {@code environment} in place of the process's. */
    public static GatewayConfig fromYaml(Path file, Map<String, String> environment) throws ConfigError {
        YamlFile yaml = readYaml(file);
        return finish(new HashMap<>(yaml.values()), yaml.hardware(), environment);
    }

    /** The defaults. */
    public static GatewayConfig defaults() {
        try {
            return finish(new HashMap<>(), HardwareConfig.NONE, System.getenv());
        } catch (ConfigError e) {
            throw new IllegalStateException("the defaults must be valid", e);
        }
    }

    /** What a YAML file says: flat keys, and the hardware sections. */
    private record YamlFile(Map<Setting<?>, Object> values, HardwareConfig hardware) {
    }

    private static YamlFile readYaml(Path file) throws ConfigError {
        Object document;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            document = new Yaml(new SafeConstructor(options)).load(reader);
        } catch (IOException e) {
            throw new ConfigError(CONFIG_FLAG, "cannot read " + file + ": " + e.getMessage());
        } catch (YAMLException e) {
            throw new ConfigError(CONFIG_FLAG, file + " is not valid YAML: " + e.getMessage().replace('\n', ' '));
        }
        Map<Setting<?>, Object> values = new HashMap<>();
        if (document == null) {
            return new YamlFile(values, HardwareConfig.NONE); // an empty file: all defaults
        }
        if (!(document instanceof Map<?, ?> root)) {
            throw new ConfigError(CONFIG_FLAG, file + " must hold a mapping of keys, not a " + kind(document));
        }
        // The hardware sections are lists of entries, not flat keys: they have their own parser.
        Map<Object, Object> flat = new java.util.LinkedHashMap<>(root);
        Object serial = flat.remove(HardwareSections.SERIAL);
        Object xbee = flat.remove(HardwareSections.XBEE);
        Object gpio = flat.remove(HardwareSections.GPIO);
        flatten("", flat, values);
        return new YamlFile(values, HardwareSections.parse(serial, xbee, gpio));
    }

    private static void flatten(String prefix, Map<?, ?> map, Map<Setting<?>, Object> values) throws ConfigError {
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            String path = prefix + entry.getKey();
            Setting<?> setting = GatewaySettings.ALL.get(path);
            if (setting != null) {
                values.put(setting, parse(setting, entry.getValue(), false));
            } else if (entry.getValue() instanceof Map<?, ?> section && isSectionPrefix(path)) {
                flatten(path + ".", section, values);
            } else {
                throw new ConfigError(path, "unknown key" + suggestion(path));
            }
        }
    }

    private static boolean isSectionPrefix(String path) {
        return GatewaySettings.ALL.keySet().stream().anyMatch(key -> key.startsWith(path + "."));
    }

    private static String suggestion(String path) {
        List<String> keys = new java.util.ArrayList<>(GatewaySettings.ALL.keySet());
        keys.addAll(HardwareSections.SECTIONS);
        return Suggestions.didYouMean(path, keys, key -> key);
    }

    private static Object parse(Setting<?> setting, Object raw, boolean fromFlag) throws ConfigError {
        if (raw instanceof Map<?, ?> || raw instanceof List<?>) {
            throw new ConfigError(setting.label(fromFlag), "must be a single value, not a " + kind(raw));
        }
        try {
            return setting.parse(raw == null ? "" : raw);
        } catch (IllegalArgumentException e) {
            throw new ConfigError(setting.label(fromFlag), e.getMessage());
        }
    }

    private static String kind(Object value) {
        return value instanceof Map<?, ?> ? "section" : value instanceof List<?> ? "list" : "single value";
    }

    /** Cross-key validation and derived values. */
    static GatewayConfig finish(Map<Setting<?>, Object> values, HardwareConfig hardware, Map<String, String> environment)
            throws ConfigError {
        GatewayConfig draft = new GatewayConfig(values, Optional.empty(), PredefinedTopicsFile.Contents.EMPTY,
                DevicesFile.EMPTY, HardwareConfig.NONE, GatewayConfig.BrokerSecrets.NONE);
        Optional<GatewayConfig.BrokerAddress> broker = parseBroker(draft.get(GatewaySettings.BROKER_URI));
        GatewayConfig.BrokerSecrets secrets = BrokerSettings.load(draft, broker, environment);
        String predefinedFile = draft.get(GatewaySettings.PREDEFINED_FILE);
        PredefinedTopicsFile.Contents predefined = predefinedFile.isBlank() ? PredefinedTopicsFile.Contents.EMPTY
                : PredefinedTopicsFile.loadAll(GatewaySettings.PREDEFINED_FILE.path(), Path.of(predefinedFile));
        return new GatewayConfig(values, broker, predefined, loadDevices(draft), hardware, secrets);
    }

    /** The devices file, read now so that a bad one stops the start with its file, line and reason. */
    private static DevicesFile loadDevices(GatewayConfig draft) throws ConfigError {
        String file = draft.get(GatewaySettings.DEVICES_FILE);
        if (file.isBlank()) {
            if (draft.get(GatewaySettings.DEVICES_REQUIRE_LISTED)) {
                // Nobody is listed without a file: every CONNECT would be refused.
                throw new ConfigError(GatewaySettings.DEVICES_REQUIRE_LISTED.path(),
                        "is true but devices.file is not set, so no client could connect");
            }
            return DevicesFile.EMPTY;
        }
        try {
            return DevicesFileLoader.load(Path.of(file.strip()));
        } catch (java.nio.file.InvalidPathException e) {
            throw new ConfigError(GatewaySettings.DEVICES_FILE.path(), "'" + file + "' is not a path: " + e.getReason());
        }
    }

    private static Optional<GatewayConfig.BrokerAddress> parseBroker(String uri) throws ConfigError {
        if (uri.isBlank()) {
            return Optional.empty();
        }
        String key = GatewaySettings.BROKER_URI.path();
        URI parsed;
        try {
            parsed = new URI(uri.strip());
        } catch (URISyntaxException e) {
            throw new ConfigError(key, "'" + uri + "' is not a URI like tcp://HOST:PORT");
        }
        String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(java.util.Locale.ROOT);
        boolean tls;
        switch (scheme) {
            case "tcp", "mqtt" -> tls = false;
            case "ssl", "mqtts" -> tls = true;
            default -> throw new ConfigError(key, "'" + uri + "' must start with tcp:// or mqtt:// (plain), or ssl:// or"
                    + " mqtts:// (TLS)");
        }
        if (parsed.getHost() == null || parsed.getHost().isEmpty()) {
            throw new ConfigError(key, "'" + uri + "' names no host");
        }
        if (parsed.getRawPath() != null && !parsed.getRawPath().isEmpty() && !parsed.getRawPath().equals("/")
                || parsed.getRawQuery() != null || parsed.getRawUserInfo() != null) {
            // Credentials in the URI would end up in the ready line and in logs.
            throw new ConfigError(key, "'" + uri + "' must be SCHEME://HOST:PORT only (credentials go in "
                    + GatewaySettings.BROKER_USERNAME.path() + " and " + GatewaySettings.BROKER_PASSWORD_FILE.path()
                    + ")");
        }
        int port = parsed.getPort() >= 0 ? parsed.getPort() : tls ? 8883 : 1883;
        if (port == 0) {
            throw new ConfigError(key, "'" + uri + "': port 0 cannot be connected to");
        }
        String host = parsed.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return Optional.of(new GatewayConfig.BrokerAddress(host, port, tls));
    }
}
