package io.sngate.client.serial;

import io.sngate.client.ClientRuntime;
import io.sngate.client.Link;
import io.sngate.client.LinkAddress;
import io.sngate.client.internal.line.LineOpener;
import io.sngate.client.internal.line.MqttSnSerialPort;
import io.sngate.codec.frame.SerialFrameDecoder;
import io.sngate.hw.serial.SerialException;
import io.sngate.hw.serial.SerialSettings;
import java.io.IOException;
import java.util.Objects;

/**
 * MQTT-SN over a serial line to a gateway (or to a bridge's serial side): packets go on the line
 * back to back, delimited by their own Length field. One partner is on the line, so a
 * broadcast is an ordinary write. Packets from the line reach the client from the port's
 * {@link LinkAddress.SerialPort}.
 *
 * <pre>
 * MqttSnClient client = MqttSnClient.builder("pi-1").link(SerialLink.on("/dev/serial0", 115_200)).build();
 * </pre>
 *
 * <p>Needs hw-config (and its jSerialComm or jssc) on the class path, which a client over UDP does
 * without.
 */
public final class SerialLink implements Link {

    private final LineOpener opener;
    private final PortOptions options;
    private volatile MqttSnSerialPort port;

    /**
     * @param settings the port, its speed and its backend
     * @param options  its {@link PortOptions#maxFrameSize()} bounds the packets both ways
     */
    public SerialLink(SerialSettings settings, PortOptions options) {
        this(LineOpener.direct(settings), options);
    }

    private SerialLink(LineOpener opener, PortOptions options) {
        this.opener = Objects.requireNonNull(opener, "opener");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** 8N1 on jSerialComm, packets up to {@value SerialFrameDecoder#DEFAULT_MAX_FRAME_SIZE} bytes. */
    public static SerialLink on(String path, int baud) {
        return new SerialLink(LineOpener.direct(SerialSettings.of(path, baud)),
                PortOptions.forBaud(baud, SerialFrameDecoder.DEFAULT_MAX_FRAME_SIZE));
    }

    @Override
    public void open(ClientRuntime runtime, Receiver receiver) throws SerialException {
        LinkAddress from = new LinkAddress.SerialPort(opener.settings().path());
        port = MqttSnSerialPort.open(opener, runtime, options, frame -> receiver.onPacket(frame, from));
    }

    @Override
    public void send(byte[] packet) throws IOException {
        if (packet.length > options.maxFrameSize()) {
            throw new IOException(opener.settings().path() + ": packet of " + packet.length
                    + " bytes exceeds the line's maximum of " + options.maxFrameSize() + " bytes");
        }
        MqttSnSerialPort open = port;
        if (open == null) {
            throw new SerialException(opener.settings().path(), "the link is not open");
        }
        open.write(packet);
    }

    /** The line reaches only the one partner at its other end. */
    @Override
    public void broadcast(byte[] packet, int radius) throws IOException {
        send(packet);
    }

    @Override
    public int maxPacketSize() {
        return options.maxFrameSize();
    }

    /** The port's counters (zero before {@link #open}). */
    public LineCounters counters() {
        MqttSnSerialPort open = port;
        return open == null ? LineCounters.NONE : open.counters();
    }

    @Override
    public void close() {
        MqttSnSerialPort open = port;
        if (open != null) {
            open.close();
        }
    }
}
