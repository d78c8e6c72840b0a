package io.sngate.hw.config.devices;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.regex.Matcher;

/**
 * Where a device may connect from: an IP network (optionally one port), one XBee radio, or one
 * serial line. The text forms, as the devices file writes them:
 * <ul>
 * <li>{@code 192.0.2.10}, {@code 10.1.0.0/16}, {@code 192.0.2.10:1883}, {@code 10.1.0.0/16:1883}</li>
 * <li>{@code 2001:db8::1}, {@code 2001:db8::/32}, {@code [2001:db8::1]:1883}, {@code [2001:db8::]/32:1883}</li>
 * <li>{@code xbee:0013A20040A1B2C3} (the 64-bit address, 16 hex digits, any case)</li>
 * <li>{@code serial:NAME} (the {@code name} of a {@code serial} section of the gateway configuration)</li>
 * </ul>
 * Host names are refused rather than resolved: pinning by DNS would make who-may-connect depend on
 * a lookup at load time.
 */
public sealed interface AddressRange {

    /** Whether a device at this UDP source address is inside the range (never for non-IP ranges). */
    boolean allows(InetSocketAddress source);

    /**
     * Whether a device at a link address, in the gateway's text form, is inside the range:
     * {@code udp:IP:PORT}, {@code xbee:HEX16} or {@code xbee:RADIO/HEX16}, {@code serial:NAME}.
     * A device behind a forwarder ({@code .../node:...}) is never inside: it is not the forwarder.
     */
    boolean allowsLink(String linkAddressText);

    /** The range in the devices file's text form. */
    String text();

    /**
     * Reads one address as the devices file writes it.
     *
     * @throws IllegalArgumentException with the reason when the text is not an address
     */
    static AddressRange parse(String text) {
        String trimmed = text.strip();
        String lower = trimmed.toLowerCase(Locale.ROOT);
        if (lower.startsWith(XBee.PREFIX)) {
            return XBee.parse(trimmed.substring(XBee.PREFIX.length()));
        }
        if (lower.startsWith(SerialLine.PREFIX)) {
            return new SerialLine(trimmed.substring(SerialLine.PREFIX.length()));
        }
        return IpRange.parse(trimmed);
    }

    /** An IPv4 or IPv6 network ({@code /32} or {@code /128} for one host), any port or one. */
    record IpRange(InetAddress network, int prefixLength, OptionalInt port) implements AddressRange {

        public IpRange {
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(port, "port");
            int bits = network.getAddress().length * 8;
            if (prefixLength < 0 || prefixLength > bits) {
                throw new IllegalArgumentException("the prefix length must be from 0 to " + bits + ", not "
                        + prefixLength);
            }
            if (!hostBitsClear(network.getAddress(), prefixLength)) {
                throw new IllegalArgumentException(network.getHostAddress() + "/" + prefixLength
                        + " has bits set after the prefix (the network is "
                        + masked(network, prefixLength).getHostAddress() + "/" + prefixLength + ")");
            }
            if (port.isPresent() && (port.getAsInt() < 1 || port.getAsInt() > 65_535)) {
                throw new IllegalArgumentException("the port must be from 1 to 65535, not " + port.getAsInt());
            }
        }

        @Override
        public boolean allows(InetSocketAddress source) {
            InetAddress ip = source.getAddress();
            if (ip == null || (port.isPresent() && port.getAsInt() != source.getPort())) {
                return false;
            }
            byte[] candidate = ip.getAddress();
            byte[] ours = network.getAddress();
            return candidate.length == ours.length && samePrefix(candidate, ours, prefixLength);
        }

        @Override
        public boolean allowsLink(String linkAddressText) {
            if (linkAddressText == null || !linkAddressText.startsWith("udp:")) {
                return false;
            }
            // The gateway writes IPv6 without brackets (udp:2001:db8::1:1883): the port is after the last colon.
            String rest = linkAddressText.substring(4);
            int colon = rest.lastIndexOf(':');
            if (colon <= 0) {
                return false;
            }
            String host = rest.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            try {
                int sourcePort = Integer.parseInt(rest.substring(colon + 1));
                return sourcePort >= 0 && sourcePort <= 65_535
                        && allows(new InetSocketAddress(IpLiterals.parse(host), sourcePort));
            } catch (IllegalArgumentException e) { // NumberFormatException included
                return false;
            }
        }

        @Override
        public String text() {
            boolean v6 = !(network instanceof Inet4Address);
            boolean wholeHost = prefixLength == network.getAddress().length * 8;
            String ip = network.getHostAddress();
            String prefix = wholeHost ? "" : "/" + prefixLength;
            if (port.isEmpty()) {
                return ip + prefix;
            }
            return (v6 ? "[" + ip + "]" : ip) + prefix + ":" + port.getAsInt();
        }

        static IpRange parse(String text) {
            if (text.isEmpty()) {
                throw new IllegalArgumentException("an address cannot be empty");
            }
            String host;
            String rest;
            if (text.startsWith("[")) {
                int close = text.indexOf(']');
                if (close < 0) {
                    throw new IllegalArgumentException("'" + text + "' has '[' without ']'");
                }
                host = text.substring(1, close);
                rest = text.substring(close + 1);
            } else if (text.indexOf(':') != text.lastIndexOf(':')) {
                // Two colons or more: bare IPv6, which cannot carry a port (write [v6]:port for one).
                int slash = text.indexOf('/');
                host = slash < 0 ? text : text.substring(0, slash);
                rest = slash < 0 ? "" : text.substring(slash);
            } else {
                int cut = firstOf(text, '/', ':');
                host = cut < 0 ? text : text.substring(0, cut);
                rest = cut < 0 ? "" : text.substring(cut);
            }
            InetAddress ip = IpLiterals.parse(host);
            int bits = ip.getAddress().length * 8;
            int prefix = bits;
            OptionalInt port = OptionalInt.empty();
            Matcher tail = IpLiterals.TAIL.matcher(rest);
            if (!tail.matches()) {
                throw new IllegalArgumentException("'" + text + "': after the address only /PREFIX and :PORT may follow, not '"
                        + rest + "'");
            }
            if (tail.group(1) != null) {
                prefix = IpLiterals.number(tail.group(1), "prefix length", 0, bits);
            }
            if (tail.group(2) != null) {
                port = OptionalInt.of(IpLiterals.number(tail.group(2), "port", 1, 65_535));
            }
            return new IpRange(ip, prefix, port);
        }

        private static int firstOf(String text, char a, char b) {
            int i = text.indexOf(a);
            int j = text.indexOf(b);
            return i < 0 ? j : j < 0 ? i : Math.min(i, j);
        }

        private static boolean samePrefix(byte[] a, byte[] b, int bits) {
            int whole = bits / 8;
            for (int i = 0; i < whole; i++) {
                if (a[i] != b[i]) {
                    return false;
                }
            }
            int left = bits % 8;
            if (left == 0) {
                return true;
            }
            int mask = (0xFF << (8 - left)) & 0xFF;
            return (a[whole] & mask) == (b[whole] & mask);
        }

        private static boolean hostBitsClear(byte[] address, int bits) {
            return java.util.Arrays.equals(address, maskBytes(address, bits));
        }

        private static InetAddress masked(InetAddress address, int bits) {
            try {
                return InetAddress.getByAddress(maskBytes(address.getAddress(), bits));
            } catch (UnknownHostException e) {
                throw new IllegalStateException("a 4- or 16-byte address is always valid", e);
            }
        }

        private static byte[] maskBytes(byte[] address, int bits) {
            byte[] out = address.clone();
            for (int i = 0; i < out.length; i++) {
                int keep = Math.max(0, Math.min(8, bits - i * 8));
                out[i] = (byte) (out[i] & ((0xFF << (8 - keep)) & 0xFF));
            }
            return out;
        }
    }

    /** One remote XBee radio, by its 64-bit address, whichever of the gateway's radios hears it. */
    record XBee(long address64) implements AddressRange {

        static final String PREFIX = "xbee:";

        @Override
        public boolean allows(InetSocketAddress source) {
            return false;
        }

        @Override
        public boolean allowsLink(String linkAddressText) {
            if (linkAddressText == null || !linkAddressText.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
                return false;
            }
            String rest = linkAddressText.substring(PREFIX.length());
            String hex = rest.substring(rest.lastIndexOf('/') + 1); // the gateway writes xbee:RADIO/HEX16
            return isHex16(hex) && Long.parseUnsignedLong(hex, 16) == address64;
        }

        @Override
        public String text() {
            return String.format("xbee:%016X", address64);
        }

        /** {@code hex} is the part after {@code xbee:}. */
        static XBee parse(String hex) {
            if (!isHex16(hex)) {
                throw new IllegalArgumentException("'" + hex + "' is not an XBee 64-bit address (16 hex digits, like "
                        + "xbee:0013A20040A1B2C3)");
            }
            return new XBee(Long.parseUnsignedLong(hex, 16));
        }

        static boolean isHex16(String text) {
            return text.length() == 16 && text.chars().allMatch(c -> Character.digit(c, 16) >= 0 && c < 128);
        }
    }

    /** The device on one of the gateway's serial lines, by the line's configured name. */
    record SerialLine(String name) implements AddressRange {

        static final String PREFIX = "serial:";

        public SerialLine {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("serial: needs the name of a serial line, like serial:meter");
            }
        }

        @Override
        public boolean allows(InetSocketAddress source) {
            return false;
        }

        @Override
        public boolean allowsLink(String linkAddressText) {
            return (PREFIX + name).equals(linkAddressText);
        }

        @Override
        public String text() {
            return PREFIX + name;
        }
    }
}
