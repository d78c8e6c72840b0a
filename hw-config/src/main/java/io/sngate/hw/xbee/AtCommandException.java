package io.sngate.hw.xbee;

import java.io.IOException;
import java.util.Objects;

/**
 * An AT command to a local XBee radio did not succeed. The message names the radio's port and
 * the command, so a start-up log line says which radio and which setting were the problem.
 * Subclasses tell why: {@link AtCommandFailedException} (the radio answered with an error
 * status) or {@link AtCommandTimeoutException} (the radio did not answer in time).
 */
public class AtCommandException extends IOException {

    private final String port;
    private final String command;

    public AtCommandException(String port, String command, String message) {
        this(port, command, message, null);
    }

    public AtCommandException(String port, String command, String message, Throwable cause) {
        super(message, cause);
        this.port = Objects.requireNonNull(port, "port");
        this.command = Objects.requireNonNull(command, "command");
    }

    /** The serial port the radio is on. */
    public String port() {
        return port;
    }

    /** The two-character command, e.g. {@code "ID"}. */
    public String command() {
        return command;
    }
}
