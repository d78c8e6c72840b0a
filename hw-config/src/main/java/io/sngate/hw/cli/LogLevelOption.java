package io.sngate.hw.cli;

import io.sngate.hw.config.Setting;
import io.sngate.hw.log.LogSetup;
import java.util.Locale;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --log-level LEVEL}, as the bridge and the simulator take it (the gateway has it in its
 * settings table): on the command and every subcommand, before or after the subcommand's name.
 */
final class LogLevelOption {

    static final String NAME = "--log-level";

    private LogLevelOption() {
    }

    static OptionSpec spec(String defaultText) {
        return OptionSpec.builder(NAME)
                .paramLabel("LEVEL")
                .type(String.class)
                .scopeType(ScopeType.INHERIT)
                .completionCandidates(Setting.LOG_LEVELS)
                .converters(LogLevelOption::apply)
                .description(String.join("|", Setting.LOG_LEVELS) + ", for the logs on stderr (default: "
                        + defaultText + ")")
                .build();
    }

    /**
     * Applied as soon as it is read, so the level holds for everything the command line asks,
     * {@code --version} included; picocli reports the exception as an invalid value of the option.
     */
    private static String apply(String raw) {
        String level = raw.strip().toLowerCase(Locale.ROOT);
        if (!Setting.LOG_LEVELS.contains(level)) {
            throw new TypeConversionException("must be one of " + String.join("|", Setting.LOG_LEVELS) + ", not '"
                    + raw + "'");
        }
        LogSetup.apply(level, false);
        return level;
    }
}
