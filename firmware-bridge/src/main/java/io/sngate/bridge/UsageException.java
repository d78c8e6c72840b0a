package io.sngate.bridge;

import io.sngate.hw.cli.UsageError;

/** A command-line flag or its value is wrong; the message starts with the flag. */
public final class UsageException extends UsageError {

    private static final long serialVersionUID = 1L;

    private final String flag;

    public UsageException(String flag, String problem) {
        super(flag + ": " + problem);
        this.flag = flag;
    }

    /** The flag at fault, e.g. {@code --serial}. */
    public String flag() {
        return flag;
    }
}
