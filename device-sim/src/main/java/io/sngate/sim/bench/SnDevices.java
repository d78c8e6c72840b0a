package io.sngate.sim.bench;

import io.sngate.client.ClientConfig;
import io.sngate.client.ClientState;
import io.sngate.client.LinkAddress;
import io.sngate.client.Outcome;
import io.sngate.client.Topic;
import io.sngate.client.dtls.DtlsLink;
import io.sngate.client.dtls.DtlsThreads;
import io.sngate.client.internal.core.ClientCore;
import io.sngate.client.internal.core.ClientEffect;
import io.sngate.client.internal.runtime.SelectorRuntime;
import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.Register;
import io.sngate.sim.DtlsSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * The simulated MQTT-SN devices of a bench run: each a {@link ClientCore} (the project's
 * sans-I/O client, so the devices follow the spec's client rules: one QoS 1/2 publish in
 * flight, T_RETRY/N_RETRY, REGISTER before publishing) with its own UDP socket (or, with
 * {@code --dtls}, its own {@link DtlsLink}, whose DTLS work a shared {@link DtlsThreads} pool does),
 * driven directly on a few {@link SelectorRuntime} threads. Both are internals of the client
 * library ({@code io.sngate.client.internal}), used here on purpose, not API.
 *
 * <p>Why not {@code MqttSnClient}: its futures, a task hop and a timer object per request are
 * fine for an application and too much per message for a load generator that should cost
 * less than the gateway it measures. Here a publish is one call into the core on the runtime
 * thread and one datagram; timers are a sweep every {@value #SWEEP_MILLIS} ms per runtime;
 * the receive buffer is shared per runtime rather than 64 KiB per device.
 *
 * <p>Pacing is open loop: each runtime owns 1/Nth of the rate and, on a 1 ms tick, sends what
 * its schedule says is due by now (catching up if it fell behind, and recording how far).
 */
final class SnDevices implements AutoCloseable {

    static final int SWEEP_MILLIS = 20;
    private static final MqttSn12Codec CODEC = MqttSn12Codec.INSTANCE;
    private static final Topic SINK_TOPIC = Topic.shortName("bn");

    private final BenchOptions options;
    private final InetSocketAddress target;
    /** Where every packet from the gateway comes from, as the cores see it. */
    private final LinkAddress targetAddress;
    private final Payload payload;
    private final List<Group> groups = new ArrayList<>();
    private final int firstIndex;
    private final int count;
    private final String clientIdPrefix;
    private final java.util.function.IntFunction<String> topicOf;
    private final Optional<DtlsSettings> dtls;
    private DtlsThreads dtlsThreads;

    // connect phase, written on the runtime threads
    private final AtomicInteger connected = new AtomicInteger();
    private final AtomicInteger connectFailed = new AtomicInteger();
    private final AtomicLong lastConnectedNanos = new AtomicLong();
    private final LongAdder connectPackets = new LongAdder();
    private final LongAdder registerPackets = new LongAdder();
    private final LongAdder sendErrors = new LongAdder();
    private final LongAdder malformed = new LongAdder();
    private final AtomicInteger devicesLost = new AtomicInteger();
    private final Map<String, Integer> failures = new ConcurrentHashMap<>();
    private final Histogram connectMicros = new Histogram(3);

    /**
     * @param firstIndex client index of the first device (its payloads carry index firstIndex + i)
     * @param topicOf    the topic a client index publishes to
     * @param dtls       the devices speak DTLS to {@code target} with these credentials
     */
    SnDevices(BenchOptions options, InetSocketAddress target, Payload payload, int firstIndex, int count,
              String clientIdPrefix, java.util.function.IntFunction<String> topicOf, Optional<DtlsSettings> dtls) {
        this.options = options;
        this.dtls = dtls;
        this.target = target;
        this.targetAddress = new LinkAddress.Udp(target);
        this.payload = payload;
        this.firstIndex = firstIndex;
        this.count = count;
        this.clientIdPrefix = clientIdPrefix;
        this.topicOf = topicOf;
    }

    int size() {
        return count;
    }

    /** Starts the runtimes and opens every device's socket (not timed). */
    void open() {
        if (dtls.isPresent()) {
            dtlsThreads = DtlsThreads.forFleet("sngate-bench-dtls");
        }
        int runtimes = Math.min(options.runtimes(), count);
        for (int r = 0; r < runtimes; r++) {
            groups.add(new Group(new SelectorRuntime("sngate-bench-" + r)));
        }
        List<CompletableFuture<Void>> opened = new ArrayList<>();
        for (int r = 0; r < runtimes; r++) {
            Group group = groups.get(r);
            int from = r;
            opened.add(group.call(() -> {
                for (int i = from; i < count; i += runtimes) {
                    group.devices.add(group.newDevice(firstIndex + i));
                }
            }));
        }
        join(opened, "opening the device sockets");
    }

    // ------------------------------------------------------------------ connect

    /** What the connect phase saw. */
    record ConnectReport(int clients, int connected, int failed, long elapsedNanos, long lastConnectedNanos,
                         long connectPackets, long registerPackets, Histogram latencyMicros,
                         Map<String, Integer> failures) {
    }

    /**
     * CONNECT (clean session) and REGISTER of the device's topic, every device; {@code rate}
     * connects/s over all runtimes, or all at once when 0. Blocks until every device is
     * registered or failed, or {@code timeoutSeconds}.
     */
    ConnectReport connect(double rate, double timeoutSeconds) throws InterruptedException {
        long start = System.nanoTime() + 20_000_000L;
        for (Group group : groups) {
            group.runtime.execute(() -> group.startConnecting(start, rate / groups.size()));
        }
        long deadline = start + (long) (timeoutSeconds * 1e9);
        while (connected.get() + connectFailed.get() < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        barrier();
        long elapsed = Math.max(0, System.nanoTime() - start);
        int done = connected.get();
        int failed = count - done;
        Histogram latency;
        synchronized (connectMicros) {
            latency = connectMicros.copy();
        }
        if (failed > connectFailed.get()) {
            failures.merge("no answer within --timeout " + BenchOptions.number(timeoutSeconds) + " s",
                    failed - connectFailed.get(), Integer::sum);
        }
        return new ConnectReport(count, done, failed, elapsed,
                done == count ? lastConnectedNanos.get() - start : -1, connectPackets.sum(), registerPackets.sum(),
                latency, Map.copyOf(failures));
    }

    int connected() {
        return connected.get();
    }

    // ------------------------------------------------------------------ publishing

    /**
     * Publishes for one step from {@code startNanos} to {@code endNanos}: at {@code rate} msgs/s
     * over all devices (QoS 0: open loop, round robin; QoS 1/2: a device publishes again when
     * its previous publish ended), or for QoS 1/2 with rate 0 as fast as they are acknowledged.
     */
    void startStep(StepStats stats, double rate, QoS qos, long startNanos, long endNanos) {
        double share = rate / groups.size();
        for (Group group : groups) {
            group.runtime.execute(() -> group.startStep(stats, share, qos, startNanos, endNanos));
        }
    }

    /** Returns once every runtime has run what was posted to it before (e.g. the end of a step). */
    void barrier() {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Group group : groups) {
            all.add(group.call(() -> { }));
        }
        join(all, "waiting for the device runtimes");
    }

    /** QoS 1/2 publishes still waiting for their end (acknowledgement or failure). */
    int inFlight() {
        int[] total = new int[1];
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Group group : groups) {
            all.add(group.call(() -> {
                int n = 0;
                for (Device device : group.devices) {
                    n += device.inflightRequest != 0 ? 1 : 0;
                }
                synchronized (total) {
                    total[0] += n;
                }
            }));
        }
        join(all, "counting publishes in flight");
        synchronized (total) {
            return total[0];
        }
    }

    long sendErrors() {
        return sendErrors.sum();
    }

    /** Over DTLS, when handshakes failed: how many, and one reason. */
    Optional<String> dtlsNote() {
        long[] handshakes = new long[2];
        DtlsLink.HandshakeFailure[] latest = new DtlsLink.HandshakeFailure[1];
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Group group : groups) {
            all.add(group.call(() -> {
                for (Device device : group.devices) {
                    if (device.link != null) {
                        synchronized (handshakes) {
                            handshakes[0] += device.link.handshakes();
                            handshakes[1] += device.link.handshakeFailures();
                            device.link.lastFailure().ifPresent(f -> latest[0] = f);
                        }
                    }
                }
            }));
        }
        join(all, "counting DTLS handshakes");
        synchronized (handshakes) {
            if (handshakes[1] == 0) {
                return Optional.empty();
            }
            return Optional.of(handshakes[1] + " of " + handshakes[0] + " DTLS handshakes failed, e.g. "
                    + latest[0].message());
        }
    }

    long malformed() {
        return malformed.sum();
    }

    int devicesLost() {
        return devicesLost.get();
    }

    // ------------------------------------------------------------------ generation ceiling

    /**
     * The device side's own limit: QoS -1 publishes (no connection, short topic) as fast as the
     * runtimes can encode and send them, for {@code seconds}. {@code target} should be a socket
     * that never reads. Returns messages sent per second.
     */
    double generate(double seconds) throws InterruptedException {
        StepStats stats = new StepStats(Payload.CEILING_STEP, 0);
        long start = System.nanoTime() + 20_000_000L;
        long end = start + (long) (seconds * 1e9);
        for (Group group : groups) {
            group.runtime.execute(() -> group.generate(stats, start, end));
        }
        long wait = end - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
        barrier();
        return stats.sent.sum() / ((end - start) / 1e9);
    }

    // ------------------------------------------------------------------ closing

    /** DISCONNECTs the connected devices (a short wait for the answers), then closes everything. */
    @Override
    public void close() {
        if (groups.isEmpty()) {
            return;
        }
        try {
            List<CompletableFuture<Void>> asked = new ArrayList<>();
            for (Group group : groups) {
                asked.add(group.call(group::disconnectAll));
            }
            join(asked, "disconnecting");
            long deadline = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < deadline && stillDisconnecting() > 0) {
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // closing regardless
        }
        for (Group group : groups) {
            try {
                group.call(group::closeAll).get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                // closing regardless
            }
            group.runtime.close();
        }
        groups.clear();
        if (dtlsThreads != null) {
            dtlsThreads.close();
        }
    }

    private int stillDisconnecting() {
        int[] total = new int[1];
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (Group group : groups) {
            all.add(group.call(() -> {
                int n = 0;
                for (Device device : group.devices) {
                    n += device.disconnectRequest != 0 ? 1 : 0;
                }
                synchronized (total) {
                    total[0] += n;
                }
            }));
        }
        join(all, "disconnecting");
        synchronized (total) {
            return total[0];
        }
    }

    private static void join(List<CompletableFuture<Void>> futures, String what) {
        try {
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UncheckedIOException io) {
                throw io;
            }
            throw new IllegalStateException(what + ": " + cause.getMessage(), cause);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(what + ": the device runtimes did not answer in 60 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + ": interrupted");
        }
    }

    // ================================================================== one runtime

    /** The devices of one runtime and everything they share; confined to its thread. */
    private final class Group {
        final SelectorRuntime runtime;
        final List<Device> devices = new ArrayList<>();
        final byte[] sendArray = new byte[2_048];
        final ByteBuffer sendBuffer = ByteBuffer.allocateDirect(2_048);
        final byte[] receiveArray = new byte[65_535];
        final ByteBuffer receiveBuffer = ByteBuffer.wrap(receiveArray);
        boolean sweeping;

        // the step being published
        StepStats stats;
        double rate;
        QoS qos;
        long startNanos;
        long endNanos;
        long issued;
        int roundRobin;
        boolean publishing;
        /** Which step the pending tick belongs to: a tick of an ended step must not run on into the next. */
        int tickGeneration;
        final ArrayDeque<Device> ready = new ArrayDeque<>();
        /** Reactions to ended requests, run once the core call that ended them has returned. */
        final ArrayDeque<Runnable> deferred = new ArrayDeque<>();

        // the connect phase
        final ArrayDeque<Device> toConnect = new ArrayDeque<>();
        double connectRate;
        long connectStart;
        long connectsIssued;

        Group(SelectorRuntime runtime) {
            this.runtime = runtime;
        }

        CompletableFuture<Void> call(Runnable task) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            runtime.execute(() -> {
                try {
                    task.run();
                    done.complete(null);
                } catch (RuntimeException e) {
                    done.completeExceptionally(e);
                }
            });
            return done;
        }

        Device newDevice(int index) {
            // --source: device i on address i mod N
            java.net.InetAddress local = options.source().isPresent() ? options.source().get().forDevice(index)
                    : target.getAddress().isLoopbackAddress() ? target.getAddress() : null;
            ClientConfig config = ClientConfig.defaults(clientIdPrefix + index)
                    .withKeepAlive(options.keepAlive())
                    .withRetry(Math.max(1, Math.round(options.retrySeconds() * 1000)), options.maxRetries())
                    .withMaxQueued(16);
            ClientCore core = new ClientCore(config, new Random(options.seed() * 1_000_003L + index));
            if (dtls.isPresent()) {
                return newDtlsDevice(index, new InetSocketAddress(local, 0), core);
            }
            try {
                DatagramChannel channel = DatagramChannel.open(target.getAddress() instanceof Inet6Address
                        ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
                try {
                    channel.bind(new InetSocketAddress(local, 0));
                } catch (IOException e) {
                    channel.close();
                    throw new UncheckedIOException(bindFailure(index, local, e), e);
                }
                channel.connect(target);
                Device device = new Device(this, index, channel, null, core);
                runtime.register(channel, device::onReadable);
                return device;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open a UDP socket for device " + index + " (" + e.getMessage()
                        + "; for many devices raise 'ulimit -n')", e);
            }
        }

        private Device newDtlsDevice(int index, InetSocketAddress local, ClientCore core) {
            io.sngate.client.dtls.DtlsCredentials credentials;
            try {
                credentials = dtls.get().credentialsFor(index, clientIdPrefix + index);
            } catch (DtlsSettings.Invalid e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
            DtlsLink link = new DtlsLink(target, local, credentials, DtlsLink.Options.defaults(),
                    Optional.of(dtlsThreads));
            Device device = new Device(this, index, null, link, core);
            try {
                link.open(runtime, (packet, from) -> device.onPacket(packet, packet.length));
            } catch (IOException e) {
                link.close();
                throw new UncheckedIOException(bindFailure(index, local.getAddress(), e), e);
            }
            return device;
        }

        private String bindFailure(int index, java.net.InetAddress local, IOException e) {
            return "cannot bind the UDP socket of device " + index + " to "
                    + (local == null ? "any address" : local.getHostAddress()) + ": " + e.getMessage()
                    + " (an address not on this host, or all its ephemeral ports taken: spread the"
                    + " devices over more --source addresses)";
        }

        void runDeferred() {
            for (Runnable task = deferred.poll(); task != null; task = deferred.poll()) {
                task.run();
            }
        }

        /** Fires the cores' timers (retransmissions, keep-alive) every few milliseconds. */
        void sweep() {
            long now = runtime.now();
            for (Device device : devices) {
                if (now >= device.deadline) {
                    device.core.onTimer(now, device.out);
                    device.deadline = device.core.nextDeadline();
                    runDeferred();
                }
            }
            runtime.schedule(runtime.now() + SWEEP_MILLIS, this::sweep);
        }

        void startSweeping() {
            if (!sweeping) {
                sweeping = true;
                runtime.schedule(runtime.now() + SWEEP_MILLIS, this::sweep);
            }
        }

        // -------------------------------------------------------------- connect

        void startConnecting(long start, double rate) {
            startSweeping();
            toConnect.addAll(devices);
            connectRate = rate;
            connectStart = start;
            connectsIssued = 0;
            connectTick();
        }

        void connectTick() {
            long now = System.nanoTime();
            if (now >= connectStart) {
                long due = connectRate <= 0 ? Long.MAX_VALUE
                        : (long) ((now - connectStart) * connectRate / 1e9) + 1;
                while (connectsIssued < due && !toConnect.isEmpty()) {
                    connectsIssued++;
                    toConnect.poll().startConnect();
                }
            }
            if (!toConnect.isEmpty()) {
                runtime.schedule(runtime.now() + 1, this::connectTick);
            }
        }

        // -------------------------------------------------------------- publish

        void startStep(StepStats stats, double rate, QoS qos, long startNanos, long endNanos) {
            startSweeping();
            this.stats = stats;
            this.rate = rate;
            this.qos = qos;
            this.startNanos = startNanos;
            this.endNanos = endNanos;
            this.issued = 0;
            this.publishing = true;
            ready.clear();
            if (qos != QoS.AT_MOST_ONCE) {
                for (Device device : devices) {
                    if (device.usable() && device.inflightRequest == 0) {
                        ready.add(device);
                    }
                }
            }
            tick(++tickGeneration);
        }

        void tick(int generation) {
            if (!publishing || generation != tickGeneration) {
                return;
            }
            long now = System.nanoTime();
            if (now >= endNanos) {
                publishing = false;
                ready.clear();
                return;
            }
            if (now >= startNanos) {
                if (rate > 0) {
                    long due = (long) ((now - startNanos) * rate / 1e9) + 1;
                    if (qos == QoS.AT_MOST_ONCE) {
                        if (due - issued > 1) {
                            stats.pacerLag((long) ((due - issued - 1) / rate * 1e9));
                        }
                        while (issued < due) {
                            Device device = nextUsable();
                            if (device == null) {
                                break;
                            }
                            publish(device);
                        }
                    } else {
                        // Closed loop under a cap: a backlog of more than one round is not kept.
                        issued = Math.max(issued, due - devices.size());
                        while (issued < due && !ready.isEmpty()) {
                            Device device = ready.poll();
                            if (device.usable() && device.inflightRequest == 0) {
                                publish(device);
                            }
                        }
                    }
                } else {
                    while (!ready.isEmpty()) {
                        Device device = ready.poll();
                        if (device.usable() && device.inflightRequest == 0) {
                            publish(device);
                        }
                    }
                }
            }
            runtime.schedule(runtime.now() + 1, () -> tick(generation));
        }

        private Device nextUsable() {
            for (int tries = 0; tries < devices.size(); tries++) {
                Device device = devices.get(roundRobin);
                roundRobin = roundRobin + 1 == devices.size() ? 0 : roundRobin + 1;
                if (device.usable()) {
                    return device;
                }
            }
            return null;
        }

        void publish(Device device) {
            issued++;
            StepStats s = stats;
            int seq = device.nextSeq++;
            byte[] body = payload.create(s.step, device.index, seq, System.nanoTime());
            s.sent.increment();
            device.call(qos, (now, out) -> device.core.publish(device.topic, Bytes.wrap(body), qos, false, now, out),
                    s);
        }

        /** A QoS 1/2 publish of {@code device} ended. */
        void publishEnded(Device device, StepStats s, Outcome outcome) {
            if (outcome.success()) {
                s.acknowledged.increment();
            } else {
                s.failed.increment();
                s.lastFailure.set(outcome.detail());
            }
            if (publishing && s == stats && device.usable()) {
                if (rate <= 0 && outcome.success() && System.nanoTime() < endNanos) {
                    publish(device);
                } else {
                    ready.add(device);
                }
            }
        }

        // -------------------------------------------------------------- generation ceiling

        void generate(StepStats s, long start, long end) {
            long now = System.nanoTime();
            if (now >= end) {
                return;
            }
            if (now >= start) {
                for (int n = 0; n < 256; n++) {
                    Device device = devices.get(roundRobin);
                    roundRobin = roundRobin + 1 == devices.size() ? 0 : roundRobin + 1;
                    byte[] body = payload.create(s.step, device.index, device.nextSeq++, System.nanoTime());
                    s.sent.increment();
                    device.call(QoS.MINUS_ONE, (t, out) -> device.core.publish(SINK_TOPIC, Bytes.wrap(body),
                            QoS.MINUS_ONE, false, t, out), s);
                }
            }
            runtime.execute(() -> generate(s, start, end)); // lets the selector and timers run between batches
        }

        // -------------------------------------------------------------- closing

        void disconnectAll() {
            publishing = false;
            ready.clear();
            toConnect.clear();
            for (Device device : devices) {
                ClientState state = device.core.state();
                // A device that gave the gateway up still says DISCONNECT once (not awaited), so
                // a gateway that is alive after all ends its session now, not at the keep-alive.
                if (state == ClientState.ACTIVE || state == ClientState.CONNECTING || state == ClientState.LOST) {
                    device.disconnectRequest = device.call(null,
                            (now, out) -> device.core.disconnect(now, out), null);
                }
            }
        }

        void closeAll() {
            for (Device device : devices) {
                if (device.link != null) {
                    device.link.close();
                    continue;
                }
                try {
                    device.channel.close();
                } catch (IOException e) {
                    // closing regardless
                }
            }
        }
    }

    // ================================================================== one device

    @FunctionalInterface
    private interface CoreCall {
        long run(long now, Consumer<ClientEffect> out);
    }

    private final class Device {
        final Group group;
        final int index;
        /** The device's UDP socket, or null over DTLS. */
        final DatagramChannel channel;
        /** The device's DTLS link, or null over plain UDP. */
        final DtlsLink link;
        final ClientCore core;
        final Topic topic;
        final Consumer<ClientEffect> out = this::apply;
        long deadline = Long.MAX_VALUE;
        int nextSeq;
        boolean registered;
        boolean lost;

        long connectStartNanos;
        long connectRequest;
        long registerRequest;
        long disconnectRequest;
        long inflightRequest;
        StepStats inflightStats;

        // a request that ended inside the call that made it
        boolean inCall;
        boolean quiet;
        long endedInCall;
        Outcome outcomeInCall;

        Device(Group group, int index, DatagramChannel channel, DtlsLink link, ClientCore core) {
            this.group = group;
            this.index = index;
            this.channel = channel;
            this.link = link;
            this.core = core;
            this.topic = Topic.name(topicOf.apply(index));
        }

        boolean usable() {
            return registered && !lost && core.state() == ClientState.ACTIVE;
        }

        /**
         * Runs a request on the core; for QoS 1/2 publishes (qos non-null and not 0) the device
         * then waits for its end. Returns the request id, or 0 when it already ended.
         */
        long call(QoS qos, CoreCall call, StepStats s) {
            inCall = true;
            endedInCall = 0;
            long id;
            boolean tracked = qos != null && qos != QoS.AT_MOST_ONCE && qos != QoS.MINUS_ONE;
            quiet = qos == QoS.AT_MOST_ONCE || qos == QoS.MINUS_ONE;
            if (tracked) {
                inflightStats = s;
            }
            try {
                id = call.run(group.runtime.now(), out);
            } finally {
                inCall = false;
                quiet = false;
            }
            deadline = core.nextDeadline();
            if (endedInCall == id) {
                if (tracked) {
                    inflightStats = null;
                    group.publishEnded(this, s, outcomeInCall);
                }
                id = 0;
            } else if (tracked) {
                inflightRequest = id;
            }
            return id;
        }

        void startConnect() {
            connectStartNanos = System.nanoTime();
            connectRequest = call(null, (now, o) -> core.connect(true, Optional.empty(), now, o), null);
        }

        void onReadable() throws IOException {
            for (int n = 0; n < 64; n++) {
                ByteBuffer buffer = group.receiveBuffer;
                buffer.clear();
                int length;
                try {
                    length = channel.read(buffer);
                } catch (java.net.PortUnreachableException e) {
                    sendErrors.increment(); // an earlier datagram found no gateway
                    continue;
                }
                if (length <= 0) {
                    return;
                }
                onPacket(group.receiveArray, length);
            }
        }

        /** One packet from the gateway, on the runtime thread. */
        void onPacket(byte[] array, int length) {
            MqttSn12Message message;
            try {
                message = CODEC.decode(array, 0, length);
            } catch (DecodeException e) {
                malformed.increment();
                return;
            }
            core.onPacket(message, targetAddress, group.runtime.now(), out);
            deadline = core.nextDeadline();
            group.runDeferred();
        }

        private void apply(ClientEffect effect) {
            if (effect instanceof ClientEffect.Send send) {
                send(send.message());
            } else if (effect instanceof ClientEffect.Completed completed) {
                if (inCall) {
                    endedInCall = completed.requestId();
                    outcomeInCall = completed.outcome();
                    if (quiet) {
                        return; // a QoS 0/-1 publish ending at once: nothing to react to
                    }
                }
                // Not now: the core is in the middle of handling something, and a request made
                // from here would run inside it (e.g. a REGISTER sent twice from within CONNACK).
                long id = completed.requestId();
                Outcome outcome = completed.outcome();
                group.deferred.add(() -> ended(id, outcome));
            } else if (effect instanceof ClientEffect.StateChanged changed && changed.to() == ClientState.LOST) {
                if (!lost) {
                    lost = true;
                    devicesLost.incrementAndGet();
                }
            }
        }

        private void ended(long id, Outcome outcome) {
            if (id == 0) {
                return;
            }
            if (id == connectRequest) {
                connectRequest = 0;
                if (outcome.success()) {
                    long id2 = call(null, (now, o) -> core.register(topicOf.apply(index), now, o), null);
                    if (id2 == 0) { // answered at once (the id was known)
                        registered = outcomeInCall.success();
                        connectEnded(registered, "register: " + outcomeInCall.detail());
                    } else {
                        registerRequest = id2;
                    }
                } else {
                    connectEnded(false, "connect: " + outcome.detail());
                }
            } else if (id == registerRequest) {
                registerRequest = 0;
                registered = outcome.success();
                connectEnded(outcome.success(), "register: " + outcome.detail());
            } else if (id == inflightRequest) {
                StepStats s = inflightStats;
                inflightRequest = 0;
                inflightStats = null;
                group.publishEnded(this, s, outcome);
            } else if (id == disconnectRequest) {
                disconnectRequest = 0;
            }
        }

        private void connectEnded(boolean success, String why) {
            if (success) {
                long now = System.nanoTime();
                connected.incrementAndGet();
                lastConnectedNanos.accumulateAndGet(now, Math::max);
                synchronized (connectMicros) {
                    connectMicros.recordValue(Math.max(0, (now - connectStartNanos) / 1_000));
                }
            } else {
                connectFailed.incrementAndGet();
                failures.merge(why, 1, Integer::sum);
            }
        }

        private void send(MqttSn12Message message) {
            if (message instanceof Publish publish) {
                if (publish.dup() && inflightStats != null) {
                    inflightStats.retransmitted.increment();
                }
            } else if (message instanceof Connect) {
                connectPackets.increment();
            } else if (message instanceof Register) {
                registerPackets.increment();
            }
            int length = CODEC.encode(message, group.sendArray, 0);
            if (link != null) {
                try {
                    link.send(Arrays.copyOf(group.sendArray, length));
                } catch (IOException e) {
                    sendError();
                }
                return;
            }
            ByteBuffer buffer = group.sendBuffer;
            buffer.clear();
            buffer.put(group.sendArray, 0, length);
            buffer.flip();
            try {
                if (channel.write(buffer) == 0) {
                    sendError();
                }
            } catch (IOException e) {
                sendError();
            }
        }

        private void sendError() {
            sendErrors.increment();
            StepStats s = group.publishing ? group.stats : null;
            if (s != null) {
                s.sendErrors.increment();
            }
        }
    }
}
