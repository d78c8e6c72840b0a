package io.sngate.hw.serial;

import java.io.IOException;

/** A serial port could not be opened or used; the message names the path and the reason. */
public final class SerialException extends IOException {

    private final String path;

    public SerialException(String path, String reason) {
        super(path + ": " + reason);
        this.path = path;
    }

    public SerialException(String path, String reason, Throwable cause) {
        super(path + ": " + reason, cause);
        this.path = path;
    }

    public String path() {
        return path;
    }
}
