package io.sngate.sim;

import io.sngate.client.ClientConfig;
import io.sngate.client.ClientEvent;
import io.sngate.client.ClientRuntime;
import io.sngate.client.ClientState;
import io.sngate.client.Link;
import io.sngate.client.MqttSnClient;
import io.sngate.client.Outcome;
import io.sngate.client.Topic;
import io.sngate.client.UdpLink;
import io.sngate.client.dtls.DtlsLink;
import io.sngate.client.dtls.DtlsThreads;
import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.sim.line.LineWriter;
import io.sngate.sim.nat.NatRebinder;
import io.sngate.sim.radio.XBeeRadioEmulator;
import io.sngate.sim.serial.VirtualSerialLine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * N simulated devices running a {@link Scenario} against a gateway: each with its own client
 * id and UDP source port (or XBee address behind an emulated radio, or node id behind a
 * forwarder on an emulated serial line), publishing readings on a schedule, optionally sleeping
 * in duty cycles, behind a seeded impaired link. A few {@link ClientRuntime} threads drive them all.
 *
 * <p>A publish that fails because the device lost the gateway (or the gateway was congested) is
 * kept and published again after the device reconnects, so every reading eventually reaches the
 * broker. A publish the gateway or the client refuses for good (an unknown topic id, say) is
 * counted as refused and dropped: published again it would be refused again, for ever. The
 * counters say what happened on the way.
 *
 * <p>Each device publishes at its own QoS, drawn from the scenario's mix with the seed. A
 * device at QoS -1 with no subscriptions and no sleep cycle never connects: it only sends
 * QoS -1 PUBLISHes, as the simple sensors that level exists for do.
 */
final class Fleet implements AutoCloseable {

    /**
     * What single devices do, for a caller that needs more than the totals (the tests check who
     * received what, and when). Called on a device runtime thread: it must return at once.
     */
    interface Observer {
        Observer NONE = new Observer() {
        };

        /**
         * A message from one of the device's subscriptions. {@code onWake}: it came while the
         * device polled the gateway after sleeping, so the gateway held it while the device slept.
         */
        default void received(String clientId, MqttSnClient.Message message, boolean onWake) {
        }

        /** The gateway confirmed the device's sleep: until the device wakes, the gateway holds its messages. */
        default void fellAsleep(String clientId) {
        }
    }

    private final Scenario scenario;
    /** The {@code {ts}} of JSON payloads; a test fixes it to check the payloads exactly. */
    private final Clock wallClock;
    private final Observer observer;
    private final FleetStats stats = new FleetStats();
    private final List<ClientRuntime> runtimes = new ArrayList<>();
    private final List<SimDevice> devices = new ArrayList<>();
    /** The emulated radio or serial line the devices share, if not on UDP. */
    private XBeeRadioEmulator radio;
    private VirtualSerialLine serialLine;
    /** The NAT between the devices and the gateway, when the scenario has one. */
    private NatRebinder nat;
    /** The DTLS work of all the devices, when they speak DTLS. */
    private DtlsThreads dtlsThreads;
    private final List<DtlsLink> dtlsLinks = new ArrayList<>();

    Fleet(Scenario scenario) {
        this(scenario, Clock.systemUTC(), Observer.NONE);
    }

    Fleet(Scenario scenario, Clock wallClock, Observer observer) {
        this.scenario = scenario;
        this.wallClock = wallClock;
        this.observer = observer;
    }

    /**
     * The QoS of each device, by index: the scenario's mix drawn with its seed, so a run with the
     * same scenario and number of devices gives every device the same level again.
     */
    static List<QoS> qosByDevice(Scenario scenario) {
        // A stream of its own: a mix leaves the devices' timing and impairment draws as they were.
        Random random = new Random(scenario.seed() ^ 0x51_6F_53_4D_69_78L);
        return scenario.publishing().qos().assign(scenario.devices(), random);
    }

    /** The QoS device {@code index} publishes at (after {@link #start()}). */
    QoS qosOf(int index) {
        return devices.get(index).qos;
    }

    /** How many devices publish at each level (after {@link #start()}). */
    Map<QoS, Long> qosCounts() {
        Map<QoS, Long> counts = new EnumMap<>(QoS.class);
        for (SimDevice device : devices) {
            counts.merge(device.qos, 1L, Long::sum);
        }
        return counts;
    }

    FleetStats stats() {
        return stats;
    }

    int size() {
        return devices.size();
    }

    /**
     * Creates the devices and schedules their start, spread over connect-spread-seconds.
     *
     * @throws UncheckedIOException when the radio's or serial line's port cannot be opened
     */
    void start() {
        openLine();
        for (int r = 0; r < scenario.runtimes(); r++) {
            runtimes.add(ClientRuntime.start("sngate-fleet-" + r));
        }
        if (scenario.dtls().isPresent()) {
            dtlsThreads = DtlsThreads.forFleet("sngate-fleet-dtls");
        }
        scheduleRebinds();
        List<QoS> qosByDevice = qosByDevice(scenario);
        for (int i = 0; i < scenario.devices(); i++) {
            ClientRuntime runtime = runtimes.get(i % runtimes.size());
            Random random = new Random(scenario.seed() * 1_000_003L + i);
            Link link = link(i);
            if (!scenario.impairment().isNone()) {
                link = new ImpairedLink(link, scenario.impairment(), new Random(random.nextLong()), stats.link);
            }
            String id = scenario.clientIdPrefix() + i;
            ClientConfig config = ClientConfig.defaults(id).withKeepAlive(scenario.keepAlive())
                    .withRetry(Math.round(scenario.retrySeconds() * 1000), scenario.maxRetries());
            MqttSnClient client = MqttSnClient.builder(config).link(link).runtime(runtime)
                    .random(new Random(random.nextLong())).build();
            SimDevice device = new SimDevice(i, id, client, runtime, random, qosByDevice.get(i));
            devices.add(device);
            if (device.connectionless) {
                stats.connectionless.incrementAndGet();
            }
            long spread = Math.round(scenario.connectSpreadSeconds() * 1000);
            long offset = scenario.devices() <= 1 ? 0 : spread * i / (scenario.devices() - 1);
            Runnable begin = device.connectionless ? device::startWithoutConnection : device::connect;
            if (radio == null) {
                runtime.schedule(runtime.now() + offset, begin);
            } else {
                // Behind a radio the devices wait for the host (gateway or bridge): it asks the radio
                // first, and the spread starts when it is there (see XBeeRadioEmulator.gatewaySeen).
                radio.gatewaySeen().thenRun(() -> runtime.schedule(runtime.now() + offset, begin));
            }
        }
    }

    private void openLine() {
        Scenario.LinkSpec spec = scenario.link();
        try {
            switch (spec.kind()) {
                case XBEE -> radio = XBeeRadioEmulator.open(XBeeRadioEmulator.Config.of(spec.port())
                        .withBaud(spec.baud()).withApiMode(spec.apiMode()).withMaxPayload(spec.maxPayload())
                        .withLineImpairment(spec.lineImpairment(), scenario.seed()));
                case SERIAL -> serialLine = VirtualSerialLine.open(VirtualSerialLine.Config.of(spec.port(),
                                spec.forwarder() ? VirtualSerialLine.Mode.FORWARDER : VirtualSerialLine.Mode.SINGLE)
                        .withBaud(spec.baud()).withMaxPacketSize(spec.maxPayload())
                        .withLineImpairment(spec.lineImpairment(), scenario.seed()));
                case UDP -> {
                    // one socket per device, made in link(); a NAT in between if the scenario has one
                    if (scenario.nat().enabled()) {
                        InetSocketAddress gateway = new InetSocketAddress(scenario.host(), scenario.port());
                        nat = NatRebinder.start(DtlsLink.localFor(gateway), gateway, NatRebinder.Options.defaults()
                                .withMaxMappings(scenario.devices())
                                .withIdleTimeout(Duration.ofMillis(Math.round(scenario.nat().idleTimeoutSeconds()
                                        * 1000))));
                    }
                }
                default -> throw new IllegalStateException("link kind " + spec.kind());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** At each of the scenario's rebind times, every device behind the NAT gets a new source port. */
    private void scheduleRebinds() {
        if (nat == null) {
            return;
        }
        ClientRuntime clock = runtimes.get(0);
        for (double seconds : scenario.nat().rebindAtSeconds()) {
            // rebindAll only posts to the NAT's thread: the device runtime does not wait for it.
            clock.schedule(clock.now() + Math.round(seconds * 1000), () -> nat.rebindAll());
        }
    }

    /** Device i's own link: its UDP socket or DTLS session, its radio address or its node id. */
    private Link link(int i) {
        return switch (scenario.link().kind()) {
            case UDP -> {
                InetSocketAddress gateway = nat != null ? nat.address()
                        : new InetSocketAddress(scenario.host(), scenario.port());
                if (scenario.dtls().isPresent()) {
                    DtlsLink dtls = new DtlsLink(gateway, DtlsLink.localFor(gateway), credentials(i),
                            DtlsLink.Options.defaults(), Optional.of(dtlsThreads));
                    dtlsLinks.add(dtls);
                    yield dtls;
                }
                InetAddress local = gateway.getAddress().isLoopbackAddress() ? gateway.getAddress() : null;
                yield new UdpLink(gateway, Optional.empty(), new InetSocketAddress(local, 0), 1_400);
            }
            case XBEE -> radio.device(scenario.link().addressBase() + i + 1);
            case SERIAL -> scenario.link().forwarder()
                    ? serialLine.device(VirtualSerialLine.nodeId(i + 1))
                    : serialLine.device();
        };
    }

    private io.sngate.client.dtls.DtlsCredentials credentials(int i) {
        try {
            return scenario.dtls().orElseThrow().credentialsFor(i, scenario.clientIdPrefix() + i);
        } catch (DtlsSettings.Invalid e) {
            // Scenario.checked() tried every device before the fleet started
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Disconnects every device (waiting a little for the gateway's answers) and stops. */
    @Override
    public void close() {
        List<CompletableFuture<Outcome>> goodbyes = new ArrayList<>();
        for (SimDevice device : devices) {
            device.stopping = true;
            ClientState state = device.client.state();
            if (state == ClientState.ACTIVE || state == ClientState.LOST) { // lost: sent, not waited for
                goodbyes.add(device.client.disconnect());
            }
        }
        try {
            CompletableFuture.allOf(goodbyes.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // some devices did not hear back; they are closed regardless
        }
        for (SimDevice device : devices) {
            device.client.close();
        }
        runtimes.forEach(ClientRuntime::close);
        if (dtlsThreads != null) {
            dtlsThreads.close();
        }
        if (nat != null) {
            nat.close();
        }
        if (radio != null) {
            radio.close();
        }
        if (serialLine != null) {
            serialLine.close();
        }
    }

    /** The NAT between the devices and the gateway, when the scenario has one (after {@link #start()}). */
    Optional<NatRebinder> nat() {
        return Optional.ofNullable(nat);
    }

    /** A failed DTLS handshake (the last one of the last device that had one), for the summary. */
    Optional<DtlsLink.HandshakeFailure> lastHandshakeFailure() {
        return dtlsLinks.stream().map(DtlsLink::lastFailure).flatMap(Optional::stream).reduce((a, b) -> b);
    }

    /** One device's behaviour, all on its runtime's thread. */
    private final class SimDevice {
        final int index;
        final String id;
        final MqttSnClient client;
        final ClientRuntime runtime;
        final Random random;
        /** At most one reading: the chain publishes it again before it makes the next. */
        final ArrayDeque<Bytes> unsent = new ArrayDeque<>();
        final Topic topic;
        final QoS qos;
        /** QoS -1 and nothing that needs a session (subscriptions, sleeping): it never connects. */
        final boolean connectionless;
        long sequence;
        double value;
        boolean up;
        /** A publish is scheduled or awaiting its outcome: the device's one publishing chain runs. */
        boolean publishing;
        volatile boolean stopping;

        SimDevice(int index, String id, MqttSnClient client, ClientRuntime runtime, Random random, QoS qos) {
            this.index = index;
            this.id = id;
            this.client = client;
            this.runtime = runtime;
            this.random = random;
            this.qos = qos;
            this.topic = scenario.publishing().topicFor(id);
            this.connectionless = qos == QoS.MINUS_ONE && scenario.subscriptions().isEmpty()
                    && !scenario.sleeping().enabled();
            // A JSON reading's {value} is the same walk as a random-walk reading, from the same start.
            this.value = scenario.publishing().payload() == Scenario.PayloadKind.COUNTER
                    ? 0 : scenario.publishing().start();
            client.onMessage(this::onMessage);
            client.onEvent(this::onEvent);
        }

        private void onMessage(MqttSnClient.Message message) {
            // The client is AWAKE only between its wake PINGREQ and the gateway's PINGRESP: what
            // arrives then is what the gateway held while the device slept.
            boolean onWake = client.state() == ClientState.AWAKE;
            stats.received.incrementAndGet();
            if (onWake) {
                stats.receivedOnWake.incrementAndGet();
            }
            observer.received(id, message, onWake);
        }

        private void onEvent(ClientEvent event) {
            if (event instanceof ClientEvent.Lost) {
                stats.lost.incrementAndGet();
                setUp(false);
                if (!stopping) {
                    runtime.schedule(runtime.now() + 1_000 + random.nextInt(2_000), this::connect);
                }
            }
        }

        private void setUp(boolean nowUp) {
            if (nowUp != up) {
                up = nowUp;
                if (nowUp) {
                    stats.devicesUp.incrementAndGet();
                } else {
                    stats.devicesUp.decrementAndGet();
                }
            }
        }

        void connect() {
            if (stopping) {
                return;
            }
            client.connect(scenario.cleanSession() && !scenario.sleeping().enabled()).whenComplete((outcome, error) -> {
                if (error != null || !outcome.success()) {
                    stats.connectFailures.incrementAndGet();
                    // A connect that ended with the gateway lost is retried by onEvent already;
                    // a second retry here would run two connect chains (and later two publish chains).
                    if (!stopping && client.state() != ClientState.LOST) {
                        runtime.schedule(runtime.now() + 2_000 + random.nextInt(3_000), this::connect);
                    }
                    return;
                }
                stats.connects.incrementAndGet();
                setUp(true);
                for (Scenario.Subscription subscription : scenario.subscriptions()) {
                    client.subscribe(Topic.name(subscription.topic().replace("{id}", id)), subscription.qos())
                            .whenComplete((subscribed, failure) -> {
                                if (failure == null && subscribed.success()) {
                                    stats.subscribed.incrementAndGet();
                                } else {
                                    stats.subscribeFailures.incrementAndGet();
                                }
                            });
                }
                publishSoon(true);
            });
        }

        /** A QoS -1 device: no CONNECT, it just starts sending readings to its known topic. */
        void startWithoutConnection() {
            if (stopping) {
                return;
            }
            setUp(true);
            publishSoon(true);
        }

        private void publishSoon(boolean first) {
            if (publishing) {
                return; // after a reconnect, the chain that was running goes on (a second would double the rate)
            }
            publishing = true;
            Scenario.Publishing p = scenario.publishing();
            double jitter = p.jitterSeconds() > 0 ? random.nextDouble() * p.jitterSeconds() : 0;
            double wait = first ? random.nextDouble() * p.intervalSeconds() : p.intervalSeconds() + jitter;
            runtime.schedule(runtime.now() + Math.round(wait * 1000), this::publish);
        }

        private void publish() {
            if (stopping || (!connectionless && client.state() != ClientState.ACTIVE)) {
                publishing = false;
                return;
            }
            Bytes payload = unsent.isEmpty() ? nextReading() : unsent.pollFirst();
            stats.published.incrementAndGet();
            client.publish(topic, payload, qos, scenario.publishing().retain())
                    .whenComplete((outcome, error) -> {
                        publishing = false;
                        if (error == null && outcome.success()) {
                            if (qos.level() > 0) { // QoS 0 and -1 have no acknowledgement to count
                                stats.acknowledged.incrementAndGet();
                            }
                        } else if (error == null && worthPublishingAgain(outcome)) {
                            stats.publishFailures.incrementAndGet();
                            unsent.addFirst(payload); // published again after the reconnect
                        } else {
                            stats.publishRefused.incrementAndGet();
                            stats.lastRefusal = error != null ? error.toString() : outcome.detail();
                        }
                        if (stopping) {
                            return;
                        }
                        if (connectionless) {
                            publishSoon(false);
                        } else if (scenario.sleeping().enabled() && client.state() == ClientState.ACTIVE) {
                            sleepCycle();
                        } else if (client.state() == ClientState.ACTIVE) {
                            publishSoon(false);
                        }
                    });
        }

        /**
         * Whether a failed publish will do better next time: the device lost the gateway (it
         * reconnects and sends the reading again) or the gateway was congested ("rejected:
         * congestion" asks for a later try, spec 6.6; the simulator tries at its next interval
         * rather than after the spec's T_WAIT of minutes, as a run lasts seconds to minutes).
         * Any other answer of the gateway (an unknown predefined id cannot be recovered), or a
         * refusal by the client while it is still connected or never needed a connection (QoS -1),
         * would be the same every time.
         */
        private boolean worthPublishingAgain(Outcome outcome) {
            if (outcome.returnCode().isPresent()) {
                return outcome.returnCode().get() == ReturnCode.REJECTED_CONGESTION;
            }
            return !connectionless && client.state() != ClientState.ACTIVE;
        }

        /** Sleep, wake halfway to fetch what the gateway held, then connect and publish again. */
        private void sleepCycle() {
            int seconds = scenario.sleeping().sleepSeconds();
            client.sleep(seconds).whenComplete((slept, error) -> {
                if (error != null || !slept.success()) {
                    return; // the device is lost; onEvent reconnects it
                }
                stats.sleeps.incrementAndGet();
                setUp(false);
                observer.fellAsleep(id);
                runtime.schedule(runtime.now() + seconds * 500L, () -> client.wake().whenComplete((woke, e) -> {
                    stats.wakes.incrementAndGet();
                    runtime.schedule(runtime.now() + seconds * 200L, this::connect);
                }));
            });
        }

        private Bytes nextReading() {
            sequence++;
            Scenario.Publishing p = scenario.publishing();
            if (p.payload() == Scenario.PayloadKind.RANDOM_WALK || p.payload() == Scenario.PayloadKind.JSON) {
                value += random.nextGaussian() * p.step();
            }
            String text = switch (p.payload()) {
                case COUNTER -> Long.toString(sequence);
                case RANDOM_WALK -> String.format(Locale.ROOT, "%.3f", value);
                case JSON -> p.template().replace("{id}", id).replace("{n}", Long.toString(sequence))
                        .replace("{value}", String.format(Locale.ROOT, "%.3f", value))
                        .replace("{ts}", Long.toString(wallClock.millis()));
            };
            return Bytes.utf8(text);
        }
    }

    /** The summary of {@link #summary(FleetStats)}, with what the radio or serial line counted. */
    Map<String, Long> summary() {
        Map<String, Long> rows = summary(stats);
        LineWriter.Counters out = null;
        if (radio != null) {
            XBeeRadioEmulator.Counters c = radio.counters();
            rows.put("radio: transmit requests", c.transmitRequests());
            rows.put("radio: to unknown addresses", c.unknownDestination());
            rows.put("radio: bad frames from the gateway", c.lineIn().badChecksums() + c.lineIn().malformedFrames());
            out = c.lineOut();
        } else if (serialLine != null) {
            VirtualSerialLine.Counters c = serialLine.counters();
            rows.put("serial: frames from the gateway", c.framesFromGateway());
            rows.put("serial: for unknown nodes", c.unknownNode());
            out = c.lineOut();
        }
        if (!dtlsLinks.isEmpty()) {
            rows.put("dtls: handshakes", dtlsLinks.stream().mapToLong(DtlsLink::handshakes).sum());
            rows.put("dtls: handshake failures", dtlsLinks.stream().mapToLong(DtlsLink::handshakeFailures).sum());
            rows.put("dtls: packets not sent", dtlsLinks.stream().mapToLong(DtlsLink::packetsLost).sum());
        }
        if (nat != null) {
            NatRebinder.Counters c = nat.counters();
            rows.put("nat: source ports changed", c.rebinds() + c.expired());
            rows.put("nat: datagrams dropped", c.dropped() + c.tableFull());
        }
        if (out != null) {
            rows.put("line: frames written whole", out.framesWritten());
            rows.put("line: frames dropped", out.framesDropped());
            rows.put("line: frames corrupted", out.framesCorrupted());
            rows.put("line: frames cut in half", out.halfFrames());
            rows.put("line: noise bursts", out.noiseBursts());
            rows.put("line: queue overflows", out.queueOverflows());
        }
        return rows;
    }

    static Map<String, Long> summary(FleetStats stats) {
        Map<String, Long> rows = new java.util.LinkedHashMap<>();
        rows.put("devices up", stats.devicesUp.get());
        rows.put("connects", stats.connects.get());
        rows.put("connect failures", stats.connectFailures.get());
        rows.put("devices lost", stats.lost.get());
        rows.put("devices without connection (qos -1)", stats.connectionless.get());
        rows.put("publishes sent", stats.published.get());
        rows.put("publishes acknowledged", stats.acknowledged.get());
        rows.put("publish failures (retried)", stats.publishFailures.get());
        rows.put("publishes refused (dropped)", stats.publishRefused.get());
        rows.put("subscriptions accepted", stats.subscribed.get());
        rows.put("subscribe failures", stats.subscribeFailures.get());
        rows.put("messages received", stats.received.get());
        rows.put("messages received on waking", stats.receivedOnWake.get());
        rows.put("sleeps", stats.sleeps.get());
        rows.put("wakes", stats.wakes.get());
        rows.put("packets dropped by impairment", stats.link.dropped.get());
        rows.put("packets duplicated by impairment", stats.link.duplicated.get());
        rows.put("packets reordered by impairment", stats.link.reordered.get());
        return rows;
    }
}
