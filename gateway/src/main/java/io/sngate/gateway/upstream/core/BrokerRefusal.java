package io.sngate.gateway.upstream.core;

import java.util.Locale;

/**
 * Which settings a failed broker connection points at, from its detail as {@link ConnectionCycle}
 * ("broker refused the connection: 0x86 ...") and {@code MqttConnection} ("TLS handshake
 * failed", "TLS error") write it: an operator reading the one ERROR of a refused start should
 * learn what to change, not only what the broker said.
 */
public final class BrokerRefusal {

    public static final String CREDENTIAL_SETTINGS = "broker.username and broker.password (or broker.password-file, "
            + "or the environment variable SNGATE_BROKER_PASSWORD)";
    public static final String TLS_SETTINGS = "broker.uri (ssl://), broker.tls.ca-file, broker.tls.cert-file, "
            + "broker.tls.key-file and broker.tls.verify-hostname";

    private BrokerRefusal() {
    }

    /** The settings to check, or null when the failure is not about them (the broker is down, say). */
    public static String settingAtFault(String detail) {
        if (detail == null) {
            return null;
        }
        String text = detail.toLowerCase(Locale.ROOT);
        // MQTT 5 CONNACK 0x86 bad user name or password, 0x87 not authorized, 0x8C bad
        // authentication method; MQTT 3.1.1 brokers answer 0x04 and 0x05, netty names them the same way.
        if (text.contains("broker refused the connection") && (text.contains(" 0x86") || text.contains(" 0x87")
                || text.contains(" 0x8c") || text.contains("bad_user_name_or_password")
                || text.contains("not_authorized"))) {
            return CREDENTIAL_SETTINGS;
        }
        if (text.contains("tls handshake failed") || text.contains("tls error")) {
            return TLS_SETTINGS;
        }
        return null;
    }
}
