package io.sngate.hw.config;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * A certificate chain (the holder's own certificate first) and its private key: what one end
 * of a TLS connection shows the other.
 */
public record TlsIdentity(PrivateKey key, List<X509Certificate> chain) {

    public TlsIdentity {
        Objects.requireNonNull(key, "key");
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a certificate chain holds at least one certificate");
        }
    }

    /** The holder's own certificate. */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** The key stays out of logs. */
    @Override
    public String toString() {
        return "TlsIdentity[" + certificate().getSubjectX500Principal().getName() + ", key=***]";
    }
}
