package io.sngate.gateway.it;

import io.sngate.gateway.testing.Mosquitto;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@link Mosquitto} that also logs to a file of its own. mosquitto flushes its file log
 * line by line (its stdout, which {@link Mosquitto#log()} reads, is block-buffered when
 * redirected), so this log shows at once what the broker has done: "New client connected
 * ... as ID (p5, c1, ...)" is written before the broker sends its CONNACK, "Client ID
 * disconnected." when a DISCONNECT arrived, "closed its connection" when the TCP connection
 * ended without one.
 */
final class LoggedMosquitto implements AutoCloseable {

    final Mosquitto broker;
    private final Path logFile;

    private LoggedMosquitto(Mosquitto broker, Path logFile) {
        this.broker = broker;
        this.logFile = logFile;
    }

    static LoggedMosquitto start() {
        return start(List.of());
    }

    /** A broker with more configuration lines (e.g. authentication), logging to its own file. */
    static LoggedMosquitto start(List<String> extraConfig) {
        Path logFile;
        try {
            logFile = Files.createTempFile("sngate-it-mosquitto-", ".log");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> config = new java.util.ArrayList<>(extraConfig);
        config.add("log_dest file " + logFile.toAbsolutePath());
        return new LoggedMosquitto(Mosquitto.start(config), logFile);
    }

    String uri() {
        return broker.uri();
    }

    /** Everything the broker logged so far (flushed line by line). */
    String log() {
        try {
            return Files.readString(logFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            broker.close();
        } finally {
            try {
                Files.deleteIfExists(logFile);
            } catch (IOException e) {
                // best effort
            }
        }
    }
}
