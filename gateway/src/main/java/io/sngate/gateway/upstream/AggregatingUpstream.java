package io.sngate.gateway.upstream;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.gateway.Metrics;
import io.sngate.gateway.SessionUpstream;
import io.sngate.gateway.session.DeliveryFailure;
import io.sngate.gateway.session.SparseMaps;
import io.sngate.gateway.session.UpstreamConnect;
import io.sngate.gateway.session.UpstreamEvent;
import io.sngate.gateway.session.Will;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Aggregating mode (spec §4): one MQTT 5 connection carries every device. The gateway keeps
 * the devices' subscriptions in a topic trie, subscribes upstream once per filter (at the
 * highest QoS any device asked for) and fans each broker message out to the matching
 * sessions, at each one's own QoS. Wills are published by the gateway.
 *
 * <p>All of this state lives on the shared connection's event loop; sessions' calls hop onto
 * it, events hop back to the sessions' loops. A broker message is acknowledged upstream once
 * it is in every matching session's bounded queue: the gateway holds it from then on.
 */
public final class AggregatingUpstream implements SessionUpstream.Factory, UpstreamEvent.Handler {

    private static final Logger LOG = LoggerFactory.getLogger(AggregatingUpstream.class);

    /** How long after its SUBACK a subscription still receives retained messages. */
    private static final long RETAINED_WINDOW_MILLIS = 5_000;

    private final EventLoop loop;
    private final UpstreamSettings settings;
    private final Metrics metrics;
    private final UpstreamConnection connection;
    private final SubscriptionTrie<DeviceView, QoS> trie = new SubscriptionTrie<>();
    private final Map<String, Set<DeviceView>> freshSubscribers = new HashMap<>();
    private final Map<Long, Pending> pending = new HashMap<>();
    private long nextToken = 1;
    private long nextDeliveryId = 1;
    private volatile boolean up;
    private final CompletableFuture<Void> firstConnected = new CompletableFuture<>();

    private record Pending(DeviceView device, long sessionToken, String filter) {
    }

    private AggregatingUpstream(EventLoop loop, UpstreamSettings settings, Metrics metrics,
                                UpstreamConnection.Factory connections) {
        this.loop = loop;
        this.settings = settings;
        this.metrics = metrics;
        // Clean start: the devices' subscriptions live in this process, and they re-subscribe
        // when they connect again after a gateway restart.
        this.connection = connections.create(loop,
                settings.options("sngate-gw" + settings.gatewayId()).withCleanStart(true)
                        .withSessionExpirySeconds(0).withReceiveMaximum(65_535).withRetryForever(true),
                event -> event.applyTo(this));
    }

    /**
     * Starts the shared connection and returns at once: until the broker accepts it (retried with
     * backoff for as long as it takes, refusals included) devices are answered "congestion", and
     * the gateway's broker probe tells the operator why. Nobody else would open it again, so it
     * never gives up on its own.
     */
    public static AggregatingUpstream start(EventLoopGroup loops, UpstreamSettings settings, Metrics metrics) {
        return start(loops.next(), settings, metrics, UpstreamConnection.mqtt(settings));
    }

    /** As {@link #start(EventLoopGroup, UpstreamSettings, Metrics)}, on {@code loop} with {@code connections}: tests give a fake. */
    static AggregatingUpstream start(EventLoop loop, UpstreamSettings settings, Metrics metrics,
                                     UpstreamConnection.Factory connections) {
        AggregatingUpstream upstream = new AggregatingUpstream(loop, settings, metrics, connections);
        upstream.connection.connect();
        return upstream;
    }

    /** Completes when the shared connection is first up: the gateway's start waits for it a while. */
    public CompletableFuture<Void> firstConnected() {
        return firstConnected;
    }

    @Override
    public SessionUpstream create(String clientId, EventLoop sessionLoop, Consumer<UpstreamEvent> events) {
        return new DeviceView(clientId, events);
    }

    @Override
    public void publishWithoutSession(String topic, Bytes payload, boolean retain) {
        connection.publish(0, topic, payload.toArray(), 0, retain);
    }

    @Override
    public String brokerUri() {
        return settings.uri();
    }

    @Override
    public void close() {
        connection.close();
    }

    /** Number of distinct filters subscribed upstream (for tests and metrics). */
    int upstreamFilters() {
        return onLoop(trie::filterCount);
    }

    private <T> T onLoop(java.util.function.Supplier<T> read) {
        if (loop.inEventLoop()) {
            return read.get();
        }
        return CompletableFuture.supplyAsync(read, loop).join();
    }

    // ------------------------------------------------------------------ the shared connection's events

    @Override
    public void connected(UpstreamEvent.Connected event) {
        up = true;
        firstConnected.complete(null);
        LOG.info("shared broker connection to {} up", settings.uri());
    }

    @Override
    public void connectFailed(UpstreamEvent.ConnectFailed event) {
        // Only a takeover ends the shared connection (it retries everything else): another
        // gateway with the same gateway.id holds the session, and taking it back would flap.
        up = false;
        metrics.count("upstream.connect_failed");
        LOG.error("the shared broker connection ended for good: {} (is another gateway with gateway.id {} "
                + "connected to {}?)", event.detail(), settings.gatewayId(), settings.uri());
    }

    @Override
    public void connectionLost(UpstreamEvent.ConnectionLost event) {
        up = false;
        metrics.count("upstream.connection_lost");
        LOG.debug("shared broker connection lost ({}); reconnecting", event.detail());
    }

    @Override
    public void reconnected(UpstreamEvent.Reconnected event) {
        up = true;
        metrics.count("upstream.reconnected");
        if (!event.sessionPresent()) {
            // The broker forgot our subscriptions (clean session): subscribe every filter again.
            trie.forEachFilter(filter -> connection.subscribe(nextToken++, filter, highestQos(filter).level()));
        }
    }

    @Override
    public void publishReceived(UpstreamEvent.PublishReceived event) {
        Pending p = pending.get(event.token());
        if (p != null) {
            p.device.events.accept(new UpstreamEvent.PublishReceived(p.sessionToken));
        }
    }

    @Override
    public void publishDone(UpstreamEvent.PublishDone event) {
        Pending p = pending.remove(event.token());
        if (p != null) {
            p.device.chained.remove(p.sessionToken);
            p.device.events.accept(new UpstreamEvent.PublishDone(p.sessionToken, event.failure()));
        }
    }

    @Override
    public void subscribed(UpstreamEvent.Subscribed event) {
        Optional<QoS> grantedQos = event.granted();
        Optional<DeliveryFailure> failure = event.failure();
        Pending p = pending.remove(event.token());
        if (p == null) {
            return;
        }
        if (failure.isPresent() || grantedQos.isEmpty()) {
            if (trie.remove(p.filter, p.device)) {
                connection.unsubscribe(nextToken++, p.filter);
            }
        } else {
            Set<DeviceView> fresh = freshSubscribers.computeIfAbsent(p.filter, f -> new HashSet<>());
            fresh.add(p.device);
            loop.schedule(() -> {
                Set<DeviceView> still = freshSubscribers.get(p.filter);
                if (still != null && still.remove(p.device) && still.isEmpty()) {
                    freshSubscribers.remove(p.filter);
                }
            }, RETAINED_WINDOW_MILLIS, TimeUnit.MILLISECONDS);
        }
        p.device.events.accept(new UpstreamEvent.Subscribed(p.sessionToken, grantedQos, failure));
    }

    @Override
    public void unsubscribed(UpstreamEvent.Unsubscribed event) {
        Pending p = pending.remove(event.token());
        if (p != null) {
            p.device.events.accept(new UpstreamEvent.Unsubscribed(p.sessionToken));
        }
    }

    @Override
    public void message(UpstreamEvent.Message event) {
        String topic = event.topic();
        Bytes bytes = event.payload();
        QoS messageQos = event.qos();
        boolean retain = event.retain();
        // One copy per device, at the highest QoS among its matching subscriptions (MQTT 5 §4.7.3 allows it).
        Map<DeviceView, QoS> targets = new LinkedHashMap<>();
        trie.match(topic, (device, subscriptionQos) -> targets.merge(device, subscriptionQos,
                (a, b) -> a.level() >= b.level() ? a : b));
        if (retain) {
            // A retained message answers a new subscription: only devices that just subscribed get it,
            // not every device already subscribed to the same filter.
            Set<DeviceView> fresh = new HashSet<>();
            freshSubscribers.values().forEach(fresh::addAll);
            targets.keySet().retainAll(fresh);
        }
        if (targets.isEmpty()) {
            metrics.count("upstream.no_matching_device");
        }
        targets.forEach((device, subscriptionQos) -> device.events.accept(new UpstreamEvent.Message(
                nextDeliveryId++, topic, bytes, QoS.min(messageQos, subscriptionQos), retain)));
        if (messageQos.level() > 0) {
            connection.acknowledge(event.deliveryId());
        }
    }

    // ------------------------------------------------------------------ one device's view

    private final class DeviceView implements SessionUpstream {
        private final String clientId;
        private final Consumer<UpstreamEvent> events;
        private Map<String, QoS> filters = SparseMaps.none();
        /** Chained QoS 2 publishes not completed yet: the session's token to the upstream one. */
        private Map<Long, Long> chained = SparseMaps.none();
        private Will will;

        DeviceView(String clientId, Consumer<UpstreamEvent> events) {
            this.clientId = clientId;
            this.events = events;
        }

        @Override
        public void connect(UpstreamConnect request) {
            loop.execute(() -> {
                will = request.will().orElse(null);
                if (request.cleanStart()) {
                    dropSubscriptions();
                }
                if (up) {
                    events.accept(new UpstreamEvent.Connected(!request.cleanStart() && !filters.isEmpty()));
                } else {
                    events.accept(new UpstreamEvent.ConnectFailed(DeliveryFailure.CONGESTION,
                            "the broker connection is down"));
                }
            });
        }

        @Override
        public void publish(long token, String topic, Bytes payload, QoS qos, boolean retain, int msgId) {
            loop.execute(() -> {
                long upstreamToken = nextToken++;
                if (qos.level() > 0) {
                    pending.put(upstreamToken, new Pending(this, token, topic));
                }
                boolean chain = qos == QoS.EXACTLY_ONCE;
                if (chain) {
                    chained = SparseMaps.writable(chained);
                    chained.put(token, upstreamToken);
                }
                // The shared connection numbers its own packets: devices' message ids would collide.
                connection.publish(upstreamToken, topic, payload.toArray(), Math.max(0, qos.level()), retain, 0,
                        chain);
            });
        }

        @Override
        public void release(long token, int msgId) {
            loop.execute(() -> {
                Long upstreamToken = chained.get(token);
                if (upstreamToken != null) {
                    connection.release(upstreamToken, 0);
                } else {
                    // Not begun on this connection (the gateway restarted; the shared session
                    // starts clean): nothing is held at the broker.
                    events.accept(new UpstreamEvent.PublishDone(token, Optional.empty()));
                }
            });
        }

        @Override
        public void subscribe(long token, String topicFilter, QoS qos) {
            loop.execute(() -> {
                filters = SparseMaps.writable(filters);
                filters.put(topicFilter, qos);
                trie.add(topicFilter, this, qos);
                long upstreamToken = nextToken++;
                pending.put(upstreamToken, new Pending(this, token, topicFilter));
                // Subscribing again, even to a filter already held, makes the broker send the
                // retained messages this device is owed.
                connection.subscribe(upstreamToken, topicFilter, highestQos(topicFilter).level());
            });
        }

        @Override
        public void unsubscribe(long token, String topicFilter) {
            loop.execute(() -> {
                filters.remove(topicFilter);
                if (trie.remove(topicFilter, this)) {
                    long upstreamToken = nextToken++;
                    pending.put(upstreamToken, new Pending(this, token, topicFilter));
                    connection.unsubscribe(upstreamToken, topicFilter);
                } else {
                    events.accept(new UpstreamEvent.Unsubscribed(token));
                }
            });
        }

        @Override
        public void acknowledge(long deliveryId) {
            // Acknowledged upstream at fan-out: the gateway already holds the message.
        }

        @Override
        public void willChanged(Optional<Will> newWill) {
            loop.execute(() -> will = newWill.orElse(null));
        }

        @Override
        public void disconnect(boolean publishWill, boolean endSession) {
            loop.execute(() -> {
                if (publishWill && will != null) {
                    metrics.count("upstream.wills_published");
                    connection.publish(0, will.topic(), will.message().toArray(), Math.max(0, will.qos().level()),
                            will.retain());
                }
                if (endSession) {
                    dropSubscriptions();
                }
            });
        }

        @Override
        public void shutdown() {
            // the shared connection is closed once, by the factory
        }

        private void dropSubscriptions() {
            for (String filter : filters.keySet()) {
                if (trie.remove(filter, this)) {
                    connection.unsubscribe(nextToken++, filter);
                }
            }
            filters.clear();
        }

        @Override
        public String toString() {
            return clientId;
        }
    }

    private QoS highestQos(String filter) {
        QoS[] highest = {QoS.AT_MOST_ONCE};
        trie.forEachSubscriber(filter, (device, qos) -> {
            if (qos.level() > highest[0].level()) {
                highest[0] = qos;
            }
        });
        return highest[0];
    }
}
