package io.sngate.hw.config.devices;

/**
 * Topic filter matching for the devices file's permissions. The gateway routes with its own
 * matcher; this one only answers "may this device do that", and also whether one filter covers
 * another, which routing never needs. Both arguments must already be valid (see {@link TopicRules}).
 */
final class TopicMatching {

    private TopicMatching() {
    }

    /** Whether the topic name {@code topic} matches {@code filter}. */
    static boolean matches(String filter, String topic) {
        return covers(filter, topic); // a name is the filter that matches only itself
    }

    /**
     * Whether every topic that {@code filter} matches is also matched by {@code pattern}: then a
     * device allowed {@code pattern} may subscribe to {@code filter}. For a filter without
     * wildcards this is plain matching.
     */
    static boolean covers(String pattern, String filter) {
        String[] p = TopicRules.levels(pattern);
        String[] f = TopicRules.levels(filter);
        for (int i = 0; i < p.length; i++) {
            if (i == 0 && isWildcard(p[0]) && f[0].startsWith("$")) {
                // MQTT 3.1.1 §4.7.2: a leading wildcard does not reach $SYS and its kin.
                return false;
            }
            if (p[i].equals("#")) {
                return true; // everything below, and the parent level itself
            }
            if (i == f.length) {
                return false; // the filter is shorter, and what is left of the pattern is not '#'
            }
            if (f[i].equals("#")) {
                return false; // the filter reaches any depth, a '+' or a name does not
            }
            if (p[i].equals("+")) {
                continue; // one level of anything, '+' included
            }
            if (f[i].equals("+") || !p[i].equals(f[i])) {
                return false;
            }
        }
        return p.length == f.length;
    }

    private static boolean isWildcard(String level) {
        return level.equals("+") || level.equals("#");
    }
}
