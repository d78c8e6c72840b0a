package io.sngate.sim.radio;

import io.sngate.client.ClientRuntime;
import io.sngate.client.Link;
import io.sngate.client.XBeeAddress;
import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.codec.xbee.XBeeFrame.AtCommand;
import io.sngate.codec.xbee.XBeeFrame.AtCommandResponse;
import io.sngate.codec.xbee.XBeeFrame.ModemStatus;
import io.sngate.codec.xbee.XBeeFrame.ReceivePacket;
import io.sngate.codec.xbee.XBeeFrame.TransmitRequest;
import io.sngate.codec.xbee.XBeeFrame.TransmitStatus;
import io.sngate.codec.xbee.XBeeFrame;
import io.sngate.codec.xbee.XBeeFrameCodec;
import io.sngate.codec.xbee.XBeeFrameDecoder;
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
 * The XBee radio a gateway is wired to (the Zigbee coordinator), emulated on one end of a
 * serial line (in tests and demos, a pseudo-terminal whose other end the gateway opens), with
 * simulated remote devices in its network. The gateway cannot tell it from a real radio in API
 * mode 1 or 2:
 * <ul>
 *   <li>it answers local AT commands (0x08 -> 0x88) from its {@link RadioParameters}: AP, ID, SC,
 *       CE, NI, SH, SL, VR, HV, NP, WR, AC;</li>
 *   <li>a packet a device sends arrives at the gateway as a 0x90 Receive Packet from the
 *       device's 64-bit and 16-bit address;</li>
 *   <li>a 0x10 Transmit Request is delivered to the device with that 64-bit address (or to all,
 *       for the broadcast address) and answered with a 0x8B Transmit Status: success, 0x24
 *       address not found, 0x74 payload larger than NP; frame id 0 asks for no status;</li>
 *   <li>other frame types are ignored and counted, as a radio ignores API frames it does not
 *       support.</li>
 * </ul>
 * A device is a {@link Link} from {@link #device(long)}: a normal {@code MqttSnClient} runs
 * behind the radio on a {@link ClientRuntime}, with no thread of its own. The emulator has the
 * line's reader thread and one writer thread ({@link LineWriter}), whatever the number of devices.
 *
 * <p>The frames written to the gateway can be damaged by a seeded {@link LineImpairment}, and
 * tests can put any bytes on the line with {@link #injectRaw}: the gateway must count and skip
 * them while every other frame still gets through. The impairment spares the answers to AT
 * commands: the gateway's start-up setup sends each command once and fails the start when an
 * answer is missing, so an impaired demo would not start at all; the gateway's handling of a
 * radio that does not answer is the subject of its own tests.
 */
public final class XBeeRadioEmulator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(XBeeRadioEmulator.class);

    /** Digi's OUI, the top half of every XBee serial number. */
    public static final long DIGI_OUI_HIGH = 0x0013A200L;

    /** The coordinator's own 16-bit network address. */
    public static final int COORDINATOR_ADDRESS_16 = 0x0000;

    /**
     * How the emulated radio is set up.
     *
     * @param serial          the line to open (its path is the emulator's end of the pty pair)
     * @param apiMode         AP at power-up
     * @param serialNumber    SH:SL, the radio's own 64-bit address
     * @param panId           ID at power-up
     * @param scanChannels    SC at power-up, 1..0xFFFF
     * @param coordinator     CE at power-up
     * @param nodeIdentifier  NI at power-up, up to 20 characters
     * @param firmwareVersion VR, 16 bits
     * @param hardwareVersion HV, 16 bits
     * @param maxPayload      NP: the largest RF payload, 1..255
     * @param lineImpairment  what happens to frames written to the gateway
     * @param seed            seeds the impairment
     * @param queueCapacity   frames that may wait to be written to the line
     */
    public record Config(SerialSettings serial, ApiMode apiMode, long serialNumber, long panId, int scanChannels,
                         boolean coordinator, String nodeIdentifier, int firmwareVersion, int hardwareVersion,
                         int maxPayload, LineImpairment lineImpairment, long seed, int queueCapacity) {

        /** NP of an XBee 3 Zigbee radio without encryption or source routing, as the gateway assumes. */
        public static final int DEFAULT_MAX_PAYLOAD = 84;

        public static final int DEFAULT_QUEUE_CAPACITY = 1_024;

        public Config {
            Objects.requireNonNull(serial, "serial");
            Objects.requireNonNull(apiMode, "apiMode");
            Objects.requireNonNull(nodeIdentifier, "nodeIdentifier");
            Objects.requireNonNull(lineImpairment, "lineImpairment");
            if (scanChannels < 1 || scanChannels > 0xFFFF) {
                throw new IllegalArgumentException("scan channels (SC) must be 1..0xFFFF, not " + scanChannels);
            }
            if (nodeIdentifier.length() > RadioParameters.MAX_NODE_IDENTIFIER) {
                throw new IllegalArgumentException("node identifier (NI) has at most 20 characters: " + nodeIdentifier);
            }
            if (firmwareVersion < 0 || firmwareVersion > 0xFFFF || hardwareVersion < 0 || hardwareVersion > 0xFFFF) {
                throw new IllegalArgumentException("VR and HV are 16 bits");
            }
            if (maxPayload < 1 || maxPayload > 255) {
                throw new IllegalArgumentException("max payload (NP) must be 1..255, not " + maxPayload);
            }
            if (queueCapacity < 1) {
                throw new IllegalArgumentException("queue capacity must be at least 1, not " + queueCapacity);
            }
        }

        /**
         * A coordinator on {@code path} at 9600 baud in API mode 2, PAN id 0, all channels of
         * SC's default mask, NI a single space (an XBee's factory value), NP 84, no impairment.
         */
        public static Config of(String path) {
            return new Config(SerialSettings.of(path, 9_600), ApiMode.ESCAPED, DIGI_OUI_HIGH << 32 | 0x4000_0001L,
                    0, 0x7FFF, true, " ", 0x100B, 0x4247, DEFAULT_MAX_PAYLOAD, LineImpairment.NONE, 1,
                    DEFAULT_QUEUE_CAPACITY);
        }

        public Config withSerial(SerialSettings other) {
            return new Config(other, apiMode, serialNumber, panId, scanChannels, coordinator, nodeIdentifier,
                    firmwareVersion, hardwareVersion, maxPayload, lineImpairment, seed, queueCapacity);
        }

        public Config withBaud(int baud) {
            return withSerial(new SerialSettings(serial.path(), baud, serial.dataBits(), serial.parity(),
                    serial.stopBits(), serial.flowControl(), serial.backend()));
        }

        public Config withApiMode(ApiMode mode) {
            return new Config(serial, mode, serialNumber, panId, scanChannels, coordinator, nodeIdentifier,
                    firmwareVersion, hardwareVersion, maxPayload, lineImpairment, seed, queueCapacity);
        }

        public Config withSerialNumber(long number) {
            return new Config(serial, apiMode, number, panId, scanChannels, coordinator, nodeIdentifier,
                    firmwareVersion, hardwareVersion, maxPayload, lineImpairment, seed, queueCapacity);
        }

        public Config withNetwork(long pan, int channels, boolean isCoordinator, String ni) {
            return new Config(serial, apiMode, serialNumber, pan, channels, isCoordinator, ni,
                    firmwareVersion, hardwareVersion, maxPayload, lineImpairment, seed, queueCapacity);
        }

        public Config withMaxPayload(int np) {
            return new Config(serial, apiMode, serialNumber, panId, scanChannels, coordinator, nodeIdentifier,
                    firmwareVersion, hardwareVersion, np, lineImpairment, seed, queueCapacity);
        }

        public Config withLineImpairment(LineImpairment impairment, long randomSeed) {
            return new Config(serial, apiMode, serialNumber, panId, scanChannels, coordinator, nodeIdentifier,
                    firmwareVersion, hardwareVersion, maxPayload, impairment, randomSeed, queueCapacity);
        }

        public Config withQueueCapacity(int capacity) {
            return new Config(serial, apiMode, serialNumber, panId, scanChannels, coordinator, nodeIdentifier,
                    firmwareVersion, hardwareVersion, maxPayload, lineImpairment, seed, capacity);
        }
    }

    /**
     * What the radio saw and did.
     *
     * @param framesFromGateway   API frames decoded from the line
     * @param atCommands          local AT commands answered (or run silently, frame id 0)
     * @param atErrors            of those, answered with a status other than OK
     * @param flashWrites         WR commands
     * @param transmitRequests    0x10 frames, unicast and broadcast
     * @param broadcasts          of those, to the broadcast address
     * @param deliveredToDevices  packets handed to devices (a broadcast counts once per device)
     * @param unknownDestination  transmit requests to no device in the network (status 0x24)
     * @param payloadTooLarge     transmit requests with more RF data than NP (status 0x74)
     * @param ignoredFrames       frames of a type a radio does not take from its host (e.g. 0x90)
     * @param deliveryFailures    packets for a device whose runtime had stopped
     * @param packetsFromDevices  Receive Packets queued for the gateway
     * @param oversizedFromDevices device sends refused for exceeding NP
     * @param lineIn              the decoder of what the gateway wrote: noise, bad checksums...
     * @param lineOut             the writer towards the gateway, with what the impairment did
     */
    public record Counters(long framesFromGateway, long atCommands, long atErrors, long flashWrites,
                           long transmitRequests, long broadcasts, long deliveredToDevices, long unknownDestination,
                           long payloadTooLarge, long ignoredFrames, long deliveryFailures, long packetsFromDevices,
                           long oversizedFromDevices, XBeeFrameDecoder.Counters lineIn, LineWriter.Counters lineOut) {
    }

    private final Config config;
    private final RadioParameters parameters;
    private final RadioAddress self;
    /** The coordinator, as the devices' links name the sender of what they receive. */
    private final XBeeAddress selfAddress;
    private final LineWriter writer;
    private final CompletableFuture<SerialLine> lineReady = new CompletableFuture<>();
    private SerialLine line;
    /** Guards the decoder: fed on the reader thread, replaced after an AP change, counted from any thread. */
    private final Object decoderLock = new Object();
    private XBeeFrameDecoder decoder;
    /** What decoders retired by an AP change had counted. */
    private XBeeFrameDecoder.Counters retiredDecoders = new XBeeFrameDecoder.Counters(0, 0, 0, 0, 0, 0);
    /** The API mode frames are written in from now on; ATAP changes it after its own answer. */
    private volatile ApiMode lineMode;
    private final Map<Long, RemoteDevice> devices = new ConcurrentHashMap<>();
    private final AtomicLong next16 = new AtomicLong(1);
    private volatile boolean closed;
    private final CompletableFuture<Void> gatewaySeen = new CompletableFuture<>();

    private final AtomicLong framesFromGateway = new AtomicLong();
    private final AtomicLong transmitRequests = new AtomicLong();
    private final AtomicLong broadcasts = new AtomicLong();
    private final AtomicLong deliveredToDevices = new AtomicLong();
    private final AtomicLong unknownDestination = new AtomicLong();
    private final AtomicLong payloadTooLarge = new AtomicLong();
    private final AtomicLong ignoredFrames = new AtomicLong();
    private final AtomicLong deliveryFailures = new AtomicLong();
    private final AtomicLong packetsFromDevices = new AtomicLong();
    private final AtomicLong oversizedFromDevices = new AtomicLong();

    private XBeeRadioEmulator(Config config) {
        this.config = config;
        this.parameters = new RadioParameters(config);
        this.self = new RadioAddress(config.serialNumber(), COORDINATOR_ADDRESS_16);
        this.selfAddress = new XBeeAddress(self.address64());
        this.lineMode = config.apiMode();
        this.decoder = newDecoder(config.apiMode());
        // The writer may be asked to write before open() returns the line (the gateway can send an
        // AT command the moment the reader starts), so it waits for the line instead of failing.
        this.writer = new LineWriter("sngate-radio-" + config.serial().path(), bytes -> lineReady.join().write(bytes),
                config.lineImpairment(), new Random(config.seed()), config.queueCapacity());
    }

    /** Opens the emulator's end of the line; the radio answers the gateway from then on. */
    public static XBeeRadioEmulator open(Config config) throws SerialException {
        XBeeRadioEmulator radio = new XBeeRadioEmulator(config);
        try {
            radio.line = SerialBackend.of(config.serial().backend()).open(config.serial(), radio.new LineListener());
        } catch (SerialException | RuntimeException e) {
            radio.lineReady.completeExceptionally(e);
            radio.writer.close();
            throw e;
        }
        radio.lineReady.complete(radio.line);
        LOG.info("emulated XBee radio {} on {} (AP={}, NP={})", radio.self, config.serial().describe(),
                config.apiMode().apParameter(), config.maxPayload());
        return radio;
    }

    public Config config() {
        return config;
    }

    /** The radio's own address: SH:SL and the coordinator's 16-bit address 0x0000. */
    public RadioAddress address() {
        return self;
    }

    /** A remote device with a 16-bit network address the radio assigns (1, 2, 3... in call order). */
    public Link device(long address64) {
        int address16;
        do {
            address16 = (int) (next16.getAndIncrement() % 0xFFF7);
        } while (address16 == COORDINATOR_ADDRESS_16);
        return device(address64, address16);
    }

    /**
     * A remote device: the link a simulated client sends and receives through. It joins the
     * network when the link is opened and leaves it when closed; until then a transmit request
     * to its address fails with 0x24, as for a radio that is switched off.
     *
     * @throws IllegalArgumentException for the broadcast or coordinator address, or one already in use
     */
    public Link device(long address64, int address16) {
        if (address64 == XBeeFrame.BROADCAST_ADDRESS_64 || address64 == XBeeFrame.COORDINATOR_ADDRESS_64
                || address64 == config.serialNumber()) {
            throw new IllegalArgumentException(String.format("%016X cannot be a remote device's address", address64));
        }
        if (address16 == COORDINATOR_ADDRESS_16 || address16 >= 0xFFF8) {
            throw new IllegalArgumentException(String.format("%04X is not a router or end device address", address16));
        }
        RemoteDevice device = new RemoteDevice(new RadioAddress(address64, address16));
        if (devices.putIfAbsent(address64, device) != null) {
            throw new IllegalArgumentException(String.format("a device with address %016X is already in the network",
                    address64));
        }
        return device;
    }

    /**
     * Completes when the first frame from the host arrives, on the line's reader thread: any
     * frame, though both hosts we have start with an AT command (the gateway's start-up setup,
     * the bridge's check of AP, address and NP). A fleet starts its devices then: as on a real
     * network, devices talk once the gateway is there, and no backlog of their frames waits in
     * the pty for a host that has not opened it yet.
     *
     * <p>A real radio passes its devices' packets to the UART without being asked anything; the
     * wait is the emulator's, because over a pty the host's first bytes are the only sign that
     * the other end is open. A host that never writes first would wait for ever, which is why
     * the bridge asks its radio before it forwards (as it should for a real radio too: in
     * another API mode every frame is noise, and NP can be lower than it assumes).
     */
    public CompletableFuture<Void> gatewaySeen() {
        return gatewaySeen;
    }

    /** Devices whose links are open. */
    public int devicesInNetwork() {
        return (int) devices.values().stream().filter(RemoteDevice::inNetwork).count();
    }

    /** The API mode the radio speaks now (ATAP may have changed it). */
    public ApiMode apiMode() {
        return lineMode;
    }

    public long panId() {
        return parameters.panId();
    }

    public int scanChannels() {
        return parameters.scanChannels();
    }

    public boolean coordinator() {
        return parameters.coordinator();
    }

    public String nodeIdentifier() {
        return parameters.nodeIdentifier();
    }

    /**
     * Puts {@code bytes} on the line to the gateway exactly as given, in order with the frames:
     * line noise, half frames, garbage escapes, bytes at a wrong baud rate.
     *
     * @return false when the queue was full (counted in {@link LineWriter.Counters#queueOverflows()})
     */
    public boolean injectRaw(byte[] bytes) {
        return writer.offerRaw(bytes);
    }

    /** Sends a 0x8A Modem Status, e.g. {@link ModemStatus#COORDINATOR_STARTED} as after a reset. */
    public boolean sendModemStatus(int status) {
        return writer.offer(new XBeeLineFrame(XBeeFrameCodec.encodeFrameData(new ModemStatus(status)), lineMode));
    }

    /** True when everything queued for the gateway has been written (or dropped by the impairment). */
    public boolean lineIdle() {
        return writer.pending() == 0;
    }

    public Counters counters() {
        XBeeFrameDecoder.Counters in;
        synchronized (decoderLock) {
            in = sum(retiredDecoders, decoder.counters());
        }
        return new Counters(framesFromGateway.get(), parameters.commands(), parameters.errors(),
                parameters.flashWrites(), transmitRequests.get(), broadcasts.get(), deliveredToDevices.get(),
                unknownDestination.get(), payloadTooLarge.get(), ignoredFrames.get(), deliveryFailures.get(),
                packetsFromDevices.get(), oversizedFromDevices.get(), in, writer.counters());
    }

    /** Stops the radio: what is queued is written first, then the line closes. Devices' sends then fail. */
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
                ApiMode now = lineMode;
                if (decoder.mode() != now) {
                    // ATAP was answered in the old mode; the gateway's next frame comes in the new one.
                    // Bytes after the command in the same read were still decoded in the old mode.
                    retiredDecoders = sum(retiredDecoders, decoder.counters());
                    decoder = newDecoder(now);
                }
            }
        }

        @Override
        public void onClosed(IOException cause) {
            if (cause != null && !closed) {
                LOG.warn("emulated XBee radio on {}: the line failed: {}", config.serial().path(), cause.toString());
            }
        }
    }

    private XBeeFrameDecoder newDecoder(ApiMode mode) {
        return new XBeeFrameDecoder(mode, new XBeeFrameDecoder.Listener() {
            @Override
            public void onFrame(XBeeFrame frame) {
                onGatewayFrame(frame);
            }

            @Override
            public void onMalformed(DecodeException error) {
                LOG.debug("emulated XBee radio: malformed frame from the gateway: {}", error.getMessage());
            }
        });
    }

    private void onGatewayFrame(XBeeFrame frame) {
        framesFromGateway.incrementAndGet();
        gatewaySeen.complete(null);
        if (frame instanceof AtCommand command) {
            ApiMode before = lineMode;
            AtCommandResponse response = parameters.handle(command);
            if (command.frameId() != 0 && !writer.offerUnimpaired(new XBeeLineFrame(
                    XBeeFrameCodec.encodeFrameData(response), before))) {
                LOG.debug("emulated XBee radio: line queue full, {} dropped", response);
            }
            lineMode = parameters.apiMode();
        } else if (frame instanceof TransmitRequest request) {
            transmit(request);
        } else {
            ignoredFrames.incrementAndGet();
            LOG.debug("emulated XBee radio: ignored {}", frame);
        }
    }

    private void transmit(TransmitRequest request) {
        transmitRequests.incrementAndGet();
        int frameId = request.frameId();
        if (request.rfData().length() > config.maxPayload()) {
            payloadTooLarge.incrementAndGet();
            status(frameId, XBeeFrame.UNKNOWN_ADDRESS_16, TransmitStatus.DELIVERY_PAYLOAD_TOO_LARGE);
            return;
        }
        byte[] rfData = request.rfData().toArray();
        if (request.isBroadcast()) {
            broadcasts.incrementAndGet();
            for (RemoteDevice device : devices.values()) {
                if (device.inNetwork()) {
                    device.deliver(rfData.clone());
                }
            }
            status(frameId, XBeeFrame.UNKNOWN_ADDRESS_16, TransmitStatus.DELIVERY_SUCCESS);
            return;
        }
        RemoteDevice device = devices.get(request.destination64());
        if (device == null || !device.inNetwork()) {
            unknownDestination.incrementAndGet();
            status(frameId, XBeeFrame.UNKNOWN_ADDRESS_16, TransmitStatus.DELIVERY_ADDRESS_NOT_FOUND);
            return;
        }
        device.deliver(rfData);
        status(frameId, device.address.address16(), TransmitStatus.DELIVERY_SUCCESS);
    }

    private void status(int frameId, int destination16, int delivery) {
        if (frameId != 0) {
            write(new TransmitStatus(frameId, destination16, 0, delivery, 0), lineMode);
        }
    }

    private void write(XBeeFrame frame, ApiMode mode) {
        if (!writer.offer(new XBeeLineFrame(XBeeFrameCodec.encodeFrameData(frame), mode))) {
            LOG.debug("emulated XBee radio: line queue full, {} dropped", frame);
        }
    }

    private static XBeeFrameDecoder.Counters sum(XBeeFrameDecoder.Counters a, XBeeFrameDecoder.Counters b) {
        return new XBeeFrameDecoder.Counters(a.framesDecoded() + b.framesDecoded(),
                a.bytesDiscarded() + b.bytesDiscarded(), a.badChecksums() + b.badChecksums(),
                a.oversizedFrames() + b.oversizedFrames(), a.malformedFrames() + b.malformedFrames(),
                a.abandonedFrames() + b.abandonedFrames());
    }

    // ---------------------------------------------------------------- the devices

    /** A remote radio with its device: the device's side of the link. */
    private final class RemoteDevice implements Link {
        final RadioAddress address;
        private volatile ClientRuntime runtime;
        private volatile Receiver receiver;
        private volatile boolean linkClosed;

        RemoteDevice(RadioAddress address) {
            this.address = address;
        }

        boolean inNetwork() {
            return receiver != null && !linkClosed && !closed;
        }

        @Override
        public void open(ClientRuntime deviceRuntime, Receiver packetReceiver) throws IOException {
            if (linkClosed) {
                throw new IOException("the link of " + address + " was closed");
            }
            if (closed) {
                throw new IOException("the emulated radio on " + config.serial().path() + " is closed");
            }
            this.runtime = Objects.requireNonNull(deviceRuntime, "runtime");
            this.receiver = Objects.requireNonNull(packetReceiver, "receiver");
        }

        @Override
        public void send(byte[] packet) throws IOException {
            toGateway(packet, ReceivePacket.OPTION_ACKNOWLEDGED);
        }

        /**
         * Reaches the coordinator only, flagged as a broadcast: the emulator models the network
         * from the gateway's side, where other devices' broadcasts (SEARCHGW) do not matter.
         */
        @Override
        public void broadcast(byte[] packet, int radius) throws IOException {
            toGateway(packet, ReceivePacket.OPTION_BROADCAST);
        }

        private void toGateway(byte[] packet, int options) throws IOException {
            if (!inNetwork()) {
                throw new IOException("the link of " + address + " is not open");
            }
            if (packet.length > config.maxPayload()) {
                oversizedFromDevices.incrementAndGet();
                throw new IOException("packet of " + packet.length + " bytes exceeds the radio's NP of "
                        + config.maxPayload());
            }
            ReceivePacket frame = new ReceivePacket(address.address64(), address.address16(), options,
                    Bytes.copyOf(packet));
            // A full line queue loses the frame without telling the device, as a radio's UART buffer
            // overflows: the device's retries cover it, the writer's counters show it.
            if (writer.offer(new XBeeLineFrame(XBeeFrameCodec.encodeFrameData(frame), lineMode))) {
                packetsFromDevices.incrementAndGet();
            }
        }

        /** Called on the reader thread; the device gets the packet on its runtime's thread. */
        void deliver(byte[] rfData) {
            Receiver target = receiver;
            try {
                runtime.execute(() -> {
                    if (!linkClosed) {
                        target.onPacket(rfData, selfAddress);
                    }
                });
                deliveredToDevices.incrementAndGet();
            } catch (IllegalStateException e) {
                deliveryFailures.incrementAndGet(); // the device's runtime has stopped
            }
        }

        @Override
        public int maxPacketSize() {
            return config.maxPayload();
        }

        @Override
        public void close() {
            linkClosed = true;
            devices.remove(address.address64(), this);
        }

        @Override
        public String toString() {
            return address.toString();
        }
    }
}
