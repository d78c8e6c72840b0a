package io.sngate.client;

import java.util.Map;

/** Which subscription callbacks a message goes to: MQTT's topic filter rules, on the names messages arrive with. */
final class TopicFilters {

    private TopicFilters() {
    }

    /**
     * Whether a message on the topic named {@code name} belongs to a subscription to {@code filter}.
     * Messages arrive named (the client resolves ids), so a predefined filter matches the name
     * configured for its id, and a short one its two characters.
     */
    static boolean matches(Topic filter, String name, Map<Integer, String> predefined) {
        if (filter instanceof Topic.Name byName) {
            return matches(byName.name(), name);
        }
        if (filter instanceof Topic.Predefined byId) {
            return name.equals(predefined.get(byId.id()));
        }
        return name.equals(((Topic.Short) filter).name());
    }

    /**
     * MQTT 3.1.1 §4.7: {@code +} is one level, {@code #} the rest (the parent level too); a filter
     * starting with a wildcard skips {@code $} topics.
     */
    static boolean matches(String filter, String name) {
        if (filter.indexOf('+') < 0 && filter.indexOf('#') < 0) {
            return filter.equals(name);
        }
        if (name.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) {
            return false;
        }
        String[] levels = filter.split("/", -1);
        String[] names = name.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            if (levels[i].equals("#")) {
                return true;
            }
            if (i >= names.length || !(levels[i].equals("+") || levels[i].equals(names[i]))) {
                return false;
            }
        }
        return levels.length == names.length;
    }
}
