package io.sngate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.SngateVersion;
import io.sngate.gateway.Main;
import io.sngate.hw.config.GatewaySettings;
import io.sngate.hw.config.Setting;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line's refusals: a bad flag, flag value or YAML key stops the start with exit
 * code 2 and a message naming it, before anything is started. Run in-process through
 * {@code Main.run(args, out, err)}, and once as a real child JVM for the process exit code.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CommandLineTest {

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) throws Exception {
        Method run = Main.class.getDeclaredMethod("run", List.class, PrintStream.class, PrintStream.class);
        run.setAccessible(true);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = (int) run.invoke(null, List.of(args), o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void unknownFlagExitsWithTwoNamingIt() throws Exception {
        Result r = run("--port", "0", "--bogus", "1");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("sngate gateway: Unknown option: '--bogus'")
                .contains("run 'sngate-gateway --help' for the options");
        assertThat(r.out()).doesNotContain("sngate gateway ready");
    }

    @Test
    void aNearMissIsAnsweredWithTheOptionMeant() throws Exception {
        Result r = run("--prot", "1884");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().lines().toList()).containsExactly("sngate gateway: Unknown option: '--prot'",
                "Did you mean: --port?", "run 'sngate-gateway --help' for the options");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void usageErrorsOfTheCommandLineItselfNameTheOption() throws Exception {
        Result twice = run("--port", "0", "--port", "1");
        assertThat(twice.code()).isEqualTo(2);
        assertThat(twice.err()).startsWith("sngate gateway: option '--port' (N) should be specified only once");
        Result operand = run("1883");
        assertThat(operand.code()).isEqualTo(2);
        assertThat(operand.err()).startsWith("sngate gateway: Unexpected argument: '1883'");
        Result missing = run("--broker");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).startsWith("sngate gateway: Missing required parameter for option '--broker' (URI)");
    }

    @Test
    void aNegativeNumberIsAValueCheckedAgainstTheSettingsRange() throws Exception {
        Result r = run("--advertise", "-1");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("sngate gateway: --advertise (gateway.advertise-seconds): must be from 0 to "
                + "65535, not -1");
    }

    @Test
    void helpIsAManPageOnStdout() throws Exception {
        for (String flag : List.of("--help", "-h")) {
            Result r = run(flag);
            assertThat(r.code()).as(flag).isZero();
            assertThat(r.err()).isEmpty();
            assertThat(r.out()).startsWith("NAME\n  sngate-gateway - the sngate MQTT-SN gateway\n")
                    .contains("\nSYNOPSIS\n  java -jar sngate-gateway.jar", "\nDESCRIPTION\n", "\nOPTIONS\n",
                            "\nEXIT STATUS\n", "\nEXAMPLES\n")
                    .contains("  Configuration:\n    --config FILE", "--example-config", "--list-ports")
                    .contains("--port N", "UDP port for MQTT-SN devices", "(YAML udp.port, default 1883)")
                    .contains("--require-broker[=BOOLEAN]", "--mode MODE", "--log-level LEVEL")
                    .contains("\n  3  --require-broker");
            for (Setting<?> setting : GatewaySettings.ALL.values()) {
                if (setting.flag() != null) {
                    assertThat(r.out()).as("the help lists %s", setting.flag())
                            .containsPattern("\n    " + Pattern.quote(setting.flag()) + "[ \\[\n]");
                }
            }
        }
    }

    @Test
    void versionPrintsTheReleaseOnStdout() throws Exception {
        Result r = run("--version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo("sngate gateway " + SngateVersion.get() + System.lineSeparator());
        assertThat(r.err()).isEmpty();
    }

    @Test
    void theBuildWroteTheBashCompletionScript() throws Exception {
        Path script = Path.of("target/completion/sngate-gateway");
        assertThat(script).as("written by exec-maven-plugin in process-classes").isRegularFile();
        String text = Files.readString(script);
        assertThat(text).contains("complete -F _complete_sngate-gateway", "'--port'", "'--broker'", "'--config'",
                "'--example-config'", "'--list-ports'", "\"transparent\" \"aggregating\"");
    }

    @Test
    void badFlagValuesExitWithTwoNamingTheFlag() throws Exception {
        Result port = run("--port", "70000");
        assertThat(port.code()).isEqualTo(2);
        assertThat(port.err()).contains("--port");
        Result mode = run("--mode", "sideways");
        assertThat(mode.code()).isEqualTo(2);
        assertThat(mode.err()).contains("--mode");
        Result broker = run("--broker", "not a uri");
        assertThat(broker.code()).isEqualTo(2);
        assertThat(broker.err()).contains("broker");
        Result missing = run("--port");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("--port");
    }

    @Test
    void badYamlKeyExitsWithTwoNamingTheKey(@TempDir Path dir) throws Exception {
        Path typo = Files.writeString(dir.resolve("typo.yaml"), "udp:\n  prot: 1884\n");
        Result r = run("--config", typo.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("udp.prot").contains("udp.port");

        Path badValue = Files.writeString(dir.resolve("value.yaml"), "limits:\n  max-clients: 0\n");
        Result v = run("--config", badValue.toString());
        assertThat(v.code()).isEqualTo(2);
        assertThat(v.err()).contains("limits.max-clients");

        Path badMode = Files.writeString(dir.resolve("mode.yaml"), "mode: sideways\n");
        Result m = run("--config", badMode.toString());
        assertThat(m.code()).isEqualTo(2);
        assertThat(m.err()).contains("mode");
    }

    @Test
    void childJvmExitsWithStatusTwoOnABadFlag() {
        try (GatewayProcess gateway = GatewayProcess.start(List.of("--port", "0", "--no-such-flag", "1"))) {
            assertThat(gateway.waitForExit()).as("exit status; %s", gateway).isEqualTo(2);
            assertThat(String.join("\n", gateway.stderr)).contains("--no-such-flag");
            assertThat(gateway.readyLine()).as("no ready line").isEmpty();
        }
    }
}
