package io.sngate.sim.serial;

import io.sngate.client.ClientRuntime;
import io.sngate.client.Link;
import io.sngate.client.LinkAddress;
import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.frame.Encapsulated;
import io.sngate.codec.frame.ForwarderEncapsulation;
import io.sngate.codec.frame.SerialFrameDecoder;
import io.sngate.codec.v12.MessageType;
import io.sngate.hw.serial.SerialBackend;
import io.sngate.hw.serial.SerialException;
import io.sngate.hw.serial.SerialLine;
import io.sngate.hw.serial.SerialSettings;
import io.sngate.sim.line.LineImpairment;
import io.sngate.sim.line.LineWriter;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device end of a gateway's serial line, emulated on a pseudo-terminal, in one of two modes:
 * <ul>
 *   <li>{@link Mode#SINGLE}: one device wired straight to the gateway, raw MQTT-SN frames both
 *       ways (the gateway's {@code serial:} entry with {@code forwarder: false});</li>
 *   <li>{@link Mode#FORWARDER}: a forwarder (MQTT-SN 1.2 §5.5) with many devices behind it, each
 *       with its own wireless node id; every frame is wrapped in 0xFE encapsulation
 *       ({@code forwarder: true}).</li>
 * </ul>
 * What the gateway writes is split into frames with the codec's {@link SerialFrameDecoder}.
 * In forwarder mode an encapsulated frame goes to the device with its node id (Ctrl and node id
 * are what the gateway echoes). An ADVERTISE without encapsulation goes to every device: that
 * is how a gateway broadcast reaches a forwarder, which passes it to all its nodes. Any other
 * frame without encapsulation is addressed to the forwarder itself, which is no MQTT-SN client:
 * it is counted ({@link Counters#forForwarder()}) and not passed on, so that e.g. a DISCONNECT
 * the gateway sends in answer to line noise does not disconnect every node.
 *
 * <p>Each device is a {@link Link} from {@link #device()} or {@link #device(Bytes)}, used by a
 * normal {@code MqttSnClient} on a {@link ClientRuntime}; the line has its reader thread and one
 * {@link LineWriter} thread, whatever the number of devices. The writer applies the seeded
 * {@link LineImpairment}, and {@link #injectRaw} puts any bytes on the line.
 */
public final class VirtualSerialLine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VirtualSerialLine.class);

    /** One device with raw frames, or many behind a forwarder. */
    public enum Mode { SINGLE, FORWARDER }

    /**
     * @param serial        the line to open (the device end of the pty pair)
     * @param mode          single device or forwarder
     * @param maxPacketSize the largest MQTT-SN packet a device sends and the line accepts from the gateway
     * @param lineImpairment what happens to frames written to the gateway
     * @param seed          seeds the impairment
     * @param queueCapacity frames that may wait to be written to the line
     */
    public record Config(SerialSettings serial, Mode mode, int maxPacketSize, LineImpairment lineImpairment, long seed,
                         int queueCapacity) {

        /** Every packet in MQTT-SN's 1-byte length form. */
        public static final int DEFAULT_MAX_PACKET_SIZE = 255;

        public Config {
            Objects.requireNonNull(serial, "serial");
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(lineImpairment, "lineImpairment");
            if (maxPacketSize < 2 || maxPacketSize > SerialFrameDecoder.MAX_MAX_FRAME_SIZE
                    - ForwarderEncapsulation.FIXED_HEADER_LENGTH - ForwarderEncapsulation.MAX_NODE_ID_LENGTH) {
                throw new IllegalArgumentException("max packet size must be 2..65280, not " + maxPacketSize);
            }
            if (queueCapacity < 1) {
                throw new IllegalArgumentException("queue capacity must be at least 1, not " + queueCapacity);
            }
        }

        /** A line on {@code path} at 9600 baud 8N1 (the gateway's default), no impairment. */
        public static Config of(String path, Mode mode) {
            return new Config(SerialSettings.of(path, 9_600), mode, DEFAULT_MAX_PACKET_SIZE, LineImpairment.NONE, 1,
                    1_024);
        }

        public Config withBaud(int baud) {
            return new Config(new SerialSettings(serial.path(), baud, serial.dataBits(), serial.parity(),
                    serial.stopBits(), serial.flowControl(), serial.backend()), mode, maxPacketSize, lineImpairment,
                    seed, queueCapacity);
        }

        public Config withLineImpairment(LineImpairment impairment, long randomSeed) {
            return new Config(serial, mode, maxPacketSize, impairment, randomSeed, queueCapacity);
        }

        public Config withMaxPacketSize(int size) {
            return new Config(serial, mode, size, lineImpairment, seed, queueCapacity);
        }

        public Config withQueueCapacity(int capacity) {
            return new Config(serial, mode, maxPacketSize, lineImpairment, seed, capacity);
        }
    }

    /**
     * What the line saw and did.
     *
     * @param framesFromGateway  frames the decoder split from the gateway's bytes
     * @param deliveredToDevices packets handed to devices (a broadcast counts once per device)
     * @param broadcasts         ADVERTISEs without encapsulation on a forwarder line, given to every device
     * @param forForwarder       other frames without encapsulation on a forwarder line, not passed on
     * @param unknownNode        encapsulated frames for a node id no open device has
     * @param unexpectedEncapsulated encapsulated frames on a single-device line (no forwarder here)
     * @param malformedEncapsulation frames that looked encapsulated but did not unwrap
     * @param oversizedFromDevices device sends refused for exceeding the maximum packet size
     * @param deliveryFailures   packets for a device whose runtime had stopped
     * @param packetsFromDevices frames queued for the gateway
     * @param lineIn             the frame decoder's counters of what the gateway wrote
     * @param lineOut            the writer towards the gateway, with what the impairment did
     */
    public record Counters(long framesFromGateway, long deliveredToDevices, long broadcasts, long forForwarder,
                           long unknownNode,
                           long unexpectedEncapsulated, long malformedEncapsulation, long oversizedFromDevices,
                           long deliveryFailures, long packetsFromDevices, SerialFrameDecoder.Counters lineIn,
                           LineWriter.Counters lineOut) {
    }

    private final Config config;
    private final String source;
    /** The line, as the devices' links name the sender of what they receive. */
    private final LinkAddress sourceAddress;
    private final LineWriter writer;
    private final CompletableFuture<SerialLine> lineReady = new CompletableFuture<>();
    private SerialLine line;
    /** Guards the decoder: fed on the reader thread, counted from any thread. */
    private final Object decoderLock = new Object();
    private final SerialFrameDecoder decoder;
    private final Map<Bytes, Device> devices = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private final AtomicLong framesFromGateway = new AtomicLong();
    private final AtomicLong deliveredToDevices = new AtomicLong();
    private final AtomicLong broadcasts = new AtomicLong();
    private final AtomicLong forForwarder = new AtomicLong();
    private final AtomicLong unknownNode = new AtomicLong();
    private final AtomicLong unexpectedEncapsulated = new AtomicLong();
    private final AtomicLong malformedEncapsulation = new AtomicLong();
    private final AtomicLong oversizedFromDevices = new AtomicLong();
    private final AtomicLong deliveryFailures = new AtomicLong();
    private final AtomicLong packetsFromDevices = new AtomicLong();

    private VirtualSerialLine(Config config) {
        this.config = config;
        this.source = "serial:" + config.serial().path();
        this.sourceAddress = new LinkAddress.SerialPort(config.serial().path());
        int maxFrame = config.maxPacketSize() + (config.mode() == Mode.FORWARDER
                ? ForwarderEncapsulation.FIXED_HEADER_LENGTH + ForwarderEncapsulation.MAX_NODE_ID_LENGTH : 0);
        this.decoder = new SerialFrameDecoder(Math.max(SerialFrameDecoder.MIN_MAX_FRAME_SIZE, maxFrame),
                SerialFrameDecoder.FrameValidator.MQTT_SN_12, this::onGatewayFrame);
        // As for the radio: the gateway may write before open() has returned the line.
        this.writer = new LineWriter("sngate-serial-" + config.serial().path(), bytes -> lineReady.join().write(bytes),
                config.lineImpairment(), new Random(config.seed()), config.queueCapacity());
    }

    /** Opens the device end of the line. */
    public static VirtualSerialLine open(Config config) throws SerialException {
        VirtualSerialLine serial = new VirtualSerialLine(config);
        try {
            serial.line = SerialBackend.of(config.serial().backend()).open(config.serial(), serial.new LineListener());
        } catch (SerialException | RuntimeException e) {
            serial.lineReady.completeExceptionally(e);
            serial.writer.close();
            throw e;
        }
        serial.lineReady.complete(serial.line);
        LOG.info("virtual serial line ({}) on {}", config.mode().name().toLowerCase(), config.serial().describe());
        return serial;
    }

    /** The node id of device {@code n} behind a forwarder, two bytes big-endian: a common choice of forwarders. */
    public static Bytes nodeId(int n) {
        if (n < 0 || n > 0xFFFF) {
            throw new IllegalArgumentException("a two-byte node id is 0..65535, not " + n);
        }
        return Bytes.wrap(new byte[] {(byte) (n >>> 8), (byte) n});
    }

    public Config config() {
        return config;
    }

    /** The one device of a {@link Mode#SINGLE} line. */
    public Link device() {
        if (config.mode() != Mode.SINGLE) {
            throw new IllegalStateException("a forwarder line's devices each need a node id: device(nodeId)");
        }
        return register(Bytes.EMPTY);
    }

    /** A device behind the forwarder of a {@link Mode#FORWARDER} line. */
    public Link device(Bytes nodeId) {
        if (config.mode() != Mode.FORWARDER) {
            throw new IllegalStateException("a single-device line has no node ids: device()");
        }
        if (nodeId.length() > ForwarderEncapsulation.MAX_NODE_ID_LENGTH) {
            throw new IllegalArgumentException("a node id has at most " + ForwarderEncapsulation.MAX_NODE_ID_LENGTH
                    + " bytes, not " + nodeId.length());
        }
        return register(Bytes.copyOf(nodeId.toArray()));
    }

    private Link register(Bytes nodeId) {
        Device device = new Device(nodeId);
        if (devices.putIfAbsent(nodeId, device) != null) {
            throw new IllegalArgumentException(config.mode() == Mode.SINGLE
                    ? "a single-device line carries one device"
                    : "node id " + nodeId.toHex() + " is already behind this forwarder");
        }
        return device;
    }

    /** Puts {@code bytes} on the line to the gateway exactly as given, in order with the frames. */
    public boolean injectRaw(byte[] bytes) {
        return writer.offerRaw(bytes);
    }

    /** True when everything queued for the gateway has been written (or dropped by the impairment). */
    public boolean lineIdle() {
        return writer.pending() == 0;
    }

    public Counters counters() {
        SerialFrameDecoder.Counters in;
        synchronized (decoderLock) {
            in = decoder.counters();
        }
        return new Counters(framesFromGateway.get(), deliveredToDevices.get(), broadcasts.get(), forForwarder.get(),
                unknownNode.get(),
                unexpectedEncapsulated.get(), malformedEncapsulation.get(), oversizedFromDevices.get(),
                deliveryFailures.get(), packetsFromDevices.get(), in, writer.counters());
    }

    /** Writes what is queued, then closes the line. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        writer.close();
        if (line != null) {
            line.close();
        }
    }

    // ---------------------------------------------------------------- from the gateway (reader thread)

    private final class LineListener implements SerialLine.Listener {
        @Override
        public void onBytes(byte[] buffer, int offset, int length) {
            synchronized (decoderLock) {
                decoder.feed(buffer, offset, length);
            }
        }

        @Override
        public void onClosed(IOException cause) {
            if (cause != null && !closed) {
                LOG.warn("virtual serial line on {} failed: {}", config.serial().path(), cause.toString());
            }
        }
    }

    private void onGatewayFrame(byte[] frame) {
        framesFromGateway.incrementAndGet();
        boolean encapsulated = ForwarderEncapsulation.isEncapsulated(frame, 0, frame.length);
        if (config.mode() == Mode.SINGLE) {
            if (encapsulated) {
                unexpectedEncapsulated.incrementAndGet();
                return;
            }
            Device device = devices.get(Bytes.EMPTY);
            if (device != null && device.open()) {
                device.deliver(frame);
            } else {
                unknownNode.incrementAndGet();
            }
            return;
        }
        if (!encapsulated) {
            if (messageType(frame) != MessageType.ADVERTISE.code()) {
                forForwarder.incrementAndGet();
                LOG.debug("virtual serial line on {}: frame for the forwarder itself not passed on: {}",
                        config.serial().path(), Bytes.wrap(frame).toHex());
                return;
            }
            broadcasts.incrementAndGet();
            for (Device device : devices.values()) {
                if (device.open()) {
                    device.deliver(frame.clone());
                }
            }
            return;
        }
        Encapsulated unwrapped;
        try {
            unwrapped = ForwarderEncapsulation.decode(frame);
        } catch (DecodeException e) {
            malformedEncapsulation.incrementAndGet();
            return;
        }
        Device device = devices.get(unwrapped.wirelessNodeId());
        if (device == null || !device.open()) {
            unknownNode.incrementAndGet();
            return;
        }
        device.deliver(unwrapped.innerPacket().toArray());
    }

    /** The MsgType byte of a frame the decoder delivered (so its header is whole). */
    private static int messageType(byte[] frame) {
        return (frame[0] == 0x01 ? frame[3] : frame[1]) & 0xFF;
    }

    // ---------------------------------------------------------------- the devices

    /** One device's side of the line. */
    private final class Device implements Link {
        final Bytes nodeId;
        private volatile ClientRuntime runtime;
        private volatile Receiver receiver;
        private volatile boolean linkClosed;

        Device(Bytes nodeId) {
            this.nodeId = nodeId;
        }

        boolean open() {
            return receiver != null && !linkClosed && !closed;
        }

        @Override
        public void open(ClientRuntime deviceRuntime, Receiver packetReceiver) throws IOException {
            if (linkClosed || closed) {
                throw new IOException("the virtual serial line on " + config.serial().path() + " is closed");
            }
            this.runtime = Objects.requireNonNull(deviceRuntime, "runtime");
            this.receiver = Objects.requireNonNull(packetReceiver, "receiver");
        }

        @Override
        public void send(byte[] packet) throws IOException {
            if (!open()) {
                throw new IOException("the link is not open");
            }
            if (packet.length > config.maxPacketSize()) {
                oversizedFromDevices.incrementAndGet();
                throw new IOException("packet of " + packet.length + " bytes exceeds the line's maximum of "
                        + config.maxPacketSize());
            }
            // A forwarder sends Ctrl 0: the radius bits mean something only from the gateway (§5.5).
            byte[] frame = config.mode() == Mode.FORWARDER
                    ? ForwarderEncapsulation.encode(0, nodeId, Bytes.wrap(packet))
                    : packet.clone();
            // A full queue loses the frame silently, as an overflowing UART buffer: retries cover it.
            if (writer.offer(new SerialLineFrame(frame))) {
                packetsFromDevices.incrementAndGet();
            }
        }

        /** On a serial line the gateway is everyone the device reaches. */
        @Override
        public void broadcast(byte[] packet, int radius) throws IOException {
            send(packet);
        }

        void deliver(byte[] packet) {
            Receiver target = receiver;
            try {
                runtime.execute(() -> {
                    if (!linkClosed) {
                        target.onPacket(packet, sourceAddress);
                    }
                });
                deliveredToDevices.incrementAndGet();
            } catch (IllegalStateException e) {
                deliveryFailures.incrementAndGet(); // the device's runtime has stopped
            }
        }

        @Override
        public int maxPacketSize() {
            return config.maxPacketSize();
        }

        @Override
        public void close() {
            linkClosed = true;
            devices.remove(nodeId, this);
        }

        @Override
        public String toString() {
            return config.mode() == Mode.FORWARDER ? source + "/node:" + nodeId.toHex() : source;
        }
    }
}
