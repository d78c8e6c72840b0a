package io.sngate.sim.bench;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The local addresses the bench binds its device sockets to ({@code --source}): device i uses
 * address i mod N, so each address carries clients/N devices. A gateway counts sessions and
 * new CONNECTs per source IP, and one address has only so many ephemeral ports, so a large
 * bench spreads its devices over many loopback addresses.
 *
 * <p>{@code text} is what was given (echoed in the repeatable command); {@code addresses} is
 * what it comes to, in order: a comma-separated list whose items are an address (IPv4, IPv6,
 * or a host name as before), an inclusive IPv4 range ({@code 127.0.0.1-127.0.0.20}, or with the
 * end's last octets only: {@code 127.0.0.1-20}, {@code 127.0.0.250-1.4}) or an IPv4 CIDR block
 * ({@code 127.0.1.0/24}: its host addresses, without the network and broadcast addresses up to
 * /30). At most {@value #MAX} addresses, each at most once, all of one family.
 */
record SourceAddresses(String text, List<InetAddress> addresses) {

    /** More addresses than this is a mistake (a /8 instead of a /24): 65 536, a /16. */
    static final int MAX = 65_536;

    private static final Pattern IPV4_ISH = Pattern.compile("[0-9.]+");
    private static final Pattern RANGE_ISH = Pattern.compile("[0-9.]+-[0-9.]*");
    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?");

    SourceAddresses {
        addresses = List.copyOf(addresses);
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("no addresses");
        }
    }

    int size() {
        return addresses.size();
    }

    /** The address of the device with client index {@code index}: round robin. */
    InetAddress forDevice(int index) {
        return addresses.get(Math.floorMod(index, addresses.size()));
    }

    /** Parses the value of {@code --source}; every mistake is a usage error naming the item. */
    static SourceAddresses parse(String text) throws BenchOptions.UsageError {
        if (text.isBlank()) {
            throw error(text, "no address given");
        }
        List<InetAddress> all = new ArrayList<>();
        Set<InetAddress> seen = new HashSet<>();
        for (String raw : text.split(",", -1)) {
            String item = raw.strip();
            if (item.isEmpty()) {
                throw error(text, "an empty item in the list");
            }
            List<InetAddress> these = item(item, MAX - all.size());
            if (these.size() > MAX - all.size()) {
                throw error(text, "more than " + MAX + " addresses");
            }
            for (InetAddress address : these) {
                if (!seen.add(address)) {
                    throw error(text, address.getHostAddress() + " is given twice");
                }
            }
            all.addAll(these);
        }
        boolean v4 = all.get(0) instanceof Inet4Address;
        for (InetAddress address : all) {
            if ((address instanceof Inet4Address) != v4) {
                throw error(text, "mixes IPv4 and IPv6 addresses (the device sockets are of the gateway's family)");
            }
        }
        return new SourceAddresses(text, all);
    }

    /** One item of the list; {@code room} addresses may still be added. */
    private static List<InetAddress> item(String item, int room) throws BenchOptions.UsageError {
        int slash = item.indexOf('/');
        if (slash >= 0) {
            String base = item.substring(0, slash);
            if (base.contains(":")) {
                throw error(item, "IPv6 ranges are not supported (list single IPv6 addresses, comma-separated)");
            }
            return cidr(item, ipv4(item, base), item.substring(slash + 1), room);
        }
        if (item.contains(":")) {
            if (item.contains("-")) {
                throw error(item, "IPv6 ranges are not supported (list single IPv6 addresses, comma-separated)");
            }
            try {
                // With a colon this is an IPv6 literal: no name lookup.
                return List.of(InetAddress.getByName(item));
            } catch (UnknownHostException | SecurityException e) {
                throw error(item, "not an IPv6 address");
            }
        }
        if (RANGE_ISH.matcher(item).matches()) {
            return range(item, room);
        }
        if (IPV4_ISH.matcher(item).matches()) {
            return List.of(address(ipv4(item, item)));
        }
        if (HOST_NAME.matcher(item).matches() && item.chars().anyMatch(Character::isLetter)) {
            try {
                return List.of(InetAddress.getByName(item)); // a host name, as a single --source always allowed
            } catch (UnknownHostException | SecurityException e) {
                throw error(item, "not an address (no such host)");
            }
        }
        throw error(item, "not an address: give an IPv4 or IPv6 address, a range such as 127.0.0.1-127.0.0.20,"
                + " or a block such as 127.0.1.0/24");
    }

    private static List<InetAddress> range(String item, int room) throws BenchOptions.UsageError {
        int dash = item.indexOf('-');
        String from = item.substring(0, dash);
        String to = item.substring(dash + 1);
        long first = ipv4(item, from);
        String[] startOctets = from.split("\\.");
        String[] endOctets = to.split("\\.", -1);
        if (to.isEmpty() || endOctets.length > 4) {
            throw error(item, "the end of the range must be an IPv4 address or its last octets (127.0.0.1-20)");
        }
        StringBuilder end = new StringBuilder();
        for (int i = 0; i < 4 - endOctets.length; i++) {
            end.append(startOctets[i]).append('.');
        }
        end.append(to);
        long last = ipv4(item, end.toString());
        if (last < first) {
            throw error(item, "the range runs backwards: " + dotted(last) + " is before " + dotted(first));
        }
        return expand(item, first, last - first + 1, room);
    }

    private static List<InetAddress> cidr(String item, long base, String prefixText, int room)
            throws BenchOptions.UsageError {
        if (!prefixText.matches("[0-9]{1,2}") || Integer.parseInt(prefixText) > 32) {
            throw error(item, "the prefix length must be from 0 to 32, not '" + prefixText + "'");
        }
        int prefix = Integer.parseInt(prefixText);
        long size = 1L << (32 - prefix);
        if (base % size != 0) {
            throw error(item, "host bits are set: the block is " + dotted(base - base % size) + "/" + prefix);
        }
        if (prefix <= 30) {
            // Without the network and the broadcast address.
            return expand(item, base + 1, size - 2, room);
        }
        return expand(item, base, size, room);
    }

    private static List<InetAddress> expand(String item, long first, long count, int room)
            throws BenchOptions.UsageError {
        if (count > room) {
            throw error(item, count + " addresses" + (room < MAX ? ", with the " + (MAX - room) + " before it" : "")
                    + ": at most " + MAX + " in all");
        }
        List<InetAddress> out = new ArrayList<>((int) count);
        for (long a = first; a < first + count; a++) {
            out.add(address(a));
        }
        return out;
    }

    /** A dotted-quad IPv4 address as a number, strictly: four decimal octets 0..255. */
    private static long ipv4(String item, String text) throws BenchOptions.UsageError {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw error(item, "'" + text + "' is not an IPv4 address (four octets, as in 127.0.0.1)");
        }
        long value = 0;
        for (String part : parts) {
            if (!part.matches("[0-9]{1,3}") || Integer.parseInt(part) > 255) {
                throw error(item, "'" + text + "' is not an IPv4 address (octets are 0 to 255)");
            }
            value = value << 8 | Integer.parseInt(part);
        }
        return value;
    }

    private static InetAddress address(long ipv4) {
        byte[] b = {(byte) (ipv4 >>> 24), (byte) (ipv4 >>> 16), (byte) (ipv4 >>> 8), (byte) ipv4};
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("four bytes are an IPv4 address", e);
        }
    }

    private static String dotted(long ipv4) {
        return (ipv4 >>> 24 & 0xFF) + "." + (ipv4 >>> 16 & 0xFF) + "." + (ipv4 >>> 8 & 0xFF) + "." + (ipv4 & 0xFF);
    }

    private static BenchOptions.UsageError error(String item, String why) {
        return new BenchOptions.UsageError("--source " + item + ": " + why);
    }

}
