package io.sngate.client.gpio;

import io.sngate.codec.Bytes;
import java.util.Locale;
import java.util.Optional;

/** The payloads that switch an output: {@code 1/0}, {@code on/off}, {@code true/false}, any case, spaces trimmed. */
final class SwitchPayload {

    /** Longer payloads are not worth decoding: none of the words is. */
    private static final int MAX_LENGTH = 16;

    private SwitchPayload() {
    }

    /** On (true), off (false), or empty for anything else. */
    public static Optional<Boolean> parse(Bytes payload) {
        if (payload.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        return switch (payload.utf8().strip().toLowerCase(Locale.ROOT)) {
            case "1", "on", "true" -> Optional.of(true);
            case "0", "off", "false" -> Optional.of(false);
            default -> Optional.empty();
        };
    }
}
