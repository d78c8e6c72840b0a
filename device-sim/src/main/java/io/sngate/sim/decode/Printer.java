package io.sngate.sim.decode;

import java.io.PrintStream;
import java.util.HexFormat;
import java.util.StringJoiner;

/**
 * Prints one line per record a reader found, in input order, and counts them. A line is
 * {@code HEAD [VIA] TEXT [  hex BYTES] [  # NOTE]}: the head says when and where (a capture time
 * and addresses, or a frame index), the text what the bytes are or why they are not.
 */
public final class Printer {

    private static final HexFormat SPACED_HEX = HexFormat.ofDelimiter(" ").withUpperCase();

    private final PrintStream out;
    private final boolean hex;
    private long decoded;
    private long undecodable;
    private long ignored;

    /** @param hex whether lines end with the record's raw bytes */
    public Printer(PrintStream out, boolean hex) {
        this.out = out;
        this.hex = hex;
    }

    /** An MQTT-SN payload: decoded, or malformed. */
    public void payload(String head, Decoded decoded, byte[] raw) {
        print(head, decoded.via() + (decoded.via().isEmpty() ? "" : " ") + decoded.text(), raw, decoded.note());
        count(decoded.ok());
    }

    /** A record that decoded and carries no MQTT-SN packet, e.g. an XBee AT Command Response. */
    public void record(String head, String text, byte[] raw) {
        print(head, text, raw, "");
        count(true);
    }

    /** Bytes that could not be decoded, and why. */
    public void bad(String head, String why, byte[] raw) {
        print(head, why, raw, "");
        count(false);
    }

    /** Something in the input that is not for this tool (a TCP packet in a capture): counted only. */
    public void ignore() {
        ignored++;
    }

    public long decoded() {
        return decoded;
    }

    public long undecodable() {
        return undecodable;
    }

    public long ignored() {
        return ignored;
    }

    /** {@code 5 decoded, 1 not decodable}. */
    public String summary() {
        return decoded + " decoded, " + undecodable + " not decodable";
    }

    private void count(boolean ok) {
        if (ok) {
            decoded++;
        } else {
            undecodable++;
        }
    }

    private void print(String head, String text, byte[] raw, String note) {
        StringJoiner line = new StringJoiner(" ");
        if (!head.isEmpty()) {
            line.add(head);
        }
        line.add(text);
        StringBuilder full = new StringBuilder(line.toString());
        if (hex && raw != null) {
            full.append("  hex ").append(raw.length == 0 ? "(none)" : SPACED_HEX.formatHex(raw));
        }
        if (!note.isEmpty()) {
            full.append("  # ").append(note);
        }
        out.println(full);
    }
}
