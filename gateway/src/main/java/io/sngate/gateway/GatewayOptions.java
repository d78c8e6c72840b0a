package io.sngate.gateway;

import io.sngate.gateway.session.SessionConfig;
import io.sngate.hw.config.DtlsIdentityBinding;
import io.sngate.hw.config.GatewayConfig;
import io.sngate.hw.config.GatewaySettings;

/** The gateway-wide settings the runtime reads, taken from a validated {@link GatewayConfig}. */
record GatewayOptions(int gatewayId, int advertiseSeconds, int maxClients, int maxPacketSize, int maxClientIdLength,
                      int maxNewPacketsPerSecondPerIp, int maxPacketsPerSecondPerSession, int maxSessionsPerIp,
                      boolean qosMinusOneEnabled, boolean requireListed,
                      DtlsIdentityBinding identityBinding) {

    static GatewayOptions from(GatewayConfig config) {
        return new GatewayOptions(
                config.get(GatewaySettings.GATEWAY_ID),
                config.get(GatewaySettings.ADVERTISE_SECONDS),
                config.get(GatewaySettings.MAX_CLIENTS),
                config.get(GatewaySettings.MAX_PACKET_SIZE),
                config.get(GatewaySettings.MAX_CLIENT_ID),
                config.get(GatewaySettings.MAX_NEW_PACKETS_PER_SECOND),
                config.get(GatewaySettings.MAX_SESSION_PACKETS_PER_SECOND),
                config.get(GatewaySettings.MAX_SESSIONS_PER_IP),
                config.get(GatewaySettings.QOS_MINUS_ONE),
                config.get(GatewaySettings.DEVICES_REQUIRE_LISTED),
                config.get(GatewaySettings.DTLS_IDENTITY_BINDING));
    }

    static SessionConfig sessionConfig(GatewayConfig config) {
        return new SessionConfig(
                Math.round(config.get(GatewaySettings.RETRY_SECONDS) * 1000),
                config.get(GatewaySettings.MAX_RETRIES),
                config.get(GatewaySettings.KEEP_ALIVE_FACTOR),
                config.get(GatewaySettings.MAX_TOPICS),
                config.get(GatewaySettings.MAX_QUEUED),
                config.get(GatewaySettings.MAX_INFLIGHT_UPSTREAM),
                config.get(GatewaySettings.MAX_PACKET_SIZE),
                config.get(GatewaySettings.CLEAN_SESSION_EXPIRY),
                config.get(GatewaySettings.PERSISTENT_SESSION_EXPIRY),
                config.get(GatewaySettings.MAX_KEEP_ALIVE),
                config.get(GatewaySettings.UNPROVEN_SEND_BYTES));
    }
}
