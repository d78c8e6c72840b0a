package io.sngate.gateway.transport.dtls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PingResp;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.gateway.Metrics;
import io.sngate.gateway.WarnLimiter;
import io.sngate.gateway.testing.DtlsDevice;
import io.sngate.gateway.transport.LinkAddress;
import io.sngate.gateway.transport.Transport;
import io.sngate.hw.config.ConfigLoader;
import io.sngate.hw.config.GatewayConfig;
import io.sngate.hw.config.GatewaySettings;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DTLS listener on a real socket with Scandium clients, its timers on a fake clock: PINGREQ
 * answered through the transport, the session bound, expiry, the handshake rate per source IP,
 * and the PSK file reloaded when it changes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DtlsTransportTest {

    static final Duration WAIT = Duration.ofSeconds(10);
    static final byte[] KEY = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

    @TempDir
    Path dir;
    final Metrics metrics = new Metrics();
    final AtomicLong now = new AtomicLong(1_000_000);
    final BlockingQueue<LinkAddress> from = new LinkedBlockingQueue<>();
    DtlsTransport transport;

    @AfterEach
    void close() {
        if (transport != null) {
            transport.close();
        }
    }

    /** A listener whose receiver answers every PINGREQ with a PINGRESP through the transport. */
    DtlsTransport start(Path pskFile, Tweak tweak) throws Exception {
        GatewayConfig config = ConfigLoader.fromArgs(List.of())
                .with(GatewaySettings.DTLS_PORT, freeUdpPort())
                .with(GatewaySettings.DTLS_BIND, "127.0.0.1")
                .with(GatewaySettings.DTLS_PSK_FILE, pskFile.toString());
        config = tweak.apply(config);
        transport = new DtlsTransport(config, 65_507, metrics, new WarnLimiter(0, now::get), now::get);
        transport.start(new Transport.Receiver() {
            @Override
            public void onPacket(LinkAddress sender, byte[] packet) {
                from.add(sender);
                transport.send(sender, MqttSn12Codec.INSTANCE.encode(new PingResp()));
            }
        });
        return transport;
    }

    interface Tweak {
        GatewayConfig apply(GatewayConfig config) throws Exception;
    }

    Path pskFile(String... lines) throws IOException {
        return Files.write(dir.resolve("psk.txt"), List.of(lines));
    }

    static void ping(DtlsDevice device) {
        device.send(PingReq.PLAIN);
        device.expect(PingResp.class);
    }

    @Test
    void aPacketCarriesTheIdentityAndTheAnswerGoesBack() throws Exception {
        start(pskFile("dev-1," + hex(KEY)), c -> c);
        try (DtlsDevice device = DtlsDevice.psk(transport.localPort(), "dev-1", KEY)) {
            ping(device);
            LinkAddress.Dtls address = (LinkAddress.Dtls) from.poll(5, TimeUnit.SECONDS);
            assertThat(address.identity()).isEqualTo("dev-1");
            assertThat(address.connection()).as("the gateway's Connection ID names the device").startsWith("cid:");
            assertThat(address.peer().getPort()).isEqualTo(device.localPort());
            assertThat(transport.sessionCount()).isEqualTo(1);
            assertThat(metrics.get(Metrics.DTLS_HANDSHAKES)).isEqualTo(1);
        }
    }

    @Test
    void aSilentSessionExpiresAndTheDeviceHandshakesAgain() throws Exception {
        start(pskFile("dev-1," + hex(KEY)), c -> c.with(GatewaySettings.DTLS_SESSION_EXPIRY, 600L));
        try (DtlsDevice device = DtlsDevice.psk(transport.localPort(), "dev-1", KEY)) {
            ping(device);
            now.addAndGet(599_000);
            transport.housekeeping();
            assertThat(transport.sessionCount()).as("not yet silent for 600 s").isEqualTo(1);
            now.addAndGet(2_000);
            transport.housekeeping();
            assertThat(transport.sessionCount()).isZero();
            assertThat(metrics.get(Metrics.DTLS_SESSIONS_EXPIRED)).isEqualTo(1);
            // The gateway said close_notify: the device's next packet starts a new handshake.
            await().atMost(WAIT).untilAsserted(() -> {
                ping(device);
                assertThat(metrics.get(Metrics.DTLS_HANDSHAKES)).isEqualTo(2);
            });
        }
    }

    @Test
    void handshakesBeyondTheRatePerSourceIpAreDroppedUntilTheNextSecond() throws Exception {
        start(pskFile("dev-1," + hex(KEY)), c -> c.with(GatewaySettings.DTLS_HANDSHAKES_PER_SECOND, 1));
        try (DtlsDevice first = DtlsDevice.psk(transport.localPort(), "dev-1", KEY);
             DtlsDevice second = DtlsDevice.psk(transport.localPort(), "dev-1", KEY)) {
            ping(first);
            second.send(PingReq.PLAIN);
            await("the second handshake in the same second is dropped").atMost(WAIT)
                    .until(() -> metrics.get(Metrics.DTLS_HANDSHAKE_RATE_LIMITED) > 0);
            assertThat(metrics.get(Metrics.DTLS_HANDSHAKES)).isEqualTo(1);
            now.addAndGet(1_000); // the next second: its retransmitted ClientHello gets through
            second.expect(PingResp.class);
            assertThat(metrics.get(Metrics.DTLS_HANDSHAKES)).isEqualTo(2);
        }
    }

    @Test
    void theNumberOfSessionsIsBounded() throws Exception {
        start(pskFile("dev-1," + hex(KEY)), c -> c.with(GatewaySettings.DTLS_MAX_SESSIONS, 2));
        try (DtlsDevice a = DtlsDevice.psk(transport.localPort(), "dev-1", KEY);
             DtlsDevice b = DtlsDevice.psk(transport.localPort(), "dev-1", KEY);
             DtlsDevice c = DtlsDevice.psk(transport.localPort(), "dev-1", KEY)) {
            ping(a);
            ping(b);
            c.send(PingReq.PLAIN);
            await("the third device's handshake fails: no room").atMost(WAIT).until(() -> c.failure() != null);
            assertThat(metrics.get(Metrics.DTLS_HANDSHAKES)).isEqualTo(2);
            assertThat(transport.sessionCount()).isEqualTo(2);
            ping(a);
        }
    }

    @Test
    void aChangedPskFileIsReloadedAndABadOneLeavesTheKeysInForce() throws Exception {
        Path file = pskFile("dev-1," + hex(KEY));
        start(file, c -> c);
        Files.write(file, List.of("dev-1," + hex(KEY), "dev-2," + hex(KEY)));
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        transport.housekeeping();
        assertThat(metrics.get(Metrics.DTLS_PSK_RELOADED)).isEqualTo(1);
        try (DtlsDevice device = DtlsDevice.psk(transport.localPort(), "dev-2", KEY)) {
            ping(device);
        }
        Files.write(file, List.of("dev-1 without a key"));
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 10_000));
        transport.housekeeping();
        assertThat(metrics.get(Metrics.DTLS_PSK_RELOAD_FAILED)).isEqualTo(1);
        try (DtlsDevice device = DtlsDevice.psk(transport.localPort(), "dev-2", KEY)) {
            ping(device); // the keys in force stay
        }
    }

    @Test
    void aPacketForAGoneSessionIsCountedNotSent() throws Exception {
        start(pskFile("dev-1," + hex(KEY)), c -> c);
        transport.send(new LinkAddress.Dtls("cid:00", "nobody", new InetSocketAddress(InetAddress.getLoopbackAddress(), 9)),
                new byte[] {2, 0x17});
        assertThat(metrics.get(Metrics.DTLS_DROPPED_NO_CONNECTION)).isEqualTo(1);
    }

    static String hex(byte[] key) {
        return java.util.HexFormat.of().formatHex(key);
    }

    static int freeUdpPort() throws IOException {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return socket.getLocalPort();
        }
    }
}
