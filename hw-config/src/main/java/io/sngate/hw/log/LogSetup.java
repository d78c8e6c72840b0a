package io.sngate.hw.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import java.util.Iterator;
import java.util.Locale;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log level and format the command line or configuration asked for, applied to logback at
 * start by the gateway, the bridge and the simulator alike (the bridge's and the simulator's
 * {@code --log-level} is {@code io.sngate.hw.cli.LogLevelOption}). Each program's {@code logback.xml}
 * gives the defaults (text on stderr, {@code io.sngate} at {@value #LEVEL_VARIABLE} or INFO); what
 * is set here wins over them, because an operator who passes a flag means it.
 */
public final class LogSetup {

    /** The environment variable each {@code logback.xml} reads for the level of {@value #LOGGER}. */
    public static final String LEVEL_VARIABLE = "SNGATE_LOG_LEVEL";
    /** The logger every sngate class logs under. */
    public static final String LOGGER = "io.sngate";

    private LogSetup() {
    }

    /**
     * @param level error, warn, info, debug or trace (any case); empty or null: as logback.xml
     *              set it (the environment variable, else INFO)
     * @param json  one JSON object per line (logback's {@link JsonEncoder}) instead of the text pattern
     * @return false when slf4j is bound to something else than logback, which then keeps its own settings
     */
    public static boolean apply(String level, boolean json) {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            return false;
        }
        if (level != null && !level.isBlank()) {
            String name = level.strip().toUpperCase(Locale.ROOT);
            Level parsed = Level.toLevel(name, null);
            if (parsed == null || !parsed.levelStr.equals(name)) {
                throw new IllegalArgumentException("not a log level: '" + level + "'");
            }
            context.getLogger(LOGGER).setLevel(parsed);
        }
        if (json) {
            ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
            for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
                if (it.next() instanceof OutputStreamAppender<ILoggingEvent> appender) {
                    toJson(context, appender);
                }
            }
        }
        return true;
    }

    private static void toJson(LoggerContext context, OutputStreamAppender<ILoggingEvent> appender) {
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(context);
        // The formatted message is what a reader searches for; the template stays for grouping
        // lines of one kind, which makes the argument array redundant. The logger context (its
        // name and birth time) is the same on every line.
        encoder.setWithFormattedMessage(true);
        encoder.setWithArguments(false);
        encoder.setWithContext(false);
        encoder.start();
        appender.stop();
        appender.setEncoder(encoder);
        appender.start();
    }
}
