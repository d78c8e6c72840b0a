package io.sngate.gateway.upstream;

import io.sngate.gateway.session.Topics;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * What an {@link MqttConnection} sends in its MQTT 5 CONNECT, and its local bounds.
 *
 * @param clientId the MQTT client identifier (not empty: the gateway always names its clients)
 * @param cleanStart Clean Start of the <em>first</em> CONNECT; every reconnection uses
 *        {@code false} so the broker session resumes
 * @param sessionExpirySeconds Session Expiry Interval (0 .. 4 294 967 295; 0: the session ends
 *        with the network connection, so nothing survives a reconnection)
 * @param keepAliveSeconds Keep Alive (0 .. 65 535; 0 disables PINGREQ); the broker's Server
 *        Keep Alive overrides it
 * @param receiveMaximum how many unacknowledged QoS 1/2 messages the broker may have
 *        outstanding towards this client (1 .. 65 535): the bound of the inbound window
 * @param will the will message, if any
 * @param username user name, if any
 * @param password password, if any (sent only with a user name, as MQTT 3 brokers require)
 * @param maxQueuedRequests bound of the queue of publish/subscribe/unsubscribe requests that wait
 *        for the connection (outage, reconnection, broker Receive Maximum, TCP back-pressure);
 *        past it a request fails at once with {@code CONGESTION}
 * @param maxPacketSize Maximum Packet Size announced to the broker and enforced by the decoder
 * @param connectTimeout how long a TCP connect plus CONNACK may take
 * @param retryForever keep trying with backoff when the first attempt fails or the broker
 *        refuses the connection, instead of ending it: for a connection the whole gateway
 *        depends on (aggregating mode's shared one), which nobody would open again. A session
 *        taken over still ends it: two gateways taking one session back and forth is worse.
 */
public record ConnectOptions(String clientId, boolean cleanStart, long sessionExpirySeconds, int keepAliveSeconds,
                             int receiveMaximum, Optional<Will> will, Optional<String> username,
                             Optional<byte[]> password, int maxQueuedRequests, int maxPacketSize,
                             Duration connectTimeout, boolean retryForever) {

    public static final long MAX_SESSION_EXPIRY = 0xFFFF_FFFFL;
    public static final int DEFAULT_MAX_PACKET_SIZE = 256 * 1024;

    public ConnectOptions {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(will, "will");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (clientId.isEmpty()) {
            throw new IllegalArgumentException("clientId must not be empty");
        }
        if (sessionExpirySeconds < 0 || sessionExpirySeconds > MAX_SESSION_EXPIRY) {
            throw new IllegalArgumentException("sessionExpirySeconds out of range: " + sessionExpirySeconds);
        }
        if (keepAliveSeconds < 0 || keepAliveSeconds > 65_535) {
            throw new IllegalArgumentException("keepAliveSeconds out of range: " + keepAliveSeconds);
        }
        if (receiveMaximum < 1 || receiveMaximum > 65_535) {
            throw new IllegalArgumentException("receiveMaximum out of range: " + receiveMaximum);
        }
        if (maxQueuedRequests < 0) {
            throw new IllegalArgumentException("maxQueuedRequests must be >= 0: " + maxQueuedRequests);
        }
        if (maxPacketSize < 64) {
            throw new IllegalArgumentException("maxPacketSize too small: " + maxPacketSize);
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive: " + connectTimeout);
        }
    }

    /**
     * Defaults: clean start, session expiry 1 h, keep alive 60 s, receive maximum 32, no will, no
     * credentials, 1 000 queued requests, 256 KiB packets, 10 s connect timeout.
     */
    public static ConnectOptions of(String clientId) {
        return new ConnectOptions(clientId, true, 3600, 60, 32, Optional.empty(), Optional.empty(),
                Optional.empty(), 1000, DEFAULT_MAX_PACKET_SIZE, Duration.ofSeconds(10), false);
    }

    public ConnectOptions withCleanStart(boolean value) {
        return new ConnectOptions(clientId, value, sessionExpirySeconds, keepAliveSeconds, receiveMaximum, will,
                username, password, maxQueuedRequests, maxPacketSize, connectTimeout, retryForever);
    }

    public ConnectOptions withSessionExpirySeconds(long value) {
        return new ConnectOptions(clientId, cleanStart, value, keepAliveSeconds, receiveMaximum, will,
                username, password, maxQueuedRequests, maxPacketSize, connectTimeout, retryForever);
    }

    public ConnectOptions withKeepAliveSeconds(int value) {
        return new ConnectOptions(clientId, cleanStart, sessionExpirySeconds, value, receiveMaximum, will,
                username, password, maxQueuedRequests, maxPacketSize, connectTimeout, retryForever);
    }

    public ConnectOptions withReceiveMaximum(int value) {
        return new ConnectOptions(clientId, cleanStart, sessionExpirySeconds, keepAliveSeconds, value, will,
                username, password, maxQueuedRequests, maxPacketSize, connectTimeout, retryForever);
    }

    public ConnectOptions withWill(Optional<Will> value) {
        return new ConnectOptions(clientId, cleanStart, sessionExpirySeconds, keepAliveSeconds, receiveMaximum, value,
                username, password, maxQueuedRequests, maxPacketSize, connectTimeout, retryForever);
    }

    public ConnectOptions withCredentials(Optional<String> user, Optional<byte[]> pass) {
        return new ConnectOptions(clientId, cleanStart, sessionExpirySeconds, keepAliveSeconds, receiveMaximum, will,
                user, pass, maxQueuedRequests, maxPacketSize, connectTimeout, retryForever);
    }

    public ConnectOptions withMaxQueuedRequests(int value) {
        return new ConnectOptions(clientId, cleanStart, sessionExpirySeconds, keepAliveSeconds, receiveMaximum, will,
                username, password, value, maxPacketSize, connectTimeout, retryForever);
    }

    public ConnectOptions withMaxPacketSize(int value) {
        return new ConnectOptions(clientId, cleanStart, sessionExpirySeconds, keepAliveSeconds, receiveMaximum, will,
                username, password, maxQueuedRequests, value, connectTimeout, retryForever);
    }

    public ConnectOptions withConnectTimeout(Duration value) {
        return new ConnectOptions(clientId, cleanStart, sessionExpirySeconds, keepAliveSeconds, receiveMaximum, will,
                username, password, maxQueuedRequests, maxPacketSize, value, retryForever);
    }

    public ConnectOptions withRetryForever(boolean value) {
        return new ConnectOptions(clientId, cleanStart, sessionExpirySeconds, keepAliveSeconds, receiveMaximum, will,
                username, password, maxQueuedRequests, maxPacketSize, connectTimeout, value);
    }

    @Override
    public String toString() {
        return "ConnectOptions[clientId=" + clientId + ", cleanStart=" + cleanStart + ", sessionExpirySeconds="
                + sessionExpirySeconds + ", keepAliveSeconds=" + keepAliveSeconds + ", receiveMaximum="
                + receiveMaximum + ", will=" + will + ", username=" + username + ", password="
                + (password.isPresent() ? "***" : "none") + ", maxQueuedRequests=" + maxQueuedRequests
                + ", maxPacketSize=" + maxPacketSize + ", connectTimeout=" + connectTimeout + ", retryForever=" + retryForever + "]";
    }

    /**
     * A will message, fixed at CONNECT time (MQTT has no way to change it on a live connection:
     * see {@link MqttConnection#updateWill}).
     */
    public record Will(String topic, byte[] payload, int qos, boolean retain) {
        public Will {
            Objects.requireNonNull(topic, "topic");
            Objects.requireNonNull(payload, "payload");
            if (!Topics.isValidName(topic)) {
                throw new IllegalArgumentException("invalid will topic: '" + topic + "'");
            }
            if (qos < 0 || qos > 2) {
                throw new IllegalArgumentException("will qos must be 0, 1 or 2: " + qos);
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Will w && w.topic.equals(topic) && Arrays.equals(w.payload, payload) && w.qos == qos
                    && w.retain == retain;
        }

        @Override
        public int hashCode() {
            return Objects.hash(topic, Arrays.hashCode(payload), qos, retain);
        }

        @Override
        public String toString() {
            return "Will[topic=" + topic + ", " + payload.length + " bytes, qos=" + qos + ", retain=" + retain + "]";
        }
    }
}
