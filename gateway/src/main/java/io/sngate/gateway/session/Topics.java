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

    /** MQTT strings are at most 65 535 bytes of UTF-8. */
    public static final int MAX_UTF8_LENGTH = 65_535;

    /**
     * True for a topic a message can be published to (MQTT 5 §4.7): not empty, no wildcards,
     * no U+0000, at most 65 535 UTF-8 bytes. Checked before anything reaches the broker, which
     * would close the connection on an invalid one.
     */
    public static boolean isValidName(String topic) {
        if (topic == null || topic.isEmpty() || utf8Length(topic) > MAX_UTF8_LENGTH) {
            return false;
        }
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (c == '+' || c == '#' || c == '\u0000') {
                return false;
            }
        }
        return true;
    }

    public static boolean hasWildcard(String filter) {
        return filter.indexOf('+') >= 0 || filter.indexOf('#') >= 0;
    }

    /**
     * True for a valid filter: not empty, no U+0000, {@code +} only as a whole level, {@code #}
     * only as the whole last level, at most 65 535 UTF-8 bytes.
     */
    public static boolean isValidFilter(String filter) {
        if (filter == null || filter.isEmpty() || utf8Length(filter) > MAX_UTF8_LENGTH) {
            return false;
        }
        int n = filter.length();
        for (int i = 0; i < n; i++) {
            char c = filter.charAt(i);
            boolean levelStart = i == 0 || filter.charAt(i - 1) == '/';
            boolean levelEnd = i == n - 1 || filter.charAt(i + 1) == '/';
            if (c == '\u0000' || c == '+' && !(levelStart && levelEnd) || c == '#' && !(levelStart && i == n - 1)) {
                return false;
            }
        }
        return true;
    }

    /** The number of bytes {@code text} takes in UTF-8. */
    public static int utf8Length(String text) {
        return io.netty.buffer.ByteBufUtil.utf8Bytes(text);
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
