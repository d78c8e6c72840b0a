package io.sngate.hw.config;

import java.util.Objects;

/**
 * One configuration key: its YAML path, its command-line flag (if any), its type, default
 * and documentation. The README's example configuration and every validation message come
 * from these definitions, so they cannot drift apart.
 */
public final class Setting<T> {

    /** Turns a raw YAML or command-line value into a typed one, or says why it cannot. */
    @FunctionalInterface
    public interface Parser<T> {
        /** @throws IllegalArgumentException with a reason that reads after "key: " */
        T parse(Object raw);
    }

    private final String path;
    private final String flag;
    private final String type;
    private final T defaultValue;
    private final String doc;
    private final Parser<T> parser;

    Setting(String path, String flag, String type, T defaultValue, String doc, Parser<T> parser) {
        this.path = Objects.requireNonNull(path);
        this.flag = flag;
        this.type = type;
        this.defaultValue = defaultValue;
        this.doc = doc;
        this.parser = parser;
    }

    /** The dotted YAML path, e.g. {@code udp.port}. */
    public String path() {
        return path;
    }

    /** The command-line flag, e.g. {@code --port}, or null when there is none. */
    public String flag() {
        return flag;
    }

    public String type() {
        return type;
    }

    public T defaultValue() {
        return defaultValue;
    }

    public String doc() {
        return doc;
    }

    T parse(Object raw) {
        return parser.parse(raw);
    }

    /** How to name this key in an error about a value that came from {@code source}. */
    String label(boolean fromFlag) {
        return fromFlag && flag != null ? flag + " (" + path + ")" : path;
    }

    // ------------------------------------------------------------------ parsers

    static Parser<Integer> intRange(int min, int max) {
        return raw -> {
            long value = toLong(raw, "an integer from " + min + " to " + max);
            if (value < min || value > max) {
                throw new IllegalArgumentException("must be from " + min + " to " + max + ", not " + value);
            }
            return (int) value;
        };
    }

    static Parser<Long> longRange(long min, long max) {
        return raw -> {
            long value = toLong(raw, "an integer from " + min + " to " + max);
            if (value < min || value > max) {
                throw new IllegalArgumentException("must be from " + min + " to " + max + ", not " + value);
            }
            return value;
        };
    }

    static Parser<Double> doubleRange(double min, double max) {
        return raw -> {
            double value;
            if (raw instanceof Number number) {
                value = number.doubleValue();
            } else {
                try {
                    value = Double.parseDouble(String.valueOf(raw).trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("must be a number, not '" + raw + "'");
                }
            }
            if (!(value >= min && value <= max)) {
                throw new IllegalArgumentException("must be from " + min + " to " + max + ", not " + value);
            }
            return value;
        };
    }

    static Parser<Boolean> bool() {
        return raw -> {
            if (raw instanceof Boolean b) {
                return b;
            }
            String text = String.valueOf(raw).trim().toLowerCase();
            return switch (text) {
                case "true", "yes", "on" -> true;
                case "false", "no", "off" -> false;
                default -> throw new IllegalArgumentException("must be true or false, not '" + raw + "'");
            };
        };
    }

    static Parser<String> string() {
        return raw -> {
            if (raw instanceof java.util.Map || raw instanceof java.util.List) {
                throw new IllegalArgumentException("must be a single value, not a section or list");
            }
            return raw == null ? "" : String.valueOf(raw);
        };
    }

    /** The levels of logback (and slf4j), lower case; empty leaves the level to the environment. */
    public static final java.util.List<String> LOG_LEVELS = java.util.List.of("error", "warn", "info", "debug", "trace");

    static Parser<String> logLevel() {
        return raw -> {
            String text = String.valueOf(raw).trim().toLowerCase(java.util.Locale.ROOT);
            if (!text.isEmpty() && !LOG_LEVELS.contains(text)) {
                throw new IllegalArgumentException("must be one of " + String.join("|", LOG_LEVELS) + ", not '" + raw
                        + "'");
            }
            return text;
        };
    }

    /** {@code HOST:PORT} (IPv6 hosts in brackets), or empty. */
    static Parser<String> hostPort() {
        return raw -> {
            String text = String.valueOf(raw).trim();
            if (text.isEmpty()) {
                return text;
            }
            int colon = text.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("must be HOST:PORT, not '" + raw + "'");
            }
            try {
                int port = Integer.parseInt(text.substring(colon + 1));
                if (port < 1 || port > 65535) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("must be HOST:PORT with a port from 1 to 65535, not '" + raw + "'");
            }
            return text;
        };
    }

    static <E extends Enum<E>> Parser<E> oneOf(Class<E> type) {
        return raw -> {
            String text = String.valueOf(raw).trim();
            for (E constant : type.getEnumConstants()) {
                if (constant.name().equalsIgnoreCase(text)) {
                    return constant;
                }
            }
            StringBuilder allowed = new StringBuilder();
            for (E constant : type.getEnumConstants()) {
                allowed.append(allowed.length() == 0 ? "" : "|").append(constant.name().toLowerCase());
            }
            throw new IllegalArgumentException("must be one of " + allowed + ", not '" + raw + "'");
        };
    }

    private static long toLong(Object raw, String expected) {
        if (raw instanceof Integer || raw instanceof Long || raw instanceof Short) {
            return ((Number) raw).longValue();
        }
        try {
            return Long.parseLong(String.valueOf(raw).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("must be " + expected + ", not '" + raw + "'");
        }
    }
}
