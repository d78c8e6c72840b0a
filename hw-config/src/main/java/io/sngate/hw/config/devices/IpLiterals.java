package io.sngate.hw.config.devices;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** IP address literals, read without ever asking DNS. */
public final class IpLiterals {

    /** What may follow an address: {@code /PREFIX}, then {@code :PORT}, both optional. */
    static final Pattern TAIL = Pattern.compile("(?:/([0-9]+))?(?::([0-9]+))?");

    /** Dotted quad; leading zeros are refused because some tools read them as octal. */
    private static final Pattern IPV4 = Pattern.compile(
            "(0|[1-9][0-9]{0,2})\\.(0|[1-9][0-9]{0,2})\\.(0|[1-9][0-9]{0,2})\\.(0|[1-9][0-9]{0,2})");

    private static final Pattern IPV6_CHARACTERS = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*");

    private IpLiterals() {
    }

    /**
     * The address an IPv4 or IPv6 literal names.
     *
     * @throws IllegalArgumentException when {@code text} is not one (host names included)
     */
    public static InetAddress parse(String text) {
        var v4 = IPV4.matcher(text);
        if (v4.matches()) {
            byte[] bytes = new byte[4];
            for (int i = 0; i < 4; i++) {
                int octet = Integer.parseInt(v4.group(i + 1));
                if (octet > 255) {
                    throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (" + octet + " > 255)");
                }
                bytes[i] = (byte) octet;
            }
            return byAddress(bytes);
        }
        if (text.contains("%")) {
            throw new IllegalArgumentException("'" + text + "': IPv6 zone ids (%...) are not supported");
        }
        // Only hex digits, colons and dots, starting with a hex digit or a colon, and holding a colon:
        // InetAddress then parses the text as an IPv6 literal or fails, and never does a lookup.
        if (text.indexOf(':') >= 0 && IPV6_CHARACTERS.matcher(text).matches()) {
            try {
                return InetAddress.getByName(text);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv6 address");
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not an IP address (host names are not looked up)");
    }

    static int number(String digits, String what, int min, int max) {
        long value;
        try {
            value = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            value = Long.MAX_VALUE; // too many digits
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException("the " + what + " must be from " + min + " to " + max + ", not " + digits);
        }
        return (int) value;
    }

    private static InetAddress byAddress(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 bytes are always an address", e);
        }
    }
}
