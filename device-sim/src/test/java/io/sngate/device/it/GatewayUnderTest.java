package io.sngate.device.it;

import io.sngate.gateway.Gateway;
import io.sngate.gateway.testing.Mosquitto;
import io.sngate.hw.config.ConfigLoader;
import io.sngate.hw.config.GatewayConfig;
import io.sngate.hw.config.GatewayMode;
import io.sngate.hw.config.GatewaySettings;
import io.sngate.hw.config.HardwareConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A real mosquitto with our gateway in front of it on a free UDP port (no advertising), shared
 * by the tests of one class.
 */
public final class GatewayUnderTest implements AutoCloseable {

    public final Mosquitto broker;
    public final Gateway gateway;
    private final Path predefinedFile;

    private GatewayUnderTest(Mosquitto broker, Gateway gateway, Path predefinedFile) {
        this.broker = broker;
        this.gateway = gateway;
        this.predefinedFile = predefinedFile;
    }

    public static GatewayUnderTest start(GatewayMode mode, Map<Integer, String> predefined) throws Exception {
        return start(mode, predefined, HardwareConfig.NONE);
    }

    /**
     * With serial lines and XBee radios beside UDP. An XBee radio must answer at once (the
     * gateway's start waits for its setup), so its emulator is opened before this is called.
     */
    public static GatewayUnderTest start(GatewayMode mode, Map<Integer, String> predefined, HardwareConfig hardware)
            throws Exception {
        return start(mode, predefined, hardware, config -> config);
    }

    /** Changes the configuration before the gateway starts (a DTLS listener, a devices file...). */
    public interface Tweak {
        GatewayConfig apply(GatewayConfig config) throws Exception;
    }

    public static GatewayUnderTest start(GatewayMode mode, Map<Integer, String> predefined, HardwareConfig hardware,
                                         Tweak tweak) throws Exception {
        Mosquitto broker = Mosquitto.start();
        Path file = null;
        try {
            List<String> args = new ArrayList<>(List.of("--port", "0", "--broker", broker.uri(),
                    "--mode", mode.name().toLowerCase()));
            if (!predefined.isEmpty()) {
                file = Files.createTempFile("sngate-predefined-", ".csv");
                List<String> lines = new ArrayList<>();
                lines.add("# predefined topics for the device-sim integration tests");
                new TreeMap<>(predefined).forEach((id, topic) -> lines.add(id + "," + topic));
                Files.write(file, lines, StandardCharsets.UTF_8);
                args.add("--predefined");
                args.add(file.toString());
            }
            GatewayConfig config = tweak.apply(ConfigLoader.fromArgs(args)
                    .with(GatewaySettings.ADVERTISE_SECONDS, 0)
                    .with(GatewaySettings.UDP_BROADCAST, "")
                    .withHardware(hardware));
            return new GatewayUnderTest(broker, Gateway.start(config), file);
        } catch (Exception | Error e) {
            broker.close();
            throw e;
        }
    }

    public int udpPort() {
        return gateway.udpPort();
    }

    /** The DTLS listener's port (the gateway was started with dtls.port). */
    public int dtlsPort() {
        return gateway.dtlsPort();
    }

    public String brokerUri() {
        return broker.uri();
    }

    public long metric(String name) {
        return gateway.metrics().get(name);
    }

    @Override
    public void close() {
        try {
            gateway.close();
        } finally {
            broker.close();
            if (predefinedFile != null) {
                try {
                    Files.deleteIfExists(predefinedFile);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }
}
