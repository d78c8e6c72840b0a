package io.sngate.hw.cli;

/** The exit codes every sngate command line shares; each tool documents its others. */
public final class Cli {

    /** Done, or --help / --version printed. */
    public static final int EXIT_OK = 0;
    /** The command ran and failed (no gateway answer, a port that does not open...). */
    public static final int EXIT_FAILURE = 1;
    /** A usage error: the command line (or the gateway's configuration) cannot be used. */
    public static final int EXIT_USAGE = 2;

    private Cli() {
    }
}
