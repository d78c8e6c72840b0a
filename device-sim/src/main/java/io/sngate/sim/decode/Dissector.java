package io.sngate.sim.decode;

import io.sngate.sim.decode.Dissection.BrokenUdp;
import io.sngate.sim.decode.Dissection.Damaged;
import io.sngate.sim.decode.Dissection.Fragment;
import io.sngate.sim.decode.Dissection.NotUdp;
import io.sngate.sim.decode.Dissection.Udp;
import java.util.Arrays;
import java.util.Set;

/**
 * Reads the link-layer, IP and UDP headers of one captured packet, for the pcap link types
 * {@link #isSupported supported}. Every length is checked against the bytes captured: a short or
 * inconsistent header is {@link Damaged}, never an exception.
 */
final class Dissector {

    static final int LINKTYPE_NULL = 0;
    static final int LINKTYPE_ETHERNET = 1;
    static final int LINKTYPE_RAW = 101;
    static final int LINKTYPE_LOOP = 108;
    static final int LINKTYPE_LINUX_SLL = 113;
    static final int LINKTYPE_IPV4 = 228;
    static final int LINKTYPE_IPV6 = 229;
    static final int LINKTYPE_LINUX_SLL2 = 276;

    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_IPV6 = 0x86DD;
    /** 802.1Q, 802.1ad (QinQ) and the older QinQ tag. */
    private static final Set<Integer> VLAN_TAGS = Set.of(0x8100, 0x88A8, 0x9100);
    /** AF_INET6 as BSD loopback headers write it: Linux, NetBSD/OpenBSD, FreeBSD, macOS. */
    private static final Set<Integer> AF_INET6 = Set.of(10, 24, 28, 30);
    private static final int AF_INET = 2;

    private static final int UDP = 17;
    private static final int IPV6_HOP_BY_HOP = 0;
    private static final int IPV6_ROUTING = 43;
    private static final int IPV6_FRAGMENT = 44;
    private static final int IPV6_AH = 51;
    private static final int IPV6_DESTINATION = 60;
    /** Extension headers in the common format: next header, length in 8-byte units beyond the first 8. */
    private static final Set<Integer> IPV6_GENERIC_EXTENSIONS = Set.of(IPV6_HOP_BY_HOP, IPV6_ROUTING,
            IPV6_DESTINATION, 135, 139, 140);

    private final byte[] d;
    private final int captured;

    private Dissector(byte[] data, int captured) {
        this.d = data;
        this.captured = captured;
    }

    static boolean isSupported(int linkType) {
        return switch (linkType) {
            case LINKTYPE_NULL, LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_LOOP, LINKTYPE_LINUX_SLL, LINKTYPE_IPV4,
                    LINKTYPE_IPV6, LINKTYPE_LINUX_SLL2 -> true;
            default -> false;
        };
    }

    /** The first {@code captured} bytes of {@code data} are one packet of {@code linkType}. */
    static Dissection dissect(int linkType, byte[] data, int captured) {
        return new Dissector(data, captured).link(linkType);
    }

    private Dissection link(int linkType) {
        switch (linkType) {
            case LINKTYPE_ETHERNET:
                if (captured < 14) {
                    return cutShort("Ethernet header", 0, 14);
                }
                return etherType(u16(12), 14);
            case LINKTYPE_LINUX_SLL:
                if (captured < 16) {
                    return cutShort("Linux cooked (SLL) header", 0, 16);
                }
                return etherType(u16(14), 16);
            case LINKTYPE_LINUX_SLL2:
                if (captured < 20) {
                    return cutShort("Linux cooked (SLL2) header", 0, 20);
                }
                return etherType(u16(0), 20);
            case LINKTYPE_NULL:
            case LINKTYPE_LOOP: {
                if (captured < 4) {
                    return cutShort("loopback header", 0, 4);
                }
                // LINKTYPE_NULL writes the family in the byte order of the capturing host; it is a small number.
                boolean bigEndian = linkType == LINKTYPE_LOOP || (d[0] == 0 && d[1] == 0);
                int family = bigEndian ? u16(0) << 16 | u16(2) : u16le(2) << 16 | u16le(0);
                if (family == AF_INET) {
                    return ipv4(4);
                }
                if (AF_INET6.contains(family)) {
                    return ipv6(4);
                }
                return new NotUdp();
            }
            case LINKTYPE_RAW:
                if (captured < 1) {
                    return cutShort("IP header", 0, 1);
                }
                int version = (d[0] & 0xFF) >> 4;
                if (version == 4) {
                    return ipv4(0);
                }
                if (version == 6) {
                    return ipv6(0);
                }
                return new Damaged("raw IP packet of IP version " + version);
            case LINKTYPE_IPV4:
                return ipv4(0);
            case LINKTYPE_IPV6:
                return ipv6(0);
            default:
                throw new IllegalArgumentException("link type " + linkType + " is not supported");
        }
    }

    private Dissection etherType(int type, int at) {
        while (VLAN_TAGS.contains(type)) {
            if (captured < at + 4) {
                return cutShort("VLAN tag", at, 4);
            }
            type = u16(at + 2);
            at += 4;
        }
        if (type == ETHERTYPE_IPV4) {
            return ipv4(at);
        }
        if (type == ETHERTYPE_IPV6) {
            return ipv6(at);
        }
        return new NotUdp();
    }

    private Dissection ipv4(int at) {
        if (captured < at + 20) {
            return cutShort("IPv4 header", at, 20);
        }
        int version = (d[at] & 0xFF) >> 4;
        if (version != 4) {
            return new Damaged("IPv4 header with IP version " + version);
        }
        int headerLength = (d[at] & 0x0F) * 4;
        int total = u16(at + 2);
        if (headerLength < 20 || total < headerLength) {
            return new Damaged("IPv4 header length " + headerLength + " and total length " + total
                    + " are impossible");
        }
        if (captured < at + headerLength) {
            return cutShort("IPv4 header with options", at, headerLength);
        }
        int protocol = d[at + 9] & 0xFF;
        String source = IpText.ipv4(d, at + 12);
        String destination = IpText.ipv4(d, at + 16);
        int flagsAndOffset = u16(at + 6);
        boolean more = (flagsAndOffset & 0x2000) != 0;
        int offset = (flagsAndOffset & 0x1FFF) * 8;
        int payload = at + headerLength;
        if (more || offset != 0) {
            String key = "4 " + source + " " + destination + " " + protocol + " " + u16(at + 4);
            return fragment(key, source, destination, protocol, offset, more, payload);
        }
        if (protocol != UDP) {
            return new NotUdp();
        }
        return udp(source, destination, payload, at + total);
    }

    private Dissection ipv6(int at) {
        if (captured < at + 40) {
            return cutShort("IPv6 header", at, 40);
        }
        int version = (d[at] & 0xFF) >> 4;
        if (version != 6) {
            return new Damaged("IPv6 header with IP version " + version);
        }
        int payloadLength = u16(at + 4);
        String source = IpText.ipv6(d, at + 8);
        String destination = IpText.ipv6(d, at + 24);
        // Payload length 0 is a jumbogram's: its length is in a hop-by-hop option; the capture's end will do.
        int end = payloadLength == 0 ? captured : at + 40 + payloadLength;
        int next = d[at + 6] & 0xFF;
        int p = at + 40;
        while (true) {
            if (next == UDP) {
                return udp(source, destination, p, end);
            }
            if (next == IPV6_FRAGMENT) {
                if (captured < p + 8) {
                    return cutShort("IPv6 fragment header", p, 8);
                }
                int offsetAndFlags = u16(p + 2);
                int offset = offsetAndFlags & 0xFFF8;
                boolean more = (offsetAndFlags & 1) != 0;
                next = d[p] & 0xFF;
                if (offset == 0 && !more) {
                    p += 8; // an atomic fragment (RFC 6946): the whole datagram, just carry on
                    continue;
                }
                String key = "6 " + source + " " + destination + " " + u16(p + 4) + " " + u16(p + 6);
                return fragment(key, source, destination, next, offset, more, p + 8);
            }
            int length;
            if (IPV6_GENERIC_EXTENSIONS.contains(next)) {
                if (captured < p + 2) {
                    return cutShort("IPv6 extension header " + next, p, 2);
                }
                length = ((d[p + 1] & 0xFF) + 1) * 8;
            } else if (next == IPV6_AH) {
                if (captured < p + 2) {
                    return cutShort("IPv6 authentication header", p, 2);
                }
                length = ((d[p + 1] & 0xFF) + 2) * 4;
            } else {
                // TCP, ICMPv6, no next header (59), or ESP (50), whose encrypted payload hides what follows.
                return new NotUdp();
            }
            if (captured < p + length) {
                return cutShort("IPv6 extension header " + next, p, length);
            }
            next = d[p] & 0xFF;
            p += length;
        }
    }

    private Dissection fragment(String key, String source, String destination, int protocol, int offset,
                                boolean more, int payload) {
        int sourcePort = -1;
        int destinationPort = -1;
        if (offset == 0 && protocol == UDP && captured >= payload + 4) {
            sourcePort = u16(payload);
            destinationPort = u16(payload + 2);
        }
        return new Fragment(key, source, destination, protocol, offset, more, sourcePort, destinationPort);
    }

    /** A UDP header at {@code at}; the IP header says the datagram ends at {@code ipEnd}. */
    private Dissection udp(String source, String destination, int at, int ipEnd) {
        if (captured < at + 4) {
            return cutShort("UDP header", at, 8);
        }
        int sourcePort = u16(at);
        int destinationPort = u16(at + 2);
        if (captured < at + 8) {
            return new BrokenUdp(source, destination, sourcePort, destinationPort,
                    "UDP header cut short: " + (captured - at) + " of 8 bytes captured");
        }
        int length = u16(at + 4);
        if (length < 8) {
            return new BrokenUdp(source, destination, sourcePort, destinationPort,
                    "UDP length " + length + " is less than its own 8-byte header");
        }
        if (at + length > ipEnd) {
            return new BrokenUdp(source, destination, sourcePort, destinationPort,
                    "UDP length " + length + " runs past the end of the IP packet (" + (ipEnd - at) + " bytes)");
        }
        int start = at + 8;
        int available = Math.max(0, Math.min(at + length, captured) - start);
        return new Udp(source, destination, sourcePort, destinationPort, Arrays.copyOfRange(d, start,
                start + available), length - 8);
    }

    private Damaged cutShort(String what, int at, int needed) {
        return new Damaged(what + " cut short: " + Math.max(0, captured - at) + " of " + needed + " bytes captured");
    }

    private int u16(int at) {
        return (d[at] & 0xFF) << 8 | (d[at + 1] & 0xFF);
    }

    private int u16le(int at) {
        return (d[at] & 0xFF) | (d[at + 1] & 0xFF) << 8;
    }
}
