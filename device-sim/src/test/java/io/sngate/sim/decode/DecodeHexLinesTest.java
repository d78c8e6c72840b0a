package io.sngate.sim.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link HexLines}: packets in hex, one per line, as copied from a log or a terminal. */
class DecodeHexLinesTest {

    record Result(List<String> lines, Printer printer) {
    }

    static Result decode(String text, boolean forwarderOnly, boolean hex) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Printer printer = new Printer(new PrintStream(out, true, StandardCharsets.UTF_8), hex);
        HexLines.read(new BufferedReader(new StringReader(text)), forwarderOnly, printer);
        return new Result(out.toString(StandardCharsets.UTF_8).lines().toList(), printer);
    }

    @Test
    void commentsAndBlankLinesAreSkippedAndEveryOtherLineIsARecord() throws Exception {
        Result result = decode("""
                # captured at the bench
                08 04 04 01 00 3C 63 31

                0218   # the device leaves
                   07 0D 00 05 00 02 00
                zz 18
                05 FE 00 0A 0B 02 18
                08 04
                06 04 04 01 00 3C
                """, false, false);

        assertThat(result.lines()).containsExactly(
                "#1 Connect[will=false, cleanSession=true, protocolId=1, keepAlive=60, clientId=\"c1\"]",
                "#2 Disconnect[duration=OptionalInt.empty]",
                "#3 PubAck[topicId=5, msgId=2, returnCode=ACCEPTED]",
                "#4 not hex (line 6, 'z' is not a hex digit): zz 18",
                "#5 node 0A0B Disconnect[duration=OptionalInt.empty]",
                "#6 malformed: CONNECT: length 8 but datagram has 2 bytes (field Length, offset 0)",
                "#7 Connect[will=false, cleanSession=true, protocolId=1, keepAlive=60, clientId=\"\"]"
                        + "  # outside MQTT-SN 1.2: empty client id");
        assertThat(result.printer().decoded()).isEqualTo(5);
        assertThat(result.printer().undecodable()).isEqualTo(2);
    }

    @Test
    void hexOptionAppendsTheBytesBeforeTheNote() throws Exception {
        Result result = decode("0218\n06 04 04 01 00 3C\n", false, true);
        assertThat(result.lines()).containsExactly(
                "#1 Disconnect[duration=OptionalInt.empty]  hex 02 18",
                "#2 Connect[will=false, cleanSession=true, protocolId=1, keepAlive=60, clientId=\"\"]"
                        + "  hex 06 04 04 01 00 3C  # outside MQTT-SN 1.2: empty client id");
    }

    @Test
    void forwarderFramingWantsEveryPacketEncapsulated() throws Exception {
        Result result = decode("05 FE 03 0A 0B 02 18\n02 18\n03 FE 00 02 18\n", true, false);
        assertThat(result.lines()).containsExactly(
                "#1 node 0A0B ctrl 0x03 Disconnect[duration=OptionalInt.empty]",
                "#2 malformed: ENCAPSULATED: frame of 2 byte(s) is shorter than the 3-byte encapsulation header"
                        + " (field Length, offset 0)",
                "#3 node (empty) Disconnect[duration=OptionalInt.empty]");
    }

    @Test
    void whatIsNotHexSaysWhy() {
        assertThatThrownBy(() -> HexLines.parse("0 2 1")).hasMessage("odd number of hex digits (3)");
        assertThatThrownBy(() -> HexLines.parse("  ")).hasMessage("no hex digits");
        assertThatThrownBy(() -> HexLines.parse("02 1g")).hasMessage("'g' is not a hex digit");
        assertThat(HexLines.parse("0a 0B\t18")).containsExactly(0x0A, 0x0B, 0x18);
    }
}
