package io.sngate.sim.decode;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Test inputs written byte by byte from the formats' own descriptions: pcap file and record
 * headers, Ethernet, VLAN, Linux cooked, BSD loopback, IPv4, IPv6 and UDP headers. Nothing here
 * uses the code under test.
 */
public final class Wire {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public Wire u8(int value) {
        out.write(value);
        return this;
    }

    public Wire u16(int value) {
        return u8(value >>> 8).u8(value & 0xFF);
    }

    public Wire u16le(int value) {
        return u8(value & 0xFF).u8(value >>> 8);
    }

    public Wire u32(long value, boolean bigEndian) {
        for (int i = 0; i < 4; i++) {
            int shift = bigEndian ? 8 * (3 - i) : 8 * i;
            out.write((int) (value >>> shift) & 0xFF);
        }
        return this;
    }

    public Wire bytes(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    public Wire zeros(int count) {
        return bytes(new byte[count]);
    }

    public byte[] done() {
        return out.toByteArray();
    }

    public static byte[] hex(String hex) {
        return java.util.HexFormat.of().parseHex(hex.replace(" ", ""));
    }

    public static byte[] address(String literal) {
        try {
            return InetAddress.getByName(literal).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    // ------------------------------------------------------------------ pcap

    public static final long MICROSECOND_MAGIC = 0xA1B2C3D4L;
    public static final long NANOSECOND_MAGIC = 0xA1B23C4DL;

    /** The 24-byte file header: magic, version 2.4, zone 0, sigfigs 0, snapshot length, link type. */
    public static Wire pcap(boolean bigEndian, boolean nanoseconds, long snapLength, int linkType) {
        return new Wire().u32(nanoseconds ? NANOSECOND_MAGIC : MICROSECOND_MAGIC, bigEndian)
                .u16order(2, bigEndian).u16order(4, bigEndian)
                .u32(0, bigEndian).u32(0, bigEndian).u32(snapLength, bigEndian).u32(linkType, bigEndian);
    }

    public Wire u16order(int value, boolean bigEndian) {
        return bigEndian ? u16(value) : u16le(value);
    }

    /** A record: seconds, fraction, captured length, original length, then the captured bytes. */
    public Wire record(boolean bigEndian, long seconds, long fraction, byte[] packet, int originalLength) {
        return u32(seconds, bigEndian).u32(fraction, bigEndian).u32(packet.length, bigEndian)
                .u32(originalLength, bigEndian).bytes(packet);
    }

    public Wire record(boolean bigEndian, long seconds, long fraction, byte[] packet) {
        return record(bigEndian, seconds, fraction, packet, packet.length);
    }

    // ------------------------------------------------------------------ link layers

    public static byte[] ethernet(int etherType, byte[] payload) {
        return new Wire().bytes(hex("02 00 00 00 00 01")).bytes(hex("02 00 00 00 00 02")).u16(etherType)
                .bytes(payload).done();
    }

    /** Ethernet with 802.1Q/802.1ad tags: each tag is its TPID, then a TCI (VLAN id 10, 20, ...). */
    public static byte[] ethernetTagged(int[] tagTypes, int etherType, byte[] payload) {
        Wire w = new Wire().bytes(hex("02 00 00 00 00 01")).bytes(hex("02 00 00 00 00 02"));
        for (int i = 0; i < tagTypes.length; i++) {
            w.u16(tagTypes[i]).u16(10 * (i + 1));
        }
        return w.u16(etherType).bytes(payload).done();
    }

    /** Linux cooked v1: packet type, ARPHRD type, address length, 8 address bytes, protocol. */
    public static byte[] sll(int protocol, byte[] payload) {
        return new Wire().u16(0).u16(772).u16(6).bytes(hex("00 00 00 00 00 00 00 00")).u16(protocol)
                .bytes(payload).done();
    }

    /** Linux cooked v2: protocol, reserved, interface index, ARPHRD type, packet type, address length, 8 bytes. */
    public static byte[] sll2(int protocol, byte[] payload) {
        return new Wire().u16(protocol).u16(0).u32(1, true).u16(772).u8(0).u8(6)
                .bytes(hex("00 00 00 00 00 00 00 00")).bytes(payload).done();
    }

    /** BSD loopback: the address family as a 4-byte integer in the capturing host's byte order. */
    public static byte[] loopback(int family, boolean bigEndian, byte[] payload) {
        return new Wire().u32(family, bigEndian).bytes(payload).done();
    }

    // ------------------------------------------------------------------ IP and UDP

    public static byte[] udp(int sourcePort, int destinationPort, byte[] payload) {
        return new Wire().u16(sourcePort).u16(destinationPort).u16(8 + payload.length).u16(0).bytes(payload).done();
    }

    public static byte[] ipv4(String source, String destination, int protocol, byte[] payload) {
        return ipv4(source, destination, protocol, 0x1234, false, 0, payload);
    }

    /** An IPv4 header (no options) with a correct header checksum, then {@code payload}. */
    public static byte[] ipv4(String source, String destination, int protocol, int id, boolean moreFragments,
                       int fragmentOffset, byte[] payload) {
        byte[] header = new Wire().u8(0x45).u8(0).u16(20 + payload.length).u16(id)
                .u16((moreFragments ? 0x2000 : 0) | fragmentOffset / 8).u8(64).u8(protocol).u16(0)
                .bytes(address(source)).bytes(address(destination)).done();
        int sum = 0;
        for (int i = 0; i < header.length; i += 2) {
            sum += (header[i] & 0xFF) << 8 | (header[i + 1] & 0xFF);
        }
        while (sum > 0xFFFF) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        int checksum = ~sum & 0xFFFF;
        header[10] = (byte) (checksum >>> 8);
        header[11] = (byte) checksum;
        return new Wire().bytes(header).bytes(payload).done();
    }

    /** An IPv6 header: version 6, no traffic class or flow label, hop limit 64, then {@code payload}. */
    public static byte[] ipv6(String source, String destination, int nextHeader, byte[] payload) {
        return new Wire().u32(0x60000000L, true).u16(payload.length).u8(nextHeader).u8(64)
                .bytes(address(source)).bytes(address(destination)).bytes(payload).done();
    }

    /** An extension header in the common format (hop-by-hop, routing, destination options): 8 bytes, padded. */
    public static byte[] ipv6Extension(int nextHeader, byte[] rest) {
        // Length counts 8-byte units beyond the first; pad the options with PadN-like zeros.
        int total = ((2 + rest.length + 7) / 8) * 8;
        return new Wire().u8(nextHeader).u8(total / 8 - 1).bytes(rest).zeros(total - 2 - rest.length).done();
    }

    /** The fragment header: next header, reserved, offset (8-byte units) and M flag, identification. */
    public static byte[] ipv6Fragment(int nextHeader, int offset, boolean more, long id, byte[] payload) {
        return new Wire().u8(nextHeader).u8(0).u16(offset | (more ? 1 : 0)).u32(id, true).bytes(payload).done();
    }
}
