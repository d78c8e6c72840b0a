package io.sngate.gateway.upstream;

import io.netty.buffer.ByteBufUtil;

/**
 * MQTT topic name and filter checks (MQTT 5 §4.7), done before anything is sent: a broker answers
 * an invalid topic by closing the connection, and a connection that resends the same invalid
 * PUBLISH after every reconnection would never recover.
 */
final class Topics {

    static final int MAX_UTF8_LENGTH = 65_535;

    private Topics() {
    }

    /** A name a PUBLISH may carry: not empty, no wildcards, no U+0000, at most 65 535 UTF-8 bytes. */
    static boolean isValidTopicName(String topic) {
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

    /**
     * A filter a SUBSCRIBE may carry: not empty, no U+0000, '+' only as a whole level, '#' only as
     * the whole last level, at most 65 535 UTF-8 bytes.
     */
    static boolean isValidTopicFilter(String filter) {
        if (filter == null || filter.isEmpty() || utf8Length(filter) > MAX_UTF8_LENGTH) {
            return false;
        }
        int n = filter.length();
        for (int i = 0; i < n; i++) {
            char c = filter.charAt(i);
            boolean levelStart = i == 0 || filter.charAt(i - 1) == '/';
            boolean levelEnd = i == n - 1 || filter.charAt(i + 1) == '/';
            if (c == '\u0000') {
                return false;
            }
            if (c == '+' && !(levelStart && levelEnd)) {
                return false;
            }
            if (c == '#' && !(levelStart && i == n - 1)) {
                return false;
            }
        }
        return true;
    }

    static int utf8Length(String s) {
        return ByteBufUtil.utf8Bytes(s);
    }
}
