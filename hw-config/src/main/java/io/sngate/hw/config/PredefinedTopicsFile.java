package io.sngate.hw.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The predefined topics file: one {@code id,topic} per line; blank lines and text after
 * {@code #} are ignored. Errors name the file and line.
 */
public final class PredefinedTopicsFile {

    private PredefinedTopicsFile() {
    }

    public static Map<Integer, String> load(String key, Path file) throws ConfigError {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigError(key, "cannot read " + file + ": " + e.getMessage());
        }
        return parse(key, file.toString(), lines);
    }

    static Map<Integer, String> parse(String key, String source, List<String> lines) throws ConfigError {
        Map<Integer, String> topics = new LinkedHashMap<>();
        Map<String, Integer> seen = new LinkedHashMap<>();
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
            int comma = line.indexOf(',');
            if (comma < 0) {
                throw new ConfigError(key, where + ": expected 'id,topic', got '" + line + "'");
            }
            int id;
            try {
                id = Integer.parseInt(line.substring(0, comma).strip());
            } catch (NumberFormatException e) {
                throw new ConfigError(key, where + ": topic id '" + line.substring(0, comma).strip()
                        + "' is not a number");
            }
            if (id < 1 || id > 0xFFFE) {
                throw new ConfigError(key, where + ": topic id " + id + " must be from 1 to 65534");
            }
            String topic = line.substring(comma + 1).strip();
            if (topic.isEmpty() || topic.contains("+") || topic.contains("#")) {
                throw new ConfigError(key, where + ": '" + topic + "' is not a topic name (empty or wildcard)");
            }
            if (topics.containsKey(id)) {
                throw new ConfigError(key, where + ": topic id " + id + " is defined twice");
            }
            Integer other = seen.put(topic, id);
            if (other != null) {
                throw new ConfigError(key, where + ": topic '" + topic + "' already has id " + other);
            }
            topics.put(id, topic);
        }
        return topics;
    }
}
