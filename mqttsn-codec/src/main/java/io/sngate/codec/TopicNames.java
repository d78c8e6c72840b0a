package io.sngate.codec;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * MQTT topic names and filters, checked the way MQTT 5 (§1.5.4 UTF-8 strings, §4.7 topics)
 * and the brokers behind the gateway check them.
 *
 * <p>MQTT 5 forbids U+0000 and lets a receiver treat control characters and Unicode
 * non-characters as malformed; mosquitto does, and disconnects the whole upstream connection
 * (reason 0x81 or 0x82) over a single topic such as {@code "\uFFFF/x"} (bytes EF BF BF 2F 78),
 * {@code "\u0001"} or {@code "\u007F"}. A gateway that shares one connection among many devices
 * must therefore refuse such topics itself, and a configuration file must not name them. The
 * rules, for names and filters alike:
 * <ul>
 *   <li>not empty, and at most {@value #MAX_UTF8_LENGTH} bytes as UTF-8;</li>
 *   <li>no U+0000, no control characters (U+0001..U+001F, U+007F..U+009F);</li>
 *   <li>no non-characters: U+FDD0..U+FDEF and every code point ending in FFFE or FFFF, in
 *       every plane;</li>
 *   <li>no unpaired surrogates (a Java string can hold one; UTF-8 cannot carry it);</li>
 *   <li>a name has no {@code +} or {@code #}; in a filter {@code +} is a whole level and
 *       {@code #} the whole last level.</li>
 * </ul>
 * Offsets in the reasons are indexes into the Java string (UTF-16 units), not byte offsets.
 *
 * <p>Pure Java and stateless, so that the codec's users (the gateway, the configuration
 * loader) share one definition.
 */
public final class TopicNames {

    /** MQTT strings carry a 16-bit length: at most 65 535 bytes of UTF-8. */
    public static final int MAX_UTF8_LENGTH = 65_535;

    private TopicNames() {
    }

    /**
     * The bytes as a string when they are well-formed UTF-8 without U+0000; empty otherwise.
     * Strict: malformed or truncated sequences, overlong forms (including C0 80 for U+0000),
     * encoded surrogates (ED A0 80 .. ED BF BF) and code points above U+10FFFF are all refused,
     * never replaced by U+FFFD, so a device's bytes are never "repaired" into another topic.
     * Non-characters decode (they are well-formed); {@link #nameProblem} refuses them.
     */
    public static Optional<String> decodeUtf8(Bytes bytes) {
        // A new decoder per call: decoders keep state and are not safe to share between threads.
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        String text;
        try {
            text = decoder.decode(bytes.asReadOnlyBuffer()).toString();
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
        return text.indexOf('\0') >= 0 ? Optional.empty() : Optional.of(text);
    }

    /** Empty when {@code topic} is a valid topic name (one a message can be published to), else why not. */
    public static Optional<String> nameProblem(String topic) {
        return problem(Objects.requireNonNull(topic, "topic"), false);
    }

    /** Empty when {@code filter} is a valid topic filter (one a client can subscribe to), else why not. */
    public static Optional<String> filterProblem(String filter) {
        return problem(Objects.requireNonNull(filter, "filter"), true);
    }

    /** True when {@link #nameProblem} finds nothing. */
    public static boolean isValidName(String topic) {
        return nameProblem(topic).isEmpty();
    }

    /** True when {@link #filterProblem} finds nothing. */
    public static boolean isValidFilter(String filter) {
        return filterProblem(filter).isEmpty();
    }

    /**
     * The number of bytes {@code text.getBytes(UTF_8)} would give, counted without building them
     * (the gateway checks every topic it forwards). Like that method it counts an unpaired
     * surrogate as the one byte of its '?' replacement. {@link Integer#MAX_VALUE} if larger.
     */
    public static int utf8Length(String text) {
        int n = text.length();
        long bytes = n;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                continue;
            }
            if (c < 0x800) {
                bytes += 1;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 2; // two chars, four bytes
                i++;
            } else if (!Character.isSurrogate(c)) {
                bytes += 2;
            }
        }
        return (int) Math.min(bytes, Integer.MAX_VALUE);
    }

    private static Optional<String> problem(String text, boolean filter) {
        if (text.isEmpty()) {
            return Optional.of("empty");
        }
        int length = utf8Length(text);
        if (length > MAX_UTF8_LENGTH) {
            return Optional.of("longer than " + MAX_UTF8_LENGTH + " bytes of UTF-8 (" + length + " bytes)");
        }
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            int codePoint = c;
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                codePoint = Character.toCodePoint(c, text.charAt(i + 1));
            } else if (Character.isSurrogate(c)) {
                return Optional.of("contains unpaired surrogate " + hex(c) + " at offset " + i);
            }
            if (codePoint == 0) {
                return Optional.of("contains U+0000 at offset " + i);
            }
            if (codePoint <= 0x1F || codePoint >= 0x7F && codePoint <= 0x9F) {
                return Optional.of("contains control character " + hex(codePoint) + " at offset " + i);
            }
            if (codePoint >= 0xFDD0 && codePoint <= 0xFDEF || (codePoint & 0xFFFE) == 0xFFFE) {
                return Optional.of("contains non-character " + hex(codePoint) + " at offset " + i);
            }
            if (c == '+' || c == '#') {
                Optional<String> wildcard = wildcardProblem(text, i, filter);
                if (wildcard.isPresent()) {
                    return wildcard;
                }
            }
            if (codePoint != c) {
                i++; // the low surrogate of the pair just checked
            }
        }
        return Optional.empty();
    }

    private static Optional<String> wildcardProblem(String text, int i, boolean filter) {
        char c = text.charAt(i);
        if (!filter) {
            return Optional.of("wildcard '" + c + "' in a topic name (at offset " + i + ")");
        }
        boolean levelStart = i == 0 || text.charAt(i - 1) == '/';
        boolean levelEnd = i == text.length() - 1 || text.charAt(i + 1) == '/';
        if (!levelStart || !levelEnd) {
            return Optional.of("'" + c + "' must be a whole level (at offset " + i + ")");
        }
        if (c == '#' && i != text.length() - 1) {
            return Optional.of("'#' must be the last level (at offset " + i + ")");
        }
        return Optional.empty();
    }

    private static String hex(int codePoint) {
        return String.format("U+%04X", codePoint);
    }
}
