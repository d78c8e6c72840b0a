package io.sngate.client.serial;

import io.sngate.client.ClientRuntime;
import io.sngate.client.Link;
import io.sngate.client.XBeeAddress;
import io.sngate.client.internal.line.LineOpener;
import io.sngate.client.internal.line.XBeePort;
import io.sngate.codec.Bytes;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.codec.xbee.XBeeFrame.ModemStatus;
import io.sngate.codec.xbee.XBeeFrame.ReceivePacket;
import io.sngate.codec.xbee.XBeeFrame.TransmitRequest;
import io.sngate.codec.xbee.XBeeFrame.TransmitStatus;
import io.sngate.codec.xbee.XBeeFrame;
import io.sngate.codec.xbee.XBeeFrameDecoder;
import io.sngate.hw.config.XBeeRadioConfig;
import io.sngate.hw.serial.SerialException;
import io.sngate.hw.serial.SerialSettings;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MQTT-SN through the device's own XBee radio in API mode: each packet is the RF data of one
 * 0x10 Transmit Request to the gateway's radio (by default the coordinator), each 0x90 Receive
 * Packet gives its RF data to the client with the sender's {@link XBeeAddress}. A broadcast is
 * a broadcast Transmit Request with the MQTT-SN radius as its hop limit.
 *
 * <pre>
 * MqttSnClient client = MqttSnClient.builder("pi-1").link(XBeeLink.on("/dev/ttyUSB0", 9_600, ApiMode.ESCAPED)).build();
 * </pre>
 *
 * <p>A packet larger than the radio's RF payload is refused with an {@link IOException}, never
 * cut. Failed deliveries reported by 0x8B Transmit Status are counted
 * ({@link #transmitFailures()}); the client's retransmissions cover them.
 *
 * <p>Needs hw-config (and its jSerialComm or jssc) on the class path, which a client over UDP does
 * without.
 */
public final class XBeeLink implements Link {

    private static final Logger LOG = LoggerFactory.getLogger(XBeeLink.class);

    /**
     * @param mode       the radio's AP setting
     * @param gateway    the gateway's radio ({@link XBeeAddress#COORDINATOR} for the coordinator)
     * @param maxPayload the largest RF payload the radio sends in one frame (its NP)
     */
    public record Options(ApiMode mode, XBeeAddress gateway, int maxPayload) {
        /** Checks the mode, the gateway's radio and the payload bound; a bad one fails naming it. */
        public Options {
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(gateway, "gateway");
            if (maxPayload < 2 || maxPayload > XBeeFrameDecoder.DEFAULT_MAX_FRAME_DATA_LENGTH) {
                throw new IllegalArgumentException("maxPayload must be 2.."
                        + XBeeFrameDecoder.DEFAULT_MAX_FRAME_DATA_LENGTH + ": " + maxPayload);
            }
        }

        /** To the coordinator, with the RF payload of an XBee 3 Zigbee radio. */
        public static Options coordinator(ApiMode mode) {
            return new Options(mode, XBeeAddress.COORDINATOR, XBeeRadioConfig.DEFAULT_MAX_PAYLOAD);
        }
    }

    private final LineOpener opener;
    private final Options options;
    private final PortOptions portOptions;
    private final AtomicLong transmitFailures = new AtomicLong();
    private final AtomicLong ignoredFrames = new AtomicLong();
    private volatile XBeePort port;
    private Receiver receiver;

    /**
     * @param settings    the radio's port, its speed and its backend
     * @param options     the radio's API mode, the gateway's radio and the RF payload
     * @param portOptions the serial port's bounds
     */
    public XBeeLink(SerialSettings settings, Options options, PortOptions portOptions) {
        this(LineOpener.direct(settings), options, portOptions);
    }

    private XBeeLink(LineOpener opener, Options options, PortOptions portOptions) {
        this.opener = Objects.requireNonNull(opener, "opener");
        this.options = Objects.requireNonNull(options, "options");
        this.portOptions = Objects.requireNonNull(portOptions, "portOptions");
    }

    /** The radio on {@code path} (8N1, jSerialComm), talking to the coordinator. */
    public static XBeeLink on(String path, int baud, ApiMode mode) {
        return new XBeeLink(LineOpener.direct(SerialSettings.of(path, baud)), Options.coordinator(mode),
                PortOptions.forBaud(baud, XBeeFrameDecoder.DEFAULT_MAX_FRAME_DATA_LENGTH));
    }

    @Override
    public void open(ClientRuntime runtime, Receiver receiver) throws SerialException {
        this.receiver = receiver;
        port = XBeePort.open(opener, options.mode(), runtime, portOptions, this::onFrame);
    }

    /** On the runtime thread. */
    private void onFrame(XBeeFrame frame) {
        if (frame instanceof ReceivePacket packet) {
            receiver.onPacket(packet.rfData().toArray(), new XBeeAddress(packet.source64()));
        } else if (frame instanceof TransmitStatus status) {
            if (!status.delivered()) {
                long failures = transmitFailures.incrementAndGet();
                LOG.debug("{}: transmission {} failed with delivery status 0x{} ({} failures so far)",
                        opener.settings().path(), status.frameId(), Integer.toHexString(status.deliveryStatus()),
                        failures);
            }
        } else if (frame instanceof ModemStatus modem) {
            LOG.debug("{}: radio modem status 0x{}", opener.settings().path(), Integer.toHexString(modem.status()));
        } else {
            ignoredFrames.incrementAndGet();
            LOG.debug("{}: ignored API frame {}", opener.settings().path(), frame);
        }
    }

    @Override
    public void send(byte[] packet) throws IOException {
        XBeePort open = checkedPort(packet);
        open.write(TransmitRequest.unicast(open.nextFrameId(), options.gateway().address64(), Bytes.wrap(packet)));
    }

    /** A broadcast Transmit Request; {@code radius} is its hop limit (0: the network's maximum). */
    @Override
    public void broadcast(byte[] packet, int radius) throws IOException {
        XBeePort open = checkedPort(packet);
        int hops = Math.max(0, Math.min(radius, 0xFF));
        open.write(new TransmitRequest(open.nextFrameId(), XBeeFrame.BROADCAST_ADDRESS_64,
                XBeeFrame.UNKNOWN_ADDRESS_16, hops, 0, Bytes.wrap(packet)));
    }

    private XBeePort checkedPort(byte[] packet) throws IOException {
        if (packet.length > options.maxPayload()) {
            throw new IOException(opener.settings().path() + ": packet of " + packet.length
                    + " bytes exceeds the radio's maximum RF payload of " + options.maxPayload() + " bytes");
        }
        XBeePort open = port;
        if (open == null) {
            throw new SerialException(opener.settings().path(), "the link is not open");
        }
        return open;
    }

    @Override
    public int maxPacketSize() {
        return options.maxPayload();
    }

    /** Transmit Status frames that reported a failed delivery. */
    public long transmitFailures() {
        return transmitFailures.get();
    }

    /** API frames other than Receive Packet, Transmit Status and Modem Status (skipped). */
    public long ignoredFrames() {
        return ignoredFrames.get();
    }

    /** The serial port's counters (zero before {@link #open}). */
    public LineCounters counters() {
        XBeePort open = port;
        return open == null ? LineCounters.NONE : open.counters();
    }

    @Override
    public void close() {
        XBeePort open = port;
        if (open != null) {
            open.close();
        }
    }
}
