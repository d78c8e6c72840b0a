package io.sngate.device;

import io.sngate.codec.frame.SerialFrameDecoder;
import io.sngate.device.line.LineCounters;
import io.sngate.device.line.LineOpener;
import io.sngate.device.line.MqttSnSerialPort;
import io.sngate.device.line.PortOptions;
import io.sngate.hw.serial.SerialException;
import io.sngate.hw.serial.SerialSettings;
import java.io.IOException;
import java.util.Objects;

/**
 * MQTT-SN over a serial line to a gateway (or to a bridge's serial side): packets go on the line
 * back to back, delimited by their own Length field. One partner is on the line, so a
 * broadcast is an ordinary write. Packets from the line reach the client with the port's path
 * as their sender.
 *
 * <pre>
 * MqttSnClient client = MqttSnClient.open(ClientConfig.defaults("pi-1"),
 *         SerialLink.on("/dev/serial0", 115_200), runtime);
 * </pre>
 */
public final class SerialLink implements Link {

    private final LineOpener opener;
    private final PortOptions options;
    private volatile MqttSnSerialPort port;

    /** @param options its {@link PortOptions#maxFrameSize()} bounds the packets both ways */
    public SerialLink(LineOpener opener, PortOptions options) {
        this.opener = Objects.requireNonNull(opener, "opener");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** 8N1 on jSerialComm, packets up to {@value SerialFrameDecoder#DEFAULT_MAX_FRAME_SIZE} bytes. */
    public static SerialLink on(String path, int baud) {
        return new SerialLink(LineOpener.direct(SerialSettings.of(path, baud)),
                PortOptions.forBaud(baud, SerialFrameDecoder.DEFAULT_MAX_FRAME_SIZE));
    }

    @Override
    public void open(DeviceRuntime runtime, Receiver receiver) throws SerialException {
        String from = opener.settings().path();
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
