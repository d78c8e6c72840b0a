package io.sngate.gateway.upstream;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.gateway.Metrics;
import io.sngate.gateway.SessionUpstream;
import io.sngate.gateway.session.DeliveryFailure;
import io.sngate.gateway.session.UpstreamConnect;
import io.sngate.gateway.session.UpstreamEvent;
import io.sngate.gateway.session.Will;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Transparent mode (spec §4): each device gets its own MQTT 5 session at the broker, with the
 * device's client id, its will as the MQTT will and its clean-session flag as Clean Start.
 * The connection lives on the device session's event loop, so the broker's answers reach
 * the session without a thread hop. QoS -1 traffic shares one extra connection.
 */
public final class TransparentUpstream implements SessionUpstream.Factory {

    private static final Logger LOG = LoggerFactory.getLogger(TransparentUpstream.class);

    private final EventLoopGroup loops;
    private final UpstreamSettings settings;
    private final Metrics metrics;
    private final DeviceCredentials.Lookup credentials;
    private final UpstreamConnection.Factory connections;
    private UpstreamConnection withoutSession;

    public TransparentUpstream(EventLoopGroup loops, UpstreamSettings settings, Metrics metrics) {
        this(loops, settings, metrics, DeviceCredentials.Lookup.NONE);
    }

    /** @param credentials each device's own broker credentials, looked up at each of its connections */
    public TransparentUpstream(EventLoopGroup loops, UpstreamSettings settings, Metrics metrics,
                               DeviceCredentials.Lookup credentials) {
        this(loops, settings, metrics, credentials, UpstreamConnection.mqtt(settings));
    }

    /** @param connections makes the broker connections: a fake one in tests */
    TransparentUpstream(EventLoopGroup loops, UpstreamSettings settings, Metrics metrics,
                        DeviceCredentials.Lookup credentials, UpstreamConnection.Factory connections) {
        this.loops = loops;
        this.settings = settings;
        this.metrics = metrics;
        this.credentials = credentials;
        this.connections = connections;
    }

    @Override
    public SessionUpstream create(String clientId, EventLoop loop, Consumer<UpstreamEvent> events) {
        return new DeviceConnection(clientId, loop, events);
    }

    @Override
    public synchronized void publishWithoutSession(String topic, Bytes payload, boolean retain) {
        if (withoutSession == null) {
            // One connection for all QoS -1 traffic (spec §8.5); it queues while it connects.
            withoutSession = connections.create(loops.next(),
                    settings.options("sngate-qos-1-gw" + settings.gatewayId())
                            .withCleanStart(true).withSessionExpirySeconds(0),
                    event -> {
                        // QoS 0 publishes are answered only by a failure; the connection's end matters.
                        if (event instanceof UpstreamEvent.ConnectFailed failed) {
                            metrics.count("upstream.qos_minus_one_connect_failed");
                            LOG.warn("QoS -1 connection to {} failed: {}", settings.uri(), failed.detail());
                            dropQosMinusOneConnection();
                        }
                    });
            withoutSession.connect();
        }
        withoutSession.publish(0, topic, payload.toArray(), 0, retain);
    }

    private synchronized void dropQosMinusOneConnection() {
        withoutSession = null;
    }

    @Override
    public String brokerUri() {
        return settings.uri();
    }

    @Override
    public synchronized void close() {
        if (withoutSession != null) {
            withoutSession.close();
        }
    }

    /** One device's broker connection; replaced whenever the device connects again. */
    private final class DeviceConnection implements SessionUpstream {
        private final String clientId;
        private final EventLoop loop;
        private final Consumer<UpstreamEvent> events;
        private UpstreamConnection connection;

        DeviceConnection(String clientId, EventLoop loop, Consumer<UpstreamEvent> events) {
            this.clientId = clientId;
            this.loop = loop;
            this.events = events;
        }

        @Override
        public void connect(UpstreamConnect request) {
            if (connection != null) {
                connection.close(); // the session's own restart: keep the broker session, no will
            }
            ConnectOptions options = settings.options(clientId);
            Optional<DeviceCredentials> own = credentials.apply(clientId);
            if (own.isPresent()) {
                options = options.withCredentials(own.get().username(), own.get().password());
            }
            options = options
                    .withCleanStart(request.cleanStart())
                    .withSessionExpirySeconds(request.sessionExpirySeconds())
                    .withReceiveMaximum(Math.max(1, Math.min(65_535, request.receiveMaximum())))
                    .withMaxPacketSize(Math.max(64, request.maxPacketSize()))
                    .withWill(request.will().map(TransparentUpstream::toMqttWill));
            UpstreamConnection[] self = new UpstreamConnection[1];
            UpstreamConnection created = connections.create(loop, options,
                    event -> {
                        if (self[0] == connection) {
                            passOn(event);
                        }
                    });
            self[0] = created;
            connection = created;
            created.connect();
        }

        /** One connection's events go to the session as they are; a replaced connection's are dropped. */
        private void passOn(UpstreamEvent event) {
            if (event instanceof UpstreamEvent.ConnectFailed) {
                metrics.count("upstream.connect_failed");
            } else if (event instanceof UpstreamEvent.ConnectionLost lost) {
                metrics.count("upstream.connection_lost");
                LOG.debug("client {}: broker connection lost ({}), reconnecting", clientId, lost.detail());
            } else if (event instanceof UpstreamEvent.Reconnected) {
                metrics.count("upstream.reconnected");
            }
            events.accept(event);
        }

        @Override
        public void publish(long token, String topic, Bytes payload, QoS qos, boolean retain, int msgId) {
            if (connection == null) {
                events.accept(new UpstreamEvent.PublishDone(token, Optional.of(DeliveryFailure.CONGESTION)));
                return;
            }
            // The device's own broker session: its message id is free as the packet id, and a
            // QoS 2 exchange is chained to the device's, so that both survive a gateway restart.
            connection.publish(token, topic, payload.toArray(), Math.max(0, qos.level()), retain, msgId,
                    qos == QoS.EXACTLY_ONCE);
        }

        @Override
        public void release(long token, int msgId) {
            if (connection == null) {
                events.accept(new UpstreamEvent.PublishDone(token, Optional.of(DeliveryFailure.CONGESTION)));
                return;
            }
            connection.release(token, msgId);
        }

        @Override
        public void subscribe(long token, String topicFilter, QoS qos) {
            if (connection == null) {
                events.accept(new UpstreamEvent.Subscribed(token, Optional.empty(),
                        Optional.of(DeliveryFailure.CONGESTION)));
                return;
            }
            connection.subscribe(token, topicFilter, qos.level());
        }

        @Override
        public void unsubscribe(long token, String topicFilter) {
            if (connection == null) {
                events.accept(new UpstreamEvent.Unsubscribed(token));
                return;
            }
            connection.unsubscribe(token, topicFilter);
        }

        @Override
        public void acknowledge(long deliveryId) {
            if (connection != null) {
                connection.acknowledge(deliveryId);
            }
        }

        @Override
        public void willChanged(Optional<Will> will) {
            if (connection != null) {
                connection.updateWill(will.map(TransparentUpstream::toMqttWill));
            }
        }

        @Override
        public void disconnect(boolean publishWill, boolean endSession) {
            if (connection != null) {
                connection.disconnect(publishWill, endSession ? OptionalLong.of(0) : OptionalLong.empty());
                connection = null;
            }
        }

        @Override
        public void shutdown() {
            if (connection != null) {
                connection.close();
                connection = null;
            }
        }

    }

    static ConnectOptions.Will toMqttWill(Will will) {
        return new ConnectOptions.Will(will.topic(), will.message().toArray(), Math.max(0, will.qos().level()),
                will.retain());
    }
}
