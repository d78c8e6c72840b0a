package io.sngate.sim;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.device.ClientConfig;
import io.sngate.device.ClientEffect;
import io.sngate.device.ClientState;
import io.sngate.device.DeviceRuntime;
import io.sngate.device.Link;
import io.sngate.device.MqttSnClient;
import io.sngate.device.Outcome;
import io.sngate.device.Topic;
import io.sngate.device.UdpLink;
import io.sngate.sim.line.LineWriter;
import io.sngate.sim.radio.XBeeRadioEmulator;
import io.sngate.sim.serial.VirtualSerialLine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
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
 * in duty cycles, behind a seeded impaired link. A few {@link DeviceRuntime} threads drive them all.
 *
 * <p>A publish that fails (the device lost the gateway) is kept and published again after
 * the device reconnects, so every reading eventually reaches the broker; the counters say
 * what happened on the way.
 */
final class Fleet implements AutoCloseable {

    private final Scenario scenario;
    private final FleetStats stats = new FleetStats();
    private final List<DeviceRuntime> runtimes = new ArrayList<>();
    private final List<SimDevice> devices = new ArrayList<>();
    /** The emulated radio or serial line the devices share, if not on UDP. */
    private XBeeRadioEmulator radio;
    private VirtualSerialLine serialLine;

    Fleet(Scenario scenario) {
        this.scenario = scenario;
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
            runtimes.add(new DeviceRuntime("sngate-fleet-" + r));
        }
        for (int i = 0; i < scenario.devices(); i++) {
            DeviceRuntime runtime = runtimes.get(i % runtimes.size());
            Random random = new Random(scenario.seed() * 1_000_003L + i);
            Link link = link(i);
            if (!scenario.impairment().isNone()) {
                link = new ImpairedLink(link, scenario.impairment(), new Random(random.nextLong()), stats.link);
            }
            String id = scenario.clientIdPrefix() + i;
            ClientConfig config = ClientConfig.defaults(id).withKeepAlive(scenario.keepAlive())
                    .withRetry(Math.round(scenario.retrySeconds() * 1000), scenario.maxRetries());
            MqttSnClient client = MqttSnClient.open(config, link, runtime, new Random(random.nextLong()));
            SimDevice device = new SimDevice(i, id, client, runtime, random);
            devices.add(device);
            long spread = Math.round(scenario.connectSpreadSeconds() * 1000);
            long offset = scenario.devices() <= 1 ? 0 : spread * i / (scenario.devices() - 1);
            if (radio == null) {
                runtime.schedule(runtime.now() + offset, device::connect);
            } else {
                // Behind a radio the devices wait for the gateway: it configures the radio first, and
                // the spread starts when it is there (see XBeeRadioEmulator.gatewaySeen).
                radio.gatewaySeen().thenRun(() -> runtime.schedule(runtime.now() + offset, device::connect));
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
                    // one socket per device, made in link()
                }
                default -> throw new IllegalStateException("link kind " + spec.kind());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** Device i's own link: its UDP socket, its radio address or its node id. */
    private Link link(int i) {
        return switch (scenario.link().kind()) {
            case UDP -> {
                InetSocketAddress gateway = new InetSocketAddress(scenario.host(), scenario.port());
                InetAddress local = gateway.getAddress().isLoopbackAddress() ? gateway.getAddress() : null;
                yield new UdpLink(gateway, Optional.empty(), new InetSocketAddress(local, 0), 1_400);
            }
            case XBEE -> radio.device(scenario.link().addressBase() + i + 1);
            case SERIAL -> scenario.link().forwarder()
                    ? serialLine.device(VirtualSerialLine.nodeId(i + 1))
                    : serialLine.device();
        };
    }

    /** Disconnects every device (waiting a little for the gateway's answers) and stops. */
    @Override
    public void close() {
        List<CompletableFuture<Outcome>> goodbyes = new ArrayList<>();
        for (SimDevice device : devices) {
            device.stopping = true;
            if (device.client.state() == ClientState.ACTIVE) {
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
        runtimes.forEach(DeviceRuntime::close);
        if (radio != null) {
            radio.close();
        }
        if (serialLine != null) {
            serialLine.close();
        }
    }

    /** One device's behaviour, all on its runtime's thread. */
    private final class SimDevice {
        final int index;
        final String id;
        final MqttSnClient client;
        final DeviceRuntime runtime;
        final Random random;
        final ArrayDeque<Bytes> unsent = new ArrayDeque<>();
        final String topic;
        long sequence;
        double value;
        boolean up;
        /** A publish is scheduled or awaiting its outcome: the device's one publishing chain runs. */
        boolean publishing;
        volatile boolean stopping;

        SimDevice(int index, String id, MqttSnClient client, DeviceRuntime runtime, Random random) {
            this.index = index;
            this.id = id;
            this.client = client;
            this.runtime = runtime;
            this.random = random;
            this.topic = scenario.publishing().topic().replace("{id}", id);
            this.value = scenario.publishing().payload() == Scenario.PayloadKind.RANDOM_WALK
                    ? scenario.publishing().start() : 0;
            client.onMessage(message -> stats.received.incrementAndGet());
            client.onEvent(this::onEvent);
        }

        private void onEvent(ClientEffect effect) {
            if (effect instanceof ClientEffect.StateChanged changed && changed.to() == ClientState.LOST) {
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
                    client.subscribe(Topic.name(subscription.topic().replace("{id}", id)), subscription.qos());
                }
                publishSoon(true);
            });
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
            if (stopping || client.state() != ClientState.ACTIVE) {
                publishing = false;
                return;
            }
            Bytes payload = unsent.isEmpty() ? nextReading() : unsent.pollFirst();
            QoS qos = scenario.publishing().qos();
            stats.published.incrementAndGet();
            client.publish(Topic.name(topic), payload, qos, scenario.publishing().retain())
                    .whenComplete((outcome, error) -> {
                        publishing = false;
                        if (error == null && outcome.success()) {
                            if (qos != QoS.AT_MOST_ONCE) {
                                stats.acknowledged.incrementAndGet();
                            }
                        } else {
                            stats.publishFailures.incrementAndGet();
                            unsent.addFirst(payload); // published again after the reconnect
                        }
                        if (stopping) {
                            return;
                        }
                        if (scenario.sleeping().enabled() && client.state() == ClientState.ACTIVE) {
                            sleepCycle();
                        } else if (client.state() == ClientState.ACTIVE) {
                            publishSoon(false);
                        }
                    });
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
                        .replace("{ts}", Long.toString(System.currentTimeMillis()));
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
        rows.put("publishes sent", stats.published.get());
        rows.put("publishes acknowledged", stats.acknowledged.get());
        rows.put("publish failures (retried)", stats.publishFailures.get());
        rows.put("messages received", stats.received.get());
        rows.put("sleeps", stats.sleeps.get());
        rows.put("wakes", stats.wakes.get());
        rows.put("packets dropped by impairment", stats.link.dropped.get());
        rows.put("packets duplicated by impairment", stats.link.duplicated.get());
        rows.put("packets reordered by impairment", stats.link.reordered.get());
        return rows;
    }
}
