package io.sngate.sim.decode;

import static io.sngate.sim.decode.Wire.hex;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link SerialStream} on raw serial line captures (docs/framing.md): frames back to back in both
 * length forms and forwarder-encapsulated, noise between them, a malformed packet on the line, and
 * a capture that ends inside a frame.
 */
class DecodeSerialStreamTest {

    static final String CONNECT = "08 04 04 01 00 3C 63 31";
    static final String CONNECT_TEXT =
            "Connect[will=false, cleanSession=true, protocolId=1, keepAlive=60, clientId=\"c1\"]";
    static final String DISCONNECT_TEXT = "Disconnect[duration=OptionalInt.empty]";
    static final String CONNACK_TEXT = "ConnAck[returnCode=ACCEPTED]";

    record Result(List<String> lines, Printer printer) {
    }

    static Result decode(String stream) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Printer printer = new Printer(new PrintStream(out, true, StandardCharsets.UTF_8), false);
        SerialStream.read(new ByteArrayInputStream(hex(stream)), printer);
        return new Result(out.toString(StandardCharsets.UTF_8).lines().toList(), printer);
    }

    @Test
    void framesBackToBackInEveryForm() throws Exception {
        Result result = decode(CONNECT
                + " 03 05 00"
                + " 01 00 0B 0C 00 00 05 00 02 68 69"   // PUBLISH in the 3-byte length form
                + " 05 FE 00 0A 0B 02 18");             // a DISCONNECT through a forwarder, node 0A0B
        assertThat(result.lines()).containsExactly(
                "#1 " + CONNECT_TEXT,
                "#2 " + CONNACK_TEXT,
                "#3 Publish[dup=false, qos=AT_MOST_ONCE, retain=false, topicIdType=NORMAL, topicId=5, msgId=2,"
                        + " data=\"hi\"]",
                "#4 node 0A0B " + DISCONNECT_TEXT);
        assertThat(result.printer().decoded()).isEqualTo(4);
        assertThat(result.printer().undecodable()).isZero();
    }

    @Test
    void noiseBetweenFramesIsOneLineWithItsOffset() throws Exception {
        Result result = decode("02 18 00 00 FF " + CONNECT);
        assertThat(result.lines()).containsExactly(
                "#1 " + DISCONNECT_TEXT,
                "at byte 2: 3 byte(s) skipped, no MQTT-SN frame; as one packet it is malformed: ADVERTISE: length 0 is"
                        + " not a valid length (field Length, offset 0)",
                "#2 " + CONNECT_TEXT);
        assertThat(result.printer().undecodable()).isEqualTo(1);
    }

    @Test
    void aMalformedPacketOnTheLineIsSkippedAndExplained() throws Exception {
        // A PUBLISH with the reserved topic id type 0b11: the gateway drops it, decode says why.
        Result result = decode("02 18 09 0C 23 00 01 00 02 68 69 03 05 00 " + CONNECT);
        assertThat(result.lines()).containsExactly(
                "#1 " + DISCONNECT_TEXT,
                "at byte 2: 9 byte(s) skipped, no MQTT-SN frame; as one packet it is malformed: PUBLISH: topic id"
                        + " type 0b11 is reserved (field Flags.TopicIdType, offset 2)",
                "#2 " + CONNACK_TEXT,
                "#3 " + CONNECT_TEXT);
    }

    @Test
    void framesHeldBackByABogusLengthAtTheEndAreStillFound() throws Exception {
        // 0C 02 looks like the start of a 12-byte GWINFO; the capture ends before 12 bytes arrive.
        Result result = decode("02 18 0C 02 18 03 05 00");
        assertThat(result.lines()).containsExactly(
                "#1 " + DISCONNECT_TEXT,
                "at byte 2: 1 byte(s) skipped, no MQTT-SN frame",
                "#2 " + DISCONNECT_TEXT,
                "#3 " + CONNACK_TEXT);
    }

    @Test
    void aCaptureEndingInsideAFrame() throws Exception {
        Result result = decode("02 18 08 04 04");
        assertThat(result.lines()).containsExactly(
                "#1 " + DISCONNECT_TEXT,
                "at byte 2: 3 byte(s) skipped at the end of the input, no MQTT-SN frame; as one packet it is"
                        + " malformed: CONNECT: length 8 but datagram has 3 bytes (field Length, offset 0)");
        assertThat(result.printer().undecodable()).isEqualTo(1);
    }

    @Test
    void anEmptyCaptureHasNothingToSay() throws Exception {
        Result result = decode("");
        assertThat(result.lines()).isEmpty();
        assertThat(result.printer().decoded() + result.printer().undecodable()).isZero();
    }
}
