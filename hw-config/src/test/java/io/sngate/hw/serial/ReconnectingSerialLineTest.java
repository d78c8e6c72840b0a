package io.sngate.hw.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sngate.hw.ReconnectBackoff;
import io.sngate.hw.testing.ManualScheduler;
import io.sngate.hw.testing.PtyEnd;
import io.sngate.hw.testing.PtyPair;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

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

    private final Logger logger = (Logger) LoggerFactory.getLogger(ReconnectingSerialLine.class);
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeEach
    void start() {
        log.start();
        logger.addAppender(log);
        pty = PtyPair.open();
        timers = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void stop() {
        logger.detachAppender(log);
        if (timers != null) {
            timers.shutdownNow();
        }
        if (pty != null) {
            pty.close();
        }
    }

    /** What the line logged at WARN or above. */
    private List<String> warnings() {
        synchronized (log) { // AppenderBase appends under its own lock
            return log.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .map(ILoggingEvent::getFormattedMessage).toList();
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
    void closingWhileTheReaderWaitsIsNoLossAndNothingReopens() throws Exception {
        ManualScheduler reopens = new ManualScheduler();
        SerialSettings settings = SerialSettings.of(pty.a().toString(), 115_200);
        ReconnectingSerialLine line = ReconnectingSerialLine.open(new JSerialCommBackend(), settings, listener, state,
                reopens, FAST);
        try (PtyEnd device = new PtyEnd(pty.b())) {
            device.write("x".getBytes());
            await().atMost(Duration.ofSeconds(5)).until(() -> received().equals("x")); // the reader runs
        }

        line.close();

        assertThat(closedCalls).hasValue(1);
        pty.unplug(); // the port going after the close is no loss either
        reopens.advance(Duration.ofMinutes(1));
        assertThat(downs).hasValue(0);
        assertThat(reopens.pending()).isZero();
        assertThat(warnings()).isEmpty();
        assertThat(line.isOpen()).isFalse();
    }

    @Test
    void aPortGoneWhileTheJvmShutsDownIsNoLossAndTheLineEndsAsClosed() throws Exception {
        ManualScheduler reopens = new ManualScheduler();
        SerialSettings settings = SerialSettings.of(pty.a().toString(), 115_200);
        ReconnectingSerialLine line = ReconnectingSerialLine.open(new JSerialCommBackend(), settings, listener, state,
                reopens, FAST, () -> true);

        pty.unplug(); // as jSerialComm's shutdown hook closing every port before the owner's hook closes the line

        await().atMost(Duration.ofSeconds(5)).until(() -> closedCalls.get() == 1);
        assertThat(downs).hasValue(0);
        assertThat(warnings()).isEmpty();
        assertThat(reopens.pending()).as("no reopen scheduled").isZero();
        assertThat(line.isOpen()).isFalse();
        assertThatThrownBy(() -> line.write(new byte[] {1}))
                .isInstanceOf(SerialException.class).hasMessageContaining("the port is closed");
        line.close(); // the owner's hook, late
        assertThat(closedCalls).as("the listener hears the end once").hasValue(1);
    }

    @Test
    void aReopenDueWhileTheJvmShutsDownIsNotTried() throws Exception {
        ManualScheduler reopens = new ManualScheduler();
        AtomicInteger opens = new AtomicInteger();
        SerialBackend counting = new SerialBackend() {
            private final JSerialCommBackend real = new JSerialCommBackend();

            @Override
            public SerialLine open(SerialSettings settings, SerialLine.Listener to) throws SerialException {
                opens.incrementAndGet();
                return real.open(settings, to);
            }

            @Override
            public List<SerialPortInfo> listPorts() {
                return real.listPorts();
            }
        };
        AtomicBoolean shuttingDown = new AtomicBoolean();
        ReconnectingSerialLine line = ReconnectingSerialLine.open(counting, SerialSettings.of(pty.a().toString(),
                115_200), listener, state, reopens, FAST, shuttingDown::get);
        pty.unplug(); // a real loss, before the shutdown
        await().atMost(Duration.ofSeconds(5)).until(() -> downs.get() == 1);
        pty.replug();

        shuttingDown.set(true);
        reopens.advance(Duration.ofMinutes(1));

        assertThat(opens).as("only the first open").hasValue(1);
        assertThat(ups).hasValue(0);
        assertThat(closedCalls).hasValue(1);
        assertThat(reopens.pending()).isZero();
        line.close();
        assertThat(closedCalls).hasValue(1);
    }

    @Test
    void theJvmIsNotShuttingDownWhileTestsRun() {
        assertThat(ReconnectingSerialLine.jvmShuttingDown()).isFalse();
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
