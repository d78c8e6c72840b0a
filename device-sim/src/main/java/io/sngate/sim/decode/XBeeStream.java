package io.sngate.sim.decode;

import io.sngate.codec.DecodeException;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.codec.xbee.XBeeFrame;
import io.sngate.codec.xbee.XBeeFrameDecoder;
import java.io.IOException;
import java.io.InputStream;

/**
 * The bytes between a host and an XBee radio in API mode 1 or 2, split into API frames by the
 * gateway's own {@link XBeeFrameDecoder}. Each frame is a numbered record (see {@link XBeeFrames});
 * bytes outside frames and frames the decoder rejects (bad checksum, impossible length, cut short)
 * are bad records.
 *
 * <p>The decoder reports rejected frames only by its counters, so this reader feeds one byte at a
 * time and looks at them after each byte: a bad record's offset is that of the byte at which the
 * decoder noticed it (the checksum byte for a bad checksum).
 */
public final class XBeeStream implements XBeeFrameDecoder.Listener {

    private final Printer printer;
    private final ApiMode mode;
    private final XBeeFrameDecoder decoder;
    private final byte[] one = new byte[1];
    private XBeeFrameDecoder.Counters seen;
    /** Offset of the byte being fed. */
    private long at = -1;
    private int index;
    private long skipStart = -1;
    private long skipLength;

    private XBeeStream(ApiMode mode, Printer printer) {
        this.printer = printer;
        this.mode = mode;
        this.decoder = new XBeeFrameDecoder(mode, this);
        this.seen = decoder.counters();
    }

    /** Prints every frame of {@code in} until its end. */
    public static void read(InputStream in, ApiMode mode, Printer printer) throws IOException {
        XBeeStream stream = new XBeeStream(mode, printer);
        byte[] buffer = new byte[8192];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            for (int i = 0; i < n; i++) {
                stream.accept(buffer[i]);
            }
        }
        stream.finish();
    }

    private void accept(byte b) {
        at++;
        one[0] = b;
        decoder.feed(one, 0, 1);
        look(false);
    }

    private void finish() {
        // No more bytes will come: a frame still arriving is abandoned, and frames it swallowed are found.
        decoder.reset();
        look(true);
        flushSkipped(true);
    }

    @Override
    public void onFrame(XBeeFrame frame) {
        look(false);
        flushSkipped(false);
        XBeeFrames.print("#" + ++index, frame, mode, printer);
    }

    @Override
    public void onMalformed(DecodeException error) {
        look(false);
        flushSkipped(false);
        printer.bad("#" + ++index, "malformed XBee frame (checksum good): " + error.getMessage(), null);
    }

    /** Turns what the counters say happened since the last look into lines. */
    private void look(boolean atEnd) {
        XBeeFrameDecoder.Counters now = decoder.counters();
        long badChecksums = now.badChecksums() - seen.badChecksums();
        long oversized = now.oversizedFrames() - seen.oversizedFrames();
        long abandoned = now.abandonedFrames() - seen.abandonedFrames();
        long discarded = now.bytesDiscarded() - seen.bytesDiscarded();
        seen = now;
        long rejected = badChecksums + oversized + abandoned;
        if (rejected == 0) {
            if (discarded > 0) {
                if (skipStart < 0) {
                    skipStart = Math.max(at, 0);
                }
                skipLength += discarded;
            }
            return;
        }
        flushSkipped(false);
        // Each rejected frame loses its start delimiter; bytes beyond that were scanned again and held no frame.
        long alsoSkipped = discarded - rejected;
        String head = atEnd ? "at the end of the input:" : "at byte " + at + ":";
        String also = alsoSkipped > 0 ? "; " + alsoSkipped + " byte(s) after its start held no frame" : "";
        if (badChecksums > 0) {
            printer.bad(head, times(badChecksums) + "bad checksum: frame dropped" + also, null);
            also = "";
        }
        if (oversized > 0) {
            printer.bad(head, times(oversized) + "length field over " + decoder.maxFrameDataLength()
                    + " bytes of frame data: no frame starts at that 0x7E" + also, null);
            also = "";
        }
        if (abandoned > 0) {
            String what = atEnd ? "the input ends inside a frame" : "a new 0x7E cuts the frame short";
            printer.bad(head, times(abandoned) + what + ": frame dropped" + also, null);
        }
    }

    private static String times(long count) {
        return count == 1 ? "" : count + "x ";
    }

    private void flushSkipped(boolean atEnd) {
        if (skipStart < 0) {
            return;
        }
        printer.bad("at byte " + skipStart + ":", skipLength + " byte(s) skipped"
                + (atEnd ? " at the end of the input" : "") + ", outside any frame", null);
        skipStart = -1;
        skipLength = 0;
    }
}
