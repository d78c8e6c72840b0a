package io.sngate.hw.config;

/** Which MQTT-SN client ids a device authenticated by DTLS may connect as ({@code dtls.identity-binding}). */
public enum DtlsIdentityBinding {
    /**
     * Its DTLS identity (PSK identity, certificate common name, raw key name) itself, or the
     * client ids whose devices-file entry names that identity in {@code dtls-identity}.
     */
    EXACT,
    /** Only entries of the devices file with a {@code dtls-identity} bind; other client ids are free to any identity. */
    MAPPED
}
