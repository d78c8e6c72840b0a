package io.sngate.gateway.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.californium.elements.AddressEndpointContext;
import org.eclipse.californium.elements.EndpointContext;
import org.eclipse.californium.elements.MessageCallback;
import org.eclipse.californium.elements.RawData;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.SystemConfig;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.elements.util.SslContextUtil;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.CertificateType;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;
import org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;

/**
 * A scripted MQTT-SN device over DTLS 1.2 (a Scandium client on its own socket), for gateway
 * integration tests: PSK or certificates, and the Connection ID extension offered, as a
 * constrained device would. The handshake runs with the first packet; {@link #failure()} tells
 * why it failed.
 */
public final class DtlsDevice extends PacketDevice {

    private final DTLSConnector connector;
    private final InetSocketAddress gateway;
    private final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private DtlsDevice(DtlsConnectorConfig.Builder builder, InetSocketAddress gateway) {
        this.gateway = gateway;
        this.connector = new DTLSConnector(builder.build());
        connector.setRawDataReceiver(raw -> received.add(raw.getBytes()));
        try {
            connector.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A device that authenticates with a pre-shared key. */
    public static DtlsDevice psk(int gatewayPort, String identity, byte[] key) {
        return psk(new InetSocketAddress(InetAddress.getLoopbackAddress(), gatewayPort), identity, key);
    }

    public static DtlsDevice psk(InetSocketAddress gateway, String identity, byte[] key) {
        DtlsConnectorConfig.Builder builder = DtlsConnectorConfig.builder(configuration(
                        CipherSuite.TLS_PSK_WITH_AES_128_CCM_8))
                .setAdvancedPskStore(new AdvancedSinglePskStore(identity, key));
        return new DtlsDevice(builder, gateway);
    }

    /**
     * A device that checks the gateway's certificate against {@code caFile} and shows its own
     * ({@code certFile} and {@code keyFile}; both null: none).
     */
    public static DtlsDevice certificate(int gatewayPort, Path caFile, Path certFile, Path keyFile) {
        return certificate(new InetSocketAddress(InetAddress.getLoopbackAddress(), gatewayPort), caFile, certFile,
                keyFile);
    }

    public static DtlsDevice certificate(InetSocketAddress gateway, Path caFile, Path certFile, Path keyFile) {
        DtlsConnectorConfig.Builder builder = DtlsConnectorConfig.builder(configuration(
                CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8));
        builder.setAdvancedCertificateVerifier(StaticNewAdvancedCertificateVerifier.builder()
                .setTrustedCertificates(trusted(caFile)).build());
        if (certFile != null) {
            SslContextUtil.Credentials cert = pem(certFile);
            SslContextUtil.Credentials key = pem(keyFile);
            builder.setCertificateIdentityProvider(new SingleCertificateProvider(key.getPrivateKey(),
                    trusted(certFile),
                    CertificateType.X_509));
        }
        return new DtlsDevice(builder, gateway);
    }

    /**
     * A device that shows a raw public key (RFC 7250) instead of a certificate, and accepts the
     * gateway's raw key: its identity at the gateway is the key's {@code ni:///sha-256;...} name.
     */
    public static DtlsDevice rawPublicKey(int gatewayPort, java.security.KeyPair keys) {
        Configuration config = configuration(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8);
        config.setAsList(DtlsConfig.DTLS_CERTIFICATE_TYPES, CertificateType.RAW_PUBLIC_KEY);
        DtlsConnectorConfig.Builder builder = DtlsConnectorConfig.builder(config)
                .setCertificateIdentityProvider(new SingleCertificateProvider(keys.getPrivate(), keys.getPublic()))
                .setAdvancedCertificateVerifier(StaticNewAdvancedCertificateVerifier.builder().setTrustAllRPKs().build());
        return new DtlsDevice(builder, new InetSocketAddress(InetAddress.getLoopbackAddress(), gatewayPort));
    }

    /** The name a raw public key has as an identity. */
    public static String rawKeyIdentity(java.security.PublicKey key) {
        return new org.eclipse.californium.elements.auth.RawPublicKeyIdentity(key).getName();
    }

    private static Configuration configuration(CipherSuite suite) {
        Configuration config = new Configuration(SystemConfig.DEFINITIONS, UdpConfig.DEFINITIONS,
                DtlsConfig.DEFINITIONS);
        config.set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.CLIENT_ONLY);
        config.set(DtlsConfig.DTLS_RECEIVER_THREAD_COUNT, 1);
        config.set(DtlsConfig.DTLS_CONNECTOR_THREAD_COUNT, 1);
        // Offers the extension and asks for no id of its own: the gateway's id goes in every record.
        config.set(DtlsConfig.DTLS_CONNECTION_ID_LENGTH, 0);
        config.set(DtlsConfig.DTLS_RECOMMENDED_CIPHER_SUITES_ONLY, false);
        config.setAsList(DtlsConfig.DTLS_CIPHER_SUITES, suite);
        config.set(DtlsConfig.DTLS_MAX_RETRANSMISSIONS, 2);
        // Loopback answers at once: a refused handshake shows in seconds, not the default 14.
        config.set(DtlsConfig.DTLS_RETRANSMISSION_TIMEOUT, 300, TimeUnit.MILLISECONDS);
        return config;
    }

    private static SslContextUtil.Credentials pem(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return SslContextUtil.loadPemCredentials(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Why the handshake or a send failed, or null. */
    public Throwable failure() {
        return failure.get();
    }

    @Override
    public int localPort() {
        return connector.getAddress().getPort();
    }

    @Override
    public void sendRaw(byte[] bytes) {
        connector.send(RawData.outbound(bytes, new AddressEndpointContext(gateway), new MessageCallback() {
            @Override
            public void onConnecting() {
            }

            @Override
            public void onDtlsRetransmission(int flight) {
            }

            @Override
            public void onContextEstablished(EndpointContext context) {
            }

            @Override
            public void onSent() {
            }

            @Override
            public void onError(Throwable error) {
                failure.compareAndSet(null, error);
            }
        }, false));
    }

    @Override
    protected byte[] receiveRaw(long deadlineNanos) {
        long remaining = deadlineNanos - System.nanoTime();
        if (remaining <= 0) {
            return null;
        }
        try {
            return received.poll(remaining, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    @Override
    public void close() {
        connector.destroy();
    }

    /** The trusted certificates of a PEM file, for tests that build their own verifier. */
    static Certificate[] trusted(Path caFile) {
        SslContextUtil.Credentials read = pem(caFile);
        // A file of certificates alone reads as a chain; with a key beside them, as trusted ones.
        Certificate[] trusted = read.getTrustedCertificates();
        return trusted != null && trusted.length > 0 ? trusted : read.getCertificateChain();
    }
}
