package io.sngate.hw.cli;

import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParameterException;

/**
 * One command of an sngate tool, described once and turned into a picocli command: its options
 * in titled groups, its operands, the man-page-like help ({@link ManPage}), {@code --help} and
 * {@code --version}, and the usage-error report ({@link UsageErrorReport}, exit code 2). Every
 * tool builds its command line with this class, so all of them parse, explain and complain alike.
 *
 * <p>Options are declared as strings and handed to the tool as written ({@link Args}): each tool
 * checks its values itself and names the option when one is wrong.
 */
public final class CliCommand {

    /** What the command does once its command line parsed. */
    @FunctionalInterface
    public interface Action {
        /** @return the exit code */
        int run(Args args) throws UsageError;
    }

    /** The group of options every command has: --help, --version and the inherited ones. */
    static final String COMMON_GROUP = "Common options";

    private final String name;
    private String summary = "";
    private final List<String> synopsis = new ArrayList<>();
    private final List<String> description = new ArrayList<>();
    private final Map<String, List<OptionSpec.Builder>> groups = new LinkedHashMap<>();
    private String group = "Options";
    private final List<PositionalParamSpec.Builder> operands = new ArrayList<>();
    private final Map<Integer, String> exitCodes = new LinkedHashMap<>();
    private final List<String> examples = new ArrayList<>();
    private String version;
    private String[] helpNames = {"--help"};
    private String errorPrefix;
    private String logLevelDefault;
    private boolean valuesMayLookLikeOptions;
    private boolean helpSubcommand;
    private Action action;
    private final List<CliCommand> subcommands = new ArrayList<>();

    private CliCommand(String name) {
        this.name = name;
    }

    public static CliCommand named(String name) {
        return new CliCommand(name);
    }

    // ------------------------------------------------------------------ the help text

    /** The one line after the name in the NAME section. */
    public CliCommand summary(String text) {
        summary = text;
        return this;
    }

    /** The SYNOPSIS lines, written out (picocli's generated one lists every option). */
    public CliCommand synopsis(String... lines) {
        synopsis.addAll(List.of(lines));
        return this;
    }

    /** The DESCRIPTION paragraphs. */
    public CliCommand description(String... paragraphs) {
        description.addAll(List.of(paragraphs));
        return this;
    }

    /** One line of the EXIT STATUS section. */
    public CliCommand exitCode(int code, String meaning) {
        exitCodes.put(code, meaning);
        return this;
    }

    /** The EXAMPLES section, line by line as written. */
    public CliCommand examples(String... lines) {
        examples.addAll(List.of(lines));
        return this;
    }

    /** What --version prints; subcommands print their parent's. */
    public CliCommand version(String text) {
        version = text;
        return this;
    }

    /** The names of the usage-help option, when {@code -h} is free for it (default: --help only). */
    public CliCommand helpNames(String... names) {
        helpNames = names.clone();
        return this;
    }

    /** What starts the command's error messages (default: its qualified name, e.g. sngate-sim pub). */
    public CliCommand errorPrefix(String prefix) {
        errorPrefix = prefix;
        return this;
    }

    // ------------------------------------------------------------------ options and operands

    /** The options declared next are listed under this title. */
    public CliCommand group(String title) {
        group = title;
        return this;
    }

    /** An option with a value, e.g. {@code -t TOPIC}; given twice, it is a usage error. */
    public CliCommand value(String optionName, String label, String doc) {
        return option(OptionSpec.builder(optionName).paramLabel(label).type(String.class).description(doc));
    }

    /** An option whose value is a file (the shell completes file names). */
    public CliCommand file(String optionName, String label, String doc) {
        return option(OptionSpec.builder(optionName).paramLabel(label).type(Path.class).description(doc));
    }

    /** An option whose value is one of {@code values} (the shell completes them). */
    public CliCommand choice(String optionName, String label, List<String> values, String doc) {
        return option(OptionSpec.builder(optionName).paramLabel(label).type(String.class)
                .completionCandidates(List.copyOf(values)).description(doc));
    }

    /** An option that may be given several times, e.g. {@code --serial PORT --serial PORT}. */
    public CliCommand repeatable(String optionName, String label, String doc) {
        return option(OptionSpec.builder(optionName).paramLabel(label).type(List.class)
                .auxiliaryTypes(String.class).description(doc));
    }

    /** A switch without a value, e.g. {@code -r}. */
    public CliCommand flag(String optionName, String doc) {
        return option(OptionSpec.builder(optionName).arity("0").type(boolean.class).description(doc));
    }

    /** Any other option, in the current group. */
    public CliCommand option(OptionSpec.Builder option) {
        groups.computeIfAbsent(group, title -> new ArrayList<>()).add(option);
        return this;
    }

    /** An operand (positional argument); {@code arity} as picocli writes it, e.g. "0..1". */
    public CliCommand operand(String label, String arity, List<String> candidates, String doc) {
        PositionalParamSpec.Builder operand = PositionalParamSpec.builder().paramLabel(label).arity(arity)
                .description(doc);
        if (CommandLine.Range.valueOf(arity).max() > 1) {
            operand.type(List.class).auxiliaryTypes(String.class); // several words, e.g. "0..*"
        } else {
            operand.type(String.class);
        }
        if (!candidates.isEmpty()) {
            operand.completionCandidates(List.copyOf(candidates));
        }
        operands.add(operand);
        return this;
    }

    /** {@code --log-level LEVEL} on this command and all its subcommands. */
    public CliCommand logLevel(String defaultText) {
        logLevelDefault = defaultText;
        return this;
    }

    /**
     * An option's value is the next argument even when it looks like an option, as in
     * mosquitto_pub ({@code -m --help} publishes "--help").
     */
    public CliCommand valuesMayLookLikeOptions() {
        valuesMayLookLikeOptions = true;
        return this;
    }

    // ------------------------------------------------------------------ what it does

    public CliCommand action(Action run) {
        action = run;
        return this;
    }

    public CliCommand subcommand(CliCommand subcommand) {
        subcommands.add(subcommand);
        return this;
    }

    /** A {@code help [COMMAND]} subcommand. */
    public CliCommand helpSubcommand() {
        helpSubcommand = true;
        return this;
    }

    // ------------------------------------------------------------------ running it

    /** Parses and runs {@code args}; returns the exit code (2 for a usage error, reported on {@code err}). */
    public int run(List<String> args, PrintStream out, PrintStream err) {
        return commandLine(out, err).execute(args.toArray(String[]::new));
    }

    /**
     * Parses {@code args} without running anything, for callers that take the values as an API
     * (the gateway's {@code ConfigLoader.fromArgs}).
     *
     * @throws ParameterException what picocli found wrong, naming the option
     */
    public Args parse(List<String> args) {
        CommandLine line = build(null);
        return new Args(line.parseArgs(args.toArray(String[]::new)));
    }

    /** The help text --help prints. */
    public String usage() {
        return build(null).getUsageMessage();
    }

    /** The picocli command, printing on {@code out} and {@code err}. */
    public CommandLine commandLine(PrintStream out, PrintStream err) {
        CommandLine line = build(null);
        // Set after the subcommands are added, so that they print on the same streams.
        line.setOut(writer(out));
        line.setErr(writer(err));
        line.setParameterExceptionHandler(new UsageErrorReport());
        return line;
    }

    private static OptionSpec versionOption() {
        return OptionSpec.builder("--version").versionHelp(true).description("print the version and exit").build();
    }

    private static PrintWriter writer(PrintStream stream) {
        return new PrintWriter(new OutputStreamWriter(stream, Charset.defaultCharset()), true);
    }

    private CommandLine build(String parentVersion) {
        Runner runner = new Runner(this);
        CommandSpec spec = CommandSpec.wrapWithoutInspection(runner);
        runner.spec = spec;
        spec.name(name);
        spec.usageMessage().header(summary);
        // '@file' arguments are not expanded: a topic or message may start with '@'.
        spec.parser().expandAtFiles(false).allowOptionsAsOptionParameters(valuesMayLookLikeOptions);
        for (List<OptionSpec.Builder> options : groups.values()) {
            options.forEach(option -> spec.addOption(option.build()));
        }
        operands.forEach(operand -> spec.addPositional(operand.build()));
        if (logLevelDefault != null) {
            spec.addOption(LogLevelOption.spec(logLevelDefault));
        }
        spec.addOption(OptionSpec.builder(helpNames).usageHelp(true).description("print this help and exit").build());
        spec.addOption(versionOption());
        String shownVersion = version != null ? version : parentVersion;
        spec.versionProvider(() -> new String[] {shownVersion});
        CommandLine line = new CommandLine(spec);
        // Before the subcommands are added: picocli hands a command's help sections down to them.
        ManPage.install(line, this);
        for (CliCommand subcommand : subcommands) {
            line.addSubcommand(subcommand.name, subcommand.build(shownVersion));
        }
        if (helpSubcommand) {
            CommandLine help = new CommandLine(new CommandLine.HelpCommand());
            String what = "print the help of " + name + " or of one of its commands";
            help.getCommandSpec().usageMessage().header(what);
            help.getCommandSpec().addOption(versionOption());
            help.getCommandSpec().versionProvider(() -> new String[] {shownVersion});
            ManPage.install(help, CliCommand.named("help").summary(what)
                    .synopsis(name + " help [COMMAND]")
                    .exitCode(Cli.EXIT_OK, "the help was printed")
                    .exitCode(Cli.EXIT_USAGE, "no such command"));
            line.addSubcommand("help", help);
        }
        return line;
    }

    // ------------------------------------------------------------------ for ManPage and UsageErrorReport

    String name() {
        return name;
    }

    String summary() {
        return summary;
    }

    List<String> synopsisLines() {
        return synopsis;
    }

    List<String> descriptionParagraphs() {
        return description;
    }

    /** Group title by the names of its options' first name, in declaration order. */
    Map<String, List<String>> groupedOptionNames() {
        Map<String, List<String>> names = new LinkedHashMap<>();
        groups.forEach((title, options) -> names.put(title, options.stream().map(o -> o.names()[0]).toList()));
        return names;
    }

    List<PositionalParamSpec.Builder> operands() {
        return operands;
    }

    Map<Integer, String> exitCodes() {
        return exitCodes;
    }

    List<String> exampleLines() {
        return examples;
    }

    String errorPrefix() {
        return errorPrefix;
    }

    /** Runs the action with what picocli parsed; a {@link UsageError} becomes picocli's usage error. */
    static final class Runner implements Callable<Integer> {
        final CliCommand command;
        CommandSpec spec;

        Runner(CliCommand command) {
            this.command = command;
        }

        @Override
        public Integer call() throws Exception {
            CommandLine line = spec.commandLine();
            if (command.action == null) {
                throw new ParameterException(line, "a command is needed: "
                        + String.join(", ", line.getSubcommands().keySet()));
            }
            try {
                return command.action.run(new Args(line.getParseResult()));
            } catch (UsageError e) {
                throw new ParameterException(line, e.getMessage(), e);
            }
        }
    }
}
