package io.sngate.gateway.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sngate.codec.Bytes;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.codec.xbee.XBeeFrame.TransmitRequest;
import io.sngate.gateway.Metrics;
import io.sngate.gateway.WarnLimiter;
import io.sngate.hw.ReconnectBackoff;
import io.sngate.hw.config.XBeeRadioConfig;
import io.sngate.hw.serial.SerialSettings;
import io.sngate.hw.testing.ManualScheduler;
import io.sngate.hw.testing.PtyPair;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The XBee transport sets its radio up again each time the radio's port comes back, over a real
 * pseudo-terminal pair that the test pulls out and plugs in again ({@link PtyPair#unplug()}),
 * with a {@link FakeCoordinator} as the radio. The reopening, the AT commands' timeouts and the
 * setups started again after a failure run on a {@link ManualScheduler}: the test says when
 * time passes.
 */
class XBeeRadioRecheckTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long DEVICE = 0x0013A20041000001L;
    private static final LinkAddress AT_DEVICE = new LinkAddress.XBee("radio", DEVICE);
    private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(1);
    /** Without jitter: the port is reopened 1 s after its loss; a failed setup runs again 1 s, then 2 s, after. */
    private static final ReconnectBackoff BACKOFF =
            new ReconnectBackoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 0, new Random(1));

    private final ManualScheduler timers = new ManualScheduler();
    private final Metrics metrics = new Metrics();
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final List<Logger> loggers = List.of((Logger) LoggerFactory.getLogger(RadioGuard.class),
            (Logger) LoggerFactory.getLogger(XBeeTransport.class));
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private PtyPair pty;
    private FakeCoordinator radio;
    private XBeeTransport transport;

    private record Received(LinkAddress from, Bytes packet) {
    }

    @BeforeEach
    void open() {
        log.start();
        loggers.forEach(logger -> logger.addAppender(log));
        pty = PtyPair.open();
    }

    @AfterEach
    void close() {
        loggers.forEach(logger -> logger.detachAppender(log));
        if (transport != null) {
            transport.close();
        }
        if (radio != null) {
            radio.close();
        }
        pty.close();
    }

    /** PAN id 0x1234 and coordinator checked; with {@code apply}, the node identifier and channels too. */
    private XBeeRadioConfig config(boolean apply) {
        return new XBeeRadioConfig("radio", SerialSettings.of(pty.a().toString(), 115_200), ApiMode.ESCAPED,
                OptionalLong.of(0x1234), apply ? OptionalInt.of(0x0C00) : OptionalInt.empty(), Optional.of(true),
                apply ? Optional.of("sngate") : Optional.empty(), apply, 84, (int) RESPONSE_TIMEOUT.toMillis());
    }

    private void start(XBeeRadioConfig config, UnaryOperator<FakeCoordinator> radioAsConfigured) throws Exception {
        radio = radioAsConfigured.apply(new FakeCoordinator(pty.b(), ApiMode.ESCAPED, 84));
        transport = new XBeeTransport(config, timers, BACKOFF, metrics,
                new WarnLimiter(10_000, System::currentTimeMillis));
        transport.start((from, packet) -> received.add(new Received(from, Bytes.copyOf(packet))));
        radio.fromDevice(DEVICE, connect("before"));
        assertThat(nextReceived()).isEqualTo(new Received(AT_DEVICE, Bytes.wrap(connect("before"))));
        synchronized (log) {
            log.list.clear(); // what the start logged
        }
    }

    /**
     * The radio's USB adapter is pulled out and plugged in again with {@code back} on it; once the
     * transport has seen the loss, the reopen timer's second passes, and the transport starts the
     * setup of the radio that is back.
     */
    private void portLostAndBack(UnaryOperator<FakeCoordinator> back) {
        radio.close();
        pty.unplug();
        await().atMost(WAIT).until(() -> metrics.get("xbee.radio.port_lost") == 1);
        pty.replug();
        radio = back.apply(new FakeCoordinator(pty.b(), ApiMode.ESCAPED, 84));
        timers.advance(BACKOFF.initialDelay());
    }

    private Received nextReceived() throws InterruptedException {
        Received next = received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(next).as("a packet from the radio").isNotNull();
        return next;
    }

    private static byte[] connect(String clientId) {
        return MqttSn12Codec.INSTANCE.encode(new Connect(false, true, 60, clientId));
    }

    private long counter(String name) {
        return metrics.get("xbee.radio." + name);
    }

    private List<String> logged(Level level) {
        synchronized (log) { // AppenderBase appends under its own lock
            return log.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage)
                    .toList();
        }
    }

    @Test
    void theSameRadioBackIsSetUpAgainAndPacketsPassBothWaysAgainWhatCameMeanwhileDroppedAndCounted()
            throws Exception {
        start(config(false), r -> r);
        byte[] ping = MqttSn12Codec.INSTANCE.encode(PingReq.PLAIN);
        // The first answer of the setup goes missing: the port is back, the radio not set up yet.
        portLostAndBack(r -> r.loseAnswers("AP", 1));
        await().atMost(WAIT).until(() -> radio.commands().contains("AP"));
        transport.send(AT_DEVICE, ping);
        transport.broadcast(ping);
        radio.fromDevice(DEVICE, connect("meanwhile"));
        await().atMost(WAIT).until(() -> counter("dropped_unchecked_radio") == 3);

        timers.advance(RESPONSE_TIMEOUT); // the setup's retry, as at start
        await().atMost(WAIT).until(() -> counter("recheck_passed") == 1);

        assertThat(radio.commands()).as("the setup, run again on the radio that is back")
                .containsExactly("AP", "AP", "ID", "CE", "SH", "SL", "VR", "HV", "NP");
        radio.fromDevice(DEVICE, connect("after"));
        assertThat(nextReceived()).as("the first packet since the loss")
                .isEqualTo(new Received(AT_DEVICE, Bytes.wrap(connect("after"))));
        byte[] reply = MqttSn12Codec.INSTANCE.encode(new PingReq(Bytes.utf8("after")));
        transport.send(AT_DEVICE, reply);
        TransmitRequest sent = radio.nextTransmit(WAIT);
        assertThat(sent.destination64()).isEqualTo(DEVICE);
        assertThat(sent.rfData()).as("the first packet to reach the radio since the loss").isEqualTo(Bytes.wrap(reply));
        assertThat(counter("dropped_unchecked_radio")).isEqualTo(3);
        assertThat(counter("setup_retries")).isEqualTo(1);
        assertThat(logged(Level.WARN)).singleElement().asString()
                .contains("xbee radio", "port " + pty.a() + " lost", "dropped", "xbee.radio.dropped_unchecked_radio");
        assertThat(logged(Level.INFO)).last().asString()
                .contains("0013A20040ABCDEF", "NP=84", "packets pass through it again", "3 dropped");
        assertThat(logged(Level.ERROR)).isEmpty();
    }

    @Test
    void aRadioBackInApiMode1PassesNothingWithOneErrorAndIsSetUpAgainUntilItIsFixed() throws Exception {
        start(config(false), r -> r);
        portLostAndBack(r -> r.switchApiMode(ApiMode.UNESCAPED));
        await().atMost(WAIT).until(() -> counter("recheck_failed") == 1);
        assertThat(logged(Level.ERROR)).singleElement().asString().contains("xbee radio", pty.a().toString(),
                "is in API mode AP=1", "configured for AP=2", "set AP=2 on the radio", "No packets pass",
                "again in 1000 ms");

        radio.fromDevice(DEVICE, connect("wrong-mode"));
        transport.send(AT_DEVICE, MqttSn12Codec.INSTANCE.encode(PingReq.PLAIN));
        await().atMost(WAIT).until(() -> counter("dropped_unchecked_radio") == 2); // one each way

        timers.advance(Duration.ofSeconds(1)); // the backoff's first step: still in API mode 1
        await().atMost(WAIT).until(() -> counter("recheck_failed") == 2);
        assertThat(logged(Level.ERROR)).as("the same reason again is no new ERROR").hasSize(1);

        radio.switchApiMode(ApiMode.ESCAPED); // its owner set AP=2 meanwhile
        timers.advance(Duration.ofSeconds(2)); // the backoff's next step
        await().atMost(WAIT).until(() -> counter("recheck_passed") == 1);

        radio.fromDevice(DEVICE, connect("fixed"));
        assertThat(nextReceived()).as("the first packet since the loss")
                .isEqualTo(new Received(AT_DEVICE, Bytes.wrap(connect("fixed"))));
        byte[] ping = MqttSn12Codec.INSTANCE.encode(PingReq.PLAIN);
        transport.send(AT_DEVICE, ping);
        assertThat(radio.nextTransmit(WAIT).rfData()).as("the first packet to reach the radio since the loss")
                .isEqualTo(Bytes.wrap(ping));
        assertThat(logged(Level.INFO)).last().asString().contains("packets pass through it again", "2 dropped");
    }

    @Test
    void aRadioBackSilentIsAskedThreeTimesThenAgainAfterTheBackoffAndPassesOnceItAnswers() throws Exception {
        start(config(false), r -> r);
        portLostAndBack(FakeCoordinator::silent);
        for (int attempt = 1; attempt <= XBeeTransport.SETUP_ATTEMPTS; attempt++) {
            int asked = attempt;
            await().atMost(WAIT).until(() -> radio.commands().size() == asked);
            timers.advance(RESPONSE_TIMEOUT);
        }
        await().atMost(WAIT).until(() -> counter("recheck_failed") == 1);
        assertThat(radio.commands()).containsExactly("AP", "AP", "AP");
        assertThat(logged(Level.ERROR)).singleElement().asString().contains("radio radio on " + pty.a(),
                "does not answer", "3 times", "set AP=2 with XCTU", "No packets pass");
        assertThat(logged(Level.WARN)).as("the retries within one setup are no news").hasSize(1);

        radio.answering();
        timers.advance(Duration.ofSeconds(1));
        await().atMost(WAIT).until(() -> counter("recheck_passed") == 1);
        radio.fromDevice(DEVICE, connect("answering"));
        assertThat(nextReceived()).isEqualTo(new Received(AT_DEVICE, Bytes.wrap(connect("answering"))));
    }

    @Test
    void aFactoryResetRadioBackGetsTheConfiguredSettingsWrittenAndSavedAgain() throws Exception {
        start(config(true), r -> r.set("SC", new byte[] {0x0C, 0x00})
                .set("NI", "sngate".getBytes(StandardCharsets.US_ASCII)));

        portLostAndBack(r -> r.set("ID", new byte[] {0}).set("SC", new byte[] {0x7F, (byte) 0xFF})
                .set("CE", new byte[] {0}).set("NI", new byte[] {' '}));
        await().atMost(WAIT).until(() -> counter("recheck_passed") == 1);

        assertThat(radio.parameter("ID")).containsExactly(0x12, 0x34);
        assertThat(radio.parameter("SC")).containsExactly(0x0C, 0x00);
        assertThat(radio.parameter("CE")).containsExactly(1);
        assertThat(new String(radio.parameter("NI"), StandardCharsets.US_ASCII)).isEqualTo("sngate");
        assertThat(radio.commands()).as("read, written, saved, applied, then identified")
                .containsExactly("AP", "ID", "SC", "CE", "NI", "ID", "SC", "CE", "NI", "WR", "AC", "SH", "SL", "VR",
                        "HV", "NP");
        assertThat(logged(Level.INFO)).filteredOn(line -> line.contains("written to the radio")).containsExactly(
                "xbee radio: ID (pan-id) is 0x0 on the radio, the configuration says 0x1234: written to the radio",
                "xbee radio: SC (channel-mask) is 0x7FFF on the radio, the configuration says 0x0C00: written to the"
                        + " radio",
                "xbee radio: CE (coordinator) is 0 (not coordinator) on the radio, the configuration says"
                        + " 1 (coordinator): written to the radio",
                "xbee radio: NI (node-identifier) is \" \" on the radio, the configuration says \"sngate\": written to"
                        + " the radio");
        radio.fromDevice(DEVICE, connect("after-reset"));
        assertThat(nextReceived()).isEqualTo(new Received(AT_DEVICE, Bytes.wrap(connect("after-reset"))));
    }

    @Test
    void aPortLostWhileTheStartAsksTheRadioGetsTheRadioBehindItSetUpOnceTheStartPassed() throws Exception {
        radio = new FakeCoordinator(pty.b(), ApiMode.ESCAPED, 84).loseAnswers("AP", 1);
        transport = new XBeeTransport(config(false), timers, BACKOFF, metrics,
                new WarnLimiter(10_000, System::currentTimeMillis));
        CompletableFuture<Void> started = CompletableFuture.runAsync(() -> {
            try {
                transport.start((from, packet) -> received.add(new Received(from, Bytes.copyOf(packet))));
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
        await().atMost(WAIT).until(() -> radio.commands().contains("AP"));
        // The first AP went unanswered, its timeout comes first (at 1 s, as the reopen): the second AP
        // is written while the port is down; the third reaches the radio behind the port.
        portLostAndBack(r -> r);
        timers.advance(RESPONSE_TIMEOUT);
        started.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        await().atMost(WAIT).until(() -> counter("recheck_passed") == 1);

        assertThat(radio.commands()).as("the start's last try, then the setup again")
                .containsExactly("AP", "ID", "CE", "SH", "SL", "VR", "HV", "NP",
                        "AP", "ID", "CE", "SH", "SL", "VR", "HV", "NP");
        assertThat(logged(Level.WARN)).filteredOn(line -> line.contains("lost")).hasSize(1);
        radio.fromDevice(DEVICE, connect("after"));
        assertThat(nextReceived()).isEqualTo(new Received(AT_DEVICE, Bytes.wrap(connect("after"))));
    }

    @Test
    void anotherRadioWithAnotherNpIsUsedWithTheNewLimitAndAWarningNamingOldAndNew() throws Exception {
        start(config(false), r -> r);
        assertThat(transport.maxPacketSize()).isEqualTo(84);

        // another radio, with APS encryption on
        portLostAndBack(r -> r.set("SL", new byte[] {0x40, 0, 0, 2}).set("NP", new byte[] {0, 40}));
        await().atMost(WAIT).until(() -> counter("recheck_passed") == 1);

        assertThat(logged(Level.WARN)).contains(
                "xbee radio: the radio on " + pty.a() + " is another radio now: address 0013A20040000002"
                        + " (was 0013A20040ABCDEF)",
                "xbee radio: the radio on " + pty.a() + " has NP=40 now (was 84); the largest packet sent through it"
                        + " is 40 bytes (was 84)");
        assertThat(transport.maxPacketSize()).isEqualTo(40);
        assertThat(transport.radio().address64()).isEqualTo(0x0013A20040000002L);
        assertThat(transport.describe()).contains("0013A20040000002");
        transport.send(AT_DEVICE, new byte[41]);
        transport.send(AT_DEVICE, new byte[40]);
        assertThat(radio.nextTransmit(WAIT).rfData().length()).isEqualTo(40);
        assertThat(counter("dropped_oversized")).isEqualTo(1);
    }
}
