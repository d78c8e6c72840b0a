package io.sngate.client;

import io.sngate.client.internal.core.ClientCore;
import io.sngate.client.internal.core.ClientEffect;
import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An MQTT-SN 1.2 client for plain Java. Build one with {@link #builder}, over a {@link Link}
 * ({@link UdpLink}, or the DTLS, serial and XBee links); every request returns a future that
 * completes with how it ended ({@link Outcome}, never exceptionally). Thread-safe: all protocol
 * work happens on the client's {@link ClientRuntime}, so listeners and callbacks run there and
 * must not block.
 *
 * <pre>
 * try (MqttSnClient client = MqttSnClient.builder("sensor-1")
 *         .link(UdpLink.to("192.168.1.10", 1883))
 *         .build()) {
 *     client.connect().join().orThrow();
 *     client.subscribe(Topic.name("plant/cmd/#"), QoS.AT_LEAST_ONCE,
 *             message -&gt; System.out.println(message.topic() + ": " + message.payload().utf8())).join().orThrow();
 *     client.publish("plant/temperature", "21.5".getBytes(), QoS.AT_LEAST_ONCE, false).join().orThrow();
 *     client.disconnect().join();
 * }
 * </pre>
 *
 * <p>It follows the client rules of the spec, so it works with any conforming gateway: one QoS 1/2
 * PUBLISH and one REGISTER/SUBSCRIBE/UNSUBSCRIBE in flight, the others waiting in bounded queues;
 * retransmission after T_RETRY up to N_RETRY times; keep-alive pings; sleeping and waking.
 * A topic name is registered on first use. See {@code docs/client.md} for more examples.
 *
 * <p>Every request is checked against the link's {@link Link#maxPacketSize()} before anything is
 * sent: one whose packet would be larger (a PUBLISH, the REGISTER of its topic name, a SUBSCRIBE or
 * UNSUBSCRIBE with a long topic name, a CONNECT with a long client id, or the WILLTOPIC or WILLMSG
 * of its will) fails at once as {@link Outcome.Status#INVALID}, with a detail naming the packet, its
 * size and the limit, e.g. {@code "REGISTER of 120 bytes exceeds the link's maximum packet size of
 * 84 bytes"}. Nothing of it is sent and nothing else changes: a refused CONNECT leaves the session
 * as it was.
 */
public final class MqttSnClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MqttSnClient.class);
    private static final Outcome CLOSED = Outcome.failed(Outcome.Status.CANCELLED, "client closed");

    /**
     * A message from a subscription.
     *
     * @param topic   the topic's name (for a predefined topic, the name configured for its id;
     *                for a short topic, its two characters)
     * @param payload the message as sent
     * @param qos     the QoS it came with
     * @param retain  whether the broker had retained it
     */
    public record Message(String topic, Bytes payload, QoS qos, boolean retain) {
    }

    /** A subscription's callback, with the filter whose messages it takes. */
    private record Callback(Topic filter, Consumer<Message> consumer) {
    }

    private final ClientCore core;
    private final Link link;
    private final ClientRuntime runtime;
    private final boolean ownsRuntime;
    private final boolean cleanSession;
    private final Optional<Will> will;
    private final Map<Long, CompletableFuture<Outcome>> pending = new HashMap<>();
    private final List<Consumer<Message>> messageListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<ClientEvent>> eventListeners = new CopyOnWriteArrayList<>();
    private final List<Callback> callbacks = new CopyOnWriteArrayList<>();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong sendFailures = new AtomicLong();
    private final AtomicLong listenerFailures = new AtomicLong();
    private volatile ClientState state = ClientState.DISCONNECTED;
    private volatile boolean closed;
    private ClientRuntime.Timer timer;
    private long timerAt = Long.MAX_VALUE;

    private MqttSnClient(Builder builder, ClientRuntime runtime, boolean ownsRuntime) {
        // Asked at each request, on the runtime's thread: a DTLS link's limit changes with its handshake.
        this.core = new ClientCore(builder.config, builder.random, builder.link::maxPacketSize);
        this.link = builder.link;
        this.runtime = runtime;
        this.ownsRuntime = ownsRuntime;
        this.cleanSession = builder.cleanSession;
        this.will = Optional.ofNullable(builder.will);
    }

    /** A builder for a client named {@code clientId}, with the spec's recommended timers. */
    public static Builder builder(String clientId) {
        return new Builder(ClientConfig.defaults(clientId));
    }

    /** A builder starting from {@code config} (e.g. one a tool read from its command line). */
    public static Builder builder(ClientConfig config) {
        return new Builder(Objects.requireNonNull(config, "config"));
    }

    /**
     * Settings of a client. Only {@link #link} is required; the rest have the defaults of
     * {@link ClientConfig#defaults}, a clean session, no will, and a runtime of the client's own.
     */
    public static final class Builder {
        private ClientConfig config;
        private Link link;
        private ClientRuntime runtime;
        private Random random = new Random();
        private boolean cleanSession = true;
        private Will will;

        private Builder(ClientConfig config) {
            this.config = config;
        }

        /** The link to the gateway (required). The client opens it in {@link #build} and closes it with itself. */
        public Builder link(Link newLink) {
            this.link = Objects.requireNonNull(newLink, "link");
            return this;
        }

        /**
         * The keep-alive period the client announces in CONNECT and pings within (whole seconds, at
         * most 65535 s; zero turns keep-alive off). Default 60 s.
         */
        public Builder keepAlive(Duration period) {
            if (period.getNano() != 0 || period.isNegative() || period.getSeconds() > 0xFFFF) {
                throw new IllegalArgumentException("keep-alive must be 0..65535 whole seconds: " + period);
            }
            config = config.withKeepAlive((int) period.getSeconds());
            return this;
        }

        /**
         * T_RETRY and N_RETRY: how long to wait for an answer before sending again, and how many
         * times to send again before the gateway counts as lost. Default 10 s and 3.
         */
        public Builder retry(Duration interval, int maxRetries) {
            config = config.withRetry(interval.toMillis(), maxRetries);
            return this;
        }

        /** A topic id agreed with the gateway out of band (the gateway's predefined topics file). */
        public Builder predefinedTopic(int id, String name) {
            Map<Integer, String> topics = new HashMap<>(config.predefinedTopics());
            topics.put(id, name);
            config = config.withPredefinedTopics(topics);
            return this;
        }

        /** How many requests of each channel may wait behind the one in flight; beyond, a request fails at once. */
        public Builder maxQueued(int requests) {
            config = config.withMaxQueued(requests);
            return this;
        }

        /** Whether {@link MqttSnClient#connect()} starts a new session (default) or resumes the last one. */
        public Builder cleanSession(boolean clean) {
            this.cleanSession = clean;
            return this;
        }

        /** The will every CONNECT carries. */
        public Builder will(Will newWill) {
            this.will = Objects.requireNonNull(newWill, "will");
            return this;
        }

        /**
         * The runtime to run on, shared with other clients, or with a clock of a test's own (see
         * {@link ClientRuntime#start(String, java.util.function.LongSupplier)}). The client does not close it.
         */
        public Builder runtime(ClientRuntime newRuntime) {
            this.runtime = Objects.requireNonNull(newRuntime, "runtime");
            return this;
        }

        /** The randomness behind SEARCHGW delays; seed it for a reproducible run. */
        public Builder random(Random newRandom) {
            this.random = Objects.requireNonNull(newRandom, "random");
            return this;
        }

        /**
         * Opens the link and returns the client, not yet connected.
         *
         * @throws IllegalStateException when no link was given
         * @throws UncheckedIOException  when the link cannot be opened (its cause says why)
         */
        public MqttSnClient build() {
            if (link == null) {
                throw new IllegalStateException(
                        "no link: give the client one with link(...), e.g. UdpLink.to(host, port)");
            }
            boolean own = runtime == null;
            ClientRuntime on = own ? ClientRuntime.start("mqtt-sn-" + config.clientId()) : runtime;
            MqttSnClient client = new MqttSnClient(this, on, own);
            try {
                client.openLink();
            } catch (UncheckedIOException e) {
                if (own) {
                    on.close();
                }
                throw e;
            }
            return client;
        }
    }

    private void openLink() {
        CompletableFuture<Void> opened = new CompletableFuture<>();
        runtime.execute(() -> {
            try {
                link.open(runtime, this::onPacket);
                opened.complete(null);
            } catch (IOException | RuntimeException e) {
                opened.completeExceptionally(e);
            }
        });
        try {
            opened.join();
        } catch (CompletionException e) {
            throw new UncheckedIOException("cannot open the link", e.getCause() instanceof IOException io
                    ? io : new IOException(e.getCause()));
        }
    }

    /** The client id it connects with. */
    public String clientId() {
        return core.config().clientId();
    }

    /** The state now (the last {@link ClientEvent.StateChange}). */
    public ClientState state() {
        return state;
    }

    /**
     * Every message from every subscription, on the runtime's thread. A listener that throws is
     * logged and counted ({@link #listenerFailures()}); the others still get the message.
     */
    public void onMessage(Consumer<Message> listener) {
        messageListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Everything that happens to the client, in order, on the runtime's thread (messages included). */
    public void onEvent(Consumer<ClientEvent> listener) {
        eventListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Packets from the gateway that did not decode (dropped, logged at DEBUG, counted here). */
    public long malformedPackets() {
        return malformed.get();
    }

    /**
     * Packets the link failed to send, counted here: lost on the way (the retransmissions cover
     * them, logged at DEBUG), or larger than the link carries (logged at WARN with the sizes),
     * which only happens when the link's limit fell after the request was checked against it (a
     * DTLS handshake settling on a cipher suite with more overhead).
     */
    public long sendFailures() {
        return sendFailures.get();
    }

    /** Listeners and callbacks that threw (logged at WARN, counted here). */
    public long listenerFailures() {
        return listenerFailures.get();
    }

    /** Connects with the builder's clean-session choice and will; completes with the CONNACK. */
    public CompletableFuture<Outcome> connect() {
        return connect(cleanSession);
    }

    /**
     * Connects (or reconnects), starting a new session or resuming the last one (the gateway then
     * keeps the subscriptions and topic ids, and sends what it held while the client was away).
     * A client id or will too large for the link fails it at once as {@link Outcome.Status#INVALID}.
     */
    public CompletableFuture<Outcome> connect(boolean clean) {
        return request((now, out) -> core.connect(clean, will, now, out));
    }

    /** As {@link #connect(boolean)}, with {@code newWill} instead of the builder's will (for this CONNECT only). */
    public CompletableFuture<Outcome> connect(boolean clean, Will newWill) {
        Optional<Will> given = Optional.of(newWill);
        return request((now, out) -> core.connect(clean, given, now, out));
    }

    /** Publishes {@code payload} to the topic named {@code topic} (registered on first use). */
    public CompletableFuture<Outcome> publish(String topic, byte[] payload, QoS qos, boolean retain) {
        return publish(Topic.name(topic), Bytes.copyOf(payload), qos, retain);
    }

    /**
     * Publishes. QoS 0 completes once sent, QoS 1 and 2 once the gateway acknowledged (and so the
     * broker: a conforming gateway acknowledges after the broker). QoS -1 needs no connection and a
     * predefined or short topic. A PUBLISH larger than the link carries, or a topic name whose
     * REGISTER is, fails at once as {@link Outcome.Status#INVALID} (see the class comment).
     */
    public CompletableFuture<Outcome> publish(Topic topic, Bytes payload, QoS qos, boolean retain) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(qos, "qos");
        return request((now, out) -> core.publish(topic, payload, qos, retain, now, out));
    }

    /** Registers a topic name ahead of its first publish; the outcome carries its topic id. */
    public CompletableFuture<Outcome> register(String topicName) {
        return request((now, out) -> core.register(topicName, now, out));
    }

    /** Subscribes; its messages reach the {@link #onMessage} and {@link #onEvent} listeners. */
    public CompletableFuture<Outcome> subscribe(Topic filter, QoS qos) {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(qos, "qos");
        return request((now, out) -> core.subscribe(filter, qos, now, out));
    }

    /**
     * Subscribes and gives {@code callback} the messages whose topic the filter matches (MQTT's
     * {@code +} and {@code #} wildcards; a predefined id matches the name configured for it). The
     * callback takes messages from the moment the SUBSCRIBE goes out, so a retained message that
     * follows the SUBACK is not missed; it is dropped again if the gateway refuses, and on
     * {@link #unsubscribe} of the same filter.
     */
    public CompletableFuture<Outcome> subscribe(Topic filter, QoS qos, Consumer<Message> callback) {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(qos, "qos");
        Callback entry = new Callback(filter, Objects.requireNonNull(callback, "callback"));
        CompletableFuture<Outcome> subscribed = request((now, out) -> {
            callbacks.add(entry);
            return core.subscribe(filter, qos, now, out);
        });
        subscribed.thenAccept(outcome -> {
            if (!outcome.success()) {
                callbacks.remove(entry);
            }
        });
        return subscribed;
    }

    /** Unsubscribes; the callbacks subscribed with the same filter get nothing more from now on. */
    public CompletableFuture<Outcome> unsubscribe(Topic filter) {
        Objects.requireNonNull(filter, "filter");
        return request((now, out) -> {
            callbacks.removeIf(callback -> callback.filter().equals(filter));
            return core.unsubscribe(filter, now, out);
        });
    }

    /**
     * Goes to sleep for {@code seconds} (spec §6.14): the gateway buffers the client's messages
     * meanwhile. Wake with {@link #wake()} to fetch them, or {@link #connect} to be active again.
     */
    public CompletableFuture<Outcome> sleep(int seconds) {
        if (seconds < 1 || seconds > 0xFFFF) {
            throw new IllegalArgumentException("sleep duration must be 1..65535 s: " + seconds);
        }
        return request((now, out) -> core.sleep(seconds, now, out));
    }

    /** Polls the gateway while asleep; completes when it has sent everything it held, asleep again. */
    public CompletableFuture<Outcome> wake() {
        return request((now, out) -> core.wake(now, out));
    }

    /**
     * Ends the session (the gateway discards the will); requests still waiting fail. After the
     * gateway was lost ({@link ClientState#LOST}) one DISCONNECT still goes, neither waited for
     * nor sent again, and this completes at once: the loss may be only of the gateway's answers,
     * and a gateway alive after all then ends the session now rather than at its keep-alive.
     */
    public CompletableFuture<Outcome> disconnect() {
        return request((now, out) -> core.disconnect(now, out));
    }

    /**
     * Looks for gateways: SEARCHGW by the link's broadcast after a random delay, repeated with
     * growing intervals; completes when one answers ({@link ClientEvent.GatewayFound} says where).
     */
    public CompletableFuture<Outcome> searchGateway(int radius) {
        if (radius < 0 || radius > 0xFF) {
            throw new IllegalArgumentException("search radius must be 0..255 hops: " + radius);
        }
        return request((now, out) -> core.searchGateway(radius, now, out));
    }

    @FunctionalInterface
    private interface Call {
        long run(long now, Consumer<ClientEffect> out);
    }

    private CompletableFuture<Outcome> request(Call call) {
        CompletableFuture<Outcome> future = new CompletableFuture<>();
        if (closed) {
            future.complete(CLOSED);
            return future;
        }
        runtime.execute(() -> {
            if (closed) {
                future.complete(CLOSED);
                return;
            }
            List<ClientEffect> effects = new ArrayList<>();
            long id = call.run(runtime.now(), effects::add);
            pending.put(id, future);
            effects.forEach(this::apply);
            reschedule();
        });
        return future;
    }

    private void onPacket(byte[] packet, LinkAddress from) {
        MqttSn12Message message;
        try {
            message = MqttSn12Codec.INSTANCE.decode(packet);
        } catch (DecodeException e) {
            malformed.incrementAndGet();
            LOG.debug("client {}: malformed packet from {}: {}", clientId(), from, e.getMessage());
            return;
        }
        core.onPacket(message, from, runtime.now(), this::apply);
        reschedule();
    }

    private void tick() {
        timer = null;
        timerAt = Long.MAX_VALUE;
        core.onTimer(runtime.now(), this::apply);
        reschedule();
    }

    private void reschedule() {
        long deadline = core.nextDeadline();
        if (deadline == timerAt) {
            return;
        }
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
        timerAt = deadline;
        if (deadline != Long.MAX_VALUE) {
            timer = runtime.schedule(deadline, this::tick);
        }
    }

    private void apply(ClientEffect effect) {
        if (effect instanceof ClientEffect.Send send) {
            transmit(send.message(), packet -> link.send(packet));
        } else if (effect instanceof ClientEffect.Broadcast broadcast) {
            transmit(broadcast.message(), packet -> link.broadcast(packet, broadcast.radius()));
        } else if (effect instanceof ClientEffect.Completed completed) {
            CompletableFuture<Outcome> future = pending.remove(completed.requestId());
            if (future != null) {
                future.complete(completed.outcome());
            }
        } else if (effect instanceof ClientEffect.MessageReceived received) {
            deliver(new Message(received.topic(), received.payload(), received.qos(), received.retain()));
        } else if (effect instanceof ClientEffect.StateChanged changed) {
            state = changed.to();
            if (changed.to() == ClientState.LOST) {
                link.peerLost();
            }
            announce(ClientEvent.StateChange.of(changed.from(), changed.to(), changed.reason()));
        } else if (effect instanceof ClientEffect.GatewayFound found) {
            announce(new ClientEvent.GatewayFound(found.gwId(), found.address()));
        } else if (effect instanceof ClientEffect.GatewayLost lost) {
            announce(new ClientEvent.GatewayLost(lost.gwId()));
        }
    }

    @FunctionalInterface
    private interface Transmission {
        void to(byte[] packet) throws IOException;
    }

    /**
     * A failed send is counted, never thrown: the effects after it must still apply. The
     * retransmission timers cover a packet lost on the way, so that is DEBUG; one too large for
     * the link (or for MQTT-SN) fails again every time, so that is a WARN naming the sizes. The
     * core checks each request's packets against the link when the request comes, so the second
     * takes a link whose limit fell since.
     */
    private void transmit(MqttSn12Message message, Transmission transmission) {
        byte[] packet;
        try {
            packet = MqttSn12Codec.INSTANCE.encode(message);
        } catch (IllegalArgumentException pastMqttSn) {
            sendFailures.incrementAndGet();
            LOG.warn("client {}: {} not sent: {}", clientId(), message.typeName(), pastMqttSn.getMessage());
            return;
        }
        try {
            transmission.to(packet);
        } catch (IOException e) {
            sendFailures.incrementAndGet();
            if (packet.length > link.maxPacketSize()) {
                LOG.warn("client {}: {} not sent: {}", clientId(), message.typeName(), e.getMessage());
            } else {
                LOG.debug("client {}: {} not sent: {}", clientId(), message.typeName(), e.toString());
            }
        }
    }

    private void deliver(Message message) {
        announce(new ClientEvent.MessageReceived(message));
        for (Consumer<Message> listener : messageListeners) {
            call(listener, message);
        }
        for (Callback callback : callbacks) {
            if (TopicFilters.matches(callback.filter(), message.topic(), core.config().predefinedTopics())) {
                call(callback.consumer(), message);
            }
        }
    }

    private void announce(ClientEvent event) {
        for (Consumer<ClientEvent> listener : eventListeners) {
            call(listener, event);
        }
    }

    /** A listener's failure must not keep the others, or the client's own work, from going on. */
    private <T> void call(Consumer<T> listener, T value) {
        try {
            listener.accept(value);
        } catch (RuntimeException e) {
            listenerFailures.incrementAndGet();
            LOG.warn("client {}: a listener failed on {}", clientId(), value, e);
        }
    }

    /**
     * Closes the link (without DISCONNECT: call {@link #disconnect()} first for a clean exit, or the
     * gateway publishes the will once the keep-alive runs out), and the runtime if it is the
     * client's own. Requests still waiting, and any made later, complete as {@link Outcome.Status#CANCELLED}.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            runtime.execute(() -> {
                if (timer != null) {
                    timer.cancel();
                }
                link.close();
                pending.values().forEach(f -> f.complete(CLOSED));
                pending.clear();
                done.complete(null);
            });
            done.join();
        } catch (IllegalStateException runtimeStopped) {
            link.close();
        }
        if (ownsRuntime) {
            runtime.close();
        }
    }
}
