package io.sngate.sim.decode;

import static io.sngate.sim.decode.Wire.hex;
import static io.sngate.sim.decode.XBeeWire.frame;
import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.xbee.ApiMode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link XBeeStream} on streams of API frames written byte by byte ({@link XBeeWire}): every frame
 * type the gateway meets, both API modes with escaping, and damaged streams.
 */
class DecodeXBeeStreamTest {

    static final long RADIO = 0x0013A20040A1B2C3L;
    static final byte[] CONNECT = hex("08 04 04 01 00 3C 63 31");
    static final String CONNECT_TEXT =
            "Connect[will=false, cleanSession=true, protocolId=1, keepAlive=60, clientId=\"c1\"]";
    static final byte[] CONNACK = hex("03 05 00");
    static final String CONNACK_TEXT = "ConnAck[returnCode=ACCEPTED]";

    record Result(List<String> lines, Printer printer) {
    }

    static Result decode(byte[] stream, ApiMode mode) throws Exception {
        return decode(stream, mode, false);
    }

    static Result decode(byte[] stream, ApiMode mode, boolean hex) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Printer printer = new Printer(new PrintStream(out, true, StandardCharsets.UTF_8), hex);
        XBeeStream.read(new ByteArrayInputStream(stream), mode, printer);
        return new Result(out.toString(StandardCharsets.UTF_8).lines().toList(), printer);
    }

    static byte[] concat(byte[]... parts) {
        Wire w = new Wire();
        for (byte[] part : parts) {
            w.bytes(part);
        }
        return w.done();
    }

    /** The same conversation in either mode: what the gateway's radio says and is told. */
    static byte[] conversation(boolean escaped) {
        return concat(
                frame(escaped, XBeeWire.receivePacket(RADIO, 0x1234, 0x01, CONNECT)),
                frame(escaped, XBeeWire.transmitRequest(1, RADIO, 0xFFFE, 0, 0, CONNACK)),
                frame(escaped, XBeeWire.transmitStatus(1, 0x1234, 0, 0x00, 0x00)),
                frame(escaped, XBeeWire.atCommand(2, "AP", new byte[0])),
                frame(escaped, XBeeWire.atResponse(2, "AP", 0, hex("02"))),
                frame(escaped, XBeeWire.atCommand(3, "AP", hex("02"))),
                frame(escaped, XBeeWire.modemStatus(0x02)),
                frame(escaped, XBeeWire.explicitRx(RADIO, 0x1234, 0xE8, 0xE8, 0x0011, 0xC105, 0x02,
                        hex("09 0C 20 00 05 00 02 68 69"))),
                frame(escaped, XBeeWire.explicitTx(4, RADIO, 0xFFFE, 0xE8, 0xE8, 0x0011, 0xC105, 0, 0,
                        hex("07 0D 00 05 00 02 00"))),
                frame(escaped, XBeeWire.transmitStatus(4, 0xFFFE, 3, 0x21, 0x02)),
                frame(escaped, XBeeWire.receivePacket(0x0013A20040FFFFFFL, 0xFFFE, 0x02, hex("03 01 00"))),
                frame(escaped, XBeeWire.transmitRequest(5, 0xFFFF, 0xFFFE, 2, 0x01, hex("04 02 01 14"))),
                frame(escaped, hex("95 01 02 03")));
    }

    static final List<String> CONVERSATION = List.of(
            "#1 Receive Packet (0x90) from 0013A20040A1B2C3/1234 " + CONNECT_TEXT,
            "#2 Transmit Request (0x10) id 1 to 0013A20040A1B2C3/FFFE " + CONNACK_TEXT,
            "#3 Transmit Status (0x8B) id 1 to 1234 delivered, 0 retries, no discovery",
            "#4 AT Command (0x08) id 2 AP query",
            "#5 AT Command Response (0x88) id 2 AP OK 02",
            "#6 AT Command (0x08) id 3 AP = 02",
            "#7 Modem Status (0x8A) joined network (0x02)",
            "#8 Explicit Rx Indicator (0x91) from 0013A20040A1B2C3/1234 endpoints E8->E8 cluster 0011 profile C105"
                    + " broadcast Publish[dup=false, qos=AT_LEAST_ONCE, retain=false, topicIdType=NORMAL, topicId=5,"
                    + " msgId=2, data=\"hi\"]",
            "#9 Explicit Addressing Command (0x11) id 4 to 0013A20040A1B2C3/FFFE endpoints E8->E8 cluster 0011"
                    + " profile C105 PubAck[topicId=5, msgId=2, returnCode=ACCEPTED]",
            "#10 Transmit Status (0x8B) id 4 to FFFE not delivered: network ACK failure (0x21), 3 retries,"
                    + " route discovery",
            "#11 Receive Packet (0x90) from 0013A20040FFFFFF/FFFE broadcast SearchGw[radius=0]",
            "#12 Transmit Request (0x10) id 5 to 000000000000FFFF/FFFE radius 2 options 0x01 GwInfo[gwId=1, "
                    + "gwAddress=0x14]",
            "#13 Node Identification Indicator (0x95) not decoded, 3 byte(s) of frame data 010203");

    @Test
    void everyFrameTypeInApiMode1() throws Exception {
        Result result = decode(conversation(false), ApiMode.UNESCAPED);
        assertThat(result.lines()).isEqualTo(CONVERSATION);
        assertThat(result.printer().decoded()).isEqualTo(13);
        assertThat(result.printer().undecodable()).isZero();
    }

    @Test
    void theSameInApiMode2() throws Exception {
        assertThat(decode(conversation(true), ApiMode.ESCAPED).lines()).isEqualTo(CONVERSATION);
    }

    @Test
    void apiMode2UnescapesAddressesPayloadsAndChecksums() throws Exception {
        // A source address and a payload full of the four bytes mode 2 escapes.
        long source = 0x0013A2007E7D1113L;
        byte[] publish = hex("0B 0C 00 00 05 00 02 7E 7D 11 13");
        byte[] data = XBeeWire.receivePacket(source, 0x7E11, 0x01, publish);
        byte[] wire = frame(true, data);
        byte[] unescaped = frame(false, data);
        long specials = 0;
        for (int i = 1; i < unescaped.length; i++) {
            int b = unescaped[i] & 0xFF;
            specials += b == 0x7E || b == 0x7D || b == 0x11 || b == 0x13 ? 1 : 0;
        }
        assertThat(specials).as("in the address, the 16-bit address and the payload").isGreaterThanOrEqualTo(10);
        assertThat(wire.length).as("every special byte took two").isEqualTo(unescaped.length + specials);

        Result escaped = decode(wire, ApiMode.ESCAPED, true);
        assertThat(escaped.lines()).containsExactly("#1 Receive Packet (0x90) from 0013A2007E7D1113/7E11"
                + " Publish[dup=false, qos=AT_MOST_ONCE, retain=false, topicIdType=NORMAL, topicId=5, msgId=2,"
                + " data=0x7e7d1113]  hex " + spaced(wire));

        Result readAsMode1 = decode(wire, ApiMode.UNESCAPED);
        assertThat(readAsMode1.printer().decoded()).as("escaped bytes are not mode 1").isZero();
        assertThat(readAsMode1.printer().undecodable()).isPositive();
    }

    @Test
    void badChecksumIsOneLineAndTheNextFrameStillDecodes() throws Exception {
        byte[] bad = frame(false, XBeeWire.receivePacket(RADIO, 0x1234, 0x01, CONNECT));
        bad[bad.length - 1] ^= 0x01;
        byte[] good = frame(false, XBeeWire.transmitRequest(1, RADIO, 0xFFFE, 0, 0, CONNACK));

        Result result = decode(concat(bad, good), ApiMode.UNESCAPED);
        assertThat(result.lines()).containsExactly(
                "at byte " + (bad.length - 1) + ": bad checksum: frame dropped; " + (bad.length - 1)
                        + " byte(s) after its start held no frame",
                "#1 Transmit Request (0x10) id 1 to 0013A20040A1B2C3/FFFE " + CONNACK_TEXT);
        assertThat(result.printer().undecodable()).isEqualTo(1);
        assertThat(result.printer().decoded()).isEqualTo(1);
    }

    @Test
    void bytesOutsideFramesAreOneLineWithTheirOffset() throws Exception {
        byte[] good = frame(false, XBeeWire.modemStatus(0x00));
        Result result = decode(concat(hex("00 41 54"), good, hex("0D 0A")), ApiMode.UNESCAPED);
        assertThat(result.lines()).containsExactly(
                "at byte 0: 3 byte(s) skipped, outside any frame",
                "#1 Modem Status (0x8A) hardware reset (0x00)",
                "at byte " + (3 + good.length) + ": 2 byte(s) skipped at the end of the input, outside any frame");
        assertThat(result.printer().undecodable()).isEqualTo(2);
    }

    @Test
    void inApiMode2ANewDelimiterCutsAFrameShort() throws Exception {
        byte[] whole = frame(true, XBeeWire.receivePacket(RADIO, 0x1234, 0x01, CONNECT));
        byte[] cut = Arrays.copyOf(whole, 9);
        byte[] next = frame(true, XBeeWire.modemStatus(0x06));

        Result result = decode(concat(cut, next), ApiMode.ESCAPED);
        assertThat(result.lines()).containsExactly(
                "at byte 9: a new 0x7E cuts the frame short: frame dropped; 8 byte(s) after its start held no frame",
                "#1 Modem Status (0x8A) coordinator started (0x06)");
    }

    @Test
    void inputEndingInsideAFrame() throws Exception {
        byte[] first = frame(false, XBeeWire.modemStatus(0x02));
        byte[] cut = Arrays.copyOf(frame(false, XBeeWire.receivePacket(RADIO, 0x1234, 0x01, CONNECT)), 12);

        Result result = decode(concat(first, cut), ApiMode.UNESCAPED);
        assertThat(result.lines()).containsExactly(
                "#1 Modem Status (0x8A) joined network (0x02)",
                "at the end of the input: the input ends inside a frame: frame dropped; 11 byte(s) after its start"
                        + " held no frame");
        assertThat(result.printer().undecodable()).isEqualTo(1);
    }

    @Test
    void aLengthNoRadioSendsIsNoFrame() throws Exception {
        byte[] good = frame(false, XBeeWire.modemStatus(0x02));
        Result result = decode(concat(hex("7E 40 00"), good), ApiMode.UNESCAPED);
        assertThat(result.lines()).containsExactly(
                "at byte 2: length field over 512 bytes of frame data: no frame starts at that 0x7E; 2 byte(s) after"
                        + " its start held no frame",
                "#1 Modem Status (0x8A) joined network (0x02)");
    }

    @Test
    void aFrameWithAGoodChecksumAndBadFieldsIsMalformed() throws Exception {
        byte[] shortStatus = frame(false, hex("8B 01 FF FE 00 00"));
        byte[] shortExplicit = frame(false, hex("91 00 13 A2 00"));
        byte[] notMqttSn = frame(false, XBeeWire.receivePacket(RADIO, 0x1234, 0x01, hex("08 04 04 01")));

        Result result = decode(concat(shortStatus, shortExplicit, notMqttSn), ApiMode.UNESCAPED);
        assertThat(result.lines()).hasSize(3);
        assertThat(result.lines().get(0)).isEqualTo("#1 malformed XBee frame (checksum good): XBEE 0x8B: frame data"
                + " ends 0 byte(s) into the 1-byte DiscoveryStatus (field DiscoveryStatus, offset 6)");
        assertThat(result.lines().get(1)).isEqualTo("#2 Explicit Rx Indicator (0x91) malformed XBee frame: 5 byte(s)"
                + " of frame data, its fixed fields need 18");
        assertThat(result.lines().get(2)).startsWith("#3 Receive Packet (0x90) from 0013A20040A1B2C3/1234 malformed:"
                + " CONNECT: ");
        assertThat(result.printer().undecodable()).isEqualTo(3);
    }

    @Test
    void forwarderFramesInsideRfDataShowTheirNodeId() throws Exception {
        byte[] wrapped = concat(hex("05 FE 00 0A 0B"), CONNECT);
        Result result = decode(frame(false, XBeeWire.receivePacket(RADIO, 0x1234, 0x01, wrapped)), ApiMode.UNESCAPED);
        assertThat(result.lines()).containsExactly(
                "#1 Receive Packet (0x90) from 0013A20040A1B2C3/1234 node 0A0B " + CONNECT_TEXT);
    }

    static String spaced(byte[] bytes) {
        return java.util.HexFormat.ofDelimiter(" ").withUpperCase().formatHex(bytes);
    }
}
