package io.sngate.sim;

/** An MQTT topic filter ({@code +} one level, {@code #} the rest), matched as the broker does, for sub's -T. */
record TopicFilter(String filter) {

    TopicFilter {
        if (filter.isEmpty()) {
            throw new IllegalArgumentException("a topic filter must not be empty");
        }
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (level.contains("#") && (!level.equals("#") || i != levels.length - 1)) {
                throw new IllegalArgumentException("'#' must be a whole level and the last one: " + filter);
            }
            if (level.contains("+") && !level.equals("+")) {
                throw new IllegalArgumentException("'+' must be a whole level: " + filter);
            }
        }
    }

    boolean matches(String topic) {
        String[] want = filter.split("/", -1);
        String[] have = topic.split("/", -1);
        if ((want[0].equals("+") || want[0].equals("#")) && topic.startsWith("$")) {
            return false; // wildcards do not reach the broker's $SYS-like topics
        }
        for (int i = 0; i < want.length; i++) {
            if (want[i].equals("#")) {
                return true; // "a/#" matches "a" as well
            }
            if (i >= have.length) {
                return false;
            }
            if (!want[i].equals("+") && !want[i].equals(have[i])) {
                return false;
            }
        }
        return want.length == have.length;
    }
}
