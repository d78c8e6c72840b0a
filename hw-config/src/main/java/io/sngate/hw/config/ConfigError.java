package io.sngate.hw.config;

/**
 * A configuration that cannot be used: names the key (YAML path or command-line flag) and
 * the reason, so the user knows which line to fix.
 */
public final class ConfigError extends Exception {

    private static final long serialVersionUID = 1L;

    private final String key;
    private final String reason;

    public ConfigError(String key, String reason) {
        super(key + ": " + reason);
        this.key = key;
        this.reason = reason;
    }

    public String key() {
        return key;
    }

    public String reason() {
        return reason;
    }
}
