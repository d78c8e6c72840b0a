package io.sngate.codec.frame;

import static io.sngate.codec.frame.SerialRun.concat;
import static io.sngate.codec.frame.SerialRun.hexList;
import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.frame.SerialFrameDecoder.Counters;
import io.sngate.codec.frame.SerialFrameDecoder.FrameValidator;
import io.sngate.codec.frame.SerialRun.Outcome;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Properties of {@link SerialFrameDecoder}: chunking never matters, valid streams come out
 * whole, every byte is accounted for, memory stays bounded, and nothing ever throws.
 */
class SerialFrameDecoderPropertiesTest {

    private static final int MAX = SerialFrameDecoder.DEFAULT_MAX_FRAME_SIZE;
    private static final HexFormat HEX = HexFormat.of();

    /** A stream of valid frames comes out frame for frame, fed at once, byte by byte or in random chunks. */
    @Property
    void validFramesComeOutWholeWhateverTheChunking(@ForAll("frames") List<byte[]> frames,
                                                    @ForAll("chunkSizes") List<Integer> chunkSizes) {
        byte[] stream = concat(frames);
        Outcome expected = new Outcome(hexList(frames), new Counters(frames.size(), 0, 0, 0), 0);

        assertThat(new SerialRun(MAX).feed(stream).outcome()).isEqualTo(expected);
        assertThat(new SerialRun(MAX).feedByteByByte(stream).outcome()).isEqualTo(expected);
        assertThat(new SerialRun(MAX).feedInChunks(stream, chunkSizes).outcome()).isEqualTo(expected);
    }

    /**
     * Frames with garbage before, between and after them: whatever comes out (the garbage may
     * hide a frame or look like one), it is the same for every chunking, every byte fed is
     * delivered, discarded or still buffered, and every delivered frame is valid.
     */
    @Property
    void garbageDoesNotMakeChunkingMatter(@ForAll("noisyStream") byte[] stream,
                                          @ForAll("chunkSizes") List<Integer> chunkSizes,
                                          @ForAll @IntRange(min = 4, max = 600) int maxFrameSize) {
        Outcome atOnce = new SerialRun(maxFrameSize).feed(stream).outcome();
        assertThat(new SerialRun(maxFrameSize).feedByteByByte(stream).outcome()).isEqualTo(atOnce);
        assertThat(new SerialRun(maxFrameSize).feedInChunks(stream, chunkSizes).outcome()).isEqualTo(atOnce);

        assertAccounted(stream.length, atOnce);
        for (String frame : atOnce.frames()) {
            byte[] bytes = HEX.parseHex(frame);
            assertThat(bytes.length).isBetween(2, maxFrameSize);
            assertThat(FrameValidator.MQTT_SN_12.isValid(bytes, 0, bytes.length)).isTrue();
        }
    }

    /** After garbage and a reset (a line gap), the frames that follow all come out. */
    @Property
    void afterAResetFramesAreFoundWhateverCameBefore(@ForAll("garbage") byte[] garbage,
                                                     @ForAll("frames") List<byte[]> frames,
                                                     @ForAll("chunkSizes") List<Integer> chunkSizes) {
        SerialRun run = new SerialRun(MAX).feedInChunks(garbage, chunkSizes);
        long deliveredBefore = run.frames().size();
        run.decoder().reset();
        run.feedInChunks(concat(frames), chunkSizes);

        assertThat(run.frames().subList((int) deliveredBefore, run.frames().size())).isEqualTo(hexList(frames));
        assertThat(run.decoder().buffered()).isZero();
    }

    /** Random bytes, random chunks, random resets, any limit: never a throw, every byte accounted for. */
    @Property
    void randomStreamsNeverThrow(@ForAll @Size(max = 3000) byte[] stream,
                                 @ForAll("chunkSizes") List<Integer> chunkSizes,
                                 @ForAll @IntRange(min = 4, max = 70_000) int limit,
                                 @ForAll @IntRange(min = 0, max = 50) int resetEvery) {
        int maxFrameSize = Math.min(limit, SerialFrameDecoder.MAX_MAX_FRAME_SIZE);
        long delivered = 0;
        try {
            List<byte[]> frames = new ArrayList<>();
            SerialFrameDecoder decoder = new SerialFrameDecoder(maxFrameSize, FrameValidator.MQTT_SN_12, frames::add);
            int p = 0;
            for (int i = 0; p < stream.length; i++) {
                int n = Math.min(stream.length - p, chunkSizes.get(i % chunkSizes.size()));
                decoder.feed(stream, p, n);
                p += n;
                assertThat(decoder.buffered()).isLessThan(maxFrameSize);
                if (resetEvery > 0 && i % resetEvery == resetEvery - 1) {
                    decoder.reset();
                }
            }
            for (byte[] frame : frames) {
                delivered += frame.length;
            }
            Counters c = decoder.counters();
            assertThat(c.framesDelivered()).isEqualTo(frames.size());
            assertThat(delivered + c.bytesDiscarded() + decoder.buffered()).isEqualTo(stream.length);
        } catch (AssertionError e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("decoder threw " + t + " for " + HEX.formatHex(stream), t);
        }
    }

    private static void assertAccounted(int fed, Outcome outcome) {
        long delivered = outcome.frames().stream().mapToLong(f -> f.length() / 2).sum();
        assertThat(outcome.counters().framesDelivered()).isEqualTo(outcome.frames().size());
        assertThat(delivered + outcome.counters().bytesDiscarded() + outcome.buffered()).isEqualTo(fed);
    }

    @Provide
    Arbitrary<List<byte[]>> frames() {
        return Frames12.frames(MAX, 8);
    }

    @Provide
    Arbitrary<List<Integer>> chunkSizes() {
        return Arbitraries.frequencyOf(
                        Tuple.of(3, Arbitraries.integers().between(1, 8)),
                        Tuple.of(2, Arbitraries.integers().between(1, 700)))
                .list().ofMinSize(1).ofMaxSize(20);
    }

    /** Up to 600 random bytes, made from a seed (jqwik builds long arrays slowly byte by byte). */
    @Provide
    Arbitrary<byte[]> garbage() {
        return Arbitraries.integers().between(0, 600).flatMap(length -> Arbitraries.longs().map(seed -> {
            byte[] bytes = new byte[length];
            new SplittableRandom(seed).nextBytes(bytes);
            return bytes;
        }));
    }

    /** Valid frames of up to 600 bytes and random garbage runs, interleaved. */
    @Provide
    Arbitrary<byte[]> noisyStream() {
        Arbitrary<byte[]> garbage = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(12);
        Arbitrary<byte[]> piece = Arbitraries.frequencyOf(Tuple.of(3, Frames12.frame(600)), Tuple.of(1, garbage));
        return piece.list().ofMaxSize(10).map(SerialRun::concat);
    }
}
