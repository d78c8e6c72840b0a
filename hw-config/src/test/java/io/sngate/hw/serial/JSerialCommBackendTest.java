package io.sngate.hw.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sngate.hw.testing.PtyEnd;
import io.sngate.hw.testing.PtyPair;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class JSerialCommBackendTest {

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

    @BeforeEach
    void start() {
        pty = PtyPair.open();
    }

    @AfterEach
    void stop() {
        pty.close();
    }

    private byte[] received() {
        synchronized (received) {
            return received.toByteArray();
        }
    }

    @Test
    void bytesPassBothWaysUntouched() throws Exception {
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i; // XON/XOFF, CR, LF and NUL must not be interpreted
        }
        try (SerialLine line = new JSerialCommBackend().open(SerialSettings.of(pty.a().toString(), 115_200), listener);
                PtyEnd device = new PtyEnd(pty.b())) {
            device.write(all);
            await().atMost(Duration.ofSeconds(5)).until(() -> received().length == all.length);
            assertThat(received()).isEqualTo(all);

            line.write(all);
            byte[] back = device.take(all.length, Duration.ofSeconds(5));
            assertThat(back).isEqualTo(all);
        }
        assertThat(closed.get()).isNull();
        assertThat(closedCalls).hasValue(1);
    }

    @Test
    void aMissingPortIsAnErrorNamingThePath() {
        SerialSettings settings = SerialSettings.of(pty.a().resolveSibling("nothing-here").toString(), 9_600);
        assertThatThrownBy(() -> new JSerialCommBackend().open(settings, listener))
                .isInstanceOf(SerialException.class)
                .hasMessageContaining("nothing-here")
                .hasMessageContaining("no such serial port");
    }

    @Test
    void anUnpluggedPortClosesTheLineWithACause() throws Exception {
        SerialLine line = new JSerialCommBackend().open(SerialSettings.of(pty.a().toString(), 9_600), listener);
        pty.unplug();
        IOException cause = closed.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(cause).isInstanceOf(SerialException.class).hasMessageContaining(pty.a().toString());
        assertThat(line.isOpen()).isFalse();
        assertThatThrownBy(() -> line.write(new byte[] {1})).isInstanceOf(SerialException.class);
        line.close();
        assertThat(closedCalls).hasValue(1);
    }
}
