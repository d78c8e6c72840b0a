package io.sngate.sim;

import static io.sngate.sim.decode.Wire.hex;
import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.SngateVersion;
import io.sngate.sim.decode.Wire;
import io.sngate.sim.decode.XBeeWire;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sngate-sim decode} in-process, without a gateway: its command line (help, version, usage
 * errors and exit codes), every input it reads, and the packets real clients send outside MQTT-SN
 * 1.2 (CONNECT with an empty client id, SUBSCRIBE with QoS -1, SUBSCRIBE/UNSUBSCRIBE with topic id
 * type 0b11), which decode with a note saying what is off the spec. The readers have their own
 * tests in {@code io.sngate.sim.decode}; DecodeRealCaptureTest reads what tcpdump captured.
 */
class DecodeCommandTest {

    static final String CONNECT = "08 04 04 01 00 3C 63 31";
    static final String CONNECT_TEXT =
            "Connect[will=false, cleanSession=true, protocolId=1, keepAlive=60, clientId=\"c1\"]";

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }
    }

    static Run decode(String... args) {
        return decodeWithInput(new byte[0], args);
    }

    static Run decodeWithInput(byte[] stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        InputStream in = new ByteArrayInputStream(stdin);
        int code = new DecodeCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), in).run(List.of(args));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    // ------------------------------------------------------------------ help, version, usage errors

    @Test
    void helpIsAManPage() {
        Run run = decode("--help");
        assertThat(run.code()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(run.out()).startsWith("NAME\n  sngate-sim decode - ")
                .contains("\nSYNOPSIS\n", "\nDESCRIPTION\n", "\nOPTIONS\n  Operands:\n    HEX ", "\nEXIT STATUS\n",
                        "\nEXAMPLES\n")
                .contains("-f, --file PATH", "--framing FRAMING", "--pcap FILE", "--port N", "--hex", "--help",
                        "--version")
                .containsPattern("\\(default: 1883, the gateway's default\\s+udp\\.port\\)")
                .contains("editcap -F pcap");
        assertThat(decode("-h").out()).isEqualTo(run.out());
    }

    @Test
    void helpThroughTheToolsEntryPointIsNoLongerReadAsHex() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(List.of("decode", "--help"), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("NAME\n");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void versionIsTheRelease() {
        Run run = decode("--version");
        assertThat(run.code()).isZero();
        assertThat(run.out()).isEqualTo("sngate-sim " + SngateVersion.get() + "\n");
    }

    @Test
    void anUnknownOptionIsAUsageErrorWithASuggestion() {
        Run run = decode("--hexx", "02", "18");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("sngate-sim decode: Unknown option: '--hexx'\n")
                .contains("Did you mean: --hex?")
                .endsWith("run 'sngate-sim decode --help' for the options\n");
    }

    @Test
    void inputsThatDoNotGoTogetherAreUsageErrors() throws Exception {
        Path capture = Files.write(dir.resolve("c.pcap"), Wire.pcap(false, false, 262_144, 1).done());
        assertUsageError(decode(), "nothing to decode: give a packet in hex, '-' for standard input, -f PATH or"
                + " --pcap FILE");
        assertUsageError(decode("02", "18", "--pcap", capture.toString()),
                "give one input: hex arguments, '-', -f PATH or --pcap FILE");
        assertUsageError(decode("-", "02"), "'-' (standard input) goes alone, not with hex arguments");
        assertUsageError(decode("--port", "1884", "02", "18"), "--port goes with --pcap");
        assertUsageError(decode("--pcap", capture.toString(), "--port", "0"), "--port must be 1..65535, not 0");
        assertUsageError(decode("--pcap", capture.toString(), "--framing", "serial"),
                "--pcap reads UDP datagrams: --framing must be plain or forwarder, not serial");
        assertUsageError(decode("--framing", "xbee3", "02", "18"),
                "--framing: 'xbee3' is not one of plain, forwarder, serial, xbee1, xbee2");
        assertUsageError(decode("--pcap", dir.resolve("missing.pcap").toString()),
                "cannot read " + dir.resolve("missing.pcap") + ": no such file");
        assertUsageError(decode("--framing", "serial", "02", "1x"), "the hex arguments are not hex: 'x' is not a"
                + " hex digit");
    }

    private static void assertUsageError(Run run, String message) {
        assertThat(run.code()).as(run.err()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("sngate-sim decode: " + message + "\n");
    }

    // ------------------------------------------------------------------ inputs and exit codes

    @Test
    void onePacketOnTheCommandLine() {
        Run run = decode(CONNECT);
        assertThat(run.code()).isZero();
        assertThat(run.out()).isEqualTo(CONNECT_TEXT + "\n");
        assertThat(run.err()).as("no summary for one packet").isEmpty();

        Run withHex = decode("--hex", "02", "18");
        assertThat(withHex.out()).isEqualTo("Disconnect[duration=OptionalInt.empty]  hex 02 18\n");

        Run forwarded = decode("0B FE 00 00 13 A2 00 40 A1 B2 C3 02 18");
        assertThat(forwarded.out()).isEqualTo("node 0013A20040A1B2C3 Disconnect[duration=OptionalInt.empty]\n");

        Run notHex = decode("zz");
        assertThat(notHex.code()).isEqualTo(1);
        assertThat(notHex.err()).isEqualTo("not hex: zz ('z' is not a hex digit)\n");
    }

    @Test
    void hexLinesFromAFileOrStandardInput() throws Exception {
        String lines = "# bench log\n" + CONNECT + "\n\n0218\n";
        Path file = Files.writeString(dir.resolve("log.txt"), lines);

        Run fromFile = decode("-f", file.toString());
        assertThat(fromFile.code()).isZero();
        assertThat(fromFile.lines()).containsExactly("#1 " + CONNECT_TEXT, "#2 Disconnect[duration=OptionalInt.empty]");
        assertThat(fromFile.err()).isEqualTo("sngate-sim decode: 2 decoded, 0 not decodable\n");

        Run fromStdin = decodeWithInput(lines.getBytes(StandardCharsets.UTF_8), "-");
        assertThat(fromStdin.out()).isEqualTo(fromFile.out());
        assertThat(decodeWithInput(lines.getBytes(StandardCharsets.UTF_8), "-f", "-").out()).isEqualTo(fromFile.out());

        Run oneBad = decodeWithInput((lines + "08 04\n").getBytes(StandardCharsets.UTF_8), "-");
        assertThat(oneBad.code()).as("some could not be decoded").isEqualTo(1);
        assertThat(oneBad.lines()).last().asString().startsWith("#3 malformed: CONNECT: ");
        assertThat(oneBad.err()).isEqualTo("sngate-sim decode: 2 decoded, 1 not decodable\n");
    }

    @Test
    void binaryStreamsOfASerialLineAndOfXBeeRadios() throws Exception {
        Path serial = Files.write(dir.resolve("uart.bin"), hex(CONNECT + " 02 18"));
        Run run = decode("--framing", "serial", "-f", serial.toString());
        assertThat(run.code()).isZero();
        assertThat(run.lines()).containsExactly("#1 " + CONNECT_TEXT, "#2 Disconnect[duration=OptionalInt.empty]");

        byte[] radio = XBeeWire.frame(true, XBeeWire.receivePacket(0x0013A2004011137EL, 0xFFFE, 1, hex(CONNECT)));
        Run xbee2 = decodeWithInput(radio, "--framing", "xbee2", "-");
        assertThat(xbee2.code()).isZero();
        assertThat(xbee2.lines())
                .containsExactly("#1 Receive Packet (0x90) from 0013A2004011137E/FFFE " + CONNECT_TEXT);

        Run xbee1FromArguments = decode("--framing", "xbee1", "7E 00 02 8A 02 73");
        assertThat(xbee1FromArguments.lines()).containsExactly("#1 Modem Status (0x8A) joined network (0x02)");

        Run noise = decode("--framing", "serial", "02 18 FF 02 18");
        assertThat(noise.code()).isEqualTo(1);
        assertThat(noise.lines()).containsExactly("#1 Disconnect[duration=OptionalInt.empty]",
                "at byte 2: 1 byte(s) skipped, no MQTT-SN frame", "#2 Disconnect[duration=OptionalInt.empty]");
    }

    @Test
    void aPcapCaptureOnAChosenPort() throws Exception {
        byte[] capture = Wire.pcap(false, false, 262_144, 1)
                .record(false, 1_714_564_800L, 5, Wire.ethernet(0x0800, Wire.ipv4("10.0.0.2", "10.0.0.1", 17,
                        Wire.udp(40001, 1884, hex(CONNECT)))))
                .record(false, 1_714_564_800L, 6, Wire.ethernet(0x0800, Wire.ipv4("10.0.0.2", "10.0.0.1", 17,
                        Wire.udp(40001, 1883, hex("02 18")))))
                .done();
        Path file = Files.write(dir.resolve("c.pcap"), capture);

        Run run = decode("--pcap", file.toString(), "--port", "1884", "--hex");
        assertThat(run.code()).isZero();
        assertThat(run.lines()).containsExactly("2024-05-01T12:00:00.000005Z 10.0.0.2:40001 -> 10.0.0.1:1884 "
                + CONNECT_TEXT + "  hex " + CONNECT);
        assertThat(run.err()).isEqualTo("sngate-sim decode: 1 decoded, 0 not decodable; 1 other packet(s) in the"
                + " capture skipped (not UDP to or from port 1884)\n");

        Run defaultPort = decodeWithInput(capture, "--pcap", "-");
        assertThat(defaultPort.lines()).containsExactly("2024-05-01T12:00:00.000006Z 10.0.0.2:40001 -> 10.0.0.1:1883"
                + " Disconnect[duration=OptionalInt.empty]");
    }

    @Test
    void aCaptureItCannotReadExits1WithTheReason() throws Exception {
        Path pcapng = Files.write(dir.resolve("c.pcapng"), hex("0A0D0D0A 1C000000 4D3C2B1A 01000000"));
        Run run = decode("--pcap", pcapng.toString());
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo("sngate-sim decode: " + pcapng + " is a pcapng capture; decode reads classic"
                + " pcap. Convert it with 'editcap -F pcap " + pcapng + " capture.pcap' (Wireshark) or 'tcpdump -r "
                + pcapng + " -w capture.pcap', or capture with 'tcpdump -w'.\n");
    }

    // ------------------------------------------------------------------ packets outside MQTT-SN 1.2

    @Test
    void connectWithEmptyClientId() {
        Run run = decode("06 04 04 01 00 3C");
        assertThat(run.code()).as(run.out()).isZero();
        assertThat(run.out()).isEqualTo("Connect[will=false, cleanSession=true, protocolId=1, keepAlive=60, "
                + "clientId=\"\"]  # outside MQTT-SN 1.2: empty client id\n");
    }

    @Test
    void subscribeWithQosMinusOne() {
        Run run = decode("08 12 60 00 01 61 2F 62");
        assertThat(run.code()).as(run.out()).isZero();
        assertThat(run.out()).isEqualTo("Subscribe[dup=false, qos=MINUS_ONE, msgId=1, topic=Name[name=\"a/b\"]]"
                + "  # outside MQTT-SN 1.2: QoS -1 in SUBSCRIBE\n");
    }

    @Test
    void subscribeAndUnsubscribeWithReservedTopicIdType() {
        Run subscribe = decode("07 12 E3 00 01 00 64");
        assertThat(subscribe.code()).as(subscribe.out()).isZero();
        assertThat(subscribe.out()).isEqualTo("Subscribe[dup=true, qos=MINUS_ONE, msgId=1, topic=Reserved[field=0x0064]]"
                + "  # outside MQTT-SN 1.2: QoS -1 in SUBSCRIBE, reserved topic id type 0b11 (2 byte(s) after MsgId)\n");

        Run unsubscribe = decode("05 14 03 00 07");
        assertThat(unsubscribe.code()).as(unsubscribe.out()).isZero();
        assertThat(unsubscribe.out()).isEqualTo("Unsubscribe[msgId=7, topic=Reserved[field=\"\"]]"
                + "  # outside MQTT-SN 1.2: reserved topic id type 0b11 (0 byte(s) after MsgId)\n");
    }

    @Test
    void packetsWithinTheSpecPrintWithoutANote() {
        Run run = decode("08 12 20 00 01 61 2F 62");
        assertThat(run.out()).isEqualTo("Subscribe[dup=false, qos=AT_LEAST_ONCE, msgId=1, topic=Name[name=\"a/b\"]]\n");
    }

    @Test
    void publishWithReservedTopicIdTypeIsStillMalformed() {
        Run run = decode("09 0C 23 00 01 00 02 68 69");
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.out()).startsWith("malformed: PUBLISH: topic id type 0b11 is reserved");
    }
}
