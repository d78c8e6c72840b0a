package io.sngate.gateway.session;

import io.sngate.codec.Bytes;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
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
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes.asReadOnlyBuffer())
                    .toString();
            return text.indexOf('\0') >= 0 ? Optional.empty() : Optional.of(text);
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    /** True for a topic a message can be published to: non-empty, no wildcards. */
    public static boolean isValidName(String topic) {
        return !topic.isEmpty() && topic.indexOf('+') < 0 && topic.indexOf('#') < 0;
    }

    public static boolean hasWildcard(String filter) {
        return filter.indexOf('+') >= 0 || filter.indexOf('#') >= 0;
    }

    /** True for a valid filter: {@code +} fills a whole level, {@code #} only as the last level. */
    public static boolean isValidFilter(String filter) {
        if (filter.isEmpty()) {
            return false;
        }
        int levelStart = 0;
        for (int i = 0; i <= filter.length(); i++) {
            if (i == filter.length() || filter.charAt(i) == '/') {
                String level = filter.substring(levelStart, i);
                if (level.contains("#") && (!level.equals("#") || i != filter.length())) {
                    return false;
                }
                if (level.contains("+") && !level.equals("+")) {
                    return false;
                }
                levelStart = i + 1;
            }
        }
        return true;
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
