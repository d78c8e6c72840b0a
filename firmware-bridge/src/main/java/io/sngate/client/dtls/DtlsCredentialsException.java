package io.sngate.client.dtls;

/**
 * DTLS credentials that cannot be used: the message names where they came from (a file, a flag's
 * value) and why. Never carries key material.
 */
public final class DtlsCredentialsException extends Exception {

    /** The serial form's version. */
    private static final long serialVersionUID = 1L;

    private final String source;

    /**
     * Credentials from {@code source} that cannot be used.
     *
     * @param source the file or option the credentials came from
     * @param reason what is wrong with them
     */
    public DtlsCredentialsException(String source, String reason) {
        super(source + ": " + reason);
        this.source = source;
    }

    /** As {@link #DtlsCredentialsException(String, String)}, with the failure behind it. */
    public DtlsCredentialsException(String source, String reason, Throwable cause) {
        super(source + ": " + reason, cause);
        this.source = source;
    }

    /** The file or value the credentials came from. */
    public String source() {
        return source;
    }
}
