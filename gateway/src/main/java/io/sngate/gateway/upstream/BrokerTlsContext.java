package io.sngate.gateway.upstream;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.NetUtil;
import io.sngate.hw.config.BrokerTls;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * The TLS side of the gateway's broker connections: one {@link SslContext}, built once from
 * {@code broker.tls.*} and shared by every connection (the aggregating one, each device's in
 * transparent mode, the reachability probe), so thousands of connections share one set of
 * trust anchors and one key instead of parsing them each time.
 *
 * <p>The JDK's TLS is used on purpose, even where OpenSSL would load: it runs the same on a Pi
 * and in tests, and its failures are the ones {@link #describe} knows how to explain.
 */
public final class BrokerTlsContext {

    private static final Pattern ALERT = Pattern.compile("Received fatal alert: (\\w+)");

    private final SslContext context;
    private final boolean verifyHostname;

    private BrokerTlsContext(SslContext context, boolean verifyHostname) {
        this.context = context;
        this.verifyHostname = verifyHostname;
    }

    /** The context for {@code tls}: its CAs (or the JDK's trust store), its client certificate if any. */
    public static BrokerTlsContext from(BrokerTls tls) throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forClient().sslProvider(SslProvider.JDK);
        if (!tls.trusted().isEmpty()) {
            builder.trustManager(tls.trusted());
        }
        tls.clientIdentity().ifPresent(identity -> builder.keyManager(identity.key(), identity.chain()));
        return new BrokerTlsContext(builder.build(), tls.verifyHostname());
    }

    public boolean verifiesHostname() {
        return verifyHostname;
    }

    /**
     * A handler for one connection to {@code host:port}. The host name goes out as SNI (a broker
     * behind a TLS proxy or with several names picks its certificate by it) unless it is an IP
     * literal, which SNI may not carry; with host name verification the broker's certificate must
     * name {@code host} (RFC 2818 rules, as browsers check).
     */
    SslHandler newHandler(ByteBufAllocator alloc, String host, int port, long handshakeTimeoutMillis) {
        SslHandler handler = context.newHandler(alloc, host, port);
        SSLEngine engine = handler.engine();
        SSLParameters parameters = engine.getSSLParameters();
        // Set both ways: Netty 4.2 verifies host names by default, 4.1 does not.
        parameters.setEndpointIdentificationAlgorithm(verifyHostname ? "HTTPS" : null);
        if (!NetUtil.isValidIpV4Address(host) && !NetUtil.isValidIpV6Address(host)) {
            try {
                // The JDK sends SNI by itself only for names with a dot: "broker" or "localhost" would go without.
                parameters.setServerNames(List.of(new SNIHostName(host)));
            } catch (IllegalArgumentException e) {
                // Not a name SNI can carry (e.g. an underscore): the handshake goes on without it.
            }
        }
        engine.setSSLParameters(parameters);
        handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        return handler;
    }

    /**
     * Why a TLS handshake or session failed, in words an operator can act on: the JDK's reasons
     * are buried in cause chains and named after classes.
     */
    static String describe(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof CertificateExpiredException) {
                return "certificate verify failed: the broker's certificate has expired (" + t.getMessage() + ")";
            }
            if (t instanceof CertificateNotYetValidException) {
                return "certificate verify failed: the broker's certificate is not valid yet (" + t.getMessage() + ")";
            }
            if (t instanceof CertPathBuilderException) {
                return "certificate verify failed: the broker's certificate is not signed by a CA in broker.tls.ca-file"
                        + " (or, without one, the Java runtime's CAs)";
            }
            if (t instanceof CertPathValidatorException) {
                return "certificate verify failed: " + t.getMessage();
            }
            if (t instanceof CertificateException && t.getMessage() != null
                    && (t.getMessage().startsWith("No subject alternative") || t.getMessage().startsWith("No name matching"))) {
                return "hostname mismatch: the broker's certificate does not name the host of broker.uri ("
                        + t.getMessage() + ")";
            }
            if (t instanceof SslHandshakeTimeoutException) {
                return "the TLS handshake timed out";
            }
            if (t instanceof SSLException && t.getMessage() != null) {
                Matcher alert = ALERT.matcher(t.getMessage());
                if (alert.find()) {
                    return "the broker refused the TLS session with alert " + alert.group(1) + alertHint(alert.group(1));
                }
            }
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof ClosedChannelException
                || String.valueOf(root.getMessage()).contains("closed while SSL/TLS handshake")) {
            return "the broker closed the connection during the TLS handshake (is that port a TLS listener?)";
        }
        String name = root.getClass().getSimpleName();
        return root.getMessage() == null ? name : name + ": " + root.getMessage();
    }

    private static String alertHint(String alert) {
        return switch (alert.toLowerCase(Locale.ROOT)) {
            case "certificate_required" -> " (it wants a client certificate: broker.tls.cert-file and key-file)";
            case "bad_certificate", "unknown_ca", "certificate_unknown", "unsupported_certificate",
                    "certificate_revoked", "certificate_expired" ->
                    " (it does not accept the gateway's client certificate)";
            case "handshake_failure", "protocol_version", "insufficient_security" ->
                    " (no TLS version or cipher suite both sides accept)";
            default -> "";
        };
    }
}
