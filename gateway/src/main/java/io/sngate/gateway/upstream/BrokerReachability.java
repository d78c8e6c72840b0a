package io.sngate.gateway.upstream;

import io.netty.channel.EventLoop;
import io.sngate.gateway.session.UpstreamEvent;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the broker can be reached, for the ready line, the outage log and the status LED: one
 * small connection of its own (clean start, no session, a short keep-alive so that a vanished
 * broker shows within seconds).
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
    /**
     * Whether the probe's connection, with the gateway's own settings and credentials, is up;
     * {@code detail} says why not (the broker's refusal, a TLS failure, a refused TCP connection).
     */
    public record Status(boolean reachable, String detail) {
    }
    private int failedAttempts;
    private boolean closed;
    /** What the probe knows now: null before its first answer, else connected or why not. */
    private volatile State state;
    private final java.util.concurrent.CompletableFuture<State> firstAnswer = new java.util.concurrent.CompletableFuture<>();
    private final java.util.concurrent.CompletableFuture<State> firstConnected =
            new java.util.concurrent.CompletableFuture<>();

    /**
     * The broker as the probe last found it.
     *
     * @param failure why it cannot be reached (empty when connected)
     * @param settingAtFault the settings the failure points at (a refused login, TLS), or null
     */
    public record State(boolean connected, String failure, String settingAtFault) {

        static State up() {
            return new State(true, "", null);
        }

        static State down(String why) {
            return new State(false, why, io.sngate.gateway.upstream.core.BrokerRefusal.settingAtFault(why));
        }

        /** {@code connected}, or {@code unreachable: why}: for the ready line. */
        public String describe() {
            return connected ? "connected" : "unreachable: " + failure;
        }
    }

    /**
     * Unique per process: two gateways with the same gateway.id on one broker would otherwise take
     * each other's probe session over, again and again, and each report an outage every time.
     */
    private final String clientId;

    private BrokerReachability(EventLoop loop, UpstreamSettings settings, Consumer<Boolean> reachable) {
        this.loop = loop;
        this.settings = settings;
        this.reachable = reachable;
        this.clientId = "sngate-status-gw" + settings.gatewayId() + "-"
                + java.util.HexFormat.of().toHexDigits(new java.util.Random().nextInt());
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
            if (event instanceof UpstreamEvent.Connected || event instanceof UpstreamEvent.Reconnected) {
                failedAttempts = 0;
                settings.outages().probeConnected();
                answer(State.up());
                reachable.accept(true);
            } else if (event instanceof UpstreamEvent.ConnectionLost lost) {
                settings.outages().probeFailed("connection lost: " + lost.detail());
                answer(State.down("connection lost: " + lost.detail()));
                reachable.accept(false);
            } else if (event instanceof UpstreamEvent.ConnectFailed failed) {
                settings.outages().probeFailed(failed.detail());
                answer(State.down(failed.detail()));
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
                settings.options(clientId).withCleanStart(true)
                        .withSessionExpirySeconds(0).withKeepAliveSeconds(KEEP_ALIVE_SECONDS), listener).build();
        connection.connect();
    }

    private void answer(State now) {
        state = now;
        firstAnswer.complete(now);
        if (now.connected()) {
            firstConnected.complete(now);
        } else if (now.settingAtFault() != null) {
            // A refused login or TLS setting does not fix itself: a start that waits for the broker fails now.
            firstConnected.completeExceptionally(new IllegalStateException(now.failure()));
        }
    }

    /** The broker as last found, or empty before the first answer; any thread. */
    public java.util.Optional<State> state() {
        return java.util.Optional.ofNullable(state);
    }

    /** The first answer, when it comes. */
    public java.util.concurrent.CompletableFuture<State> firstAnswer() {
        return firstAnswer;
    }

    /** Completes when the probe first connects (it keeps retrying with the upstream's backoff until then). */
    public java.util.concurrent.CompletableFuture<State> firstConnected() {
        return firstConnected;
    }

    /** The broker as the probe last found it, for /ready; any thread. */
    public Status status() {
        State now = state;
        if (now == null) {
            return new Status(false, "not yet probed");
        }
        return new Status(now.connected(), now.connected() ? "connected" : now.failure());
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
