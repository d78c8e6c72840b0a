package io.sngate.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.client.Topic;
import io.sngate.codec.QoS;
import io.sngate.codec.SngateVersion;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * sngate-sim's command line without a gateway: --help and --version on every command, usage
 * errors (exit 2, the option named, a did-you-mean), mosquitto's flags and negative QoS values.
 */
class SimCommandLineTest {

    static final List<String> COMMANDS = List.of("pub", "sub", "fleet", "bench", "decode", "version", "help");

    record Run(int code, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void everyCommandHasAManPageForHelp() {
        Run top = run("--help");
        assertThat(top.code()).isZero();
        assertThat(top.err()).isEmpty();
        assertThat(top.out()).startsWith("NAME\n  sngate-sim - ").contains("\nSYNOPSIS\n", "\nDESCRIPTION\n",
                "\nCOMMANDS\n", "\nOPTIONS\n", "\nEXIT STATUS\n", "\nEXAMPLES\n");
        for (String command : COMMANDS) {
            assertThat(top.out()).as("listed: %s", command).containsPattern("\n  " + command + " +[a-z]");
        }
        assertThat(run("-h").out()).isEqualTo(top.out());
        for (String command : COMMANDS) {
            Run help = run(command, "--help");
            assertThat(help.code()).as(command).isZero();
            assertThat(help.err()).as(command).isEmpty();
            assertThat(help.out()).as(command).startsWith("NAME\n  sngate-sim " + command + " - ")
                    .contains("\nSYNOPSIS\n  sngate-sim " + command, "\nOPTIONS\n", "\nEXIT STATUS\n  0  ",
                            "    --version ")
                    .containsPattern("\n    (-h, )?--help ");
            assertThat(run("help", command).out()).as("help %s", command).isEqualTo(help.out());
        }
        assertThat(run("pub", "--help").out()).contains("  Payload (exactly one):\n    -m MESSAGE ",
                "    -q QOS ", "    -h HOST ", "    --log-level LEVEL ", "\nEXAMPLES\n");
        assertThat(run("bench", "--help").out()).contains("    MODE ", "    --sweep ", "  DTLS ");
    }

    @Test
    void everyCommandPrintsTheVersion() {
        String version = "sngate-sim " + SngateVersion.get() + System.lineSeparator();
        assertThat(run("--version")).isEqualTo(new Run(0, version, ""));
        assertThat(run("version")).isEqualTo(new Run(0, version, ""));
        for (String command : List.of("pub", "sub", "fleet", "bench", "decode")) {
            assertThat(run(command, "--version")).as(command).isEqualTo(new Run(0, version, ""));
        }
    }

    @Test
    void aMistypedOptionOrCommandIsAnsweredWithTheOneMeant() {
        Run option = run("pub", "-t", "a", "-m", "b", "--sleeep", "3");
        assertThat(option.code()).isEqualTo(2);
        assertThat(option.out()).isEmpty();
        assertThat(option.errLines()).containsExactly("sngate-sim pub: Unknown option: '--sleeep'",
                "Did you mean: --sleep?", "run 'sngate-sim pub --help' for the options");
        assertThat(run("sub", "-t", "a", "--predefind", "3").errLines()).contains("Did you mean: --predefined?");
        assertThat(run("bench", "qos0", "--clinets", "3").errLines()).contains("Did you mean: --clients?");
        Run command = run("pbu", "-t", "a");
        assertThat(command.code()).isEqualTo(2);
        assertThat(command.errLines()).containsExactly("sngate-sim: Unknown command: 'pbu'", "Did you mean: pub?",
                "run 'sngate-sim --help' for the options");
    }

    @Test
    void badValuesAndRepeatedOptionsAreUsageErrorsNamingTheOption() {
        assertUsage(run("pub", "-t", "a", "-m", "b", "-k", "many"), "sngate-sim pub: -k must be a number, not 'many'");
        assertUsage(run("pub", "-t", "a", "-m", "b", "-t", "c"),
                "sngate-sim pub: option '-t' (TOPIC) should be specified only once");
        assertUsage(run("sub", "-t", "a", "-q"), "sngate-sim sub: Missing required parameter for option '-q' (QOS)");
        assertUsage(run("fleet", "--devices", "0"), "sngate-sim fleet: --devices must be from 1 to 1000000, not 0");
        assertUsage(run("bench", "qos0", "--rate"), "sngate-sim bench: Missing required parameter for option "
                + "'--rate' (R)");
        assertUsage(run("bench", "qos0", "latency"), "sngate-sim bench: Unexpected argument: 'latency'");
        assertUsage(run("--log-level", "chatty", "pub"), "sngate-sim: Invalid value for option '--log-level': must "
                + "be one of error|warn|info|debug|trace, not 'chatty'");
    }

    private static void assertUsage(Run run, String firstLine) {
        assertThat(run.code()).as("exit code of %s", run).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.errLines()).as("stderr").hasSize(2);
        assertThat(run.errLines().get(0)).isEqualTo(firstLine);
        assertThat(run.errLines().get(1)).startsWith("run 'sngate-sim").endsWith(" --help' for the options");
    }

    @Test
    void mosquittoFlagsKeepTheirMeaning() throws Exception {
        ToolOptions sub = ToolOptions.parse(List.of("-h", "gw.local", "-p", "1884", "-t", "plant/#", "-q", "2", "-i",
                "me", "-k", "30", "-c", "-d", "--sleep", "20"), "sub");
        assertThat(sub.host()).isEqualTo("gw.local");
        assertThat(sub.port()).isEqualTo(1884);
        assertThat(sub.topic()).isEqualTo(Topic.name("plant/#"));
        assertThat(sub.qos()).isEqualTo(QoS.EXACTLY_ONCE);
        assertThat(sub.clientId()).isEqualTo("me");
        assertThat(sub.keepAlive()).isEqualTo(30);
        assertThat(sub.cleanSession()).as("-c keeps the session").isFalse();
        assertThat(sub.debug()).isTrue();
        assertThat(sub.sleepSeconds()).isEqualTo(20);
        ToolOptions attached = ToolOptions.parse(List.of("-p=1885", "-t", "x"), "pub");
        assertThat(attached.port()).isEqualTo(1885);
    }

    @Test
    void retriesDefaultToTheSpecsSuggestedTimerAndCount() throws Exception {
        ToolOptions defaults = ToolOptions.parse(List.of("-t", "x"), "pub");
        assertThat(defaults.retrySeconds()).as("T_RETRY").isEqualTo(10);
        assertThat(defaults.maxRetries()).as("N_RETRY").isEqualTo(3);
        ToolOptions quick = ToolOptions.parse(List.of("-t", "x", "--retry-seconds", "0.5", "--max-retries", "1"), "sub");
        assertThat(quick.retrySeconds()).isEqualTo(0.5);
        assertThat(quick.maxRetries()).isEqualTo(1);
    }

    @Test
    void minusOneIsTheValueOfDashQ() throws Exception {
        assertThat(ToolOptions.parse(List.of("--short", "-t", "ab", "-q", "-1"), "pub").qos()).isEqualTo(QoS.MINUS_ONE);
        assertThat(ToolOptions.parse(List.of("--predefined", "7", "-q", "-1"), "pub").topic())
                .isEqualTo(Topic.predefined(7));
        assertUsage(run("pub", "-t", "a", "-m", "b", "-q", "-1"),
                "sngate-sim pub: -q -1 needs --predefined ID or --short");
        assertUsage(run("sub", "--short", "-t", "ab", "-q", "-1"), "sngate-sim sub: -q -1 cannot be subscribed");
        assertUsage(run("pub", "-t", "a", "-m", "b", "-q", "-2"), "sngate-sim pub: -q must be from -1 to 2, not -2");
    }

    @Test
    void aPayloadMayLookLikeAnOption() {
        PubCommand pub = new PubCommand(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                System.in);
        assertThat(pub.command().parse(List.of("-t", "a", "-m", "--help")).get("-m")).isEqualTo("--help");
        assertThat(pub.command().parse(List.of("-t", "a", "-m", "-5.5")).get("-m")).isEqualTo("-5.5");
    }

    @Test
    void decodeGetsItsArgumentsAsGiven() {
        Run run = run("decode", "08", "04", "04", "01", "00", "3C", "63", "31");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("Connect");
        Run notHex = run("decode", "zz");
        assertThat(notHex.code()).isEqualTo(1);
        assertThat(notHex.errLines()).containsExactly("not hex: zz ('z' is not a hex digit)");
        Run option = run("decode", "-x");
        assertThat(option.code()).isEqualTo(2);
        assertThat(option.errLines()).startsWith("sngate-sim decode: Unknown option: '-x'");
    }

    @Test
    void theBuildWroteTheBashCompletionScript() throws Exception {
        Path script = Path.of("target/completion/sngate-sim");
        assertThat(script).as("written by exec-maven-plugin in process-classes").isRegularFile();
        assertThat(Files.readString(script)).contains("complete -F _complete_sngate-sim",
                "local commands=\"pub sub fleet bench decode version help\"", "function _picocli_sngate-sim_pub()",
                "'-t'", "'--psk-file'", "\"qos0\" \"qos1\" \"latency\" \"connect\" \"ceiling\"",
                "\"error\" \"warn\" \"info\" \"debug\" \"trace\"");
    }
}
