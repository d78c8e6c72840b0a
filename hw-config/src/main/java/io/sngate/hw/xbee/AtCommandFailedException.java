package io.sngate.hw.xbee;

/** The radio answered an AT command with a status other than OK. */
public final class AtCommandFailedException extends AtCommandException {

    private final AtStatus status;

    public AtCommandFailedException(String port, String command, AtStatus status) {
        super(port, command, "radio on " + port + " answered AT" + command + " with " + status.describe());
        this.status = status;
    }

    public AtStatus status() {
        return status;
    }
}
