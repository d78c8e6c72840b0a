package io.sngate.sim.decode;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.HexFormat;

/**
 * Packets written in hex, one per line, as copied from a log or a serial terminal. Blank lines and
 * lines starting with {@code #} are skipped, and so is a {@code #} comment after the bytes; spaces
 * between the digits are allowed.
 */
public final class HexLines {

    private HexLines() {
    }

    /** Bytes from hex digits with any whitespace between them; an IllegalArgumentException says what is wrong. */
    public static byte[] parse(String text) {
        String digits = text.replaceAll("\\s+", "");
        if (digits.isEmpty()) {
            throw new IllegalArgumentException("no hex digits");
        }
        if (digits.length() % 2 != 0) {
            throw new IllegalArgumentException("odd number of hex digits (" + digits.length() + ")");
        }
        for (int i = 0; i < digits.length(); i++) {
            if (Character.digit(digits.charAt(i), 16) < 0) {
                throw new IllegalArgumentException("'" + digits.charAt(i) + "' is not a hex digit");
            }
        }
        return HexFormat.of().parseHex(digits);
    }

    /** Prints every packet of {@code in}, numbered from #1; a line that is not hex is a bad record. */
    public static void read(BufferedReader in, boolean forwarderOnly, Printer printer) throws IOException {
        int index = 0;
        int lineNumber = 0;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            lineNumber++;
            String text = withoutComment(line).strip();
            if (text.isEmpty()) {
                continue;
            }
            String head = "#" + ++index;
            byte[] packet;
            try {
                packet = parse(text);
            } catch (IllegalArgumentException e) {
                printer.bad(head, "not hex (line " + lineNumber + ", " + e.getMessage() + "): " + text, null);
                continue;
            }
            printer.payload(head, Payloads.decode(packet, forwarderOnly), packet);
        }
    }

    private static String withoutComment(String line) {
        int hash = line.indexOf('#');
        return hash < 0 ? line : line.substring(0, hash);
    }
}
