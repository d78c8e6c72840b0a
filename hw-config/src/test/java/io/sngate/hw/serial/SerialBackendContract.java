package io.sngate.hw.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sngate.hw.serial.SerialSettings.FlowControl;
import io.sngate.hw.serial.SerialSettings.Parity;
import io.sngate.hw.serial.SerialSettings.StopBits;
import io.sngate.hw.testing.PtyEnd;
import io.sngate.hw.testing.PtyPair;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every {@link SerialBackend} must do, on real pseudo-terminals: each backend's test
 * extends this class, so jSerialComm and jssc are held to the same behaviour.
 */
abstract class SerialBackendContract {

    private PtyPair pty;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final CompletableFuture<IOException> closed = new CompletableFuture<>();
    private final AtomicInteger closedCalls = new AtomicInteger();

    private final SerialLine.Listener listener = new SerialLine.Listener() {
        @Override
        public void onBytes(byte[] buffer, int offset, int length) {
            synchronized (received) {
                received.write(buffer, offset, length);
            }
        }

        @Override
        public void onClosed(IOException cause) {
            closedCalls.incrementAndGet();
            closed.complete(cause);
        }
    };

    /** A new instance of the backend under test. */
    abstract SerialBackend backend();

    /** The kind that {@link SerialBackend#of} maps to this backend. */
    abstract SerialSettings.Backend kind();

    @BeforeEach
    void start() {
        pty = PtyPair.open();
    }

    @AfterEach
    void stop() {
        if (pty != null) {
            pty.close();
        }
    }

    private byte[] received() {
        synchronized (received) {
            return received.toByteArray();
        }
    }

    private SerialSettings settings(int baud) {
        return SerialSettings.of(pty.a().toString(), baud).withBackend(kind());
    }

    @Test
    void theConfiguredKindSelectsThisBackend() {
        assertThat(SerialBackend.of(kind())).isInstanceOf(backend().getClass());
    }

    @Test
    void bytesPassBothWaysUntouched() throws Exception {
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i; // XON/XOFF, CR, LF and NUL must not be interpreted
        }
        try (SerialLine line = backend().open(settings(115_200), listener);
                PtyEnd device = new PtyEnd(pty.b())) {
            device.write(all);
            await().atMost(Duration.ofSeconds(5)).until(() -> received().length == all.length);
            assertThat(received()).isEqualTo(all);

            line.write(all);
            byte[] back = device.take(all.length, Duration.ofSeconds(5));
            assertThat(back).isEqualTo(all);

            line.write(all, 10, 5); // a slice of a larger buffer
            assertThat(device.take(5, Duration.ofSeconds(5))).isEqualTo(Arrays.copyOfRange(all, 10, 15));
        }
        assertThat(closed.get()).isNull();
        assertThat(closedCalls).hasValue(1);
    }

    @Test
    void aMissingPortIsAnErrorNamingThePath() {
        SerialSettings settings = settings(9_600).withPath(pty.a().resolveSibling("nothing-here").toString());
        assertThatThrownBy(() -> backend().open(settings, listener))
                .isInstanceOf(SerialException.class)
                .hasMessageContaining("nothing-here")
                .hasMessageContaining("no such serial port");
        assertThat(closedCalls).hasValue(0);
    }

    @Test
    void aFileThatIsNoTerminalIsRefusedNamingThePath() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createFile(pty.a().resolveSibling("plain-file"));
        SerialSettings settings = settings(9_600).withPath(file.toString());
        assertThatThrownBy(() -> backend().open(settings, listener).close())
                .isInstanceOf(SerialException.class)
                .hasMessageContaining(file.toString());
    }

    @Test
    void anUnpluggedPortClosesTheLineWithACause() throws Exception {
        SerialLine line = backend().open(settings(9_600), listener);
        pty.unplug();
        IOException cause = closed.get(10, TimeUnit.SECONDS);
        assertThat(cause).isInstanceOf(SerialException.class).hasMessageContaining(pty.a().toString());
        assertThat(line.isOpen()).isFalse();
        assertThatThrownBy(() -> line.write(new byte[] {1})).isInstanceOf(SerialException.class);
        line.close();
        assertThat(closedCalls).hasValue(1);
    }

    @Test
    void closeStopsTheLineOnce() throws Exception {
        SerialLine line = backend().open(settings(9_600), listener);
        assertThat(line.isOpen()).isTrue();
        line.close();
        assertThat(closed.get(5, TimeUnit.SECONDS)).isNull();
        assertThat(line.isOpen()).isFalse();
        assertThatThrownBy(() -> line.write(new byte[] {1}))
                .isInstanceOf(SerialException.class)
                .hasMessageContaining(pty.a().toString());
        line.close();
        assertThat(closedCalls).hasValue(1);
    }

    static Stream<Arguments> uartSettings() {
        List<Arguments> all = new ArrayList<>();
        for (Parity parity : Parity.values()) {
            all.add(Arguments.of(8, parity, StopBits.ONE, FlowControl.NONE));
        }
        for (StopBits stopBits : StopBits.values()) {
            all.add(Arguments.of(8, Parity.NONE, stopBits, FlowControl.NONE));
        }
        for (FlowControl flow : FlowControl.values()) {
            all.add(Arguments.of(8, Parity.NONE, StopBits.ONE, flow));
        }
        all.add(Arguments.of(7, Parity.EVEN, StopBits.TWO, FlowControl.XON_XOFF));
        return all.stream();
    }

    /**
     * A pseudo-terminal has no wire, so parity and stop bits change nothing on it; what this
     * shows is that every combination is accepted by the library and the line still carries
     * text. (The payload is printable ASCII: with XON/XOFF on, 0x11 and 0x13 are the terminal's.)
     */
    @ParameterizedTest(name = "{0}{1}{2} {3}")
    @MethodSource("uartSettings")
    void everyUartSettingIsAcceptedOnAPty(int dataBits, Parity parity, StopBits stopBits, FlowControl flow)
            throws Exception {
        SerialSettings settings = new SerialSettings(pty.a().toString(), 57_600, dataBits, parity, stopBits, flow,
                kind());
        byte[] text = ("sngate " + settings.describe()).getBytes(StandardCharsets.US_ASCII);
        try (SerialLine line = backend().open(settings, listener);
                PtyEnd device = new PtyEnd(pty.b())) {
            assertThat(line.settings()).isEqualTo(settings);
            device.write(text);
            await().atMost(Duration.ofSeconds(5)).until(() -> received().length == text.length);
            assertThat(received()).isEqualTo(text);
            line.write(text);
            assertThat(device.take(text.length, Duration.ofSeconds(5))).isEqualTo(text);
        }
    }

    @Test
    void writesFromSeveralThreadsDoNotInterleaveWithinOneWrite() throws Exception {
        int threads = 4;
        int writesEach = 25;
        int recordLength = 1_000; // larger than one pty write chunk, so an unguarded write would split
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (SerialLine line = backend().open(settings(115_200), listener);
                PtyEnd device = new PtyEnd(pty.b())) {
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                byte[] record = new byte[recordLength];
                Arrays.fill(record, (byte) ('A' + t));
                writers.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < writesEach; i++) {
                        line.write(record);
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> writer : writers) {
                writer.get(30, TimeUnit.SECONDS);
            }
            byte[] all = device.take(threads * writesEach * recordLength, Duration.ofSeconds(30));
            int[] recordsPerThread = new int[threads];
            for (int start = 0; start < all.length; start += recordLength) {
                byte first = all[start];
                for (int i = start; i < start + recordLength; i++) {
                    assertThat(all[i]).as("byte %d of the record at %d", i - start, start).isEqualTo(first);
                }
                recordsPerThread[first - 'A']++;
            }
            assertThat(recordsPerThread).containsOnly(writesEach);
        } finally {
            pool.shutdownNow();
        }
    }
}
