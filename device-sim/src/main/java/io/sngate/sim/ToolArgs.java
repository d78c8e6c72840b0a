package io.sngate.sim;

import io.sngate.hw.cli.Args;
import java.util.List;

/**
 * The tools' parsed command line (picocli's, through {@link Args}) with the checks they share:
 * numbers in a range, named the way the tools always named them ({@code -p must be from 1 to
 * 65535, not 70000}).
 */
final class ToolArgs {

    /** A usage error: the tool reports it as picocli does its own, with exit code 2. */
    static final class UsageError extends io.sngate.hw.cli.UsageError {
        private static final long serialVersionUID = 1L;

        UsageError(String message) {
            super(message);
        }
    }

    private final Args args;

    ToolArgs(Args args) {
        this.args = args;
    }

    boolean has(String name) {
        return args.has(name);
    }

    String get(String name, String fallback) {
        return args.get(name, fallback);
    }

    String get(String name) {
        return args.get(name);
    }

    /** Every value of a repeatable option, in command-line order. */
    List<String> all(String name) {
        return args.all(name);
    }

    int getInt(String name, int fallback, int min, int max) throws UsageError {
        String text = args.get(name);
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
        String text = args.get(name);
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
        return args.positional();
    }
}
