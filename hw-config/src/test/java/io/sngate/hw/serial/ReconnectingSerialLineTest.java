package io.sngate.hw.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sngate.hw.ReconnectBackoff;
import io.sngate.hw.testing.PtyEnd;
import io.sngate.hw.testing.PtyPair;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ReconnectingSerialLineTest {

    private static final ReconnectBackoff FAST =
            new ReconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200), 0.2, new Random(7));

    private PtyPair pty;
    private ScheduledExecutorService timers;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final AtomicInteger downs = new AtomicInteger();
    private final AtomicInteger ups = new AtomicInteger();
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
        }
    };

    private final ReconnectingSerialLine.State state = new ReconnectingSerialLine.State() {
        @Override
        public void onDown(IOException cause, long retryInMillis) {
            downs.incrementAndGet();
        }

        @Override
        public void onUp() {
            ups.incrementAndGet();
        }
    };

    @BeforeEach
    void start() {
        pty = PtyPair.open();
        timers = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void stop() {
        if (timers != null) {
            timers.shutdownNow();
        }
        if (pty != null) {
            pty.close();
        }
    }

    private String received() {
        synchronized (received) {
            return received.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void aPortThatComesBackIsReopenedAndCarriesBytesAgain() throws Exception {
        SerialSettings settings = SerialSettings.of(pty.a().toString(), 115_200);
        try (ReconnectingSerialLine line = ReconnectingSerialLine.open(new JSerialCommBackend(), settings, listener,
                state, timers, FAST)) {
            try (PtyEnd device = new PtyEnd(pty.b())) {
                device.write("before".getBytes());
                await().atMost(Duration.ofSeconds(5)).until(() -> received().equals("before"));
            }
            pty.unplug();
            await().atMost(Duration.ofSeconds(5)).until(() -> downs.get() == 1);
            assertThat(line.isOpen()).isFalse();
            assertThatThrownBy(() -> line.write(new byte[] {1}))
                    .isInstanceOf(SerialException.class).hasMessageContaining("disconnected");

            pty.replug();
            await().atMost(Duration.ofSeconds(10)).until(() -> ups.get() == 1);
            assertThat(line.isOpen()).isTrue();
            try (PtyEnd device = new PtyEnd(pty.b())) {
                device.write("after".getBytes());
                await().atMost(Duration.ofSeconds(5)).until(() -> received().equals("beforeafter"));
                line.write("reply".getBytes());
                assertThat(new String(device.take(5, Duration.ofSeconds(5)))).isEqualTo("reply");
            }
            assertThat(closedCalls).hasValue(0);
        }
        assertThat(closedCalls).hasValue(1);
        assertThat(downs).hasValue(1);
    }

    @Test
    void aPortMissingAtStartIsAnErrorNotARetry() {
        SerialSettings settings = SerialSettings.of(pty.a().resolveSibling("ttyGone").toString(), 9_600);
        assertThatThrownBy(() -> ReconnectingSerialLine.open(new JSerialCommBackend(), settings, listener, state,
                timers, FAST)).isInstanceOf(SerialException.class).hasMessageContaining("ttyGone");
        assertThat(downs).hasValue(0);
    }

    @Test
    void closingWhileDownStopsTheRetries() throws Exception {
        SerialSettings settings = SerialSettings.of(pty.a().toString(), 115_200);
        ReconnectingSerialLine line = ReconnectingSerialLine.open(new JSerialCommBackend(), settings, listener, state,
                timers, FAST);
        pty.unplug();
        await().atMost(Duration.ofSeconds(5)).until(() -> downs.get() == 1);
        line.close();
        pty.replug();
        // The reopen timer was cancelled: the line stays closed whatever the port does.
        timers.submit(() -> { }).get();
        assertThat(line.isOpen()).isFalse();
        assertThat(ups).hasValue(0);
        assertThat(closedCalls).hasValue(1);
    }
}
