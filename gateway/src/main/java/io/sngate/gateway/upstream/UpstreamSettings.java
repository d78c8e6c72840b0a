package io.sngate.gateway.upstream;

import io.netty.channel.EventLoop;
import io.sngate.gateway.session.UpstreamEvent;
import io.sngate.gateway.upstream.core.OutageLog;
import io.sngate.hw.ReconnectBackoff;
import io.sngate.hw.config.BrokerTls;
import io.sngate.hw.config.GatewayConfig;
import io.sngate.hw.config.GatewaySettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

/**
 * How the gateway reaches its broker, whichever the mode.
 *
 * @param tls the TLS context of an {@code ssl://} broker, shared by every connection; empty: plain TCP
 * @param outages where every connection made with these settings tells its broker failures: one
 *                WARN per outage for all of them
 */
public record UpstreamSettings(String host, int port, Optional<String> username, Optional<byte[]> password,
                               int keepAliveSeconds, int maxQueuedRequests, ReconnectBackoff backoff, int gatewayId,
                               Optional<BrokerTlsContext> tls, OutageLog outages) {

    /** Keep-alive of the gateway's own broker connections: independent of the devices' keep-alives. */
    static final int UPSTREAM_KEEP_ALIVE = 60;

    public UpstreamSettings {
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(outages, "outages");
    }

    /** Settings whose connections share an outage log of their own. */
    public UpstreamSettings(String host, int port, Optional<String> username, Optional<byte[]> password,
                            int keepAliveSeconds, int maxQueuedRequests, ReconnectBackoff backoff, int gatewayId,
                            Optional<BrokerTlsContext> tls) {
        this(host, port, username, password, keepAliveSeconds, maxQueuedRequests, backoff, gatewayId, tls,
                new OutageLog(uri(host, port, tls.isPresent())));
    }

    /** Settings of a plain TCP broker. */
    public UpstreamSettings(String host, int port, Optional<String> username, Optional<byte[]> password,
                            int keepAliveSeconds, int maxQueuedRequests, ReconnectBackoff backoff, int gatewayId) {
        this(host, port, username, password, keepAliveSeconds, maxQueuedRequests, backoff, gatewayId,
                Optional.empty());
    }

    /**
     * The settings for the broker at {@code host:port}: TLS when the configured broker is an
     * {@code ssl://} one (the embedded broker is reached over plain TCP on this machine).
     */
    public static UpstreamSettings from(GatewayConfig config, String host, int port) throws SSLException {
        String user = config.get(GatewaySettings.BROKER_USERNAME);
        long maxBackoff = Math.round(config.get(GatewaySettings.RECONNECT_MAX_SECONDS) * 1000);
        Optional<BrokerTls> tls = config.broker().isPresent() ? config.brokerTls() : Optional.empty();
        return new UpstreamSettings(host, port,
                user.isEmpty() ? Optional.empty() : Optional.of(user),
                config.brokerPassword().map(pass -> pass.getBytes(StandardCharsets.UTF_8)),
                UPSTREAM_KEEP_ALIVE,
                Math.max(16, config.get(GatewaySettings.MAX_INFLIGHT_UPSTREAM) * 4),
                new ReconnectBackoff(Duration.ofMillis(Math.min(200, maxBackoff)), Duration.ofMillis(maxBackoff), 0.2,
                        new Random()),
                config.get(GatewaySettings.GATEWAY_ID),
                tls.isPresent() ? Optional.of(BrokerTlsContext.from(tls.get())) : Optional.empty());
    }

    public String uri() {
        return uri(host, port, tls.isPresent());
    }

    private static String uri(String host, int port, boolean tls) {
        return (tls ? "ssl://" : "tcp://") + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    ConnectOptions options(String clientId) {
        return ConnectOptions.of(clientId)
                .withKeepAliveSeconds(keepAliveSeconds)
                .withCredentials(username, password)
                .withMaxQueuedRequests(maxQueuedRequests);
    }

    /** A connection to this broker (TLS when it is an ssl:// one), with this backoff; not connected yet. */
    MqttConnection.Builder connection(EventLoop loop, ConnectOptions options, Consumer<UpstreamEvent> owner) {
        MqttConnection.Builder builder = MqttConnection.builder(loop, host, port, options, owner).backoff(backoff)
                .outages(outages);
        tls.ifPresent(builder::tls);
        return builder;
    }

    /** The password stays out of logs. */
    @Override
    public String toString() {
        return "UpstreamSettings[" + uri() + ", username=" + username.orElse("-") + ", password="
                + (password.isPresent() ? "***" : "-") + ", keepAlive=" + keepAliveSeconds + ", maxQueued="
                + maxQueuedRequests + ", gatewayId=" + gatewayId + "]";
    }
}
