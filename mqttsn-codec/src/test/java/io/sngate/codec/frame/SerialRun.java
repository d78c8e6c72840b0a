package io.sngate.codec.frame;

import io.sngate.codec.frame.SerialFrameDecoder.Counters;
import io.sngate.codec.frame.SerialFrameDecoder.FrameValidator;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Drives a {@link SerialFrameDecoder} the way a serial transport does: each chunk is copied
 * into one reused read buffer, fed, and the buffer is then scribbled over, so a decoder that
 * kept a reference to the caller's bytes would deliver garbage.
 */
final class SerialRun {

    private static final HexFormat HEX = HexFormat.of();

    /** What a run produced: frames as hex (readable in failures), counters, bytes left buffered. */
    record Outcome(List<String> frames, Counters counters, int buffered) {
    }

    private final SerialFrameDecoder decoder;
    private final List<String> frames = new ArrayList<>();
    private final byte[] readBuffer = new byte[70_000];

    SerialRun(int maxFrameSize) {
        this(maxFrameSize, FrameValidator.MQTT_SN_12);
    }

    SerialRun(int maxFrameSize, FrameValidator validator) {
        decoder = new SerialFrameDecoder(maxFrameSize, validator, frame -> frames.add(HEX.formatHex(frame)));
    }

    SerialFrameDecoder decoder() {
        return decoder;
    }

    List<String> frames() {
        return frames;
    }

    /** Feeds {@code bytes[from, to)} as one read, at a moving offset in the reused buffer. */
    SerialRun feed(byte[] bytes, int from, int to) {
        int at = (from * 7) % 16;
        System.arraycopy(bytes, from, readBuffer, at, to - from);
        decoder.feed(readBuffer, at, to - from);
        Arrays.fill(readBuffer, at, at + (to - from), (byte) 0x5A);
        if (decoder.buffered() < 0 || decoder.buffered() >= decoder.maxFrameSize()) {
            throw new AssertionError("buffered " + decoder.buffered() + " of at most " + (decoder.maxFrameSize() - 1));
        }
        return this;
    }

    SerialRun feed(byte[] bytes) {
        return feed(bytes, 0, bytes.length);
    }

    SerialRun feed(String hex) {
        return feed(hex(hex));
    }

    SerialRun feedByteByByte(byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            feed(bytes, i, i + 1);
        }
        return this;
    }

    /** Feeds in chunks of the given sizes, repeated until the stream is used up. */
    SerialRun feedInChunks(byte[] bytes, List<Integer> chunkSizes) {
        int p = 0;
        for (int i = 0; p < bytes.length; i++) {
            int n = Math.min(bytes.length - p, Math.max(1, chunkSizes.get(i % chunkSizes.size())));
            feed(bytes, p, p + n);
            p += n;
        }
        return this;
    }

    Outcome outcome() {
        return new Outcome(List.copyOf(frames), decoder.counters(), decoder.buffered());
    }

    static byte[] hex(String hex) {
        return HEX.parseHex(hex.replace(" ", ""));
    }

    static String toHex(byte[] bytes) {
        return HEX.formatHex(bytes);
    }

    static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        return concat(Arrays.asList(parts));
    }

    static List<String> hexList(List<byte[]> frames) {
        return frames.stream().map(SerialRun::toHex).toList();
    }
}
