package io.sngate.gateway.session;

import io.sngate.codec.Bytes;
import io.sngate.codec.TopicNames;
import java.util.Optional;

/** MQTT topic names and filters: validation and matching (MQTT 5 §4.7). */
public final class Topics {

    private Topics() {
    }

    /**
     * The topic bytes as a string when they are valid UTF-8 without U+0000 (MQTT forbids
     * both); empty when not. A device's bytes are never "repaired" into another topic.
     */
    public static Optional<String> decodeUtf8(Bytes bytes) {
        return TopicNames.decodeUtf8(bytes);
    }

    /** MQTT strings are at most 65 535 bytes of UTF-8. */
    public static final int MAX_UTF8_LENGTH = TopicNames.MAX_UTF8_LENGTH;

    /**
     * True for a topic a message can be published to, as MQTT 5 and the common brokers require
     * ({@link TopicNames#nameProblem}): checked before anything reaches the broker, which would
     * close the connection on an invalid one.
     */
    public static boolean isValidName(String topic) {
        return topic != null && TopicNames.isValidName(topic);
    }

    public static boolean hasWildcard(String filter) {
        return filter.indexOf('+') >= 0 || filter.indexOf('#') >= 0;
    }

    /** True for a valid filter ({@link TopicNames#filterProblem}). */
    public static boolean isValidFilter(String filter) {
        return filter != null && TopicNames.isValidFilter(filter);
    }

    /** The number of bytes {@code text} takes in UTF-8. */
    public static int utf8Length(String text) {
        return TopicNames.utf8Length(text);
    }

    /** True when {@code topic} matches {@code filter}; {@code $} topics only match filters naming them. */
    public static boolean matches(String filter, String topic) {
        if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) {
            return false;
        }
        String[] f = filter.split("/", -1);
        String[] t = topic.split("/", -1);
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("#")) {
                return true; // also matches the parent level: "a/#" matches "a"
            }
            if (i >= t.length || !(f[i].equals("+") || f[i].equals(t[i]))) {
                return false;
            }
        }
        return f.length == t.length;
    }
}
