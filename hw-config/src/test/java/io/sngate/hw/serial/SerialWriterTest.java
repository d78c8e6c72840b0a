package io.sngate.hw.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The per-line writer thread, against a line the test controls (one class under test: a fake line is fine). */
class SerialWriterTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** A port whose writes block until released, as a UART whose driver buffer is full. */
    private static final class HeldLine implements SerialLine {
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean failing;

        @Override
        public SerialSettings settings() {
            return SerialSettings.of("/dev/held", 9_600);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
            if (failing) {
                throw new SerialException("/dev/held", "disconnected, reopening");
            }
            synchronized (written) {
                written.write(bytes, offset, length);
            }
        }

        byte[] written() {
            synchronized (written) {
                return written.toByteArray();
            }
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    private final List<String> outcomes = new CopyOnWriteArrayList<>();
    private final SerialWriter.Outcomes recorder = new SerialWriter.Outcomes() {
        @Override
        public void queueFull(byte[] frame) {
            outcomes.add("full:" + frame[0]);
        }

        @Override
        public void writeFailed(byte[] frame, IOException cause) {
            outcomes.add("failed:" + frame[0]);
        }

        @Override
        public void written(byte[] frame) {
            outcomes.add("written:" + frame[0]);
        }

        @Override
        public void closed(byte[] frame) {
            outcomes.add("closed:" + frame[0]);
        }
    };
    private SerialWriter writer;

    @AfterEach
    void close() {
        if (writer != null) {
            writer.close();
        }
    }

    @Test
    void offeringNeverWaitsForTheLineAndAFullQueueRefusesWithAReport() {
        HeldLine line = new HeldLine();
        writer = new SerialWriter("held", line, 2, recorder);
        assertThat(writer.offer(new byte[] {1})).isTrue();
        // the writer thread takes frame 1 and blocks in the port's write; two more fit the queue
        await().atMost(WAIT).until(() -> writer.pending() == 0);
        assertThat(writer.offer(new byte[] {2})).isTrue();
        assertThat(writer.offer(new byte[] {3})).isTrue();
        assertThat(writer.offer(new byte[] {4})).as("the queue of 2 is full").isFalse();
        assertThat(outcomes).containsExactly("full:4");

        line.release.countDown();
        await().atMost(WAIT).until(() -> line.written().length == 3);
        assertThat(line.written()).containsExactly(1, 2, 3);
        assertThat(outcomes).containsExactly("full:4", "written:1", "written:2", "written:3");
    }

    @Test
    void aFailingPortIsReportedFrameByFrameAndTheWriterGoesOn() {
        HeldLine line = new HeldLine();
        line.release.countDown();
        line.failing = true;
        writer = new SerialWriter("failing", line, 8, recorder);
        writer.offer(new byte[] {7});
        await().atMost(WAIT).until(() -> outcomes.contains("failed:7"));
        line.failing = false;
        writer.offer(new byte[] {8});
        await().atMost(WAIT).until(() -> outcomes.contains("written:8"));
    }

    @Test
    void closeWritesWhatIsQueuedAndRefusesWhatComesAfter() {
        HeldLine line = new HeldLine();
        line.release.countDown();
        writer = new SerialWriter("closing", line, 8, recorder);
        for (byte b = 1; b <= 5; b++) {
            writer.offer(new byte[] {b});
        }
        writer.close(5_000);
        assertThat(line.written()).containsExactly(1, 2, 3, 4, 5);
        assertThat(writer.offer(new byte[] {9})).isFalse();
        assertThat(outcomes).contains("closed:9");
    }
}
