package io.sngate.client.dtls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sngate.client.ClientRuntime;
import io.sngate.client.LinkAddress;
import io.sngate.client.testing.DtlsTestServer;
import io.sngate.hw.testing.TestPki;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.elements.config.CertificateAuthenticationMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DtlsLink} against a real Scandium server on 127.0.0.1 set up as the gateway's listener
 * (SERVER_ONLY, HelloVerifyRequest, 6-byte CIDs) that echoes each record.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DtlsLinkTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final byte[] KEY = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f");
    /** Short handshake timeouts, so that a handshake without an answer fails in well under a second. */
    private static final DtlsLink.Options FAST = DtlsLink.Options.defaults()
            .withRetransmission(Duration.ofMillis(100), 2);

    @TempDir
    Path dir;

    private ClientRuntime runtime;
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final LinkedBlockingQueue<byte[]> inbox = new LinkedBlockingQueue<>();
    private final List<LinkAddress> senders = new CopyOnWriteArrayList<>();
    private final List<Boolean> onRuntimeThread = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        runtime = ClientRuntime.start("dtls-link-test");
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        runtime.close();
    }

    private <T extends AutoCloseable> T closeLater(T resource) {
        closing.add(resource);
        return resource;
    }

    private DtlsLink link(DtlsTestServer server, DtlsCredentials credentials, DtlsLink.Options options,
                          Optional<DtlsThreads> threads) throws Exception {
        DtlsLink link = closeLater(new DtlsLink(server.address(), DtlsLink.localFor(server.address()), credentials,
                options, threads));
        CompletableFuture<Void> opened = new CompletableFuture<>();
        runtime.execute(() -> {
            try {
                link.open(runtime, (packet, from) -> {
                    onRuntimeThread.add(runtime.inRuntime());
                    senders.add(from);
                    inbox.add(packet);
                });
                opened.complete(null);
            } catch (IOException e) {
                opened.completeExceptionally(e);
            }
        });
        opened.get(10, TimeUnit.SECONDS);
        return link;
    }

    private void send(DtlsLink link, String text) throws Exception {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        runtime.execute(() -> {
            try {
                link.send(text.getBytes(StandardCharsets.UTF_8));
                sent.complete(null);
            } catch (IOException e) {
                sent.completeExceptionally(e);
            }
        });
        sent.get(10, TimeUnit.SECONDS);
    }

    private String next() throws InterruptedException {
        byte[] packet = inbox.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(packet).as("a packet back from the server within %s", WAIT).isNotNull();
        return new String(packet, StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ handshakes that work

    @Test
    void pskHandshakeCarriesPacketsBothWaysWithTheGatewaysConnectionId() throws Exception {
        DtlsTestServer server = closeLater(DtlsTestServer.builder().psk("sensor-1", KEY).start());
        DtlsLink link = link(server, DtlsCredentials.psk("sensor-1", KEY), DtlsLink.Options.defaults(),
                Optional.empty());
        List<DtlsLink.Session> established = new CopyOnWriteArrayList<>();
        link.addListener(new DtlsLink.Listener() {
            @Override
            public void established(DtlsLink.Session session) {
                onRuntimeThread.add(runtime.inRuntime());
                established.add(session);
            }
        });

        send(link, "first");
        CompletableFuture<Void> firstSettled = link.whenSettled();
        assertThat(next()).isEqualTo("first");
        firstSettled.get(10, TimeUnit.SECONDS);
        send(link, "second");
        assertThat(next()).isEqualTo("second");

        assertThat(senders).containsOnly(new LinkAddress.Udp(server.address()));
        assertThat(server.received()).extracting(r -> new String(r.data(), StandardCharsets.UTF_8))
                .containsExactly("first", "second");
        assertThat(server.received()).extracting(DtlsTestServer.Received::peerIdentity)
                .containsOnly(Optional.of("sensor-1"));
        assertThat(link.handshakes()).isEqualTo(1);
        assertThat(link.handshakeFailures()).isZero();
        assertThat(link.isEstablished()).isTrue();
        DtlsLink.Session session = link.session().orElseThrow();
        assertThat(session.cipherSuite()).isEqualTo("TLS_PSK_WITH_AES_128_CCM_8");
        assertThat(session.gatewayConnectionId()).hasSize(2 * DtlsTestServer.CID_LENGTH);
        await().atMost(WAIT).until(() -> established.size() == 1);
        assertThat(established).containsExactly(session);
        assertThat(onRuntimeThread).containsOnly(true);
        // MTU 1280 - IPv4 20 - UDP 8 - record header 13 - CID 6 and the inner content type 1 - CCM_8 nonce and tag 16
        assertThat(link.maxPacketSize()).isEqualTo(1_280 - 20 - 8 - 13 - 7 - 16);
    }

    @Test
    void certificateHandshakeWithADeviceCertificate() throws Exception {
        TestPki pki = TestPki.create(dir, "gateway CA");
        DtlsTestServer server = closeLater(DtlsTestServer.builder().certificate(pki.server("localhost"))
                .clientAuthentication(CertificateAuthenticationMode.NEEDED).start());
        TestPki.Issued device = pki.client("sensor-7");
        DtlsCredentials credentials = DtlsCredentials.certificates(pki.caFile(), Optional.of(device.certFile()),
                Optional.of(device.keyFile()));
        DtlsLink link = link(server, credentials, DtlsLink.Options.defaults(), Optional.empty());

        send(link, "signed");

        assertThat(next()).isEqualTo("signed");
        assertThat(link.session().orElseThrow().cipherSuite()).isEqualTo("TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8");
        assertThat(server.received()).singleElement().satisfies(r ->
                assertThat(r.peerIdentity()).hasValueSatisfying(name -> assertThat(name).contains("CN=sensor-7")));
    }

    @Test
    void certificateHandshakeWithoutADeviceCertificateWhenTheGatewayDoesNotNeedOne() throws Exception {
        TestPki pki = TestPki.create(dir, "gateway CA");
        DtlsTestServer server = closeLater(DtlsTestServer.builder().certificate(pki.server("localhost"))
                .clientAuthentication(CertificateAuthenticationMode.WANTED).start());
        DtlsLink link = link(server, DtlsCredentials.certificates(pki.caFile(), Optional.empty(), Optional.empty()),
                DtlsLink.Options.defaults(), Optional.empty());

        send(link, "anonymous device");

        assertThat(next()).isEqualTo("anonymous device");
        assertThat(server.received()).singleElement().satisfies(r -> assertThat(r.peerIdentity()).isEmpty());
    }

    // ------------------------------------------------------------------ handshakes that fail

    @Test
    void anUnknownPskIdentityFailsNamingTheIdentity() throws Exception {
        DtlsTestServer server = closeLater(DtlsTestServer.builder().psk("sensor-1", KEY).start());
        DtlsLink link = link(server, DtlsCredentials.psk("sensor-9", KEY), FAST, Optional.empty());
        List<DtlsLink.HandshakeFailure> failures = listenForFailures(link);

        send(link, "never delivered");

        await().atMost(WAIT).until(() -> failures.size() == 1);
        String port = Integer.toString(server.address().getPort());
        // Scandium, like the gateway, sends no unknown_psk_identity alert: the Finished goes unanswered.
        assertThat(failures.get(0).message()).isEqualTo("DTLS handshake with 127.0.0.1:" + port + " failed: no"
                + " answer to our Finished after 3 tries: the gateway does not know PSK identity 'sensor-9' or has"
                + " another key for it (a gateway drops such a handshake silently), or the packets were lost");
        assertThat(failures.get(0).alert()).isEmpty();
        assertThat(link.lastFailure()).contains(failures.get(0));
        assertThat(link.handshakeFailures()).isEqualTo(1);
        assertThat(link.packetsLost()).isEqualTo(1);
        assertThat(link.whenSettled()).isCompleted();
        assertThat(link.isEstablished()).isFalse();
        assertThat(server.received()).isEmpty();
        assertThat(inbox).isEmpty();
        assertThat(onRuntimeThread).containsOnly(true);
    }

    @Test
    void aWrongPskKeyFailsAsTheFinishedGoesUnanswered() throws Exception {
        DtlsTestServer server = closeLater(DtlsTestServer.builder().psk("sensor-1", KEY).start());
        byte[] wrong = KEY.clone();
        wrong[0] ^= 1;
        DtlsLink link = link(server, DtlsCredentials.psk("sensor-1", wrong), FAST, Optional.empty());
        List<DtlsLink.HandshakeFailure> failures = listenForFailures(link);

        send(link, "never delivered");

        await().atMost(WAIT).until(() -> failures.size() == 1);
        assertThat(failures.get(0).message()).isEqualTo("DTLS handshake with 127.0.0.1:"
                + server.address().getPort() + " failed: no answer to our Finished after 3 tries: the gateway does"
                + " not know PSK identity 'sensor-1' or has another key for it (a gateway drops such a handshake"
                + " silently), or the packets were lost");
        assertThat(server.received()).isEmpty();
        assertThat(link.packetsLost()).isEqualTo(1);
    }

    @Test
    void aGatewayThatNeedsADeviceCertificateRefusesADeviceWithoutOne() throws Exception {
        TestPki pki = TestPki.create(dir, "gateway CA");
        DtlsTestServer server = closeLater(DtlsTestServer.builder().certificate(pki.server("localhost"))
                .clientAuthentication(CertificateAuthenticationMode.NEEDED).start());
        DtlsLink link = link(server, DtlsCredentials.certificates(pki.caFile(), Optional.empty(), Optional.empty()),
                FAST, Optional.empty());
        List<DtlsLink.HandshakeFailure> failures = listenForFailures(link);

        send(link, "never delivered");

        await().atMost(WAIT).until(() -> failures.size() == 1);
        assertThat(failures.get(0).message()).isEqualTo("DTLS handshake with 127.0.0.1:"
                + server.address().getPort() + " failed: the gateway refused the handshake with alert bad_certificate"
                + " (it does not accept the device's certificate: the device has none)");
        assertThat(failures.get(0).alert()).contains("bad_certificate");
        assertThat(server.received()).isEmpty();
    }

    @Test
    void aGatewayCertificateFromAnotherCaIsRefused() throws Exception {
        TestPki trusted = TestPki.create(dir.resolve("trusted"), "device CA");
        TestPki other = TestPki.create(dir.resolve("other"), "someone else's CA");
        DtlsTestServer server = closeLater(DtlsTestServer.builder().certificate(other.server("localhost")).start());
        DtlsLink link = link(server, DtlsCredentials.certificates(trusted.caFile(), Optional.empty(), Optional.empty()),
                FAST, Optional.empty());
        List<DtlsLink.HandshakeFailure> failures = listenForFailures(link);

        send(link, "never delivered");

        await().atMost(WAIT).until(() -> failures.size() == 1);
        assertThat(failures.get(0).message()).startsWith("DTLS handshake with 127.0.0.1:" + server.address().getPort()
                + " failed: the gateway's certificate is not trusted: Certificate chain could not be validated: ")
                .endsWith(" (alert bad_certificate sent to the gateway)");
        assertThat(failures.get(0).alert()).contains("bad_certificate");
        assertThat(server.received()).isEmpty();
    }

    @Test
    void nothingListeningFailsAfterTheRetransmissions() throws Exception {
        DtlsTestServer server = closeLater(DtlsTestServer.builder().psk("sensor-1", KEY).start());
        InetSocketAddress gone = server.address();
        server.close();
        DtlsLink link = closeLater(new DtlsLink(gone, DtlsLink.localFor(gone), DtlsCredentials.psk("sensor-1", KEY),
                FAST, Optional.empty()));
        CompletableFuture<Void> opened = new CompletableFuture<>();
        runtime.execute(() -> {
            try {
                link.open(runtime, (packet, from) -> inbox.add(packet));
                link.send(new byte[] {2, 24});
                opened.complete(null);
            } catch (IOException e) {
                opened.completeExceptionally(e);
            }
        });
        opened.get(10, TimeUnit.SECONDS);

        await().atMost(WAIT).until(() -> link.lastFailure().isPresent());
        assertThat(link.lastFailure().get().message()).isEqualTo("DTLS handshake with 127.0.0.1:" + gone.getPort()
                + " failed: no answer from the gateway after 3 tries of flight 1 (is a DTLS gateway listening on"
                + " that port?)");
        assertThat(link.retransmittedFlights()).isEqualTo(2);
    }

    private List<DtlsLink.HandshakeFailure> listenForFailures(DtlsLink link) {
        List<DtlsLink.HandshakeFailure> failures = new CopyOnWriteArrayList<>();
        link.addListener(new DtlsLink.Listener() {
            @Override
            public void failed(DtlsLink.HandshakeFailure failure) {
                onRuntimeThread.add(runtime.inRuntime());
                failures.add(failure);
            }
        });
        return failures;
    }

    @Test
    void afterTheClientLostTheGatewayTheNextPacketStartsAHandshakeWithTheRestartedGateway() throws Exception {
        DtlsTestServer first = DtlsTestServer.builder().psk("sensor-1", KEY).start();
        int port = first.address().getPort();
        DtlsLink link;
        try {
            link = link(first, DtlsCredentials.psk("sensor-1", KEY), FAST, Optional.empty());
            send(link, "before the restart");
            assertThat(next()).isEqualTo("before the restart");
        } finally {
            first.close();
        }
        DtlsTestServer restarted = closeLater(DtlsTestServer.builder().psk("sensor-1", KEY).port(port).start());

        // The restarted server knows neither the session nor its CID: the record is dropped unanswered.
        send(link, "into the void");
        assertThat(inbox.poll(500, TimeUnit.MILLISECONDS)).as("an answer under the forgotten session").isNull();
        assertThat(restarted.received()).isEmpty();

        runtime.execute(link::peerLost);
        send(link, "after the restart");

        assertThat(next()).isEqualTo("after the restart");
        assertThat(link.handshakes()).isEqualTo(2);
        assertThat(restarted.received()).extracting(r -> new String(r.data(), StandardCharsets.UTF_8))
                .containsExactly("after the restart");
        assertThat(restarted.connections()).hasSize(1);
    }

    // ------------------------------------------------------------------ bounds and threads

    @Test
    void aPacketLargerThanOneRecordIsRefusedNotCut() throws Exception {
        DtlsTestServer server = closeLater(DtlsTestServer.builder().psk("sensor-1", KEY).start());
        DtlsLink link = link(server, DtlsCredentials.psk("sensor-1", KEY), DtlsLink.Options.defaults().withMtu(576),
                Optional.empty());
        int room = link.maxPacketSize();
        // Before a handshake: the assumed 6-byte CID and GCM's 24 bytes, the largest offered expansion.
        assertThat(room).isEqualTo(576 - 20 - 8 - 13 - 7 - 24);

        assertThatThrownBy(() -> link.send(new byte[room + 1])).isInstanceOf(IOException.class)
                .hasMessage("DTLS link to 127.0.0.1:" + server.address().getPort() + ": packet of " + (room + 1)
                        + " bytes exceeds the " + room + " bytes one record carries at MTU 576");
        assertThat(server.received()).isEmpty();
    }

    @Test
    void packetsBeyondThePendingBoundAreDroppedAndCountedWhileTheRuntimeIsBusy() throws Exception {
        DtlsTestServer server = closeLater(DtlsTestServer.builder().psk("sensor-1", KEY).start());
        DtlsLink link = link(server, DtlsCredentials.psk("sensor-1", KEY),
                DtlsLink.Options.defaults().withMaxPendingPackets(4), Optional.empty());
        send(link, "handshake");
        assertThat(next()).isEqualTo("handshake");

        CountDownLatch release = new CountDownLatch(1);
        runtime.execute(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        // The runtime is blocked: send from here (Scandium's send is thread-safe).
        for (int i = 0; i < 10; i++) {
            link.send(("echo " + i).getBytes(StandardCharsets.UTF_8));
        }
        await().atMost(WAIT).until(() -> server.received().size() == 11 && link.receiveOverflows() == 6);
        release.countDown();

        List<String> delivered = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            delivered.add(next());
        }
        assertThat(delivered).allSatisfy(text -> assertThat(text).startsWith("echo "));
        assertThat(inbox.poll(300, TimeUnit.MILLISECONDS)).as("no fifth packet").isNull();
        assertThat(link.receiveOverflows()).isEqualTo(6);
    }

    @Test
    void linksSharingDtlsThreadsStartOnlyTheirReceiverThreads() throws Exception {
        DtlsTestServer server = closeLater(DtlsTestServer.builder().psk("sensor-1", KEY).start());
        DtlsThreads threads = closeLater(new DtlsThreads("fleet-dtls", 2));
        List<DtlsLink> links = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            links.add(link(server, DtlsCredentials.psk("sensor-1", KEY), DtlsLink.Options.defaults(),
                    Optional.of(threads)));
        }
        for (int i = 0; i < links.size(); i++) {
            send(links.get(i), "device " + i);
        }
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < links.size(); i++) {
            answers.add(next());
        }
        assertThat(answers).containsExactlyInAnyOrder("device 0", "device 1", "device 2", "device 3", "device 4");
        assertThat(server.connections()).hasSize(5);

        for (DtlsLink link : links) {
            // Scandium names its threads after the connector's local address.
            String local = link.localAddress().toString();
            List<String> own = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                    .filter(name -> name.endsWith(local) || name.contains(local + "#")).toList();
            assertThat(own).as("threads of the link on %s", local).singleElement()
                    .satisfies(name -> assertThat(name).startsWith("DTLS-Receiver-"));
        }
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .filteredOn(name -> name.startsWith("fleet-dtls-")).hasSizeBetween(1, 2);
    }
}
