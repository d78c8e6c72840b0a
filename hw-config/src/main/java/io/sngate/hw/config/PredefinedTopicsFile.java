package io.sngate.hw.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The predefined topics file. Blank lines and text after {@code #} are ignored; every other line
 * is one of:
 * <ul>
 * <li>{@code id,topic}: a topic id every client knows (the topic may hold commas);</li>
 * <li>{@code ClientID,topic,id}, the line of the Eclipse Paho MQTT-SN gateway's
 * {@code predefinedTopic.conf}: a topic id of that one client, or of every client when the
 * ClientID is {@code *}.</li>
 * </ul>
 * The two are told apart per line, so Paho users can point at their file unchanged: a line of
 * three fields whose last one is a number is Paho's. A client's own id may reuse an id every client
 * knows; for that client its own one wins. Errors name the file and line.
 */
public final class PredefinedTopicsFile {

    /** The ClientID of a Paho line that is for every client. */
    public static final String EVERY_CLIENT = "*";

    private static final Pattern NUMBER = Pattern.compile("[+-]?[0-9]+");

    /**
     * What the file holds.
     *
     * @param gatewayWide ids every client knows (from {@code id,topic} and {@code *} lines)
     * @param perClient   ids only one client knows, by client id, each in file order
     */
    public record Contents(Map<Integer, String> gatewayWide, Map<String, Map<Integer, String>> perClient) {
        public Contents {
            gatewayWide = Collections.unmodifiableMap(new LinkedHashMap<>(gatewayWide));
            Map<String, Map<Integer, String>> copy = new LinkedHashMap<>();
            perClient.forEach((client, topics) -> copy.put(client, Collections.unmodifiableMap(new LinkedHashMap<>(topics))));
            perClient = Collections.unmodifiableMap(copy);
        }

        public static final Contents EMPTY = new Contents(Map.of(), Map.of());
    }

    private PredefinedTopicsFile() {
    }

    /** The ids every client knows (what the gateway had before per-client ids). */
    public static Map<Integer, String> load(String key, Path file) throws ConfigError {
        return loadAll(key, file).gatewayWide();
    }

    /** The ids every client knows and the ids of single clients. */
    public static Contents loadAll(String key, Path file) throws ConfigError {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigError(key, "cannot read " + file + ": " + e.getMessage());
        }
        return parseAll(key, file.toString(), lines);
    }

    static Map<Integer, String> parse(String key, String source, List<String> lines) throws ConfigError {
        return parseAll(key, source, lines).gatewayWide();
    }

    static Contents parseAll(String key, String source, List<String> lines) throws ConfigError {
        Topics gatewayWide = new Topics("");
        Map<String, Topics> perClient = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String where = source + " line " + (i + 1);
            String line = lines.get(i);
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] fields = line.split(",", -1);
            if (fields.length == 3 && NUMBER.matcher(fields[2].strip()).matches()) {
                String client = fields[0].strip();
                if (client.isEmpty()) {
                    throw new ConfigError(key, where + ": the client id is empty (use " + EVERY_CLIENT
                            + " for every client)");
                }
                Topics topics = client.equals(EVERY_CLIENT) ? gatewayWide
                        : perClient.computeIfAbsent(client, c -> new Topics(" for client '" + c + "'"));
                topics.add(key, where, fields[2].strip(), fields[1].strip());
                continue;
            }
            int comma = line.indexOf(',');
            if (comma < 0) {
                throw new ConfigError(key, where + ": expected 'id,topic', got '" + line + "'");
            }
            gatewayWide.add(key, where, line.substring(0, comma).strip(), line.substring(comma + 1).strip());
        }
        Map<String, Map<Integer, String>> clients = new LinkedHashMap<>();
        perClient.forEach((client, topics) -> clients.put(client, topics.byId));
        return new Contents(gatewayWide.byId, clients);
    }

    /** The ids of one scope (every client, or one), checked as they are added. */
    private static final class Topics {
        private final String scope;
        private final Map<Integer, String> byId = new LinkedHashMap<>();
        private final Map<String, Integer> byTopic = new LinkedHashMap<>();

        Topics(String scope) {
            this.scope = scope;
        }

        void add(String key, String where, String idText, String topic) throws ConfigError {
            int id;
            try {
                id = Integer.parseInt(idText);
            } catch (NumberFormatException e) {
                throw new ConfigError(key, where + (NUMBER.matcher(idText).matches()
                        ? ": topic id " + idText + " must be from 1 to 65534"
                        : ": topic id '" + idText + "' is not a number"));
            }
            if (id < 1 || id > 0xFFFE) {
                throw new ConfigError(key, where + ": topic id " + id + " must be from 1 to 65534");
            }
            java.util.Optional<String> problem = io.sngate.codec.TopicNames.nameProblem(topic);
            if (problem.isPresent()) {
                throw new ConfigError(key, where + ": '" + printable(topic) + "' is not a topic name: " + problem.get());
            }
            if (byId.containsKey(id)) {
                throw new ConfigError(key, where + ": topic id " + id + " is defined twice" + scope);
            }
            Integer other = byTopic.putIfAbsent(topic, id);
            if (other != null) {
                throw new ConfigError(key, where + ": topic '" + topic + "' already has id " + other + scope);
            }
            byId.put(id, topic);
        }
    }

    /** The topic as it can be shown in a message: control characters escaped. */
    private static String printable(String text) {
        StringBuilder shown = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (Character.isISOControl(c) || !Character.isDefined(c) || c >= 0xFFFE && (c & 0xFFFE) == 0xFFFE) {
                shown.append(String.format("\\u%04X", c));
            } else {
                shown.appendCodePoint(c);
            }
        });
        return shown.toString();
    }
}
