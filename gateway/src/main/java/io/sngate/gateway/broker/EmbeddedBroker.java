package io.sngate.gateway.broker;

import com.hivemq.configuration.service.InternalConfigurations;
import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.migration.meta.PersistenceType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The default broker when none is given: HiveMQ Community Edition in embedded mode, in the
 * gateway's process, listening on 127.0.0.1 only. Full MQTT 5 (sessions with expiry, wills,
 * receive maximum), which transparent mode relies on. See docs/architecture.md for why this
 * broker.
 */
public final class EmbeddedBroker implements AutoCloseable {

    private final EmbeddedHiveMQ hivemq;
    private final Path home;
    private final boolean deleteHome;
    private final int port;

    private EmbeddedBroker(EmbeddedHiveMQ hivemq, Path home, boolean deleteHome, int port) {
        this.hivemq = hivemq;
        this.home = home;
        this.deleteHome = deleteHome;
        this.port = port;
    }

    /**
     * Starts a broker on 127.0.0.1:{@code port} (0: a free port). State lives in
     * {@code dataDir}, or in a temporary folder deleted on close when {@code dataDir} is null.
     */
    public static EmbeddedBroker start(int port, Path dataDir) throws IOException {
        int actualPort = port != 0 ? port : freePort();
        boolean temporary = dataDir == null;
        Path home = temporary ? Files.createTempDirectory("sngate-broker-") : dataDir;
        Path conf = Files.createDirectories(home.resolve("conf"));
        Path data = Files.createDirectories(home.resolve("data"));
        Path extensions = Files.createDirectories(home.resolve("extensions"));
        Files.writeString(conf.resolve("config.xml"), """
                <?xml version="1.0"?>
                <hivemq>
                    <listeners>
                        <tcp-listener>
                            <port>%d</port>
                            <bind-address>127.0.0.1</bind-address>
                        </tcp-listener>
                    </listeners>
                    <anonymous-usage-statistics>
                        <enabled>false</enabled>
                    </anonymous-usage-statistics>
                </hivemq>
                """.formatted(actualPort), StandardCharsets.UTF_8);
        // HiveMQ reconfigures logging from its conf folder at start: give it ours.
        try (java.io.InputStream logging = EmbeddedBroker.class.getResourceAsStream("logback.xml")) {
            if (logging != null) {
                Files.copy(logging, conf.resolve("logback.xml"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        // The Java (Xodus) stores instead of RocksDB: no native library to unpack, lighter on a Pi.
        InternalConfigurations.PAYLOAD_PERSISTENCE_TYPE.set(PersistenceType.FILE);
        InternalConfigurations.RETAINED_MESSAGE_PERSISTENCE_TYPE.set(PersistenceType.FILE);
        EmbeddedHiveMQ hivemq = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(conf)
                .withDataFolder(data)
                .withExtensionsFolder(extensions)
                .build();
        try {
            hivemq.start().join();
        } catch (RuntimeException e) {
            closeQuietly(hivemq);
            throw new IOException("the embedded broker did not start on 127.0.0.1:" + actualPort + ": "
                    + rootMessage(e), e);
        }
        return new EmbeddedBroker(hivemq, home, temporary, actualPort);
    }

    public int port() {
        return port;
    }

    public String uri() {
        return "tcp://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        try {
            hivemq.stop().join();
        } finally {
            closeQuietly(hivemq);
            if (deleteHome) {
                deleteTree(home);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
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
