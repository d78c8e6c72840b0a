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

    /** An external broker's address, and whether the connection to it is TLS ({@code ssl://}). */
    public record BrokerAddress(String host, int port, boolean tls) {

        /** A plain TCP address. */
        public BrokerAddress(String host, int port) {
            this(host, port, false);
        }

        public String uri() {
            return (tls ? "ssl://" : "tcp://") + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /**
     * What the broker settings derive, read from their files at start: the upstream password in
     * force, the TLS material of an {@code ssl://} broker, the embedded broker's TLS identity and
     * users. The environment is kept (only what sngate reads of it) so that {@link #with} derives
     * the same.
     */
    record BrokerSecrets(Optional<String> password, Optional<BrokerTls> tls, Optional<TlsIdentity> embeddedTls,
                         Map<String, String> embeddedUsers, Map<String, String> environment) {

        static final BrokerSecrets NONE = new BrokerSecrets(Optional.empty(), Optional.empty(), Optional.empty(),
                Map.of(), Map.of());

        /** Passwords stay out of logs. */
        @Override
        public String toString() {
            return "BrokerSecrets[password=" + (password.isPresent() ? "***" : "-") + ", tls=" + tls
                    + ", embeddedTls=" + embeddedTls + ", embeddedUsers=" + embeddedUsers.keySet() + "]";
        }
    }

    private final Map<Setting<?>, Object> values;
    private final Optional<BrokerAddress> broker;
    private final PredefinedTopicsFile.Contents predefined;
    private final DevicesFile devices;
    private final HardwareConfig hardware;
    private final BrokerSecrets secrets;

    GatewayConfig(Map<Setting<?>, Object> values, Optional<BrokerAddress> broker, PredefinedTopicsFile.Contents predefined,
            DevicesFile devices, HardwareConfig hardware, BrokerSecrets secrets) {
        this.values = Collections.unmodifiableMap(values);
        this.broker = broker;
        this.predefined = predefined;
        this.devices = devices;
        this.hardware = hardware;
        this.secrets = secrets;
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

    /**
     * The password of the gateway's own broker connections: {@code broker.password}, else the
     * content of {@code broker.password-file}, else the environment variable
     * {@value ConfigLoader#PASSWORD_VARIABLE}; empty when none is set.
     */
    public Optional<String> brokerPassword() {
        return secrets.password();
    }

    /** The TLS settings of an {@code ssl://} broker; empty for {@code tcp://} and the embedded broker. */
    public Optional<BrokerTls> brokerTls() {
        return secrets.tls();
    }

    /** The embedded broker's certificate and key when it has a TLS listener ({@code broker.embedded-tls-port}). */
    public Optional<TlsIdentity> embeddedTlsIdentity() {
        return secrets.embeddedTls();
    }

    /**
     * The embedded broker's users and their passwords ({@code broker.embedded-password-file});
     * empty: no login is asked.
     */
    public Map<String, String> embeddedUsers() {
        return secrets.embeddedUsers();
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
        return new GatewayConfig(values, broker, predefined, devices, other, secrets);
    }

    /**
     * This configuration with several values replaced at once: keys that are only valid together
     * (a certificate and its key) cannot be set one by one.
     *
     * @throws IllegalArgumentException when a value is not of its setting's type
     */
    public GatewayConfig with(Map<Setting<?>, ?> changes) throws ConfigError {
        Map<Setting<?>, Object> copy = new java.util.HashMap<>(values);
        for (Map.Entry<Setting<?>, ?> change : changes.entrySet()) {
            Object defaultValue = change.getKey().defaultValue();
            if (!defaultValue.getClass().isInstance(change.getValue())) {
                throw new IllegalArgumentException(change.getKey().path() + " takes a " + defaultValue.getClass()
                        .getSimpleName() + ", not " + change.getValue());
            }
            copy.put(change.getKey(), change.getValue());
        }
        return ConfigLoader.finish(copy, hardware, secrets.environment());
    }

    /** This configuration with one value replaced (tests and embedding code use it). */
    public <T> GatewayConfig with(Setting<T> setting, T value) throws ConfigError {
        Map<Setting<?>, Object> copy = new java.util.HashMap<>(values);
        copy.put(setting, value);
        return ConfigLoader.finish(copy, hardware, secrets.environment());
    }
}
