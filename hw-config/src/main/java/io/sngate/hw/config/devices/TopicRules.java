package io.sngate.hw.config.devices;

import io.sngate.codec.TopicNames;

import java.nio.charset.StandardCharsets;

/**
 * Which strings are MQTT topic names and topic filters (MQTT 3.1.1 §4.7, §1.5.3). The rules are
 * {@link TopicNames}' (the gateway checks devices' topics with the same); this class adds what
 * the devices file needs around them.
 */
final class TopicRules {

    /** A topic is a UTF-8 string with a two-byte length. */
    static final int MAX_BYTES = 65_535;

    private TopicRules() {
    }

    /** Why {@code topic} is not a topic name a device may publish to, or null when it is one. */
    static String whyNotName(String topic) {
        return TopicNames.nameProblem(topic).orElse(null);
    }

    /** Why {@code filter} is not a topic filter, or null when it is one. */
    static String whyNotFilter(String filter) {
        return TopicNames.filterProblem(filter).orElse(null);
    }

    /** The levels of a topic or filter; empty levels count ({@code "a//b"} has three). */
    static String[] levels(String topicOrFilter) {
        return topicOrFilter.split("/", -1);
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
