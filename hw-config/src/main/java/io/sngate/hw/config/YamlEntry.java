package io.sngate.hw.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One mapping of a YAML hardware section (a {@code serial[1]} entry, the {@code gpio} section)
 * with the keys it may hold. Every value read through it is checked, and every error names the
 * full key ({@code serial[1].baud}), so the user knows which line to fix.
 */
final class YamlEntry {

    private final String path;
    private final Map<?, ?> map;

    private YamlEntry(String path, Map<?, ?> map) {
        this.path = path;
        this.map = map;
    }

    /**
     * Checks that {@code raw} is a mapping holding only {@code allowed} keys.
     *
     * @param what what the mapping describes, for the error when it is not a mapping
     */
    static YamlEntry of(String path, Object raw, Collection<String> allowed, String what) throws ConfigError {
        if (!(raw instanceof Map<?, ?> map)) {
            throw new ConfigError(path, "must be " + what + " (keys such as " + String.join(", ", first(allowed, 3))
                    + "), not " + describe(raw));
        }
        for (Object key : map.keySet()) {
            String name = String.valueOf(key);
            if (!allowed.contains(name)) {
                throw new ConfigError(path + "." + name, "unknown key" + Suggestions.didYouMean(
                        name, allowed, candidate -> path + "." + candidate));
            }
        }
        return new YamlEntry(path, map);
    }

    private static List<String> first(Collection<String> keys, int n) {
        List<String> some = new ArrayList<>();
        for (String key : keys) {
            if (some.size() == n) {
                break;
            }
            some.add(key);
        }
        return some;
    }

    /** How a value that should have been something else reads in an error. */
    static String describe(Object raw) {
        if (raw == null) {
            return "empty";
        }
        if (raw instanceof Map<?, ?>) {
            return "a section";
        }
        if (raw instanceof List<?>) {
            return "a list";
        }
        return "'" + raw + "'";
    }

    /** The full key of {@code name} in this entry, e.g. {@code xbee[0].api-mode}. */
    String key(String name) {
        return path + "." + name;
    }

    String path() {
        return path;
    }

    boolean has(String name) {
        return map.containsKey(name);
    }

    /** The value of {@code name} parsed, or {@code fallback} when the key is absent. */
    <T> T get(String name, Setting.Parser<T> parser, T fallback) throws ConfigError {
        Optional<T> value = optional(name, parser);
        return value.isPresent() ? value.get() : fallback;
    }

    /** The value of {@code name} parsed, or empty when the key is absent. */
    <T> Optional<T> optional(String name, Setting.Parser<T> parser) throws ConfigError {
        if (!map.containsKey(name)) {
            return Optional.empty();
        }
        Object raw = map.get(name);
        if (raw == null) {
            throw new ConfigError(key(name), "needs a value (leave the key out for the default)");
        }
        if (raw instanceof Map<?, ?> || raw instanceof List<?>) {
            throw new ConfigError(key(name), "must be a single value, not " + describe(raw));
        }
        try {
            return Optional.of(parser.parse(raw));
        } catch (IllegalArgumentException e) {
            throw new ConfigError(key(name), e.getMessage());
        }
    }

    /** The value of a key that must be there. */
    <T> T required(String name, Setting.Parser<T> parser) throws ConfigError {
        Optional<T> value = optional(name, parser);
        if (value.isEmpty()) {
            throw new ConfigError(key(name), "is required");
        }
        return value.get();
    }
}
