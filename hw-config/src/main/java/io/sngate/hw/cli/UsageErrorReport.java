package io.sngate.hw.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * How every command reports a command line it cannot use: one line naming the option and the
 * problem, a "did you mean" for a near miss, where to find the options; exit code 2.
 *
 * <pre>
 * sngate-sim pub: Unknown option: '--prot'
 * Did you mean: --port?
 * run 'sngate-sim pub --help' for the options
 * </pre>
 */
public final class UsageErrorReport implements CommandLine.IParameterExceptionHandler {

    @Override
    public int handleParseException(ParameterException e, String[] args) {
        CommandLine line = e.getCommandLine();
        PrintWriter err = line.getErr();
        err.println(prefix(line.getCommandSpec()) + ": " + message(e));
        Optional<String> nearMiss = nearMiss(e);
        if (nearMiss.isPresent()) {
            err.println("Did you mean: " + nearMiss.get() + "?");
        } else {
            UnmatchedArgumentException.printSuggestions(e, err);
        }
        err.println("run '" + line.getCommandSpec().qualifiedName() + " --help' for the options");
        err.flush();
        return Cli.EXIT_USAGE;
    }

    private static String prefix(CommandSpec spec) {
        if (spec.userObject() instanceof CliCommand.Runner runner && runner.command.errorPrefix() != null) {
            return runner.command.errorPrefix();
        }
        return spec.qualifiedName();
    }

    private static String message(ParameterException e) {
        if (!(e instanceof UnmatchedArgumentException unmatched) || unmatched.getUnmatched().isEmpty()) {
            return e.getMessage();
        }
        // picocli lists the words after an unknown option too ('--prot', '3'): the first is the culprit.
        String first = unmatched.getUnmatched().get(0);
        if (first.startsWith("-") && first.length() > 1) {
            return "Unknown option: '" + first + "'";
        }
        CommandSpec spec = e.getCommandLine().getCommandSpec();
        if (!spec.subcommands().isEmpty() && spec.positionalParameters().isEmpty()) {
            return "Unknown command: '" + first + "'";
        }
        return "Unexpected argument: '" + first + "'";
    }

    /** The option or command nearest to an unknown one, when only a typo apart. */
    private static Optional<String> nearMiss(ParameterException e) {
        if (!(e instanceof UnmatchedArgumentException unmatched) || unmatched.getUnmatched().isEmpty()) {
            return Optional.empty();
        }
        String typed = unmatched.getUnmatched().get(0);
        CommandSpec spec = e.getCommandLine().getCommandSpec();
        List<String> candidates = new ArrayList<>();
        if (typed.startsWith("-")) {
            int equals = typed.indexOf('=');
            if (equals > 0) {
                typed = typed.substring(0, equals);
            }
            for (OptionSpec option : spec.options()) {
                if (!option.hidden()) {
                    candidates.addAll(List.of(option.names()));
                }
            }
        } else {
            candidates.addAll(spec.subcommands().keySet());
        }
        return nearest(typed, candidates);
    }

    /**
     * The candidate at the least edit distance (a swap of two neighbours counts once), when that
     * is small for the length: one edit up to four letters, two beyond. Options of one or two
     * letters get none: every short option is one edit from every other.
     */
    static Optional<String> nearest(String typed, List<String> candidates) {
        String word = stripDashes(typed);
        if (word.length() < (typed.startsWith("-") ? 3 : 2)) {
            return Optional.empty();
        }
        int allowed = word.length() <= 4 ? 1 : 2;
        String best = null;
        int bestDistance = allowed + 1;
        for (String candidate : candidates) {
            String name = stripDashes(candidate);
            if (name.length() < 2 || candidate.equals(typed)) {
                continue;
            }
            int distance = distance(word, name);
            if (distance < bestDistance) {
                bestDistance = distance;
                best = candidate;
            }
        }
        return Optional.ofNullable(best);
    }

    private static String stripDashes(String name) {
        int start = 0;
        while (start < name.length() && name.charAt(start) == '-') {
            start++;
        }
        return name.substring(start);
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
