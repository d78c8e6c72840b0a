package io.sngate.hw.config;

import io.sngate.hw.config.devices.DevicesFile;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;

/**
 * A validated gateway configuration: every {@link GatewaySettings} key has a typed value
 * (its default unless the YAML file or a flag said otherwise), plus what was derived from
 * them (the broker address, the predefined topics read from their file, the devices file).
 */
public final class GatewayConfig {

    /** An external broker's address. */
    public record BrokerAddress(String host, int port) {
        public String uri() {
            return "tcp://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    private final Map<Setting<?>, Object> values;
    private final Optional<BrokerAddress> broker;
    private final PredefinedTopicsFile.Contents predefined;
    private final DevicesFile devices;
    private final HardwareConfig hardware;

    GatewayConfig(Map<Setting<?>, Object> values, Optional<BrokerAddress> broker, PredefinedTopicsFile.Contents predefined,
            DevicesFile devices, HardwareConfig hardware) {
        this.values = Collections.unmodifiableMap(values);
        this.broker = broker;
        this.predefined = predefined;
        this.devices = devices;
        this.hardware = hardware;
    }

    public <T> T get(Setting<T> setting) {
        @SuppressWarnings("unchecked")
        T value = (T) values.get(setting);
        return value != null ? value : setting.defaultValue();
    }

    /** The external broker, or empty when the gateway runs its embedded one. */
    public Optional<BrokerAddress> broker() {
        return broker;
    }

    /** Predefined topic ids every client knows (from {@code predefined.file}). */
    public Map<Integer, String> predefinedTopics() {
        return predefined.gatewayWide();
    }

    /**
     * Predefined topic ids of single clients, by client id (Paho-style lines of
     * {@code predefined.file}). For its client, such an id wins over the same id in
     * {@link #predefinedTopics()}.
     */
    public Map<String, Map<Integer, String>> perClientPredefinedTopics() {
        return predefined.perClient();
    }

    /** Who may connect, as what ({@code devices.file}); {@link DevicesFile#EMPTY} when no file is set. */
    public DevicesFile devices() {
        return devices;
    }

    /** Serial lines, XBee radios and GPIO ({@link HardwareConfig#NONE} for a UDP-only gateway). */
    public HardwareConfig hardware() {
        return hardware;
    }

    /** This configuration with other hardware (tests and embedding code use it). */
    public GatewayConfig withHardware(HardwareConfig other) {
        return new GatewayConfig(values, broker, predefined, devices, other);
    }

    /** This configuration with one value replaced (tests and embedding code use it). */
    public <T> GatewayConfig with(Setting<T> setting, T value) throws ConfigError {
        Map<Setting<?>, Object> copy = new java.util.HashMap<>(values);
        copy.put(setting, value);
        return ConfigLoader.finish(copy).withHardware(hardware);
    }
}
