package io.sngate.client.dtls;

import io.sngate.client.ClientRuntime;
import io.sngate.client.Link;
import io.sngate.client.LinkAddress;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.eclipse.californium.elements.AddressEndpointContext;
import org.eclipse.californium.elements.EndpointContext;
import org.eclipse.californium.elements.MessageCallback;
import org.eclipse.californium.elements.RawData;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig.DtlsRole;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.AlertMessage;
import org.eclipse.californium.scandium.dtls.CertificateType;
import org.eclipse.californium.scandium.dtls.ConnectionId;
import org.eclipse.californium.scandium.dtls.DTLSContext;
import org.eclipse.californium.scandium.dtls.DtlsHandshakeTimeoutException;
import org.eclipse.californium.scandium.dtls.HandshakeException;
import org.eclipse.californium.scandium.dtls.Handshaker;
import org.eclipse.californium.scandium.dtls.SessionAdapter;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;
import org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MQTT-SN over DTLS 1.2 to a gateway (Eclipse Scandium as a DTLS client): each packet is the
 * application data of one DTLS record, and each record from the gateway is one packet.
 *
 * <p>The handshake happens when the first packet is sent (usually CONNECT) and again whenever a
 * packet is sent without a session. It authenticates with a pre-shared key or certificates
 * ({@link DtlsCredentials}) and offers the CCM_8 cipher suites first (8-byte tags: what
 * constrained devices and RFC 7925 use), then GCM. It offers the RFC 9146 Connection ID
 * extension asking for no CID of its own ({@code DTLS_CONNECTION_ID_LENGTH} 0): the gateway's CID
 * then goes in every record the device sends, so the gateway finds the session by CID, not by
 * address, and a NAT that gives the device a new source port between two wake-ups breaks nothing.
 *
 * <p>A failed handshake (an alert from the gateway, a gateway certificate that does not chain to
 * the trusted CAs, no answer) is logged at WARN, counted, kept as {@link #lastFailure()} and given
 * to the {@link Listener}s, e.g. {@code DTLS handshake with 127.0.0.1:5684 failed: the gateway
 * refused the handshake with alert unknown_psk_identity (it does not know PSK identity
 * 'sensor-9')}. The packets that waited for it are lost; the client's retransmissions send them
 * again, which starts a new handshake.
 *
 * <p>Records arrive on Scandium's threads and reach the {@link ClientRuntime}'s thread one task per
 * packet; at most {@link Options#maxPendingPackets()} wait for it, beyond that a packet is dropped
 * and counted ({@link #receiveOverflows()}). The DTLS work of many links can share one
 * {@link DtlsThreads} pool; each link still has one receiver thread on its socket.
 *
 * <pre>
 * DtlsCredentials psk = DtlsCredentials.pskHex("sensor-1", "000102030405060708090a0b0c0d0e0f", "key");
 * MqttSnClient client = MqttSnClient.builder("sensor-1").link(DtlsLink.to("gateway.example", 5684, psk)).build();
 * </pre>
 *
 * <p>Needs Eclipse Scandium on the class path, which a client over plain UDP does without.
 */
public final class DtlsLink implements Link {

    private static final Logger LOG = LoggerFactory.getLogger(DtlsLink.class);

    static {
        DtlsConfig.register();
    }

    /** PSK suites the device offers, in order of preference. */
    private static final List<CipherSuite> PSK_CIPHER_SUITES = List.of(CipherSuite.TLS_PSK_WITH_AES_128_CCM_8,
            CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256);

    /** Certificate suites the device offers, in order of preference. */
    private static final List<CipherSuite> CERTIFICATE_CIPHER_SUITES = List.of(
            CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);

    private static final int IPV4_HEADER = 20;
    private static final int IPV6_HEADER = 40;
    private static final int UDP_HEADER = 8;
    /** Content type, version, epoch, sequence number, length (RFC 6347, section 4.1). */
    private static final int RECORD_HEADER = 13;

    /**
     * How a link behaves.
     *
     * @param mtu                       the path MTU to the gateway: handshake flights are cut to fit it,
     *                                  and {@link #maxPacketSize()} is what one record carries in it
     * @param gatewayConnectionIdLength the gateway's CID length assumed before a handshake tells it
     *                                  (sngate's gateway assigns 6 bytes)
     * @param retransmissionTimeout     the first wait for an answer to a handshake flight; it doubles
     *                                  with every retransmission (RFC 6347, section 4.2.4.1)
     * @param maxRetransmissions        retransmissions of a flight before the handshake fails
     * @param maxPendingPackets         packets received but not yet handled on the runtime thread;
     *                                  beyond, packets are dropped and counted
     */
    public record Options(int mtu, int gatewayConnectionIdLength, Duration retransmissionTimeout,
                          int maxRetransmissions, int maxPendingPackets) {

        /** The IPv6 minimum, which also fits the PDN MTUs NB-IoT networks announce. */
        public static final int DEFAULT_MTU = 1_280;
        /** The CID length sngate's gateway assigns. */
        public static final int DEFAULT_GATEWAY_CID_LENGTH = 6;
        /** Packets that may wait for the runtime thread by default. */
        public static final int DEFAULT_MAX_PENDING_PACKETS = 256;

        /** Checks the bounds; a bad one fails naming it. */
        public Options {
            if (mtu < 576 || mtu > 65_535) {
                throw new IllegalArgumentException("mtu must be from 576 (the IPv4 minimum) to 65535: " + mtu);
            }
            if (gatewayConnectionIdLength < 0 || gatewayConnectionIdLength > 255) {
                throw new IllegalArgumentException("gatewayConnectionIdLength must be from 0 to 255: "
                        + gatewayConnectionIdLength);
            }
            Objects.requireNonNull(retransmissionTimeout, "retransmissionTimeout");
            if (retransmissionTimeout.toMillis() < 10) {
                throw new IllegalArgumentException("retransmissionTimeout must be at least 10 ms: "
                        + retransmissionTimeout);
            }
            if (maxRetransmissions < 1 || maxRetransmissions > 20) {
                throw new IllegalArgumentException("maxRetransmissions must be from 1 to 20: " + maxRetransmissions);
            }
            if (maxPendingPackets < 1) {
                throw new IllegalArgumentException("maxPendingPackets must be positive: " + maxPendingPackets);
            }
        }

        /** MTU 1280, a 6-byte gateway CID, Scandium's 2 s first timeout and 4 retransmissions. */
        public static Options defaults() {
            return new Options(DEFAULT_MTU, DEFAULT_GATEWAY_CID_LENGTH,
                    Duration.ofMillis(DtlsConfig.DEFAULT_RETRANSMISSION_TIMEOUT_IN_MILLISECONDS),
                    DtlsConfig.DEFAULT_MAX_RETRANSMISSIONS, DEFAULT_MAX_PENDING_PACKETS);
        }

        /** With the path MTU {@code newMtu}. */
        public Options withMtu(int newMtu) {
            return new Options(newMtu, gatewayConnectionIdLength, retransmissionTimeout, maxRetransmissions,
                    maxPendingPackets);
        }

        /** With a first handshake retransmission timeout and a number of retransmissions. */
        public Options withRetransmission(Duration timeout, int retransmissions) {
            return new Options(mtu, gatewayConnectionIdLength, timeout, retransmissions, maxPendingPackets);
        }

        /** With at most {@code packets} waiting for the runtime thread. */
        public Options withMaxPendingPackets(int packets) {
            return new Options(mtu, gatewayConnectionIdLength, retransmissionTimeout, maxRetransmissions, packets);
        }
    }

    /**
     * A handshake that failed.
     *
     * @param gateway where the link sends
     * @param reason  why, in words (the alert, the certificate problem, the silence)
     * @param alert   the TLS alert that ended it ({@code unknown_psk_identity}), received or sent
     */
    public record HandshakeFailure(InetSocketAddress gateway, String reason, Optional<String> alert) {

        /** {@code DTLS handshake with HOST:PORT failed: REASON}. */
        public String message() {
            return "DTLS handshake with " + hostAndPort(gateway) + " failed: " + reason;
        }

        @Override
        public String toString() {
            return message();
        }
    }

    /**
     * An established DTLS session.
     *
     * @param cipherSuite         the suite the gateway chose, e.g. {@code TLS_PSK_WITH_AES_128_CCM_8}
     * @param gatewayConnectionId the CID the gateway assigned, in hex: it goes in every record the
     *                            device sends (empty when the gateway uses none)
     */
    public record Session(String cipherSuite, String gatewayConnectionId) {
    }

    /** Handshake outcomes, called on the runtime thread. */
    public interface Listener {
        /** A handshake succeeded. */
        default void established(Session session) {
        }

        /** A handshake failed (its packets are lost; the client's retransmissions try again). */
        default void failed(HandshakeFailure failure) {
        }
    }

    private final InetSocketAddress gateway;
    private final LinkAddress gatewayAddress;
    private final InetSocketAddress bindTo;
    private final DtlsCredentials credentials;
    private final Options options;
    private final DtlsThreads threads;
    private final boolean ownThreads;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final EndpointContext destination;
    private final MessageCallback sendOutcome = new SendOutcome();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong handshakes = new AtomicLong();
    private final AtomicLong handshakeFailures = new AtomicLong();
    private final AtomicLong retransmittedFlights = new AtomicLong();
    private final AtomicLong receiveOverflows = new AtomicLong();
    private final AtomicLong packetsLost = new AtomicLong();
    /** Packets accepted by {@link #send} that have neither gone out nor been lost yet. */
    private final AtomicLong unsettled = new AtomicLong();
    private final List<CompletableFuture<Void>> settledWaiters = new ArrayList<>();
    private volatile DTLSConnector connector;
    private volatile ClientRuntime runtime;
    private volatile Receiver receiver;
    private volatile Session session;
    private volatile HandshakeFailure lastFailure;
    private volatile int maxPacketSize;
    private volatile boolean closed;

    /**
     * @param gateway     where records go (the gateway's DTLS port)
     * @param bindTo      local address (port 0 for any)
     * @param credentials what the device authenticates with
     * @param threads     the pool doing the DTLS work, shared with other links; empty for a pool of
     *                    the link's own (one thread, closed with the link)
     */
    public DtlsLink(InetSocketAddress gateway, InetSocketAddress bindTo, DtlsCredentials credentials,
                    Options options, Optional<DtlsThreads> threads) {
        this.gateway = Objects.requireNonNull(gateway, "gateway");
        this.gatewayAddress = new LinkAddress.Udp(gateway);
        if (gateway.isUnresolved()) {
            throw new IllegalArgumentException("cannot resolve the gateway host " + gateway.getHostString());
        }
        this.bindTo = Objects.requireNonNull(bindTo, "bindTo");
        this.credentials = Objects.requireNonNull(credentials, "credentials");
        this.options = Objects.requireNonNull(options, "options");
        this.ownThreads = threads.isEmpty();
        this.threads = threads.orElseGet(() -> new DtlsThreads("sngate-dtls-" + hostAndPort(gateway), 1));
        this.destination = new AddressEndpointContext(gateway);
        this.maxPacketSize = packetRoom(options.gatewayConnectionIdLength(), suites().stream()
                .mapToInt(CipherSuite::getMaxCiphertextExpansion).max().orElseThrow());
    }

    /** To {@code host:port} from an ephemeral port (on loopback when the gateway is), default options. */
    public static DtlsLink to(String host, int port, DtlsCredentials credentials) {
        InetSocketAddress gateway = new InetSocketAddress(host, port);
        return new DtlsLink(gateway, localFor(gateway), credentials, Options.defaults(), Optional.empty());
    }

    /** An ephemeral port on loopback when {@code gateway} is on loopback, else on any address. */
    public static InetSocketAddress localFor(InetSocketAddress gateway) {
        return new InetSocketAddress(gateway.getAddress() != null && gateway.getAddress().isLoopbackAddress()
                ? gateway.getAddress() : null, 0);
    }

    /** Adds a listener for handshake outcomes (called on the runtime thread). */
    public DtlsLink addListener(Listener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    @Override
    public void open(ClientRuntime runtime, Receiver receiver) throws IOException {
        if (connector != null) {
            throw new IllegalStateException("the DTLS link to " + hostAndPort(gateway) + " is already open");
        }
        this.runtime = runtime;
        this.receiver = receiver;
        DTLSConnector created;
        try {
            created = new DTLSConnector(config());
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IOException("DTLS link to " + hostAndPort(gateway) + ": " + e.getMessage(), e);
        }
        created.setExecutor(threads.executor());
        created.setRawDataReceiver(this::onRecord);
        try {
            created.start();
        } catch (IOException e) {
            created.destroy();
            throw new IOException("DTLS link to " + hostAndPort(gateway) + ": cannot bind "
                    + hostAndPort(bindTo) + ": " + e.getMessage(), e);
        }
        connector = created;
    }

    private DtlsConnectorConfig config() {
        DtlsConnectorConfig.Builder builder = DtlsConnectorConfig.builder(new Configuration())
                .setAddress(bindTo)
                .set(DtlsConfig.DTLS_ROLE, DtlsRole.CLIENT_ONLY)
                // 0: "I support CID, send me none": the gateway's CID is then in every record we send.
                .set(DtlsConfig.DTLS_CONNECTION_ID_LENGTH, 0)
                .set(DtlsConfig.DTLS_RECEIVER_THREAD_COUNT, 1)
                .set(DtlsConfig.DTLS_MAX_TRANSMISSION_UNIT, options.mtu())
                .set(DtlsConfig.DTLS_MAX_TRANSMISSION_UNIT_LIMIT, Math.max(options.mtu(),
                        DtlsConfig.DEFAULT_MAX_TRANSMISSION_UNIT_LIMIT))
                .set(DtlsConfig.DTLS_RETRANSMISSION_TIMEOUT, options.retransmissionTimeout().toMillis(),
                        TimeUnit.MILLISECONDS)
                .set(DtlsConfig.DTLS_MAX_RETRANSMISSION_TIMEOUT, Math.max(options.retransmissionTimeout().toMillis(),
                        DtlsConfig.DEFAULT_MAX_RETRANSMISSION_TIMEOUT_IN_MILLISECONDS), TimeUnit.MILLISECONDS)
                .set(DtlsConfig.DTLS_MAX_RETRANSMISSIONS, options.maxRetransmissions())
                // One gateway: a store sized for a server would only cost memory per device.
                .set(DtlsConfig.DTLS_MAX_CONNECTIONS, 4)
                .setAsList(DtlsConfig.DTLS_CIPHER_SUITES, suites().toArray(CipherSuite[]::new))
                .setSessionListener(new Handshakes());
        if (credentials instanceof DtlsCredentials.Psk psk) {
            builder.setAdvancedPskStore(new AdvancedSinglePskStore(psk.identity(), psk.key()));
        } else if (credentials instanceof DtlsCredentials.Certificates certificates) {
            builder.setAsList(DtlsConfig.DTLS_CERTIFICATE_TYPES, CertificateType.X_509)
                    .setAdvancedCertificateVerifier(StaticNewAdvancedCertificateVerifier.builder()
                            .setTrustedCertificates(certificates.trusted().toArray(Certificate[]::new))
                            .build());
            if (certificates.privateKey().isPresent()) {
                builder.setCertificateIdentityProvider(new SingleCertificateProvider(certificates.privateKey().get(),
                        certificates.chain().toArray(Certificate[]::new), CertificateType.X_509));
            }
        }
        return builder.build();
    }

    private List<CipherSuite> suites() {
        return credentials instanceof DtlsCredentials.Psk ? PSK_CIPHER_SUITES : CERTIFICATE_CIPHER_SUITES;
    }

    /** Application data that fits one record in one datagram of the MTU. */
    private int packetRoom(int connectionIdLength, int cipherExpansion) {
        int ip = gateway.getAddress() instanceof Inet6Address ? IPV6_HEADER : IPV4_HEADER;
        // With a CID the record is tls12_cid: the real content type is inside, one byte more (RFC 9146).
        int cid = connectionIdLength > 0 ? connectionIdLength + 1 : 0;
        return options.mtu() - ip - UDP_HEADER - RECORD_HEADER - cid - cipherExpansion;
    }

    /** On a Scandium thread: one record's application data is one packet. */
    private void onRecord(RawData record) {
        ClientRuntime current = runtime;
        if (closed || current == null) {
            return;
        }
        if (pending.incrementAndGet() > options.maxPendingPackets()) {
            pending.decrementAndGet();
            long dropped = receiveOverflows.incrementAndGet();
            if (Long.bitCount(dropped) == 1) { // 1st, 2nd, 4th, 8th...: visible without flooding the log
                LOG.warn("DTLS link to {}: {} packet(s) dropped so far: {} already wait for the device runtime",
                        hostAndPort(gateway), dropped, options.maxPendingPackets());
            }
            return;
        }
        byte[] packet = record.getBytes();
        try {
            current.execute(() -> {
                pending.decrementAndGet();
                if (!closed) {
                    receiver.onPacket(packet, gatewayAddress);
                }
            });
        } catch (IllegalStateException runtimeStopped) {
            pending.decrementAndGet();
        }
    }

    /**
     * Hands the packet to Scandium, which encrypts it into one record (after a handshake, if there is
     * no session yet). Never blocks; a packet lost later is counted ({@link #packetsLost()}).
     */
    @Override
    public void send(byte[] packet) throws IOException {
        DTLSConnector open = connector;
        if (open == null || closed) {
            throw new IOException("DTLS link to " + hostAndPort(gateway) + " is not open");
        }
        int room = maxPacketSize;
        if (packet.length > room) {
            throw new IOException("DTLS link to " + hostAndPort(gateway) + ": packet of " + packet.length
                    + " bytes exceeds the " + room + " bytes one record carries at MTU " + options.mtu());
        }
        unsettled.incrementAndGet();
        try {
            open.send(RawData.outbound(packet, destination, sendOutcome, false));
        } catch (RuntimeException e) {
            packetsLost.incrementAndGet();
            settle();
            throw new IOException("DTLS link to " + hostAndPort(gateway) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Completes once every packet given to {@link #send} so far has gone out or been lost: a tool
     * that sends without waiting for an answer (a QoS -1 PUBLISH) waits for this before it closes
     * the link, as the first packet goes out only after the handshake.
     */
    public CompletableFuture<Void> whenSettled() {
        synchronized (settledWaiters) {
            if (unsettled.get() == 0) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> settled = new CompletableFuture<>();
            settledWaiters.add(settled);
            return settled;
        }
    }

    private void settle() {
        if (unsettled.decrementAndGet() != 0) {
            return;
        }
        List<CompletableFuture<Void>> ready;
        synchronized (settledWaiters) {
            if (unsettled.get() != 0) {
                return;
            }
            ready = new ArrayList<>(settledWaiters);
            settledWaiters.clear();
        }
        ready.forEach(waiter -> waiter.complete(null));
    }

    /**
     * The next packet resumes the session with a new handshake: abbreviated if the gateway still
     * knows it, full if the gateway lost it (a restart), which the device cannot tell from here:
     * records under a session the gateway forgot are dropped without an answer.
     */
    @Override
    public void peerLost() {
        DTLSConnector open = connector;
        if (open != null && !closed) {
            open.forceResumeSessionFor(gateway);
            LOG.debug("DTLS link to {}: the client lost the gateway; the next packet starts a handshake",
                    hostAndPort(gateway));
        }
    }

    /** DTLS reaches only the gateway it has a session with: a "broadcast" (SEARCHGW) goes to it. */
    @Override
    public void broadcast(byte[] packet, int radius) throws IOException {
        send(packet);
    }

    /**
     * The largest packet one record carries in one datagram of the MTU: the MTU less the IP and UDP
     * headers, the record header, the gateway's CID and the cipher's nonce and tag. Before the
     * first handshake it assumes {@link Options#gatewayConnectionIdLength()} and the largest
     * expansion of the offered suites; after, the session's own.
     */
    @Override
    public int maxPacketSize() {
        return maxPacketSize;
    }

    /** The gateway's address. */
    public InetSocketAddress gateway() {
        return gateway;
    }

    /** The local address, once open. */
    public InetSocketAddress localAddress() {
        DTLSConnector open = connector;
        if (open == null) {
            throw new IllegalStateException("the DTLS link to " + hostAndPort(gateway) + " is not open");
        }
        return open.getAddress();
    }

    /** The credentials the link authenticates with. */
    public DtlsCredentials credentials() {
        return credentials;
    }

    /** The session of the last successful handshake. */
    public Optional<Session> session() {
        return Optional.ofNullable(session);
    }

    /** Whether a session is established now. */
    public boolean isEstablished() {
        DTLSConnector open = connector;
        return open != null && !closed && open.getDtlsContextByAddress(gateway) != null;
    }

    /** The last handshake failure, if any. */
    public Optional<HandshakeFailure> lastFailure() {
        return Optional.ofNullable(lastFailure);
    }

    /** Handshakes started. */
    public long handshakes() {
        return handshakes.get();
    }

    /** Handshakes that failed. */
    public long handshakeFailures() {
        return handshakeFailures.get();
    }

    /** Handshake flights sent again for want of an answer. */
    public long retransmittedFlights() {
        return retransmittedFlights.get();
    }

    /** Packets from the gateway dropped because {@link Options#maxPendingPackets()} waited already. */
    public long receiveOverflows() {
        return receiveOverflows.get();
    }

    /** Packets accepted by {@link #send} that never went out (a failed handshake, a full queue). */
    public long packetsLost() {
        return packetsLost.get();
    }

    /** Stops the connector (no close_notify: like a device that powers off, the gateway's session expires). */
    @Override
    public void close() {
        closed = true;
        DTLSConnector open = connector;
        if (open != null) {
            open.destroy();
        }
        if (ownThreads) {
            threads.close();
        }
    }

    @Override
    public String toString() {
        return "DTLS link to " + hostAndPort(gateway) + " (" + credentials + ")";
    }

    static String hostAndPort(InetSocketAddress address) {
        String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    private void onRuntime(Consumer<Listener> call) {
        ClientRuntime current = runtime;
        if (current == null || listeners.isEmpty()) {
            return;
        }
        try {
            current.execute(() -> listeners.forEach(call));
        } catch (IllegalStateException runtimeStopped) {
            // nobody is listening any more
        }
    }

    /** What happens to the handshakes; on Scandium's threads. */
    private final class Handshakes extends SessionAdapter {

        @Override
        public void handshakeStarted(Handshaker handshaker) {
            handshakes.incrementAndGet();
        }

        @Override
        public void contextEstablished(Handshaker handshaker, DTLSContext context) {
            CipherSuite suite = context.getSession().getCipherSuite();
            ConnectionId cid = context.getWriteConnectionId();
            int cidLength = cid == null ? 0 : cid.length();
            maxPacketSize = packetRoom(cidLength, suite.getMaxCiphertextExpansion());
            Session established = new Session(suite.name(), cid == null ? "" : HexFormat.of().formatHex(cid.getBytes()));
            session = established;
            LOG.debug("DTLS session with {}: {}, gateway CID {}", hostAndPort(gateway), suite.name(),
                    established.gatewayConnectionId().isEmpty() ? "none" : established.gatewayConnectionId());
            onRuntime(listener -> listener.established(established));
        }

        @Override
        public void handshakeFailed(Handshaker handshaker, Throwable error) {
            if (closed) {
                return; // stopping the connector ends its handshakes: not the gateway's doing
            }
            HandshakeFailure failure = describe(error);
            lastFailure = failure;
            handshakeFailures.incrementAndGet();
            LOG.warn(failure.message());
            onRuntime(listener -> listener.failed(failure));
        }

        @Override
        public void handshakeFlightRetransmitted(Handshaker handshaker, int flight) {
            retransmittedFlights.incrementAndGet();
        }
    }

    /** A Scandium failure in the words of someone setting up a device. */
    private HandshakeFailure describe(Throwable error) {
        if (error instanceof HandshakeException handshake && handshake.getAlert() != null) {
            AlertMessage.AlertDescription alert = handshake.getAlert().getDescription();
            String name = alert.getDescription();
            String message = String.valueOf(handshake.getMessage());
            if (handshake.getCause() != null && handshake.getCause().getMessage() != null) {
                message += ": " + handshake.getCause().getMessage();
            }
            if (message.startsWith("Received")) {
                return new HandshakeFailure(gateway, "the gateway refused the handshake with alert " + name
                        + refusalHint(alert), Optional.of(name));
            }
            return new HandshakeFailure(gateway, ourHint(alert) + message + " (alert " + name
                    + " sent to the gateway)", Optional.of(name));
        }
        if (error instanceof DtlsHandshakeTimeoutException timeout) {
            int tries = options.maxRetransmissions() + 1;
            String reason;
            if (timeout.getFlightNumber() < 5) {
                reason = "no answer from the gateway after " + tries + " tries of flight " + timeout.getFlightNumber()
                        + " (is a DTLS gateway listening on that port?)";
            } else if (credentials instanceof DtlsCredentials.Psk psk) {
                // Scandium answers neither an unknown identity nor a wrong key, so that nobody can probe
                // for identities: the client's Finished just goes unanswered.
                reason = "no answer to our Finished after " + tries + " tries: the gateway does not know PSK"
                        + " identity '" + psk.identity() + "' or has another key for it (a gateway drops such a"
                        + " handshake silently), or the packets were lost";
            } else {
                reason = "no answer to our Finished after " + tries + " tries: the gateway dropped the handshake"
                        + " or the packets were lost";
            }
            return new HandshakeFailure(gateway, reason, Optional.empty());
        }
        return new HandshakeFailure(gateway, String.valueOf(error.getMessage()), Optional.empty());
    }

    private String refusalHint(AlertMessage.AlertDescription alert) {
        return switch (alert) {
            case UNKNOWN_PSK_IDENTITY -> credentials instanceof DtlsCredentials.Psk psk
                    ? " (it does not know PSK identity '" + psk.identity() + "')" : "";
            case DECRYPT_ERROR, BAD_RECORD_MAC -> credentials instanceof DtlsCredentials.Psk
                    ? " (a wrong PSK key?)" : " (a wrong key?)";
            case HANDSHAKE_FAILURE -> " (no cipher suite or credentials in common: the device offers "
                    + suites() + ")";
            case BAD_CERTIFICATE, UNKNOWN_CA, CERTIFICATE_EXPIRED, CERTIFICATE_REVOKED, UNSUPPORTED_CERTIFICATE,
                    CERTIFICATE_UNKNOWN, ACCESS_DENIED -> " (it does not accept the device's certificate"
                    + (credentials instanceof DtlsCredentials.Certificates c && c.chain().isEmpty()
                    ? ": the device has none" : "") + ")";
            default -> "";
        };
    }

    private static String ourHint(AlertMessage.AlertDescription alert) {
        return switch (alert) {
            case BAD_CERTIFICATE, UNKNOWN_CA, CERTIFICATE_EXPIRED, UNSUPPORTED_CERTIFICATE, CERTIFICATE_UNKNOWN ->
                    "the gateway's certificate is not trusted: ";
            default -> "";
        };
    }

    /** Counts packets Scandium gave up on after accepting them, and settles every packet. */
    private final class SendOutcome implements MessageCallback {
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
            settle();
        }

        @Override
        public void onError(Throwable error) {
            packetsLost.incrementAndGet();
            settle();
            LOG.debug("DTLS link to {}: a packet was not sent: {}", hostAndPort(gateway), error.toString());
        }
    }

}
