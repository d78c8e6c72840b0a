package io.sngate.client.testing;

import io.sngate.hw.testing.TestPki;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.Principal;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.californium.elements.DtlsEndpointContext;
import org.eclipse.californium.elements.EndpointContext;
import org.eclipse.californium.elements.RawData;
import org.eclipse.californium.elements.config.CertificateAuthenticationMode;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.util.Bytes;
import org.eclipse.californium.elements.util.Filter;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig.DtlsRole;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.CertificateType;
import org.eclipse.californium.scandium.dtls.Connection;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedMultiPskStore;
import org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;

/**
 * A DTLS server on 127.0.0.1 configured as the gateway's listener is (Scandium, SERVER_ONLY,
 * HelloVerifyRequest, a 6-byte Connection ID it assigns, CCM_8 then GCM suites, PSK and X.509
 * credentials) that by default echoes each record: what a device side DTLS test needs on the
 * other end, without the gateway. A {@link Builder#handler handler} can do something else with
 * the records and answer through {@link #send}.
 *
 * <pre>{@code
 * try (DtlsTestServer server = DtlsTestServer.builder().psk("sensor-1", key).start()) {
 *     ... DtlsLink to server.address() ...
 *     server.received(); server.connections(); server.peerAddresses();
 * }
 * }</pre>
 */
public final class DtlsTestServer implements AutoCloseable {

    static {
        DtlsConfig.register();
    }

    /** The suites the gateway offers, in its order. */
    public static final List<CipherSuite> CIPHER_SUITES = List.of(CipherSuite.TLS_PSK_WITH_AES_128_CCM_8,
            CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256,
            CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);

    public static final int CID_LENGTH = 6;

    /**
     * One record's application data as the server got it.
     *
     * @param connectionId the server's CID the record carried, in hex: the same for a device
     *                     whatever its address
     * @param context      where an answer goes (after a CID address update: the new address)
     */
    public record Received(InetSocketAddress from, byte[] data, Optional<String> peerIdentity, String connectionId,
                           EndpointContext context) {
    }

    /** What the server does with each record; on Scandium's threads. */
    @FunctionalInterface
    public interface Handler {
        void onRecord(DtlsTestServer server, Received record);
    }

    private final DTLSConnector connector;
    private final Handler handler;
    private final List<Received> received = new CopyOnWriteArrayList<>();

    private DtlsTestServer(DTLSConnector connector, Handler handler) {
        this.connector = connector;
        this.handler = handler;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private final Map<String, byte[]> keys = new LinkedHashMap<>();
        private TestPki.Issued certificate;
        private CertificateAuthenticationMode clientAuthentication = CertificateAuthenticationMode.WANTED;
        private Handler handler = (server, record) -> server.send(record.context(), record.data());
        private int port;

        public Builder psk(String identity, byte[] key) {
            keys.put(identity, key.clone());
            return this;
        }

        /** The server's certificate; client certificates must chain to its issuer. */
        public Builder certificate(TestPki.Issued server) {
            this.certificate = server;
            return this;
        }

        public Builder clientAuthentication(CertificateAuthenticationMode mode) {
            this.clientAuthentication = mode;
            return this;
        }

        /** A fixed port (default: any), e.g. to start a server again where one stopped. */
        public Builder port(int fixed) {
            this.port = fixed;
            return this;
        }

        /** What the server does with each record instead of echoing it. */
        public Builder handler(Handler onRecord) {
            this.handler = onRecord;
            return this;
        }

        public DtlsTestServer start() {
            List<CipherSuite> suites = new ArrayList<>();
            for (CipherSuite suite : CIPHER_SUITES) {
                if (suite.isPskBased() ? !keys.isEmpty() : certificate != null) {
                    suites.add(suite);
                }
            }
            DtlsConnectorConfig.Builder config = DtlsConnectorConfig.builder(new Configuration())
                    .setAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
                    .set(DtlsConfig.DTLS_ROLE, DtlsRole.SERVER_ONLY)
                    .set(DtlsConfig.DTLS_CONNECTION_ID_LENGTH, CID_LENGTH)
                    .set(DtlsConfig.DTLS_USE_HELLO_VERIFY_REQUEST, true)
                    .set(DtlsConfig.DTLS_RECEIVER_THREAD_COUNT, 1)
                    .set(DtlsConfig.DTLS_CONNECTOR_THREAD_COUNT, 2)
                    .set(DtlsConfig.DTLS_CLIENT_AUTHENTICATION_MODE, certificate == null
                            ? CertificateAuthenticationMode.NONE : clientAuthentication)
                    .setAsList(DtlsConfig.DTLS_CIPHER_SUITES, suites.toArray(CipherSuite[]::new));
            if (!keys.isEmpty()) {
                AdvancedMultiPskStore store = new AdvancedMultiPskStore();
                keys.forEach(store::setKey);
                config.setAdvancedPskStore(store);
            }
            if (certificate != null) {
                config.setAsList(DtlsConfig.DTLS_CERTIFICATE_TYPES, CertificateType.X_509)
                        .setCertificateIdentityProvider(new SingleCertificateProvider(certificate.key(),
                                new Certificate[] {certificate.certificate()}, CertificateType.X_509))
                        .setAdvancedCertificateVerifier(StaticNewAdvancedCertificateVerifier.builder()
                                .setTrustedCertificates(certificate.issuer().caCertificate()).build());
            }
            DTLSConnector connector = new DTLSConnector(config.build());
            DtlsTestServer server = new DtlsTestServer(connector, handler);
            connector.setRawDataReceiver(server::onRecord);
            try {
                connector.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return server;
        }
    }

    private void onRecord(RawData data) {
        EndpointContext context = data.getEndpointContext();
        Principal peer = context.getPeerIdentity();
        Bytes cid = context.get(DtlsEndpointContext.KEY_READ_CONNECTION_ID);
        Received record = new Received(data.getInetSocketAddress(), data.getBytes(),
                Optional.ofNullable(peer).map(Principal::getName), cid == null ? "" : cid.getAsString(), context);
        received.add(record);
        handler.onRecord(this, record);
    }

    /** Sends one record to the peer of {@code context} (a received record's context: its latest address). */
    public void send(EndpointContext context, byte[] data) {
        connector.send(RawData.outbound(data, context, null, false));
    }

    public InetSocketAddress address() {
        return connector.getAddress();
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** The connections in the server's connection store. */
    public List<Connection> connections() {
        List<Connection> all = new CopyOnWriteArrayList<>();
        try {
            Filter<Connection> collect = connection -> {
                all.add(connection);
                return false; // go on to the next
            };
            connector.startForEach(collect).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot list the server's connections", e);
        }
        return List.copyOf(all);
    }

    /** The address each connection in the store has now. */
    public List<InetSocketAddress> peerAddresses() {
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (Connection connection : connections()) {
            addresses.add(connection.getPeerAddress());
        }
        return addresses;
    }

    @Override
    public void close() {
        connector.destroy();
    }
}
