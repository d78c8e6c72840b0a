package io.sngate.gateway;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.Bytes;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.PingReq;
import io.sngate.gateway.session.ClientSession;
import io.sngate.gateway.session.Effect;
import io.sngate.gateway.session.UpstreamEvent;
import io.sngate.gateway.transport.LinkAddress;
import io.sngate.gateway.session.SessionState;
import io.sngate.gateway.session.SparseMaps;
import io.sngate.gateway.session.SessionView;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.Publish;
import io.sngate.gateway.admin.ClientSnapshot;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link ClientSession} on its event loop: feeds it packets, upstream events and
 * timer ticks, and carries out the effects it returns. Everything here runs on {@link #loop},
 * so the session needs no locks (DESIGN rule 2).
 */
final class SessionHost {

    private static final Logger LOG = LoggerFactory.getLogger(SessionHost.class);

    private final ClientSession session;
    private final EventLoop loop;
    private final LongSupplier clock;
    private final Links links;
    private final Metrics metrics;
    private final WarnLimiter warnings;
    private final Runnable onFinished;
    private final SessionUpstream upstream;
    private volatile LinkAddress address;
    /** The session's state after its last input, for the dispatcher's thread (a sleeping device may move). */
    private volatile SessionState state = SessionState.DISCONNECTED;
    /** What the dispatcher counted this session under for the per-source cap; guarded by the dispatcher. */
    Object countedSource;
    /** Device packets handed over and not yet handled; any thread (a field updater: 100 000 sessions). */
    private volatile int pendingInput;
    private static final AtomicIntegerFieldUpdater<SessionHost> PENDING_INPUT =
            AtomicIntegerFieldUpdater.newUpdater(SessionHost.class, "pendingInput");
    private ScheduledFuture<?> timer;
    /** True while the session handles an input; loop thread only. */
    private boolean handling;
    /** Upstream events that arrived while {@link #handling}, made at the first; loop thread only. */
    private java.util.ArrayDeque<UpstreamEvent> deferred;
    private long timerAt = Long.MAX_VALUE;
    /** The session present flag of the last upstream connect, for the "connected" line; loop thread only. */
    private boolean sessionPresent;
    /** The input being handled ended the session as lost (that is logged with the Lost effect); loop thread only. */
    private boolean lostInInput;
    /** A PINGREQ is waking the sleeping device with this many messages waiting; -1 otherwise. Loop thread only. */
    private int wakingWith = -1;
    /** Messages waiting for the device after the last input, for the queue gauges on any thread. */
    private volatile int queued;
    /** The broker side as the session last heard of it; read by the admin API on any thread. */
    private volatile String upstreamState = "closed";
    /** When the current connection was accepted (session clock), or -1; loop thread only. */
    private long connectedSince = -1;
    /**
     * The device's QoS 1/2 PUBLISHes handed upstream, by token, with the time they left: the
     * broker's acknowledgement latency is measured from here. Bounded by the session's upstream
     * in-flight window; made at the first (an idle sensor never needs it); loop thread only.
     */
    private Map<Long, Long> publishedAt = SparseMaps.none();
    // This client's counts for the admin API; loop thread only.
    private long packetsFromDevice;
    private long packetsToDevice;
    private long publishesToBroker;
    private long messagesToDevice;
    private long discarded;

    /** Sends packets to devices over whichever transport owns their address. */
    interface Links {
        void send(LinkAddress to, byte[] packet);

        /**
         * Broadcasts on the link {@code near} is on, within {@code radius} hops where the link
         * knows hops (an XBee radio does); links without broadcast of their own send to {@code near}.
         */
        default void broadcastNear(LinkAddress near, byte[] packet, int radius) {
            send(near, packet);
        }
    }

    SessionHost(ClientSession session, EventLoop loop, LinkAddress address, LongSupplier clock, Links links,
                Metrics metrics, WarnLimiter warnings, SessionUpstream.Factory upstreams, Runnable onFinished) {
        this.session = session;
        this.loop = loop;
        this.address = address;
        this.clock = clock;
        this.links = links;
        this.metrics = metrics;
        this.warnings = warnings;
        this.onFinished = onFinished;
        this.upstream = upstreams.create(session.clientId(), loop, this::fromUpstream);
    }

    String clientId() {
        return session.clientId();
    }

    LinkAddress address() {
        return address;
    }

    /** The device is now at {@code newAddress}; it has to show again that it receives there. */
    void moveTo(LinkAddress newAddress, int nextMsgId) {
        address = newAddress;
        loop.execute(() -> session.onAddressChanged(nextMsgId));
    }

    /** Another device took this session's address: the session ends as a lost one; any thread. */
    void addressTaken(String byClientId) {
        PENDING_INPUT.incrementAndGet(this);
        loop.execute(() -> {
            PENDING_INPUT.decrementAndGet(this);
            handle(() -> session.onAddressTaken(byClientId, clock.getAsLong(), this::apply));
        });
    }

    /** The session's state as of its last input; any thread. */
    SessionState state() {
        return state;
    }

    EventLoop loop() {
        return loop;
    }

    /** A packet from the device; may be called from any thread. */
    void fromDevice(MqttSn12Message message) {
        PENDING_INPUT.incrementAndGet(this);
        loop.execute(() -> {
            PENDING_INPUT.decrementAndGet(this);
            if (session.state() == SessionState.ASLEEP && message instanceof PingReq ping
                    && (!ping.hasClientId() || ping.clientId().equals(Bytes.utf8(session.clientId())))) {
                // A device with nothing waiting is awake and asleep again within this one input.
                wakingWith = session.queuedMessages();
            }
            packetsFromDevice++;
            handle(() -> session.onDevice(message, clock.getAsLong(), this::apply));
        });
    }

    /** The link could not deliver a packet to the device; may be called from any thread. */
    void linkDeliveryFailed() {
        loop.execute(() -> {
            handle(() -> session.onLinkDeliveryFailed(clock.getAsLong(), this::apply));
        });
    }

    /** True while a device packet handed over by {@link #fromDevice} still waits on the loop. */
    boolean hasPendingInput() {
        return pendingInput > 0;
    }

    private void fromUpstream(UpstreamEvent event) {
        if (loop.inEventLoop()) {
            observe(event);
            if (handling) {
                // The upstream answered at once, while the session is still handling the input
                // that asked (a publish with no connection fails on the spot): after it returns.
                if (deferred == null) {
                    deferred = new java.util.ArrayDeque<>(2);
                }
                deferred.add(event);
                return;
            }
            handle(() -> upstreamInput(event));
        } else {
            loop.execute(() -> fromUpstream(event));
        }
    }

    /** What the admin API shows of the broker side, and the broker's acknowledgement latency. */
    private void observe(UpstreamEvent event) {
        if (event instanceof UpstreamEvent.Connected || event instanceof UpstreamEvent.Reconnected) {
            upstreamState = "connected";
        } else if (event instanceof UpstreamEvent.ConnectionLost) {
            upstreamState = "reconnecting";
        } else if (event instanceof UpstreamEvent.ConnectFailed) {
            upstreamState = "failed";
        } else if (event instanceof UpstreamEvent.PublishReceived received) {
            acknowledged(received.token()); // QoS 2: the broker's PUBREC
        } else if (event instanceof UpstreamEvent.PublishDone done) {
            acknowledged(done.token()); // QoS 1: PUBACK; QoS 2 was measured at PUBREC already
        }
    }

    private void acknowledged(long token) {
        Long sentAt = publishedAt.remove(token);
        if (sentAt != null) {
            metrics.recordAckLatency(clock.getAsLong() - sentAt);
        }
    }

    /** The client as it is now, copied on its loop; any thread. */
    CompletableFuture<ClientSnapshot> snapshot() {
        CompletableFuture<ClientSnapshot> result = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                result.complete(snapshotOnLoop());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private ClientSnapshot snapshotOnLoop() {
        SessionView view = session.view();
        long now = clock.getAsLong();
        Instant wallNow = Instant.now();
        List<ClientSnapshot.Topic> topics = view.topics().stream()
                .map(t -> new ClientSnapshot.Topic(t.id(), t.name(), t.knownToDevice())).toList();
        Map<String, Long> counters = new LinkedHashMap<>();
        counters.put("packets_from_device", packetsFromDevice);
        counters.put("packets_to_device", packetsToDevice);
        counters.put("publishes_to_broker", publishesToBroker);
        counters.put("messages_to_device", messagesToDevice);
        counters.put("discarded", discarded);
        LinkAddress at = address;
        return new ClientSnapshot(view.clientId(), view.state().name().toLowerCase(), linkKind(at), at.toString(),
                ClientSnapshot.PROTOCOL, view.cleanSession(), view.keepAliveSeconds(), view.sleepSeconds(),
                connectedSince < 0 ? null : wallNow.minusMillis(now - connectedSince),
                connectedSince < 0 ? null : (now - connectedSince) / 1000,
                wallNow.minusMillis(now - view.lastHeardMillis()), (now - view.lastHeardMillis()) / 1000, topics, view.subscriptions(),
                view.queuedToDevice(), view.inFlightToDevice(), view.inFlightToBroker(), view.proven(),
                upstreamState, counters);
    }

    /** The kind of link an address is on, as the admin API names it. */
    static String linkKind(LinkAddress address) {
        if (address instanceof LinkAddress.Udp) {
            return "udp";
        } else if (address instanceof LinkAddress.Dtls) {
            return "dtls";
        } else if (address instanceof LinkAddress.Serial) {
            return "serial";
        } else if (address instanceof LinkAddress.XBee) {
            return "xbee";
        }
        return "forwarded";
    }

    /**
     * An operator ends the session (admin API): on its loop, as if the device were lost, so the
     * will is published; any thread. Completes with false when the session had already ended.
     */
    CompletableFuture<Boolean> kick(String why) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        loop.execute(() -> {
            boolean[] ended = new boolean[1];
            try {
                handle(() -> ended[0] = session.kick(why, clock.getAsLong(), this::apply));
                result.complete(ended[0]);
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** Messages waiting for the device as of the session's last input; any thread. */
    int queued() {
        return queued;
    }

    /** The broker side as the session last heard of it; any thread. */
    String upstreamState() {
        return upstreamState;
    }

    /** The gateway is stopping: leave the broker session in place, publish no will. */
    void shutdown() {
        if (loop.inEventLoop()) {
            upstream.shutdown();
        } else {
            loop.execute(upstream::shutdown);
        }
    }

    /** Snapshot of the state, for tests and the admin view; call on any thread. */
    String describe() {
        return session.clientId() + " " + session.state() + " at " + address;
    }

    ClientSession sessionForTests() {
        return session;
    }

    private void tick() {
        timer = null;
        timerAt = Long.MAX_VALUE;
        handle(() -> session.onTimer(clock.getAsLong(), this::apply));
    }

    /**
     * Runs one input through the session, then whatever the upstream answered meanwhile: the
     * session never sees an input while it is still handling another (no re-entry).
     */
    private void handle(Runnable input) {
        handling = true;
        try {
            input.run();
        } finally {
            handling = false;
        }
        afterInput();
        UpstreamEvent next;
        while (deferred != null && (next = deferred.poll()) != null) {
            UpstreamEvent event = next;
            handling = true;
            try {
                upstreamInput(event);
            } finally {
                handling = false;
            }
            afterInput();
        }
    }

    private void upstreamInput(UpstreamEvent event) {
        if (event instanceof UpstreamEvent.Connected connected) {
            sessionPresent = connected.sessionPresent();
        }
        session.onUpstream(event, clock.getAsLong(), this::apply);
    }

    private void afterInput() {
        SessionState before = state;
        state = session.state();
        if (wakingWith >= 0) {
            LOG.info("client {} awake at {} (PINGREQ, {} message(s) waiting)", session.clientId(), address, wakingWith);
            wakingWith = -1;
            before = SessionState.AWAKE;
        }
        if (state != before) {
            logTransition(before, state);
        }
        lostInInput = false;
        queued = session.queuedMessages();
        if (state == SessionState.ACTIVE && before != SessionState.ACTIVE && before != SessionState.AWAKE) {
            connectedSince = clock.getAsLong();
        } else if (state == SessionState.DISCONNECTED || state == SessionState.LOST) {
            connectedSince = -1;
        }
        if (session.isFinished()) {
            cancelTimer();
            onFinished.run();
            return;
        }
        long deadline = session.nextDeadline();
        if (deadline == Long.MAX_VALUE) {
            cancelTimer(); // nothing is due any more
            return;
        }
        if (deadline >= timerAt) {
            // A later deadline (keep-alive supervision moves with every packet) keeps the timer:
            // it fires early, the session finds nothing due, and it is set again. Rescheduling at
            // every packet cost a timer cancel and insert per message (docs/benchmarks.md).
            return;
        }
        cancelTimer();
        long delay = Math.max(0, deadline - clock.getAsLong());
        timerAt = deadline;
        timer = loop.schedule(this::tick, delay, TimeUnit.MILLISECONDS);
    }

    /**
     * One INFO line per event of the device's life, the same in both modes (the session is the
     * same; only the upstream differs): connected, disconnected, asleep (awake is told where the
     * PINGREQ arrives, as the device may fall asleep again in the same input). Lost is told with
     * its reason by the Lost effect; the steps in between (the will exchange, waiting for the
     * broker) are DEBUG.
     */
    private void logTransition(SessionState from, SessionState to) {
        String id = session.clientId();
        boolean wasConnected = from == SessionState.ACTIVE || from == SessionState.ASLEEP || from == SessionState.AWAKE;
        if (to == SessionState.ACTIVE && from == SessionState.CONNECTING) {
            LOG.info("client {} connected from {} ({}, keep-alive {} s{})", id, address,
                    session.cleanSession() ? "clean" : "persistent", session.keepAliveSeconds(),
                    session.cleanSession() ? "" : sessionPresent ? ", session resumed" : ", new session");
        } else if (to == SessionState.DISCONNECTED && wasConnected && !lostInInput) {
            LOG.info("client {} disconnected from {} ({})", id, address,
                    session.cleanSession() ? "clean: session ended" : "persistent: session kept");
        } else if (to == SessionState.ASLEEP) {
            LOG.info("client {} asleep{} at {} (sleep {} s)", id, from == SessionState.AWAKE ? " again" : "", address,
                    session.sleepSeconds());
        } else if (to != SessionState.LOST) {
            LOG.debug("client {} at {}: {} -> {}", id, address, from, to);
        }
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        timerAt = Long.MAX_VALUE;
    }

    private void apply(Effect effect) {
        effect.applyTo(effects);
    }

    /** Carries out each kind of effect; {@link Effect.Handler} makes forgetting one a compile error. */
    private final Effect.Handler effects = new Effect.Handler() {
        @Override
        public void sendToDevice(Effect.SendToDevice effect) {
            SessionHost.this.sendToDevice(effect.message());
        }

        @Override
        public void connect(Effect.Connect effect) {
            upstreamState = "connecting";
            upstream.connect(effect.request());
        }

        @Override
        public void disconnect(Effect.Disconnect effect) {
            upstreamState = "closed";
            publishedAt.clear(); // what was in flight is answered to no one now
            upstream.disconnect(effect.publishWill(), effect.endSession());
        }

        @Override
        public void willChanged(Effect.WillChanged effect) {
            upstream.willChanged(effect.will());
        }

        @Override
        public void lost(Effect.Lost effect) {
            lostInInput = true;
            metrics.count(Metrics.CLIENTS_LOST);
            LOG.info("client {} lost at {}: {}", session.clientId(), address, effect.reason());
        }

        @Override
        public void publish(Effect.Publish effect) {
            publishesToBroker++;
            if (effect.qos() != QoS.AT_MOST_ONCE && effect.token() != 0) {
                publishedAt = SparseMaps.writable(publishedAt);
                publishedAt.put(effect.token(), clock.getAsLong());
            }
            upstream.publish(effect.token(), effect.topic(), effect.payload(), effect.qos(), effect.retain(),
                    effect.msgId());
        }

        @Override
        public void subscribe(Effect.Subscribe effect) {
            upstream.subscribe(effect.token(), effect.topicFilter(), effect.qos());
        }

        @Override
        public void unsubscribe(Effect.Unsubscribe effect) {
            upstream.unsubscribe(effect.token(), effect.topicFilter());
        }

        @Override
        public void release(Effect.Release effect) {
            upstream.release(effect.token(), effect.msgId());
        }

        @Override
        public void acknowledge(Effect.Acknowledge effect) {
            upstream.acknowledge(effect.deliveryId());
        }

        @Override
        public void discard(Effect.Discard discard) {
            discarded++;
            metrics.count(Metrics.SESSION_PREFIX + discard.counter());
            warnings.warn(discard.counter(), () -> String.format("client %s at %s topic '%s': %s (%s)",
                    session.clientId(), address, discard.topic(), discard.detail(), discard.counter()));
        }

        @Override
        public void count(Effect.Count count) {
            metrics.count(Metrics.SESSION_PREFIX + count.counter());
            LOG.debug("client {} at {}: {} ({})", session.clientId(), address, count.detail(), count.counter());
        }
    };

    private void sendToDevice(MqttSn12Message message) {
        Dispatcher.logOut(address, message);
        packetsToDevice++;
        if (message instanceof Publish) {
            messagesToDevice++;
        }
        links.send(address, MqttSn12Codec.INSTANCE.encode(message));
    }
}
