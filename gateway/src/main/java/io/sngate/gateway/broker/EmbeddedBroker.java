package io.sngate.gateway.broker;

import com.hivemq.configuration.service.InternalConfigurations;
import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.embedded.EmbeddedHiveMQBuilder;
import com.hivemq.migration.meta.PersistenceType;
import io.sngate.hw.config.TlsIdentity;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The default broker when none is given: HiveMQ Community Edition in embedded mode, in the
 * gateway's process. Full MQTT 5 (sessions with expiry, wills, receive maximum), which
 * transparent mode relies on. See docs/architecture.md for why this broker.
 *
 * <p>By default it listens on 127.0.0.1 only and asks no one to log in: only programs on this
 * machine reach it. {@link Options} can open it to a network: a bind address, a TLS listener
 * (the plain TCP listener then stays on 127.0.0.1, for the gateway itself) and a list of users
 * who must log in on either listener. docs/security.md says when each is needed.
 */
public final class EmbeddedBroker implements AutoCloseable {

    /** HiveMQ reads the TLS listener's key from a Java key store only; this one is written at each start. */
    private static final String KEY_STORE = "sngate-tls.jks";

    /** Buckets per HiveMQ store (its default is 64); see {@link #start}. */
    static final int PERSISTENCE_BUCKETS = 4;
    /** How long HiveMQ keeps its stores open for late writes at a stop (its default is 2 000 ms); see {@link #start}. */
    static final int SHUTDOWN_GRACE_MILLIS = 100;

    /**
     * What the broker listens on and whom it lets in.
     *
     * @param bind     the address of the listener clients use (the TLS one when there is one)
     * @param port     the plain TCP port; 0 picks a free one
     * @param tlsPort  the TLS port; 0: no TLS listener
     * @param identity the TLS listener's certificate and key (required with a TLS port)
     * @param users    user names and passwords every client must log in with; empty: no login
     * @param dataDir  where sessions and messages are kept; null: a temporary folder deleted on close
     */
    public record Options(String bind, int port, int tlsPort, Optional<TlsIdentity> identity, Map<String, String> users,
                          Path dataDir) {

        public Options {
            Objects.requireNonNull(bind, "bind");
            Objects.requireNonNull(identity, "identity");
            users = Map.copyOf(users);
            if (tlsPort != 0 && identity.isEmpty()) {
                throw new IllegalArgumentException("a TLS listener needs a certificate and key");
            }
        }

        /** Where the plain TCP listener is bound. */
        String plainBind() {
            return tlsPort != 0 ? "127.0.0.1" : bind;
        }
    }

    private final EmbeddedHiveMQ hivemq;
    private final Path home;
    private final boolean deleteHome;
    private final Path keyStore;
    private final String plainHost;
    private final int port;

    private EmbeddedBroker(EmbeddedHiveMQ hivemq, Path home, boolean deleteHome, Path keyStore, String plainHost,
                           int port) {
        this.hivemq = hivemq;
        this.home = home;
        this.deleteHome = deleteHome;
        this.keyStore = keyStore;
        this.plainHost = plainHost;
        this.port = port;
    }

    /** Starts a broker as {@code options} say. */
    public static EmbeddedBroker start(Options options) throws IOException {
        String plainBind = options.plainBind();
        int actualPort = options.port() != 0 ? options.port() : freePort(plainBind);
        boolean temporary = options.dataDir() == null;
        Path home = temporary ? Files.createTempDirectory("sngate-broker-") : options.dataDir();
        Path conf = Files.createDirectories(home.resolve("conf"));
        Path data = Files.createDirectories(home.resolve("data"));
        Path extensions = Files.createDirectories(home.resolve("extensions"));
        Path keyStore = null;
        String tlsListener = "";
        if (options.tlsPort() != 0) {
            keyStore = conf.resolve(KEY_STORE);
            String password = HexFormat.of().formatHex(randomBytes(24));
            writeKeyStore(keyStore, options.identity().orElseThrow(), password.toCharArray());
            tlsListener = """
                            <tls-tcp-listener>
                                <port>%d</port>
                                <bind-address>%s</bind-address>
                                <tls>
                                    <keystore>
                                        <path>%s</path>
                                        <password>%s</password>
                                        <private-key-password>%s</private-key-password>
                                    </keystore>
                                    <client-authentication-mode>NONE</client-authentication-mode>
                                </tls>
                            </tls-tcp-listener>
                    """.formatted(options.tlsPort(), xml(options.bind()), xml(keyStore.toAbsolutePath().toString()),
                    password, password);
        }
        Files.writeString(conf.resolve("config.xml"), """
                <?xml version="1.0"?>
                <hivemq>
                    <listeners>
                        <tcp-listener>
                            <port>%d</port>
                            <bind-address>%s</bind-address>
                        </tcp-listener>
                %s    </listeners>
                    <anonymous-usage-statistics>
                        <enabled>false</enabled>
                    </anonymous-usage-statistics>
                </hivemq>
                """.formatted(actualPort, xml(plainBind), tlsListener), StandardCharsets.UTF_8);
        // HiveMQ reconfigures logging from its conf folder at start: give it ours.
        try (java.io.InputStream logging = EmbeddedBroker.class.getResourceAsStream("logback.xml")) {
            if (logging != null) {
                Files.copy(logging, conf.resolve("logback.xml"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        // The Java (Xodus) stores instead of RocksDB: no native library to unpack, lighter on a Pi.
        InternalConfigurations.PAYLOAD_PERSISTENCE_TYPE.set(PersistenceType.FILE);
        InternalConfigurations.RETAINED_MESSAGE_PERSISTENCE_TYPE.set(PersistenceType.FILE);
        // HiveMQ splits each store into 64 buckets by default, each its own Xodus environment with
        // its own tables and buffers: 20 MB of heap before the first client, for concurrency a
        // gateway's broker does not need. Fixed for good: a data folder written with one count is
        // read with the same count.
        InternalConfigurations.PERSISTENCE_BUCKET_COUNT.set(PERSISTENCE_BUCKETS);
        InternalConfigurations.PAYLOAD_PERSISTENCE_BUCKET_COUNT.set(PERSISTENCE_BUCKETS);
        // At a stop HiveMQ keeps its stores open for a grace period (2 s by default) for writes from
        // connections still closing. Its own listener shutdown has closed every connection by then
        // (and the gateway closes its upstream connections first), so a short one loses nothing
        // (EmbeddedBrokerPersistenceTest) and every stop of the gateway is 2 s shorter.
        InternalConfigurations.PERSISTENCE_SHUTDOWN_GRACE_PERIOD_MSEC.set(SHUTDOWN_GRACE_MILLIS);
        EmbeddedHiveMQBuilder builder = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(conf)
                .withDataFolder(data)
                .withExtensionsFolder(extensions);
        if (!options.users().isEmpty()) {
            builder.withEmbeddedExtension(EmbeddedExtension.builder()
                    .withId("sngate-password-file")
                    .withName("sngate password file")
                    .withVersion("1")
                    .withAuthor("sngate")
                    .withPriority(1000)
                    .withStartPriority(1000)
                    .withExtensionMain(new PasswordFileLogin(options.users()))
                    .build());
        }
        EmbeddedHiveMQ hivemq = builder.build();
        try {
            hivemq.start().join();
        } catch (RuntimeException e) {
            closeQuietly(hivemq);
            deleteKeyStore(keyStore);
            throw new IOException("the embedded broker did not start on " + plainBind + ":" + actualPort
                    + (options.tlsPort() != 0 ? " and " + options.bind() + ":" + options.tlsPort() + " (TLS)" : "")
                    + ": " + rootMessage(e), e);
        }
        return new EmbeddedBroker(hivemq, home, temporary, keyStore, connectHost(plainBind), actualPort);
    }

    /** The plain TCP port (the one the gateway itself connects to). */
    public int port() {
        return port;
    }

    /** The address the gateway reaches the plain listener at: the loopback when it listens on every address. */
    public String host() {
        return plainHost;
    }

    public String uri() {
        return "tcp://" + (plainHost.contains(":") ? "[" + plainHost + "]" : plainHost) + ":" + port;
    }

    @Override
    public void close() {
        try {
            hivemq.stop().join();
        } finally {
            closeQuietly(hivemq);
            deleteKeyStore(keyStore);
            if (deleteHome) {
                deleteTree(home);
            }
        }
    }

    /** A wildcard bind is reached through the loopback of its family. */
    private static String connectHost(String bind) throws IOException {
        InetAddress address = InetAddress.getByName(bind); // an IP literal: checked by the configuration, no lookup
        if (!address.isAnyLocalAddress()) {
            return bind;
        }
        return address.getAddress().length == 4 ? "127.0.0.1" : "::1";
    }

    /**
     * The key store lives beside the broker's configuration, readable by this user only, and is
     * deleted on close: the PEM key file stays the one copy an operator manages.
     */
    private static void writeKeyStore(Path file, TlsIdentity identity, char[] password) throws IOException {
        KeyStore store;
        try {
            store = KeyStore.getInstance("JKS");
            store.load(null, null);
            store.setKeyEntry("sngate", identity.key(), password, identity.chain().toArray(Certificate[]::new));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot put the embedded broker's TLS key into a key store: " + e.getMessage(), e);
        }
        Files.deleteIfExists(file);
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file); // not a POSIX file system: the folder's own permissions apply
        } catch (FileAlreadyExistsException e) {
            throw new IOException("the embedded broker's key store " + file + " appeared while it was being written", e);
        }
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.TRUNCATE_EXISTING)) {
            store.store(out, password);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot write the embedded broker's key store " + file + ": " + e.getMessage(), e);
        }
    }

    private static void deleteKeyStore(Path keyStore) {
        if (keyStore == null) {
            return;
        }
        try {
            Files.deleteIfExists(keyStore);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the embedded broker's key store " + keyStore, e);
        }
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static int freePort(String bind) throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(bind), 0));
            return socket.getLocalPort();
        }
    }

    private static void closeQuietly(EmbeddedHiveMQ hivemq) {
        try {
            hivemq.close();
        } catch (Exception e) {
            // closing after a failed start or stop; the first error is the one that matters
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage();
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the broker's temporary folder " + root, e);
        }
    }
}
