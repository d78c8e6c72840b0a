package io.sngate.hw.serial;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import jssc.SerialPort;
import jssc.SerialPortException;
import jssc.SerialPortList;

/**
 * Serial ports through jssc, the alternative backend ({@code backend: jssc}) for machines where
 * jSerialComm's native library misbehaves. Same contract as {@link JSerialCommBackend}: one
 * reader thread per port, {@link SerialLine.Listener#onClosed} with a cause when the port
 * disappears, a {@link SerialException} naming the path when it cannot be opened.
 *
 * <p>Why the reader polls: jssc's blocking {@code readBytes(n)} waits without a timeout and
 * cannot be woken by {@link SerialLine#close()}, and its timed read spins on the CPU. So the
 * reader asks how many bytes are waiting and reads exactly those (which never blocks); when
 * none are, it parks for a short while that grows from {@link #MIN_IDLE_WAIT_NANOS} to
 * {@link #MAX_IDLE_WAIT_NANOS} while the line stays quiet. The kernel buffers what arrives
 * meanwhile (4 KiB, about 350 ms at 115200 baud, far more than the longest wait).
 */
public final class JsscBackend implements SerialBackend {

    static final long MIN_IDLE_WAIT_NANOS = TimeUnit.MICROSECONDS.toNanos(500);
    static final long MAX_IDLE_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final int MAX_CHUNK = 4096;

    @Override
    public SerialLine open(SerialSettings settings, SerialLine.Listener listener) throws SerialException {
        String path = settings.path();
        if (!Files.exists(Path.of(path))) {
            throw new SerialException(path, "no such serial port (list the machine's ports with --list-ports)");
        }
        SerialPort port = new SerialPort(path);
        try {
            port.openPort();
        } catch (SerialPortException e) {
            throw new SerialException(path, openFailure(e), e);
        } catch (LinkageError e) {
            throw new SerialException(path, "jssc's native library does not load on this machine (" + e.getMessage()
                    + "); use backend: jserialcomm", e);
        }
        try {
            if (!port.setParams(settings.baud(), settings.dataBits(), stopBits(settings.stopBits()),
                    parity(settings.parity())) && !isPseudoTerminal(path)) {
                throw new SerialException(path, "refuses " + settings.describe() + " (unsupported baud rate?)");
            }
            if (!port.setFlowControlMode(flowControl(settings.flowControl()))) {
                throw new SerialException(path, "refuses flow control " + settings.flowControl());
            }
        } catch (SerialPortException | SerialException e) {
            closeQuietly(port);
            throw e instanceof SerialException known ? known
                    : new SerialException(path, "refuses the settings " + settings.describe() + ": " + e.getMessage(), e);
        }
        Line line = new Line(settings, port, listener);
        line.reader.start();
        return line;
    }

    /**
     * jssc's setParams applies the UART settings and then raises RTS and DTR; a pseudo-terminal
     * has no modem lines, so that last step fails and setParams answers false although the
     * settings were applied. Only there is false not a refusal (virtual radios and tests use
     * ptys; a pty has no wire, so its baud rate and framing mean nothing anyway).
     */
    private static boolean isPseudoTerminal(String path) {
        try {
            return Path.of(path).toRealPath().startsWith("/dev/pts");
        } catch (IOException e) {
            return false;
        }
    }

    private static String openFailure(SerialPortException e) {
        String type = e.getExceptionType();
        if (SerialPortException.TYPE_PORT_BUSY.equals(type)) {
            return "cannot be opened: in use by another program";
        }
        if (SerialPortException.TYPE_PERMISSION_DENIED.equals(type)) {
            return "permission denied (add the user to the 'dialout' group)";
        }
        if (SerialPortException.TYPE_PORT_NOT_FOUND.equals(type)) {
            return "no such serial port (list the machine's ports with --list-ports)";
        }
        if (SerialPortException.TYPE_INCORRECT_SERIAL_PORT.equals(type)) {
            return "is not a serial port";
        }
        return "cannot be opened: " + type;
    }

    @Override
    public List<SerialPortInfo> listPorts() {
        List<SerialPortInfo> ports = new ArrayList<>();
        for (String name : SerialPortList.getPortNames()) {
            // jssc knows only names; the kernel's driver name is the best description it offers.
            ports.add(new SerialPortInfo(name, "serial port"));
        }
        return ports;
    }

    private static void closeQuietly(SerialPort port) {
        try {
            port.closePort();
        } catch (SerialPortException e) {
            // already failing; the first error is the one worth reporting
        }
    }

    private static int stopBits(SerialSettings.StopBits stopBits) {
        return switch (stopBits) {
            case ONE -> SerialPort.STOPBITS_1;
            case ONE_AND_HALF -> SerialPort.STOPBITS_1_5;
            case TWO -> SerialPort.STOPBITS_2;
        };
    }

    private static int parity(SerialSettings.Parity parity) {
        return switch (parity) {
            case NONE -> SerialPort.PARITY_NONE;
            case EVEN -> SerialPort.PARITY_EVEN;
            case ODD -> SerialPort.PARITY_ODD;
            case MARK -> SerialPort.PARITY_MARK;
            case SPACE -> SerialPort.PARITY_SPACE;
        };
    }

    private static int flowControl(SerialSettings.FlowControl flowControl) {
        return switch (flowControl) {
            case NONE -> SerialPort.FLOWCONTROL_NONE;
            case RTS_CTS -> SerialPort.FLOWCONTROL_RTSCTS_IN | SerialPort.FLOWCONTROL_RTSCTS_OUT;
            case XON_XOFF -> SerialPort.FLOWCONTROL_XONXOFF_IN | SerialPort.FLOWCONTROL_XONXOFF_OUT;
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
            IOException cause = null;
            long idleWait = MIN_IDLE_WAIT_NANOS;
            try {
                while (!closing) {
                    int available = port.getInputBufferBytesCount();
                    if (available > 0) {
                        byte[] bytes = port.readBytes(Math.min(available, MAX_CHUNK));
                        listener.onBytes(bytes, 0, bytes.length);
                        idleWait = MIN_IDLE_WAIT_NANOS;
                    } else if (available < 0 || !Files.exists(Path.of(settings.path()))) {
                        if (!closing) {
                            cause = new SerialException(settings.path(), "the port went away (unplugged?)");
                        }
                        break;
                    } else {
                        LockSupport.parkNanos(idleWait);
                        idleWait = Math.min(idleWait * 2, MAX_IDLE_WAIT_NANOS);
                    }
                }
            } catch (SerialPortException e) {
                if (!closing) {
                    cause = new SerialException(settings.path(), "the port went away (unplugged?): "
                            + e.getExceptionType(), e);
                }
            } catch (RuntimeException e) {
                cause = new SerialException(settings.path(), "reading failed: " + e, e);
            } finally {
                synchronized (writeLock) {
                    open = false; // no write may be inside jssc while the port closes
                    closeQuietly(port);
                }
                listener.onClosed(closing ? null : cause);
            }
        }

        @Override
        public SerialSettings settings() {
            return settings;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            // jssc writes whole arrays only; copy when the caller gave a slice.
            byte[] chunk = offset == 0 && length == bytes.length ? bytes
                    : java.util.Arrays.copyOfRange(bytes, offset, offset + length);
            synchronized (writeLock) {
                if (!open) {
                    throw new SerialException(settings.path(), "the port is closed");
                }
                boolean written;
                try {
                    written = port.writeBytes(chunk);
                } catch (SerialPortException e) {
                    throw new SerialException(settings.path(), "write failed (port gone?): " + e.getExceptionType(), e);
                }
                if (!written) {
                    throw new SerialException(settings.path(), "write failed (port gone?)");
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
                LockSupport.unpark(reader);
                try {
                    reader.join(2_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
