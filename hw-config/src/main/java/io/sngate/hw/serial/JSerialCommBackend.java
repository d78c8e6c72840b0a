package io.sngate.hw.serial;

import com.fazecast.jSerialComm.SerialPort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Serial ports through jSerialComm, the default backend. */
public final class JSerialCommBackend implements SerialBackend {

    /** How long one read waits for a byte; bounds how quickly close() stops the reader. */
    private static final int READ_TIMEOUT_MS = 100;

    @Override
    public SerialLine open(SerialSettings settings, SerialLine.Listener listener) throws SerialException {
        String path = settings.path();
        if (!Files.exists(Path.of(path))) {
            throw new SerialException(path, "no such serial port (list the machine's ports with --list-ports)");
        }
        SerialPort port;
        try {
            port = SerialPort.getCommPort(path);
        } catch (RuntimeException e) {
            throw new SerialException(path, "cannot be used as a serial port: " + e.getMessage(), e);
        }
        port.setComPortParameters(settings.baud(), settings.dataBits(), stopBits(settings.stopBits()),
                parity(settings.parity()));
        port.setFlowControl(flowControl(settings.flowControl()));
        port.setComPortTimeouts(SerialPort.TIMEOUT_READ_SEMI_BLOCKING, READ_TIMEOUT_MS, 0);
        if (!port.openPort()) {
            String reason = Files.isReadable(Path.of(path)) && Files.isWritable(Path.of(path))
                    ? "cannot be opened (in use by another program?), error " + port.getLastErrorCode()
                    : "permission denied (add the user to the 'dialout' group)";
            throw new SerialException(path, reason);
        }
        Line line = new Line(settings, port, listener);
        line.reader.start();
        return line;
    }

    @Override
    public List<SerialPortInfo> listPorts() {
        List<SerialPortInfo> ports = new ArrayList<>();
        for (SerialPort port : SerialPort.getCommPorts()) {
            ports.add(new SerialPortInfo(port.getSystemPortPath(), port.getPortDescription()));
        }
        return ports;
    }

    private static int stopBits(SerialSettings.StopBits stopBits) {
        return switch (stopBits) {
            case ONE -> SerialPort.ONE_STOP_BIT;
            case ONE_AND_HALF -> SerialPort.ONE_POINT_FIVE_STOP_BITS;
            case TWO -> SerialPort.TWO_STOP_BITS;
        };
    }

    private static int parity(SerialSettings.Parity parity) {
        return switch (parity) {
            case NONE -> SerialPort.NO_PARITY;
            case EVEN -> SerialPort.EVEN_PARITY;
            case ODD -> SerialPort.ODD_PARITY;
            case MARK -> SerialPort.MARK_PARITY;
            case SPACE -> SerialPort.SPACE_PARITY;
        };
    }

    private static int flowControl(SerialSettings.FlowControl flowControl) {
        return switch (flowControl) {
            case NONE -> SerialPort.FLOW_CONTROL_DISABLED;
            case RTS_CTS -> SerialPort.FLOW_CONTROL_RTS_ENABLED | SerialPort.FLOW_CONTROL_CTS_ENABLED;
            case XON_XOFF -> SerialPort.FLOW_CONTROL_XONXOFF_IN_ENABLED | SerialPort.FLOW_CONTROL_XONXOFF_OUT_ENABLED;
        };
    }

    private static final class Line implements SerialLine {
        private final SerialSettings settings;
        private final SerialPort port;
        private final SerialLine.Listener listener;
        private final Thread reader;
        private final Object writeLock = new Object();
        private volatile boolean closing;
        private volatile boolean open = true;

        Line(SerialSettings settings, SerialPort port, SerialLine.Listener listener) {
            this.settings = settings;
            this.port = port;
            this.listener = listener;
            this.reader = new Thread(this::read, "serial-" + Path.of(settings.path()).getFileName());
            this.reader.setDaemon(true);
        }

        private void read() {
            byte[] buffer = new byte[1024];
            IOException cause = null;
            try {
                while (!closing) {
                    int n = port.readBytes(buffer, buffer.length);
                    if (n < 0 || (n == 0 && !stillThere())) {
                        if (!closing) {
                            cause = new SerialException(settings.path(), "the port went away (unplugged?)");
                        }
                        break;
                    }
                    if (n > 0) {
                        listener.onBytes(buffer, 0, n);
                    }
                }
            } catch (RuntimeException e) {
                cause = new SerialException(settings.path(), "reading failed: " + e, e);
            } finally {
                open = false;
                port.closePort();
                listener.onClosed(closing ? null : cause);
            }
        }

        /** A read timeout on a port whose device node vanished must end the reader. */
        private boolean stillThere() {
            return port.bytesAvailable() >= 0 && Files.exists(Path.of(settings.path()));
        }

        @Override
        public SerialSettings settings() {
            return settings;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            synchronized (writeLock) {
                int done = 0;
                while (done < length) {
                    if (!open) {
                        throw new SerialException(settings.path(), "the port is closed");
                    }
                    int n = port.writeBytes(bytes, length - done, offset + done);
                    if (n < 0) {
                        throw new SerialException(settings.path(), "write failed (port gone?), error "
                                + port.getLastErrorCode());
                    }
                    done += n;
                }
            }
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            closing = true;
            if (Thread.currentThread() != reader) {
                try {
                    reader.join(2_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
