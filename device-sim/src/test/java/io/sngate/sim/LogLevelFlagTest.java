package io.sngate.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.hw.log.LogSetup;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The simulator takes --log-level as the gateway and the bridge do, before or after its command. */
class LogLevelFlagTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void theLevelIsAppliedToLogbackWhereverTheFlagIs() {
        Logger sim = LoggerFactory.getLogger("io.sngate.sim");
        boolean infoBefore = sim.isInfoEnabled();
        try {
            assertThat(run("--log-level", "debug", "version")).isZero();
            assertThat(sim.isDebugEnabled()).isTrue();
            assertThat(run("version", "--log-level=error")).isZero();
            assertThat(sim.isWarnEnabled()).isFalse();
            assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("sngate-sim ");
        } finally {
            LogSetup.apply(infoBefore ? "info" : "warn", false);
        }
    }

    @Test
    void anUnknownLevelIsAUsageErrorNamingTheFlag() {
        assertThat(run("--log-level", "chatty", "version")).isEqualTo(Main.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--log-level").contains("'chatty'");
    }
}
