package io.sngate.hw.serial;

import java.util.Objects;

/**
 * How to open one serial line: the device path and the UART parameters, plus which library
 * talks to it. Values are checked here so that every backend can rely on them.
 */
public record SerialSettings(String path, int baud, int dataBits, Parity parity, StopBits stopBits,
        FlowControl flowControl, Backend backend) {

    public enum Parity { NONE, EVEN, ODD, MARK, SPACE }

    public enum StopBits { ONE, ONE_AND_HALF, TWO }

    public enum FlowControl { NONE, RTS_CTS, XON_XOFF }

    /** The library that talks to the port; chosen per port. */
    public enum Backend { JSERIALCOMM, JSSC }

    public SerialSettings {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(parity, "parity");
        Objects.requireNonNull(stopBits, "stopBits");
        Objects.requireNonNull(flowControl, "flowControl");
        Objects.requireNonNull(backend, "backend");
        if (path.isBlank()) {
            throw new IllegalArgumentException("serial port path is empty");
        }
        if (baud <= 0) {
            throw new IllegalArgumentException("baud must be positive: " + baud);
        }
        if (dataBits < 5 || dataBits > 8) {
            throw new IllegalArgumentException("data bits must be 5..8: " + dataBits);
        }
    }

    /** 8N1 without flow control on jSerialComm: what sensor nodes and XBee radios use. */
    public static SerialSettings of(String path, int baud) {
        return new SerialSettings(path, baud, 8, Parity.NONE, StopBits.ONE, FlowControl.NONE, Backend.JSERIALCOMM);
    }

    public SerialSettings withBackend(Backend other) {
        return new SerialSettings(path, baud, dataBits, parity, stopBits, flowControl, other);
    }

    public SerialSettings withPath(String other) {
        return new SerialSettings(other, baud, dataBits, parity, stopBits, flowControl, backend);
    }

    /** E.g. {@code /dev/ttyUSB0 115200 8N1}, for logs. */
    public String describe() {
        String stop = switch (stopBits) {
            case ONE -> "1";
            case ONE_AND_HALF -> "1.5";
            case TWO -> "2";
        };
        return path + " " + baud + " " + dataBits + parity.name().charAt(0) + stop
                + (flowControl == FlowControl.NONE ? "" : " " + flowControl.name().toLowerCase().replace('_', '-'));
    }
}
