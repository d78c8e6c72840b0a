package io.sngate.sim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small option parser for the tools: flags with values ({@code -t topic}, {@code --sleep 30},
 * {@code --port=1883}) and switches ({@code -r}). Unknown options are usage errors.
 */
final class CommandLine {

    /** A usage error: the tool prints it with its usage and exits 2. */
    static final class UsageError extends Exception {
        private static final long serialVersionUID = 1L;

        UsageError(String message) {
            super(message);
        }
    }

    private final Map<String, String> values = new HashMap<>();
    private final Set<String> switchesSeen = new java.util.HashSet<>();
    private final List<String> positional = new ArrayList<>();

    private CommandLine() {
    }

    static CommandLine parse(List<String> args, Set<String> withValue, Set<String> switches) throws UsageError {
        CommandLine line = new CommandLine();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String name = arg;
            String inline = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                inline = arg.substring(eq + 1);
            }
            if (withValue.contains(name)) {
                if (inline == null) {
                    if (i + 1 >= args.size()) {
                        throw new UsageError(name + " needs a value");
                    }
                    inline = args.get(++i);
                }
                line.values.put(name, inline);
            } else if (switches.contains(name) && inline == null) {
                line.switchesSeen.add(name);
            } else if (arg.startsWith("-") && arg.length() > 1) {
                throw new UsageError("unknown option " + arg);
            } else {
                line.positional.add(arg);
            }
        }
        return line;
    }

    boolean has(String name) {
        return switchesSeen.contains(name) || values.containsKey(name);
    }

    String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    String get(String name) {
        return values.get(name);
    }

    int getInt(String name, int fallback, int min, int max) throws UsageError {
        String text = values.get(name);
        if (text == null) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(text.trim());
            if (value < min || value > max) {
                throw new UsageError(name + " must be from " + min + " to " + max + ", not " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new UsageError(name + " must be a number, not '" + text + "'");
        }
    }

    double getDouble(String name, double fallback, double min, double max) throws UsageError {
        String text = values.get(name);
        if (text == null) {
            return fallback;
        }
        try {
            double value = Double.parseDouble(text.trim());
            if (!(value >= min && value <= max)) {
                throw new UsageError(name + " must be from " + min + " to " + max + ", not " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new UsageError(name + " must be a number, not '" + text + "'");
        }
    }

    List<String> positional() {
        return positional;
    }
}
