package io.sngate.hw.xbee;

import java.io.IOException;

/**
 * A radio could not be set up: it is in another API mode than configured, a command failed or
 * went unanswered, or the whole setup overran its deadline. The message names the radio's
 * port; the cause, if any, is the {@link AtCommandException} of the command that failed.
 */
public final class XBeeSetupException extends IOException {

    public XBeeSetupException(String message) {
        super(message);
    }

    public XBeeSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
