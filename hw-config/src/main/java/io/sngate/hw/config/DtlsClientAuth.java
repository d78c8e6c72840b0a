package io.sngate.hw.config;

/** Whether a device that handshakes with certificates must show one ({@code dtls.client-auth}). */
public enum DtlsClientAuth {
    /** A certificate (or trusted raw public key) is required; PSK devices are not affected. */
    NEEDED,
    /** A certificate is checked when the device sends one; a device without one has no identity. */
    WANTED,
    /** Device certificates are not asked for. */
    NONE
}
