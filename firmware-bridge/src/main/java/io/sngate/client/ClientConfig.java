package io.sngate.client;

import java.util.Map;
import java.util.Objects;

/**
 * A client's settings: {@link MqttSnClient.Builder} makes one, or start it from
 * {@link #defaults} and the {@code with...} methods and hand it to {@link MqttSnClient#builder(ClientConfig)}.
 *
 * @param clientId           1..65000 bytes of UTF-8 (the spec says up to 23; gateways differ)
 * @param keepAliveSeconds   0 disables keep-alive pings
 * @param retryMillis        T_RETRY
 * @param maxRetries         N_RETRY: retransmissions before the gateway counts as lost
 * @param predefinedTopics   ids agreed with the gateway out of band
 * @param maxQueued          requests waiting behind the one in flight; beyond, a request fails at once
 * @param searchDelayMillis  T_SEARCHGW: the random delay before a SEARCHGW
 * @param advertiseMisses    N_ADV: missed ADVERTISE periods before a gateway counts as gone
 */
public record ClientConfig(String clientId, int keepAliveSeconds, long retryMillis, int maxRetries,
                           Map<Integer, String> predefinedTopics, int maxQueued, long searchDelayMillis,
                           int advertiseMisses) {

    /** Checks the settings; a bad one fails with an {@link IllegalArgumentException} naming it. */
    public ClientConfig {
        Objects.requireNonNull(clientId, "clientId");
        if (clientId.isEmpty()) {
            throw new IllegalArgumentException("clientId must not be empty");
        }
        if (keepAliveSeconds < 0 || keepAliveSeconds > 0xFFFF) {
            throw new IllegalArgumentException("keepAliveSeconds must be 0..65535");
        }
        if (retryMillis <= 0 || maxRetries < 0 || maxQueued <= 0 || searchDelayMillis < 0 || advertiseMisses < 1) {
            throw new IllegalArgumentException("timers and bounds must be positive: retryMillis=" + retryMillis
                    + " maxRetries=" + maxRetries + " maxQueued=" + maxQueued + " searchDelayMillis="
                    + searchDelayMillis + " advertiseMisses=" + advertiseMisses);
        }
        predefinedTopics.forEach((id, name) -> {
            if (id < 1 || id > 0xFFFE || name.isEmpty()) {
                throw new IllegalArgumentException("predefined topic " + id + "=" + name
                        + ": the id must be 1..65534 and the name not empty");
            }
        });
        predefinedTopics = Map.copyOf(predefinedTopics);
    }

    /** The spec's recommended timers: T_RETRY 10 s, N_RETRY 3, T_SEARCHGW 5 s, N_ADV 3. */
    public static ClientConfig defaults(String clientId) {
        return new ClientConfig(clientId, 60, 10_000, 3, Map.of(), 1_000, 5_000, 3);
    }

    /** With a keep-alive of {@code seconds} (0 turns it off). */
    public ClientConfig withKeepAlive(int seconds) {
        return new ClientConfig(clientId, seconds, retryMillis, maxRetries, predefinedTopics, maxQueued,
                searchDelayMillis, advertiseMisses);
    }

    /** With T_RETRY {@code millis} and N_RETRY {@code retries}. */
    public ClientConfig withRetry(long millis, int retries) {
        return new ClientConfig(clientId, keepAliveSeconds, millis, retries, predefinedTopics, maxQueued,
                searchDelayMillis, advertiseMisses);
    }

    /** With these predefined topics (id to name) instead of the ones set. */
    public ClientConfig withPredefinedTopics(Map<Integer, String> topics) {
        return new ClientConfig(clientId, keepAliveSeconds, retryMillis, maxRetries, topics, maxQueued,
                searchDelayMillis, advertiseMisses);
    }

    /** With at most {@code queued} requests waiting behind the one in flight, per channel. */
    public ClientConfig withMaxQueued(int queued) {
        return new ClientConfig(clientId, keepAliveSeconds, retryMillis, maxRetries, predefinedTopics, queued,
                searchDelayMillis, advertiseMisses);
    }
}
