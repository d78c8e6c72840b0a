package io.sngate.hw.config;

import io.sngate.codec.xbee.ApiMode;
import io.sngate.hw.serial.SerialSettings;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * The YAML sections {@code serial} (a list), {@code xbee} (a list) and {@code gpio}: their keys
 * with defaults and documentation (from which the README example is made), and the parser that
 * turns them into a {@link HardwareConfig}. Checks across entries: names are unique among
 * serial lines and radios, no device is configured twice (also not through a symlink), no GPIO
 * pin serves two purposes.
 */
final class HardwareSections {

    static final String SERIAL = "serial";
    static final String XBEE = "xbee";
    static final String GPIO = "gpio";

    /** The top-level keys this class reads. */
    static final List<String> SECTIONS = List.of(SERIAL, XBEE, GPIO);

    /** One key of an entry: its name, the value the README example shows, and what it means. */
    record Key(String name, String example, String doc) {
    }

    /** The UART keys that serial lines and radios share. */
    private static final List<Key> UART = List.of(
            new Key("data-bits", "8", "5 to 8, default 8"),
            new Key("parity", "none", "none|even|odd|mark|space, default none"),
            new Key("stop-bits", "1", "1|1.5|2, default 1"),
            new Key("flow-control", "none", "none|rts-cts|xon-xoff, default none"),
            new Key("backend", "jserialcomm", "serial library: jserialcomm|jssc, default jserialcomm"));

    static final List<Key> SERIAL_KEYS = concat(List.of(
            new Key("name", "sensors", "for logs; default serial0, serial1...; unique among serial and xbee"),
            new Key("port", "/dev/ttyAMA0", "required; --list-ports shows the machine's ports"),
            new Key("baud", "115200", "default 9600")), UART, List.of(
            new Key("forwarder", "false", "true: a forwarder wraps many devices' frames (0xFE encapsulation)")));

    static final List<Key> XBEE_KEYS = concat(List.of(
            new Key("name", "radio", "default xbee0, xbee1...; unique among serial and xbee"),
            new Key("port", "/dev/ttyUSB0", "required"),
            new Key("baud", "9600", "default 9600; data-bits, parity... as for serial")), UART, List.of(
            new Key("api-mode", "2", "AP: 1 or 2 (escaped), default 2; the radio must already be in API mode"),
            new Key("pan-id", "0x1234", "ID, hex or decimal, up to 64 bits; leave out to keep the radio's"),
            new Key("channel-mask", "0x7FFF", "SC, 16 bits; leave out to keep the radio's"),
            new Key("coordinator", "true", "CE; leave out to keep the radio's"),
            new Key("node-identifier", "sngate", "NI, up to 20 printable ASCII characters; leave out to keep"),
            new Key("apply-settings", "true", "write settings that differ (and WR); default false: verify, warn"),
            new Key("max-payload", "84", "largest RF payload (NP), 1 to 255, default 84; bigger is refused, not cut"),
            new Key("response-timeout-ms", "1000", "wait for each AT command response, default 1000")));

    static final List<Key> GPIO_KEYS = List.of(
            new Key("radio-reset-pin", "17", "BCM pin pulsed low to reset the XBee radio at start; none if left out"),
            new Key("reset-pulse-ms", "50", "length of that pulse, default 50"),
            new Key("status-led-pin", "27", "BCM pin of the LED: on = broker connected, blinks on traffic"));

    /** The UART keys that the README example leaves out of the xbee entry (the serial entry shows them). */
    private static final List<String> XBEE_EXAMPLE_HIDES = UART.stream().map(Key::name).toList();

    static final int DEFAULT_BAUD = 9_600;
    static final int DEFAULT_RESPONSE_TIMEOUT_MS = 1_000;
    private static final int MAX_BCM_PIN = 27;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}");

    private HardwareSections() {
    }

    @SafeVarargs
    private static List<Key> concat(List<Key>... parts) {
        List<Key> all = new ArrayList<>();
        for (List<Key> part : parts) {
            all.addAll(part);
        }
        return List.copyOf(all);
    }

    private static List<String> names(List<Key> keys) {
        return keys.stream().map(Key::name).toList();
    }

    // ------------------------------------------------------------------ parsing

    /**
     * The hardware described by the top-level values of {@code serial}, {@code xbee} and
     * {@code gpio} (each null when the file does not have it).
     */
    static HardwareConfig parse(Object serial, Object xbee, Object gpio) throws ConfigError {
        Uniqueness unique = new Uniqueness();
        List<SerialPortConfig> serialPorts = new ArrayList<>();
        List<?> serialEntries = list(SERIAL, serial);
        for (int i = 0; i < serialEntries.size(); i++) {
            serialPorts.add(serialPort(SERIAL + "[" + i + "]", i, serialEntries.get(i), unique));
        }
        List<XBeeRadioConfig> radios = new ArrayList<>();
        List<?> xbeeEntries = list(XBEE, xbee);
        for (int i = 0; i < xbeeEntries.size(); i++) {
            radios.add(radio(XBEE + "[" + i + "]", i, xbeeEntries.get(i), unique));
        }
        return new HardwareConfig(serialPorts, radios, gpio(gpio));
    }

    private static List<?> list(String section, Object raw) throws ConfigError {
        if (raw == null) {
            return List.of(); // "serial:" with nothing under it
        }
        if (!(raw instanceof List<?> entries)) {
            throw new ConfigError(section, "must be a list (each entry starts with '- '), not "
                    + YamlEntry.describe(raw));
        }
        return entries;
    }

    private static SerialPortConfig serialPort(String path, int index, Object raw, Uniqueness unique)
            throws ConfigError {
        YamlEntry entry = YamlEntry.of(path, raw, names(SERIAL_KEYS), "a serial line");
        String name = name(entry, SERIAL + index, unique);
        SerialSettings settings = uart(entry, unique);
        boolean forwarder = entry.get("forwarder", Setting.bool(), false);
        return new SerialPortConfig(name, settings, forwarder);
    }

    private static XBeeRadioConfig radio(String path, int index, Object raw, Uniqueness unique) throws ConfigError {
        YamlEntry entry = YamlEntry.of(path, raw, names(XBEE_KEYS), "an XBee radio");
        String name = name(entry, XBEE + index, unique);
        SerialSettings settings = uart(entry, unique);
        ApiMode apiMode = entry.get("api-mode", apiMode(), ApiMode.ESCAPED);
        OptionalLong panId = entry.optional("pan-id", unsigned(new BigInteger("FFFFFFFFFFFFFFFF", 16), 0))
                .map(value -> OptionalLong.of(value.longValue())).orElse(OptionalLong.empty());
        OptionalInt channelMask = entry.optional("channel-mask", unsigned(BigInteger.valueOf(0xFFFF), 1))
                .map(value -> OptionalInt.of(value.intValue())).orElse(OptionalInt.empty());
        Optional<Boolean> coordinator = entry.optional("coordinator", Setting.bool());
        Optional<String> nodeIdentifier = entry.optional("node-identifier", nodeIdentifier());
        boolean apply = entry.get("apply-settings", Setting.bool(), false);
        int maxPayload = entry.get("max-payload", Setting.intRange(1, 255), XBeeRadioConfig.DEFAULT_MAX_PAYLOAD);
        int timeout = entry.get("response-timeout-ms", Setting.intRange(10, 60_000), DEFAULT_RESPONSE_TIMEOUT_MS);
        return new XBeeRadioConfig(name, settings, apiMode, panId, channelMask, coordinator, nodeIdentifier, apply,
                maxPayload, timeout);
    }

    private static String name(YamlEntry entry, String fallback, Uniqueness unique) throws ConfigError {
        String name = entry.get("name", raw -> {
            String text = String.valueOf(raw).strip();
            if (!NAME.matcher(text).matches()) {
                throw new IllegalArgumentException("must be 1 to 32 letters, digits, '-', '_' or '.' (starting with"
                        + " a letter or digit), not '" + raw + "'");
            }
            return text;
        }, fallback);
        unique.name(entry, name);
        return name;
    }

    private static SerialSettings uart(YamlEntry entry, Uniqueness unique) throws ConfigError {
        String port = entry.required("port", raw -> {
            if (!(raw instanceof String text) || text.isBlank()) {
                throw new IllegalArgumentException("must be a device path such as /dev/ttyUSB0, not '" + raw + "'");
            }
            return text.strip();
        });
        unique.port(entry, port);
        int baud = entry.get("baud", Setting.intRange(50, 4_000_000), DEFAULT_BAUD);
        int dataBits = entry.get("data-bits", Setting.intRange(5, 8), 8);
        SerialSettings.Parity parity = entry.get("parity", dashed(SerialSettings.Parity.class),
                SerialSettings.Parity.NONE);
        SerialSettings.StopBits stopBits = entry.get("stop-bits", stopBits(), SerialSettings.StopBits.ONE);
        SerialSettings.FlowControl flow = entry.get("flow-control", dashed(SerialSettings.FlowControl.class),
                SerialSettings.FlowControl.NONE);
        SerialSettings.Backend backend = entry.get("backend", dashed(SerialSettings.Backend.class),
                SerialSettings.Backend.JSERIALCOMM);
        try {
            return new SerialSettings(port, baud, dataBits, parity, stopBits, flow, backend);
        } catch (IllegalArgumentException e) {
            throw new ConfigError(entry.path(), e.getMessage()); // the checks above should have caught it
        }
    }

    private static GpioConfig gpio(Object raw) throws ConfigError {
        if (raw == null) {
            return GpioConfig.NONE;
        }
        YamlEntry entry = YamlEntry.of(GPIO, raw, names(GPIO_KEYS), "a section");
        Setting.Parser<Integer> pin = raw2 -> {
            try {
                return Setting.intRange(0, MAX_BCM_PIN).parse(raw2);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage() + " (a BCM GPIO number)");
            }
        };
        Optional<Integer> reset = entry.optional("radio-reset-pin", pin);
        int pulse = entry.get("reset-pulse-ms", Setting.intRange(1, 10_000), GpioConfig.NONE.resetPulseMillis());
        Optional<Integer> led = entry.optional("status-led-pin", pin);
        if (reset.isPresent() && reset.equals(led)) {
            throw new ConfigError(entry.key("status-led-pin"), "BCM " + led.get() + " is already "
                    + entry.key("radio-reset-pin"));
        }
        return new GpioConfig(reset.map(OptionalInt::of).orElse(OptionalInt.empty()), pulse,
                led.map(OptionalInt::of).orElse(OptionalInt.empty()));
    }

    // ------------------------------------------------------------------ value parsers

    /** An enum written in lower case with dashes: {@code rts-cts} for {@code RTS_CTS}. */
    private static <E extends Enum<E>> Setting.Parser<E> dashed(Class<E> type) {
        return raw -> {
            String text = String.valueOf(raw).strip().toLowerCase(java.util.Locale.ROOT);
            StringBuilder allowed = new StringBuilder();
            for (E constant : type.getEnumConstants()) {
                String spelled = constant.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
                if (spelled.equals(text)) {
                    return constant;
                }
                allowed.append(allowed.length() == 0 ? "" : "|").append(spelled);
            }
            throw new IllegalArgumentException("must be one of " + allowed + ", not '" + raw + "'");
        };
    }

    private static Setting.Parser<SerialSettings.StopBits> stopBits() {
        return raw -> switch (String.valueOf(raw).strip()) {
            case "1", "1.0" -> SerialSettings.StopBits.ONE;
            case "1.5" -> SerialSettings.StopBits.ONE_AND_HALF;
            case "2", "2.0" -> SerialSettings.StopBits.TWO;
            default -> throw new IllegalArgumentException("must be 1, 1.5 or 2, not '" + raw + "'");
        };
    }

    private static Setting.Parser<ApiMode> apiMode() {
        return raw -> {
            String text = String.valueOf(raw).strip();
            for (ApiMode mode : ApiMode.values()) {
                if (text.equals(String.valueOf(mode.apParameter()))) {
                    return mode;
                }
            }
            String why = text.equals("0") ? " (AP=0 is transparent mode, which has no API frames)" : "";
            throw new IllegalArgumentException("must be 1 or 2, not '" + raw + "'" + why);
        };
    }

    /**
     * An unsigned number from {@code min} to {@code max}, written in decimal or as {@code 0x} hex
     * (YAML already turns an unquoted {@code 0x1234} into a number; a quoted one arrives as text).
     */
    private static Setting.Parser<BigInteger> unsigned(BigInteger max, long min) {
        String range = "from " + min + " to 0x" + max.toString(16).toUpperCase(java.util.Locale.ROOT);
        return raw -> {
            BigInteger value;
            if (raw instanceof Integer || raw instanceof Long || raw instanceof BigInteger) {
                value = new BigInteger(raw.toString());
            } else {
                String text = String.valueOf(raw).strip().replace("_", "");
                try {
                    value = text.startsWith("0x") || text.startsWith("0X")
                            ? new BigInteger(text.substring(2), 16) : new BigInteger(text);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("must be a number " + range + " (decimal or 0x hex), not '"
                            + raw + "'");
                }
            }
            if (value.compareTo(BigInteger.valueOf(min)) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException("must be " + range + ", not " + raw);
            }
            return value;
        };
    }

    /** NI: what the radio accepts (printable ASCII, at most 20, not starting with a space). */
    private static Setting.Parser<String> nodeIdentifier() {
        return raw -> {
            String text = String.valueOf(raw);
            if (text.isEmpty() || text.length() > 20) {
                throw new IllegalArgumentException("must be 1 to 20 characters, not " + text.length());
            }
            if (text.startsWith(" ")) {
                throw new IllegalArgumentException("must not start with a space (the radio refuses it)");
            }
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c < 0x20 || c > 0x7E) {
                    throw new IllegalArgumentException("must be printable ASCII; character " + (i + 1) + " is not");
                }
            }
            return text;
        };
    }

    // ------------------------------------------------------------------ checks across entries

    /** Names and devices already taken, to refuse the second user with the first one's key. */
    private static final class Uniqueness {
        private final Map<String, String> names = new HashMap<>();
        private final Map<Path, String> devices = new HashMap<>();

        void name(YamlEntry entry, String name) throws ConfigError {
            String other = names.putIfAbsent(name, entry.path());
            if (other != null) {
                throw new ConfigError(entry.key("name"), "'" + name + "' is already the name of " + other
                        + (entry.has("name") ? "" : " (the default name of this entry; give it another)"));
            }
        }

        void port(YamlEntry entry, String port) throws ConfigError {
            Path device;
            try {
                device = device(port);
            } catch (InvalidPathException e) {
                throw new ConfigError(entry.key("port"), "'" + port + "' is not a path: " + e.getReason());
            }
            String other = devices.putIfAbsent(device, entry.key("port"));
            if (other != null) {
                throw new ConfigError(entry.key("port"), "'" + port + "' is the device of " + other
                        + " already; one device can serve only one entry");
            }
        }

        /** Where a port path leads: through symlinks when it exists, so an alias is caught too. */
        private static Path device(String port) {
            Path path = Path.of(port).toAbsolutePath().normalize();
            if (Files.exists(path)) {
                try {
                    return path.toRealPath();
                } catch (IOException e) {
                    return path; // unreadable link: compare by name
                }
            }
            return path;
        }
    }

    // ------------------------------------------------------------------ README example

    /**
     * The three sections filled with example values, each key with its meaning: valid YAML that
     * {@link #parse} accepts. The README shows it commented out, so a bare start serves UDP only.
     */
    static String example() {
        StringBuilder yaml = new StringBuilder();
        yaml.append(SERIAL).append(":  # serial lines; each carries one device, or many behind a forwarder\n");
        listEntry(yaml, SERIAL_KEYS, List.of());
        yaml.append(XBEE).append(":  # XBee (Zigbee) radios in API mode\n");
        listEntry(yaml, XBEE_KEYS, XBEE_EXAMPLE_HIDES);
        yaml.append(GPIO).append(":  # Raspberry Pi GPIO through pi4j\n");
        for (Key key : GPIO_KEYS) {
            line(yaml, "  " + key.name() + ": " + key.example(), key.doc());
        }
        return yaml.toString();
    }

    private static void listEntry(StringBuilder yaml, List<Key> keys, List<String> hidden) {
        boolean first = true;
        for (Key key : keys) {
            if (hidden.contains(key.name())) {
                continue;
            }
            line(yaml, (first ? "  - " : "    ") + key.name() + ": " + key.example(), key.doc());
            first = false;
        }
    }

    private static void line(StringBuilder yaml, String keyAndValue, String doc) {
        yaml.append(keyAndValue).append(" ".repeat(Math.max(1, 30 - keyAndValue.length())))
                .append("# ").append(doc).append('\n');
    }

    /** The keys of each section, for tests and documentation. */
    static Map<String, List<Key>> keys() {
        Map<String, List<Key>> all = new LinkedHashMap<>();
        all.put(SERIAL, SERIAL_KEYS);
        all.put(XBEE, XBEE_KEYS);
        all.put(GPIO, GPIO_KEYS);
        return all;
    }
}
