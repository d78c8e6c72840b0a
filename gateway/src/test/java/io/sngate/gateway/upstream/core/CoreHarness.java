package io.sngate.gateway.upstream.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.sngate.gateway.session.DeliveryFailure;
import io.sngate.gateway.session.UpstreamEvent;
import io.sngate.gateway.upstream.ConnectOptions;
import io.sngate.hw.ReconnectBackoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;

/**
 * Test fixture for {@link MqttClientCore}: one core, a fake clock, and a recording
 * {@link CoreOutput} that plays the I/O adapter. Test classes extend it so the tests read like
 * the flow:
 *
 * <pre>
 * connect();
 * publish(1, "a/b", 1);
 * assertThat(sent()).containsExactly(Packet.publish(1, "a/b", 1, "m1"));
 * broker(pubAck(1));
 * assertThat(events()).containsExactly("done:1");
 * </pre>
 *
 * <p>Effects pile up until a test takes them: {@link #sent()} takes the packets written,
 * {@link #events()} / {@link #takeEvents()} the events, {@link #effects()} everything in order,
 * so a test that asserts with {@code containsExactly} also shows nothing else happened.
 *
 * <p>The recording output checks the adapter's contract as it goes, and fails the test at the
 * effect that breaks it: {@code open} only without a connection; {@code send} only on a
 * connection that is up, not half-closed, and has had no DISCONNECT (nothing may follow one,
 * MQTT 5 §3.14.4); {@code close} and {@code disconnect} only on a connection. The network's
 * answers ({@link #tcpUp}, {@link #closed}) come only when the test says, as separate inputs, the
 * way the adapter delivers them. After each test every token must have been completed at most
 * once.
 *
 * <p>Requests publish payload {@code "m" + token} unless told otherwise.
 */
abstract class CoreHarness {

    static final long START = 1_000_000L;
    static final String BROKER = "broker.test:1883";

    /** 10, 20, 40, 80, 80... ms: no jitter, so the delays are exact. */
    static ReconnectBackoff steadyBackoff() {
        return new ReconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(80), 0, new Random(1));
    }

    /** Keep-alive off (KeepAliveTest turns it on), session expiry 60 s, otherwise the defaults. */
    static ConnectOptions defaultOptions() {
        return ConnectOptions.of("core-test").withKeepAliveSeconds(0).withSessionExpirySeconds(60);
    }

    // ------------------------------------------------------------------ effects

    /** One thing the core asked of its adapter. */
    sealed interface Effect {
    }

    record Open() implements Effect {
    }

    record Send(Packet packet) implements Effect {
    }

    record Close() implements Effect {
    }

    /** DISCONNECT written, then half-close (see {@link CoreOutput#disconnect}). */
    record HalfClose(Packet disconnect) implements Effect {
    }

    record Event(UpstreamEvent event) implements Effect {
    }

    static final Effect OPEN = new Open();
    static final Effect CLOSE = new Close();

    static Effect send(Packet p) {
        return new Send(p);
    }

    static Effect halfClose(Packet disconnect) {
        return new HalfClose(disconnect);
    }

    private enum Link { NONE, OPENING, UP, HALF_CLOSED }

    private ConnectOptions options = defaultOptions();
    private MqttClientCore core;
    private long now = START;
    private Link link = Link.NONE;
    /** A DISCONNECT went on the current connection: nothing may follow it (MQTT 5 §3.14.4). */
    private boolean disconnectSent;
    private final List<Effect> pending = new ArrayList<>();
    private final List<Effect> history = new ArrayList<>();
    private final List<Long> reconnectDelays = new ArrayList<>();
    /** When each Open effect happened. */
    private final List<Long> openedAt = new ArrayList<>();
    private final Map<Long, Integer> completions = new HashMap<>();
    private MqttConnectMessage lastConnect;

    private final CoreOutput output = new CoreOutput() {
        @Override
        public void open() {
            check(link == Link.NONE, "open() while a connection exists");
            link = Link.OPENING;
            disconnectSent = false;
            openedAt.add(now);
            record(OPEN);
        }

        @Override
        public void send(MqttMessage packet) {
            Packet p = Packet.of(packet);
            check(link == Link.UP, "send(%s) on a connection that is %s", p, link);
            check(!disconnectSent, "send(%s) after DISCONNECT", p);
            disconnectSent = p.type() == MqttMessageType.DISCONNECT;
            if (packet instanceof MqttConnectMessage c) {
                lastConnect = c;
            }
            record(new Send(p));
        }

        @Override
        public void close() {
            check(link != Link.NONE, "close() without a connection");
            record(CLOSE);
        }

        @Override
        public void disconnect(MqttMessage disconnect) {
            check(link == Link.UP, "disconnect() on a connection that is %s", link);
            link = Link.HALF_CLOSED;
            record(new HalfClose(Packet.of(disconnect)));
        }

        @Override
        public void event(UpstreamEvent event) {
            if (event instanceof UpstreamEvent.PublishDone d) {
                completions.merge(d.token(), 1, Integer::sum);
            } else if (event instanceof UpstreamEvent.Subscribed s) {
                completions.merge(s.token(), 1, Integer::sum);
            } else if (event instanceof UpstreamEvent.Unsubscribed u) {
                completions.merge(u.token(), 1, Integer::sum);
            }
            record(new Event(event));
        }
    };

    /** Plain checks on the hot path: a test may send tens of thousands of packets. */
    private static void check(boolean ok, String format, Object... args) {
        if (!ok) {
            throw new AssertionError("adapter contract broken: " + String.format(format, args));
        }
    }

    private void record(Effect e) {
        pending.add(e);
        history.add(e);
    }

    // ------------------------------------------------------------------ set-up

    /** Replaces the options; only before the first input. */
    void options(ConnectOptions value) {
        assertThat(core).as("options before the first input").isNull();
        options = value;
    }

    ConnectOptions options() {
        return options;
    }

    MqttClientCore core() {
        if (core == null) {
            core = new MqttClientCore(options, BROKER, steadyBackoff(), output, reconnectDelays::add);
        }
        return core;
    }

    @AfterEach
    void eachTokenCompletedAtMostOnce() {
        assertThat(completions).as("tokens completed more than once")
                .allSatisfy((token, times) -> assertThat(times).as("token %d", token).isEqualTo(1));
    }

    // ------------------------------------------------------------------ the clock

    long now() {
        return now;
    }

    /**
     * Moves the clock by {@code millis}, firing onTimer at every deadline reached on the way (at
     * the deadline's own time), as the adapter's timer does. A deadline that onTimer leaves in
     * place fails the test: the adapter would fire it again at once, for ever.
     */
    void advance(long millis) {
        assertThat(millis).isNotNegative();
        long target = now + millis;
        while (true) {
            long deadline = core().nextDeadline();
            if (deadline > target) {
                break;
            }
            now = Math.max(now, deadline);
            core.onTimer(now);
            assertThat(core.nextDeadline()).as("deadline %d still due after onTimer at %d", deadline, now)
                    .isGreaterThan(now);
        }
        now = target;
    }

    /** Milliseconds until the core's next deadline (Long.MAX_VALUE: none). */
    long untilDeadline() {
        long d = core().nextDeadline();
        return d == Long.MAX_VALUE ? Long.MAX_VALUE : d - now;
    }

    /** The delays of the reconnections scheduled so far. */
    List<Long> reconnectDelays() {
        return reconnectDelays;
    }

    /** When each TCP connection was asked for. */
    List<Long> openedAt() {
        return openedAt;
    }

    // ------------------------------------------------------------------ the network's inputs

    void start() {
        core().start(now);
    }

    /** The TCP connection asked for is up. */
    void tcpUp() {
        assertThat(link).as("tcpUp without open()").isEqualTo(Link.OPENING);
        link = Link.UP;
        core().onOpened(now);
    }

    /** A packet from the broker. */
    void broker(MqttMessage packet) {
        core().onPacket(packet, now);
    }

    /** A CONNACK from the broker: {@code broker(connAck().receiveMaximum(2))}. */
    void broker(BrokerPackets.ConnAck connAck) {
        broker(connAck.build());
    }

    /** The connection closed: after our close, or the broker's doing (no DISCONNECT: abrupt). */
    void closed() {
        closed(null);
    }

    /** The connection closed, or could not be opened, for a reason the I/O layer knows. */
    void closed(String ioDetail) {
        assertThat(link).as("onClosed without a connection").isNotEqualTo(Link.NONE);
        link = Link.NONE;
        core().onClosed(ioDetail, now);
    }

    void ioError(String detail) {
        core().onIoError(detail, now);
    }

    void writable(boolean value) {
        core().onWritabilityChanged(value, now);
    }

    // ------------------------------------------------------------------ the owner's requests

    void publish(long token, String topic, int qos) {
        publish(token, topic, qos, false);
    }

    void publish(long token, String topic, int qos, boolean retain) {
        core().publish(token, topic, ("m" + token).getBytes(UTF_8), qos, retain, 0, false, now);
    }

    void publish(long token, String topic, byte[] payload, int qos, boolean retain) {
        core().publish(token, topic, payload, qos, retain, 0, false, now);
    }

    /** A chained QoS 2 publish with the device's message id as packet id (0: allocate one). */
    void publishChained(long token, String topic, int packetId) {
        core().publish(token, topic, ("m" + token).getBytes(UTF_8), 2, false, packetId, true, now);
    }

    /** A publish past the core's own topic check (a name the broker refuses). */
    void publishUnchecked(long token, String topic, int qos) {
        core().publishUnchecked(token, topic, ("m" + token).getBytes(UTF_8), qos, false, now);
    }

    void release(long token, int packetId) {
        core().release(token, packetId, now);
    }

    void subscribe(long token, String filter, int qos) {
        core().subscribe(token, filter, qos, now);
    }

    void unsubscribe(long token, String filter) {
        core().unsubscribe(token, filter, now);
    }

    void acknowledge(long deliveryId) {
        core().acknowledge(deliveryId, now);
    }

    void updateWill(Optional<ConnectOptions.Will> will) {
        core().updateWill(will, now);
    }

    void disconnect(boolean publishWill, OptionalLong sessionExpiry) {
        core().disconnect(publishWill, sessionExpiry, now);
    }

    void close() {
        core().close(now);
    }

    // ------------------------------------------------------------------ flows

    /** The first connection: start, TCP up, CONNECT (clean start as the options say), CONNACK. */
    void connect() {
        connect(BrokerPackets.connAck().build());
    }

    void connect(BrokerPackets.ConnAck connAck) {
        connect(connAck.build());
    }

    /** The first connection; leaves the effects that come after the Connected event. */
    void connect(MqttConnAckMessage connAck) {
        start();
        assertThat(take(e -> true)).containsExactly(OPEN);
        tcpUp();
        assertThat(sent()).extracting(Packet::type, Packet::cleanStart)
                .containsExactly(tuple(MqttMessageType.CONNECT, options.cleanStart()));
        broker(connAck);
        assertThat(takeFirst()).isEqualTo(new Event(new UpstreamEvent.Connected(
                connAck.variableHeader().isSessionPresent())));
    }

    /** The broker ends the connection with DISCONNECT {@code reason}; the core closes, the close completes. */
    void brokerDisconnects(int reason) {
        broker(BrokerPackets.disconnect(reason));
        assertThat(take(e -> e instanceof Close)).as("close after the broker's DISCONNECT").containsExactly(CLOSE);
        closed();
    }

    /**
     * From RECONNECT_WAIT: waits exactly the backoff, then TCP is up (CONNECT with clean start 0
     * checked and taken) and the broker answers {@code connAck}. Leaves the rest of the effects.
     */
    void reconnect(BrokerPackets.ConnAck connAck) {
        reconnectUntilConnect();
        broker(connAck.build());
    }

    /** From RECONNECT_WAIT: waits exactly the backoff; TCP is up; returns the CONNECT (clean start 0), taken. */
    Packet reconnectUntilConnect() {
        assertThat(core().state()).isEqualTo(ClientState.RECONNECT_WAIT);
        long wait = untilDeadline();
        advance(wait - 1);
        assertThat(take(e -> e instanceof Open)).as("no reconnection before the backoff is over").isEmpty();
        advance(1);
        assertThat(take(e -> e instanceof Open)).as("reconnection when the backoff is over").containsExactly(OPEN);
        tcpUp();
        List<Effect> connects = take(e -> e instanceof Send s && s.packet().type() == MqttMessageType.CONNECT);
        assertThat(connects).hasSize(1);
        Packet connect = ((Send) connects.get(0)).packet();
        assertThat(connect.cleanStart()).as("clean start of a reconnection").isFalse();
        return connect;
    }

    // ------------------------------------------------------------------ what happened

    /** Every effect not taken yet, in order; takes them. */
    List<Effect> effects() {
        return take(e -> true);
    }

    /** The packets written and not taken yet; takes them. */
    List<Packet> sent() {
        return take(e -> e instanceof Send).stream().map(e -> ((Send) e).packet()).toList();
    }

    /** The events not taken yet; takes them. */
    List<UpstreamEvent> takeEvents() {
        return take(e -> e instanceof Event).stream().map(e -> ((Event) e).event()).toList();
    }

    /**
     * The events not taken yet, each in a few words (takes them): {@code connected:false},
     * {@code connectFailed:REFUSED}, {@code lost}, {@code reconnected:true}, {@code received:7},
     * {@code done:7}, {@code done:7:CONGESTION}, {@code subscribed:7:1}, {@code subscribed:7:REFUSED},
     * {@code unsubscribed:7}, {@code message:3:a/b:qos1}. Details are in {@link #takeEvents()}.
     */
    List<String> events() {
        return takeEvents().stream().map(CoreHarness::describe).toList();
    }

    static String describe(UpstreamEvent event) {
        StringBuilder b = new StringBuilder();
        event.applyTo(new UpstreamEvent.Handler() {
            @Override
            public void connected(UpstreamEvent.Connected e) {
                b.append("connected:").append(e.sessionPresent());
            }

            @Override
            public void connectFailed(UpstreamEvent.ConnectFailed e) {
                b.append("connectFailed:").append(e.failure());
            }

            @Override
            public void connectionLost(UpstreamEvent.ConnectionLost e) {
                b.append("lost");
            }

            @Override
            public void reconnected(UpstreamEvent.Reconnected e) {
                b.append("reconnected:").append(e.sessionPresent());
            }

            @Override
            public void publishReceived(UpstreamEvent.PublishReceived e) {
                b.append("received:").append(e.token());
            }

            @Override
            public void publishDone(UpstreamEvent.PublishDone e) {
                b.append("done:").append(e.token());
                e.failure().ifPresent(f -> b.append(':').append(f));
            }

            @Override
            public void subscribed(UpstreamEvent.Subscribed e) {
                b.append("subscribed:").append(e.token()).append(':');
                b.append(e.failure().map(DeliveryFailure::toString)
                        .orElseGet(() -> String.valueOf(e.granted().orElseThrow().level())));
            }

            @Override
            public void unsubscribed(UpstreamEvent.Unsubscribed e) {
                b.append("unsubscribed:").append(e.token());
            }

            @Override
            public void message(UpstreamEvent.Message e) {
                b.append("message:").append(e.deliveryId()).append(':').append(e.topic()).append(":qos")
                        .append(e.qos().level());
            }
        });
        return b.toString();
    }

    /** Everything that happened since the start, taken or not. */
    List<Effect> history() {
        return history;
    }

    /** The last CONNECT written, as netty's message (its properties, keep-alive...). */
    MqttConnectMessage lastConnect() {
        return lastConnect;
    }

    ClientCounters counters() {
        return core().counters();
    }

    ClientState state() {
        return core().state();
    }

    boolean isFinished() {
        return core().isFinished();
    }

    int queued() {
        return core().queuedRequests();
    }

    int inFlight() {
        return core().inFlightRequests();
    }

    int inboundPending() {
        return core().inboundPending();
    }

    private Effect takeFirst() {
        assertThat(pending).as("an effect").isNotEmpty();
        return pending.remove(0);
    }

    private List<Effect> take(Predicate<Effect> which) {
        List<Effect> taken = new ArrayList<>();
        for (Iterator<Effect> it = pending.iterator(); it.hasNext(); ) {
            Effect e = it.next();
            if (which.test(e)) {
                taken.add(e);
                it.remove();
            }
        }
        return taken;
    }
}
