package io.sngate.sim.decode;

import io.sngate.sim.decode.Dissection.BrokenUdp;
import io.sngate.sim.decode.Dissection.Damaged;
import io.sngate.sim.decode.Dissection.Fragment;
import io.sngate.sim.decode.Dissection.Udp;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.Set;

/**
 * The UDP datagrams to or from one port in a classic pcap capture (what {@code tcpdump -w} writes):
 * a 24-byte file header, then records of a 16-byte header and the packet's bytes.
 *
 * <p>The file header's magic number says the byte order of every field after it (the writer's)
 * and whether record times count microseconds (A1B2C3D4) or nanoseconds (A1B23C4D). Records have
 * no marker to resynchronise on: after a record header that cannot be right, or at a record cut
 * short by the end of the file, reading stops with one line saying so.
 */
public final class PcapReader {

    private static final int FILE_HEADER = 24;
    private static final int RECORD_HEADER = 16;
    /** Larger than any snapshot length tcpdump or Wireshark writes by default. */
    private static final int LARGEST_RECORD = 262_144;

    private static final DateTimeFormatter MICROS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter NANOS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'")
            .withZone(ZoneOffset.UTC);

    private final InputStream in;
    private final int port;
    private final boolean forwarderOnly;
    private final Printer printer;
    /** Fragmented datagrams whose first fragment was to or from the port: their later fragments are reported too. */
    private final Set<String> fragmentedOnPort = new HashSet<>();

    private boolean bigEndian;
    private boolean nanoseconds;
    private int linkType;
    private long snapLength;
    private long offset;

    private PcapReader(InputStream in, int port, boolean forwarderOnly, Printer printer) {
        this.in = in;
        this.port = port;
        this.forwarderOnly = forwarderOnly;
        this.printer = printer;
    }

    /**
     * Prints every UDP datagram to or from {@code port} in the capture; other packets are
     * {@linkplain Printer#ignore() counted}.
     *
     * @param name the capture's name for messages
     * @throws UnreadableCapture when the file header shows a file this reader cannot read
     */
    public static void read(InputStream in, String name, int port, boolean forwarderOnly, Printer printer)
            throws IOException, UnreadableCapture {
        PcapReader reader = new PcapReader(in, port, forwarderOnly, printer);
        reader.readFileHeader(name);
        reader.readRecords();
    }

    private void readFileHeader(String name) throws IOException, UnreadableCapture {
        byte[] header = new byte[FILE_HEADER];
        int n = readFully(header);
        if (n < 4) {
            throw new UnreadableCapture(name + " is not a pcap capture: it has only " + n + " byte(s)");
        }
        long magic = u32(header, 0, true);
        if (magic == 0x0A0D0D0AL) {
            throw new UnreadableCapture(name + " is a pcapng capture; decode reads classic pcap. Convert it with"
                    + " 'editcap -F pcap " + name + " capture.pcap' (Wireshark) or 'tcpdump -r " + name
                    + " -w capture.pcap', or capture with 'tcpdump -w'.");
        }
        if (magic == 0xA1B2C3D4L || magic == 0xA1B23C4DL) {
            bigEndian = true;
        } else if (magic == 0xD4C3B2A1L || magic == 0x4D3CB2A1L) {
            bigEndian = false;
        } else {
            throw new UnreadableCapture(String.format("%s is not a pcap capture: it starts with %08X, not the pcap"
                    + " magic number A1B2C3D4 (A1B23C4D for nanosecond times) in either byte order", name, magic));
        }
        nanoseconds = u32(header, 0, bigEndian) == 0xA1B23C4DL;
        if (n < FILE_HEADER) {
            throw new UnreadableCapture(name + " ends inside its " + FILE_HEADER + "-byte pcap file header ("
                    + n + " bytes)");
        }
        snapLength = u32(header, 16, bigEndian);
        // The upper bits of the link type field may describe a frame check sequence; the type is the low 16.
        linkType = (int) (u32(header, 20, bigEndian) & 0xFFFF);
        if (!Dissector.isSupported(linkType)) {
            throw new UnreadableCapture(name + " has link type " + linkType + ", which decode does not read: it"
                    + " reads Ethernet (1), raw IP (101, 228, 229), Linux cooked SLL (113) and SLL2 (276),"
                    + " and BSD loopback (0, 108)");
        }
    }

    private void readRecords() throws IOException {
        byte[] header = new byte[RECORD_HEADER];
        for (long number = 1; ; number++) {
            long at = offset;
            int n = readFully(header);
            if (n == 0) {
                return;
            }
            String record = "record " + number;
            if (n < RECORD_HEADER) {
                printer.bad(record, "the capture ends inside the record's " + RECORD_HEADER + "-byte header ("
                        + n + " bytes) at file offset " + at, null);
                return;
            }
            long seconds = u32(header, 0, bigEndian);
            long fraction = u32(header, 4, bigEndian);
            long included = u32(header, 8, bigEndian);
            long original = u32(header, 12, bigEndian);
            long largest = Math.max(snapLength, LARGEST_RECORD);
            if (included > largest || fraction >= (nanoseconds ? 1_000_000_000L : 1_000_000L)) {
                printer.bad(record, "impossible record header at file offset " + at + " (" + included
                        + " bytes captured, time fraction " + fraction + "): the file is damaged from here on,"
                        + " reading stops", null);
                return;
            }
            String time = time(seconds, fraction);
            byte[] data = new byte[(int) included];
            int got = readFully(data);
            if (got < included) {
                printer.bad(time + " " + record, "the capture ends inside the record: " + got + " of " + included
                        + " bytes", null);
                return;
            }
            show(time, record, Dissector.dissect(linkType, data, data.length), included < original);
        }
    }

    private void show(String time, String record, Dissection packet, boolean cutByCapture) {
        if (packet instanceof Udp udp) {
            if (!onPort(udp.sourcePort(), udp.destinationPort())) {
                printer.ignore();
                return;
            }
            String head = head(time, udp.source(), udp.sourcePort(), udp.destination(), udp.destinationPort());
            if (udp.cut()) {
                printer.bad(head, "UDP payload cut short by the capture's snapshot length (" + snapLength + "): "
                        + udp.payload().length + " of " + udp.declaredLength() + " bytes", udp.payload());
            } else {
                printer.payload(head, Payloads.decode(udp.payload(), forwarderOnly), udp.payload());
            }
        } else if (packet instanceof BrokenUdp broken) {
            if (!onPort(broken.sourcePort(), broken.destinationPort())) {
                printer.ignore();
                return;
            }
            printer.bad(head(time, broken.source(), broken.sourcePort(), broken.destination(),
                    broken.destinationPort()), broken.why(), null);
        } else if (packet instanceof Fragment fragment) {
            showFragment(time, fragment);
        } else if (packet instanceof Damaged damaged) {
            printer.bad(time + " " + record, damaged.why() + (cutByCapture ? " (the capture's snapshot length is "
                    + snapLength + ")" : ""), null);
        } else {
            printer.ignore(); // NotUdp: ARP, TCP, ... have nothing for this tool
        }
    }

    private void showFragment(String time, Fragment fragment) {
        boolean ours;
        if (fragment.offset() == 0) {
            ours = fragment.sourcePort() >= 0 && onPort(fragment.sourcePort(), fragment.destinationPort());
            if (ours) {
                fragmentedOnPort.add(fragment.key());
            }
        } else {
            ours = fragmentedOnPort.contains(fragment.key());
        }
        if (!fragment.more()) {
            fragmentedOnPort.remove(fragment.key());
        }
        if (!ours) {
            printer.ignore();
            return;
        }
        String head = fragment.offset() == 0
                ? head(time, fragment.source(), fragment.sourcePort(), fragment.destination(),
                        fragment.destinationPort())
                : time + " " + fragment.source() + " -> " + fragment.destination();
        printer.bad(head, "IP fragment at offset " + fragment.offset() + (fragment.more() ? "" : " (the last)")
                + " skipped: decode does not reassemble fragmented datagrams", null);
    }

    private boolean onPort(int sourcePort, int destinationPort) {
        return sourcePort == port || destinationPort == port;
    }

    private static String head(String time, String source, int sourcePort, String destination, int destinationPort) {
        return time + " " + IpText.endpoint(source, sourcePort) + " -> "
                + IpText.endpoint(destination, destinationPort);
    }

    private String time(long seconds, long fraction) {
        Instant instant = Instant.ofEpochSecond(seconds, nanoseconds ? fraction : fraction * 1000);
        return (nanoseconds ? NANOS : MICROS).format(instant);
    }

    /** Reads until {@code buffer} is full or the input ends; the number of bytes read. */
    private int readFully(byte[] buffer) throws IOException {
        int n = in.readNBytes(buffer, 0, buffer.length);
        offset += n;
        return n;
    }

    private static long u32(byte[] b, int at, boolean bigEndian) {
        long value = 0;
        for (int i = 0; i < 4; i++) {
            int shift = bigEndian ? 8 * (3 - i) : 8 * i;
            value |= (long) (b[at + i] & 0xFF) << shift;
        }
        return value;
    }
}
