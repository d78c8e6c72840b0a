package io.sngate.gateway;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import io.sngate.codec.v12.Advertise;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.SngateVersion;
import io.sngate.gateway.admin.AdminAccess;
import io.sngate.gateway.admin.AdminServer;
import io.sngate.gateway.admin.ClientSnapshot;
import io.sngate.gateway.admin.ClientSummary;
import io.sngate.gateway.admin.GatewayInfo;
import io.sngate.gateway.broker.EmbeddedBroker;
import io.sngate.gateway.session.PredefinedTopics;
import io.sngate.gateway.transport.NettyIo;
import io.sngate.gateway.transport.Forwarding;
import io.sngate.gateway.transport.LinkAddress;
import io.sngate.gateway.transport.SerialTransport;
import io.sngate.gateway.transport.Transport;
import io.sngate.gateway.transport.UdpTransport;
import io.sngate.gateway.transport.XBeeTransport;
import io.sngate.gateway.transport.dtls.DtlsTransport;
import io.sngate.gateway.upstream.AggregatingUpstream;
import io.sngate.gateway.upstream.BrokerReachability;
import io.sngate.gateway.upstream.TransparentUpstream;
import io.sngate.gateway.upstream.UpstreamSettings;
import io.sngate.hw.config.ConfigError;
import io.sngate.hw.config.GatewayConfig;
import io.sngate.hw.config.devices.DevicesFile;
import io.sngate.hw.config.devices.DevicesFileLoader;
import io.sngate.hw.config.GatewayMode;
import io.sngate.hw.config.GatewaySettings;
import io.sngate.hw.config.PredefinedTopicsFile;
import io.sngate.hw.config.HardwareConfig;
import io.sngate.hw.config.SerialPortConfig;
import io.sngate.hw.config.XBeeRadioConfig;
import io.sngate.hw.config.GpioConfig;
import io.sngate.hw.gpio.GpioBoard;
import io.sngate.hw.gpio.GpioException;
import io.sngate.hw.gpio.StatusLed;
import io.sngate.hw.ReconnectBackoff;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Map;
import java.util.StringJoiner;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running gateway: transports, the dispatcher and sessions, the upstream side and,
 * without an external broker, the embedded one. {@link #start} wires and starts them;
 * {@link #close} stops them in the order that keeps broker sessions (no wills published
 * for devices that were merely left connected).
 */
public final class Gateway implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    private final GatewayConfig config;
    private final Metrics metrics = new Metrics();
    private final LongSupplier clock = () -> System.nanoTime() / 1_000_000;
    /** Read by every sending thread while start-up may still add to it. */
    private final List<Transport> transports = new CopyOnWriteArrayList<>();
    /** Serial reopen timers, AT command timeouts, LED blinks: light work for every port at once. */
    private ScheduledExecutorService hardwareTimers;
    private GpioBoard gpio;
    private StatusLed led = StatusLed.NONE;
    private BrokerReachability reachability;
    private EventLoopGroup loops;
    private EmbeddedBroker broker;
    private SessionUpstream.Factory upstreams;
    private Dispatcher dispatcher;
    private ScheduledFuture<?> advertising;
    private ScheduledFuture<?> counterReports;
    /** Counters as last logged; touched only by the reporting task and close(). */
    private Map<String, Long> reported = Map.of();
    private UdpTransport udp;
    // What a reload (SIGHUP, POST /api/reload) replaces; written by the reload, read by the admin API.
    private volatile Map<Integer, String> predefinedTopics;
    private volatile Map<String, Map<Integer, String>> perClientPredefined;
    private volatile DevicesFile loadedDevices;
    /** The DTLS listener, or null without dtls.port. */
    private DtlsTransport dtls;
    private ScheduledFuture<?> dtlsHousekeeping;
    /** The admin HTTP server, or null without admin.port. */
    private AdminServer admin;
    private final Instant startedAt = Instant.now();
    /** Set once every transport listens: /ready says so. */
    private volatile boolean listening;

    /** Opens the Pi's pins; tests give one that uses pi4j's mock platform. */
    @FunctionalInterface
    interface GpioOpener {
        GpioBoard open(GpioConfig config, ScheduledExecutorService scheduler) throws GpioException;
    }

    private final GpioOpener gpioOpener;

    private Gateway(GatewayConfig config, GpioOpener gpioOpener) {
        this.config = config;
        this.predefinedTopics = config.predefinedTopics();
        this.perClientPredefined = config.perClientPredefinedTopics();
        this.loadedDevices = config.devices();
        this.gpioOpener = gpioOpener;
    }

    /** Starts a gateway; on failure everything already started is stopped again. */
    public static Gateway start(GatewayConfig config) throws Exception {
        return start(config, GpioBoard::open);
    }

    static Gateway start(GatewayConfig config, GpioOpener gpioOpener) throws Exception {
        Gateway gateway = new Gateway(config, gpioOpener);
        try {
            gateway.startAll();
            return gateway;
        } catch (Exception | Error e) {
            gateway.close();
            throw e;
        }
    }

    private void startAll() throws Exception {
        GatewayOptions options = GatewayOptions.from(config);
        openAdmin();
        String brokerHost;
        int brokerPort;
        if (config.broker().isPresent()) {
            brokerHost = config.broker().get().host();
            brokerPort = config.broker().get().port();
        } else {
            broker = startEmbeddedBroker();
            brokerHost = broker.host();
            brokerPort = broker.port();
        }
        boolean preferNative = config.get(GatewaySettings.NATIVE_IO);
        loops = NettyIo.newLoops(Math.max(1, Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("sngate-loop", true), preferNative);
        if (preferNative && !NettyIo.nativeAvailable()) {
            LOG.info("native epoll not available here ({}): using Java NIO", NettyIo.whyNotNative());
        }
        LOG.debug("event loops on {}", NettyIo.name(loops));
        UpstreamSettings upstreamSettings = UpstreamSettings.from(config, brokerHost, brokerPort);
        if (upstreamSettings.tls().isPresent() && !upstreamSettings.tls().get().verifiesHostname()) {
            LOG.warn("{} is false: the certificate of {} is checked against the trusted CAs but not against the host "
                            + "name, so any certificate those CAs signed passes for the broker",
                    GatewaySettings.BROKER_TLS_VERIFY_HOSTNAME.path(), upstreamSettings.uri());
        }
        // Before anything depends on the broker: the ready line tells how it is, and
        // --require-broker stops here when it cannot be reached.
        reachability = BrokerReachability.watch(loops.next(), upstreamSettings, up -> led.connected(up));
        awaitBroker(upstreamSettings.uri());
        if (config.get(GatewaySettings.MODE) == GatewayMode.AGGREGATING) {
            AggregatingUpstream shared = AggregatingUpstream.start(loops, upstreamSettings, metrics);
            upstreams = shared;
            awaitSharedConnection(shared, upstreamSettings.uri());
        } else {
            upstreams = new TransparentUpstream(loops, upstreamSettings, metrics,
                    clientId -> dispatcher.credentials(clientId));
        }
        WarnLimiter warnings = new WarnLimiter(10_000, clock);
        dispatcher = new Dispatcher(options, GatewayOptions.sessionConfig(config),
                new PredefinedTopics(predefinedTopics), loops, upstreams, links(), this::packetLimit,
                metrics, warnings, clock);
        dispatcher.rules(new DevicesFileRules(loadedDevices, perClientPredefined));
        udp = new UdpTransport(loops, config.get(GatewaySettings.UDP_BIND), config.get(GatewaySettings.UDP_PORT),
                broadcastAddress(), options.maxPacketSize(), metrics, warnings);
        startGpio(config.hardware(), upstreamSettings);
        Transport.Receiver inbound = inbound();
        addTransport(udp, warnings, inbound);
        startDtls(options, warnings, inbound);
        startLines(config.hardware(), options, warnings, inbound);
        listening = true;
        startAdmin();
        counterReports = loops.next().scheduleAtFixedRate(() -> {
                    reportCounters("in the last minute");
                    dispatcher.forgetStaleFloodWindows();
                },
                COUNTER_REPORT_SECONDS, COUNTER_REPORT_SECONDS, TimeUnit.SECONDS);
        int advertise = options.advertiseSeconds();
        if (advertise > 0) {
            byte[] packet = MqttSn12Codec.INSTANCE.encode(new Advertise(options.gatewayId(), advertise));
            advertising = loops.next().scheduleAtFixedRate(() -> transports.forEach(t -> t.broadcast(packet)),
                    0, advertise, TimeUnit.SECONDS);
        }
    }

    /**
     * Waits for the broker probe: with broker.require until the broker accepts the gateway (else
     * {@link BrokerUnavailableException}); without, for its first answer, so that the ready line
     * tells the truth about the broker from the start.
     */
    private void awaitBroker(String uri) throws BrokerUnavailableException, InterruptedException {
        double seconds = config.get(GatewaySettings.BROKER_REQUIRE_TIMEOUT);
        long millis = Math.round(seconds * 1000);
        boolean required = config.get(GatewaySettings.BROKER_REQUIRE);
        try {
            (required ? reachability.firstConnected() : reachability.firstAnswer()).get(millis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            if (!required) {
                return; // the ready line says no answer came
            }
            String why = reachability.state().map(BrokerReachability.State::failure)
                    .orElse("no answer within " + seconds + " s");
            throw new BrokerUnavailableException("the broker " + uri + " cannot be reached with the configured "
                    + "settings within " + seconds + " s (" + GatewaySettings.BROKER_REQUIRE.flag() + ", "
                    + GatewaySettings.BROKER_REQUIRE_TIMEOUT.path() + "): " + why);
        }
    }

    /**
     * Aggregating mode carries every device on one connection: when the probe got through, the
     * devices' first CONNECTs should find that connection up too, so the start waits for it a
     * while. It keeps retrying in the background whatever happens here.
     */
    private void awaitSharedConnection(AggregatingUpstream shared, String uri)
            throws BrokerUnavailableException, InterruptedException {
        boolean required = config.get(GatewaySettings.BROKER_REQUIRE);
        boolean probeConnected = reachability.state().map(BrokerReachability.State::connected).orElse(false);
        if (!required && !probeConnected) {
            return; // the ready line says why; devices are answered "congestion" until it is up
        }
        double seconds = config.get(GatewaySettings.BROKER_REQUIRE_TIMEOUT);
        try {
            shared.firstConnected().get(Math.round(seconds * 1000), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            String why = "the gateway's shared connection to " + uri + " is not up within " + seconds
                    + " s although the broker answers the gateway's probe (a broker ACL on the client id sngate-gw"
                    + config.get(GatewaySettings.GATEWAY_ID) + "?)";
            if (required) {
                throw new BrokerUnavailableException(why + " (" + GatewaySettings.BROKER_REQUIRE.flag() + ")");
            }
            LOG.warn("{}; it keeps retrying, devices are answered \"congestion\" until then", why);
        }
    }

    /** The broker as the ready line shows it: {@code (connected)} or {@code (unreachable: why)}. */
    String brokerState() {
        return reachability.state().map(BrokerReachability.State::describe)
                .orElse("unreachable: no answer within " + config.get(GatewaySettings.BROKER_REQUIRE_TIMEOUT) + " s");
    }

    /** The DTLS listener beside plain UDP, when dtls.port is set: its own port, the same dispatcher. */
    private void startDtls(GatewayOptions options, WarnLimiter warnings, Transport.Receiver inbound) throws Exception {
        if (config.get(GatewaySettings.DTLS_PORT) == 0) {
            return;
        }
        dtls = new DtlsTransport(config, options.maxPacketSize(), metrics, warnings, clock);
        addTransport(dtls, warnings, inbound);
        dtlsHousekeeping = loops.next().scheduleAtFixedRate(dtls::housekeeping, DTLS_HOUSEKEEPING_SECONDS,
                DTLS_HOUSEKEEPING_SECONDS, TimeUnit.SECONDS);
    }

    /** How often expired DTLS sessions are closed and the PSK file is looked at for changes. */
    static final long DTLS_HOUSEKEEPING_SECONDS = 2;

    /** The embedded broker, as open to the network as its settings say, with a warning when that is wide open. */
    private EmbeddedBroker startEmbeddedBroker() throws Exception {
        String dataDir = config.get(GatewaySettings.EMBEDDED_DATA_DIR);
        String bind = config.get(GatewaySettings.EMBEDDED_BIND).strip();
        EmbeddedBroker.Options options = new EmbeddedBroker.Options(bind, config.get(GatewaySettings.EMBEDDED_PORT),
                config.get(GatewaySettings.EMBEDDED_TLS_PORT), config.embeddedTlsIdentity(), config.embeddedUsers(),
                dataDir.isBlank() ? null : Path.of(dataDir));
        if (!InetAddress.getByName(bind).isLoopbackAddress()) {
            if (options.users().isEmpty()) {
                LOG.warn("the embedded broker listens on {} and {} is not set: anyone who reaches that address may "
                        + "connect, publish and subscribe", bind, GatewaySettings.EMBEDDED_PASSWORD_FILE.path());
            }
            if (options.tlsPort() == 0) {
                LOG.warn("the embedded broker's TCP port listens on {} without TLS: logins and messages cross the "
                        + "network in clear ({} gives it a TLS listener instead)", bind,
                        GatewaySettings.EMBEDDED_TLS_PORT.path());
            }
        }
        EmbeddedBroker started = EmbeddedBroker.start(options);
        LOG.info("embedded broker on {}{}{}", started.uri(), options.tlsPort() == 0 ? ""
                        : " and ssl://" + (bind.contains(":") ? "[" + bind + "]" : bind) + ":" + options.tlsPort(),
                options.users().isEmpty() ? "" : ", " + options.users().size() + " user(s) may log in");
        return started;
    }

    /**
     * The Pi's pins: the status LED (on while the broker is reachable, a blink per packet) and
     * the radio reset, pulsed before the radios are set up: a radio left in a bad state by a
     * crash answers again after it.
     */
    private void startGpio(HardwareConfig hardware, UpstreamSettings upstreamSettings) throws Exception {
        if (hardware.serialPorts().isEmpty() && hardware.xbeeRadios().isEmpty() && !hardware.gpio().enabled()) {
            return;
        }
        hardwareTimers = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("sngate-hw", true));
        if (!hardware.gpio().enabled()) {
            return;
        }
        gpio = gpioOpener.open(hardware.gpio(), hardwareTimers);
        led = gpio.statusLed();
        if (led != StatusLed.NONE) {
            StatusLed shown = led;
            // The probe answered before the LED existed: show what it found.
            reachability.state().ifPresent(found -> shown.connected(found.connected()));
        }
        if (!hardware.xbeeRadios().isEmpty()) {
            try {
                gpio.radioReset().reset().get(hardware.gpio().resetPulseMillis() + 5_000L, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("radio reset through " + GpioBoard.RADIO_RESET_KEY + " failed: "
                        + (e instanceof ExecutionException ? e.getCause() : e), e);
            }
        }
    }

    /** Binds the admin port first: a token file or address that cannot be used stops the start before the rest. */
    private void openAdmin() throws ConfigError {
        int port = config.get(GatewaySettings.ADMIN_PORT);
        if (port != 0) {
            admin = AdminServer.open(config.get(GatewaySettings.ADMIN_BIND).strip(), port,
                    config.get(GatewaySettings.ADMIN_TOKEN_FILE).strip());
        }
    }

    /** The admin HTTP server answers once the transports run: what it reports is then all there. */
    private void startAdmin() {
        if (admin == null) {
            return;
        }
        admin.serve(new Admin());
        LOG.info("admin server on {} (status page /, API /api, /metrics, /health, /ready{})", admin.url(),
                config.get(GatewaySettings.ADMIN_TOKEN_FILE).isBlank() ? "" : "; bearer token required");
    }

    /** What the admin server sees of this gateway; session state only through the sessions' loops. */
    private final class Admin implements AdminAccess {
        @Override
        public List<ClientSummary> clients() {
            List<ClientSummary> clients = new ArrayList<>();
            for (SessionHost host : dispatcher.sessions()) {
                LinkAddress address = host.address();
                clients.add(new ClientSummary(host.clientId(), host.state().name().toLowerCase(),
                        SessionHost.linkKind(address), address.toString(), host.queued(), host.upstreamState()));
            }
            return clients;
        }

        @Override
        public Optional<CompletableFuture<ClientSnapshot>> snapshot(String clientId) {
            return Optional.ofNullable(dispatcher.session(clientId)).map(SessionHost::snapshot);
        }

        @Override
        public Optional<CompletableFuture<Boolean>> kick(String clientId) {
            return Optional.ofNullable(dispatcher.session(clientId))
                    .map(host -> host.kick("disconnected through the admin API"));
        }

        @Override
        public Map<Integer, String> predefinedTopics() {
            return predefinedTopics;
        }

        @Override
        public Map<String, Map<Integer, String>> perClientPredefinedTopics() {
            return perClientPredefined;
        }

        @Override
        public boolean reload() {
            return reloadDevices();
        }

        @Override
        public GatewayInfo info() {
            List<String> described = new ArrayList<>();
            transports.forEach(t -> described.add(t.describe()));
            Map<String, Object> limits = new LinkedHashMap<>();
            GatewaySettings.ALL.forEach((key, setting) -> {
                if (key.startsWith("limits.")) {
                    limits.put(key, config.get(setting));
                }
            });
            return new GatewayInfo(SngateVersion.get(), startedAt, config.get(GatewaySettings.MODE).name().toLowerCase(),
                    described, udp.localPort(), dtls == null ? null : dtls.localPort(), upstreams.brokerUri(),
                    broker != null, limits);
        }

        @Override
        public BrokerReachability.Status broker() {
            return reachability.status();
        }

        @Override
        public boolean listening() {
            return listening;
        }

        @Override
        public Metrics metrics() {
            return metrics;
        }
    }

    /** The admin server's address (http://HOST:PORT); fails without admin.port. */
    public String adminUrl() {
        if (admin == null) {
            throw new IllegalStateException("no admin server: admin.port is 0");
        }
        return admin.url();
    }

    /** What the transports hand their packets to: the dispatcher, with a blink of the LED. */
    private Transport.Receiver inbound() {
        if (led == StatusLed.NONE) {
            return dispatcher;
        }
        StatusLed shown = led;
        return new Transport.Receiver() {
            @Override
            public void onPacket(LinkAddress from, byte[] packet) {
                shown.traffic();
                dispatcher.onPacket(from, packet);
            }

            @Override
            public void onUndeliverable(LinkAddress to) {
                dispatcher.onUndeliverable(to);
            }

            @Override
            public void onOversized(LinkAddress from, byte[] head) {
                dispatcher.onOversized(from, head);
            }
        };
    }

    /** Serial lines and XBee radios; a port that cannot be opened or a radio that does not answer stops the start. */
    private void startLines(HardwareConfig hardware, GatewayOptions options, WarnLimiter warnings,
                            Transport.Receiver inbound) throws Exception {
        if (hardwareTimers == null) {
            return;
        }
        ReconnectBackoff backoff = ReconnectBackoff.defaults();
        for (SerialPortConfig line : hardware.serialPorts()) {
            addTransport(new SerialTransport(line, hardwareTimers, backoff, options.maxPacketSize(), metrics, warnings,
                    clock), warnings, inbound);
        }
        for (XBeeRadioConfig radio : hardware.xbeeRadios()) {
            addTransport(new XBeeTransport(radio, hardwareTimers, backoff, metrics, warnings), warnings, inbound);
        }
        for (Transport transport : transports) {
            LOG.info("transport {}", transport.describe());
        }
    }

    /**
     * Starts a link under the forwarder layer: any link may carry a forwarder's wrapped frames
     * (a UDP forwarder, a serial line in forwarder mode, a radio), and above it only devices exist.
     */
    private void addTransport(Transport link, WarnLimiter warnings, Transport.Receiver inbound) throws Exception {
        Transport transport = new Forwarding(link, metrics, warnings);
        transports.add(transport);
        transport.start(inbound);
    }

    /** The largest packet a session at {@code address} may be sent (after any forwarder's header). */
    private int packetLimit(LinkAddress address) {
        for (Transport transport : transports) {
            if (transport.owns(address)) {
                return transport.maxPacketSize(address);
            }
        }
        return Integer.MAX_VALUE;
    }

    private Optional<InetSocketAddress> broadcastAddress() {
        String target = config.get(GatewaySettings.UDP_BROADCAST);
        if (target.isBlank()) {
            return Optional.empty();
        }
        int colon = target.lastIndexOf(':');
        return Optional.of(new InetSocketAddress(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1))));
    }

    private SessionHost.Links links() {
        return new SessionHost.Links() {
            @Override
            public void send(LinkAddress to, byte[] packet) {
                Gateway.this.send(to, packet);
            }

            @Override
            public void broadcastNear(LinkAddress near, byte[] packet, int radius) {
                led.traffic();
                for (Transport transport : transports) {
                    if (transport.owns(near)) {
                        transport.broadcast(packet, radius);
                        return;
                    }
                }
                metrics.count(Metrics.DROPPED_TRANSPORT_CLOSED);
            }
        };
    }

    private void send(LinkAddress to, byte[] packet) {
        led.traffic();
        LinkAddress root = to;
        for (Transport transport : transports) {
            if (transport.owns(root)) {
                transport.send(root, packet);
                return;
            }
        }
        metrics.count(Metrics.DROPPED_TRANSPORT_CLOSED);
    }

    /** How often the counters that changed are logged (one INFO line, only when something happened). */
    static final long COUNTER_REPORT_SECONDS = 60;

    /**
     * Logs the counters that changed since the last report: an operator sees what was dropped
     * and why (every discard has a named counter) without attaching anything to the process.
     */
    private synchronized void reportCounters(String when) {
        Map<String, Long> now = metrics.snapshot();
        StringJoiner changed = new StringJoiner(" ");
        now.forEach((name, value) -> {
            long before = reported.getOrDefault(name, 0L);
            if (value != before) {
                changed.add(name + "=" + value + "(+" + (value - before) + ")");
            }
        });
        reported = now;
        if (changed.length() > 0) {
            LOG.info("counters {}: {}", when, changed);
        }
    }

    /**
     * Reads the devices file again (SIGHUP) and applies it to the next packets: sessions keep
     * running, and their next REGISTER, PUBLISH or SUBSCRIBE is judged by the new file. A file
     * that does not load is logged with its line and reason; the one in force stays.
     *
     * @return true when the file was reloaded
     */
    public boolean reloadDevices() {
        boolean topics = reloadPredefinedTopics();
        String file = config.get(GatewaySettings.DEVICES_FILE);
        if (file.isBlank()) {
            boolean keys = dtls != null && dtls.reloadKeys(config.devices());
            if (!topics && !keys) {
                LOG.info("SIGHUP: no devices.file nor predefined.file configured, nothing to reload");
            }
            return topics || keys;
        }
        try {
            DevicesFile devices = DevicesFileLoader.load(Path.of(file));
            loadedDevices = devices;
            dispatcher.rules(new DevicesFileRules(devices, perClientPredefined));
            if (dtls != null) {
                dtls.reloadKeys(devices);
            }
            metrics.count(Metrics.DEVICES_RELOADED);
            LOG.info("devices file {} reloaded: {} entries", file, devices.entries().size());
            return true;
        } catch (ConfigError e) {
            metrics.count(Metrics.DEVICES_RELOAD_FAILED);
            LOG.error("devices file not reloaded, the previous one stays in force: {}", e.getMessage());
            return false;
        }
    }

    /**
     * Reads predefined.file again: new sessions and QoS -1 publishes use its ids from now on
     * (a running session keeps the ids it started with: its device knows those). A file that
     * does not load is logged with its line and reason; the ids in force stay.
     *
     * @return true when the file was reloaded
     */
    private boolean reloadPredefinedTopics() {
        String file = config.get(GatewaySettings.PREDEFINED_FILE);
        if (file.isBlank()) {
            return false;
        }
        try {
            PredefinedTopicsFile.Contents contents = PredefinedTopicsFile.loadAll(
                    GatewaySettings.PREDEFINED_FILE.path(), Path.of(file.strip()));
            predefinedTopics = contents.gatewayWide();
            perClientPredefined = contents.perClient();
            dispatcher.predefined(new PredefinedTopics(predefinedTopics));
            dispatcher.rules(new DevicesFileRules(loadedDevices, perClientPredefined));
            metrics.count(Metrics.PREDEFINED_RELOADED);
            LOG.info("predefined topics file {} reloaded: {} gateway-wide ids, {} clients with their own", file,
                    predefinedTopics.size(), perClientPredefined.size());
            return true;
        } catch (ConfigError e) {
            metrics.count(Metrics.PREDEFINED_RELOAD_FAILED);
            LOG.error("predefined topics file not reloaded, the ids in force stay: {}", e.getMessage());
            return false;
        }
    }

    /** The one line a supervisor or script waits for. */
    public String readyLine() {
        return "sngate gateway ready udp=" + udp.localPort() + (dtls != null ? " dtls=" + dtls.localPort() : "")
                + " broker=" + upstreams.brokerUri() + " (" + brokerState() + ")"
                + " mode=" + config.get(GatewaySettings.MODE).name().toLowerCase();
    }

    public int udpPort() {
        return udp.localPort();
    }

    /** The DTLS listener's port; fails when dtls.port is not set. */
    public int dtlsPort() {
        if (dtls == null) {
            throw new IllegalStateException("no DTLS listener: dtls.port is 0");
        }
        return dtls.localPort();
    }

    public Metrics metrics() {
        return metrics;
    }

    /** Sessions the gateway keeps now (connected, asleep, or disconnected and persistent). */
    public int sessionCount() {
        return dispatcher.sessionCount();
    }

    /** Sessions counted per source for limits.max-sessions-per-source-ip, for tests: empty once every session ended. */
    public Map<Object, Integer> sessionsPerSource() {
        return dispatcher.sessionsPerSource();
    }

    Dispatcher dispatcher() {
        return dispatcher;
    }

    @Override
    public void close() {
        listening = false;
        if (admin != null) {
            admin.close();
        }
        if (advertising != null) {
            advertising.cancel(false);
        }
        if (dtlsHousekeeping != null) {
            dtlsHousekeeping.cancel(false);
        }
        if (counterReports != null) {
            counterReports.cancel(false);
            reportCounters("since the last report, at shutdown");
        }
        for (Transport transport : transports) {
            transport.close();
        }
        if (reachability != null) {
            reachability.close();
        }
        if (gpio != null) {
            gpio.close();
        }
        if (hardwareTimers != null) {
            hardwareTimers.shutdownNow();
        }
        if (dispatcher != null) {
            dispatcher.shutdownSessions();
        }
        if (upstreams != null) {
            upstreams.close();
        }
        if (loops != null) {
            loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (broker != null) {
            broker.close();
        }
        LOG.info("sngate gateway stopped");
    }
}
