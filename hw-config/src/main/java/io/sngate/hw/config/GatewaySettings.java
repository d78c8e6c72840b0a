package io.sngate.hw.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every gateway configuration key, in the order the README documents them. */
public final class GatewaySettings {

    public static final Setting<Integer> UDP_PORT = new Setting<>("udp.port", "--port", "integer", 1883,
            "UDP port for MQTT-SN devices (IPv4 and IPv6); 0 picks a free port",
            Setting.intRange(0, 65535));
    public static final Setting<String> UDP_BIND = new Setting<>("udp.bind", null, "address", "",
            "address to listen on; empty listens on every IPv4 and IPv6 address",
            Setting.string());
    public static final Setting<Boolean> NATIVE_IO = new Setting<>("udp.native-io", null, "boolean", true,
            "Linux's native epoll for the sockets when it loads (x86-64, aarch64): less CPU per message"
                    + " and batched UDP reads; false, or any other system, uses Java NIO",
            Setting.bool());
    public static final Setting<String> UDP_BROADCAST = new Setting<>("udp.broadcast", null, "HOST:PORT",
            "255.255.255.255:1883", "where ADVERTISE is broadcast; empty sends none",
            Setting.hostPort());
    public static final Setting<String> BROKER_URI = new Setting<>("broker.uri", "--broker", "URI", "",
            "external MQTT 5 broker: tcp://HOST:PORT (port 1883 if left out), or ssl://HOST:PORT for TLS (8883);"
                    + " mqtt:// and mqtts:// too; empty starts the embedded broker",
            Setting.string());
    public static final Setting<String> BROKER_USERNAME = new Setting<>("broker.username", null, "string", "",
            "user name for the upstream connection(s); empty sends none",
            Setting.string());
    public static final Setting<String> BROKER_PASSWORD = new Setting<>("broker.password", null, "string", "",
            "password for the upstream connection(s); empty: broker.password-file, else the environment variable "
                    + "SNGATE_BROKER_PASSWORD, else none",
            Setting.string());
    public static final Setting<String> BROKER_PASSWORD_FILE = new Setting<>("broker.password-file", null, "path", "",
            "file holding that password (one trailing newline is ignored), so it stays out of this file; "
                    + "not together with broker.password",
            Setting.string());
    public static final Setting<String> BROKER_TLS_CA_FILE = new Setting<>("broker.tls.ca-file", null, "path", "",
            "PEM certificate(s) of the CA that signed the broker's certificate (ssl:// only); empty trusts the "
                    + "Java runtime's CAs",
            Setting.string());
    public static final Setting<String> BROKER_TLS_CERT_FILE = new Setting<>("broker.tls.cert-file", null, "path", "",
            "PEM client certificate (chain) the gateway shows a broker that asks for one; needs broker.tls.key-file",
            Setting.string());
    public static final Setting<String> BROKER_TLS_KEY_FILE = new Setting<>("broker.tls.key-file", null, "path", "",
            "the client certificate's private key, PKCS#8 PEM (BEGIN PRIVATE KEY, or BEGIN ENCRYPTED PRIVATE KEY)",
            Setting.string());
    public static final Setting<String> BROKER_TLS_KEY_PASSWORD_FILE = new Setting<>("broker.tls.key-password-file",
            null, "path", "", "file holding the password of an encrypted broker.tls.key-file",
            Setting.string());
    public static final Setting<Boolean> BROKER_TLS_VERIFY_HOSTNAME = new Setting<>("broker.tls.verify-hostname", null,
            "boolean", true, "the broker's certificate must name the host of broker.uri; false accepts any "
                    + "certificate the CA signed (a WARN at every start)",
            Setting.bool());
    public static final Setting<Double> RECONNECT_MAX_SECONDS = new Setting<>("broker.reconnect-max-seconds", null,
            "seconds", 30.0, "longest wait between attempts to reach a broker that went away (backoff cap)",
            Setting.doubleRange(0.01, 3600));
    public static final Setting<Boolean> BROKER_REQUIRE = new Setting<>("broker.require", "--require-broker",
            "boolean", false, "the start fails (exit code 3) unless the broker accepts the gateway's connection, with "
                    + "its credentials, within broker.require-timeout-seconds; false starts anyway and says so in the "
                    + "ready line", Setting.bool());
    public static final Setting<Double> BROKER_REQUIRE_TIMEOUT = new Setting<>("broker.require-timeout-seconds", null,
            "seconds", 10.0, "how long the start waits for the broker: with broker.require, for its acceptance; "
                    + "without, for a first answer to put in the ready line", Setting.doubleRange(0.1, 3600));
    public static final Setting<String> EMBEDDED_BIND = new Setting<>("broker.embedded-bind", null, "address",
            "127.0.0.1", "IP address the embedded broker listens on (only without broker.uri); with "
                    + "broker.embedded-tls-port, only its TLS port does and TCP stays on 127.0.0.1; 0.0.0.0 or :: "
                    + "is every address",
            Setting.string());
    public static final Setting<Integer> EMBEDDED_PORT = new Setting<>("broker.embedded-port", null, "integer", 1883,
            "TCP port of the embedded broker; 0 picks a free port",
            Setting.intRange(0, 65535));
    public static final Setting<Integer> EMBEDDED_TLS_PORT = new Setting<>("broker.embedded-tls-port", null, "integer",
            0, "TLS port of the embedded broker, beside its TCP port; 0: no TLS listener",
            Setting.intRange(0, 65535));
    public static final Setting<String> EMBEDDED_TLS_CERT_FILE = new Setting<>("broker.embedded-tls-cert-file", null,
            "path", "", "PEM certificate (chain) of the embedded broker's TLS listener",
            Setting.string());
    public static final Setting<String> EMBEDDED_TLS_KEY_FILE = new Setting<>("broker.embedded-tls-key-file", null,
            "path", "", "its private key, unencrypted PKCS#8 PEM (BEGIN PRIVATE KEY)",
            Setting.string());
    public static final Setting<String> EMBEDDED_PASSWORD_FILE = new Setting<>("broker.embedded-password-file", null,
            "path", "", "lines user:password, '#' lines are comments: every client of the embedded broker must log in "
                    + "as one of them, the gateway too (broker.username); empty: no login",
            Setting.string());
    public static final Setting<String> EMBEDDED_DATA_DIR = new Setting<>("broker.embedded-data-dir", null, "path", "",
            "where the embedded broker keeps sessions and messages; empty: a temporary folder, lost at exit",
            Setting.string());
    public static final Setting<GatewayMode> MODE = new Setting<>("mode", "--mode", "transparent|aggregating",
            GatewayMode.TRANSPARENT, "transparent: one broker connection per device; aggregating: one shared",
            Setting.oneOf(GatewayMode.class));
    public static final Setting<Integer> GATEWAY_ID = new Setting<>("gateway.id", "--gateway-id", "integer", 1,
            "GwId in ADVERTISE and GWINFO", Setting.intRange(0, 255));
    public static final Setting<Integer> ADVERTISE_SECONDS = new Setting<>("gateway.advertise-seconds",
            "--advertise", "integer", 900, "ADVERTISE broadcast period (T_ADV); 0 turns advertising off",
            Setting.intRange(0, 65535));
    public static final Setting<String> PREDEFINED_FILE = new Setting<>("predefined.file", "--predefined", "path", "",
            "predefined topic ids, lines 'id,topic' or Paho's 'client,topic,id' ('*': every client; '#' starts a comment);"
                    + " reloaded on SIGHUP for sessions that start after it",
            Setting.string());
    public static final Setting<Boolean> QOS_MINUS_ONE = new Setting<>("qos-minus-one.enabled", null, "boolean", true,
            "accept QoS -1 publishes (predefined and short topics, no connection needed)",
            Setting.bool());
    public static final Setting<Integer> MAX_CLIENTS = new Setting<>("limits.max-clients", null, "integer", 10_000,
            "sessions the gateway keeps; a CONNECT beyond gets CONNACK 0x01 (congestion)",
            Setting.intRange(1, 10_000_000));
    public static final Setting<Integer> MAX_PACKET_SIZE = new Setting<>("limits.max-packet-size", null, "bytes", 65_507,
            "largest MQTT-SN packet accepted or sent on UDP (65 507: all a datagram carries); larger ones are counted and dropped",
            Setting.intRange(16, 65_535));
    public static final Setting<Integer> MAX_CLIENT_ID = new Setting<>("limits.max-client-id-length", null, "bytes",
            65_000, "longest client id accepted", Setting.intRange(1, 65_000));
    public static final Setting<Integer> MAX_QUEUED = new Setting<>("limits.max-queued-per-client", null, "integer", 100,
            "messages held for one device (asleep or slow); also the upstream Receive Maximum",
            Setting.intRange(1, 65_535));
    public static final Setting<Integer> MAX_INFLIGHT_UPSTREAM = new Setting<>("limits.max-inflight-upstream-per-client",
            null, "integer", 16, "device publishes awaiting the broker; beyond, PUBACK 0x01 (congestion)",
            Setting.intRange(1, 65_535));
    public static final Setting<Integer> MAX_TOPICS = new Setting<>("limits.max-topics-per-client", null, "integer",
            1_000, "normal topic ids one device may hold", Setting.intRange(1, 65_000));
    public static final Setting<Integer> MAX_SESSIONS_PER_IP = new Setting<>("limits.max-sessions-per-source-ip", null,
            "integer", 1_000, "sessions one source IP (IPv6: one /64) may hold; a CONNECT beyond gets CONNACK 0x01 (congestion)",
            Setting.intRange(1, 10_000_000));
    public static final Setting<Integer> MAX_KEEP_ALIVE = new Setting<>("limits.max-keep-alive-seconds", null, "seconds",
            3_600, "keep-alive 0 (none) and longer keep-alives are supervised at this, so every session ends",
            Setting.intRange(1, 65_535));
    public static final Setting<Integer> MAX_NEW_PACKETS_PER_SECOND = new Setting<>(
            "limits.max-new-packets-per-second-per-ip", null, "integer", 1_000,
            "flood guard, strict: CONNECT, SEARCHGW, QoS -1 PUBLISH and packets from addresses without a session, "
                    + "per source IP (IPv6: one /64); beyond, counted and dropped",
            Setting.intRange(1, 10_000_000));
    public static final Setting<Integer> MAX_SESSION_PACKETS_PER_SECOND = new Setting<>(
            "limits.max-packets-per-second-per-session", null, "integer", 20_000,
            "flood guard, generous: packets of an established session, per session; beyond, counted and dropped",
            Setting.intRange(1, 10_000_000));
    public static final Setting<Integer> UNPROVEN_SEND_BYTES = new Setting<>("limits.unproven-send-bytes", null, "bytes",
            64, "PUBLISH and REGISTER bytes sent to a device before it has shown it receives (answered a message id the "
                    + "gateway chose); bounds reflection to forged source addresses",
            Setting.intRange(0, 65_535));
    public static final Setting<Double> RETRY_SECONDS = new Setting<>("timers.retry-seconds", null, "seconds", 10.0,
            "T_RETRY: wait for a device's answer before resending", Setting.doubleRange(0.01, 3600));
    public static final Setting<Integer> MAX_RETRIES = new Setting<>("timers.max-retries", null, "integer", 3,
            "N_RETRY: resends before a device counts as lost", Setting.intRange(0, 100));
    public static final Setting<Double> KEEP_ALIVE_FACTOR = new Setting<>("timers.keep-alive-factor", null, "number",
            1.5, "a device is lost after keep-alive (or sleep duration) x this", Setting.doubleRange(1.0, 10.0));
    public static final Setting<Long> CLEAN_SESSION_EXPIRY = new Setting<>("sessions.clean-expiry-seconds", null,
            "seconds", 300L, "broker session expiry for clean-session devices, to ride out outages and restarts",
            Setting.longRange(0, 4_294_967_295L));
    public static final Setting<Long> PERSISTENT_SESSION_EXPIRY = new Setting<>("sessions.persistent-expiry-seconds",
            null, "seconds", 604_800L, "broker session expiry for devices connecting with clean session 0",
            Setting.longRange(0, 4_294_967_295L));
    public static final Setting<String> DEVICES_FILE = new Setting<>("devices.file", null, "path", "",
            "who may connect, as what: a devices YAML file, or Paho's clients.conf (*.conf); reloaded on SIGHUP",
            Setting.string());
    public static final Setting<Boolean> DEVICES_REQUIRE_LISTED = new Setting<>("devices.require-listed", null,
            "boolean", false, "refuse client ids that the devices file does not list (CONNACK 0x03)",
            Setting.bool());

    public static final Setting<Integer> DTLS_PORT = new Setting<>("dtls.port", "--dtls-port", "integer", 0,
            "UDP port of the DTLS 1.2 listener for devices, beside plain UDP; 0: no DTLS listener",
            Setting.intRange(0, 65535));
    public static final Setting<String> DTLS_BIND = new Setting<>("dtls.bind", null, "address", "",
            "address the DTLS listener binds; empty: every IPv4 and IPv6 address",
            Setting.string());
    public static final Setting<String> DTLS_PSK_FILE = new Setting<>("dtls.psk-file", null, "path", "",
            "pre-shared keys, lines 'identity,hexkey' ('#' starts a comment); reloaded when it changes and on SIGHUP",
            Setting.string());
    public static final Setting<String> DTLS_CERT_FILE = new Setting<>("dtls.cert-file", null, "path", "",
            "the gateway's X.509 certificate chain (PEM, EC key) for certificate handshakes",
            Setting.string());
    public static final Setting<String> DTLS_KEY_FILE = new Setting<>("dtls.key-file", null, "path", "",
            "the private key of dtls.cert-file (PEM, PKCS#8 or EC)",
            Setting.string());
    public static final Setting<String> DTLS_CA_FILE = new Setting<>("dtls.ca-file", null, "path", "",
            "CA certificates (PEM) that device certificates must chain to",
            Setting.string());
    public static final Setting<DtlsClientAuth> DTLS_CLIENT_AUTH = new Setting<>("dtls.client-auth", null,
            "needed|wanted|none", DtlsClientAuth.NEEDED,
            "whether a device handshaking with certificates must show its own (PSK devices are not affected)",
            Setting.oneOf(DtlsClientAuth.class));
    public static final Setting<Boolean> DTLS_RAW_PUBLIC_KEYS = new Setting<>("dtls.raw-public-keys", null, "boolean",
            false, "also accept raw public keys (RFC 7250): a device's identity is then its key's ni:///sha-256 name,"
                    + " which a devices-file dtls-identity must name", Setting.bool());
    public static final Setting<String> DTLS_CIPHER_SUITES = new Setting<>("dtls.cipher-suites", null, "list",
            "TLS_PSK_WITH_AES_128_CCM_8,TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,TLS_PSK_WITH_AES_128_GCM_SHA256,"
                    + "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "cipher suites in order of preference, comma-separated; those the configured keys cannot serve are left out",
            Setting.string());
    public static final Setting<Integer> DTLS_CONNECTION_ID_LENGTH = new Setting<>("dtls.connection-id-length", null,
            "bytes", 6, "Connection ID (RFC 9146) the gateway gives each device, so a device whose address changes"
                    + " keeps its DTLS and MQTT-SN session; 0: no Connection IDs",
            Setting.intRange(0, 16));
    public static final Setting<Integer> DTLS_MAX_SESSIONS = new Setting<>("dtls.max-sessions", null, "integer", 10_000,
            "DTLS sessions kept at most; beyond, new handshakes fail until a session ends or expires",
            Setting.intRange(1, 1_000_000));
    public static final Setting<Long> DTLS_SESSION_EXPIRY = new Setting<>("dtls.session-expiry-seconds", null, "seconds",
            86_400L, "a DTLS session silent this long is closed (the device handshakes again)",
            Setting.longRange(60, 31_536_000));
    public static final Setting<Integer> DTLS_HANDSHAKES_PER_SECOND = new Setting<>(
            "dtls.max-handshakes-per-second-per-ip", null, "integer", 10,
            "handshakes (ClientHellos with a valid-looking cookie) one source IP may start per second; beyond, dropped",
            Setting.intRange(1, 1_000_000));
    public static final Setting<DtlsIdentityBinding> DTLS_IDENTITY_BINDING = new Setting<>("dtls.identity-binding",
            null, "exact|mapped", DtlsIdentityBinding.EXACT,
            "exact: a DTLS device connects only as its identity or as a client id whose devices-file entry names it;"
                    + " mapped: only such entries bind", Setting.oneOf(DtlsIdentityBinding.class));
    public static final Setting<String> LOG_LEVEL = new Setting<>("log.level", "--log-level",
            "error|warn|info|debug|trace", "", "how much the gateway logs (debug: every packet in and out, with its "
                    + "address); empty: the environment variable SNGATE_LOG_LEVEL, else info",
            Setting.logLevel());
    public static final Setting<LogFormat> LOG_FORMAT = new Setting<>("log.format", "--log-format", "text|json",
            LogFormat.TEXT, "text: one line per event for people; json: one JSON object per line (logback's "
                    + "JsonEncoder) for a log collector", Setting.oneOf(LogFormat.class));

    public static final Setting<Integer> ADMIN_PORT = new Setting<>("admin.port", null, "integer", 0,
            "TCP port of the admin HTTP server (JSON API under /api, /metrics, /health, /ready, the status page at /);"
                    + " 0: no admin server", Setting.intRange(0, 65535));
    public static final Setting<String> ADMIN_BIND = new Setting<>("admin.bind", null, "address", "127.0.0.1",
            "address the admin server listens on; anything but loopback exposes the API (use admin.token-file)",
            Setting.string());
    public static final Setting<String> ADMIN_TOKEN_FILE = new Setting<>("admin.token-file", null, "path", "",
            "file holding a bearer token (one trailing newline is ignored): every path but /health then needs "
                    + "'Authorization: Bearer <token>'; empty: no token asked",
            Setting.string());

    /** All keys by YAML path, in documentation order. */
    public static final Map<String, Setting<?>> ALL = index(List.of(UDP_PORT, UDP_BIND, NATIVE_IO, UDP_BROADCAST,
            BROKER_URI, BROKER_USERNAME, BROKER_PASSWORD, BROKER_PASSWORD_FILE, BROKER_TLS_CA_FILE,
            BROKER_TLS_CERT_FILE, BROKER_TLS_KEY_FILE, BROKER_TLS_KEY_PASSWORD_FILE, BROKER_TLS_VERIFY_HOSTNAME,
            RECONNECT_MAX_SECONDS, BROKER_REQUIRE, BROKER_REQUIRE_TIMEOUT, EMBEDDED_BIND, EMBEDDED_PORT, EMBEDDED_TLS_PORT,
            EMBEDDED_TLS_CERT_FILE,
            EMBEDDED_TLS_KEY_FILE, EMBEDDED_PASSWORD_FILE, EMBEDDED_DATA_DIR, MODE, GATEWAY_ID, ADVERTISE_SECONDS,
            PREDEFINED_FILE, QOS_MINUS_ONE, MAX_CLIENTS, MAX_PACKET_SIZE, MAX_CLIENT_ID, MAX_QUEUED,
            MAX_INFLIGHT_UPSTREAM, MAX_TOPICS, MAX_SESSIONS_PER_IP, MAX_KEEP_ALIVE, MAX_NEW_PACKETS_PER_SECOND,
            MAX_SESSION_PACKETS_PER_SECOND, UNPROVEN_SEND_BYTES, RETRY_SECONDS, MAX_RETRIES,
            KEEP_ALIVE_FACTOR, CLEAN_SESSION_EXPIRY, PERSISTENT_SESSION_EXPIRY, DEVICES_FILE, DEVICES_REQUIRE_LISTED,
            DTLS_PORT, DTLS_BIND, DTLS_PSK_FILE, DTLS_CERT_FILE, DTLS_KEY_FILE, DTLS_CA_FILE, DTLS_CLIENT_AUTH,
            DTLS_RAW_PUBLIC_KEYS, DTLS_CIPHER_SUITES, DTLS_CONNECTION_ID_LENGTH, DTLS_MAX_SESSIONS, DTLS_SESSION_EXPIRY,
            DTLS_HANDSHAKES_PER_SECOND, DTLS_IDENTITY_BINDING, LOG_LEVEL, LOG_FORMAT, ADMIN_PORT, ADMIN_BIND,
            ADMIN_TOKEN_FILE));

    private GatewaySettings() {
    }

    private static Map<String, Setting<?>> index(List<Setting<?>> settings) {
        Map<String, Setting<?>> byPath = new LinkedHashMap<>();
        for (Setting<?> setting : settings) {
            byPath.put(setting.path(), setting);
        }
        return java.util.Collections.unmodifiableMap(byPath);
    }

    /** The commented example configuration the README shows, made from the definitions. */
    public static String exampleYaml() {
        StringBuilder yaml = new StringBuilder();
        List<String> open = List.of();
        for (Setting<?> setting : ALL.values()) {
            List<String> parts = List.of(setting.path().split("\\."));
            List<String> sections = parts.subList(0, parts.size() - 1);
            String leaf = parts.get(parts.size() - 1);
            int common = 0;
            while (common < sections.size() && common < open.size() && sections.get(common).equals(open.get(common))) {
                common++;
            }
            if (common == 0 && yaml.length() > 0 && !(sections.isEmpty() && open.isEmpty())) {
                yaml.append('\n'); // a blank line between top-level sections
            }
            for (int level = common; level < sections.size(); level++) {
                yaml.append("  ".repeat(level)).append(sections.get(level)).append(":\n");
            }
            open = sections;
            String indent = "  ".repeat(sections.size());
            String flag = setting.flag() == null ? "" : " (" + setting.flag() + ")";
            yaml.append(indent).append("# ").append(setting.doc()).append(flag).append('\n');
            yaml.append(indent).append(leaf).append(": ").append(yamlValue(setting.defaultValue())).append('\n');
        }
        // Commented out: a bare start serves UDP only, and these paths exist on no machine by default.
        yaml.append("\n# Serial lines, XBee radios and GPIO beside UDP: none unless configured.\n")
                .append("# To use them, remove the '# ' in front of the lines below and adapt the example values.\n");
        for (String line : hardwareExampleYaml().split("\n")) {
            yaml.append("# ").append(line).append('\n');
        }
        return yaml.toString();
    }

    /**
     * The {@code serial}, {@code xbee} and {@code gpio} sections with example values and every
     * key explained: valid YAML, shown commented out at the end of {@link #exampleYaml()}.
     */
    public static String hardwareExampleYaml() {
        return HardwareSections.example();
    }

    private static String yamlValue(Object value) {
        if (value instanceof String text) {
            return "\"" + text + "\"";
        }
        if (value instanceof Enum<?> constant) {
            return constant.name().toLowerCase();
        }
        return String.valueOf(value);
    }
}
