package io.sngate.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.sngate.gateway.testing.LogCapture;
import io.sngate.gateway.testing.Mosquitto;
import io.sngate.hw.ReconnectBackoff;
import io.sngate.hw.config.BrokerTls;
import io.sngate.hw.config.TlsIdentity;
import io.sngate.hw.testing.TestPki;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MqttConnection} and {@link BrokerReachability} over TLS: what goes into the handshake
 * (SNI), and a failing handshake on the paths a failing TCP connect takes (backoff, reachability).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MqttConnectionTlsTest {

    private static final ReconnectBackoff FAST = new ReconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(250),
            0.2, new Random(42));
    private static final Duration WAIT = Duration.ofSeconds(15);

    private static EventLoopGroup group;

    @TempDir
    Path dir;

    private EventLoop loop;
    private TestPki pki;
    private TestPki.Issued gateway;

    @BeforeAll
    static void startLoops() {
        group = new NioEventLoopGroup(1);
    }

    @AfterAll
    static void stopLoops() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @BeforeEach
    void setUp() {
        loop = group.next();
        pki = TestPki.create(dir.resolve("pki"), "tls test CA");
        gateway = pki.client("sngate-gw");
    }

    private BrokerTlsContext trusting(TestPki ca) throws Exception {
        return BrokerTlsContext.from(new BrokerTls(List.of(ca.caCertificate()),
                Optional.of(new TlsIdentity(gateway.key(), List.of(gateway.certificate()))), true));
    }

    private static UpstreamSettings settings(int port, BrokerTlsContext tls) {
        return new UpstreamSettings("127.0.0.1", port, Optional.empty(), Optional.empty(), 30, 64, FAST, 1,
                Optional.of(tls));
    }

    /**
     * A one-shot JDK TLS server on {@code address}: completes with the server names the client's
     * hello asked for, then hangs up.
     */
    private CompletableFuture<List<SNIServerName>> sniRecorder(SSLServerSocket server) {
        CompletableFuture<List<SNIServerName>> names = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try (SSLSocket socket = (SSLSocket) server.accept()) {
                socket.startHandshake();
                names.complete(((ExtendedSSLSession) socket.getSession()).getRequestedServerNames());
            } catch (IOException | RuntimeException e) {
                names.completeExceptionally(e);
            }
        }, "sni-recorder");
        thread.setDaemon(true);
        thread.start();
        return names;
    }

    private SSLServerSocket tlsServer(InetAddress address, TestPki.Issued identity) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", identity.key(), new char[0], new Certificate[] {identity.certificate()});
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keys, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(factory.getKeyManagers(), null, null);
        SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 1, address);
        return server;
    }

    @Test
    void theHostNameGoesOutAsSniButAnIpLiteralDoesNot() throws Exception {
        BrokerTlsContext tls = trusting(pki);
        TestPki.Issued server = pki.server("localhost");
        InetAddress localhost = InetAddress.getByName("localhost");
        try (SSLServerSocket byName = tlsServer(localhost, server)) {
            CompletableFuture<List<SNIServerName>> names = sniRecorder(byName);
            MqttConnection connection = MqttConnection.builder(loop, "localhost", byName.getLocalPort(),
                    ConnectOptions.of("sni-by-name"), event -> { }).tls(tls).build();
            connection.connect();
            List<SNIServerName> requested = names.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(requested).hasSize(1);
            assertThat(new String(requested.get(0).getEncoded(), java.nio.charset.StandardCharsets.US_ASCII))
                    .isEqualTo("localhost");
            connection.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        try (SSLServerSocket byAddress = tlsServer(InetAddress.getByName("127.0.0.1"), server)) {
            CompletableFuture<List<SNIServerName>> names = sniRecorder(byAddress);
            MqttConnection connection = MqttConnection.builder(loop, "127.0.0.1", byAddress.getLocalPort(),
                    ConnectOptions.of("sni-by-address"), event -> { }).tls(tls).build();
            connection.connect();
            assertThat(names.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEmpty();
            connection.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aFailingHandshakeOnReconnectionBacksOffAndTheConnectionComesBackWhenItSucceeds() throws Exception {
        Path brokerCert = dir.resolve("broker.crt.pem");
        Path brokerKey = dir.resolve("broker.key.pem");
        TestPki.Issued genuine = pki.server("localhost");
        Files.copy(genuine.certFile(), brokerCert);
        Files.copy(genuine.keyFile(), brokerKey);
        int tlsPort = Mosquitto.freePort();
        List<Long> delays = new CopyOnWriteArrayList<>();
        RecordingListener events = new RecordingListener(loop);
        try (LogCapture log = LogCapture.start();
             Mosquitto broker = Mosquitto.start(Mosquitto.tlsListener(tlsPort, pki.caFile(), brokerCert, brokerKey,
                     true))) {
            UpstreamSettings settings = settings(tlsPort, trusting(pki));
            MqttConnection connection = settings.connection(loop, settings.options("tls-reconnect"), events)
                    .reconnectDelayObserver(delays::add).build();
            connection.connect();
            await("connected over TLS").atMost(WAIT).until(() -> events.events.contains("connected:false"));

            // The broker comes back with a certificate from a CA the gateway does not trust.
            broker.stop();
            TestPki rogue = TestPki.create(dir.resolve("rogue"), "rogue CA");
            TestPki.Issued impostor = rogue.server("localhost");
            Files.copy(impostor.certFile(), brokerCert, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(impostor.keyFile(), brokerKey, StandardCopyOption.REPLACE_EXISTING);
            broker.startAgain();
            long failuresBefore = connection.counters().connectFailures();
            await("reconnections refused by the handshake, backing off").atMost(WAIT)
                    .until(() -> connection.counters().connectFailures() >= failuresBefore + 3 && delays.size() >= 3);
            assertThat(events.events).doesNotContain("reconnected:false", "reconnected:true");
            assertThat(delays.get(2)).as("the backoff grows").isGreaterThan(delays.get(0));
            log.awaitLine("WARN", "upstream tls-reconnect: reconnection: cannot connect to 127.0.0.1:" + tlsPort
                    + ": TLS handshake failed: certificate verify failed", "(trying again with backoff)");
            assertThat(log.lines().stream().filter(line -> line.contains("tls-reconnect: reconnection:")))
                    .as("a lasting failure is logged once").hasSize(1);

            broker.stop();
            Files.copy(genuine.certFile(), brokerCert, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(genuine.keyFile(), brokerKey, StandardCopyOption.REPLACE_EXISTING);
            broker.startAgain();
            await("reconnected once the certificate is trusted again").atMost(WAIT)
                    .until(() -> events.events.stream().anyMatch(e -> e.startsWith("reconnected:")));
            connection.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void theReachabilityProbeSpeaksTlsAndSaysNoWhenTheHandshakeFails() throws Exception {
        int tlsPort = Mosquitto.freePort();
        TestPki.Issued server = pki.server("localhost");
        try (Mosquitto broker = Mosquitto.start(Mosquitto.tlsListener(tlsPort, pki.caFile(), server.certFile(),
                server.keyFile(), true))) {
            List<Boolean> trusted = new CopyOnWriteArrayList<>();
            try (BrokerReachability probe = BrokerReachability.watch(loop, settings(tlsPort, trusting(pki)),
                    trusted::add)) {
                await("the probe reaches the broker over TLS").atMost(WAIT).until(() -> trusted.contains(true));
            }
            List<Boolean> untrusted = new CopyOnWriteArrayList<>();
            TestPki other = TestPki.create(dir.resolve("other"), "another CA");
            try (BrokerReachability probe = BrokerReachability.watch(loop, settings(tlsPort, trusting(other)),
                    untrusted::add)) {
                await("the probe reports the failed handshake").atMost(WAIT).until(() -> untrusted.size() >= 2);
                assertThat(untrusted).containsOnly(false);
            }
        }
    }
}
