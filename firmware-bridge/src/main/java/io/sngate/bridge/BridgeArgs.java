package io.sngate.bridge;

import io.sngate.client.dtls.DtlsCredentials;
import io.sngate.client.dtls.DtlsCredentialsException;
import io.sngate.client.dtls.PskFile;
import io.sngate.codec.Bytes;
import io.sngate.codec.SngateVersion;
import io.sngate.codec.frame.ForwarderEncapsulation;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.hw.cli.Args;
import io.sngate.hw.cli.Cli;
import io.sngate.hw.cli.CliCommand;
import io.sngate.hw.config.XBeeRadioConfig;
import io.sngate.hw.serial.SerialSettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The bridge's command line ({@link #command()}), parsed into a {@link BridgeConfig}. Every mistake
 * is a usage error naming the flag; {@code --flag value} and {@code --flag=value} both work.
 */
public final class BridgeArgs {

    public static final String DEFAULT_GATEWAY = "127.0.0.1:1883";
    public static final int DEFAULT_SERIAL_BAUD = 115_200;
    public static final int DEFAULT_XBEE_BAUD = 9_600;
    public static final long DEFAULT_STATS_SECONDS = 60;

    static final String LIST_PORTS = "--list-ports";
    /** The DTLS credential options, each with a value; --dtls turns DTLS on. */
    static final List<String> CREDENTIAL_FLAGS = List.of("--psk-identity", "--psk-hex", "--psk-file", "--cafile",
            "--cert", "--key");
    /** The {@code --serial} option of a line with a forwarder on it. */
    static final String FORWARDER = "forwarder";

    private BridgeArgs() {
    }

    /** The bridge's command line, without what it does (its {@link Main} adds that). */
    static CliCommand command() {
        return CliCommand.named("sngate-bridge")
                .summary("forward MQTT-SN devices on serial lines and XBee radios to a UDP gateway")
                .synopsis("java -jar sngate-bridge.jar [OPTIONS] (--serial PORT... | --xbee PORT...)")
                .description("Forwards MQTT-SN devices on serial lines and XBee radios to a UDP MQTT-SN gateway "
                                + "(MQTT-SN 1.2 forwarder encapsulation: each device is known to the gateway by its "
                                + "node id), over DTLS with --dtls.",
                        "Once forwarding it prints \"sngate bridge ready gateway=HOST:PORT lines=N\" on stdout, N "
                                + "counting serial lines and radios; logs go to stderr. SIGTERM or Ctrl-C stops it, "
                                + "closing the ports and logging the counters.",
                        "sngate-bridge stands for 'java -jar sngate-bridge.jar'; the Debian package runs it as the "
                                + "systemd service sngate-bridge with BRIDGE_ARGS from /etc/sngate/bridge.env.")
                .helpNames("-h", "--help")
                .version("sngate bridge " + SngateVersion.get())
                .errorPrefix("sngate bridge")
                .logLevel("SNGATE_LOG_LEVEL, else info")
                .group("Gateway")
                .value("--gateway", "HOST:PORT", "the gateway (default " + DEFAULT_GATEWAY + "); an IPv6 host in "
                        + "brackets, e.g. [::1]:1883")
                .value("--bind", "HOST:PORT", "the bridge's UDP address (default: the loopback address for a gateway "
                        + "on loopback, else any address; any port)")
                .group("Devices (at least one --serial or --xbee)")
                .repeatable("--serial", "PATH[:BAUD][:node=HEX|:forwarder]", "a microcontroller speaking MQTT-SN "
                        + "on a serial line, one device per line; BAUD defaults to " + DEFAULT_SERIAL_BAUD + "; node "
                        + "is its wireless node id in hex (default: the line's number from 1, one byte: 01, 02, "
                        + "...). With :forwarder, a forwarder is on the line (a microcontroller with its own radio) "
                        + "whose frames already carry their nodes' ids: relayed as they are, the gateway's replies "
                        + "routed back by node id. Repeatable")
                .repeatable("--xbee", "PATH[:BAUD][:ap=1|2][:max-payload=N]", "an XBee coordinator radio in API "
                        + "mode, its remote radios being the devices (node id: their 64-bit address); BAUD defaults "
                        + "to " + DEFAULT_XBEE_BAUD + ", ap to 2, max-payload (the radio's NP) to "
                        + XBeeRadioConfig.DEFAULT_MAX_PAYLOAD + "; repeatable")
                .choice("--backend", "jserialcomm|jssc", List.of("jserialcomm", "jssc"),
                        "the serial library for every port (default jserialcomm)")
                .flag(LIST_PORTS, "print the machine's serial ports and exit")
                .group("DTLS to the gateway")
                .flag("--dtls", "DTLS 1.2 to the gateway (--gateway is then its DTLS port), with a PSK or "
                        + "certificates:")
                .value("--psk-identity", "ID", "the bridge's PSK identity (with --psk-hex, or picking a --psk-file "
                        + "line)")
                .value("--psk-hex", "HEX", "its key, hex")
                .file("--psk-file", "FILE", "lines identity,hexkey: the line of --psk-identity, else the first")
                .file("--cafile", "FILE", "CA certificate(s), PEM, the gateway's certificate must chain to")
                .file("--cert", "FILE", "the bridge's certificate, PEM (with --cafile)")
                .file("--key", "FILE", "its private key, unencrypted PKCS#8 PEM (with --cert)")
                .group("Operation")
                .value("--stats-interval", "SECONDS", "log the counters at INFO this often (default "
                        + DEFAULT_STATS_SECONDS + "; 0: only at exit)")
                .exitCode(Cli.EXIT_OK, "stopped by SIGTERM or Ctrl-C; or the help, version or port list was printed")
                .exitCode(Cli.EXIT_FAILURE, "could not start: a port or the UDP socket did not open, or a radio is not in the API mode given (or does not answer)")
                .exitCode(Cli.EXIT_USAGE, "usage error: an unknown or repeated option, a bad value, no --serial "
                        + "or --xbee; nothing was started")
                .examples("java -jar sngate-bridge.jar --gateway 192.168.1.10:1883 --serial /dev/ttyUSB0",
                        "java -jar sngate-bridge.jar --serial /dev/ttyACM0:57600:node=BEEF --xbee /dev/ttyUSB1:9600:ap=2",
                        "java -jar sngate-bridge.jar --serial /dev/ttyUSB0:115200:forwarder",
                        "java -jar sngate-bridge.jar --gateway gw.local:5684 --serial /dev/ttyUSB0 --dtls \\",
                        "    --psk-identity bridge-1 --psk-file /etc/sngate/bridge-psk.csv");
    }

    /**
     * The configuration from a command line; used as an API (tests).
     *
     * @throws picocli.CommandLine.ParameterException what picocli cannot parse (an unknown option...)
     */
    public static BridgeConfig parse(List<String> args) throws UsageException {
        return from(command().parse(args));
    }

    /** The configuration from the parsed command line. */
    static BridgeConfig from(Args args) throws UsageException {
        String gateway = args.get("--gateway", DEFAULT_GATEWAY);
        String bind = args.get("--bind");
        SerialSettings.Backend backend = args.has("--backend") ? backend(args.get("--backend"))
                : SerialSettings.Backend.JSERIALCOMM;
        long statsSeconds = args.has("--stats-interval")
                ? number("--stats-interval", args.get("--stats-interval"), 0, 86_400) : DEFAULT_STATS_SECONDS;
        List<String> serial = args.all("--serial");
        List<String> xbee = args.all("--xbee");
        Map<String, String> credentials = new java.util.HashMap<>();
        for (String flag : CREDENTIAL_FLAGS) {
            if (args.has(flag)) {
                credentials.put(flag, args.get(flag));
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
                dtlsCredentials(args.has("--dtls"), credentials));
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
