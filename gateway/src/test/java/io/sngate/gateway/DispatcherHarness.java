package io.sngate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.gateway.session.PredefinedTopics;
import io.sngate.gateway.session.SessionConfig;
import io.sngate.gateway.session.SessionState;
import io.sngate.gateway.session.UpstreamConnect;
import io.sngate.gateway.session.UpstreamEvent;
import io.sngate.gateway.session.Will;
import io.sngate.gateway.transport.LinkAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.AfterEach;

/**
 * Test fixture for {@link Dispatcher}: a real dispatcher with real sessions on one
 * deterministic event loop (Netty's embedded loop, with its time frozen), a fake clock, a
 * recording link and a recording upstream. Nothing runs unless the test says so, so a test
 * reads like the flow:
 *
 * <pre>
 * receive(A, new Connect(false, true, 60, "dev-a"));
 * brokerAccepts("dev-a");
 * assertThat(sentTo(A)).containsExactly(new ConnAck(ReturnCode.ACCEPTED));
 * </pre>
 *
 * <p>Every input ({@link #receive}, {@link #brokerAccepts}, {@link #advance}, ...) runs the loop
 * until it is idle and starts a fresh list of what was sent ({@link #sent()}) and of the counters
 * that moved ({@link #moved()}). The limits ({@link #maxClients}, ...) and the devices file
 * ({@link #rules}) must be set before the first input.
 */
class DispatcherHarness {

    /** On a second boundary, so that the flood guard's one-second windows are easy to reason about. */
    static final long START = 1_000_000L;
    static final int GATEWAY_ID = 7;
    static final int PREDEFINED_ID = 7;
    static final String PREDEFINED_TOPIC = "room/temp";

    /** Two sockets of one host, and a socket of another. */
    static final LinkAddress A = udp("192.0.2.1", 40001);
    static final LinkAddress A2 = udp("192.0.2.1", 40002);
    static final LinkAddress B = udp("198.51.100.7", 50000);

    // ------------------------------------------------------------------ limits (before the first input)

    int maxClients = 10_000;
    int maxPacketSize = 65_507;
    int maxClientIdLength = 65_000;
    int maxNewPacketsPerSecondPerIp = 1_000;
    int maxPacketsPerSecondPerSession = 20_000;
    int maxSessionsPerIp = 1_000;
    boolean qosMinusOneEnabled = true;
    boolean requireListed = false;
    io.sngate.hw.config.DtlsIdentityBinding identityBinding = io.sngate.hw.config.DtlsIdentityBinding.EXACT;
    SessionConfig sessionConfig = SessionConfig.DEFAULTS;
    PredefinedTopics predefined = new PredefinedTopics(Map.of(PREDEFINED_ID, PREDEFINED_TOPIC));
    ToIntFunction<LinkAddress> packetLimit = address -> 65_507;

    // ------------------------------------------------------------------ the world around the dispatcher

    private long now = START;
    /** Its event loop runs tasks only when told (runPendingTasks), and its time only moves when told. */
    private final EmbeddedChannel loopChannel = new EmbeddedChannel();
    final Metrics metrics = new Metrics();
    private Dispatcher dispatcher;

    /** A packet the gateway sent to one address. */
    record Sent(LinkAddress to, MqttSn12Message message) {
    }

    /** A packet the gateway broadcast near an address, within a radius. */
    record Broadcast(LinkAddress near, MqttSn12Message message, int radius) {
    }

    /** A QoS -1 message the gateway published without a session. */
    record Unsessioned(String topic, Bytes payload, boolean retain) {
    }

    private final List<Sent> sent = new ArrayList<>();
    private final List<Broadcast> broadcasts = new ArrayList<>();
    private final List<Unsessioned> unsessioned = new ArrayList<>();
    /** Every upstream side made, per client id, oldest first (a client id that comes back gets a new one). */
    private final Map<String, List<FakeUpstream>> upstreams = new LinkedHashMap<>();
    private Map<String, Long> countersBefore = Map.of();

    DispatcherHarness() {
        loopChannel.freezeTime();
    }

    @AfterEach
    void closeLoop() {
        loopChannel.finishAndReleaseAll();
    }

    static LinkAddress udp(String ip, int port) {
        return new LinkAddress.Udp(new InetSocketAddress(ip, port));
    }

    GatewayOptions options() {
        return new GatewayOptions(GATEWAY_ID, 900, maxClients, maxPacketSize, maxClientIdLength,
                maxNewPacketsPerSecondPerIp, maxPacketsPerSecondPerSession, maxSessionsPerIp, qosMinusOneEnabled,
                requireListed, identityBinding);
    }

    /** The sessions' loops; null: the one loop of the harness, which runs only when told. */
    EventLoopGroup sessionLoops;

    /** The dispatcher, made on first use as Gateway makes it. */
    Dispatcher dispatcher() {
        if (dispatcher == null) {
            EventLoopGroup loops = sessionLoops != null ? sessionLoops : loopChannel.eventLoop();
            dispatcher = new Dispatcher(options(), sessionConfig, predefined, loops, new FakeUpstreams(),
                    new RecordingLinks(), packetLimit, metrics, new WarnLimiter(10_000, () -> now), () -> now);
        }
        return dispatcher;
    }

    /** Applies a devices file; like a reload, it may come at any time. */
    void rules(DeviceRules rules) {
        dispatcher().rules(rules);
    }

    long now() {
        return now;
    }

    // ------------------------------------------------------------------ inputs

    /** A packet from a device, as a transport hands it over. */
    void receive(LinkAddress from, MqttSn12Message message) {
        receiveRaw(from, MqttSn12Codec.INSTANCE.encode(message));
    }

    void receiveRaw(LinkAddress from, byte[] packet) {
        input(() -> dispatcher().onPacket(from, packet));
    }

    /**
     * A packet handed to the dispatcher while the session loop is busy elsewhere: nothing runs
     * on the loop until the next input (or {@link #runLoop()}).
     */
    void receiveWhileLoopBusy(LinkAddress from, MqttSn12Message message) {
        dispatcher().onPacket(from, MqttSn12Codec.INSTANCE.encode(message));
    }

    /** The link reports that a packet to {@code to} was not delivered. */
    void undeliverable(LinkAddress to) {
        input(() -> dispatcher().onUndeliverable(to));
    }

    /** The broker accepted the newest upstream connection of {@code clientId}. */
    void brokerAccepts(String clientId) {
        upstreamEvent(clientId, new UpstreamEvent.Connected(false));
    }

    /** The broker has a message for {@code clientId}. */
    void brokerMessage(String clientId, String topic, String payload, QoS qos) {
        upstreamEvent(clientId, new UpstreamEvent.Message(1, topic, Bytes.utf8(payload), qos, false));
    }

    void upstreamEvent(String clientId, UpstreamEvent event) {
        input(() -> upstream(clientId).events.accept(event));
    }

    /**
     * Lets {@code millis} pass: each timer runs at its own time (the clock and the loop's time
     * move together), then the clock stops at now + millis.
     */
    void advance(long millis) {
        long target = now + millis;
        input(() -> {
            int guard = 0;
            for (long next = loopChannel.runScheduledPendingTasks(); next >= 0;
                 next = loopChannel.runScheduledPendingTasks()) {
                long at = now + (next + 999_999) / 1_000_000;
                if (at > target) {
                    break;
                }
                if (++guard > 10_000) {
                    throw new AssertionError("timers do not move on");
                }
                moveTime(at - now);
                runLoop();
            }
            moveTime(target - now);
        });
    }

    private void moveTime(long millis) {
        now += millis;
        loopChannel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
    }

    private void input(Runnable input) {
        sent.clear();
        broadcasts.clear();
        countersBefore = metrics.snapshot();
        input.run();
        runLoop();
    }

    /** Runs what is due on the session loop until it is idle; rethrows what failed there. */
    void runLoop() {
        int guard = 0;
        do {
            if (++guard > 10_000) {
                throw new AssertionError("the session loop does not become idle");
            }
            loopChannel.runPendingTasks();
            loopChannel.checkException();
        } while (loopChannel.hasPendingTasks());
    }

    // ------------------------------------------------------------------ whole flows

    /** CONNECT (clean, keep-alive 60) from {@code from}, the broker accepts: the session is ACTIVE there. */
    void connect(LinkAddress from, String clientId) {
        connect(from, new Connect(false, true, 60, clientId));
    }

    void connect(LinkAddress from, Connect connect) {
        String clientId = connect.clientId().utf8();
        receive(from, connect);
        assertThat(sent()).as("nothing before the broker answers").isEmpty();
        brokerAccepts(clientId);
        assertThat(sent()).containsExactly(new Sent(from, new ConnAck(ReturnCode.ACCEPTED)));
        assertThat(session(clientId).address()).isEqualTo(from);
        assertThat(state(clientId)).isEqualTo(SessionState.ACTIVE);
    }

    /** The device at {@code from} goes to sleep for {@code seconds}: its session is ASLEEP. */
    void sleep(LinkAddress from, String clientId, int seconds) {
        receive(from, Disconnect.sleep(seconds));
        assertThat(sent()).containsExactly(new Sent(from, Disconnect.PLAIN));
        assertThat(state(clientId)).isEqualTo(SessionState.ASLEEP);
    }

    // ------------------------------------------------------------------ observations

    /** The packets the last input sent, in order. */
    List<Sent> sent() {
        return List.copyOf(sent);
    }

    /** The packets the last input sent to {@code to}. */
    List<MqttSn12Message> sentTo(LinkAddress to) {
        return sent.stream().filter(s -> s.to().equals(to)).map(Sent::message).toList();
    }

    List<Broadcast> broadcasts() {
        return List.copyOf(broadcasts);
    }

    /** Every QoS -1 message published without a session, since the start. */
    List<Unsessioned> unsessioned() {
        return List.copyOf(unsessioned);
    }

    /**
     * The counters the last input moved, by how much, without {@link Metrics#RECEIVED_PACKETS}
     * (every packet moves it).
     */
    Map<String, Long> moved() {
        Map<String, Long> delta = new TreeMap<>();
        metrics.snapshot().forEach((name, value) -> {
            long change = value - countersBefore.getOrDefault(name, 0L);
            if (change != 0 && !name.equals(Metrics.RECEIVED_PACKETS)) {
                delta.put(name, change);
            }
        });
        return delta;
    }

    SessionHost session(String clientId) {
        return dispatcher().session(clientId);
    }

    /** The client ids the dispatcher has a session for. */
    List<String> clientIds() {
        return dispatcher().sessions().stream().map(SessionHost::clientId).sorted().toList();
    }

    SessionState state(String clientId) {
        SessionHost host = session(clientId);
        assertThat(host).as("session of " + clientId).isNotNull();
        return host.state();
    }

    /** Sessions counted per source (for the per-source cap), keyed by the source's text. */
    Map<String, Integer> sessionsPerSource() {
        Map<String, Integer> bySource = new TreeMap<>();
        dispatcher().sessionsPerSource().forEach((source, n) -> bySource.put(source.toString(), n));
        return bySource;
    }

    /** The newest upstream side of {@code clientId}. */
    FakeUpstream upstream(String clientId) {
        List<FakeUpstream> made = upstreams.get(clientId);
        assertThat(made).as("upstream of " + clientId).isNotEmpty();
        return made.get(made.size() - 1);
    }

    /** How many upstream sides (sessions) were made for {@code clientId} since the start. */
    int upstreamsMade(String clientId) {
        return upstreams.getOrDefault(clientId, List.of()).size();
    }

    static MqttSn12Message decode(byte[] packet) {
        try {
            return MqttSn12Codec.INSTANCE.decode(packet);
        } catch (DecodeException e) {
            throw new AssertionError("the gateway sent an undecodable packet", e);
        }
    }

    // ------------------------------------------------------------------ fakes

    private final class RecordingLinks implements SessionHost.Links {
        @Override
        public void send(LinkAddress to, byte[] packet) {
            sent.add(new Sent(to, decode(packet)));
        }

        @Override
        public void broadcastNear(LinkAddress near, byte[] packet, int radius) {
            broadcasts.add(new Broadcast(near, decode(packet), radius));
        }
    }

    private final class FakeUpstreams implements SessionUpstream.Factory {
        @Override
        public SessionUpstream create(String clientId, EventLoop loop, Consumer<UpstreamEvent> events) {
            FakeUpstream upstream = new FakeUpstream(clientId, events);
            upstreams.computeIfAbsent(clientId, id -> new ArrayList<>()).add(upstream);
            return upstream;
        }

        @Override
        public void publishWithoutSession(String topic, Bytes payload, boolean retain) {
            unsessioned.add(new Unsessioned(topic, payload, retain));
        }

        @Override
        public String brokerUri() {
            return "tcp://fake";
        }

        @Override
        public void close() {
        }
    }

    /** One session's upstream side: records what the session asked for; the test answers. */
    static final class FakeUpstream implements SessionUpstream {

        /** {@link SessionUpstream#disconnect}'s arguments. */
        record Disconnected(boolean publishWill, boolean endSession) {
        }

        final String clientId;
        final Consumer<UpstreamEvent> events;
        final List<UpstreamConnect> connects = new ArrayList<>();
        final List<String> published = new ArrayList<>();
        final List<Disconnected> disconnects = new ArrayList<>();
        boolean shutdown;

        FakeUpstream(String clientId, Consumer<UpstreamEvent> events) {
            this.clientId = clientId;
            this.events = events;
        }

        @Override
        public void connect(UpstreamConnect request) {
            connects.add(request);
        }

        @Override
        public void publish(long token, String topic, Bytes payload, QoS qos, boolean retain, int msgId) {
            published.add(topic);
        }

        @Override
        public void release(long token, int msgId) {
        }

        @Override
        public void subscribe(long token, String topicFilter, QoS qos) {
        }

        @Override
        public void unsubscribe(long token, String topicFilter) {
        }

        @Override
        public void acknowledge(long deliveryId) {
        }

        @Override
        public void willChanged(Optional<Will> will) {
        }

        @Override
        public void disconnect(boolean publishWill, boolean endSession) {
            disconnects.add(new Disconnected(publishWill, endSession));
        }

        @Override
        public void shutdown() {
            shutdown = true;
        }
    }
}
