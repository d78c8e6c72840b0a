package io.sngate.hw.config;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;

/**
 * A validated gateway configuration: every {@link GatewaySettings} key has a typed value
 * (its default unless the YAML file or a flag said otherwise), plus what was derived from
 * them (the broker address, the predefined topics read from their file).
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
    private final Map<Integer, String> predefinedTopics;
    private final HardwareConfig hardware;

    GatewayConfig(Map<Setting<?>, Object> values, Optional<BrokerAddress> broker, Map<Integer, String> predefinedTopics,
            HardwareConfig hardware) {
        this.values = Collections.unmodifiableMap(values);
        this.broker = broker;
        this.predefinedTopics = Collections.unmodifiableMap(predefinedTopics);
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

    public Map<Integer, String> predefinedTopics() {
        return predefinedTopics;
    }

    /** Serial lines, XBee radios and GPIO ({@link HardwareConfig#NONE} for a UDP-only gateway). */
    public HardwareConfig hardware() {
        return hardware;
    }

    /** This configuration with other hardware (tests and embedding code use it). */
    public GatewayConfig withHardware(HardwareConfig other) {
        return new GatewayConfig(values, broker, predefinedTopics, other);
    }

    /** This configuration with one value replaced (tests and embedding code use it). */
    public <T> GatewayConfig with(Setting<T> setting, T value) throws ConfigError {
        Map<Setting<?>, Object> copy = new java.util.HashMap<>(values);
        copy.put(setting, value);
        return ConfigLoader.finish(copy).withHardware(hardware);
    }
}
