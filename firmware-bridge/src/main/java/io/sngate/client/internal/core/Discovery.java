package io.sngate.client.internal.core;

import io.sngate.client.ClientConfig;
import io.sngate.client.ClientState;
import io.sngate.client.LinkAddress;
import io.sngate.client.Outcome;
import io.sngate.codec.v12.Advertise;
import io.sngate.codec.v12.GwInfo;
import io.sngate.codec.v12.SearchGw;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Random;

/**
 * Finding gateways (spec §6.1): SEARCHGW after a random delay, repeated with growing
 * intervals until a GWINFO or ADVERTISE answers; the gateways heard, each lost again after
 * N_ADV missed advertisements. It runs beside the session: searching while connected does not
 * disturb the connection.
 */
final class Discovery {

    /** Where a gateway is and when it counts as gone (never, if it only answered a search). */
    private static final class GatewayRecord {
        LinkAddress address;
        long expiresAt;

        GatewayRecord(LinkAddress address, long expiresAt) {
            this.address = address;
            this.expiresAt = expiresAt;
        }
    }

    private final ClientConfig config;
    private final Random random;
    private final EffectSink effects;
    private final PacketLimit limit;
    private final Map<Integer, GatewayRecord> gateways = new HashMap<>();
    /** The search request running, or 0. */
    private long searchRequestId;
    private long searchAt = Long.MAX_VALUE;
    private int searchRadius;
    private int searchAttempt;

    Discovery(ClientConfig config, Random random, EffectSink effects, PacketLimit limit) {
        this.config = config;
        this.random = random;
        this.effects = effects;
        this.limit = limit;
    }

    void search(long requestId, int radius, long now) {
        if (!limit.admits(requestId, new SearchGw(radius))) {
            return;
        }
        if (searchRequestId != 0) {
            effects.complete(searchRequestId, Outcome.failed(Outcome.Status.CANCELLED, "superseded by a new search"));
        }
        searchRequestId = requestId;
        searchRadius = radius;
        searchAttempt = 0;
        // The random delay keeps a fleet powered on together from searching all at once (spec §6.1).
        searchAt = now + randomDelay(config.searchDelayMillis());
        if (effects.state() == ClientState.DISCONNECTED || effects.state() == ClientState.LOST) {
            effects.changeState(ClientState.SEARCHING, "searching for a gateway");
        }
    }

    /** Another client searches: ours would be redundant (spec §6.1), so wait for its answer. */
    void onSearchGwHeard(long now) {
        if (searchAt != Long.MAX_VALUE) {
            searchAt = Math.max(searchAt, now + config.retryMillis());
        }
    }

    void onAdvertise(Advertise advertise, LinkAddress from, long now) {
        GatewayRecord known = gateways.get(advertise.gwId());
        long expiry = now + advertise.duration() * 1000L * config.advertiseMisses();
        if (known == null) {
            gateways.put(advertise.gwId(), new GatewayRecord(from, expiry));
            effects.gatewayFound(advertise.gwId(), from);
        } else {
            // Each ADVERTISE renews the gateway; it may come from a new address.
            known.expiresAt = expiry;
            known.address = from;
        }
        finishSearch();
    }

    void onGwInfo(GwInfo gwInfo, LinkAddress from) {
        // A client answering for a gateway puts the gateway's address in; the gateway itself does not.
        LinkAddress address = gwInfo.gwAddress().isEmpty() ? from : new LinkAddress.Announced(gwInfo.gwAddress());
        if (!gateways.containsKey(gwInfo.gwId())) {
            gateways.put(gwInfo.gwId(), new GatewayRecord(address, Long.MAX_VALUE));
            effects.gatewayFound(gwInfo.gwId(), address);
        }
        finishSearch();
    }

    long nextDeadline() {
        long deadline = searchAt;
        for (GatewayRecord gateway : gateways.values()) {
            deadline = Math.min(deadline, gateway.expiresAt);
        }
        return deadline;
    }

    void onTimer(long now) {
        if (now >= searchAt) {
            effects.broadcast(new SearchGw(searchRadius), searchRadius);
            searchAttempt++;
            // Growing intervals (spec §6.1), capped at 16 x T_RETRY.
            searchAt = now + config.retryMillis() * (1L << Math.min(searchAttempt, 4));
        }
        for (Iterator<Map.Entry<Integer, GatewayRecord>> it = gateways.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Integer, GatewayRecord> entry = it.next();
            if (now >= entry.getValue().expiresAt) {
                it.remove();
                effects.gatewayLost(entry.getKey());
            }
        }
    }

    /** Any gateway heard ends the search. */
    private void finishSearch() {
        if (searchRequestId != 0) {
            long id = searchRequestId;
            searchRequestId = 0;
            searchAt = Long.MAX_VALUE;
            if (effects.state() == ClientState.SEARCHING) {
                effects.changeState(ClientState.DISCONNECTED, "gateway found");
            }
            effects.complete(id, Outcome.ok());
        }
    }

    private long randomDelay(long max) {
        return max <= 0 ? 0 : (long) (random.nextDouble() * max);
    }
}
