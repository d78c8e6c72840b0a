package io.sngate.sim.decode;

import io.sngate.codec.frame.SerialFrameDecoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A raw capture of a serial line carrying MQTT-SN frames (docs/framing.md), split into frames by
 * the gateway's own {@link SerialFrameDecoder}. Each frame is a numbered record; bytes that start
 * no frame are one bad record per run, with the offset where the run starts.
 *
 * <p>The decoder takes or drops the byte at the head of its buffer strictly in order, so the
 * offset of every frame and every dropped byte follows from its counters: this reader feeds one
 * byte at a time and keeps the bytes not yet settled, to know which bytes were dropped.
 */
public final class SerialStream {

    /** Bytes of a skipped run kept to say why they are no frame: a run longer than any frame is noise. */
    private static final int KEPT_SKIPPED = SerialFrameDecoder.DEFAULT_MAX_FRAME_SIZE;

    private final Printer printer;
    private final SerialFrameDecoder decoder = new SerialFrameDecoder(this::onFrame);
    private final byte[] one = new byte[1];
    /** The input from {@link #cursor} on that the decoder has neither delivered nor dropped. */
    private final ByteWindow unsettled = new ByteWindow();
    private long cursor;
    private long discardedSeen;
    private int index;

    private long skipStart = -1;
    private long skipLength;
    private final ByteArrayOutputStream skipped = new ByteArrayOutputStream();

    private SerialStream(Printer printer) {
        this.printer = printer;
    }

    /** Prints every frame of {@code in} until its end. */
    public static void read(InputStream in, Printer printer) throws IOException {
        SerialStream stream = new SerialStream(printer);
        byte[] buffer = new byte[8192];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            for (int i = 0; i < n; i++) {
                stream.accept(buffer[i]);
            }
        }
        stream.finish();
    }

    private void accept(byte b) {
        unsettled.add(b);
        one[0] = b;
        decoder.feed(one, 0, 1);
        settleDiscards();
    }

    private void onFrame(byte[] frame) {
        settleDiscards();
        flushSkipped(false);
        unsettled.drop(frame.length);
        cursor += frame.length;
        printer.payload("#" + ++index, Payloads.decode(frame, false), frame);
    }

    /** The bytes the decoder dropped since the last look are the next ones after the cursor. */
    private void settleDiscards() {
        long total = decoder.counters().bytesDiscarded();
        for (long i = discardedSeen; i < total; i++) {
            skip(unsettled.removeFirst());
        }
        discardedSeen = total;
    }

    private void skip(byte b) {
        if (skipStart < 0) {
            skipStart = cursor;
        }
        if (skipped.size() < KEPT_SKIPPED) {
            skipped.write(b);
        }
        skipLength++;
        cursor++;
    }

    /**
     * At the end of the input a frame still waiting for bytes will not get them. Its first byte is
     * dropped and the rest scanned again, by the decoder's own one-byte rule, so that real frames a
     * bogus header held back are still found.
     */
    private void finish() {
        settleDiscards();
        while (unsettled.size() > 0) {
            byte[] rest = unsettled.removeAll();
            decoder.reset();
            discardedSeen = decoder.counters().bytesDiscarded();
            skip(rest[0]);
            for (int i = 1; i < rest.length; i++) {
                accept(rest[i]);
            }
        }
        flushSkipped(true);
    }

    private void flushSkipped(boolean atEnd) {
        if (skipStart < 0) {
            return;
        }
        StringBuilder why = new StringBuilder();
        why.append(skipLength).append(" byte(s) skipped").append(atEnd ? " at the end of the input" : "")
                .append(", no MQTT-SN frame");
        if (skipLength >= 2 && skipLength <= KEPT_SKIPPED) {
            Decoded asOne = Payloads.decode(skipped.toByteArray(), false);
            if (!asOne.ok()) {
                why.append("; as one packet it is ").append(asOne.text());
            }
        }
        printer.bad("at byte " + skipStart + ":", why.toString(), skipped.toByteArray());
        skipStart = -1;
        skipLength = 0;
        skipped.reset();
    }
}
