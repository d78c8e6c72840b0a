package io.sngate.sim.decode;

/** IP addresses and endpoints as text: {@code 192.0.2.1:1883}, {@code [2001:db8::1]:1883} (RFC 5952). */
final class IpText {

    private IpText() {
    }

    static String ipv4(byte[] d, int at) {
        return (d[at] & 0xFF) + "." + (d[at + 1] & 0xFF) + "." + (d[at + 2] & 0xFF) + "." + (d[at + 3] & 0xFF);
    }

    /** Lower-case hex groups without leading zeros, the longest run (two or more) of zero groups as {@code ::}. */
    static String ipv6(byte[] d, int at) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (d[at + 2 * i] & 0xFF) << 8 | (d[at + 2 * i + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }

    /** An address (as {@link #ipv4} or {@link #ipv6} wrote it) with a port. */
    static String endpoint(String address, int port) {
        return (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
    }
}
