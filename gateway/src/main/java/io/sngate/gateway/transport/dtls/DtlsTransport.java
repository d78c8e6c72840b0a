package io.sngate.gateway.transport.dtls;

import io.sngate.gateway.Metrics;
import io.sngate.gateway.WarnLimiter;
import io.sngate.gateway.transport.LinkAddress;
import io.sngate.gateway.transport.Transport;
import io.sngate.hw.config.ConfigError;
import io.sngate.hw.config.GatewayConfig;
import io.sngate.hw.config.GatewaySettings;
import io.sngate.hw.config.devices.DevicesFile;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.Principal;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.eclipse.californium.elements.AddressEndpointContext;
import org.eclipse.californium.elements.DtlsEndpointContext;
import org.eclipse.californium.elements.EndpointContext;
import org.eclipse.californium.elements.MessageCallback;
import org.eclipse.californium.elements.RawData;
import org.eclipse.californium.elements.auth.PreSharedKeyIdentity;
import org.eclipse.californium.elements.auth.RawPublicKeyIdentity;
import org.eclipse.californium.elements.auth.X509CertPath;
import org.eclipse.californium.elements.util.Bytes;
import org.eclipse.californium.scandium.ConnectionListener;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.AlertMessage;
import org.eclipse.californium.scandium.dtls.Connection;
import org.eclipse.californium.scandium.dtls.DTLSContext;
import org.eclipse.californium.scandium.dtls.HandshakeException;
import org.eclipse.californium.scandium.dtls.Handshaker;
import org.eclipse.californium.scandium.dtls.SessionAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MQTT-SN over DTLS 1.2 (Eclipse Scandium), beside plain UDP: one DTLS record's application
 * data is one MQTT-SN packet (or forwarder frame). Devices authenticate with a pre-shared key,
 * an X.509 certificate or a raw public key; the identity the handshake proved travels with
 * every packet in its {@link LinkAddress.Dtls}, where the dispatcher binds it to client ids.
 *
 * <p>A device is named by its DTLS connection, not by its socket address: with a Connection ID
 * (RFC 9146) its records still decrypt after a NAT gave it a new port, Scandium moves the
 * connection to the new address, and the session layer sees the same address as before. The
 * listener remembers, per connection, the address its newest record came from; replies go
 * there.
 *
 * <p>Scandium brings its own threads (one receiving, two working, one timer); packets reach
 * the dispatcher on them, as packets from UDP reach it on the event loops.
 */
public final class DtlsTransport implements Transport {

    private static final Logger LOG = LoggerFactory.getLogger(DtlsTransport.class);
    /** Largest plaintext one DTLS record carries. */
    private static final int MAX_RECORD_PLAINTEXT = 16_384;
    private static final String ANONYMOUS = "";

    private final DtlsServerSetup setup;
    private final int maxPacketSize;
    private final Metrics metrics;
    private final WarnLimiter warnings;
    private final LongSupplier millis;
    private final PskTable psks;
    private final HandshakeGuard guard;
    /** Where each connection's newest record came from, and when: keyed by {@link LinkAddress.Dtls#connection()}. */
    private final Map<String, Peer> peers = new ConcurrentHashMap<>();
    /** The key of each established connection, to forget it when Scandium removes the connection. */
    private final Map<Connection, String> keys = new ConcurrentHashMap<>();
    private volatile DevicesFile devices;
    private volatile FileTime pskFileSeen;
    private DTLSConnector connector;

    /** Where a connection's device is now. */
    private static final class Peer {
        volatile InetSocketAddress address;
        volatile long lastSeenMillis;

        Peer(InetSocketAddress address, long now) {
            this.address = address;
            this.lastSeenMillis = now;
        }
    }

    /**
     * Reads the {@code dtls:} settings and the keys; nothing is bound yet.
     *
     * @throws ConfigError naming the key and the reason, for settings and key files that do not load
     */
    public DtlsTransport(GatewayConfig config, int maxPacketSize, Metrics metrics, WarnLimiter warnings,
                         LongSupplier millis) throws ConfigError {
        this.setup = DtlsServerSetup.from(config);
        this.maxPacketSize = Math.min(maxPacketSize, MAX_RECORD_PLAINTEXT);
        this.metrics = metrics;
        this.warnings = warnings;
        this.millis = millis;
        this.devices = config.devices();
        this.psks = new PskTable(metrics, warnings);
        this.guard = new HandshakeGuard(setup.scandium, setup.handshakesPerSecond, millis, metrics, warnings);
        this.pskFileSeen = modified(setup.pskFile);
        psks.replace(PskTable.load(GatewaySettings.DTLS_PSK_FILE.path(), setup.pskFile, devices));
    }

    @Override
    public void start(Receiver receiver) throws IOException {
        DtlsConnectorConfig.Builder builder = DtlsConnectorConfig.builder(setup.scandium)
                .setAddress(setup.bind)
                .setAdvancedPskStore(psks)
                .setDatagramFilter(guard)
                .setConnectionListener(new Connections())
                .setSessionListener(new Handshakes());
        if (setup.certificate != null) {
            builder.setCertificateIdentityProvider(setup.certificate);
        }
        if (setup.verifier != null) {
            builder.setAdvancedCertificateVerifier(setup.verifier.build());
        }
        connector = new DTLSConnector(builder.build());
        connector.setRawDataReceiver(raw -> onRecord(raw, receiver));
        connector.start();
        LOG.info("DTLS listener on {} ({} pre-shared keys{}; cipher suites {})", describe(), psks.size(),
                setup.certificate != null ? ", certificate" : "", setup.cipherSuites);
    }

    private void onRecord(RawData raw, Receiver receiver) {
        EndpointContext context = raw.getEndpointContext();
        InetSocketAddress from = raw.getInetSocketAddress();
        byte[] packet = raw.getBytes();
        if (packet.length > maxPacketSize) {
            metrics.count(Metrics.DROPPED_OVERSIZED);
            return;
        }
        String key = connectionKey(context, from);
        long now = millis.getAsLong();
        Peer peer = peers.computeIfAbsent(key, k -> new Peer(from, now));
        if (!peer.address.equals(from)) {
            // Only a Connection ID keeps the key across addresses, and only a record that
            // decrypted under it gets here: the device itself moved.
            metrics.count(Metrics.DTLS_ADDRESS_CHANGED);
            LOG.info("DTLS device {} moves from {} to {} (same DTLS connection)", identity(raw.getSenderIdentity()),
                    peer.address, from);
            peer.address = from;
        }
        peer.lastSeenMillis = now;
        receiver.onPacket(new LinkAddress.Dtls(key, identity(raw.getSenderIdentity()), from), packet);
    }

    /** The Connection ID the gateway gave the device, or (without one) its address. */
    private static String connectionKey(EndpointContext context, InetSocketAddress from) {
        Bytes cid = context.get(DtlsEndpointContext.KEY_READ_CONNECTION_ID);
        if (cid != null && !cid.isEmpty()) {
            return "cid:" + cid.getAsString();
        }
        return "addr:" + from.getAddress().getHostAddress() + ":" + from.getPort();
    }

    private static String connectionKey(Connection connection) {
        DTLSContext context = connection.getEstablishedDtlsContext();
        if (context != null && context.getReadConnectionId() != null && !context.getReadConnectionId().isEmpty()) {
            return "cid:" + context.getReadConnectionId().getAsString();
        }
        InetSocketAddress address = connection.getPeerAddress();
        return address == null ? null : "addr:" + address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    /**
     * The identity a handshake proved: the PSK identity, a certificate's common name (the whole
     * subject when it has none), a raw public key's {@code ni:///sha-256;...} name; empty for a
     * device that showed none (dtls.client-auth wanted or none).
     */
    static String identity(Principal principal) {
        if (principal instanceof PreSharedKeyIdentity psk) {
            return psk.getIdentity();
        }
        if (principal instanceof X509CertPath path) {
            String cn = path.getCN();
            return cn != null ? cn : path.getName();
        }
        if (principal instanceof RawPublicKeyIdentity key) {
            return key.getName();
        }
        return principal == null ? ANONYMOUS : principal.getName();
    }

    @Override
    public void send(LinkAddress to, byte[] packet) {
        if (!(to instanceof LinkAddress.Dtls dtls)) {
            throw new IllegalArgumentException("not a DTLS address: " + to);
        }
        Peer peer = peers.get(dtls.connection());
        DTLSConnector running = connector;
        if (peer == null || running == null || !running.isRunning()) {
            metrics.count(Metrics.DTLS_DROPPED_NO_CONNECTION);
            warnings.warn(Metrics.DTLS_DROPPED_NO_CONNECTION, () -> "packet to " + to + " not sent: its DTLS session "
                    + "is gone; the device handshakes again (" + Metrics.DTLS_DROPPED_NO_CONNECTION + ")");
            return;
        }
        running.send(RawData.outbound(packet, new AddressEndpointContext(peer.address), failures, false));
        metrics.count(Metrics.SENT_PACKETS);
    }

    /** Counts packets Scandium could not send (no connection any more, outbound queue full). */
    private final MessageCallback failures = new MessageCallback() {
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
            metrics.count(Metrics.DTLS_SEND_FAILED);
            warnings.warn(Metrics.DTLS_SEND_FAILED, () -> "DTLS packet not sent: " + error.getMessage() + " ("
                    + Metrics.DTLS_SEND_FAILED + ")");
        }
    };

    @Override
    public void broadcast(byte[] packet) {
        // DTLS has no broadcast: devices on it find the gateway by its address (SEARCHGW is answered).
    }

    @Override
    public boolean owns(LinkAddress address) {
        return address instanceof LinkAddress.Dtls;
    }

    @Override
    public int maxPacketSize() {
        return maxPacketSize;
    }

    @Override
    public String describe() {
        return "dtls=" + (connector == null || connector.getAddress() == null ? setup.bind.getPort() : localPort());
    }

    /** The port actually bound (differs from the configured one when that was 0). */
    public int localPort() {
        return connector.getAddress().getPort();
    }

    /** DTLS sessions held now. */
    public int sessionCount() {
        return peers.size();
    }

    // ------------------------------------------------------------------ housekeeping

    /**
     * Closes DTLS sessions silent for longer than dtls.session-expiry-seconds, reloads the PSK
     * file when it changed and forgets old handshake windows. Called every few seconds.
     */
    public void housekeeping() {
        long now = millis.getAsLong();
        guard.forgetBefore(now / 1000);
        peers.forEach((key, peer) -> {
            if (now - peer.lastSeenMillis > setup.expiryMillis) {
                metrics.count(Metrics.DTLS_SESSIONS_EXPIRED);
                LOG.info("DTLS session of {} expired: silent for more than {} s", peer.address,
                        setup.expiryMillis / 1000);
                peers.remove(key, peer);
                DTLSConnector running = connector;
                if (running != null) {
                    running.close(peer.address);
                }
            }
        });
        FileTime modified = modified(setup.pskFile);
        if (modified != null && !modified.equals(pskFileSeen)) {
            pskFileSeen = modified;
            reloadKeys(devices);
        }
    }

    /**
     * Reads the PSK file and the devices file's keys again (SIGHUP, a changed PSK file). A file
     * that does not load is logged with its line and reason; the keys in force stay.
     *
     * @return true when the keys were reloaded
     */
    public boolean reloadKeys(DevicesFile devicesFile) {
        try {
            psks.replace(PskTable.load(GatewaySettings.DTLS_PSK_FILE.path(), setup.pskFile, devicesFile));
            devices = devicesFile;
            metrics.count(Metrics.DTLS_PSK_RELOADED);
            LOG.info("DTLS pre-shared keys reloaded: {} identities", psks.size());
            return true;
        } catch (ConfigError e) {
            metrics.count(Metrics.DTLS_PSK_RELOAD_FAILED);
            LOG.error("DTLS pre-shared keys not reloaded, the previous ones stay in force: {}", e.getMessage());
            return false;
        }
    }

    private static FileTime modified(Path file) {
        if (file == null) {
            return null;
        }
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        DTLSConnector running = connector;
        if (running != null) {
            running.destroy();
        }
    }

    // ------------------------------------------------------------------ Scandium's callbacks

    /** Handshake outcomes: counted by outcome, failures logged with the reason. */
    private final class Handshakes extends SessionAdapter {
        @Override
        public void handshakeCompleted(Handshaker handshaker) {
            metrics.count(Metrics.DTLS_HANDSHAKES);
            if (LOG.isDebugEnabled()) {
                LOG.debug("DTLS handshake with {} completed", handshaker.getPeerAddress());
            }
        }

        @Override
        public void handshakeFailed(Handshaker handshaker, Throwable error) {
            String reason = failureReason(error);
            String counter = Metrics.DTLS_HANDSHAKE_FAILED_PREFIX + reason;
            metrics.count(counter);
            warnings.warn(counter, () -> "DTLS handshake with " + handshaker.getPeerAddress() + " failed: "
                    + reason.replace('_', ' ') + " (" + error.getMessage() + "; " + counter + ")");
        }
    }

    /** The alert a failed handshake ended with, as a counter suffix; "timeout" when the peer went silent. */
    static String failureReason(Throwable error) {
        if (error instanceof HandshakeException handshake && handshake.getAlert() != null) {
            AlertMessage.AlertDescription description = handshake.getAlert().getDescription();
            return description.name().toLowerCase();
        }
        String message = String.valueOf(error.getMessage()).toLowerCase();
        if (message.contains("timeout") || message.contains("expired") || message.contains("retransmission")) {
            return "timeout";
        }
        return "other";
    }

    /** Forgets where a connection's device was once Scandium removed the connection. */
    private final class Connections implements ConnectionListener {
        @Override
        public void onConnectionEstablished(Connection connection) {
            String key = connectionKey(connection);
            if (key != null) {
                keys.put(connection, key);
            }
        }

        @Override
        public void onConnectionRemoved(Connection connection) {
            String key = keys.remove(connection);
            if (key != null) {
                peers.remove(key);
            }
        }

        @Override
        public boolean onConnectionUpdatesSequenceNumbers(Connection connection, boolean writeSequenceNumber) {
            return false;
        }

        @Override
        public boolean onConnectionMacError(Connection connection) {
            return false;
        }

        @Override
        public void beforeExecution(Connection connection) {
        }

        @Override
        public void updateExecution(Connection connection) {
        }

        @Override
        public void afterExecution(Connection connection) {
        }
    }
}
