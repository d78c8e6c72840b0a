package io.sngate.gateway.it;

import io.sngate.gateway.Gateway;
import io.sngate.gateway.Metrics;
import io.sngate.gateway.testing.Mosquitto;
import io.sngate.hw.config.ConfigError;
import io.sngate.hw.config.ConfigLoader;
import io.sngate.hw.config.GatewayConfig;
import io.sngate.hw.config.GatewayMode;
import io.sngate.hw.config.GatewaySettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real gateway (in this JVM) on 127.0.0.1 with a free UDP port, talking to a real broker:
 * a mosquitto it owns or shares, or the embedded HiveMQ. Timers are shortened for tests
 * (T_RETRY 1 s, 2 retries, broker reconnection backoff capped at 0.5 s; keep-alive factor 1.5);
 * no ADVERTISE unless a test asks for it. Predefined topic ids come from a file passed with
 * {@code --predefined}.
 */
final class TestGateway implements AutoCloseable {

    /** The predefined topic ids every test gateway knows (file lines {@code id,topic}). */
    static final Map<Integer, String> PREDEFINED = new TreeMap<>(Map.of(
            100, "it/predefined/qos-minus-one",
            101, "it/predefined/subscribed",
            102, "it/predefined/sleep",
            103, "it/predefined/forwarded"));

    /** Changes the test configuration before the gateway starts. */
    interface Tweak {
        GatewayConfig apply(GatewayConfig config) throws ConfigError;
    }

    private static final Pattern READY_BROKER = Pattern.compile(" broker=(\\S+) ");

    final Setup setup;
    final Gateway gateway;
    final String brokerUri;
    private final LoggedMosquitto ownBroker;
    private final Path predefinedFile;

    private TestGateway(Setup setup, Gateway gateway, String brokerUri, LoggedMosquitto ownBroker, Path predefinedFile) {
        this.setup = setup;
        this.gateway = gateway;
        this.brokerUri = brokerUri;
        this.ownBroker = ownBroker;
        this.predefinedFile = predefinedFile;
    }

    /** A gateway in {@code setup}, with its own mosquitto when the set-up uses one. */
    static TestGateway start(Setup setup, Tweak tweak) throws Exception {
        LoggedMosquitto broker = setup.mosquitto ? LoggedMosquitto.start() : null;
        try {
            return start(setup.mode, broker == null ? null : broker.broker, null, broker, setup, tweak);
        } catch (Exception | Error e) {
            if (broker != null) {
                broker.close();
            }
            throw e;
        }
    }

    static TestGateway start(Setup setup) throws Exception {
        return start(setup, c -> c);
    }

    /** A transparent gateway on a mosquitto the caller owns (and keeps running after close). */
    static TestGateway on(Mosquitto shared, Tweak tweak) throws Exception {
        return start(GatewayMode.TRANSPARENT, shared, null, null, Setup.TRANSPARENT_MOSQUITTO, tweak);
    }

    /**
     * A gateway in {@code mode} that reaches {@code broker} at {@code gatewayUri} (its TLS
     * listener, say), while observers use the broker's plain listener. The caller owns the broker.
     */
    static TestGateway via(GatewayMode mode, Mosquitto broker, String gatewayUri, Tweak tweak) throws Exception {
        Setup setup = mode == GatewayMode.AGGREGATING ? Setup.AGGREGATING_MOSQUITTO : Setup.TRANSPARENT_MOSQUITTO;
        return start(mode, broker, gatewayUri, null, setup, tweak);
    }

    /**
     * @param gatewayUri where the gateway reaches {@code broker}; null: its plain listener, as observers do
     */
    private static TestGateway start(GatewayMode mode, Mosquitto broker, String gatewayUri, LoggedMosquitto owned,
                                     Setup setup, Tweak tweak)
            throws Exception {
        Path predefined = writePredefinedFile();
        List<String> args = new ArrayList<>(List.of("--port", "0", "--mode", mode.name().toLowerCase(),
                "--predefined", predefined.toString(), "--advertise", "0"));
        if (broker != null) {
            args.addAll(List.of("--broker", gatewayUri != null ? gatewayUri : broker.uri()));
        }
        GatewayConfig config = ConfigLoader.fromArgs(args)
                .with(GatewaySettings.UDP_BIND, "127.0.0.1")
                .with(GatewaySettings.UDP_BROADCAST, "")
                .with(GatewaySettings.EMBEDDED_PORT, 0)
                .with(GatewaySettings.KEEP_ALIVE_FACTOR, 1.5)
                .with(GatewaySettings.RETRY_SECONDS, 1.0)
                .with(GatewaySettings.MAX_RETRIES, 2)
                .with(GatewaySettings.RECONNECT_MAX_SECONDS, 0.5);
        config = tweak.apply(config);
        Gateway gateway;
        try {
            gateway = Gateway.start(config);
        } catch (Exception | Error e) {
            Files.deleteIfExists(predefined);
            throw e;
        }
        String uri = broker != null ? broker.uri() : brokerUriOf(gateway.readyLine());
        return new TestGateway(setup, gateway, uri, owned, predefined);
    }

    static Path writePredefinedFile() throws IOException {
        Path file = Files.createTempFile("sngate-it-predefined-", ".csv");
        StringBuilder text = new StringBuilder("# predefined topics of the integration tests\n");
        PREDEFINED.forEach((id, topic) -> text.append(id).append(',').append(topic).append('\n'));
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    private static String brokerUriOf(String readyLine) {
        Matcher m = READY_BROKER.matcher(readyLine);
        if (!m.find()) {
            throw new AssertionError("no broker in the ready line: " + readyLine);
        }
        return m.group(1);
    }

    int udpPort() {
        return gateway.udpPort();
    }

    Metrics metrics() {
        return gateway.metrics();
    }

    long metric(String name) {
        return gateway.metrics().get(name);
    }

    /** Sessions the gateway holds now, whatever their state. */
    int sessionCount() {
        return gateway.sessionCount();
    }

    /** Sessions counted per source IP for limits.max-sessions-per-source-ip. */
    Map<Object, Integer> sessionsPerSource() {
        return gateway.sessionsPerSource();
    }

    /** A scripted device (its own UDP socket) that talks to this gateway. */
    Device device(String clientId) {
        return new Device(udpPort(), clientId);
    }

    int dtlsPort() {
        return gateway.dtlsPort();
    }

    /** A device on the DTLS listener with a pre-shared key. */
    Device pskDevice(String clientId, String identity, byte[] key) {
        return new Device(io.sngate.gateway.testing.DtlsDevice.psk(dtlsPort(), identity, key), clientId);
    }

    Observer observer(String clientId) throws Exception {
        return Observer.connect(brokerUri, clientId);
    }

    @Override
    public void close() {
        try {
            gateway.close();
        } finally {
            try {
                Files.deleteIfExists(predefinedFile);
            } catch (IOException e) {
                // best effort
            }
            if (ownBroker != null) {
                ownBroker.close();
            }
        }
    }

    /** The mosquitto this gateway owns (null when it shares one or runs the embedded broker). */
    LoggedMosquitto ownMosquitto() {
        return ownBroker;
    }
}
