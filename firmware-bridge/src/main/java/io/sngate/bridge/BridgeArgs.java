package io.sngate.bridge;

import io.sngate.codec.Bytes;
import io.sngate.codec.frame.ForwarderEncapsulation;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.hw.config.XBeeRadioConfig;
import io.sngate.hw.serial.SerialSettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.nio.file.Path;
import io.sngate.device.DtlsCredentials;
import io.sngate.device.DtlsCredentialsException;
import io.sngate.device.PskFile;

/**
 * The bridge's command line, parsed into a {@link BridgeConfig}. Every mistake is a
 * {@link UsageException} naming the flag; {@code --flag value} and {@code --flag=value} both work.
 */
public final class BridgeArgs {

    public static final String DEFAULT_GATEWAY = "127.0.0.1:1883";
    public static final int DEFAULT_SERIAL_BAUD = 115_200;
    public static final int DEFAULT_XBEE_BAUD = 9_600;
    public static final long DEFAULT_STATS_SECONDS = 60;

    /** The {@code --serial} option of a line with a forwarder on it. */
    static final String FORWARDER = "forwarder";

    static final String USAGE = """
            usage: java -jar sngate-bridge.jar [options] (--serial PORT... | --xbee PORT...)
            Forwards MQTT-SN devices on serial lines and XBee radios to a UDP MQTT-SN gateway
            (MQTT-SN 1.2 forwarder encapsulation: each device is known to the gateway by its node id).
              --gateway HOST:PORT    the gateway (default 127.0.0.1:1883)
              --serial PATH[:BAUD][:node=HEX]
                                     a microcontroller speaking MQTT-SN on a serial line, one device per
                                     line; BAUD defaults to 115200; node is its wireless node id in hex
                                     (default: the line's number from 1, one byte: 01, 02, ...); repeatable
              --serial PATH[:BAUD]:forwarder
                                     a forwarder on the line (a microcontroller with its own radio) whose
                                     frames are already encapsulated with their nodes' ids: relayed as
                                     they are, the gateway's replies routed back by node id
              --xbee PATH[:BAUD][:ap=1|2][:max-payload=N]
                                     an XBee coordinator radio in API mode, its remote radios being the
                                     devices (node id: their 64-bit address); BAUD defaults to 9600, ap to 2,
                                     max-payload (the radio's NP) to 84; repeatable
              --backend jserialcomm|jssc
                                     the serial library for every port (default jserialcomm)
              --bind HOST:PORT       the bridge's UDP address (default: any address, any port)
              --dtls                 DTLS 1.2 to the gateway (--gateway is then its DTLS port), with a PSK
                                     or certificates:
              --psk-identity ID      the bridge's PSK identity (with --psk-hex, or picking a --psk-file line)
              --psk-hex HEX          its key, hex
              --psk-file FILE        lines identity,hexkey: the line of --psk-identity, else the first
              --cafile FILE          CA certificate(s), PEM, the gateway's certificate must chain to
              --cert FILE            the bridge's certificate, PEM (with --cafile)
              --key FILE             its private key, unencrypted PKCS#8 PEM (with --cert)
              --stats-interval SECONDS
                                     log the counters at INFO this often (default 60; 0: only at exit)
              --log-level LEVEL      error|warn|info|debug|trace (default: SNGATE_LOG_LEVEL, else info)
              --list-ports           print the machine's serial ports
              --version              print the version
              --help                 print this help
            Once forwarding it prints "sngate bridge ready gateway=HOST:PORT lines=N" on stdout, N counting
            serial lines and radios; logs go to stderr. SIGTERM or Ctrl-C stops it.
            """;

    private BridgeArgs() {
    }

    public static BridgeConfig parse(List<String> args) throws UsageException {
        String gateway = DEFAULT_GATEWAY;
        String bind = null;
        SerialSettings.Backend backend = SerialSettings.Backend.JSERIALCOMM;
        long statsSeconds = DEFAULT_STATS_SECONDS;
        List<String> serial = new ArrayList<>();
        List<String> xbee = new ArrayList<>();
        boolean dtls = false;
        java.util.Map<String, String> credentials = new java.util.HashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String flag = arg;
            String value = null;
            int equals = arg.indexOf('=');
            if (arg.startsWith("--") && equals > 0) {
                flag = arg.substring(0, equals);
                value = arg.substring(equals + 1);
            }
            if (flag.equals("--dtls")) {
                dtls = true;
                continue;
            }
            switch (flag) {
                case "--gateway", "--bind", "--serial", "--xbee", "--backend", "--stats-interval", "--psk-identity",
                     "--psk-hex", "--psk-file", "--cafile", "--cert", "--key" -> {
                    if (value == null) {
                        if (i + 1 >= args.size()) {
                            throw new UsageException(flag, "needs a value");
                        }
                        value = args.get(++i);
                    }
                }
                default -> throw new UsageException(arg, arg.startsWith("-") ? "unknown flag (see --help)"
                        : "unexpected argument (ports are given with --serial or --xbee)");
            }
            switch (flag) {
                case "--gateway" -> gateway = value;
                case "--bind" -> bind = value;
                case "--serial" -> serial.add(value);
                case "--xbee" -> xbee.add(value);
                case "--backend" -> backend = backend(value);
                case "--stats-interval" -> statsSeconds = number("--stats-interval", value, 0, 86_400);
                case "--psk-identity", "--psk-hex", "--psk-file", "--cafile", "--cert", "--key" ->
                        credentials.put(flag, value);
                default -> throw new IllegalStateException(flag);
            }
        }
        if (serial.isEmpty() && xbee.isEmpty()) {
            throw new UsageException("--serial", "no device side: give at least one --serial or --xbee port");
        }
        InetSocketAddress gatewayAddress = address("--gateway", gateway);
        InetSocketAddress bindAddress = bind != null ? address("--bind", bind)
                : new InetSocketAddress(gatewayAddress.getAddress().isLoopbackAddress()
                        ? gatewayAddress.getAddress() : null, 0);
        List<BridgeConfig.SerialLineSpec> lines = new ArrayList<>();
        for (int i = 0; i < serial.size(); i++) {
            lines.add(serialLine(serial.get(i), i, backend, lines));
        }
        List<BridgeConfig.RadioSpec> radios = new ArrayList<>();
        for (String spec : xbee) {
            radios.add(radio(spec, backend));
        }
        for (BridgeConfig.SerialLineSpec line : lines) {
            if (!radios.isEmpty() && line.nodeId().length() == ForwarderConfig.XBEE_NODE_ID_LENGTH) {
                throw new UsageException("--serial", line.settings().path() + ": node id " + line.nodeId().toHex()
                        + " has 8 bytes, the length of an XBee device's address; use another length");
            }
        }
        return new BridgeConfig(gatewayAddress, bindAddress, lines, radios, statsSeconds * 1000,
                dtlsCredentials(dtls, credentials));
    }

    /** The DTLS flags, checked and read into credentials: the same flags and rules as sngate-sim's. */
    static Optional<DtlsCredentials> dtlsCredentials(boolean dtls, Map<String, String> given) throws UsageException {
        if (!dtls) {
            if (!given.isEmpty()) {
                String flag = given.keySet().stream().sorted().findFirst().orElseThrow();
                throw new UsageException(flag, "needs --dtls");
            }
            return Optional.empty();
        }
        boolean psk = given.containsKey("--psk-identity") || given.containsKey("--psk-hex")
                || given.containsKey("--psk-file");
        boolean certificates = given.containsKey("--cafile") || given.containsKey("--cert") || given.containsKey("--key");
        if (psk && certificates) {
            throw new UsageException("--dtls", "give a PSK (--psk-identity, --psk-hex, --psk-file) or certificates "
                    + "(--cafile, --cert, --key), not both");
        }
        if (!psk && !certificates) {
            throw new UsageException("--dtls", "needs a PSK (--psk-identity ID with --psk-hex HEX or --psk-file FILE) "
                    + "or --cafile FILE");
        }
        try {
            if (psk) {
                String identity = given.get("--psk-identity");
                if (given.containsKey("--psk-hex")) {
                    if (given.containsKey("--psk-file")) {
                        throw new UsageException("--psk-hex", "give --psk-hex or --psk-file, not both");
                    }
                    if (identity == null) {
                        throw new UsageException("--psk-hex", "needs --psk-identity ID");
                    }
                    return Optional.of(DtlsCredentials.pskHex(identity, given.get("--psk-hex"), "--psk-hex"));
                }
                if (!given.containsKey("--psk-file")) {
                    throw new UsageException("--psk-identity", "needs --psk-hex HEX or --psk-file FILE");
                }
                PskFile file = PskFile.load(Path.of(given.get("--psk-file")));
                return Optional.of(identity != null ? file.require(identity) : file.first());
            }
            if (!given.containsKey("--cafile")) {
                throw new UsageException(given.containsKey("--cert") ? "--cert" : "--key", "needs --cafile FILE");
            }
            if (given.containsKey("--key") != given.containsKey("--cert")) {
                throw new UsageException(given.containsKey("--key") ? "--key" : "--cert",
                        given.containsKey("--key") ? "needs --cert FILE" : "needs --key FILE");
            }
            return Optional.of(DtlsCredentials.certificates(Path.of(given.get("--cafile")),
                    Optional.ofNullable(given.get("--cert")).map(Path::of),
                    Optional.ofNullable(given.get("--key")).map(Path::of)));
        } catch (DtlsCredentialsException e) {
            String flag = flagOf(e.source());
            String message = e.getMessage();
            throw new UsageException(flag, message.startsWith(flag + ": ") ? message.substring(flag.length() + 2) : message);
        } catch (java.nio.file.InvalidPathException e) {
            throw new UsageException("--dtls", "not a path: " + e.getInput());
        }
    }

    /** The flag a credentials error came from: its source when that is a flag, else --dtls. */
    private static String flagOf(String source) {
        return source.startsWith("--") ? source : "--dtls";
    }

    private static SerialSettings.Backend backend(String value) throws UsageException {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "jserialcomm" -> SerialSettings.Backend.JSERIALCOMM;
            case "jssc" -> SerialSettings.Backend.JSSC;
            default -> throw new UsageException("--backend", "'" + value + "' is not jserialcomm or jssc");
        };
    }

    private static BridgeConfig.SerialLineSpec serialLine(String spec, int index, SerialSettings.Backend backend,
                                                           List<BridgeConfig.SerialLineSpec> earlier)
            throws UsageException {
        String flag = "--serial " + spec;
        PortSpec port = PortSpec.parse(flag, spec, DEFAULT_SERIAL_BAUD);
        Bytes nodeId = ForwarderConfig.defaultSerialNodeId(index);
        boolean nodeGiven = false;
        boolean forwarder = false;
        for (String[] option : port.options()) {
            switch (option[0]) {
                case "node" -> {
                    nodeId = nodeId(flag, option[1]);
                    nodeGiven = true;
                }
                case FORWARDER -> forwarder = true;
                default -> throw new UsageException(flag, "unknown option '" + option[0]
                        + "' (a serial line takes node=HEX, or forwarder)");
            }
        }
        if (forwarder && nodeGiven) {
            throw new UsageException(flag, "node= and forwarder exclude each other: a forwarder has no node id of"
                    + " its own, its frames carry their nodes' ids");
        }
        if (forwarder) {
            nodeId = Bytes.EMPTY;
        }
        for (BridgeConfig.SerialLineSpec other : earlier) {
            if (!forwarder && other.nodeId().equals(nodeId)) {
                throw new UsageException(flag, "node id " + nodeId.toHex() + " is already used by "
                        + other.settings().path());
            }
            if (other.settings().path().equals(port.path())) {
                throw new UsageException(flag, "port " + port.path() + " is given twice");
            }
        }
        SerialSettings settings = SerialSettings.of(port.path(), port.baud()).withBackend(backend);
        return forwarder ? BridgeConfig.SerialLineSpec.forwarder(settings)
                : new BridgeConfig.SerialLineSpec(settings, nodeId);
    }

    private static BridgeConfig.RadioSpec radio(String spec, SerialSettings.Backend backend) throws UsageException {
        String flag = "--xbee " + spec;
        PortSpec port = PortSpec.parse(flag, spec, DEFAULT_XBEE_BAUD);
        ApiMode mode = ApiMode.ESCAPED;
        int maxPayload = XBeeRadioConfig.DEFAULT_MAX_PAYLOAD;
        for (String[] option : port.options()) {
            switch (option[0]) {
                case "ap" -> {
                    int ap = (int) number(flag, option[1], 0, 9);
                    try {
                        mode = ApiMode.fromApParameter(ap);
                    } catch (IllegalArgumentException e) {
                        throw new UsageException(flag, e.getMessage());
                    }
                }
                case "max-payload" -> maxPayload = (int) number(flag, option[1], 2, 255);
                default -> throw new UsageException(flag, "unknown option '" + option[0]
                        + "' (an XBee radio takes ap=1|2 and max-payload=N)");
            }
        }
        return new BridgeConfig.RadioSpec(SerialSettings.of(port.path(), port.baud()).withBackend(backend), mode,
                maxPayload);
    }

    private static Bytes nodeId(String flag, String hex) throws UsageException {
        String digits = hex.startsWith("0x") || hex.startsWith("0X") ? hex.substring(2) : hex;
        if (digits.isEmpty() || digits.length() % 2 != 0) {
            throw new UsageException(flag, "node id '" + hex + "' must be an even number of hex digits, e.g. 01");
        }
        byte[] id;
        try {
            id = HexFormat.of().parseHex(digits);
        } catch (IllegalArgumentException e) {
            throw new UsageException(flag, "node id '" + hex + "' is not hexadecimal");
        }
        if (id.length > ForwarderEncapsulation.MAX_NODE_ID_LENGTH) {
            throw new UsageException(flag, "node id of " + id.length + " bytes is longer than the "
                    + ForwarderEncapsulation.MAX_NODE_ID_LENGTH + " the encapsulation allows");
        }
        return Bytes.wrap(id);
    }

    static long number(String flag, String value, long min, long max) throws UsageException {
        long n;
        try {
            n = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(flag, "'" + value + "' is not a number");
        }
        if (n < min || n > max) {
            throw new UsageException(flag, n + " is outside " + min + ".." + max);
        }
        return n;
    }

    /** {@code HOST:PORT}, {@code [IPv6]:PORT}; the host is resolved now so a typo fails at start. */
    static InetSocketAddress address(String flag, String value) throws UsageException {
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new UsageException(flag, "'" + value + "' is not HOST:PORT");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new UsageException(flag, "'" + value + "': write an IPv6 address in brackets, e.g. [::1]:1883");
        }
        int port = (int) number(flag, value.substring(colon + 1), 0, 65_535);
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (java.net.UnknownHostException e) {
            throw new UsageException(flag, "cannot resolve host '" + host + "'");
        }
    }

    /** {@code PATH[:BAUD][:key=value]...}. */
    private record PortSpec(String path, int baud, List<String[]> options) {

        static PortSpec parse(String flag, String spec, int defaultBaud) throws UsageException {
            String[] parts = spec.split(":", -1);
            String path = parts[0];
            if (path.isBlank()) {
                throw new UsageException(flag, "the port path is missing");
            }
            int baud = defaultBaud;
            List<String[]> options = new ArrayList<>();
            for (int i = 1; i < parts.length; i++) {
                String part = parts[i];
                if (part.equalsIgnoreCase(FORWARDER)) {
                    options.add(new String[] {FORWARDER, ""}); // a switch: the one option without a value
                    continue;
                }
                int equals = part.indexOf('=');
                if (equals < 0) {
                    if (i != 1) {
                        throw new UsageException(flag, "'" + part + "': the baud rate comes right after the path;"
                                + " options are key=value");
                    }
                    baud = (int) number(flag, part, 50, 4_000_000);
                } else {
                    options.add(new String[] {part.substring(0, equals).toLowerCase(Locale.ROOT),
                            part.substring(equals + 1)});
                }
            }
            return new PortSpec(path, baud, options);
        }
    }
}
