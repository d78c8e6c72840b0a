package io.sngate.bridge;

import io.sngate.client.ClientRuntime;
import io.sngate.client.dtls.DtlsLink;
import io.sngate.client.internal.line.LineOpener;
import io.sngate.client.internal.line.MqttSnSerialPort;
import io.sngate.client.internal.line.XBeePort;
import io.sngate.client.internal.runtime.SelectorRuntime;
import io.sngate.client.serial.LineCounters;
import io.sngate.client.serial.PortOptions;
import io.sngate.codec.Bytes;
import io.sngate.codec.frame.SerialFrameDecoder;
import io.sngate.codec.xbee.XBeeFrame.ReceivePacket;
import io.sngate.codec.xbee.XBeeFrame.TransmitRequest;
import io.sngate.codec.xbee.XBeeFrame.TransmitStatus;
import io.sngate.codec.xbee.XBeeFrame;
import io.sngate.codec.xbee.XBeeFrameDecoder;
import io.sngate.hw.ReconnectBackoff;
import io.sngate.hw.serial.SerialSettings;
import io.sngate.hw.xbee.RadioInfo;
import io.sngate.hw.xbee.XBeeAtCommands;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running bridge: serial lines and XBee radios on one side, one UDP socket to the gateway on
 * the other, and a {@link ForwarderCore} in between. Everything but the serial reader threads
 * (one per port, from hw-config) runs on one {@link SelectorRuntime} thread: the socket is read by
 * its selector, decoded frames are handed to it, and the core, the writes and the statistics
 * timer run there. No thread per device.
 *
 * <p>Serial ports are reopened when they go away (USB adapter unplugged), with backoff; the
 * first open fails at once so a wrong path is reported at start. Each XBee radio is asked its
 * API mode, address and NP before the bridge forwards through it ({@link RadioCheck}): a radio
 * that does not answer, or answers in another mode than configured, fails the start too. When a
 * radio's port comes back, the radio is asked again before anything goes through it
 * ({@link RadioGuard}): frames meanwhile are dropped and counted, a radio that now fails is not
 * forwarded through but asked again after the reconnect backoff until it passes, and one with
 * another address or NP is used as it is now, with a WARN.
 */
public final class Bridge implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Bridge.class);

    /** Encapsulated frames are small; a gateway datagram larger than this is not MQTT-SN 1.2. */
    private static final int MAX_DATAGRAM = 65_535;

    private final BridgeConfig config;
    private final SelectorRuntime runtime;
    private final ForwarderCore core;
    private final ScheduledExecutorService reconnectTimers;
    private final ReconnectBackoff backoff;
    private final WarnLimiter warnings = new WarnLimiter(ForwarderConfig.DEFAULT_WARN_INTERVAL_MILLIS);
    private final ByteBuffer readBuffer = ByteBuffer.allocate(MAX_DATAGRAM);
    /** Filled once, before the socket is read: replies are only ever routed to open ports. */
    private volatile List<MqttSnSerialPort> lines = List.of();
    private volatile List<XBeePort> radios = List.of();
    /** One per radio in {@link #radios}, in the same order. */
    private volatile List<RadioGuard> guards = List.of();
    private final AtomicLongArray transmitFailures;
    /** Each radio's local AT commands: its answers are taken out of the frames it sends. */
    private final AtomicReferenceArray<XBeeAtCommands> radioCommands;
    private DatagramChannel channel;
    /** The gateway side over DTLS instead of {@link #channel}, when the configuration asks for it. */
    private DtlsLink dtls;
    private ClientRuntime.Timer statsTimer;
    private volatile BridgeCounters finalCounters;

    // Written on the runtime thread only; read through counters(), which runs there too.
    private long datagramsIn;
    private long foreignDatagrams;
    private long udpSendDrops;

    private Bridge(BridgeConfig config, SelectorRuntime runtime, ScheduledExecutorService reconnectTimers,
                   ReconnectBackoff backoff) {
        this.config = config;
        this.runtime = runtime;
        this.core = new ForwarderCore(config.forwarderConfig());
        this.transmitFailures = new AtomicLongArray(config.radios().size());
        this.radioCommands = new AtomicReferenceArray<>(config.radios().size());
        this.reconnectTimers = reconnectTimers;
        this.backoff = backoff;
    }

    /**
     * Opens the socket and every port, then forwards until {@link #close()}.
     *
     * @throws IllegalArgumentException when the node ids clash
     * @throws IOException naming the port or address that cannot be opened
     */
    public static Bridge start(BridgeConfig config) throws IOException {
        return start(config, new SelectorRuntime("sngate-bridge"));
    }

    /**
     * As {@link #start(BridgeConfig)} on a given runtime, which the bridge then owns and closes
     * (its clock times line silences and statistics).
     */
    static Bridge start(BridgeConfig config, SelectorRuntime runtime) throws IOException {
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "sngate-bridge-reconnect");
            thread.setDaemon(true);
            return thread;
        });
        return start(config, runtime, timers, ReconnectBackoff.defaults());
    }

    /**
     * As {@link #start(BridgeConfig, SelectorRuntime)}, with the scheduler that reopens the ports,
     * times the radios' AT commands out and asks a failing radio again, and the backoff of both;
     * the bridge owns the scheduler and shuts it down (tests give one on virtual time).
     */
    static Bridge start(BridgeConfig config, SelectorRuntime runtime, ScheduledExecutorService reconnectTimers,
                        ReconnectBackoff backoff) throws IOException {
        Bridge bridge = new Bridge(config, runtime, reconnectTimers, backoff);
        try {
            bridge.bindSocket();
            bridge.openPorts();
            bridge.listen();
        } catch (IOException | RuntimeException e) {
            bridge.close();
            throw e;
        }
        bridge.scheduleStats();
        LOG.info("bridge forwarding to {} from {} serial line(s) and {} radio(s)", describe(config.gateway()),
                config.serialLines().size(), config.radios().size());
        return bridge;
    }

    private void bindSocket() throws IOException {
        InetSocketAddress gateway = config.gateway();
        if (gateway.isUnresolved()) {
            throw new IOException("cannot resolve the gateway host " + gateway.getHostString());
        }
        if (config.dtls().isPresent()) {
            // The bridge's identity vouches for the devices behind it: the gateway's devices file
            // maps their client ids to it.
            dtls = new DtlsLink(gateway, config.bind(), config.dtls().get(), DtlsLink.Options.defaults(),
                    Optional.empty());
            return;
        }
        channel = DatagramChannel.open(gateway.getAddress() instanceof Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
        try {
            channel.bind(config.bind());
        } catch (IOException e) {
            throw new IOException("cannot bind UDP " + describe(config.bind()) + ": " + e.getMessage(), e);
        }
    }

    private void listen() throws IOException {
        CompletableFuture<Void> registered = new CompletableFuture<>();
        runtime.execute(() -> {
            try {
                if (dtls != null) {
                    dtls.open(runtime, (packet, from) -> {
                        datagramsIn++;
                        core.fromGateway(packet, runtime.now(), this::perform);
                    });
                } else {
                    runtime.register(channel, this::onReadable);
                }
                registered.complete(null);
            } catch (IOException | RuntimeException e) {
                registered.completeExceptionally(e);
            }
        });
        try {
            registered.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }

    private void openPorts() throws IOException {
        List<MqttSnSerialPort> openLines = new ArrayList<>();
        List<XBeePort> openRadios = new ArrayList<>();
        List<RadioGuard> openGuards = new ArrayList<>();
        try {
            openPorts(openLines, openRadios, openGuards);
        } finally {
            lines = List.copyOf(openLines); // whatever opened is closed by close() if a later one failed
            radios = List.copyOf(openRadios);
            guards = List.copyOf(openGuards);
        }
    }

    private void openPorts(List<MqttSnSerialPort> openLines, List<XBeePort> openRadios, List<RadioGuard> openGuards)
            throws IOException {
        for (int i = 0; i < config.serialLines().size(); i++) {
            int line = i;
            SerialSettings settings = config.serialLines().get(i).settings();
            openLines.add(MqttSnSerialPort.open(LineOpener.reconnecting(settings, reconnectTimers, backoff), runtime,
                    PortOptions.forBaud(settings.baud(), SerialFrameDecoder.DEFAULT_MAX_FRAME_SIZE),
                    frame -> core.fromSerialLine(line, frame, runtime.now(), this::perform)));
        }
        for (int i = 0; i < config.radios().size(); i++) {
            int radio = i;
            BridgeConfig.RadioSpec spec = config.radios().get(i);
            AtomicReference<XBeePort> port = new AtomicReference<>();
            XBeeAtCommands commands = new XBeeAtCommands(spec.settings().path(), spec.mode(),
                    frame -> port.get().writeEncoded(frame), reconnectTimers, RadioCheck.RESPONSE_TIMEOUT);
            radioCommands.set(radio, commands);
            RadioCheck check = new RadioCheck(commands, spec);
            RadioGuard guard = new RadioGuard(radio, spec.settings().path(), check, core, runtime, reconnectTimers,
                    backoff, () -> port.get() != null && port.get().isOpen());
            openGuards.add(guard);
            port.set(XBeePort.open(LineOpener.reconnecting(spec.settings(), reconnectTimers, backoff), spec.mode(),
                    runtime, PortOptions.forBaud(spec.settings().baud(),
                            XBeeFrameDecoder.DEFAULT_MAX_FRAME_DATA_LENGTH),
                    frame -> onRadioFrame(radio, frame), guard.presence()));
            openRadios.add(port.get());
            RadioInfo info;
            try {
                info = check.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while asking the radio on " + spec.settings().path());
            }
            LOG.info("{}", info.describe());
            // Queued before the socket is registered (listen()), so no reply is routed with the old limit.
            runtime.execute(() -> guard.started(info));
        }
    }

    /** On the runtime thread. */
    private void onReadable() throws IOException {
        while (true) {
            readBuffer.clear();
            SocketAddress from = channel.receive(readBuffer);
            if (from == null) {
                return;
            }
            readBuffer.flip();
            if (!from.equals(config.gateway())) {
                foreignDatagrams++;
                warn("foreign", () -> "dropped a datagram from " + from + ": only the gateway "
                        + describe(config.gateway()) + " is listened to");
                continue;
            }
            datagramsIn++;
            byte[] datagram = new byte[readBuffer.remaining()];
            readBuffer.get(datagram);
            core.fromGateway(datagram, runtime.now(), this::perform);
        }
    }

    /** On the runtime thread. */
    private void onRadioFrame(int radio, XBeeFrame frame) {
        XBeeAtCommands commands = radioCommands.get(radio);
        if (commands != null && commands.onFrame(frame)) {
            return;
        }
        if (frame instanceof ReceivePacket packet) {
            core.fromRadio(radio, packet.source64(), packet.rfData(), runtime.now(), this::perform);
        } else if (frame instanceof TransmitStatus status && !status.delivered()) {
            transmitFailures.incrementAndGet(radio);
            LOG.debug("{}: transmission {} failed with delivery status 0x{}", radioName(radio),
                    status.frameId(), Integer.toHexString(status.deliveryStatus()));
        } else if (!(frame instanceof TransmitStatus)) {
            LOG.debug("{}: ignored API frame {}", radioName(radio), frame);
        }
    }

    private String radioName(int radio) {
        return config.radios().get(radio).settings().path();
    }

    /** On the runtime thread: the core's decisions, carried out. */
    private void perform(Forward forward) {
        if (forward instanceof Forward.ToGateway toGateway) {
            if (dtls != null) {
                try {
                    dtls.send(toGateway.datagram().toArray());
                } catch (IOException e) {
                    udpSendDrops++; // a frame DTLS cannot carry, or the link's queue full: counted
                    warn("dtls-error", () -> "cannot send to the gateway " + describe(config.gateway()) + " over DTLS: "
                            + e.getMessage());
                }
                return;
            }
            try {
                if (channel.send(toGateway.datagram().asReadOnlyBuffer(), config.gateway()) == 0) {
                    udpSendDrops++; // socket buffer full: the device's retransmission covers it
                    warn("udp-full", () -> "dropped a frame for the gateway: the UDP send buffer is full");
                }
            } catch (IOException e) {
                udpSendDrops++;
                warn("udp-error", () -> "cannot send to the gateway " + describe(config.gateway()) + ": " + e);
            }
        } else if (forward instanceof Forward.ToSerialLine toLine) {
            MqttSnSerialPort port = lines.get(toLine.line());
            try {
                port.write(toLine.packet().toArray());
            } catch (IOException e) {
                warn("line-write", () -> port.name() + ": cannot write to the device: " + e.getMessage());
            }
        } else if (forward instanceof Forward.ToRadio toRadio) {
            XBeePort port = radios.get(toRadio.radio());
            Bytes data = toRadio.rfData();
            TransmitRequest request = toRadio.destination64() == XBeeFrame.BROADCAST_ADDRESS_64
                    ? new TransmitRequest(port.nextFrameId(), XBeeFrame.BROADCAST_ADDRESS_64,
                            XBeeFrame.UNKNOWN_ADDRESS_16, toRadio.radius(), 0, data)
                    : TransmitRequest.unicast(port.nextFrameId(), toRadio.destination64(), data);
            try {
                port.write(request);
            } catch (IOException e) {
                warn("radio-write", () -> port.name() + ": cannot write to the radio: " + e.getMessage());
            }
        }
    }

    private void warn(String kind, Supplier<String> message) {
        WarnLimiter.Verdict verdict = warnings.check(kind, runtime.now());
        if (verdict.log()) {
            LOG.warn(verdict.suppressed() == 0 ? message.get()
                    : message.get() + " [+" + verdict.suppressed() + " similar suppressed]");
        }
    }

    private void scheduleStats() {
        if (config.statsIntervalMillis() == 0) {
            return;
        }
        runtime.execute(this::armStats);
    }

    private void armStats() {
        statsTimer = runtime.schedule(runtime.now() + config.statsIntervalMillis(), () -> {
            LOG.info("bridge counters: {}", summary(snapshot()));
            armStats();
        });
    }

    /** The UDP port the bridge sends from (the gateway sees the bridge at it). */
    public int localPort() {
        if (dtls != null) {
            return dtls.localAddress().getPort();
        }
        try {
            return ((InetSocketAddress) channel.getLocalAddress()).getPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Serial lines and radios, together. */
    public int portCount() {
        return config.serialLines().size() + config.radios().size();
    }

    /** What the bridge prints once it forwards: {@code sngate bridge ready gateway=HOST:PORT lines=N}. */
    public String readyLine() {
        return "sngate bridge ready gateway=" + describe(config.gateway()) + (dtls != null ? " dtls" : "")
                + " lines=" + portCount();
    }

    /** The counters, taken on the runtime thread (the last ones once closed). */
    public BridgeCounters counters() {
        BridgeCounters done = finalCounters;
        if (done != null) {
            return done;
        }
        CompletableFuture<BridgeCounters> snapshot = new CompletableFuture<>();
        try {
            runtime.execute(() -> snapshot.complete(snapshot()));
        } catch (IllegalStateException stopped) {
            return snapshot(); // the runtime thread has ended: nothing changes the counters any more
        }
        return snapshot.join();
    }

    private BridgeCounters snapshot() {
        return new BridgeCounters(core.counters(), datagramsIn, foreignDatagrams, udpSendDrops,
                lines.stream().map(MqttSnSerialPort::counters).toList(),
                radios.stream().map(XBeePort::counters).toList(),
                IntStream.range(0, transmitFailures.length()).mapToObj(transmitFailures::get).toList(),
                guards.stream().map(RadioGuard::counters).toList());
    }

    /** One line for the log: the gateway side, then each port. */
    public String summary(BridgeCounters counters) {
        StringBuilder text = new StringBuilder("gateway ").append(describe(config.gateway()))
                .append(": datagrams-in=").append(counters.datagramsIn())
                .append(" foreign=").append(counters.foreignDatagrams())
                .append(" udp-send-drops=").append(counters.udpSendDrops())
                .append(' ').append(counters.forwarder().describe());
        for (int i = 0; i < counters.lines().size(); i++) {
            LineCounters line = counters.lines().get(i);
            BridgeConfig.SerialLineSpec spec = config.serialLines().get(i);
            text.append("; ").append(lines.get(i).name())
                    .append(spec.isForwarder() ? " forwarder" : " node=" + spec.nodeId().toHex())
                    .append(": ").append(line.describe());
        }
        for (int i = 0; i < counters.radios().size(); i++) {
            text.append("; ").append(radios.get(i).name()).append(" xbee: ").append(counters.radios().get(i).describe())
                    .append(" transmit-failures=").append(counters.transmitFailures().get(i));
            if (i < counters.rechecks().size()) {
                text.append(' ').append(counters.rechecks().get(i).describe());
            }
        }
        return text.toString();
    }

    static String describe(InetSocketAddress address) {
        String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** Stops forwarding: closes the ports and the socket and logs the counters at INFO. */
    @Override
    public void close() {
        if (finalCounters != null) {
            return;
        }
        if (statsTimer != null) {
            statsTimer.cancel();
        }
        guards.forEach(RadioGuard::close);
        lines.forEach(MqttSnSerialPort::close);
        radios.forEach(XBeePort::close);
        for (int i = 0; i < radioCommands.length(); i++) {
            XBeeAtCommands commands = radioCommands.get(i);
            if (commands != null) {
                commands.close();
            }
        }
        reconnectTimers.shutdownNow();
        BridgeCounters last = counters();
        runtime.close();
        if (dtls != null) {
            dtls.close();
        }
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.debug("closing the UDP socket: {}", e.toString());
            }
        }
        finalCounters = last;
        LOG.info("bridge stopped; counters: {}", summary(last));
    }
}
