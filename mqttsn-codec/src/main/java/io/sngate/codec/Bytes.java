package io.sngate.codec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * An immutable run of bytes: a payload, a topic name, a client id.
 *
 * <p>Decoding does not copy: a decoded message's {@code Bytes} view the array that was
 * decoded, so that a PUBLISH costs one object for the message and one for its payload.
 * The price is that the caller must not change that array afterwards; code that reuses
 * a receive buffer decodes from a copy. Everything built from outside data through
 * {@link #copyOf} owns its own array.
 *
 * <p>Equality and hash are by content, so messages holding {@code Bytes} compare by value.
 */
public final class Bytes implements Comparable<Bytes> {

    private static final byte[] NO_BYTES = new byte[0];
    public static final Bytes EMPTY = new Bytes(NO_BYTES, 0, 0);
    private static final HexFormat HEX = HexFormat.of();

    private final byte[] array;
    private final int offset;
    private final int length;

    private Bytes(byte[] array, int offset, int length) {
        this.array = array;
        this.offset = offset;
        this.length = length;
    }

    /** A copy of {@code bytes}; later changes to the argument do not show. */
    public static Bytes copyOf(byte[] bytes) {
        return bytes.length == 0 ? EMPTY : new Bytes(bytes.clone(), 0, bytes.length);
    }

    /** A copy of part of {@code bytes}. */
    public static Bytes copyOf(byte[] bytes, int offset, int length) {
        checkRange(bytes.length, offset, length);
        return length == 0 ? EMPTY : new Bytes(Arrays.copyOfRange(bytes, offset, offset + length), 0, length);
    }

    /** A copy of the remaining bytes of {@code buffer}; its position does not move. */
    public static Bytes copyOf(ByteBuffer buffer) {
        byte[] copy = new byte[buffer.remaining()];
        buffer.duplicate().get(copy);
        return copy.length == 0 ? EMPTY : new Bytes(copy, 0, copy.length);
    }

    /**
     * A view of part of {@code array} without copying. The caller promises not to change
     * that part of the array while the view is in use.
     */
    public static Bytes wrap(byte[] array, int offset, int length) {
        checkRange(array.length, offset, length);
        return length == 0 ? EMPTY : new Bytes(array, offset, length);
    }

    /** A view of the whole array without copying (see {@link #wrap(byte[], int, int)}). */
    public static Bytes wrap(byte[] array) {
        return wrap(array, 0, array.length);
    }

    /** The UTF-8 encoding of {@code text}. */
    public static Bytes utf8(String text) {
        byte[] encoded = text.getBytes(StandardCharsets.UTF_8);
        return encoded.length == 0 ? EMPTY : new Bytes(encoded, 0, encoded.length);
    }

    /** Parses hexadecimal digits, ignoring spaces: {@code "08 04 04 01"}. */
    public static Bytes fromHex(String hex) {
        byte[] parsed = HEX.parseHex(hex.replace(" ", ""));
        return parsed.length == 0 ? EMPTY : new Bytes(parsed, 0, parsed.length);
    }

    public int length() {
        return length;
    }

    public boolean isEmpty() {
        return length == 0;
    }

    /** The unsigned value of byte {@code index}. */
    public int get(int index) {
        if (index < 0 || index >= length) {
            throw new IndexOutOfBoundsException("index " + index + " outside 0.." + (length - 1));
        }
        return array[offset + index] & 0xFF;
    }

    public byte[] toArray() {
        return Arrays.copyOfRange(array, offset, offset + length);
    }

    /** Copies the bytes into {@code dst} at {@code dstOffset}. */
    public void copyTo(byte[] dst, int dstOffset) {
        System.arraycopy(array, offset, dst, dstOffset, length);
    }

    /** Puts the bytes into {@code dst} at its position, advancing it. */
    public void copyTo(ByteBuffer dst) {
        dst.put(array, offset, length);
    }

    /** A read-only buffer over the same bytes (no copy). */
    public ByteBuffer asReadOnlyBuffer() {
        return ByteBuffer.wrap(array, offset, length).slice().asReadOnlyBuffer();
    }

    /** A view of part of these bytes (no copy). */
    public Bytes slice(int from, int sliceLength) {
        checkRange(length, from, sliceLength);
        return sliceLength == 0 ? EMPTY : new Bytes(array, offset + from, sliceLength);
    }

    /**
     * The bytes read as UTF-8. Malformed sequences become U+FFFD: use this for display and
     * for topic names already checked to be valid; never to round-trip unknown bytes.
     */
    public String utf8() {
        return new String(array, offset, length, StandardCharsets.UTF_8);
    }

    public String toHex() {
        return HEX.formatHex(array, offset, offset + length);
    }

    public boolean contentEquals(byte[] other) {
        return Arrays.equals(array, offset, offset + length, other, 0, other.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bytes other
                && Arrays.equals(array, offset, offset + length, other.array, other.offset, other.offset + other.length);
    }

    @Override
    public int hashCode() {
        int h = 1;
        for (int i = offset, end = offset + length; i < end; i++) {
            h = 31 * h + array[i];
        }
        return h;
    }

    @Override
    public int compareTo(Bytes other) {
        return Arrays.compareUnsigned(array, offset, offset + length, other.array, other.offset, other.offset + other.length);
    }

    /** Printable ASCII as text, anything else as hex: readable in logs either way. */
    @Override
    public String toString() {
        for (int i = offset, end = offset + length; i < end; i++) {
            if (array[i] < 0x20 || array[i] > 0x7E) {
                return "0x" + toHex();
            }
        }
        return '"' + new String(array, offset, length, StandardCharsets.ISO_8859_1) + '"';
    }

    private static void checkRange(int arrayLength, int offset, int length) {
        if (offset < 0 || length < 0 || offset > arrayLength - length) {
            throw new IndexOutOfBoundsException(
                    "range [" + offset + ", " + offset + "+" + length + ") outside array of " + arrayLength);
        }
    }
}
