package io.sngate.gateway.session;

import java.util.Optional;

/**
 * What the upstream connector needs to open (or reopen) a client's MQTT 5 session.
 *
 * @param sessionExpirySeconds how long the broker keeps the session after the connection
 *        drops; even a clean-session device gets a grace period so a short broker outage
 *        or gateway restart does not lose its subscriptions (it is set to 0 when the
 *        device disconnects for good)
 * @param receiveMaximum how many unacknowledged QoS 1/2 messages the broker may send:
 *        the session's buffer bound, so past it the broker queues instead of the gateway
 * @param maxPacketSize the MQTT 5 Maximum Packet Size to announce: the broker does not send
 *        this device a message it could never carry (see {@link ClientSession#upstreamMaxPacketSize})
 */
public record UpstreamConnect(String clientId, boolean cleanStart, long sessionExpirySeconds, int keepAliveSeconds,
                              int receiveMaximum, Optional<Will> will, int maxPacketSize) {
}
