package io.sngate.sim.line;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LineWriterTest {

    static final Duration WAIT = Duration.ofSeconds(10);

    /** A frame of {@code n} bytes of value {@code n}; damaged, its first byte is inverted. */
    record TestFrame(int n) implements LineWriter.Frame {
        @Override
        public byte[] wire() {
            byte[] bytes = new byte[n];
            java.util.Arrays.fill(bytes, (byte) n);
            return bytes;
        }

        @Override
        public byte[] corrupted(Random random) {
            byte[] bytes = wire();
            bytes[0] = (byte) ~bytes[0];
            return bytes;
        }
    }

    static byte[] run(LineImpairment impairment, long seed) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        LineWriter writer = new LineWriter("test-writer", bytes -> {
            synchronized (line) {
                line.write(bytes);
            }
        }, impairment, new Random(seed), 1_000);
        for (int i = 1; i <= 200; i++) {
            writer.offer(new TestFrame(1 + i % 20));
        }
        writer.close();
        synchronized (line) {
            return line.toByteArray();
        }
    }

    @Test
    void theSameSeedDamagesTheSameFramesTheSameWay() {
        LineImpairment impairment = new LineImpairment(10, 10, 10, 10);
        assertThat(run(impairment, 5)).isEqualTo(run(impairment, 5)).isNotEqualTo(run(impairment, 6));
    }

    @Test
    void withoutImpairmentEveryFrameIsWrittenWholeInOrder() {
        byte[] written = run(LineImpairment.NONE, 1);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 1; i <= 200; i++) {
            expected.writeBytes(new TestFrame(1 + i % 20).wire());
        }
        assertThat(written).isEqualTo(expected.toByteArray());
    }

    @Test
    void everyFrameIsAccountedForOnceAndTheNoiseIsCounted() {
        LineWriter writer = new LineWriter("test-writer", bytes -> { }, new LineImpairment(10, 10, 20, 10),
                new Random(3), 1_000);
        for (int i = 1; i <= 500; i++) {
            writer.offer(new TestFrame(10));
        }
        writer.close();
        LineWriter.Counters c = writer.counters();
        assertThat(c.framesQueued()).isEqualTo(500);
        assertThat(c.framesWritten() + c.framesDropped() + c.framesCorrupted() + c.halfFrames()).isEqualTo(500);
        assertThat(c.framesDropped()).isPositive();
        assertThat(c.framesCorrupted()).isPositive();
        assertThat(c.halfFrames()).isPositive();
        assertThat(c.noiseBursts()).isPositive();
        assertThat(c.noiseBytes()).isBetween(c.noiseBursts(), c.noiseBursts() * LineWriter.MAX_NOISE_BURST);
    }

    @Test
    void aFullQueueRefusesAndCountsInsteadOfBlockingTheSender() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        LineWriter writer = new LineWriter("test-writer", bytes -> {
            writing.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, LineImpairment.NONE, new Random(1), 2);
        assertThat(writer.offer(new TestFrame(1))).isTrue();
        assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue(); // the writer holds the first, stuck in write

        assertThat(writer.offer(new TestFrame(2))).isTrue();
        assertThat(writer.offerRaw(new byte[] {3})).isTrue();
        assertThat(writer.offer(new TestFrame(4))).isFalse();
        assertThat(writer.offerRaw(new byte[] {5})).isFalse();
        assertThat(writer.counters().queueOverflows()).isEqualTo(2);
        assertThat(writer.pending()).isEqualTo(3);

        release.countDown();
        await().atMost(WAIT).until(() -> writer.pending() == 0);
        assertThat(writer.counters().framesWritten()).isEqualTo(2);
        assertThat(writer.counters().rawWrites()).isEqualTo(1);
        writer.close();
        assertThat(writer.offer(new TestFrame(6))).isFalse();
    }

    @Test
    void aFailingLineIsCountedAndTheWriterCarriesOn() {
        LineWriter writer = new LineWriter("test-writer", bytes -> {
            throw new java.io.IOException("port gone");
        }, LineImpairment.NONE, new Random(1), 10);
        writer.offer(new TestFrame(1));
        writer.offer(new TestFrame(2));
        await().atMost(WAIT).until(() -> writer.pending() == 0);
        assertThat(writer.counters().writeErrors()).isEqualTo(2);
        writer.close();
    }

    @Test
    void percentagesOutsideZeroToHundredAreRefused() {
        assertThatThrownBy(() -> new LineImpairment(101, 0, 0, 0)).hasMessageContaining("drop-percent");
        assertThatThrownBy(() -> new LineImpairment(0, -1, 0, 0)).hasMessageContaining("corrupt-percent");
        assertThatThrownBy(() -> new LineImpairment(0, 0, Double.NaN, 0)).hasMessageContaining("noise-percent");
    }
}
