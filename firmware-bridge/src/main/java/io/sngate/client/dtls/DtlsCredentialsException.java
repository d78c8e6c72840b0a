package io.sngate.client.dtls;

/**
 * DTLS credentials that cannot be used: the message names where they came from (a file, a flag's
 * value) and why. Never carries key material.
 */
public final class DtlsCredentialsException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String source;

    public DtlsCredentialsException(String source, String reason) {
        super(source + ": " + reason);
        this.source = source;
    }

    public DtlsCredentialsException(String source, String reason, Throwable cause) {
        super(source + ": " + reason, cause);
        this.source = source;
    }

    /** The file or value the credentials came from. */
    public String source() {
        return source;
    }
}
