package io.sngate.gateway.admin;

import io.sngate.gateway.session.SessionView;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One client as the admin API shows it: copied on the session's event loop, so every field
 * belongs to the same moment. The JSON field names are what {@code GET /api/clients/{id}}
 * returns ({@code clientId}, {@code state}, {@code address} and {@code topics} are a contract).
 *
 * @param state the session state, lower case ({@code active}, {@code asleep}, {@code awake}, {@code lost}...)
 * @param link the kind of link the device is on: udp, dtls, serial, xbee or forwarded
 * @param connectedAt when the current connection was accepted, or null while none is
 * @param connectedSeconds how long the current connection has lasted, or null while none is
 * @param lastSeen when the device was last heard from
 * @param lastSeenSecondsAgo the same, counted on the gateway's monotonic clock: right even when the
 *        gateway's wall clock (a Pi without a network time source) is off
 * @param upstream the state of the client's broker side (connected, connecting, reconnecting, closed, failed)
 * @param counters this client's own counts since its session began
 */
public record ClientSnapshot(String clientId, String state, String link, String address, String protocol,
                             boolean cleanSession, int keepAliveSeconds, long sleepSeconds, Instant connectedAt,
                             Long connectedSeconds, Instant lastSeen, long lastSeenSecondsAgo, List<Topic> topics, List<SessionView.Subscription> subscriptions,
                             int queued, int inFlightToDevice, int inFlightToBroker, boolean proven, String upstream,
                             Map<String, Long> counters) {

    public static final String PROTOCOL = "MQTT-SN 1.2";

    public ClientSnapshot {
        topics = List.copyOf(topics);
        subscriptions = List.copyOf(subscriptions);
        counters = Map.copyOf(counters);
    }

    /** A topic id of the client's registry; {@code knownToDevice}: the device was told it. */
    public record Topic(int id, String name, boolean knownToDevice) {
    }
}
