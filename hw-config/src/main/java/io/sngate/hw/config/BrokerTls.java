package io.sngate.hw.config;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How the gateway's connections to an {@code ssl://} broker are secured, read from the
 * {@code broker.tls.*} settings.
 *
 * @param trusted        the CA certificates the broker's certificate must chain to; empty: the
 *                       JDK's (system) trust store
 * @param clientIdentity the certificate the gateway shows the broker, if it must show one
 * @param verifyHostname whether the broker's certificate must name the host of {@code broker.uri}
 */
public record BrokerTls(List<X509Certificate> trusted, Optional<TlsIdentity> clientIdentity, boolean verifyHostname) {

    public BrokerTls {
        trusted = List.copyOf(trusted);
        Objects.requireNonNull(clientIdentity, "clientIdentity");
    }
}
