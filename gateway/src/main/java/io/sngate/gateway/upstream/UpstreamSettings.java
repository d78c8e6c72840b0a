package io.sngate.gateway.upstream;

import io.sngate.hw.ReconnectBackoff;
import io.sngate.hw.config.GatewayConfig;
import io.sngate.hw.config.GatewaySettings;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;

/** How the gateway reaches its broker, whichever the mode. */
public record UpstreamSettings(String host, int port, Optional<String> username, Optional<byte[]> password,
                               int keepAliveSeconds, int maxQueuedRequests, ReconnectBackoff backoff, int gatewayId) {

    /** Keep-alive of the gateway's own broker connections: independent of the devices' keep-alives. */
    static final int UPSTREAM_KEEP_ALIVE = 60;

    public static UpstreamSettings from(GatewayConfig config, String host, int port) {
        String user = config.get(GatewaySettings.BROKER_USERNAME);
        String pass = config.get(GatewaySettings.BROKER_PASSWORD);
        long maxBackoff = Math.round(config.get(GatewaySettings.RECONNECT_MAX_SECONDS) * 1000);
        return new UpstreamSettings(host, port,
                user.isEmpty() ? Optional.empty() : Optional.of(user),
                pass.isEmpty() ? Optional.empty() : Optional.of(pass.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                UPSTREAM_KEEP_ALIVE,
                Math.max(16, config.get(GatewaySettings.MAX_INFLIGHT_UPSTREAM) * 4),
                new ReconnectBackoff(Duration.ofMillis(Math.min(200, maxBackoff)), Duration.ofMillis(maxBackoff), 0.2,
                        new Random()),
                config.get(GatewaySettings.GATEWAY_ID));
    }

    public String uri() {
        return "tcp://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    ConnectOptions options(String clientId) {
        return ConnectOptions.of(clientId)
                .withKeepAliveSeconds(keepAliveSeconds)
                .withCredentials(username, password)
                .withMaxQueuedRequests(maxQueuedRequests);
    }
}
