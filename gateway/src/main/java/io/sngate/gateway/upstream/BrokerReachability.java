package io.sngate.gateway.upstream;

import io.netty.channel.EventLoop;
import io.sngate.gateway.session.UpstreamEvent;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the broker can be reached, for the status LED: one small connection of its own
 * (clean start, no session, a short keep-alive so that a vanished broker shows within seconds).
 * The device sessions' connections cannot tell this alone: in transparent mode there are none
 * until a device connects, and each reports only for itself. An established connection
 * reconnects by itself; a first attempt that fails ends an {@link MqttConnection}, so then a
 * new one is made after the upstream's backoff. Everything runs on one event loop.
 */
public final class BrokerReachability implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerReachability.class);
    static final int KEEP_ALIVE_SECONDS = 10;

    private final EventLoop loop;
    private final UpstreamSettings settings;
    private final Consumer<Boolean> reachable;
    private MqttConnection connection;
    /** The probe's last word, for /ready on any thread; until its first answer the broker is unknown. */
    private volatile Status status = new Status(false, "not yet probed");

    /**
     * Whether the probe's connection, with the gateway's own settings and credentials, is up;
     * {@code detail} says why not (the broker's refusal, a TLS failure, a refused TCP connection).
     */
    public record Status(boolean reachable, String detail) {
    }
    private int failedAttempts;
    private boolean closed;

    private BrokerReachability(EventLoop loop, UpstreamSettings settings, Consumer<Boolean> reachable) {
        this.loop = loop;
        this.settings = settings;
        this.reachable = reachable;
    }

    /** Starts watching; {@code reachable} hears every change, on {@code loop}. */
    public static BrokerReachability watch(EventLoop loop, UpstreamSettings settings, Consumer<Boolean> reachable) {
        BrokerReachability watch = new BrokerReachability(loop, settings, reachable);
        loop.execute(watch::open);
        return watch;
    }

    private void open() {
        if (closed) {
            return;
        }
        Consumer<UpstreamEvent> listener = event -> {
            if (event instanceof UpstreamEvent.Connected) {
                failedAttempts = 0;
                status = new Status(true, "connected");
                reachable.accept(true);
            } else if (event instanceof UpstreamEvent.Reconnected) {
                status = new Status(true, "connected");
                reachable.accept(true);
            } else if (event instanceof UpstreamEvent.ConnectionLost lost) {
                status = new Status(false, "connection lost: " + lost.detail());
                reachable.accept(false);
            } else if (event instanceof UpstreamEvent.ConnectFailed failed) {
                status = new Status(false, failed.detail());
                reachable.accept(false);
                long delay = settings.backoff().delayMillis(failedAttempts++);
                LOG.debug("broker reachability probe: {}; again in {} ms", failed.detail(), delay);
                loop.schedule(BrokerReachability.this::open, delay, TimeUnit.MILLISECONDS);
            }
            // A probe sends no requests and subscribes to nothing: no other event comes.
        };
        // Over TLS when the broker is an ssl:// one: a broker that answers TCP but refuses the
        // gateway's TLS is not reachable for the devices either.
        connection = settings.connection(loop,
                settings.options("sngate-status-gw" + settings.gatewayId()).withCleanStart(true)
                        .withSessionExpirySeconds(0).withKeepAliveSeconds(KEEP_ALIVE_SECONDS), listener).build();
        connection.connect();
    }

    /** The broker as the probe last found it; any thread. */
    public Status status() {
        return status;
    }

    @Override
    public void close() {
        loop.execute(() -> {
            closed = true;
            if (connection != null) {
                connection.close();
            }
        });
    }
}
