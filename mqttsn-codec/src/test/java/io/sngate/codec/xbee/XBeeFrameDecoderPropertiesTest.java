package io.sngate.codec.xbee;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class XBeeFrameDecoderPropertiesTest {

    @Provide
    Arbitrary<XBeeFrame> frames() {
        return XBeeArbitraries.frames();
    }

    /** Line noise, with start delimiters, escapes and small length bytes: bogus frames. */
    @Provide
    Arbitrary<byte[]> noise() {
        return XBeeArbitraries.lineBytes(30);
    }

    @Provide
    Arbitrary<byte[]> noiseWithoutDelimiter() {
        return XBeeArbitraries.noiseWithoutDelimiter(20);
    }

    @Provide
    Arbitrary<byte[]> longNoise() {
        return XBeeArbitraries.lineBytes(600);
    }

    /** Small maxima make oversized and rejected frames common. */
    @Provide
    Arbitrary<Integer> maxLengths() {
        return Arbitraries.of(1, 8, 16, 64, XBeeFrameDecoder.DEFAULT_MAX_FRAME_DATA_LENGTH, 0xFFFF);
    }

    /** What a decoder made of a stream: the frames and every counter, after the stream and after a reset. */
    private record Outcome(List<XBeeFrame> frames, int malformed, XBeeFrameDecoder.Counters counters, int buffered,
                           List<XBeeFrame> framesAfterReset, XBeeFrameDecoder.Counters countersAfterReset) {
    }

    private static Outcome decode(ApiMode mode, int max, byte[] stream, int[] cuts) {
        FrameRecorder recorder = new FrameRecorder();
        XBeeFrameDecoder decoder = new XBeeFrameDecoder(mode, max, recorder);
        int from = 0;
        for (int cut : cuts) {
            decoder.feed(stream, from, cut - from);
            from = cut;
        }
        decoder.feed(stream, from, stream.length - from);
        List<XBeeFrame> frames = List.copyOf(recorder.frames);
        XBeeFrameDecoder.Counters counters = decoder.counters();
        int buffered = decoder.bufferedBytes();
        decoder.reset();
        assertThat(decoder.bufferedBytes()).isZero();
        return new Outcome(frames, recorder.malformed.size(), counters, buffered, List.copyOf(recorder.frames),
                decoder.counters());
    }

    private static int[] cutPoints(List<Integer> raw, int length) {
        TreeSet<Integer> cuts = new TreeSet<>();
        for (int c : raw) {
            cuts.add(c % (length + 1));
        }
        return cuts.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[] everyByte(int length) {
        int[] cuts = new int[length];
        for (int i = 0; i < length; i++) {
            cuts[i] = i;
        }
        return cuts;
    }

    private static byte[] interleave(List<byte[]> noise, List<XBeeFrame> frames, ApiMode mode) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < Math.max(noise.size(), frames.size()); i++) {
            if (i < noise.size()) {
                out.writeBytes(noise.get(i));
            }
            if (i < frames.size()) {
                out.writeBytes(XBeeFrameCodec.encode(frames.get(i), mode));
            }
        }
        return out.toByteArray();
    }

    @Property(tries = 300, edgeCases = EdgeCasesMode.FIRST)
    void chunkingNeverChangesTheOutcome(@ForAll @Size(max = 5) List<@From("frames") XBeeFrame> frames,
                                        @ForAll @Size(max = 6) List<@From("noise") byte[]> noise,
                                        @ForAll ApiMode mode,
                                        @ForAll("maxLengths") int max,
                                        @ForAll @Size(max = 12) List<@IntRange(min = 0, max = 2000) Integer> cuts) {
        byte[] stream = interleave(noise, frames, mode);

        Outcome whole = decode(mode, max, stream, new int[0]);
        assertThat(decode(mode, max, stream, cutPoints(cuts, stream.length))).isEqualTo(whole);
        assertThat(decode(mode, max, stream, everyByte(stream.length))).isEqualTo(whole);
    }

    @Property(tries = 300, edgeCases = EdgeCasesMode.FIRST)
    void framesBetweenNoiseWithoutDelimitersAreAllFound(
            @ForAll @Size(max = 5) List<@From("frames") XBeeFrame> frames,
            @ForAll @Size(max = 6) List<@From("noiseWithoutDelimiter") byte[]> noise,
            @ForAll ApiMode mode) {
        byte[] stream = interleave(noise, frames, mode);
        FrameRecorder recorder = new FrameRecorder();
        XBeeFrameDecoder decoder = new XBeeFrameDecoder(mode, recorder);
        decoder.feed(stream);

        assertThat(recorder.frames).isEqualTo(frames);
        long noiseBytes = noise.stream().mapToLong(n -> n.length).sum();
        assertThat(decoder.counters()).isEqualTo(new XBeeFrameDecoder.Counters(frames.size(), noiseBytes, 0, 0, 0, 0));
        assertThat(decoder.bufferedBytes()).isZero();
    }

    @Property(tries = 200, edgeCases = EdgeCasesMode.FIRST)
    void aBogusOversizedFrameHidesNothing(@ForAll @Size(min = 1, max = 4) List<@From("frames") XBeeFrame> frames,
                                          @ForAll ApiMode mode) {
        // 7E FF FF declares more than the default maximum: rejected at once, then rescanned.
        byte[] stream = interleave(List.of(new byte[] {0x7E, (byte) 0xFF, (byte) 0xFF}), frames, mode);
        FrameRecorder recorder = new FrameRecorder();
        XBeeFrameDecoder decoder = new XBeeFrameDecoder(mode, recorder);
        decoder.feed(stream);
        assertThat(recorder.frames).isEqualTo(frames);
        assertThat(decoder.oversizedFrames()).isEqualTo(1);
    }

    @Property(tries = 200, edgeCases = EdgeCasesMode.FIRST)
    void framesSwallowedByABogusFrameAreFoundWhenItIsAbandoned(
            @ForAll @Size(min = 1, max = 4) List<@From("frames") XBeeFrame> frames,
            @ForAll ApiMode mode) {
        // 7E FF FF claims 65535 bytes: in mode 1 it swallows every frame until the reset ends
        // it; in mode 2 the first frame's delimiter ends it. Either way the rescan finds them.
        byte[] stream = interleave(List.of(new byte[] {0x7E, (byte) 0xFF, (byte) 0xFF}), frames, mode);
        FrameRecorder recorder = new FrameRecorder();
        XBeeFrameDecoder decoder = new XBeeFrameDecoder(mode, 0xFFFF, recorder);
        decoder.feed(stream);
        decoder.reset();
        assertThat(recorder.frames).isEqualTo(frames);
        assertThat(decoder.counters()).isEqualTo(new XBeeFrameDecoder.Counters(frames.size(), 3, 0, 0, 0, 1));
    }

    /** Nothing at all escapes the decoder, whatever the line delivers, in whatever pieces. */
    @Property(tries = 500, edgeCases = EdgeCasesMode.FIRST)
    void randomBytesNeverThrow(@ForAll("longNoise") byte[] stream,
                               @ForAll ApiMode mode,
                               @ForAll("maxLengths") int max,
                               @ForAll @Size(max = 8) List<@IntRange(min = 0, max = 2000) Integer> cuts) {
        Outcome outcome = decode(mode, max, stream, cutPoints(cuts, stream.length));

        XBeeFrameDecoder.Counters c = outcome.countersAfterReset();
        assertThat(c.framesDecoded()).isEqualTo(outcome.framesAfterReset().size());
        assertThat(c.bytesDiscarded()).isBetween(0L, (long) stream.length);
        assertThat(outcome.buffered()).isBetween(0, stream.length);
    }
}
