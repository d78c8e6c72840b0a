package io.sngate.gateway.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.ssl.SslHandler;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.DefaultNameResolver;
import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.sngate.gateway.session.UpstreamEvent;
import io.sngate.gateway.transport.NettyIo;
import io.sngate.gateway.upstream.core.ClientCounters;
import io.sngate.gateway.upstream.core.ClientState;
import io.sngate.gateway.upstream.core.CoreOutput;
import io.sngate.gateway.upstream.core.MqttClientCore;
import io.sngate.gateway.upstream.core.OutageLog;
import io.sngate.hw.ReconnectBackoff;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MQTT 5 client connection to a broker: the Netty adapter of {@link MqttClientCore}, which
 * holds all of the protocol (read it for the life cycle, the request window, QoS, keep-alive and
 * how refused requests are found). This class opens and closes the TCP connection, writes what
 * the core sends, feeds it the broker's packets and one timer, and passes the core's
 * {@link UpstreamEvent}s to the owner.
 *
 * <h2>Threading</h2>
 * All state lives on the event loop given at construction; many connections share a loop and no
 * connection has a thread of its own (DESIGN rule 2). Every public method may be called from any
 * thread: off the loop it hops onto it with {@code loop.execute} (so calls made from one thread
 * keep their order), on the loop it runs at once. Events reach the owner on the loop, one at a
 * time and never from inside one of this connection's public methods: what a call decides (a
 * request refused because the queue is full) is reported in a later loop task, and what the owner
 * does while handling an event is reported after it returns.
 *
 * <h2>Notes</h2>
 * The broker host name is resolved at each attempt by the JDK resolver on one shared
 * {@code sngate-dns} thread, never on the event loop: a slow DNS server must not stall the
 * sessions that share the loop. Writes made while handling the broker's packets are flushed once
 * per read; those made by the owner's requests are flushed once the loop's queued tasks have run,
 * so the publishes of one burst of datagrams leave in one TCP write.
 *
 * <p>With TLS ({@link Builder#tls}) the connection counts as open once the handshake is done: a
 * handshake that fails (a certificate the CAs did not sign, a host name the certificate does not
 * name, a broker that wants a client certificate) reaches the core as a failed connect, with the
 * reason, and takes the same path as a refused TCP connect (a first attempt fails, a reconnection
 * backs off).
 */
public final class MqttConnection implements UpstreamConnection {

    /**
     * Netty's default resolver does the blocking JDK lookup on the channel's event loop. This
     * one does it on a single daemon thread shared by every connection; Bootstrap hands the
     * connect back to the channel's loop once the address is known.
     */
    private static final class OffLoopResolver {
        static final AddressResolverGroup<InetSocketAddress> GROUP =
                new AddressResolverGroup<>() {
                    private final EventExecutor dns =
                            new DefaultEventExecutor(
                                    new DefaultThreadFactory("sngate-dns", true));

                    @Override
                    protected AddressResolver<InetSocketAddress> newResolver(
                            EventExecutor executor) {
                        return new DefaultNameResolver(dns).asAddressResolver();
                    }
                };
    }

    private static final Logger LOG = LoggerFactory.getLogger(MqttConnection.class);
    private static final Logger DISCARD_LOG = LoggerFactory.getLogger("io.sngate.gateway.discard");
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

    /** See {@link MqttClientCore#HEALTHY_AFTER_MILLIS}. */
    static final long HEALTHY_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(MqttClientCore.HEALTHY_AFTER_MILLIS);

    private final EventLoop loop;
    private final String host;
    private final int port;
    private final Consumer<UpstreamEvent> owner;
    private final LongSupplier nanoClock;
    private final Class<? extends SocketChannel> channelType;
    private final BrokerTlsContext tls;
    private final Promise<Void> closed;
    private final MqttClientCore core;

    private Channel channel;
    /** The TCP connect of {@link #channel}. */
    private ChannelFuture connectFuture;
    /** Why {@link #channel}'s TLS handshake failed, once it has. */
    private String handshakeFailure;
    /** A TLS handshake has succeeded on this connection: later failures are reconnections. */
    private boolean handshakeSucceeded;
    /** The last reconnection handshake failure logged, so a lasting one is logged once. */
    private String loggedHandshakeFailure;
    private ScheduledFuture<?> timer;
    private long timerAt = Long.MAX_VALUE;
    private boolean unflushed;
    private boolean flushScheduled;
    private final ArrayDeque<UpstreamEvent> events = new ArrayDeque<>();
    private boolean dispatching;
    private boolean dispatchScheduled;
    /** The core is handling an input: news from the channel waits for a later task (no re-entry). */
    private boolean inCore;
    private volatile long listenerErrors;

    private final Runnable scheduledFlush = () -> {
        flushScheduled = false;
        flush();
    };

    private final Runnable scheduledDispatch = () -> {
        dispatchScheduled = false;
        dispatch();
    };

    private final ChannelFutureListener qos0WriteListener = f -> {
        if (!f.isSuccess()) {
            counters().countQos0WriteFailure();
            DISCARD_LOG.warn("upstream {}: QoS 0 publish lost with the connection: {}", clientId(),
                    f.cause() == null ? "cancelled" : f.cause().toString());
        }
    };

    private MqttConnection(Builder b) {
        this.loop = b.loop;
        this.host = b.host;
        this.port = b.port;
        this.owner = b.owner;
        this.nanoClock = b.nanoClock;
        this.channelType = b.channelType;
        this.tls = b.tls;
        this.closed = loop.newPromise();
        this.core = new MqttClientCore(b.options, host + ":" + port, b.backoff, new Output(),
                b.reconnectDelayObserver, b.outages != null ? b.outages : new OutageLog(host + ":" + port));
    }

    /** Starts building a connection to {@code host:port} owned by {@code loop}; events go to {@code owner}. */
    public static Builder builder(EventLoop loop, String host, int port, ConnectOptions options,
                                  Consumer<UpstreamEvent> owner) {
        return new Builder(loop, host, port, options, owner);
    }

    /** Optional settings of a connection. */
    public static final class Builder {
        private final EventLoop loop;
        private final String host;
        private final int port;
        private final ConnectOptions options;
        private final Consumer<UpstreamEvent> owner;
        private ReconnectBackoff backoff = ReconnectBackoff.defaults();
        private LongSupplier nanoClock = System::nanoTime;
        private Class<? extends SocketChannel> channelType;
        private LongConsumer reconnectDelayObserver = delay -> { };
        private BrokerTlsContext tls;

        private OutageLog outages;

        private Builder(EventLoop loop, String host, int port, ConnectOptions options, Consumer<UpstreamEvent> owner) {
            this.loop = Objects.requireNonNull(loop, "loop");
            this.host = Objects.requireNonNull(host, "host");
            this.port = port;
            this.options = Objects.requireNonNull(options, "options");
            this.owner = Objects.requireNonNull(owner, "owner");
            this.channelType = NettyIo.socketChannel(loop);
            if (port <= 0 || port > 65_535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
        }

        public Builder backoff(ReconnectBackoff value) {
            this.backoff = Objects.requireNonNull(value, "backoff");
            return this;
        }

        /** Monotonic time in nanoseconds; {@code System::nanoTime} by default. */
        public Builder nanoClock(LongSupplier value) {
            this.nanoClock = Objects.requireNonNull(value, "nanoClock");
            return this;
        }

        /** The channel class; by default the one of the loop's transport (epoll or NIO). */
        public Builder channelType(Class<? extends SocketChannel> value) {
            this.channelType = Objects.requireNonNull(value, "channelType");
            return this;
        }

        /** TLS over the TCP connection, with this context (shared by many connections). */
        /** Where broker failures are told: one shared log makes one WARN per outage for all connections. */
        public Builder outages(OutageLog value) {
            this.outages = Objects.requireNonNull(value, "outages");
            return this;
        }

        public Builder tls(BrokerTlsContext value) {
            this.tls = Objects.requireNonNull(value, "tls");
            return this;
        }

        /** Test hook: hears the delay of every reconnection scheduled, in milliseconds, on the loop. */
        Builder reconnectDelayObserver(LongConsumer value) {
            this.reconnectDelayObserver = Objects.requireNonNull(value, "reconnectDelayObserver");
            return this;
        }

        public MqttConnection build() {
            return new MqttConnection(this);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Public API: each hops onto the loop, calls the core, then carries out what it asked.

    /** Opens the connection (once; later calls are ignored). */
    @Override
    public void connect() {
        request(() -> core.start(now()));
    }

    /** See {@link MqttClientCore#publish}; a packet id chosen by the core, not chained. */
    @Override
    public void publish(long token, String topic, byte[] payload, int qos, boolean retain) {
        publish(token, topic, payload, qos, retain, 0, false);
    }

    /**
     * Publishes a message; see {@link MqttClientCore#publish}.
     *
     * @throws IllegalArgumentException if {@code qos} is not 0, 1 or 2
     */
    @Override
    public void publish(long token, String topic, byte[] payload, int qos, boolean retain, int packetId,
                        boolean chained) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        checkQos(qos);
        request(() -> core.publish(token, topic, payload, qos, retain, packetId, chained, now()));
    }

    /** Releases a chained QoS 2 publish; see {@link MqttClientCore#release}. */
    @Override
    public void release(long token, int packetId) {
        request(() -> core.release(token, packetId, now()));
    }

    /** Subscribes: {@code Subscribed} with the granted QoS or a failure. */
    @Override
    public void subscribe(long token, String topicFilter, int qos) {
        Objects.requireNonNull(topicFilter, "topicFilter");
        checkQos(qos);
        request(() -> core.subscribe(token, topicFilter, qos, now()));
    }

    /** Unsubscribes: {@code Unsubscribed} when done. */
    @Override
    public void unsubscribe(long token, String topicFilter) {
        Objects.requireNonNull(topicFilter, "topicFilter");
        request(() -> core.unsubscribe(token, topicFilter, now()));
    }

    /** The owner has message {@code deliveryId} safe; see {@link MqttClientCore#acknowledge}. */
    @Override
    public void acknowledge(long deliveryId) {
        request(() -> core.acknowledge(deliveryId, now()));
    }

    /**
     * Changes the will. MQTT fixes the will at CONNECT time, so a live connection is re-established
     * (DISCONNECT 0x00, which keeps the session and discards the old will, then CONNECT with Clean
     * Start 0 and the new will). Queued and in-flight requests survive.
     */
    @Override
    public void updateWill(Optional<ConnectOptions.Will> will) {
        Objects.requireNonNull(will, "will");
        request(() -> core.updateWill(will, now()));
    }

    /**
     * Ends the connection: DISCONNECT with reason 0x04 (the broker publishes the will) or 0x00 (it
     * discards it), optionally with a new session expiry (0 ends the broker session), then closes.
     * No reconnection afterwards; whatever is still queued or in flight fails with CONGESTION.
     *
     * @return completes when the TCP connection is closed
     */
    @Override
    public Future<Void> disconnect(boolean publishWill, OptionalLong sessionExpirySeconds) {
        Objects.requireNonNull(sessionExpirySeconds, "sessionExpirySeconds");
        if (sessionExpirySeconds.isPresent() && (sessionExpirySeconds.getAsLong() < 0
                || sessionExpirySeconds.getAsLong() > ConnectOptions.MAX_SESSION_EXPIRY)) {
            throw new IllegalArgumentException("session expiry out of range: " + sessionExpirySeconds.getAsLong());
        }
        request(() -> core.disconnect(publishWill, sessionExpirySeconds, now()));
        return closed;
    }

    /**
     * Gateway shutdown: DISCONNECT 0x00 without changing the session expiry, so the broker keeps
     * the session and does not publish the will; then closes.
     */
    @Override
    public Future<Void> close() {
        request(() -> core.close(now()));
        return closed;
    }

    /** Completes when the connection has ended for good and its channel is closed. */
    public Future<Void> closeFuture() {
        return closed;
    }

    public ClientState state() {
        return core.state();
    }

    public String clientId() {
        return core.options().clientId();
    }

    public EventLoop eventLoop() {
        return loop;
    }

    /** Requests waiting to be sent (call on the loop for an exact value). */
    public int queuedRequests() {
        return core.queuedRequests();
    }

    /** QoS 1/2 publishes, subscribes and unsubscribes sent and not yet answered (call on the loop). */
    public int inFlightRequests() {
        return core.inFlightRequests();
    }

    /** Inbound QoS 1/2 messages not completely acknowledged (call on the loop). */
    public int inboundPending() {
        return core.inboundPending();
    }

    /** What this connection counted; readable from any thread. */
    public ClientCounters counters() {
        return core.counters();
    }

    /** Exceptions the owner threw from an event (logged, counted, not propagated). */
    public long listenerErrors() {
        return listenerErrors;
    }

    @Override
    public String toString() {
        return "MqttConnection[" + clientId() + " -> " + host + ":" + port + ", " + state() + "]";
    }

    /** Test hook: {@link #publish} without the local topic check. */
    void publishUncheckedForTest(long token, String topic, byte[] payload, int qos, boolean retain) {
        request(() -> core.publishUnchecked(token, topic, payload, qos, retain, now()));
    }

    /** Test hook: drops the TCP connection without DISCONNECT, as a network failure would. */
    void dropConnectionForTest() {
        request(() -> core.dropConnection(now()));
    }

    private static void checkQos(int qos) {
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos must be 0, 1 or 2: " + qos);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Driving the core

    private long now() {
        return TimeUnit.NANOSECONDS.toMillis(nanoClock.getAsLong());
    }

    /** An owner's request: its events are reported in a later loop task, its writes flushed soon. */
    private void request(Runnable call) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> request(call));
            return;
        }
        if (inCore) {
            loop.execute(() -> request(call));
            return;
        }
        inCore = true;
        try {
            call.run();
        } finally {
            inCore = false;
        }
        if (unflushed && !flushScheduled) {
            flushScheduled = true;
            loop.execute(scheduledFlush);
        }
        afterInput();
        if (!events.isEmpty() && !dispatchScheduled && !dispatching) {
            dispatchScheduled = true;
            loop.execute(scheduledDispatch);
        }
    }

    /** News from the network or the timer: writes flushed and events reported at once. */
    private void input(Runnable call) {
        input(call, true);
    }

    /**
     * @param flushNow false while reading: {@code channelReadComplete} flushes once for every
     *                 packet of the read
     */
    private void input(Runnable call, boolean flushNow) {
        if (inCore) {
            // Netty completed a future on the spot, inside one of the core's effects.
            loop.execute(() -> input(call, true));
            return;
        }
        inCore = true;
        try {
            call.run();
        } finally {
            inCore = false;
        }
        if (flushNow) {
            flush();
        }
        afterInput();
        dispatch();
    }

    private void afterInput() {
        if (core.isFinished() && channel == null) {
            cancelTimer();
            closed.trySuccess(null);
            return;
        }
        long deadline = core.nextDeadline();
        if (deadline == Long.MAX_VALUE) {
            cancelTimer(); // nothing is due any more
            return;
        }
        if (deadline >= timerAt) {
            // A later deadline (the keep-alive moves with every packet) keeps the timer: it fires
            // early, finds nothing due and is set again. Rescheduling at every packet cost a timer
            // cancel and insert per message (measured, docs/benchmarks.md).
            return;
        }
        cancelTimer();
        timerAt = deadline;
        timer = loop.schedule(this::onTimer, Math.max(0, deadline - now()), TimeUnit.MILLISECONDS);
    }

    private void onTimer() {
        timer = null;
        timerAt = Long.MAX_VALUE;
        input(() -> core.onTimer(now()));
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        timerAt = Long.MAX_VALUE;
    }

    /** Passes the core's events on, in order; an event the owner's handling causes waits its turn. */
    private void dispatch() {
        if (dispatching) {
            return;
        }
        dispatching = true;
        try {
            UpstreamEvent event;
            while ((event = events.poll()) != null) {
                try {
                    owner.accept(event);
                } catch (RuntimeException e) {
                    listenerErrors++;
                    LOG.error("upstream {}: the owner failed on {}", clientId(), event, e);
                }
            }
        } finally {
            dispatching = false;
        }
    }

    private void flush() {
        if (unflushed && channel != null) {
            unflushed = false;
            channel.flush();
        }
    }

    /** Closing reports it as a failed connect: the core never heard the connection was open. */
    private void tlsHandshakeFailed(Channel ch, Throwable cause) {
        if (handshakeFailure == null) {
            handshakeFailure = "cannot connect to " + host + ":" + port + ": TLS handshake failed: "
                    + BrokerTlsContext.describe(cause);
            // The core logs a failed first connect; a failed reconnection only at DEBUG, as it
            // is usually the broker being away. A certificate problem stays until someone acts.
            if (handshakeSucceeded && !handshakeFailure.equals(loggedHandshakeFailure)) {
                loggedHandshakeFailure = handshakeFailure;
                LOG.warn("upstream {}: reconnection: {} (trying again with backoff)", clientId(), handshakeFailure);
            }
        }
        ch.close();
    }

    private String connectFailure(Throwable cause) {
        return "cannot connect to " + host + ":" + port + ": " + describe(cause);
    }

    private void onChannelClosed(Channel ch, boolean deferred) {
        if (ch != channel) {
            return;
        }
        ChannelFuture connecting = connectFuture;
        String ioDetail = null;
        if (connecting != null && !connecting.isSuccess()) {
            if (!connecting.isDone() && !deferred) {
                // The channel closed before its connect promise failed (e.g. the address could not
                // be resolved, which fails the promise from the resolver's thread): read the cause
                // once the promise is done; its listeners run on this loop.
                connecting.addListener(f -> onChannelClosed(ch, true));
                return;
            }
            if (connecting.cause() != null) {
                ioDetail = connectFailure(connecting.cause());
            }
        }
        if (ioDetail == null && handshakeFailure != null) {
            ioDetail = handshakeFailure;
        }
        channel = null;
        connectFuture = null;
        handshakeFailure = null;
        unflushed = false;
        String detail = ioDetail;
        input(() -> core.onClosed(detail, now()));
    }

    /** An exception on an open connection: TLS ones (an alert from the broker) said as such. */
    private static String describeIo(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SSLException) {
                return "TLS error: " + BrokerTlsContext.describe(t);
            }
        }
        return "I/O error: " + describe(t);
    }

    private static String describe(Throwable t) {
        if (t == null) {
            return "unknown cause";
        }
        String name = t.getClass().getSimpleName();
        return t.getMessage() == null ? name : name + ": " + t.getMessage();
    }

    /** The core's effects, carried out on the channel. */
    private final class Output implements CoreOutput {
        @Override
        public void open() {
            int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, core.options().connectTimeout().toMillis());
            int maxPacketSize = core.options().maxPacketSize();
            handshakeFailure = null;
            Bootstrap bootstrap = new Bootstrap()
                    .group(loop)
                    .channel(channelType)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMillis)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .resolver(OffLoopResolver.GROUP)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            if (tls != null) {
                                ch.pipeline().addLast("tls", tls.newHandler(ch.alloc(), host, port, timeoutMillis));
                            }
                            ch.pipeline().addLast("decoder", new MqttDecoder(maxPacketSize));
                            ch.pipeline().addLast("encoder", MqttEncoder.INSTANCE);
                            ch.pipeline().addLast("handler", new Handler());
                        }
                    });
            ChannelFuture connecting = bootstrap.connect(host, port);
            Channel ch = connecting.channel();
            channel = ch;
            connectFuture = connecting;
            ch.closeFuture().addListener(f -> {
                if (tls != null) {
                    // SslHandler closes the channel on a fatal alert and only then passes the alert
                    // on as an exception: read the close in a later task, once the reason is known.
                    loop.execute(() -> onChannelClosed(ch, false));
                } else {
                    onChannelClosed(ch, false);
                }
            });
            connecting.addListener((ChannelFuture f) -> {
                if (ch != channel) {
                    ch.close();
                    return;
                }
                if (!f.isSuccess()) {
                    ch.close();
                    return;
                }
                SslHandler ssl = ch.pipeline().get(SslHandler.class);
                if (ssl == null) {
                    input(() -> core.onOpened(now()));
                    return;
                }
                ssl.handshakeFuture().addListener(handshake -> {
                    if (ch != channel) {
                        return;
                    }
                    if (handshake.isSuccess()) {
                        handshakeSucceeded = true;
                        loggedHandshakeFailure = null;
                        input(() -> core.onOpened(now()));
                    } else {
                        tlsHandshakeFailed(ch, handshake.cause());
                    }
                });
            });
        }

        @Override
        public void send(MqttMessage packet) {
            Channel ch = channel;
            if (ch == null) {
                return;
            }
            unflushed = true;
            if (packet instanceof MqttPublishMessage publish
                    && publish.fixedHeader().qosLevel() == MqttQoS.AT_MOST_ONCE) {
                ch.write(packet).addListener(qos0WriteListener);
            } else {
                ch.write(packet, ch.voidPromise());
            }
        }

        @Override
        public void close() {
            Channel ch = channel;
            if (ch != null) {
                unflushed = false;
                // An empty write completes after what was written before it: DISCONNECT goes first.
                ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void disconnect(MqttMessage disconnect) {
            Channel ch = channel;
            if (ch == null) {
                return;
            }
            unflushed = false;
            ch.writeAndFlush(disconnect).addListener(f -> {
                if (!f.isSuccess() || !(ch instanceof DuplexChannel duplex)) {
                    ch.close();
                } else {
                    duplex.shutdownOutput();
                }
            });
        }

        @Override
        public void event(UpstreamEvent event) {
            events.add(event);
        }
    }

    /** The per-channel handler: routes everything to the core, on the loop. */
    private final class Handler extends SimpleChannelInboundHandler<MqttMessage> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
            if (ctx.channel() == channel) {
                input(() -> core.onPacket(msg, now()), false);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (ctx.channel() == channel) {
                unflushed = false;
            }
            ctx.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel() == channel) {
                // Read when the input runs, not now: a change seen during one of the core's own
                // writes is handed over in a later task, after changes that may have followed it.
                Channel ch = ctx.channel();
                input(() -> core.onWritabilityChanged(ch.isWritable(), now()));
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (ctx.channel() == channel) {
                SslHandler ssl = ctx.pipeline().get(SslHandler.class);
                if (ssl != null && !ssl.handshakeFuture().isSuccess()) {
                    // Still handshaking: the core has not been told the connection is open.
                    tlsHandshakeFailed(ctx.channel(), cause);
                    return;
                }
                input(() -> core.onIoError(describeIo(cause), now()));
            } else {
                ctx.close();
            }
        }
    }
}
