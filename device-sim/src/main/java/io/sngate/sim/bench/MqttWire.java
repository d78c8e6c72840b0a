package io.sngate.sim.bench;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The few pieces of MQTT's wire format the bench's own publishers and subscribers write and
 * read by hand: a fixed header, a length-prefixed string, a variable byte integer.
 */
final class MqttWire {

    private MqttWire() {
    }

    /** A fixed header: the type and flags byte, then the remaining length. */
    static void header(OutputStream out, int typeAndFlags, int remaining) throws IOException {
        out.write(typeAndFlags);
        do {
            int digit = remaining & 0x7F;
            remaining >>>= 7;
            out.write(remaining > 0 ? digit | 0x80 : digit);
        } while (remaining > 0);
    }

    /** A UTF-8 string or binary field: two bytes of length, then the bytes. */
    static void string(OutputStream out, byte[] text) throws IOException {
        out.write(text.length >>> 8);
        out.write(text.length);
        out.write(text);
    }

    /**
     * A variable byte integer from the stream into {@code value[0]}; returns how many bytes it
     * took (a PUBLISH's property length counts in its remaining length).
     */
    static int readVarInt(DataInputStream in, int[] value) throws IOException {
        int result = 0;
        for (int i = 0; i < 4; i++) {
            int b = in.readUnsignedByte();
            result |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                value[0] = result;
                return i + 1;
            }
        }
        throw new IOException("malformed variable byte integer from the broker");
    }

    /** A variable byte integer from the stream. */
    static int readVarInt(DataInputStream in) throws IOException {
        int[] value = new int[1];
        readVarInt(in, value);
        return value[0];
    }

    /** A variable byte integer at {@code at[0]} of {@code in}; {@code at[0]} moves past it. */
    static int varInt(byte[] in, int[] at) {
        int value = 0;
        for (int shift = 0; shift < 28; shift += 7) {
            int b = in[at[0]++] & 0xFF;
            value |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        return value;
    }
}
