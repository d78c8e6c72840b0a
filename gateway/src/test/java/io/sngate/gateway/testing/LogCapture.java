package io.sngate.gateway.testing;

import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;

/**
 * What the gateway logs while a test runs, as {@code LEVEL message} lines: for assertions that a
 * refusal is logged with its reason. Attached to the {@code io.sngate} logger (the console keeps
 * getting everything); {@link #close} detaches it.
 */
public final class LogCapture implements AutoCloseable {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private final Logger logger = (Logger) LoggerFactory.getLogger("io.sngate");
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
            lines.add(event.getLevel() + " " + event.getFormattedMessage());
        }
    };

    private LogCapture() {
        appender.setContext(logger.getLoggerContext());
        appender.setName("test-capture");
        appender.start();
        logger.addAppender(appender);
    }

    public static LogCapture start() {
        return new LogCapture();
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    /** Waits for a line that starts with {@code level} and contains every one of {@code parts}; returns it. */
    public String awaitLine(String level, String... parts) {
        String what = level + " line with " + String.join(" + ", parts);
        await("log " + what).atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> find(level, parts) != null);
        return find(level, parts);
    }

    private String find(String level, String... parts) {
        for (String line : lines) {
            if (line.startsWith(level + " ") && List.of(parts).stream().allMatch(line::contains)) {
                return line;
            }
        }
        return null;
    }

    /** Every line, for a failed assertion's message. */
    public String dump() {
        return lines.stream().collect(Collectors.joining("\n"));
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
    }
}
