package io.sngate.hw.cli;

/**
 * A command line that parses but cannot be used (a value out of range, options that exclude each
 * other): reported like picocli's own parse errors, naming the option, with exit code
 * {@value Cli#EXIT_USAGE}. Tools may subclass it for errors of their own kind.
 */
public class UsageError extends Exception {

    private static final long serialVersionUID = 1L;

    public UsageError(String message) {
        super(message);
    }
}
