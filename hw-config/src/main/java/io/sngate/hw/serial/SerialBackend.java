package io.sngate.hw.serial;

import java.util.List;

/** One serial library behind the {@link SerialLine} interface. */
public interface SerialBackend {

    /**
     * Opens the port and starts reading into {@code listener}.
     *
     * @throws SerialException naming the path when the port is missing, busy or refuses the settings
     */
    SerialLine open(SerialSettings settings, SerialLine.Listener listener) throws SerialException;

    /** The serial ports this machine has, as the library sees them. */
    List<SerialPortInfo> listPorts();

    /** The backend for a configured kind. */
    static SerialBackend of(SerialSettings.Backend kind) {
        return switch (kind) {
            case JSERIALCOMM -> new JSerialCommBackend();
            case JSSC -> new JsscBackend();
        };
    }
}
