package io.sngate.sim.decode;

import static io.sngate.sim.decode.Wire.ethernet;
import static io.sngate.sim.decode.Wire.hex;
import static io.sngate.sim.decode.Wire.ipv4;
import static io.sngate.sim.decode.Wire.ipv6;
import static io.sngate.sim.decode.Wire.udp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link PcapReader} on captures written byte by byte here ({@link Wire}): every link type it
 * reads, both byte orders and both time resolutions, IPv4 and IPv6, VLAN tags, extension
 * headers, fragments, and damaged or cut files.
 */
class DecodePcapTest {

    static final int ETHERNET = 1;
    static final int IPV4 = 0x0800;
    static final int IPV6 = 0x86DD;
    static final int UDP = 17;
    static final int TCP = 6;
    /** 2024-05-01T12:00:00Z. */
    static final long MAY_FIRST = 1_714_564_800L;

    static final byte[] CONNECT = hex("08 04 04 01 00 3C 63 31");
    static final String CONNECT_TEXT =
            "Connect[will=false, cleanSession=true, protocolId=1, keepAlive=60, clientId=\"c1\"]";
    static final byte[] CONNACK = hex("03 05 00");
    static final String CONNACK_TEXT = "ConnAck[returnCode=ACCEPTED]";

    record Result(List<String> lines, Printer printer) {
    }

    static Result decode(byte[] capture, int port) throws Exception {
        return decode(capture, port, false);
    }

    static Result decode(byte[] capture, int port, boolean forwarderOnly) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Printer printer = new Printer(new PrintStream(out, true, StandardCharsets.UTF_8), false);
        PcapReader.read(new ByteArrayInputStream(capture), "test.pcap", port, forwarderOnly, printer);
        return new Result(out.toString(StandardCharsets.UTF_8).lines().toList(), printer);
    }

    static byte[] udp4(String from, int fromPort, String to, int toPort, byte[] payload) {
        return ethernet(IPV4, ipv4(from, to, UDP, udp(fromPort, toPort, payload)));
    }

    // ------------------------------------------------------------------ what is decoded

    @Test
    void ethernetIpv4InBothDirectionsAndOtherTrafficSkipped() throws Exception {
        boolean le = false;
        byte[] capture = Wire.pcap(le, false, 262_144, ETHERNET)
                .record(le, MAY_FIRST, 123_456, udp4("10.0.0.2", 40001, "10.0.0.1", 1883, CONNECT))
                .record(le, MAY_FIRST, 123_999, ethernet(IPV4, ipv4("10.0.0.2", "10.0.0.1", TCP, hex("0050 0051"))))
                .record(le, MAY_FIRST, 124_000, udp4("10.0.0.2", 5353, "10.0.0.1", 53, hex("0000")))
                .record(le, MAY_FIRST + 1, 7, udp4("10.0.0.1", 1883, "10.0.0.2", 40001, CONNACK))
                .record(le, MAY_FIRST + 1, 8, ethernet(0x0806, hex("0001 0800 0604 0001")))
                .done();

        Result result = decode(capture, 1883);

        assertThat(result.lines()).containsExactly(
                "2024-05-01T12:00:00.123456Z 10.0.0.2:40001 -> 10.0.0.1:1883 " + CONNECT_TEXT,
                "2024-05-01T12:00:01.000007Z 10.0.0.1:1883 -> 10.0.0.2:40001 " + CONNACK_TEXT);
        assertThat(result.printer().decoded()).isEqualTo(2);
        assertThat(result.printer().undecodable()).isZero();
        assertThat(result.printer().ignored()).as("TCP, UDP to port 53, ARP").isEqualTo(3);
    }

    @ParameterizedTest(name = "big-endian {0}, nanoseconds {1}")
    @CsvSource({"true, false, 2024-05-01T12:00:00.000123Z",
        "false, false, 2024-05-01T12:00:00.000123Z",
        "true, true, 2024-05-01T12:00:00.000000123Z",
        "false, true, 2024-05-01T12:00:00.000000123Z"})
    void bothByteOrdersAndBothTimeResolutions(boolean bigEndian, boolean nanoseconds, String time) throws Exception {
        byte[] capture = Wire.pcap(bigEndian, nanoseconds, 65_535, ETHERNET)
                .record(bigEndian, MAY_FIRST, 123, udp4("192.0.2.7", 1884, "192.0.2.1", 5000, CONNACK))
                .done();
        if (bigEndian) {
            assertThat(Arrays.copyOf(capture, 4)).isEqualTo(nanoseconds ? hex("A1B23C4D") : hex("A1B2C3D4"));
        } else {
            assertThat(Arrays.copyOf(capture, 4)).isEqualTo(nanoseconds ? hex("4D3CB2A1") : hex("D4C3B2A1"));
        }

        assertThat(decode(capture, 5000).lines()).containsExactly(
                time + " 192.0.2.7:1884 -> 192.0.2.1:5000 " + CONNACK_TEXT);
    }

    @Test
    void ipv6WithExtensionHeadersBeforeUdp() throws Exception {
        byte[] udp = udp(40001, 1883, CONNECT);
        // hop-by-hop (0) -> destination options (60) -> routing (43) -> UDP
        byte[] routing = Wire.ipv6Extension(UDP, hex("00 00 00 00 00 00"));
        byte[] destination = Wire.ipv6Extension(43, new byte[12]);
        byte[] hopByHop = Wire.ipv6Extension(60, hex("01 04 00 00 00 00"));
        byte[] payload = new Wire().bytes(hopByHop).bytes(destination).bytes(routing).bytes(udp).done();
        byte[] capture = Wire.pcap(false, false, 262_144, ETHERNET)
                .record(false, MAY_FIRST, 1, ethernet(IPV6, ipv6("2001:db8::2", "2001:db8:0:0:1::1", 0, payload)))
                .record(false, MAY_FIRST, 2, ethernet(IPV6, ipv6("::1", "fe80::1", UDP, udp(1883, 40001, CONNACK))))
                .done();

        assertThat(decode(capture, 1883).lines()).containsExactly(
                "2024-05-01T12:00:00.000001Z [2001:db8::2]:40001 -> [2001:db8::1:0:0:1]:1883 " + CONNECT_TEXT,
                "2024-05-01T12:00:00.000002Z [::1]:1883 -> [fe80::1]:40001 " + CONNACK_TEXT);
    }

    @Test
    void vlanTagsSingleAndStacked() throws Exception {
        byte[] ip = ipv4("10.1.0.2", "10.1.0.1", UDP, udp(40001, 1883, CONNECT));
        byte[] capture = Wire.pcap(false, false, 262_144, ETHERNET)
                .record(false, MAY_FIRST, 1, Wire.ethernetTagged(new int[] {0x8100}, IPV4, ip))
                .record(false, MAY_FIRST, 2, Wire.ethernetTagged(new int[] {0x88A8, 0x8100}, IPV4, ip))
                .record(false, MAY_FIRST, 3, Wire.ethernetTagged(new int[] {0x9100}, IPV6,
                        ipv6("2001:db8::2", "2001:db8::1", UDP, udp(40001, 1883, CONNECT))))
                .done();

        assertThat(decode(capture, 1883).lines()).containsExactly(
                "2024-05-01T12:00:00.000001Z 10.1.0.2:40001 -> 10.1.0.1:1883 " + CONNECT_TEXT,
                "2024-05-01T12:00:00.000002Z 10.1.0.2:40001 -> 10.1.0.1:1883 " + CONNECT_TEXT,
                "2024-05-01T12:00:00.000003Z [2001:db8::2]:40001 -> [2001:db8::1]:1883 " + CONNECT_TEXT);
    }

    @Test
    void linuxCookedCapturesOfTcpdumpDashIAny() throws Exception {
        byte[] ip4 = ipv4("127.0.0.1", "127.0.0.1", UDP, udp(40001, 1883, CONNECT));
        byte[] ip6 = ipv6("::1", "::1", UDP, udp(1883, 40001, CONNACK));
        byte[] sll = Wire.pcap(true, false, 262_144, 113)
                .record(true, MAY_FIRST, 1, Wire.sll(IPV4, ip4)).record(true, MAY_FIRST, 2, Wire.sll(IPV6, ip6)).done();
        byte[] sll2 = Wire.pcap(false, false, 262_144, 276)
                .record(false, MAY_FIRST, 1, Wire.sll2(IPV4, ip4)).record(false, MAY_FIRST, 2, Wire.sll2(IPV6, ip6))
                .done();

        List<String> expected = List.of(
                "2024-05-01T12:00:00.000001Z 127.0.0.1:40001 -> 127.0.0.1:1883 " + CONNECT_TEXT,
                "2024-05-01T12:00:00.000002Z [::1]:1883 -> [::1]:40001 " + CONNACK_TEXT);
        assertThat(decode(sll, 1883).lines()).isEqualTo(expected);
        assertThat(decode(sll2, 1883).lines()).isEqualTo(expected);
    }

    @Test
    void bsdLoopbackInEitherByteOrderAndOpenBsdLoop() throws Exception {
        byte[] ip4 = ipv4("127.0.0.1", "127.0.0.1", UDP, udp(40001, 1883, CONNECT));
        byte[] ip6 = ipv6("::1", "::1", UDP, udp(1883, 40001, CONNACK));
        byte[] capture = Wire.pcap(false, false, 262_144, 0)
                .record(false, MAY_FIRST, 1, Wire.loopback(2, false, ip4))     // AF_INET, little-endian host
                .record(false, MAY_FIRST, 2, Wire.loopback(30, true, ip6))     // AF_INET6 of macOS, big-endian host
                .record(false, MAY_FIRST, 3, Wire.loopback(24, false, ip6))    // AF_INET6 of NetBSD/OpenBSD
                .record(false, MAY_FIRST, 4, Wire.loopback(7, false, hex("00")))  // not IP
                .done();
        byte[] loop = Wire.pcap(true, false, 262_144, 108)
                .record(true, MAY_FIRST, 1, Wire.loopback(2, true, ip4)).done();

        Result result = decode(capture, 1883);
        assertThat(result.lines()).containsExactly(
                "2024-05-01T12:00:00.000001Z 127.0.0.1:40001 -> 127.0.0.1:1883 " + CONNECT_TEXT,
                "2024-05-01T12:00:00.000002Z [::1]:1883 -> [::1]:40001 " + CONNACK_TEXT,
                "2024-05-01T12:00:00.000003Z [::1]:1883 -> [::1]:40001 " + CONNACK_TEXT);
        assertThat(result.printer().ignored()).isEqualTo(1);
        assertThat(decode(loop, 1883).lines()).containsExactly(
                "2024-05-01T12:00:00.000001Z 127.0.0.1:40001 -> 127.0.0.1:1883 " + CONNECT_TEXT);
    }

    @ParameterizedTest(name = "link type {0}")
    @CsvSource({"101, 4", "101, 6", "228, 4", "229, 6"})
    void rawIpLinkTypes(int linkType, int version) throws Exception {
        byte[] packet = version == 4
                ? ipv4("198.51.100.9", "198.51.100.1", UDP, udp(40001, 1883, CONNECT))
                : ipv6("2001:db8::9", "2001:db8::1", UDP, udp(40001, 1883, CONNECT));
        byte[] capture = Wire.pcap(false, false, 262_144, linkType).record(false, MAY_FIRST, 0, packet).done();

        assertThat(decode(capture, 1883).lines()).containsExactly("2024-05-01T12:00:00.000000Z "
                + (version == 4 ? "198.51.100.9:40001 -> 198.51.100.1:1883 "
                        : "[2001:db8::9]:40001 -> [2001:db8::1]:1883 ")
                + CONNECT_TEXT);
    }

    @Test
    void forwarderEncapsulatedDatagramsShowTheNodeId() throws Exception {
        byte[] wrapped = new Wire().u8(5).u8(0xFE).u8(0x00).u8(0x0A).u8(0x0B).bytes(CONNECT).done();
        byte[] capture = Wire.pcap(false, false, 262_144, ETHERNET)
                .record(false, MAY_FIRST, 1, udp4("10.0.0.9", 1884, "10.0.0.1", 1883, wrapped))
                .record(false, MAY_FIRST, 2, udp4("10.0.0.2", 40001, "10.0.0.1", 1883, CONNECT))
                .done();

        assertThat(decode(capture, 1883).lines()).containsExactly(
                "2024-05-01T12:00:00.000001Z 10.0.0.9:1884 -> 10.0.0.1:1883 node 0A0B " + CONNECT_TEXT,
                "2024-05-01T12:00:00.000002Z 10.0.0.2:40001 -> 10.0.0.1:1883 " + CONNECT_TEXT);

        Result strict = decode(capture, 1883, true);
        assertThat(strict.lines().get(1)).isEqualTo("2024-05-01T12:00:00.000002Z 10.0.0.2:40001 -> 10.0.0.1:1883"
                + " malformed: ENCAPSULATED: message type 0x04 is not 0xFE (field MsgType, offset 1)");
        assertThat(strict.printer().undecodable()).isEqualTo(1);
    }

    // ------------------------------------------------------------------ bad packets: one line each, then on

    @Test
    void malformedDatagramGetsItsLineAndReadingGoesOn() throws Exception {
        byte[] capture = Wire.pcap(false, false, 262_144, ETHERNET)
                .record(false, MAY_FIRST, 1, udp4("10.0.0.2", 40001, "10.0.0.1", 1883, hex("08 04 04 01")))
                .record(false, MAY_FIRST, 2, udp4("10.0.0.2", 40001, "10.0.0.1", 1883, CONNECT))
                .done();

        Result result = decode(capture, 1883);
        assertThat(result.lines()).hasSize(2);
        assertThat(result.lines().get(0)).startsWith("2024-05-01T12:00:00.000001Z 10.0.0.2:40001 -> 10.0.0.1:1883"
                + " malformed: CONNECT: ");
        assertThat(result.lines().get(1)).endsWith(CONNECT_TEXT);
        assertThat(result.printer().decoded()).isEqualTo(1);
        assertThat(result.printer().undecodable()).isEqualTo(1);
    }

    @Test
    void ipv4AndIpv6FragmentsAreSaidToBeSkipped() throws Exception {
        byte[] datagram = udp(40001, 1883, new byte[40]);
        byte[] first = Arrays.copyOfRange(datagram, 0, 24);
        byte[] second = Arrays.copyOfRange(datagram, 24, datagram.length);
        byte[] capture = Wire.pcap(false, false, 262_144, ETHERNET)
                .record(false, MAY_FIRST, 1, ethernet(IPV4, ipv4("10.0.0.2", "10.0.0.1", UDP, 77, true, 0, first)))
                .record(false, MAY_FIRST, 2, ethernet(IPV4, ipv4("10.0.0.2", "10.0.0.1", UDP, 77, false, 24, second)))
                // a fragmented datagram of other traffic: only counted
                .record(false, MAY_FIRST, 3, ethernet(IPV4, ipv4("10.0.0.2", "10.0.0.1", UDP, 78, true, 0,
                        Arrays.copyOfRange(udp(5000, 53, new byte[40]), 0, 24))))
                .record(false, MAY_FIRST, 4, ethernet(IPV6, ipv6("2001:db8::2", "2001:db8::1", 44,
                        Wire.ipv6Fragment(UDP, 0, true, 99, first))))
                .record(false, MAY_FIRST, 5, ethernet(IPV6, ipv6("2001:db8::2", "2001:db8::1", 44,
                        Wire.ipv6Fragment(UDP, 24, false, 99, second))))
                // an atomic fragment (offset 0, no more) is the whole datagram
                .record(false, MAY_FIRST, 6, ethernet(IPV6, ipv6("2001:db8::2", "2001:db8::1", 44,
                        Wire.ipv6Fragment(UDP, 0, false, 100, udp(40001, 1883, CONNECT)))))
                .done();

        Result result = decode(capture, 1883);
        String skipped = " skipped: decode does not reassemble fragmented datagrams";
        assertThat(result.lines()).containsExactly(
                "2024-05-01T12:00:00.000001Z 10.0.0.2:40001 -> 10.0.0.1:1883 IP fragment at offset 0" + skipped,
                "2024-05-01T12:00:00.000002Z 10.0.0.2 -> 10.0.0.1 IP fragment at offset 24 (the last)" + skipped,
                "2024-05-01T12:00:00.000004Z [2001:db8::2]:40001 -> [2001:db8::1]:1883 IP fragment at offset 0"
                        + skipped,
                "2024-05-01T12:00:00.000005Z 2001:db8::2 -> 2001:db8::1 IP fragment at offset 24 (the last)" + skipped,
                "2024-05-01T12:00:00.000006Z [2001:db8::2]:40001 -> [2001:db8::1]:1883 " + CONNECT_TEXT);
        assertThat(result.printer().undecodable()).isEqualTo(4);
        assertThat(result.printer().ignored()).isEqualTo(1);
    }

    @Test
    void datagramCutByTheSnapshotLength() throws Exception {
        byte[] whole = udp4("10.0.0.2", 40001, "10.0.0.1", 1883, CONNECT);
        byte[] cut = Arrays.copyOf(whole, whole.length - 3);
        byte[] capture = Wire.pcap(false, false, 47, ETHERNET)
                .record(false, MAY_FIRST, 1, cut, whole.length)
                .record(false, MAY_FIRST, 2, whole)
                .done();

        Result result = decode(capture, 1883);
        assertThat(result.lines()).containsExactly(
                "2024-05-01T12:00:00.000001Z 10.0.0.2:40001 -> 10.0.0.1:1883 UDP payload cut short by the capture's"
                        + " snapshot length (47): 5 of 8 bytes",
                "2024-05-01T12:00:00.000002Z 10.0.0.2:40001 -> 10.0.0.1:1883 " + CONNECT_TEXT);
    }

    @Test
    void damagedHeadersBeforeTheUdpPorts() throws Exception {
        byte[] badIhl = ipv4("10.0.0.2", "10.0.0.1", UDP, udp(40001, 1883, CONNECT));
        badIhl[0] = 0x44; // IHL 4: 16 bytes, less than the fixed header
        byte[] shortIpv6 = Arrays.copyOf(ipv6("::1", "::1", UDP, udp(1, 2, CONNECT)), 30);
        byte[] capture = Wire.pcap(false, false, 262_144, ETHERNET)
                .record(false, MAY_FIRST, 1, ethernet(IPV4, badIhl))
                .record(false, MAY_FIRST, 2, ethernet(IPV6, shortIpv6))
                .record(false, MAY_FIRST, 3, hex("02 00 00 00 00 01 02 00"))
                .record(false, MAY_FIRST, 4, udp4("10.0.0.2", 40001, "10.0.0.1", 1883, CONNECT))
                .done();

        Result result = decode(capture, 1883);
        assertThat(result.lines()).containsExactly(
                "2024-05-01T12:00:00.000001Z record 1 IPv4 header length 16 and total length 36 are impossible",
                "2024-05-01T12:00:00.000002Z record 2 IPv6 header cut short: 30 of 40 bytes captured",
                "2024-05-01T12:00:00.000003Z record 3 Ethernet header cut short: 8 of 14 bytes captured",
                "2024-05-01T12:00:00.000004Z 10.0.0.2:40001 -> 10.0.0.1:1883 " + CONNECT_TEXT);
        assertThat(result.printer().undecodable()).isEqualTo(3);
    }

    @Test
    void udpLengthsThatCannotBe() throws Exception {
        byte[] tooShort = udp(40001, 1883, CONNECT);
        tooShort[4] = 0;
        tooShort[5] = 7;
        byte[] tooLong = udp(40001, 1883, CONNECT);
        tooLong[5] = (byte) (tooLong[5] + 4);
        byte[] capture = Wire.pcap(false, false, 262_144, ETHERNET)
                .record(false, MAY_FIRST, 1, ethernet(IPV4, ipv4("10.0.0.2", "10.0.0.1", UDP, tooShort)))
                .record(false, MAY_FIRST, 2, ethernet(IPV4, ipv4("10.0.0.2", "10.0.0.1", UDP, tooLong)))
                .done();

        assertThat(decode(capture, 1883).lines()).containsExactly(
                "2024-05-01T12:00:00.000001Z 10.0.0.2:40001 -> 10.0.0.1:1883 UDP length 7 is less than its own"
                        + " 8-byte header",
                "2024-05-01T12:00:00.000002Z 10.0.0.2:40001 -> 10.0.0.1:1883 UDP length 20 runs past the end of the"
                        + " IP packet (16 bytes)");
    }

    @Test
    void ethernetPaddingAfterTheIpPacketIsNotPayload() throws Exception {
        byte[] frame = new Wire().bytes(ethernet(IPV4, ipv4("10.0.0.1", "10.0.0.2", UDP, udp(1883, 40001, CONNACK))))
                .zeros(15).done(); // padded to the 60-byte Ethernet minimum
        byte[] capture = Wire.pcap(false, false, 262_144, ETHERNET).record(false, MAY_FIRST, 1, frame).done();

        assertThat(decode(capture, 1883).lines()).containsExactly(
                "2024-05-01T12:00:00.000001Z 10.0.0.1:1883 -> 10.0.0.2:40001 " + CONNACK_TEXT);
    }

    // ------------------------------------------------------------------ damaged and unreadable files

    @Test
    void captureEndingInsideARecordSaysSo() throws Exception {
        byte[] whole = Wire.pcap(false, false, 262_144, ETHERNET)
                .record(false, MAY_FIRST, 1, udp4("10.0.0.2", 40001, "10.0.0.1", 1883, CONNECT))
                .record(false, MAY_FIRST, 2, udp4("10.0.0.2", 40001, "10.0.0.1", 1883, CONNECT))
                .done();
        int second = 24 + 16 + 50;

        Result insideData = decode(Arrays.copyOf(whole, whole.length - 10), 1883);
        assertThat(insideData.lines()).containsExactly(
                "2024-05-01T12:00:00.000001Z 10.0.0.2:40001 -> 10.0.0.1:1883 " + CONNECT_TEXT,
                "2024-05-01T12:00:00.000002Z record 2 the capture ends inside the record: 40 of 50 bytes");
        assertThat(insideData.printer().undecodable()).isEqualTo(1);

        Result insideHeader = decode(Arrays.copyOf(whole, second + 9), 1883);
        assertThat(insideHeader.lines()).containsExactly(
                "2024-05-01T12:00:00.000001Z 10.0.0.2:40001 -> 10.0.0.1:1883 " + CONNECT_TEXT,
                "record 2 the capture ends inside the record's 16-byte header (9 bytes) at file offset " + second);
    }

    @Test
    void impossibleRecordHeaderStopsReading() throws Exception {
        byte[] capture = Wire.pcap(false, false, 65_535, ETHERNET)
                .record(false, MAY_FIRST, 1, udp4("10.0.0.2", 40001, "10.0.0.1", 1883, CONNECT))
                .u32(MAY_FIRST, false).u32(1, false).u32(0x7FFF_0000L, false).u32(0x7FFF_0000L, false)
                .bytes(udp4("10.0.0.2", 40001, "10.0.0.1", 1883, CONNECT))
                .done();

        Result result = decode(capture, 1883);
        assertThat(result.lines()).containsExactly(
                "2024-05-01T12:00:00.000001Z 10.0.0.2:40001 -> 10.0.0.1:1883 " + CONNECT_TEXT,
                "record 2 impossible record header at file offset 90 (2147418112 bytes captured, time fraction 1):"
                        + " the file is damaged from here on, reading stops");
    }

    @Test
    void microsecondFractionOfAMillionOrMoreIsDamage() throws Exception {
        byte[] capture = Wire.pcap(true, false, 262_144, ETHERNET)
                .record(true, MAY_FIRST, 1_000_000, udp4("10.0.0.2", 40001, "10.0.0.1", 1883, CONNECT)).done();

        assertThat(decode(capture, 1883).lines()).singleElement().asString()
                .startsWith("record 1 impossible record header at file offset 24");
    }

    @Test
    void pcapngIsRefusedWithTheWayToConvertIt() {
        byte[] pcapng = new Wire().u32(0x0A0D0D0AL, true).u32(28, false).u32(0x1A2B3C4DL, false).zeros(16).done();

        assertThatThrownBy(() -> decode(pcapng, 1883)).isInstanceOf(UnreadableCapture.class)
                .hasMessage("test.pcap is a pcapng capture; decode reads classic pcap. Convert it with"
                        + " 'editcap -F pcap test.pcap capture.pcap' (Wireshark) or 'tcpdump -r test.pcap"
                        + " -w capture.pcap', or capture with 'tcpdump -w'.");
    }

    @Test
    void whatIsNoPcapAtAll() {
        assertThatThrownBy(() -> decode("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 1883))
                .isInstanceOf(UnreadableCapture.class)
                .hasMessage("test.pcap is not a pcap capture: it starts with 47455420, not the pcap magic number"
                        + " A1B2C3D4 (A1B23C4D for nanosecond times) in either byte order");
        assertThatThrownBy(() -> decode(hex("D4C3"), 1883)).isInstanceOf(UnreadableCapture.class)
                .hasMessage("test.pcap is not a pcap capture: it has only 2 byte(s)");
        assertThatThrownBy(() -> decode(Arrays.copyOf(Wire.pcap(false, false, 0, 1).done(), 20), 1883))
                .isInstanceOf(UnreadableCapture.class)
                .hasMessage("test.pcap ends inside its 24-byte pcap file header (20 bytes)");
        assertThatThrownBy(() -> decode(Wire.pcap(false, false, 262_144, 105).done(), 1883))
                .isInstanceOf(UnreadableCapture.class)
                .hasMessageStartingWith("test.pcap has link type 105, which decode does not read: it reads"
                        + " Ethernet (1)");
    }

    @Test
    void anEmptyCaptureDecodesNothingAndThatIsFine() throws Exception {
        Result result = decode(Wire.pcap(false, false, 262_144, ETHERNET).done(), 1883);
        assertThat(result.lines()).isEmpty();
        assertThat(result.printer().undecodable()).isZero();
    }

    @Test
    void ipv6AddressesInTheirShortestForm() {
        assertThat(IpText.ipv6(Wire.address("2001:db8:0:0:0:0:2:1"), 0)).isEqualTo("2001:db8::2:1");
        assertThat(IpText.ipv6(Wire.address("2001:db8:0:1:0:0:0:1"), 0)).isEqualTo("2001:db8:0:1::1");
        assertThat(IpText.ipv6(Wire.address("2001:0:0:1:0:0:0:1"), 0)).as("the longer zero run")
                .isEqualTo("2001:0:0:1::1");
        assertThat(IpText.ipv6(Wire.address("2001:db8:0:0:1:0:0:1"), 0)).as("the first of equal runs")
                .isEqualTo("2001:db8::1:0:0:1");
        assertThat(IpText.ipv6(Wire.address("2001:db8:1:2:3:4:5:6"), 0)).isEqualTo("2001:db8:1:2:3:4:5:6");
        assertThat(IpText.ipv6(Wire.address("2001:db8:1:0:3:4:5:6"), 0)).as("one zero group stays")
                .isEqualTo("2001:db8:1:0:3:4:5:6");
        assertThat(IpText.ipv6(new byte[16], 0)).isEqualTo("::");
    }
}
