package io.sngate.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sngate.client.internal.runtime.SelectorRuntime;
import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.frame.Encapsulated;
import io.sngate.codec.frame.ForwarderEncapsulation;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.codec.xbee.XBeeFrame.AtCommand;
import io.sngate.codec.xbee.XBeeFrame.ReceivePacket;
import io.sngate.codec.xbee.XBeeFrame.TransmitRequest;
import io.sngate.codec.xbee.XBeeFrameCodec;
import io.sngate.hw.ReconnectBackoff;
import io.sngate.hw.serial.SerialSettings;
import io.sngate.hw.testing.ManualScheduler;
import io.sngate.hw.testing.PtyEnd;
import io.sngate.hw.testing.PtyPair;
import io.sngate.testing.Frames;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The bridge asks its XBee radio again each time the radio's port comes back, over a real
 * pseudo-terminal that the test pulls out and plugs in again ({@link PtyPair#unplug()}), with the
 * test playing the radio. The reopening, the AT commands' timeouts and the checks asked again
 * after a failure all run on a {@link ManualScheduler}, so the test says when time passes.
 */
class BridgeRadioRecheckTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long SENSOR = 0x0013A20040A1B2C3L;
    /** AP, SH, SL, VR, HV, NP. */
    private static final List<String> QUESTIONS = List.of("AP", "SH", "SL", "VR", "HV", "NP");
    /** Without jitter: the port is reopened 1 s after its loss; a failed check is asked again 1 s, then 2 s, after. */
    private static final ReconnectBackoff BACKOFF =
            new ReconnectBackoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 0, new Random(1));

    private final ManualScheduler timers = new ManualScheduler();
    private final Logger guardLogger = (Logger) LoggerFactory.getLogger(RadioGuard.class);
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private PtyPair radioLine;
    private PtyEnd radioPort;
    private Frames.RadioEnd radio;
    private DatagramSocket gateway;
    private Bridge bridge;

    @BeforeEach
    void start() throws Exception {
        log.start();
        guardLogger.addAppender(log);
        radioLine = PtyPair.open();
        plugInRadio();
        gateway = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        gateway.setSoTimeout((int) WAIT.toMillis());
        CompletableFuture<List<String>> answered = CompletableFuture.supplyAsync(() -> {
            try {
                return radio.answerQueries(QUESTIONS.size(), Frames.RadioEnd.COORDINATOR);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
        bridge = Bridge.start(new BridgeConfig((InetSocketAddress) gateway.getLocalSocketAddress(),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), List.of(),
                List.of(new BridgeConfig.RadioSpec(SerialSettings.of(radioLine.a().toString(), 9_600),
                        ApiMode.ESCAPED, 84)), 0), new SelectorRuntime("bridge-recheck-test"), timers, BACKOFF);
        assertThat(answered.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(QUESTIONS);
        deviceConnects("before");
        assertThat(gatewayReceivesConnectFrom()).isEqualTo("before");
    }

    @AfterEach
    void stop() {
        guardLogger.detachAppender(log);
        if (bridge != null) {
            bridge.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (radioPort != null) {
            radioPort.close();
        }
        radioLine.close();
    }

    private void plugInRadio() {
        radioPort = new PtyEnd(radioLine.b());
        radio = new Frames.RadioEnd(radioPort, ApiMode.ESCAPED);
    }

    /**
     * The radio's USB adapter is pulled out and plugged in again; once the bridge has seen the
     * loss, the reopen timer's second passes. The bridge then asks the radio again, which the test
     * answers after this returns.
     */
    private void portLostAndBack() {
        radioPort.close();
        radioLine.unplug();
        await().atMost(WAIT).until(() -> rechecks().portLost() == 1);
        radioLine.replug();
        plugInRadio();
        timers.advance(Duration.ofSeconds(1));
    }

    private RadioRechecks rechecks() {
        return bridge.counters().rechecks().get(0);
    }

    private long uncheckedRadio() {
        return bridge.counters().forwarder().uncheckedRadio();
    }

    /** The sensor behind the radio sends a CONNECT with {@code clientId}. */
    private void deviceConnects(String clientId) {
        byte[] connect = MqttSn12Codec.INSTANCE.encode(new Connect(false, true, 60, clientId));
        radioPort.write(XBeeFrameCodec.encode(new ReceivePacket(SENSOR, 0x1234, 0, Bytes.wrap(connect)),
                ApiMode.ESCAPED));
    }

    /** The client id of the CONNECT in the next datagram the gateway gets. */
    private String gatewayReceivesConnectFrom() throws Exception {
        DatagramPacket datagram = new DatagramPacket(new byte[1024], 1024);
        gateway.receive(datagram);
        Encapsulated frame = ForwarderEncapsulation.decode(Arrays.copyOf(datagram.getData(), datagram.getLength()));
        assertThat(frame.wirelessNodeId()).isEqualTo(ForwarderCore.nodeIdOf(SENSOR));
        return ((Connect) MqttSn12Codec.INSTANCE.decode(frame.innerPacket().toArray())).clientId().utf8();
    }

    /** The gateway sends the sensor a PUBLISH of {@code size} bytes. */
    private byte[] gatewayReplies(int size) throws Exception {
        byte[] publish = MqttSn12Codec.INSTANCE.encode(new Publish(false, QoS.AT_MOST_ONCE, false,
                TopicIdType.NORMAL, 1, 0, Bytes.wrap(new byte[size - 7])));
        assertThat(publish).hasSize(size);
        byte[] wrapped = ForwarderEncapsulation.encode(0, ForwarderCore.nodeIdOf(SENSOR), Bytes.wrap(publish));
        gateway.send(new DatagramPacket(wrapped, wrapped.length,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), bridge.localPort())));
        return publish;
    }

    private List<String> logged(Level level) {
        synchronized (log) { // AppenderBase appends under its own lock
            return log.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage)
                    .toList();
        }
    }

    @Test
    void theSameRadioBackIsAskedAgainAndForwardingResumesWhatCameMeanwhileDroppedAndCounted() throws Exception {
        portLostAndBack();
        deviceConnects("meanwhile"); // reaches the bridge while it waits for the radio's answers
        await().atMost(WAIT).until(() -> uncheckedRadio() == 1);

        assertThat(radio.answerQueries(QUESTIONS.size(), Frames.RadioEnd.COORDINATOR)).isEqualTo(QUESTIONS);
        await().atMost(WAIT).until(() -> rechecks().passed() == 1);

        deviceConnects("after");
        assertThat(gatewayReceivesConnectFrom()).as("the first datagram since the loss").isEqualTo("after");
        byte[] reply = gatewayReplies(20);
        assertThat(radio.next(TransmitRequest.class).rfData().toArray()).isEqualTo(reply);
        assertThat(logged(Level.WARN)).singleElement().asString()
                .contains("radio on " + radioLine.a(), "port lost", "dropped", "passes its check again");
        assertThat(logged(Level.INFO)).last().asString()
                .contains("0013A20040000001", "NP=84", "forwarding through it again", "1 frame(s) dropped");
        assertThat(logged(Level.ERROR)).isEmpty();
        assertThat(rechecks()).isEqualTo(new RadioRechecks(1, 1, 0));
    }

    @Test
    void aRadioBackInApiMode1IsNotForwardedThroughWithOneErrorAndIsAskedAgainUntilItIsFixed() throws Exception {
        Map<String, Bytes> apiMode1 = new HashMap<>(Frames.RadioEnd.COORDINATOR);
        apiMode1.put("AP", Bytes.fromHex("01"));
        portLostAndBack();

        assertThat(radio.answerQueries(1, apiMode1)).containsExactly("AP");
        await().atMost(WAIT).until(() -> rechecks().failed() == 1);
        assertThat(logged(Level.ERROR)).singleElement().asString().contains("radio on " + radioLine.a(),
                "is in API mode AP=1", "the bridge was told ap=2", "set AP=2 on the radio", "Not forwarding",
                "asking again in 1000 ms");
        deviceConnects("wrong-mode");
        gatewayReplies(20);
        await().atMost(WAIT).until(() -> uncheckedRadio() == 2); // one each way

        timers.advance(Duration.ofSeconds(1)); // the backoff's first step: still in API mode 1
        assertThat(radio.answerQueries(1, apiMode1)).containsExactly("AP");
        await().atMost(WAIT).until(() -> rechecks().failed() == 2);
        assertThat(logged(Level.ERROR)).as("the same reason again is no new ERROR").hasSize(1);

        timers.advance(Duration.ofSeconds(2)); // the next step, AP set to 2 meanwhile
        assertThat(radio.answerQueries(QUESTIONS.size(), Frames.RadioEnd.COORDINATOR)).isEqualTo(QUESTIONS);
        await().atMost(WAIT).until(() -> rechecks().passed() == 1);

        deviceConnects("fixed");
        assertThat(gatewayReceivesConnectFrom()).as("the first datagram since the loss").isEqualTo("fixed");
        assertThat(bridge.counters().forwarder().toDevices()).as("the reply during the failure went nowhere").isZero();
        assertThat(rechecks()).isEqualTo(new RadioRechecks(1, 1, 2));
    }

    @Test
    void aRadioBackSilentIsAskedThreeTimesThenAgainAfterTheBackoffAndResumesOnceItAnswers() throws Exception {
        portLostAndBack();

        for (int attempt = 1; attempt <= RadioCheck.ATTEMPTS; attempt++) {
            assertThat(radio.next(AtCommand.class).command()).as("question %d", attempt).isEqualTo("AP");
            timers.advance(RadioCheck.RESPONSE_TIMEOUT);
        }
        await().atMost(WAIT).until(() -> rechecks().failed() == 1);
        assertThat(logged(Level.ERROR)).singleElement().asString().contains("radio on " + radioLine.a(),
                "does not answer", "3 times", "set AP=2 with XCTU", "Not forwarding");

        timers.advance(Duration.ofSeconds(1));
        assertThat(radio.answerQueries(QUESTIONS.size(), Frames.RadioEnd.COORDINATOR)).isEqualTo(QUESTIONS);
        await().atMost(WAIT).until(() -> rechecks().passed() == 1);
        deviceConnects("answering");
        assertThat(gatewayReceivesConnectFrom()).isEqualTo("answering");
    }

    @Test
    void anotherRadioWithAnotherNpIsUsedWithTheNewLimitAndAWarningNamingOldAndNew() throws Exception {
        Map<String, Bytes> another = new HashMap<>(Frames.RadioEnd.COORDINATOR);
        another.put("SL", Bytes.fromHex("40000002"));
        another.put("NP", Bytes.fromHex("28")); // 40 bytes, as with APS encryption on
        portLostAndBack();

        assertThat(radio.answerQueries(QUESTIONS.size(), another)).isEqualTo(QUESTIONS);
        await().atMost(WAIT).until(() -> rechecks().passed() == 1);

        assertThat(logged(Level.WARN)).contains(
                "radio on " + radioLine.a() + " is another radio now: address 0013A20040000002 (was 0013A20040000001)",
                "radio on " + radioLine.a() + ": NP is 40 now (was 84); the largest reply sent to it is 40 bytes"
                        + " (was 84)");
        gatewayReplies(41);
        byte[] fits = gatewayReplies(40);
        assertThat(radio.next(TransmitRequest.class).rfData().toArray()).isEqualTo(fits);
        await().atMost(WAIT).until(() -> bridge.counters().forwarder().tooLargeForRadio() == 1);
    }
}
