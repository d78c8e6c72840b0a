package io.sngate.hw.config.devices;

import java.nio.charset.StandardCharsets;

/**
 * Which strings are MQTT topic names and topic filters (MQTT 3.1.1 §4.7, §1.5.3). Kept small and
 * package-private on purpose: {@code io.sngate.codec.TopicNames} will hold the same rules for the
 * whole project, and this class is to be replaced by it.
 */
final class TopicRules {

    /** A topic is a UTF-8 string with a two-byte length. */
    static final int MAX_BYTES = 65_535;

    private TopicRules() {
    }

    /** Why {@code topic} is not a topic name a device may publish to, or null when it is one. */
    static String whyNotName(String topic) {
        String why = whyNotText(topic);
        if (why != null) {
            return why;
        }
        if (topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0) {
            return "a topic name cannot hold the wildcards '+' or '#'";
        }
        return null;
    }

    /** Why {@code filter} is not a topic filter, or null when it is one. */
    static String whyNotFilter(String filter) {
        String why = whyNotText(filter);
        if (why != null) {
            return why;
        }
        String[] levels = levels(filter);
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (level.equals("#")) {
                if (i != levels.length - 1) {
                    return "'#' must be the last level";
                }
            } else if (level.indexOf('#') >= 0) {
                return "'#' must be a whole level (like 'a/#')";
            } else if (!level.equals("+") && level.indexOf('+') >= 0) {
                return "'+' must be a whole level (like 'a/+/b')";
            }
        }
        return null;
    }

    /** The levels of a topic or filter; empty levels count ({@code "a//b"} has three). */
    static String[] levels(String topicOrFilter) {
        return topicOrFilter.split("/", -1);
    }

    /** The rules names and filters share: not empty, not too long, no characters MQTT forbids. */
    private static String whyNotText(String text) {
        if (text.isEmpty()) {
            return "a topic cannot be empty";
        }
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            if (c == 0) {
                return "a topic cannot hold U+0000";
            }
            if (c <= 0x1F || (c >= 0x7F && c <= 0x9F)) {
                return "a topic cannot hold the control character " + codePoint(c);
            }
            if (c >= 0xD800 && c <= 0xDFFF) { // a paired surrogate would have come out as one code point
                return "a topic cannot hold a lone surrogate " + codePoint(c) + " (not UTF-8)";
            }
            if ((c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE) {
                return "a topic cannot hold the Unicode non-character " + codePoint(c);
            }
            i += Character.charCount(c);
        }
        if (text.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            return "a topic cannot be longer than " + MAX_BYTES + " bytes of UTF-8";
        }
        return null;
    }

    /**
     * {@code text} fit to quote in an error message: every character a topic may not hold is shown
     * as {@code \\uXXXX}, so a message never carries a raw control character to a terminal or log.
     */
    static String printable(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            boolean bad = c <= 0x1F || (c >= 0x7F && c <= 0x9F) || (c >= 0xD800 && c <= 0xDFFF)
                    || (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE;
            if (bad) {
                out.append(String.format("\\u%04X", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    private static String codePoint(int c) {
        return String.format("U+%04X", c);
    }
}
