package io.sngate.hw.config.devices;

/** The {@code %c} convention of publish and subscribe filters (as in mosquitto's ACL pattern lines). */
final class Permissions {

    static final String CLIENT_ID = "%c";

    private Permissions() {
    }

    /**
     * {@code pattern} with {@code %c} replaced by the client id, or null when the replacement would
     * match nothing safely: an id with {@code +}, {@code #} or {@code /} would turn into wildcards or
     * extra levels and widen the filter, and an empty id would turn {@code a/%c/b} into {@code a//b}.
     */
    static String expand(String pattern, String clientId) {
        if (!pattern.contains(CLIENT_ID)) {
            return pattern;
        }
        if (clientId == null || clientId.isEmpty() || clientId.indexOf('+') >= 0 || clientId.indexOf('#') >= 0
                || clientId.indexOf('/') >= 0) {
            return null;
        }
        String filter = pattern.replace(CLIENT_ID, clientId);
        // The id may still hold what no topic may (U+0000, control characters): then nothing matches.
        return TopicRules.whyNotFilter(filter) == null ? filter : null;
    }

    /** Why {@code pattern} cannot be a publish or subscribe filter of the devices file, or null. */
    static String whyNotPattern(String pattern) {
        if (pattern.contains("%u")) {
            return "'%u' is not supported (only %c, the client id)";
        }
        String why = TopicRules.whyNotFilter(pattern);
        return why == null ? null : "'" + TopicRules.printable(pattern) + "' is not a topic filter: " + why;
    }
}
