package io.sngate.hw.xbee;

/** The radio did not answer an AT command within the response timeout. */
public final class AtCommandTimeoutException extends AtCommandException {

    private final long timeoutMillis;

    public AtCommandTimeoutException(String port, String command, long timeoutMillis) {
        super(port, command, "radio on " + port + " did not answer AT" + command + " within " + timeoutMillis + " ms");
        this.timeoutMillis = timeoutMillis;
    }

    public long timeoutMillis() {
        return timeoutMillis;
    }
}
