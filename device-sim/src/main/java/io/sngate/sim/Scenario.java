package io.sngate.sim;

import io.sngate.codec.QoS;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * A fleet scenario: what N simulated devices do. Read from YAML; every problem names the key.
 * See docs/simulator.md for the format.
 */
record Scenario(String host, int port, int devices, String clientIdPrefix, int keepAlive, boolean cleanSession,
                double retrySeconds, int maxRetries, double durationSeconds, double connectSpreadSeconds, Publishing publishing,
                List<Subscription> subscriptions, Sleeping sleeping, Impairment impairment, long seed, int runtimes) {

    /** The reading each device publishes on a schedule. */
    record Publishing(String topic, double intervalSeconds, double jitterSeconds, QoS qos, boolean retain,
                      PayloadKind payload, double start, double step, String template) {
    }

    enum PayloadKind { COUNTER, RANDOM_WALK, JSON }

    record Subscription(String topic, QoS qos) {
    }

    /** A sleep duty cycle: sleep, wake to fetch, connect to publish, sleep again. */
    record Sleeping(boolean enabled, int sleepSeconds) {
    }

    /** A scenario problem: the key and what is wrong. */
    static final class ScenarioError extends Exception {
        private static final long serialVersionUID = 1L;

        ScenarioError(String key, String reason) {
            super(key + ": " + reason);
        }
    }

    static Scenario load(Path file) throws ScenarioError {
        Object document;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            document = new Yaml(new SafeConstructor(options)).load(reader);
        } catch (IOException e) {
            throw new ScenarioError("--scenario", "cannot read " + file + ": " + e.getMessage());
        } catch (YAMLException e) {
            throw new ScenarioError("--scenario", file + " is not valid YAML: " + e.getMessage().replace('\n', ' '));
        }
        if (document == null) {
            document = Map.of();
        }
        if (!(document instanceof Map<?, ?> root)) {
            throw new ScenarioError("--scenario", file + " must hold a mapping of keys");
        }
        return fromMap(root);
    }

    static Scenario defaults() {
        try {
            return fromMap(Map.of());
        } catch (ScenarioError e) {
            throw new IllegalStateException(e);
        }
    }

    static Scenario fromMap(Map<?, ?> root) throws ScenarioError {
        Section top = new Section("", root, Set.of("gateway", "devices", "duration-seconds", "connect-spread-seconds",
                "publish", "subscribe", "sleep", "impairment", "seed", "runtimes"));
        Section gateway = top.section("gateway", Set.of("host", "port"));
        Section devices = top.section("devices", Set.of("count", "client-id-prefix", "keep-alive", "clean-session",
                "retry-seconds", "max-retries"));
        Section publish = top.section("publish", Set.of("topic", "interval-seconds", "jitter-seconds", "qos", "retain",
                "payload"));
        Section payload = publish.section("payload", Set.of("kind", "start", "step", "template"));
        Section sleep = top.section("sleep", Set.of("enabled", "sleep-seconds"));
        Section impairment = top.section("impairment", Set.of("loss-percent", "duplicate-percent", "reorder-percent",
                "latency-ms", "jitter-ms"));

        List<Subscription> subscriptions = new ArrayList<>();
        Object subs = root.get("subscribe");
        if (subs != null) {
            if (!(subs instanceof List<?> list)) {
                throw new ScenarioError("subscribe", "must be a list of {topic, qos}");
            }
            for (int i = 0; i < list.size(); i++) {
                if (!(list.get(i) instanceof Map<?, ?> entry)) {
                    throw new ScenarioError("subscribe[" + i + "]", "must be a mapping with topic and qos");
                }
                Section sub = new Section("subscribe[" + i + "].", entry, Set.of("topic", "qos"));
                subscriptions.add(new Subscription(sub.string("topic", null), QoS.ofLevel(sub.integer("qos", 0, 0, 2))));
            }
        }
        String kindText = payload.string("kind", "counter");
        PayloadKind kind = switch (kindText) {
            case "counter" -> PayloadKind.COUNTER;
            case "random-walk" -> PayloadKind.RANDOM_WALK;
            case "json" -> PayloadKind.JSON;
            default -> throw new ScenarioError("publish.payload.kind", "must be counter, random-walk or json, not '"
                    + kindText + "'");
        };
        try {
            return new Scenario(
                    gateway.string("host", "localhost"),
                    gateway.integer("port", 1883, 1, 65535),
                    devices.integer("count", 10, 1, 1_000_000),
                    devices.string("client-id-prefix", "sim-"),
                    devices.integer("keep-alive", 60, 0, 65535),
                    devices.bool("clean-session", true),
                    devices.number("retry-seconds", 10, 0.01, 3600),
                    devices.integer("max-retries", 3, 0, 100),
                    top.number("duration-seconds", 30, 0.1, 31_536_000),
                    top.number("connect-spread-seconds", 2, 0, 3600),
                    new Publishing(
                            publish.string("topic", "sim/{id}/reading"),
                            publish.number("interval-seconds", 5, 0.001, 86_400),
                            publish.number("jitter-seconds", 0, 0, 86_400),
                            QoS.ofLevel(publish.integer("qos", 1, -1, 2)),
                            publish.bool("retain", false),
                            kind,
                            payload.number("start", 20, -1e12, 1e12),
                            payload.number("step", 0.5, 0, 1e12),
                            payload.string("template", "{\"device\":\"{id}\",\"seq\":{n},\"value\":{value}}")),
                    subscriptions,
                    new Sleeping(sleep.bool("enabled", false), sleep.integer("sleep-seconds", 30, 1, 65535)),
                    new Impairment(
                            impairment.number("loss-percent", 0, 0, 100),
                            impairment.number("duplicate-percent", 0, 0, 100),
                            impairment.number("reorder-percent", 0, 0, 100),
                            (long) impairment.number("latency-ms", 0, 0, 600_000),
                            (long) impairment.number("jitter-ms", 0, 0, 600_000)),
                    (long) top.number("seed", 1, Long.MIN_VALUE, Long.MAX_VALUE),
                    top.integer("runtimes", Math.max(1, Runtime.getRuntime().availableProcessors()), 1, 64));
        } catch (IllegalArgumentException e) {
            throw new ScenarioError("scenario", e.getMessage());
        }
    }

    Scenario withDevices(int count) {
        return new Scenario(host, port, count, clientIdPrefix, keepAlive, cleanSession, retrySeconds, maxRetries,
                durationSeconds,
                connectSpreadSeconds, publishing, subscriptions, sleeping, impairment, seed, runtimes);
    }

    Scenario withGateway(String newHost, int newPort) {
        return new Scenario(newHost, newPort, devices, clientIdPrefix, keepAlive, cleanSession, retrySeconds,
                maxRetries, durationSeconds,
                connectSpreadSeconds, publishing, subscriptions, sleeping, impairment, seed, runtimes);
    }

    Scenario withDuration(double seconds) {
        return new Scenario(host, port, devices, clientIdPrefix, keepAlive, cleanSession, retrySeconds, maxRetries,
                seconds,
                connectSpreadSeconds, publishing, subscriptions, sleeping, impairment, seed, runtimes);
    }

    /** One mapping of the YAML, with its path for error messages. */
    private static final class Section {
        private final String path;
        private final Map<?, ?> map;

        Section(String path, Map<?, ?> map, Set<String> allowed) throws ScenarioError {
            this.path = path;
            this.map = map;
            for (Object key : map.keySet()) {
                if (!allowed.contains(String.valueOf(key))) {
                    throw new ScenarioError(path + key, "unknown key (known here: " + String.join(", ",
                            new java.util.TreeSet<>(allowed)) + ")");
                }
            }
        }

        Section section(String key, Set<String> allowed) throws ScenarioError {
            Object value = map.get(key);
            if (value == null) {
                return new Section(path + key + ".", Map.of(), allowed);
            }
            if (!(value instanceof Map<?, ?> child)) {
                throw new ScenarioError(path + key, "must be a section of keys");
            }
            return new Section(path + key + ".", child, allowed);
        }

        String string(String key, String fallback) throws ScenarioError {
            Object value = map.get(key);
            if (value == null) {
                if (fallback == null) {
                    throw new ScenarioError(path + key, "is required");
                }
                return fallback;
            }
            if (value instanceof Map || value instanceof List) {
                throw new ScenarioError(path + key, "must be a single value");
            }
            return String.valueOf(value);
        }

        double number(String key, double fallback, double min, double max) throws ScenarioError {
            Object value = map.get(key);
            if (value == null) {
                return fallback;
            }
            double number;
            if (value instanceof Number n) {
                number = n.doubleValue();
            } else {
                try {
                    number = Double.parseDouble(String.valueOf(value));
                } catch (NumberFormatException e) {
                    throw new ScenarioError(path + key, "must be a number, not '" + value + "'");
                }
            }
            if (!(number >= min && number <= max)) {
                throw new ScenarioError(path + key, "must be from " + min + " to " + max + ", not " + value);
            }
            return number;
        }

        int integer(String key, int fallback, int min, int max) throws ScenarioError {
            Object value = map.get(key);
            if (value == null) {
                return fallback;
            }
            if (!(value instanceof Integer) && !(value instanceof Long)) {
                try {
                    value = Long.parseLong(String.valueOf(value));
                } catch (NumberFormatException e) {
                    throw new ScenarioError(path + key, "must be a whole number, not '" + value + "'");
                }
            }
            long number = ((Number) value).longValue();
            if (number < min || number > max) {
                throw new ScenarioError(path + key, "must be from " + min + " to " + max + ", not " + number);
            }
            return (int) number;
        }

        boolean bool(String key, boolean fallback) throws ScenarioError {
            Object value = map.get(key);
            if (value == null) {
                return fallback;
            }
            if (value instanceof Boolean b) {
                return b;
            }
            throw new ScenarioError(path + key, "must be true or false, not '" + value + "'");
        }
    }
}
