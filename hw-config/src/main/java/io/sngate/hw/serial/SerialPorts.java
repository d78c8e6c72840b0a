package io.sngate.hw.serial;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code --list-ports} prints: the machine's serial ports as the default backend sees
 * them, one {@code PATH  DESCRIPTION} per line, sorted by path, so the user can copy a path
 * into the {@code serial} or {@code xbee} section.
 */
public final class SerialPorts {

    /** The single line printed when the machine has no serial port. */
    public static final String NONE = "no serial ports found (a USB adapter shows up as /dev/ttyUSB* or /dev/ttyACM*"
            + " once plugged in; a Raspberry Pi's UART is /dev/serial0 when enabled)";

    private SerialPorts() {
    }

    /** The listing through the default backend (jSerialComm). */
    public static List<String> list() {
        return format(SerialBackend.of(SerialSettings.Backend.JSERIALCOMM).listPorts());
    }

    /** One line per port, sorted by path, each path once; {@link #NONE} alone when empty. */
    public static List<String> format(List<SerialPortInfo> ports) {
        Map<String, String> byPath = new TreeMap<>(Comparator.naturalOrder());
        for (SerialPortInfo port : ports) {
            String description = port.description() == null ? "" : port.description().strip();
            byPath.merge(port.path(), description, (first, second) -> first.isEmpty() ? second : first);
        }
        if (byPath.isEmpty()) {
            return List.of(NONE);
        }
        int width = byPath.keySet().stream().mapToInt(String::length).max().orElse(0);
        return byPath.entrySet().stream()
                .map(e -> e.getValue().isEmpty() ? e.getKey()
                        : String.format("%-" + width + "s  %s", e.getKey(), e.getValue()))
                .toList();
    }
}
