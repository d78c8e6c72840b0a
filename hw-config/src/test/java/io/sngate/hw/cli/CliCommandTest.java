package io.sngate.hw.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.ParameterException;

/** The command line every sngate tool is built on: parsing, the man page, usage errors. */
class CliCommandTest {

    record Run(int code, String out, String err) {
    }

    private final AtomicReference<Args> seen = new AtomicReference<>();

    private CliCommand tool() {
        return CliCommand.named("tool")
                .summary("a tool for the tests")
                .description("What it does, in a paragraph long enough to be wrapped at the width of the help text, "
                        + "which is eighty columns.")
                .helpNames("-h", "--help")
                .version("tool 1.2")
                .logLevel("warn")
                .group("Connection")
                .value("-p", "PORT", "the port")
                .choice("--mode", "MODE", List.of("fast", "slow"), "how to go")
                .group("Switches")
                .flag("-v", "verbose")
                .flag("-d", "debug")
                .group("Connection")
                .repeatable("--serial", "PATH", "a serial line; repeatable")
                .option(picocli.CommandLine.Model.OptionSpec.builder("--require").arity("0..1").fallbackValue("true")
                        .paramLabel("BOOLEAN").type(String.class).description("require it"))
                .operand("MODE", "0..1", List.of("a", "b"), "what to do")
                .exitCode(0, "done")
                .exitCode(2, "usage error")
                .examples("tool -p 1 a")
                .action(args -> {
                    seen.set(args);
                    return 0;
                });
    }

    private static Run run(CliCommand command, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = command.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void valuesReachTheActionAsWritten() {
        assertThat(run(tool(), "-p", "-1", "--mode=slow", "-vd", "--serial", "/dev/a", "--serial=/dev/b", "b",
                "--require").code()).isZero();
        Args args = seen.get();
        assertThat(args.get("-p")).as("a negative number is a value").isEqualTo("-1");
        assertThat(args.get("--mode")).isEqualTo("slow");
        assertThat(args.has("-v")).isTrue();
        assertThat(args.has("-d")).as("clustered short switches").isTrue();
        assertThat(args.all("--serial")).containsExactly("/dev/a", "/dev/b");
        assertThat(args.get("--require")).as("an optional value left out").isEqualTo("true");
        assertThat(args.positional()).containsExactly("b");
        assertThat(args.has("--log-level")).isFalse();
        assertThat(args.get("--mode", "fast")).isEqualTo("slow");
        assertThat(args.get("-x", "none")).isEqualTo("none");

        assertThat(run(tool(), "--require=false").code()).isZero();
        assertThat(seen.get().get("--require")).isEqualTo("false");
        assertThat(seen.get().all("--serial")).isEmpty();
        assertThat(seen.get().positional()).isEmpty();
    }

    @Test
    void helpIsAManPageWithTheOptionsInTheirGroups() {
        Run run = run(tool(), "--help");
        assertThat(run.code()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(run.out()).isEqualTo("""
                NAME
                  tool - a tool for the tests

                SYNOPSIS
                  tool [OPTIONS] [MODE]

                DESCRIPTION
                  What it does, in a paragraph long enough to be wrapped at the width of the
                  help text, which is eighty columns.

                OPTIONS
                  Operands:
                    MODE                 what to do
                  Connection:
                    -p PORT              the port
                    --mode MODE          how to go
                    --serial PATH        a serial line; repeatable
                    --require[=BOOLEAN]  require it
                  Switches:
                    -v                   verbose
                    -d                   debug
                  Common options:
                    --log-level LEVEL    error|warn|info|debug|trace, for the logs on stderr
                                         (default: warn)
                    -h, --help           print this help and exit
                    --version            print the version and exit

                EXIT STATUS
                  0  done
                  2  usage error

                EXAMPLES
                  tool -p 1 a
                """);
        assertThat(run(tool(), "-h").out()).isEqualTo(run.out());
        assertThat(tool().usage()).isEqualTo(run.out());
    }

    @Test
    void versionIsPrintedOnStdout() {
        assertThat(run(tool(), "--version")).isEqualTo(new Run(0, "tool 1.2" + System.lineSeparator(), ""));
    }

    @Test
    void aUsageErrorIsOneLineNamingTheOptionThenWhereTheHelpIs() {
        Run unknown = run(tool(), "--moed", "fast");
        assertThat(unknown.code()).isEqualTo(Cli.EXIT_USAGE);
        assertThat(unknown.out()).isEmpty();
        assertThat(unknown.err().lines()).containsExactly("tool: Unknown option: '--moed'", "Did you mean: --mode?",
                "run 'tool --help' for the options");
        assertThat(run(tool(), "-p").err().lines()).containsExactly(
                "tool: Missing required parameter for option '-p' (PORT)", "run 'tool --help' for the options");
        assertThat(run(tool(), "-p", "1", "-p", "2").err().lines().findFirst()).contains(
                "tool: option '-p' (PORT) should be specified only once");
        assertThat(run(tool(), "a", "b").err().lines().findFirst()).contains("tool: Unexpected argument: 'b'");
        assertThat(run(tool(), "--log-level", "loud").err().lines().findFirst()).contains(
                "tool: Invalid value for option '--log-level': must be one of error|warn|info|debug|trace, not "
                        + "'loud'");
    }

    @Test
    void anErrorTheActionFindsIsReportedTheSameWay() {
        Run run = run(CliCommand.named("tool").errorPrefix("the tool").value("-p", "PORT", "the port")
                .action(args -> {
                    throw new UsageError("-p must be from 1 to 65535, not " + args.get("-p"));
                }), "-p", "0");
        assertThat(run.code()).isEqualTo(Cli.EXIT_USAGE);
        assertThat(run.err().lines()).containsExactly("the tool: -p must be from 1 to 65535, not 0",
                "run 'tool --help' for the options");
    }

    @Test
    void subcommandsInheritTheVersionAndTheLogLevelAndHaveAHelpCommand() {
        List<List<String>> operands = new ArrayList<>();
        CliCommand top = CliCommand.named("top").version("top 9").logLevel("warn").helpSubcommand()
                .subcommand(CliCommand.named("go").summary("go somewhere").flag("-f", "fast").action(args -> 0))
                .subcommand(CliCommand.named("raw").summary("takes anything")
                        .operand("WORDS", "0..*", List.of(), "anything")
                        .action(args -> {
                            operands.add(args.positional());
                            return 0;
                        }));
        assertThat(run(top, "go", "--version").out()).isEqualTo("top 9" + System.lineSeparator());
        assertThat(run(top, "go", "-f", "--log-level", "warn").code()).isZero();
        assertThat(run(top, "raw", "08", "--", "-x", "-").code()).isZero();
        assertThat(operands).containsExactly(List.of("08", "-x", "-"));
        Run help = run(top, "help", "go");
        assertThat(help.code()).isZero();
        assertThat(help.out()).startsWith("NAME\n  top go - go somewhere\n").isEqualTo(run(top, "go", "--help").out());
        assertThat(run(top, "--help").out()).contains("\nCOMMANDS\n  go    go somewhere\n  raw   takes anything\n"
                + "  help  print the help of top or of one of its commands\n");
        Run none = run(top);
        assertThat(none.code()).isEqualTo(Cli.EXIT_USAGE);
        assertThat(none.err()).startsWith("top: a command is needed: go, raw, help\n");
        Run typo = run(top, "og");
        assertThat(typo.err().lines()).containsExactly("top: Unknown command: 'og'", "Did you mean: go?",
                "run 'top --help' for the options");
    }

    @Test
    void parseGivesTheValuesWithoutRunningAnything() {
        Args args = tool().parse(List.of("-p", "7"));
        assertThat(args.get("-p")).isEqualTo("7");
        assertThat(seen.get()).as("the action did not run").isNull();
        assertThatThrownBy(() -> tool().parse(List.of("--bogus"))).isInstanceOf(ParameterException.class)
                .hasMessage("Unknown option: '--bogus'");
    }

    @Test
    void onlyNearMissesAreSuggested() {
        List<String> names = List.of("--port", "--predefined", "--log-level", "-t", "-h");
        assertThat(UsageErrorReport.nearest("--prot", names)).contains("--port");
        assertThat(UsageErrorReport.nearest("--predefind", names)).contains("--predefined");
        assertThat(UsageErrorReport.nearest("--loglevel", names)).contains("--log-level");
        assertThat(UsageErrorReport.nearest("--bogus", names)).isEmpty();
        assertThat(UsageErrorReport.nearest("-x", names)).as("every short option is one edit away").isEmpty();
        assertThat(UsageErrorReport.distance("prot", "port")).isEqualTo(1);
        assertThat(UsageErrorReport.distance("kitten", "sitting")).isEqualTo(3);
    }
}
