package io.sngate.gateway.upstream;

import io.sngate.gateway.session.Topics;
import io.sngate.hw.ReconnectBackoff;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
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
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.DefaultNameResolver;
import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.sngate.gateway.session.DeliveryFailure;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MQTT 5 client connection to a broker, owned by one Netty {@link EventLoop}.
 *
 * <h2>Threading</h2>
 * All state lives on the event loop given at construction; many connections share a loop and no
 * connection has a thread of its own (DESIGN rule 2). Every public method may be called from any
 * thread: off the loop it hops onto it with {@code loop.execute} (so calls made from one thread
 * keep their order), on the loop it runs at once. The {@link Listener} is always called on the
 * loop, and never from inside one of this connection's own methods: an outcome decided during a
 * call (for instance a request refused because the queue is full) is reported in a later loop task.
 * Counter getters may be read from any thread.
 *
 * <h2>Life cycle</h2>
 * {@link #connect()} makes the first attempt. If it fails (TCP, timeout, or a CONNACK reason code
 * &gt;= 0x80) the listener hears {@link Listener#onConnectFailed} and nothing is retried. Once
 * connected, a lost connection ({@link Listener#onConnectionLost}: TCP closed, broker DISCONNECT,
 * keep-alive timeout) is re-established with capped, jittered exponential backoff, always with
 * Clean Start 0; unacknowledged QoS 1/2 PUBLISHes are re-sent with DUP set and pending PUBRELs
 * re-sent (MQTT 5 §4.4), then {@link Listener#onReconnected} is called. A reconnection the broker
 * refuses for good (e.g. not authorised) or a session taken over by another client ends the
 * connection with {@link Listener#onConnectFailed onConnectFailed(false, ...)}.
 *
 * <p>The backoff starts afresh only after the loss of a connection that lasted
 * {@link #HEALTHY_AFTER_NANOS 10 s} (on the injected clock), not at every CONNACK: a broker
 * that ends each connection right after CONNACK, or right after our first packets, meets
 * delays growing up to the cap. Time is the proof of health rather than an acknowledgement,
 * because a broker over a rate or quota limit acknowledges some messages and then disconnects.
 *
 * <h2>Requests the broker refuses</h2>
 * A refusal in an acknowledgement (PUBACK, PUBREC or PUBCOMP reason code &gt;= 0x80, a SUBACK or
 * UNSUBACK failure) fails that request with {@code REFUSED}; it is never sent again. A broker may
 * instead end the connection over a packet (mosquitto 2.0 answers a PUBLISH whose topic holds
 * U+0001, U+007F or U+FFFF with DISCONNECT 0x81 and closes; when more of our packets are still
 * unread the close becomes a TCP reset, which can overtake the DISCONNECT). Re-sending every
 * unanswered request after the reconnection, as MQTT asks, would then end the next connection the
 * same way, forever. So the way the broker ends a connection is taken as evidence against the
 * requests that were written on it and not answered:
 * <ul>
 * <li>A DISCONNECT whose reason code {@link #blamesAPacket blames a packet} (0x81 malformed, 0x90
 * topic name invalid...) makes each of them a <em>suspect</em>. A close without DISCONNECT (FIN or
 * reset) makes a request a suspect the second time it happens to it: a broker restarting also
 * just closes, and a single one must not slow anything down.
 * <li>After a reconnection with suspects in flight, the re-sends go <em>one at a time</em>: each
 * waits for its answer before the next goes, and nothing new (not even QoS 0) is sent meanwhile.
 * Ordinary, windowed sending resumes once every re-sent request is answered.
 * <li>A request written alone this way is the culprit when the broker ends the connection for a
 * packet reason, or abruptly when it is already a suspect: nothing else of ours can be what the
 * broker refused. It fails with {@code REFUSED} (the device gets return code 0x03), is counted
 * ({@link #disconnectCulprits()}) and is never sent again.
 * </ul>
 * The innocent requests outstanding with a culprit are re-sent and answered as usual (QoS 1 may
 * arrive twice, as MQTT allows). One refused request costs two lost connections when the broker
 * says why and three when it just closes; the requests re-sent one at a time are at most the
 * broker's Receive Maximum plus the subscriptions that were in flight.
 *
 * <h2>Bounds and no silent drops</h2>
 * Requests that cannot be sent now (no connection, the broker's Receive Maximum reached, TCP
 * back-pressure) wait in a FIFO queue of {@link ConnectOptions#maxQueuedRequests()} entries; past
 * it a request fails at once with {@link DeliveryFailure#CONGESTION}. Every QoS 1/2 publish,
 * subscribe and unsubscribe token is completed exactly once; a QoS 0 publish is completed only if
 * it could not be sent ({@code onPublishDone(token, CONGESTION or REFUSED)}). When the connection
 * ends ({@link #disconnect}, {@link #close}, a final failure) everything still waiting fails with
 * {@code CONGESTION}. Each such outcome is counted and logged at WARN with client id and topic.
 * Inbound, at most {@link ConnectOptions#receiveMaximum()} QoS 1/2 messages are unacknowledged;
 * a broker that sends more is disconnected with reason 0x93.
 *
 * <h2>Notes</h2>
 * The broker host name is resolved at each attempt by the JDK resolver on one shared
 * {@code sngate-dns} thread, never on the event loop: a slow DNS server must not stall the
 * sessions that share the loop. A {@link ConnectOptions#cleanStart() clean start} applies to
 * the first CONNECT only.
 */
public final class MqttConnection {

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

    /** Events of one connection, called on its event loop. */
    public interface Listener {
        /** The first CONNACK accepted the connection. */
        default void onConnected(boolean sessionPresent) {
        }

        /**
         * The connection is over for good: the first attempt failed (TCP, timeout, refusal), or a
         * reconnection was refused in a way retrying will not fix, or the session was taken over.
         *
         * @param retryable whether trying again later may succeed (the broker was unreachable or
         *        busy) as opposed to a refusal (not authorised, bad client id...)
         */
        default void onConnectFailed(boolean retryable, String detail) {
        }

        /** An established connection was lost; reconnection is under way. */
        default void onConnectionLost(String detail) {
        }

        /**
         * The connection is back (after {@link #onConnectionLost}) and what was in flight has been
         * re-sent. Also called with {@code false}, without a preceding loss, if the broker lost the
         * session during a {@link MqttConnection#updateWill will update} (only possible with a
         * session expiry of 0): subscriptions are then gone.
         */
        default void onReconnected(boolean sessionPresent) {
        }

        /** A publish finished: empty on success (PUBACK / PUBCOMP below 0x80, incl. 0x10). */
        default void onPublishDone(long token, Optional<DeliveryFailure> failure) {
        }

        /** SUBACK: the granted QoS, or a failure. */
        default void onSubscribed(long token, Optional<Integer> grantedQos, Optional<DeliveryFailure> failure) {
        }

        /** UNSUBACK (or the request could not be carried out; MQTT-SN has nothing to say then). */
        default void onUnsubscribed(long token) {
        }

        /**
         * A message from the broker. A QoS 1/2 one must be {@link MqttConnection#acknowledge
         * acknowledged} with {@code deliveryId} once it is safe; the payload array belongs to the
         * listener.
         */
        default void onMessage(long deliveryId, String topic, byte[] payload, int qos, boolean retain) {
        }
    }

    /** Where a connection is in its life. */
    public enum State {
        NEW, CONNECTING, CONNECTED, RECONNECT_WAIT, UPDATING_WILL, CLOSED
    }

    /** Reasons a DISCONNECT may carry (MQTT 5 §3.14.2.1). */
    static final byte NORMAL_DISCONNECTION = 0x00;
    static final byte DISCONNECT_WITH_WILL = 0x04;
    static final byte MALFORMED_PACKET = (byte) 0x81;
    static final byte PROTOCOL_ERROR = (byte) 0x82;
    static final byte SESSION_TAKEN_OVER = (byte) 0x8E;
    static final byte RECEIVE_MAXIMUM_EXCEEDED = (byte) 0x93;
    static final byte PACKET_ID_NOT_FOUND = (byte) 0x92;

    private static final Logger LOG = LoggerFactory.getLogger(MqttConnection.class);
    private static final Logger DISCARD_LOG = LoggerFactory.getLogger("io.sngate.gateway.discard");

    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);
    private static final int MAX_PACKET_ID = 0xFFFF;
    private boolean flushScheduled;
    private final Runnable scheduledFlush = () -> {
        flushScheduled = false;
        flush();
    };

    /** How long a broker may take to close the connection after our DISCONNECT. */
    static final long DISCONNECT_LINGER_MILLIS = 2000;

    /**
     * How long a connection must have lasted for its loss to start the reconnection backoff
     * afresh. A broker that does not want us (a refused packet, a quota, a misconfiguration)
     * ends the connection within milliseconds of CONNACK or of our first packets, so a
     * connection that lived this long was a working one and was lost to an ordinary outage.
     */
    static final long HEALTHY_AFTER_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** What the way the broker ended a connection says about the requests outstanding on it. */
    private enum Evidence {
        /** Nothing: we ended it, or the broker's reason is not about a packet. */
        NONE,
        /** The broker closed TCP without DISCONNECT: a refused packet or an ordinary outage. */
        ABRUPT,
        /** A DISCONNECT whose reason code blames a packet we sent. */
        PACKET
    }

    private static final int PUBLISH = 0;
    private static final int SUBSCRIBE = 1;
    private static final int UNSUBSCRIBE = 2;

    /** A request of the caller: queued, then (QoS 1/2, SUBSCRIBE, UNSUBSCRIBE) in flight. */
    private static final class Request {
        final int kind;
        final long token;
        final String topic;
        final byte[] payload;
        final int qos;
        final boolean retain;
        int packetId;
        boolean pubrecReceived;
        /** The network connection ({@link #connectionNumber}) this request was last written on. */
        long writtenOn;
        /** Outstanding at abrupt closes (no DISCONNECT) so far; two make it a suspect. */
        int abruptCloses;
        /** May be what the broker ends connections over: re-sent alone until answered or blamed. */
        boolean suspect;

        Request(int kind, long token, String topic, byte[] payload, int qos, boolean retain) {
            this.kind = kind;
            this.token = token;
            this.topic = topic;
            this.payload = payload;
            this.qos = qos;
            this.retain = retain;
        }

        boolean countsAgainstReceiveMaximum() {
            return kind == PUBLISH && qos > 0;
        }
    }

    /** A QoS 1/2 message from the broker that is not done yet. */
    private static final class Inbound {
        final long deliveryId;
        final int packetId;
        final int qos;
        /** The caller acknowledged it (QoS 2: PUBREC sent or to be sent). */
        boolean acknowledged;

        Inbound(long deliveryId, int packetId, int qos) {
            this.deliveryId = deliveryId;
            this.packetId = packetId;
            this.qos = qos;
        }
    }

    private final EventLoop loop;
    private final String host;
    private final int port;
    private final Listener listener;
    private final ReconnectBackoff backoff;
    private final LongSupplier nanoClock;
    private final Class<? extends SocketChannel> channelType;
    private final LongConsumer reconnectDelayObserver;
    private final Promise<Void> closed;

    private ConnectOptions options;
    private volatile State state = State.NEW;
    private Channel channel;
    /** The TCP connect of {@link #channel}. */
    private ChannelFuture connectFuture;
    private boolean everConnected;
    private boolean lossReported;
    private int reconnectAttempt;
    private ScheduledFuture<?> reconnectTimer;
    private ScheduledFuture<?> connackTimer;
    /** Why the current channel is being closed (first reason wins). */
    private String closeDetail;
    /** The current attempt was refused by CONNACK: retryable or not. */
    private Boolean refusalRetryable;
    /** Whether the next close ends the connection for good (session taken over). */
    private boolean terminalClose;
    /** The will changed after the current CONNECT was written. */
    private boolean willChangedDuringConnect;
    /** Depth of public-method calls on the stack: listener calls are deferred while > 0. */
    private int apiDepth;

    private boolean pingOutstanding;
    private long pingSentNanos;
    private long keepAliveNanos;

    // The broker's limits from CONNACK.
    private int sendQuotaMaximum = 65_535;
    private int brokerMaximumQos = 2;
    private boolean retainAvailable = true;
    private long brokerMaximumPacketSize = Long.MAX_VALUE;

    private final ArrayDeque<Request> queue = new ArrayDeque<>();
    private final LinkedHashMap<Integer, Request> inFlight = new LinkedHashMap<>();
    /** In-flight requests to re-send after a reconnection, waiting for send quota. */
    private final ArrayDeque<Request> resend = new ArrayDeque<>();
    /** Whether the PUBLISHes in {@link #resend} go with DUP (the broker kept the session). */
    private boolean resendDup;
    /** Counts CONNACKs: tells the requests written on the current network connection. */
    private long connectionNumber;
    /** When the current network connection got its CONNACK ({@link #nanoClock}). */
    private long connectedAtNanos;
    /** Re-sending one request at a time until no suspect is left (see the class comment). */
    private boolean probing;
    /** While {@link #probing}: the one request written and not yet answered, or null. */
    private Request probe;
    /** What the broker's way of ending the current channel tells; null until it ends. */
    private Evidence closeEvidence;
    private int inFlightPublishes;
    private int nextPacketId = 1;

    private long nextDeliveryId = 1;
    private final HashMap<Long, Inbound> unacknowledged = new HashMap<>();
    /** Inbound QoS 2 messages by the broker's packet id, until PUBREL. */
    private final HashMap<Integer, Inbound> inboundQos2 = new HashMap<>();
    private int unacknowledgedQos1;

    // Counters: written on the loop only, readable anywhere.
    private volatile long messagesIn;
    private volatile long messagesOut;
    private volatile long publishesCompleted;
    private volatile long requestsRefused;
    private volatile long refusedByBroker;
    private volatile long disconnectCulprits;
    private volatile long connectAttempts;
    private volatile long requestsRejectedCongestion;
    private volatile long requestsFailedOnClose;
    private volatile long reconnects;
    private volatile long connectionsLost;
    private volatile long connectFailures;
    private volatile long willUpdates;
    private volatile long duplicatesSuppressed;
    private volatile long staleAcknowledgements;
    private volatile long protocolErrors;
    private volatile long retransmissions;
    private volatile long qos0WriteFailures;
    private volatile long listenerErrors;

    private final ChannelFutureListener qos0WriteListener = f -> {
        if (!f.isSuccess()) {
            qos0WriteFailures++;
            DISCARD_LOG.warn("upstream {}: QoS 0 publish lost with the connection: {}", options.clientId(),
                    f.cause() == null ? "cancelled" : f.cause().toString());
        }
    };

    private MqttConnection(Builder b) {
        this.loop = b.loop;
        this.host = b.host;
        this.port = b.port;
        this.options = b.options;
        this.listener = b.listener;
        this.backoff = b.backoff;
        this.nanoClock = b.nanoClock;
        this.channelType = b.channelType;
        this.reconnectDelayObserver = b.reconnectDelayObserver;
        this.closed = loop.newPromise();
    }

    /** Starts building a connection to {@code host:port} owned by {@code loop}. */
    public static Builder builder(EventLoop loop, String host, int port, ConnectOptions options, Listener listener) {
        return new Builder(loop, host, port, options, listener);
    }

    /** Optional settings of a connection. */
    public static final class Builder {
        private final EventLoop loop;
        private final String host;
        private final int port;
        private final ConnectOptions options;
        private final Listener listener;
        private ReconnectBackoff backoff = ReconnectBackoff.defaults();
        private LongSupplier nanoClock = System::nanoTime;
        private Class<? extends SocketChannel> channelType = NioSocketChannel.class;
        private LongConsumer reconnectDelayObserver = delay -> { };

        private Builder(EventLoop loop, String host, int port, ConnectOptions options, Listener listener) {
            this.loop = Objects.requireNonNull(loop, "loop");
            this.host = Objects.requireNonNull(host, "host");
            this.port = port;
            this.options = Objects.requireNonNull(options, "options");
            this.listener = Objects.requireNonNull(listener, "listener");
            if (port <= 0 || port > 65_535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
        }

        public Builder backoff(ReconnectBackoff value) {
            this.backoff = Objects.requireNonNull(value, "backoff");
            return this;
        }

        /** Monotonic time in nanoseconds (keep-alive bookkeeping); {@code System::nanoTime} by default. */
        public Builder nanoClock(LongSupplier value) {
            this.nanoClock = Objects.requireNonNull(value, "nanoClock");
            return this;
        }

        /** The channel class matching the loop's transport; NIO by default. */
        public Builder channelType(Class<? extends SocketChannel> value) {
            this.channelType = Objects.requireNonNull(value, "channelType");
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
    // Public API

    /** Opens the connection (once; later calls are ignored). */
    public void connect() {
        if (!loop.inEventLoop()) {
            loop.execute(this::connect);
            return;
        }
        apiDepth++;
        try {
            if (state != State.NEW) {
                LOG.warn("upstream {}: connect() called in state {}, ignored", options.clientId(), state);
                return;
            }
            attemptConnect();
        } finally {
            apiDepth--;
        }
    }

    /**
     * Publishes a message. QoS 1/2: {@link Listener#onPublishDone} when the broker has it (or it
     * failed). QoS 0: fire and forget, reported only if it cannot be sent. The payload array is
     * not copied: do not change it afterwards.
     *
     * @throws IllegalArgumentException if {@code qos} is not 0, 1 or 2
     */
    public void publish(long token, String topic, byte[] payload, int qos, boolean retain) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos must be 0, 1 or 2: " + qos);
        }
        if (!loop.inEventLoop()) {
            loop.execute(() -> publish(token, topic, payload, qos, retain));
            return;
        }
        apiDepth++;
        try {
            Request r = new Request(PUBLISH, token, topic, payload, qos, retain);
            if (!Topics.isValidName(topic)) {
                refuse(r, "invalid topic name");
                return;
            }
            submit(r);
        } finally {
            apiDepth--;
        }
    }

    /** Subscribes: {@link Listener#onSubscribed} with the granted QoS or a failure. */
    public void subscribe(long token, String topicFilter, int qos) {
        Objects.requireNonNull(topicFilter, "topicFilter");
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos must be 0, 1 or 2: " + qos);
        }
        if (!loop.inEventLoop()) {
            loop.execute(() -> subscribe(token, topicFilter, qos));
            return;
        }
        apiDepth++;
        try {
            Request r = new Request(SUBSCRIBE, token, topicFilter, null, qos, false);
            if (!Topics.isValidFilter(topicFilter)) {
                refuse(r, "invalid topic filter");
                return;
            }
            submit(r);
        } finally {
            apiDepth--;
        }
    }

    /** Unsubscribes: {@link Listener#onUnsubscribed} when done. */
    public void unsubscribe(long token, String topicFilter) {
        Objects.requireNonNull(topicFilter, "topicFilter");
        if (!loop.inEventLoop()) {
            loop.execute(() -> unsubscribe(token, topicFilter));
            return;
        }
        apiDepth++;
        try {
            Request r = new Request(UNSUBSCRIBE, token, topicFilter, null, 0, false);
            if (!Topics.isValidFilter(topicFilter)) {
                refuse(r, "invalid topic filter");
                return;
            }
            submit(r);
        } finally {
            apiDepth--;
        }
    }

    /**
     * The caller has message {@code deliveryId} safe: PUBACK for QoS 1, PUBREC for QoS 2 (the
     * broker's PUBREL is then answered with PUBCOMP automatically). Unknown ids, QoS 0 ids and
     * QoS 1 ids from before a reconnection are ignored (the broker redelivers such QoS 1 messages
     * under a new id). A QoS 2 id stays valid across reconnections while the broker session lives:
     * the broker re-sends the PUBLISH, it is not delivered again, and this acknowledgement answers it.
     */
    public void acknowledge(long deliveryId) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> acknowledge(deliveryId));
            return;
        }
        apiDepth++;
        try {
            Inbound in = unacknowledged.remove(deliveryId);
            if (in == null) {
                staleAcknowledgements++;
                LOG.debug("upstream {}: acknowledgement of unknown or stale delivery {} ignored",
                        options.clientId(), deliveryId);
                return;
            }
            if (in.qos == 1) {
                unacknowledgedQos1--;
                if (state == State.CONNECTED) {
                    write(pubReply(MqttMessageType.PUBACK, in.packetId, (byte) 0));
                    flush();
                }
            } else {
                in.acknowledged = true;
                if (state == State.CONNECTED) {
                    write(pubReply(MqttMessageType.PUBREC, in.packetId, (byte) 0));
                    flush();
                }
            }
        } finally {
            apiDepth--;
        }
    }

    /**
     * Changes the will. MQTT fixes the will at CONNECT time, so a live connection is re-established
     * (DISCONNECT 0x00, which keeps the session and discards the old will, then CONNECT with Clean
     * Start 0 and the new will). Queued and in-flight requests survive; the listener hears nothing
     * unless the new connection cannot be made (then it is a lost connection like any other).
     */
    public void updateWill(Optional<ConnectOptions.Will> will) {
        Objects.requireNonNull(will, "will");
        if (!loop.inEventLoop()) {
            loop.execute(() -> updateWill(will));
            return;
        }
        apiDepth++;
        try {
            if (state == State.CLOSED || options.will().equals(will)) {
                return;
            }
            options = options.withWill(will);
            switch (state) {
                case CONNECTED -> beginWillUpdate();
                case CONNECTING -> willChangedDuringConnect = true;
                default -> {
                    // NEW, RECONNECT_WAIT, UPDATING_WILL: the next CONNECT carries the new will.
                }
            }
        } finally {
            apiDepth--;
        }
    }

    /**
     * Ends the connection: DISCONNECT with reason 0x04 (the broker publishes the will) or 0x00 (it
     * discards it), optionally with a new session expiry (0 ends the broker session), then closes.
     * No reconnection afterwards; whatever is still queued or in flight fails with CONGESTION.
     *
     * @return completes when the TCP connection is closed
     */
    public Future<Void> disconnect(boolean publishWill, OptionalLong sessionExpirySeconds) {
        Objects.requireNonNull(sessionExpirySeconds, "sessionExpirySeconds");
        if (sessionExpirySeconds.isPresent() && (sessionExpirySeconds.getAsLong() < 0
                || sessionExpirySeconds.getAsLong() > ConnectOptions.MAX_SESSION_EXPIRY)) {
            throw new IllegalArgumentException("session expiry out of range: " + sessionExpirySeconds.getAsLong());
        }
        if (!loop.inEventLoop()) {
            loop.execute(() -> disconnect(publishWill, sessionExpirySeconds));
            return closed;
        }
        apiDepth++;
        try {
            end(publishWill ? DISCONNECT_WITH_WILL : NORMAL_DISCONNECTION, sessionExpirySeconds,
                    publishWill ? "disconnected with will" : "disconnected");
        } finally {
            apiDepth--;
        }
        return closed;
    }

    /**
     * Gateway shutdown: DISCONNECT 0x00 without changing the session expiry, so the broker keeps
     * the session and does not publish the will; then closes.
     */
    public Future<Void> close() {
        if (!loop.inEventLoop()) {
            loop.execute(this::close);
            return closed;
        }
        apiDepth++;
        try {
            end(NORMAL_DISCONNECTION, OptionalLong.empty(), "closed");
        } finally {
            apiDepth--;
        }
        return closed;
    }

    /** Completes when the connection has ended for good and its channel is closed. */
    public Future<Void> closeFuture() {
        return closed;
    }

    public State state() {
        return state;
    }

    public String clientId() {
        return options.clientId();
    }

    public EventLoop eventLoop() {
        return loop;
    }

    /** Requests waiting to be sent (call on the loop for an exact value). */
    public int queuedRequests() {
        return queue.size();
    }

    /** QoS 1/2 publishes, subscribes and unsubscribes sent and not yet answered (call on the loop). */
    public int inFlightRequests() {
        return inFlight.size();
    }

    /** Inbound QoS 1/2 messages not completely acknowledged (call on the loop). */
    public int inboundPending() {
        return unacknowledgedQos1 + inboundQos2.size();
    }

    /** PUBLISH packets received from the broker (duplicates suppressed are not counted). */
    public long messagesIn() {
        return messagesIn;
    }

    /** PUBLISH packets sent for the first time (re-sends are {@link #retransmissions()}). */
    public long messagesOut() {
        return messagesOut;
    }

    /** QoS 1/2 publishes the broker acknowledged successfully. */
    public long publishesCompleted() {
        return publishesCompleted;
    }

    /** Publishes, subscribes and unsubscribes refused (by the broker or as invalid): REFUSED. */
    public long requestsRefused() {
        return requestsRefused;
    }

    /**
     * Requests the broker refused, each failed with REFUSED and never sent again: a PUBACK,
     * PUBREC or PUBCOMP reason code of 0x80 or more, a failed SUBACK or UNSUBACK, or a
     * {@link #disconnectCulprits() culprit} of the broker ending connections. Part of
     * {@link #requestsRefused()}.
     */
    public long refusedByBroker() {
        return refusedByBroker;
    }

    /**
     * Requests found to be why the broker kept ending the connection (part of
     * {@link #refusedByBroker()}); see the class comment.
     */
    public long disconnectCulprits() {
        return disconnectCulprits;
    }

    /** TCP connections attempted: the first, every reconnection and every will update. */
    public long connectAttempts() {
        return connectAttempts;
    }

    /** Requests failed at once because the queue was full or the connection was over: CONGESTION. */
    public long requestsRejectedCongestion() {
        return requestsRejectedCongestion;
    }

    /** Requests still queued or in flight when the connection ended: CONGESTION. */
    public long requestsFailedOnClose() {
        return requestsFailedOnClose;
    }

    /** Successful reconnections after a lost connection. */
    public long reconnects() {
        return reconnects;
    }

    public long connectionsLost() {
        return connectionsLost;
    }

    /** Failed connection attempts (first or reconnection). */
    public long connectFailures() {
        return connectFailures;
    }

    public long willUpdates() {
        return willUpdates;
    }

    /** QoS 2 messages the broker sent again before PUBREL, not delivered twice. */
    public long duplicatesSuppressed() {
        return duplicatesSuppressed;
    }

    public long staleAcknowledgements() {
        return staleAcknowledgements;
    }

    /** Malformed or unexpected packets from the broker (each closes the connection). */
    public long protocolErrors() {
        return protocolErrors;
    }

    /** PUBLISH, PUBREL, SUBSCRIBE and UNSUBSCRIBE packets re-sent after a reconnection. */
    public long retransmissions() {
        return retransmissions;
    }

    /** QoS 0 publishes written but lost with the connection. */
    public long qos0WriteFailures() {
        return qos0WriteFailures;
    }

    public long listenerErrors() {
        return listenerErrors;
    }

    @Override
    public String toString() {
        return "MqttConnection[" + options.clientId() + " -> " + host + ":" + port + ", " + state + "]";
    }

    /**
     * Test hook: {@link #publish} without the local topic check, as if a name the broker refuses
     * had passed it; what happens next must not depend on that check.
     */
    void publishUncheckedForTest(long token, String topic, byte[] payload, int qos, boolean retain) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> publishUncheckedForTest(token, topic, payload, qos, retain));
            return;
        }
        apiDepth++;
        try {
            submit(new Request(PUBLISH, token, topic, payload, qos, retain));
        } finally {
            apiDepth--;
        }
    }

    /** Test hook: drops the TCP connection without DISCONNECT, as a network failure would. */
    void dropConnectionForTest() {
        if (!loop.inEventLoop()) {
            loop.execute(this::dropConnectionForTest);
            return;
        }
        if (channel != null) {
            closeChannel(channel, "connection dropped (test)");
        }
    }

    // ------------------------------------------------------------------------------------------
    // Connecting

    private void attemptConnect() {
        reconnectTimer = null;
        state = State.CONNECTING;
        connectAttempts++;
        refusalRetryable = null;
        terminalClose = false;
        willChangedDuringConnect = false;
        closeDetail = null;
        closeEvidence = null;
        int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis());
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
                        ch.pipeline().addLast("decoder", new MqttDecoder(options.maxPacketSize()));
                        ch.pipeline().addLast("encoder", MqttEncoder.INSTANCE);
                        ch.pipeline().addLast("handler", new Handler());
                    }
                });
        ChannelFuture connecting = bootstrap.connect(host, port);
        Channel ch = connecting.channel();
        channel = ch;
        connectFuture = connecting;
        ch.closeFuture().addListener(f -> onChannelClosed(ch, false));
        connecting.addListener((ChannelFuture f) -> {
            if (ch != channel || state != State.CONNECTING) {
                ch.close();
                return;
            }
            if (f.isSuccess()) {
                ch.writeAndFlush(connectMessage()).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            } else {
                closeChannel(ch, connectFailure(f.cause()));
            }
        });
        connackTimer = loop.schedule(() -> {
            if (ch == channel && state == State.CONNECTING) {
                closeChannel(ch, "no CONNACK from " + host + ":" + port + " within " + timeoutMillis + " ms");
            }
        }, timeoutMillis, TimeUnit.MILLISECONDS);
    }

    private MqttConnectMessage connectMessage() {
        boolean cleanStart = !everConnected && options.cleanStart();
        MqttProperties props = new MqttProperties();
        if (options.sessionExpirySeconds() != 0) {
            props.add(intProperty(MqttPropertyType.SESSION_EXPIRY_INTERVAL, (int) options.sessionExpirySeconds()));
        }
        if (options.receiveMaximum() != 65_535) {
            props.add(intProperty(MqttPropertyType.RECEIVE_MAXIMUM, options.receiveMaximum()));
        }
        props.add(intProperty(MqttPropertyType.MAXIMUM_PACKET_SIZE, options.maxPacketSize()));
        MqttMessageBuilders.ConnectBuilder b = MqttMessageBuilders.connect()
                .protocolVersion(MqttVersion.MQTT_5)
                .clientId(options.clientId())
                .cleanSession(cleanStart)
                .keepAlive(options.keepAliveSeconds())
                .properties(props);
        options.will().ifPresent(w -> b.willFlag(true)
                .willTopic(w.topic())
                .willMessage(w.payload())
                .willQoS(MqttQoS.valueOf(w.qos()))
                .willRetain(w.retain())
                .willProperties(MqttProperties.NO_PROPERTIES));
        options.username().ifPresent(u -> {
            b.hasUser(true).username(u);
            options.password().ifPresent(p -> b.hasPassword(true).password(p));
        });
        return b.build();
    }

    private void onConnAck(Channel ch, MqttConnAckMessage msg) {
        cancel(connackTimer);
        connackTimer = null;
        MqttConnectReturnCode code = msg.variableHeader().connectReturnCode();
        int reason = code.byteValue() & 0xFF;
        MqttProperties props = msg.variableHeader().properties();
        if (reason >= 0x80) {
            refusalRetryable = isRetryableRefusal(reason);
            String reasonString = stringProperty(props, MqttPropertyType.REASON_STRING);
            closeChannel(ch, String.format("broker refused the connection: 0x%02X %s%s", reason, code,
                    reasonString == null ? "" : " (" + reasonString + ")"));
            return;
        }
        boolean sessionPresent = msg.variableHeader().isSessionPresent();
        sendQuotaMaximum = intProperty(props, MqttPropertyType.RECEIVE_MAXIMUM, 65_535);
        if (sendQuotaMaximum <= 0) {
            sendQuotaMaximum = 65_535;
        }
        brokerMaximumQos = intProperty(props, MqttPropertyType.MAXIMUM_QOS, 2);
        retainAvailable = intProperty(props, MqttPropertyType.RETAIN_AVAILABLE, 1) != 0;
        int maxPacket = intProperty(props, MqttPropertyType.MAXIMUM_PACKET_SIZE, 0);
        brokerMaximumPacketSize = maxPacket == 0 ? Long.MAX_VALUE : Integer.toUnsignedLong(maxPacket);
        int keepAlive = intProperty(props, MqttPropertyType.SERVER_KEEP_ALIVE, options.keepAliveSeconds());
        keepAliveNanos = TimeUnit.SECONDS.toNanos(keepAlive);
        pingOutstanding = false;
        if (keepAlive > 0) {
            ch.pipeline().addBefore("handler", "keepAlive",
                    new IdleStateHandler(keepAlive, keepAlive, 0, TimeUnit.SECONDS));
        }

        boolean first = !everConnected;
        everConnected = true;
        // reconnectAttempt is not reset here: a broker that ends every connection right after
        // CONNACK must meet a growing backoff. forgiveIfHealthy() resets it when a connection ends.
        connectionNumber++;
        connectedAtNanos = nanoClock.getAsLong();
        state = State.CONNECTED;
        boolean wasLost = lossReported;
        lossReported = false;
        if (!sessionPresent) {
            // The broker has no session state: its QoS 2 deliveries will not come back.
            unacknowledged.clear();
            inboundQos2.clear();
            unacknowledgedQos1 = 0;
        }
        if (first) {
            LOG.info("upstream {}: connected to {}:{} (session present: {})", options.clientId(), host, port,
                    sessionPresent);
            emit(() -> listener.onConnected(sessionPresent));
        } else {
            retransmitInFlight(sessionPresent);
            if (wasLost) {
                reconnects++;
                LOG.info("upstream {}: reconnected to {}:{} (session present: {}, {} re-sent)", options.clientId(),
                        host, port, sessionPresent, inFlight.size());
            } else {
                willUpdates++;
                LOG.debug("upstream {}: reconnected with a new will (session present: {})", options.clientId(),
                        sessionPresent);
            }
            if (wasLost || !sessionPresent) {
                emit(() -> listener.onReconnected(sessionPresent));
            }
        }
        drain();
        flush();
        if (willChangedDuringConnect && state == State.CONNECTED) {
            beginWillUpdate();
        }
    }

    private static boolean isRetryableRefusal(int reason) {
        return switch (reason) {
            // unspecified error, implementation specific, server unavailable, server busy,
            // quota exceeded, use another server, server moved, connection rate exceeded
            case 0x80, 0x83, 0x88, 0x89, 0x97, 0x9C, 0x9D, 0x9F -> true;
            default -> false;
        };
    }

    /**
     * After a reconnection: unacknowledged PUBLISH with DUP, pending PUBREL, SUBSCRIBE/UNSUBSCRIBE
     * again, sent by {@link #drain()}; one at a time while any of them is a suspect.
     */
    private void retransmitInFlight(boolean sessionPresent) {
        resend.clear();
        probing = false;
        probe = null;
        int suspects = 0;
        for (Request r : inFlight.values()) {
            if (!sessionPresent && r.pubrecReceived) {
                // The broker lost the QoS 2 state: only a new PUBLISH gets the message there.
                r.pubrecReceived = false;
            }
            if (r.suspect) {
                suspects++;
            }
            resend.add(r);
        }
        // The send quota starts afresh with each network connection (MQTT 5 §4.9).
        inFlightPublishes = 0;
        resendDup = sessionPresent;
        if (suspects > 0) {
            probing = true;
            LOG.info("upstream {}: {} of {} re-sent requests may be what the broker refuses: re-sending them one"
                    + " at a time", options.clientId(), suspects, inFlight.size());
        }
    }

    private void sendResends() {
        while (!resend.isEmpty()) {
            Request r = resend.peek();
            if (inFlight.get(r.packetId) != r) {
                resend.poll(); // answered meanwhile
                continue;
            }
            if (r.countsAgainstReceiveMaximum()) {
                if (inFlightPublishes >= sendQuotaMaximum) {
                    return;
                }
                inFlightPublishes++;
            }
            resend.poll();
            resendOne(r);
        }
    }

    /**
     * While probing, the next re-send goes only once the one before it is answered, so that a
     * broker ending the connection can only be ending it over that one.
     */
    private void probeNext() {
        if (probe != null && inFlight.get(probe.packetId) == probe) {
            return;
        }
        probe = null;
        while (!resend.isEmpty()) {
            Request r = resend.poll();
            if (inFlight.get(r.packetId) != r) {
                continue; // answered meanwhile
            }
            if (r.countsAgainstReceiveMaximum()) {
                inFlightPublishes++;
            }
            resendOne(r);
            probe = r;
            return;
        }
        probing = false;
        LOG.info("upstream {}: every re-sent request answered; sending as usual again", options.clientId());
    }

    private void resendOne(Request r) {
        retransmissions++;
        r.writtenOn = connectionNumber;
        switch (r.kind) {
            case PUBLISH -> write(r.pubrecReceived
                    ? pubReply(MqttMessageType.PUBREL, r.packetId, (byte) 0)
                    : publishMessage(r, resendDup));
            case SUBSCRIBE -> write(subscribeMessage(r));
            default -> write(unsubscribeMessage(r));
        }
    }

    private void beginWillUpdate() {
        Channel ch = channel;
        state = State.UPDATING_WILL;
        LOG.debug("upstream {}: re-connecting to change the will", options.clientId());
        closeDetail = "re-connecting to change the will";
        sendDisconnectAndAwaitClose(ch, MqttMessageBuilders.disconnect().reasonCode(NORMAL_DISCONNECTION).build());
    }

    /**
     * Sends DISCONNECT, half-closes, and lets the broker close the connection. Closing at once
     * would race the next connection with the same client id: a broker that reads the new
     * CONNECT before the old DISCONNECT (HiveMQ does, on another thread) takes the session over
     * and publishes the old connection's will. The broker closes the TCP connection once it has
     * processed the DISCONNECT, so its close is the proof the will was discarded (or published,
     * for 0x04). A broker that never closes is closed on after {@link #DISCONNECT_LINGER_MILLIS}.
     */
    private void sendDisconnectAndAwaitClose(Channel ch, MqttMessage disconnect) {
        ch.writeAndFlush(disconnect).addListener(f -> {
            if (!f.isSuccess() || !(ch instanceof DuplexChannel duplex)) {
                ch.close();
                return;
            }
            duplex.shutdownOutput();
            ch.eventLoop().schedule(() -> {
                if (ch.isOpen()) {
                    LOG.debug("upstream {}: the broker did not close the connection after DISCONNECT; closing it",
                            options.clientId());
                    ch.close();
                }
            }, DISCONNECT_LINGER_MILLIS, TimeUnit.MILLISECONDS);
        });
    }

    private String connectFailure(Throwable cause) {
        return "cannot connect to " + host + ":" + port + ": " + describe(cause);
    }

    private void onChannelClosed(Channel ch, boolean deferred) {
        if (ch != channel) {
            return;
        }
        ChannelFuture connecting = connectFuture;
        if (state == State.CONNECTING && closeDetail == null && connecting != null && !connecting.isSuccess()) {
            if (!connecting.isDone() && !deferred) {
                // The channel closed before its connect promise failed (e.g. the address could not
                // be resolved, which fails the promise from the resolver's thread): read the cause
                // once the promise is done; its listeners run on this loop.
                connecting.addListener(f -> onChannelClosed(ch, true));
                return;
            }
            if (connecting.cause() != null) {
                closeDetail = connectFailure(connecting.cause());
            }
        }
        channel = null;
        connectFuture = null;
        cancel(connackTimer);
        connackTimer = null;
        pingOutstanding = false;
        // No reason of ours and no DISCONNECT: the broker closed (FIN), or reset, the connection.
        Evidence evidence = closeEvidence != null ? closeEvidence
                : closeDetail == null ? Evidence.ABRUPT : Evidence.NONE;
        closeEvidence = null;
        String detail = closeDetail != null ? closeDetail : "connection closed by the broker";
        closeDetail = null;
        switch (state) {
            case CONNECTING -> {
                connectFailures++;
                Boolean refusal = refusalRetryable;
                attemptFailed(refusal == null || refusal, detail);
            }
            case CONNECTED -> connectionLost(detail, evidence);
            case UPDATING_WILL -> {
                forgiveIfHealthy();
                forgetQos1Deliveries();
                attemptConnect();
            }
            default -> {
                // CLOSED: ended on purpose; NEW / RECONNECT_WAIT have no channel.
            }
        }
    }

    private void attemptFailed(boolean retryable, String detail) {
        if (!everConnected) {
            LOG.warn("upstream {}: {}", options.clientId(), detail);
            finish(detail);
            emit(() -> listener.onConnectFailed(retryable, detail));
            return;
        }
        if (!lossReported) {
            // A will update's reconnection failed: to the caller this is a lost connection.
            lossReported = true;
            connectionsLost++;
            emit(() -> listener.onConnectionLost(detail));
        }
        if (!retryable) {
            LOG.warn("upstream {}: reconnection refused for good: {}", options.clientId(), detail);
            finish(detail);
            emit(() -> listener.onConnectFailed(false, detail));
            return;
        }
        scheduleReconnect(detail);
    }

    private void connectionLost(String detail, Evidence evidence) {
        connectionsLost++;
        lossReported = true;
        forgiveIfHealthy();
        forgetQos1Deliveries();
        LOG.info("upstream {}: connection lost: {}", options.clientId(), detail);
        emit(() -> listener.onConnectionLost(detail));
        if (terminalClose) {
            resend.clear();
            finish(detail);
            emit(() -> listener.onConnectFailed(false, detail));
            return;
        }
        weigh(evidence, detail);
        resend.clear();
        probing = false;
        probe = null;
        scheduleReconnect(detail);
    }

    /** A connection that lasted starts the backoff afresh; see {@link #HEALTHY_AFTER_NANOS}. */
    private void forgiveIfHealthy() {
        if (nanoClock.getAsLong() - connectedAtNanos >= HEALTHY_AFTER_NANOS) {
            reconnectAttempt = 0;
        }
    }

    /**
     * Applies what the end of a connection says to the requests that were outstanding on it
     * (see the class comment): the lone probe is the culprit; in ordinary sending, what was
     * outstanding becomes a suspect (at once after a DISCONNECT blaming a packet, at the second
     * abrupt close).
     */
    private void weigh(Evidence evidence, String detail) {
        if (evidence == Evidence.NONE) {
            return;
        }
        if (probing) {
            Request r = probe;
            if (r == null || inFlight.get(r.packetId) != r) {
                return;
            }
            if (evidence == Evidence.PACKET || r.suspect) {
                inFlight.remove(r.packetId);
                disconnectCulprits++;
                refusedByBroker(r, "the broker ends the connection over it (last: " + detail
                        + ", with nothing else outstanding)");
            } else {
                strike(r);
            }
            return;
        }
        for (Request r : inFlight.values()) {
            if (r.writtenOn != connectionNumber) {
                continue; // waiting to be re-sent: the broker never saw it on this connection
            }
            if (evidence == Evidence.PACKET) {
                r.suspect = true;
            } else {
                strike(r);
            }
        }
    }

    private static void strike(Request r) {
        r.abruptCloses++;
        if (r.abruptCloses >= 2) {
            r.suspect = true;
        }
    }

    private void scheduleReconnect(String detail) {
        long delay = backoff.delayMillis(reconnectAttempt++);
        reconnectDelayObserver.accept(delay);
        state = State.RECONNECT_WAIT;
        LOG.debug("upstream {}: reconnecting in {} ms (attempt {}, last: {})", options.clientId(), delay,
                reconnectAttempt, detail);
        reconnectTimer = loop.schedule(() -> {
            if (state == State.RECONNECT_WAIT) {
                attemptConnect();
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    /** QoS 1 deliveries of a lost connection: the broker redelivers them, old ids are stale. */
    private void forgetQos1Deliveries() {
        if (unacknowledgedQos1 == 0) {
            return;
        }
        unacknowledged.values().removeIf(in -> in.qos == 1);
        unacknowledgedQos1 = 0;
    }

    /** Ends for good (the channel, if any, is closed by the caller): fails everything waiting. */
    private void finish(String detail) {
        state = State.CLOSED;
        cancel(reconnectTimer);
        reconnectTimer = null;
        cancel(connackTimer);
        connackTimer = null;
        failEverything(detail);
        unacknowledged.clear();
        inboundQos2.clear();
        unacknowledgedQos1 = 0;
        Channel ch = channel;
        if (ch == null) {
            closed.trySuccess(null);
        } else {
            ch.closeFuture().addListener(f -> closed.trySuccess(null));
        }
    }

    private void end(byte reason, OptionalLong sessionExpiry, String detail) {
        if (state == State.CLOSED) {
            return;
        }
        State was = state;
        Channel ch = channel;
        warnIfWillCannotBeSent(was, reason, sessionExpiry);
        finish(detail);
        if (ch == null) {
            return;
        }
        if (was == State.CONNECTED) {
            MqttProperties props = MqttProperties.NO_PROPERTIES;
            if (sessionExpiry.isPresent()) {
                long expiry = sessionExpiry.getAsLong();
                if (options.sessionExpirySeconds() == 0 && expiry != 0) {
                    // MQTT 5 §3.14.2.2.2: a session that expires with the connection cannot be extended.
                    LOG.warn("upstream {}: session expiry {} ignored: the session was opened with expiry 0",
                            options.clientId(), expiry);
                } else {
                    props = new MqttProperties();
                    props.add(intProperty(MqttPropertyType.SESSION_EXPIRY_INTERVAL, (int) expiry));
                }
            }
            closeDetail = detail;
            sendDisconnectAndAwaitClose(ch, MqttMessageBuilders.disconnect().reasonCode(reason).properties(props).build());
        } else {
            closeChannel(ch, detail);
        }
    }

    private void warnIfWillCannotBeSent(State was, byte reason, OptionalLong sessionExpiry) {
        if (was == State.CONNECTED) {
            return;
        }
        if (reason == DISCONNECT_WITH_WILL && options.will().isPresent()) {
            DISCARD_LOG.warn("upstream {}: will to '{}' not published on request: not connected to the broker ({})",
                    options.clientId(), options.will().get().topic(), was);
        }
        if (sessionExpiry.isPresent()) {
            LOG.warn("upstream {}: session expiry {} not sent: not connected to the broker ({})",
                    options.clientId(), sessionExpiry.getAsLong(), was);
        }
    }

    private void failEverything(String detail) {
        List<Request> failed = new ArrayList<>(inFlight.values());
        failed.addAll(queue);
        inFlight.clear();
        queue.clear();
        resend.clear();
        probing = false;
        probe = null;
        inFlightPublishes = 0;
        for (Request r : failed) {
            requestsFailedOnClose++;
            if (r.kind == PUBLISH) {
                DISCARD_LOG.warn("upstream {}: publish to '{}' (qos {}) failed: connection ended ({})",
                        options.clientId(), r.topic, r.qos, detail);
            }
            complete(r, Optional.of(DeliveryFailure.CONGESTION), Optional.empty());
        }
    }

    private void closeChannel(Channel ch, String detail) {
        if (closeDetail == null) {
            closeDetail = detail;
        }
        ch.close();
    }

    // ------------------------------------------------------------------------------------------
    // Outgoing requests

    private void submit(Request r) {
        if (state == State.CLOSED) {
            reject(r, "connection closed");
            return;
        }
        if (queue.isEmpty() && resend.isEmpty() && canSendNow(r)) {
            send(r);
            flushSoon();
            return;
        }
        if (queue.size() >= options.maxQueuedRequests()) {
            reject(r, "queue full (" + options.maxQueuedRequests() + " requests, state " + state + ")");
            return;
        }
        queue.add(r);
    }

    private boolean canSendNow(Request r) {
        // While probing nothing new goes, QoS 0 included: it could be what the broker refuses.
        if (state != State.CONNECTED || probing || channel == null || !channel.isWritable()) {
            return false;
        }
        if (r.kind == PUBLISH && r.qos == 0) {
            return true;
        }
        if (inFlight.size() >= MAX_PACKET_ID) {
            return false;
        }
        return !r.countsAgainstReceiveMaximum() || inFlightPublishes < sendQuotaMaximum;
    }

    /** Sends what the window, the send quota and the socket allow, in order. */
    private void drain() {
        if (state != State.CONNECTED) {
            return;
        }
        if (probing) {
            probeNext();
            if (probing) {
                return;
            }
        }
        if (!resend.isEmpty()) {
            sendResends();
            if (!resend.isEmpty()) {
                return;
            }
        }
        while (!queue.isEmpty() && canSendNow(queue.peek())) {
            send(queue.poll());
        }
    }

    private void send(Request r) {
        if (r.kind == PUBLISH) {
            String problem = publishProblem(r);
            if (problem != null) {
                refuse(r, problem);
                return;
            }
            messagesOut++;
            if (r.qos == 0) {
                channel.write(publishMessage(r, false)).addListener(qos0WriteListener);
                return;
            }
            inFlightPublishes++;
        }
        r.packetId = allocatePacketId();
        r.writtenOn = connectionNumber;
        inFlight.put(r.packetId, r);
        switch (r.kind) {
            case PUBLISH -> write(publishMessage(r, false));
            case SUBSCRIBE -> write(subscribeMessage(r));
            default -> write(unsubscribeMessage(r));
        }
    }

    /** What the broker's CONNACK forbids about this publish, or null. */
    private String publishProblem(Request r) {
        if (r.qos > brokerMaximumQos) {
            return "broker maximum QoS is " + brokerMaximumQos;
        }
        if (r.retain && !retainAvailable) {
            return "broker does not support retained messages";
        }
        long size = 2 + Topics.utf8Length(r.topic) + (r.qos > 0 ? 2 : 0) + 1 + (long) r.payload.length;
        size += size < 128 ? 2 : size < 16_384 ? 3 : size < 2_097_152 ? 4 : 5;
        if (size > brokerMaximumPacketSize) {
            return "packet of " + size + " bytes exceeds the broker's maximum packet size " + brokerMaximumPacketSize;
        }
        return null;
    }

    private int allocatePacketId() {
        for (int i = 0; i < MAX_PACKET_ID; i++) {
            int id = nextPacketId;
            nextPacketId = id == MAX_PACKET_ID ? 1 : id + 1;
            if (!inFlight.containsKey(id)) {
                return id;
            }
        }
        throw new IllegalStateException("no free packet identifier"); // canSendNow prevents this
    }

    private void reject(Request r, String why) {
        requestsRejectedCongestion++;
        DISCARD_LOG.warn("upstream {}: {} '{}' rejected with CONGESTION: {}", options.clientId(), kindName(r), r.topic,
                why);
        complete(r, Optional.of(DeliveryFailure.CONGESTION), Optional.empty());
    }

    private void refusedByBroker(Request r, String why) {
        refusedByBroker++;
        refuse(r, why);
    }

    private void refuse(Request r, String why) {
        requestsRefused++;
        DISCARD_LOG.warn("upstream {}: {} '{}' refused: {}", options.clientId(), kindName(r), r.topic, why);
        complete(r, Optional.of(DeliveryFailure.REFUSED), Optional.empty());
    }

    private static String kindName(Request r) {
        return switch (r.kind) {
            case PUBLISH -> "publish (qos " + r.qos + ") to";
            case SUBSCRIBE -> "subscribe to";
            default -> "unsubscribe from";
        };
    }

    private void complete(Request r, Optional<DeliveryFailure> failure, Optional<Integer> granted) {
        long token = r.token;
        switch (r.kind) {
            case PUBLISH -> emit(() -> listener.onPublishDone(token, failure));
            case SUBSCRIBE -> emit(() -> listener.onSubscribed(token, granted, failure));
            default -> emit(() -> listener.onUnsubscribed(token));
        }
    }

    private MqttPublishMessage publishMessage(Request r, boolean dup) {
        return new MqttPublishMessage(
                new MqttFixedHeader(MqttMessageType.PUBLISH, dup && r.qos > 0, MqttQoS.valueOf(r.qos), r.retain, 0),
                new MqttPublishVariableHeader(r.topic, r.qos > 0 ? r.packetId : 0),
                Unpooled.wrappedBuffer(r.payload));
    }

    private static MqttMessage subscribeMessage(Request r) {
        return MqttMessageBuilders.subscribe()
                .messageId(r.packetId)
                .addSubscription(r.topic, new MqttSubscriptionOption(MqttQoS.valueOf(r.qos), false, false,
                        MqttSubscriptionOption.RetainedHandlingPolicy.SEND_AT_SUBSCRIBE))
                .build();
    }

    private static MqttMessage unsubscribeMessage(Request r) {
        return MqttMessageBuilders.unsubscribe().messageId(r.packetId).addTopicFilter(r.topic).build();
    }

    private static MqttMessage pubReply(MqttMessageType type, int packetId, byte reason) {
        MqttQoS qos = type == MqttMessageType.PUBREL ? MqttQoS.AT_LEAST_ONCE : MqttQoS.AT_MOST_ONCE;
        return new MqttMessage(new MqttFixedHeader(type, false, qos, false, 0),
                new MqttPubReplyMessageVariableHeader(packetId, reason, MqttProperties.NO_PROPERTIES));
    }

    // ------------------------------------------------------------------------------------------
    // Incoming packets

    private void onPacket(Channel ch, MqttMessage msg) {
        if (ch != channel || state == State.CLOSED) {
            return;
        }
        if (msg.decoderResult().isFailure()) {
            protocolError(ch, MALFORMED_PACKET,
                    "malformed packet from the broker: " + describe(msg.decoderResult().cause()));
            return;
        }
        MqttMessageType type = msg.fixedHeader().messageType();
        if (state == State.CONNECTING) {
            if (type == MqttMessageType.CONNACK) {
                onConnAck(ch, (MqttConnAckMessage) msg);
            } else {
                protocolError(ch, PROTOCOL_ERROR, "expected CONNACK, got " + type);
            }
            return;
        }
        switch (type) {
            case PUBLISH -> onPublish(ch, (MqttPublishMessage) msg);
            case PUBACK -> onPubAck(ch, messageId(msg), reasonCode(msg));
            case PUBREC -> onPubRec(ch, messageId(msg), reasonCode(msg));
            case PUBREL -> onPubRel(messageId(msg));
            case PUBCOMP -> onPubComp(ch, messageId(msg), reasonCode(msg));
            case SUBACK -> onSubAck(ch, (MqttSubAckMessage) msg);
            case UNSUBACK -> onUnsubAck(ch, (MqttUnsubAckMessage) msg);
            case PINGRESP -> pingOutstanding = false;
            case DISCONNECT -> onDisconnect(ch, msg);
            default -> protocolError(ch, PROTOCOL_ERROR, "unexpected " + type + " from the broker");
        }
    }

    private void onPublish(Channel ch, MqttPublishMessage msg) {
        int qos = msg.fixedHeader().qosLevel().value();
        String topic = msg.variableHeader().topicName();
        boolean retain = msg.fixedHeader().isRetain();
        if (qos > 0 && state != State.CONNECTED) {
            // After our DISCONNECT (will update): the broker keeps it in the session and re-sends it.
            return;
        }
        if (qos == 0) {
            messagesIn++;
            deliver(nextDeliveryId++, topic, ByteBufUtil.getBytes(msg.payload()), 0, retain);
            return;
        }
        int packetId = msg.variableHeader().packetId();
        if (qos == 2) {
            Inbound known = inboundQos2.get(packetId);
            if (known != null) {
                duplicatesSuppressed++;
                if (known.acknowledged) {
                    write(pubReply(MqttMessageType.PUBREC, packetId, (byte) 0));
                }
                return;
            }
        }
        if (inboundPending() >= options.receiveMaximum()) {
            protocolError(ch, RECEIVE_MAXIMUM_EXCEEDED, "broker exceeded our receive maximum of "
                    + options.receiveMaximum() + " (topic '" + topic + "')");
            return;
        }
        Inbound in = new Inbound(nextDeliveryId++, packetId, qos);
        unacknowledged.put(in.deliveryId, in);
        if (qos == 1) {
            unacknowledgedQos1++;
        } else {
            inboundQos2.put(packetId, in);
        }
        messagesIn++;
        deliver(in.deliveryId, topic, ByteBufUtil.getBytes(msg.payload()), qos, retain);
    }

    private void deliver(long deliveryId, String topic, byte[] payload, int qos, boolean retain) {
        emit(() -> listener.onMessage(deliveryId, topic, payload, qos, retain));
    }

    private void onPubRel(int packetId) {
        Inbound in = inboundQos2.remove(packetId);
        if (in != null) {
            unacknowledged.remove(in.deliveryId);
        }
        if (state == State.CONNECTED) {
            write(pubReply(MqttMessageType.PUBCOMP, packetId, in == null ? PACKET_ID_NOT_FOUND : 0));
        }
    }

    private void onPubAck(Channel ch, int packetId, int reason) {
        Request r = inFlight.get(packetId);
        if (r == null || r.kind != PUBLISH || r.qos != 1) {
            protocolError(ch, PROTOCOL_ERROR, "PUBACK for unknown packet id " + packetId);
            return;
        }
        inFlight.remove(packetId);
        publishDone(r, reason);
    }

    private void onPubRec(Channel ch, int packetId, int reason) {
        Request r = inFlight.get(packetId);
        if (r == null || r.kind != PUBLISH || r.qos != 2) {
            if (state == State.CONNECTED) {
                write(pubReply(MqttMessageType.PUBREL, packetId, PACKET_ID_NOT_FOUND));
            }
            return;
        }
        if (reason >= 0x80) {
            inFlight.remove(packetId);
            publishDone(r, reason);
            return;
        }
        r.pubrecReceived = true;
        if (state == State.CONNECTED) {
            write(pubReply(MqttMessageType.PUBREL, packetId, (byte) 0));
        }
    }

    private void onPubComp(Channel ch, int packetId, int reason) {
        Request r = inFlight.get(packetId);
        if (r == null || r.kind != PUBLISH || r.qos != 2) {
            protocolError(ch, PROTOCOL_ERROR, "PUBCOMP for unknown packet id " + packetId);
            return;
        }
        inFlight.remove(packetId);
        publishDone(r, reason);
    }

    private void publishDone(Request r, int reason) {
        inFlightPublishes = Math.max(0, inFlightPublishes - 1);
        if (reason >= 0x80) {
            refusedByBroker(r, String.format("broker answered 0x%02X", reason));
        } else {
            publishesCompleted++;
            long token = r.token;
            emit(() -> listener.onPublishDone(token, Optional.empty()));
        }
        drain();
    }

    private void onSubAck(Channel ch, MqttSubAckMessage msg) {
        int packetId = msg.variableHeader().messageId();
        Request r = inFlight.get(packetId);
        if (r == null || r.kind != SUBSCRIBE) {
            protocolError(ch, PROTOCOL_ERROR, "SUBACK for unknown packet id " + packetId);
            return;
        }
        inFlight.remove(packetId);
        List<Integer> codes = msg.payload().reasonCodes();
        int code = codes.isEmpty() ? 0x80 : codes.get(0);
        if (code <= 2) {
            complete(r, Optional.empty(), Optional.of(code));
        } else {
            refusedByBroker(r, String.format("broker answered 0x%02X", code));
        }
        drain();
    }

    private void onUnsubAck(Channel ch, MqttUnsubAckMessage msg) {
        int packetId = msg.variableHeader().messageId();
        Request r = inFlight.get(packetId);
        if (r == null || r.kind != UNSUBSCRIBE) {
            protocolError(ch, PROTOCOL_ERROR, "UNSUBACK for unknown packet id " + packetId);
            return;
        }
        inFlight.remove(packetId);
        List<Short> codes = msg.payload() == null ? List.of() : msg.payload().unsubscribeReasonCodes();
        int code = codes.isEmpty() ? 0 : codes.get(0) & 0xFF;
        if (code >= 0x80) {
            // The caller hears onUnsubscribed either way (MQTT-SN has no failure to report for it).
            refusedByBroker(r, String.format("broker answered 0x%02X", code));
        } else {
            complete(r, Optional.empty(), Optional.empty());
        }
        drain();
    }

    private void onDisconnect(Channel ch, MqttMessage msg) {
        int reason = msg.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader h
                ? h.reasonCode() & 0xFF : 0;
        String reasonString = msg.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader h
                ? stringProperty(h.properties(), MqttPropertyType.REASON_STRING) : null;
        if (reason == (SESSION_TAKEN_OVER & 0xFF)) {
            terminalClose = true;
        }
        if (closeDetail == null) {
            closeEvidence = blamesAPacket(reason) ? Evidence.PACKET : Evidence.NONE;
        }
        closeChannel(ch, String.format("broker sent DISCONNECT 0x%02X%s", reason,
                reasonString == null ? "" : " (" + reasonString + ")"));
    }

    /**
     * Whether a DISCONNECT reason code says the broker refused a packet we sent (MQTT 5
     * §3.14.2.1). Only these make what was outstanding a suspect: each names something wrong with
     * one packet, which sending it again cannot fix. Left out on purpose: 0x80 (unspecified), 0x89
     * and 0x8B (busy, shutting down), 0x8D (keep-alive), 0x8E (taken over, ends the connection),
     * 0x98, 0x9C, 0x9D, 0x9F, 0xA0 (administrative or connection-wide), and the volume limits 0x93
     * (receive maximum exceeded: about how many were in flight, which we bound by the CONNACK),
     * 0x96 (message rate too high) and 0x97 (quota exceeded): a limit crossed by many packets
     * would blame whichever one came last, and the backoff is the answer to those.
     */
    static boolean blamesAPacket(int reason) {
        return switch (reason) {
            // malformed packet, protocol error: mosquitto sends 0x81 for a topic that is not
            // valid UTF-8 or holds a control character or a non-character (U+0001, U+007F, U+FFFF)
            case 0x81, 0x82 -> true;
            // implementation specific error: "the packet received is valid but cannot be
            // processed by this implementation"
            case 0x83 -> true;
            // not authorized, topic filter invalid, topic name invalid, topic alias invalid,
            // packet too large, payload format invalid, retain / QoS not supported
            case 0x87, 0x8F, 0x90, 0x94, 0x95, 0x99, 0x9A, 0x9B -> true;
            // shared subscriptions, subscription identifiers, wildcard subscriptions not supported
            case 0x9E, 0xA1, 0xA2 -> true;
            default -> false;
        };
    }

    private void onIdle(Channel ch, IdleStateEvent event) {
        if (ch != channel || state != State.CONNECTED) {
            return;
        }
        long now = nanoClock.getAsLong();
        if (pingOutstanding) {
            if (now - pingSentNanos >= keepAliveNanos) {
                closeChannel(ch, "keep-alive timeout: no PINGRESP within "
                        + TimeUnit.NANOSECONDS.toSeconds(keepAliveNanos) + " s");
            }
            return;
        }
        if (event.state() == IdleState.READER_IDLE || event.state() == IdleState.WRITER_IDLE) {
            pingOutstanding = true;
            pingSentNanos = now;
            ch.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGREQ, false,
                    MqttQoS.AT_MOST_ONCE, false, 0)));
        }
    }

    private void protocolError(Channel ch, byte reason, String detail) {
        protocolErrors++;
        LOG.warn("upstream {}: {}", options.clientId(), detail);
        if (closeDetail == null) {
            closeDetail = detail;
        }
        if (state == State.CONNECTED) {
            ch.writeAndFlush(MqttMessageBuilders.disconnect().reasonCode(reason).build())
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            ch.close();
        }
    }

    // ------------------------------------------------------------------------------------------
    // Helpers

    private void write(Object msg) {
        if (channel != null) {
            channel.write(msg, channel.voidPromise());
        }
    }

    private void flush() {
        if (channel != null) {
            channel.flush();
        }
    }

    /**
     * Flushes once the tasks already queued on the loop have run: the publishes a burst of
     * datagrams brought (one read of the UDP socket hands up to 16 to the sessions) leave in
     * one TCP write instead of one write each.
     */
    private void flushSoon() {
        if (!flushScheduled) {
            flushScheduled = true;
            loop.execute(scheduledFlush);
        }
    }

    /** Calls the listener now, or in a later loop task when inside one of our public methods. */
    private void emit(Runnable call) {
        if (apiDepth > 0) {
            loop.execute(() -> callListener(call));
        } else {
            callListener(call);
        }
    }

    private void callListener(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            listenerErrors++;
            LOG.error("upstream {}: listener failed", options.clientId(), e);
        }
    }

    private static void cancel(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    private static int messageId(MqttMessage msg) {
        return ((MqttMessageIdVariableHeader) msg.variableHeader()).messageId();
    }

    private static int reasonCode(MqttMessage msg) {
        return msg.variableHeader() instanceof MqttPubReplyMessageVariableHeader h ? h.reasonCode() & 0xFF : 0;
    }

    private static MqttProperties.IntegerProperty intProperty(MqttPropertyType type, int value) {
        return new MqttProperties.IntegerProperty(type.value(), value);
    }

    private static int intProperty(MqttProperties props, MqttPropertyType type, int fallback) {
        if (props == null) {
            return fallback;
        }
        MqttProperties.MqttProperty<?> p = props.getProperty(type.value());
        return p != null && p.value() instanceof Integer i ? i : fallback;
    }

    private static String stringProperty(MqttProperties props, MqttPropertyType type) {
        if (props == null) {
            return null;
        }
        MqttProperties.MqttProperty<?> p = props.getProperty(type.value());
        return p != null && p.value() instanceof String s ? s : null;
    }

    private static String describe(Throwable t) {
        if (t == null) {
            return "unknown cause";
        }
        String name = t.getClass().getSimpleName();
        return t.getMessage() == null ? name : name + ": " + t.getMessage();
    }

    /** The per-channel handler: routes everything to the connection, on the loop. */
    private final class Handler extends SimpleChannelInboundHandler<MqttMessage> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
            onPacket(ctx.channel(), msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel() == channel && ctx.channel().isWritable()) {
                drain();
                flush();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent e) {
                onIdle(ctx.channel(), e);
                flush();
            } else {
                ctx.fireUserEventTriggered(evt);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (ctx.channel() == channel) {
                if (closeDetail == null) {
                    // Typically a reset by the broker: mosquitto closing on a refused packet while
                    // more of ours are unread resets the connection, and its DISCONNECT may be lost.
                    closeEvidence = Evidence.ABRUPT;
                }
                closeChannel(ctx.channel(), "I/O error: " + describe(cause));
            } else {
                ctx.close();
            }
        }
    }
}
