package io.sngate.gateway.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** The lines one logger (and its children) writes while a test runs, through logback. */
public final class CapturedLog implements AutoCloseable {

    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private CapturedLog(String name) {
        this.logger = (Logger) LoggerFactory.getLogger(name);
        appender.start();
        logger.addAppender(appender);
    }

    /** Starts capturing {@code name}, e.g. "io.sngate". */
    public static CapturedLog of(String name) {
        return new CapturedLog(name);
    }

    /** Every line so far, formatted, with its level in front ("WARN ..."). */
    public List<String> lines() {
        synchronized (appender) { // AppenderBase appends under the appender's own lock
            return appender.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
        }
    }

    /** True when a line so far contains {@code text}. */
    public boolean contains(String text) {
        return lines().stream().anyMatch(line -> line.contains(text));
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
    }
}
