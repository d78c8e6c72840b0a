package io.sngate.sim;

import io.sngate.hw.cli.CliCommand;
import io.sngate.hw.cli.UsageError;
import io.sngate.hw.config.GatewaySettings;
import io.sngate.sim.decode.Framing;
import io.sngate.sim.decode.HexLines;
import io.sngate.sim.decode.Payloads;
import io.sngate.sim.decode.PcapReader;
import io.sngate.sim.decode.Printer;
import io.sngate.sim.decode.SerialStream;
import io.sngate.sim.decode.UnreadableCapture;
import io.sngate.sim.decode.XBeeStream;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code decode}: a packet dissector for captures and serial logs. Parses the command line and
 * picks the reader; the readers and the line format are in {@link io.sngate.sim.decode}.
 */
final class DecodeCommand {

    private static final String NAME = "sngate-sim decode";
    private static final List<String> FRAMINGS = List.of("plain", "forwarder", "serial", "xbee1", "xbee2");

    private final PrintStream out;
    private final PrintStream err;
    private final InputStream stdin;

    DecodeCommand(PrintStream out, PrintStream err) {
        this(out, err, System.in);
    }

    DecodeCommand(PrintStream out, PrintStream err, InputStream stdin) {
        this.out = out;
        this.err = err;
        this.stdin = stdin;
    }

    /** Runs {@code sngate-sim decode ARGS}, as under sngate-sim but with this command's streams (the tests). */
    int run(List<String> args) {
        List<String> line = new java.util.ArrayList<>(List.of("decode"));
        line.addAll(args);
        return CliCommand.named("sngate-sim").subcommand(command()).run(line, out, err);
    }

    /** {@code sngate-sim decode}: its options, help and action. */
    CliCommand command() {
        return CliCommand.named("decode")
                .helpNames("-h", "--help")
                .version("sngate-sim " + io.sngate.codec.SngateVersion.get())
                .summary("print MQTT-SN packets from hex, serial and XBee captures, and pcap files")
                .synopsis(NAME + " [--hex] [--framing plain|forwarder] HEX...",
                        NAME + " [--hex] [--framing serial|xbee1|xbee2] HEX...",
                        NAME + " [--hex] [--framing FRAMING] (- | -f FILE)",
                        NAME + " [--hex] [--framing plain|forwarder] --pcap FILE [--port N]")
                .description("Decodes MQTT-SN 1.2 packets: the tool to reach for when a device misbehaves in the "
                                + "field. It prints one line per packet: where it was found (the capture time of a "
                                + "pcap record, or #N for the Nth packet or frame of other inputs), its addresses "
                                + "(pcap: source -> destination; XBee: 64-bit/16-bit address; forwarder: the "
                                + "wireless node id), then the packet, or why the bytes are not one. A single packet "
                                + "given as HEX prints just the packet.",
                        "Forwarder-encapsulated packets (MsgType 0xFE) are recognised in every input and printed "
                                + "with the node id they came through. Packets the codec decodes although MQTT-SN "
                                + "1.2 does not allow them (a CONNECT with an empty client id, ...) end with "
                                + "'# outside MQTT-SN 1.2: ...'.",
                        "Bad input gets one line each and decoding goes on: a line that is not hex, a malformed "
                                + "packet, bytes outside any frame of a stream (with their offset), an XBee frame "
                                + "with a bad checksum, a damaged or cut pcap record, an IP fragment (not "
                                + "reassembled). At the end the counts go to standard error. UDP checksums are not "
                                + "checked (loopback captures leave them to the network card). pcapng files are not "
                                + "read: convert them with 'editcap -F pcap'.")
                .operand("HEX", "0..*", List.of(), "one packet in hex (the arguments together; spaces allowed), or "
                        + "with --framing serial|xbee1|xbee2 the bytes of a stream. '-' alone reads standard input.")
                .group("Input")
                .option(picocli.CommandLine.Model.OptionSpec.builder("-f", "--file").paramLabel("PATH").type(Path.class)
                        .description("a file of hex lines, one packet per line ('#' comments and blank lines "
                        + "skipped); with --framing serial|xbee1|xbee2 a binary file of the captured stream. '-' is "
                        + "standard input."))
                .choice("--framing", "FRAMING", FRAMINGS, "plain: one packet per hex line, argument list or "
                        + "datagram; 0xFE forwarder frames are recognised (the default). forwarder: every packet is "
                        + "forwarder-encapsulated. serial: a stream of frames as on a serial line "
                        + "(docs/framing.md). xbee1, xbee2: a stream of XBee API frames in API mode 1 (unescaped) "
                        + "or 2 (escaped).")
                .file("--pcap", "FILE", "a classic pcap capture ('tcpdump -w'; '-' is standard input): the UDP "
                        + "datagrams to or from --port. Link types Ethernet, raw IPv4/IPv6, Linux cooked (SLL, and "
                        + "SLL2 as 'tcpdump -i any' writes) and BSD loopback; VLAN tags and IPv6 extension headers "
                        + "are skipped.")
                .value("--port", "N", "the UDP port of the MQTT-SN traffic in the capture, either direction "
                        + "(default: " + GatewaySettings.UDP_PORT.defaultValue() + ", the gateway's default "
                        + "udp.port)")
                .group("Output")
                .flag("--hex", "end each line with the bytes decoded, in hex")
                .exitCode(Main.EXIT_OK, "every packet and frame decoded (also when a capture held none for the "
                        + "port)")
                .exitCode(Main.EXIT_FAILURE, "some input could not be decoded, or the capture cannot be read "
                        + "(pcapng, not pcap, ...)")
                .exitCode(Main.EXIT_USAGE, "usage error: unknown option, no input or two, a file that cannot be "
                        + "opened")
                .examples(NAME + " 08 04 04 01 00 3C 63 31",
                        "    one CONNECT in hex",
                        NAME + " 0B FE 00 00 13 A2 00 40 A1 B2 C3 02 18",
                        "    a DISCONNECT a forwarder wrapped, from node 0013A20040A1B2C3",
                        "printf '0218\\n# a comment\\n070D0001000500\\n' | " + NAME + " -",
                        "    hex lines from standard input",
                        NAME + " --framing serial 02 18 FF 02 18",
                        "    a serial line capture given in hex: two DISCONNECTs and a byte between them",
                        NAME + " --framing xbee2 -f radio.bin",
                        "    the frames of a binary capture of a radio's serial line in API mode 2",
                        "tcpdump -i any -U -w mqttsn.pcap udp port 1883",
                        NAME + " --pcap mqttsn.pcap --port 1883 --hex",
                        "    the datagrams of a capture, each with its bytes")
                .action(args -> {
                    Framing framing;
                    try {
                        framing = Framing.fromCliName(args.get("--framing", "plain"));
                    } catch (IllegalArgumentException e) {
                        throw new UsageError("--framing: " + e.getMessage());
                    }
                    int port = GatewaySettings.UDP_PORT.defaultValue();
                    if (args.has("--port")) {
                        try {
                            port = Integer.parseInt(args.get("--port"));
                        } catch (NumberFormatException e) {
                            throw new UsageError("--port must be a number, not '" + args.get("--port") + "'");
                        }
                    }
                    return new Request(args.positional(), args.get("-f"), framing, args.get("--pcap"),
                            args.has("--port"), port, args.has("--hex")).run();
                });
    }

    /** One decode as the command line asked for it. */
    private final class Request {
        private final List<String> hex;
        private final String file;
        private final Framing framing;
        private final String pcap;
        private final boolean portGiven;
        private final int port;
        private final boolean showHex;

        Request(List<String> hex, String file, Framing framing, String pcap, boolean portGiven, int port,
                boolean showHex) {
            this.hex = hex;
            this.file = file;
            this.framing = framing;
            this.pcap = pcap;
            this.portGiven = portGiven;
            this.port = port;
            this.showHex = showHex;
        }

        int run() throws UsageError {
            try {
                return decode();
            } catch (IOException e) {
                err.println(NAME + ": " + e.getMessage());
                return Main.EXIT_FAILURE;
            }
        }

        private int decode() throws UsageError, IOException {
            boolean standardInput = hex.contains("-");
            if (standardInput && hex.size() > 1) {
                throw usage("'-' (standard input) goes alone, not with hex arguments");
            }
            int inputs = (hex.isEmpty() ? 0 : 1) + (file == null ? 0 : 1) + (pcap == null ? 0 : 1);
            if (inputs == 0) {
                throw usage("nothing to decode: give a packet in hex, '-' for standard input, -f PATH or --pcap FILE");
            }
            if (inputs > 1) {
                throw usage("give one input: hex arguments, '-', -f PATH or --pcap FILE");
            }
            if (portGiven && pcap == null) {
                throw usage("--port goes with --pcap");
            }
            if (port < 1 || port > 65535) {
                throw usage("--port must be 1..65535, not " + port);
            }
            if (pcap != null && framing.isStream()) {
                throw usage("--pcap reads UDP datagrams: --framing must be plain or forwarder, not "
                        + framing.cliName());
            }
            Printer printer = new Printer(out, showHex);
            if (pcap != null) {
                return decodePcap(printer);
            }
            if (!standardInput && file == null && !framing.isStream()) {
                return decodeOnePacket(String.join(" ", hex), printer);
            }
            try (InputStream in = open()) {
                if (framing.isStream()) {
                    decodeStream(in, printer);
                } else {
                    HexLines.read(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)),
                            framing == Framing.FORWARDER, printer);
                }
            }
            err.println(NAME + ": " + printer.summary());
            return exitCode(printer);
        }

        private int decodeOnePacket(String text, Printer printer) {
            byte[] packet;
            try {
                packet = HexLines.parse(text);
            } catch (IllegalArgumentException e) {
                err.println("not hex: " + text + " (" + e.getMessage() + ")");
                return Main.EXIT_FAILURE;
            }
            printer.payload("", Payloads.decode(packet, framing == Framing.FORWARDER), packet);
            return exitCode(printer);
        }

        private void decodeStream(InputStream in, Printer printer) throws IOException {
            if (framing == Framing.SERIAL) {
                SerialStream.read(in, printer);
            } else {
                XBeeStream.read(in, framing.apiMode(), printer);
            }
        }

        private int decodePcap(Printer printer) throws IOException, UsageError {
            try (InputStream in = openPath(pcap)) {
                PcapReader.read(in, pcap.equals("-") ? "standard input" : pcap, port,
                        framing == Framing.FORWARDER, printer);
            } catch (UnreadableCapture e) {
                err.println(NAME + ": " + e.getMessage());
                return Main.EXIT_FAILURE;
            }
            err.println(NAME + ": " + printer.summary() + "; " + printer.ignored()
                    + " other packet(s) in the capture skipped (not UDP to or from port " + port + ")");
            return exitCode(printer);
        }

        /** The bytes to decode: the hex arguments as a stream, standard input, or the file. */
        private InputStream open() throws UsageError {
            if (file != null) {
                return openPath(file);
            }
            if (hex.contains("-")) {
                return new BufferedInputStream(stdin);
            }
            try {
                return new ByteArrayInputStream(HexLines.parse(String.join(" ", hex)));
            } catch (IllegalArgumentException e) {
                throw usage("the hex arguments are not hex: " + e.getMessage());
            }
        }

        private InputStream openPath(String path) throws UsageError {
            if (path.equals("-")) {
                return new BufferedInputStream(stdin);
            }
            try {
                return new BufferedInputStream(Files.newInputStream(Path.of(path)));
            } catch (NoSuchFileException e) {
                throw usage("cannot read " + path + ": no such file");
            } catch (AccessDeniedException e) {
                throw usage("cannot read " + path + ": permission denied");
            } catch (IOException e) {
                throw usage("cannot read " + path + ": " + e.getMessage());
            }
        }

        private static int exitCode(Printer printer) {
            return printer.undecodable() == 0 ? Main.EXIT_OK : Main.EXIT_FAILURE;
        }

        private UsageError usage(String message) {
            return new UsageError(message);
        }

    }
}
