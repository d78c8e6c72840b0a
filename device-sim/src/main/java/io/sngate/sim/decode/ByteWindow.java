package io.sngate.sim.decode;

import java.util.Arrays;

/** A growable queue of bytes: appended at the end, taken from the front. */
final class ByteWindow {

    private byte[] bytes = new byte[64];
    private int start;
    private int end;

    void add(byte b) {
        if (end == bytes.length) {
            if (start > 0) {
                System.arraycopy(bytes, start, bytes, 0, end - start);
                end -= start;
                start = 0;
            } else {
                bytes = Arrays.copyOf(bytes, bytes.length * 2);
            }
        }
        bytes[end++] = b;
    }

    int size() {
        return end - start;
    }

    byte removeFirst() {
        if (start == end) {
            throw new IllegalStateException("empty");
        }
        return bytes[start++];
    }

    void drop(int count) {
        if (count > size()) {
            throw new IllegalStateException("dropping " + count + " of " + size() + " bytes");
        }
        start += count;
    }

    byte[] removeAll() {
        byte[] all = Arrays.copyOfRange(bytes, start, end);
        start = 0;
        end = 0;
        return all;
    }
}
