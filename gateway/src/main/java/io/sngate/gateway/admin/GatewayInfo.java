package io.sngate.gateway.admin;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The gateway as {@code GET /api/gateway} describes it: what does not change while it runs.
 *
 * @param transports each link as it describes itself (UDP port, serial line, XBee radio...)
 * @param dtlsPort the DTLS listener's port, or null without one
 * @param limits the {@code limits.*} settings in force, by their YAML keys
 */
public record GatewayInfo(String version, Instant startedAt, String mode, List<String> transports, int udpPort,
                          Integer dtlsPort, String brokerUri, boolean embeddedBroker, Map<String, Object> limits) {

    public GatewayInfo {
        transports = List.copyOf(transports);
        limits = Map.copyOf(limits);
    }
}
