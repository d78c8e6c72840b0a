package io.sngate.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.codec.Bytes;
import io.sngate.codec.frame.Encapsulated;
import io.sngate.codec.frame.ForwarderEncapsulation;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.QoS;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.codec.xbee.XBeeFrame.AtCommand;
import io.sngate.codec.xbee.XBeeFrame.ReceivePacket;
import io.sngate.codec.xbee.XBeeFrame.TransmitRequest;
import io.sngate.codec.xbee.XBeeFrameCodec;
import io.sngate.hw.serial.SerialSettings;
import io.sngate.hw.testing.PtyEnd;
import io.sngate.hw.testing.PtyPair;
import io.sngate.testing.Frames;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bridge asks its XBee radio the API mode, address and NP before it forwards, over a real
 * pseudo-terminal with the test playing the radio: a radio in another mode or one that does not
 * answer stops the start with a message naming the port, and NP lowers the largest reply.
 */
class BridgeRadioCheckTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long SENSOR = 0x0013A20040A1B2C3L;

    private PtyPair radioLine;
    private PtyEnd radioPort;
    private Frames.RadioEnd radio;
    private DatagramSocket gateway;
    private Bridge bridge;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void open() throws Exception {
        radioLine = PtyPair.open();
        radioPort = new PtyEnd(radioLine.b());
        radio = new Frames.RadioEnd(radioPort, ApiMode.ESCAPED);
        gateway = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        gateway.setSoTimeout((int) WAIT.toMillis());
    }

    @AfterEach
    void close() {
        if (bridge != null) {
            bridge.close();
        }
        gateway.close();
        radioPort.close();
        radioLine.close();
    }

    /** The test's radio answers the bridge's questions with {@code values} on another thread. */
    private CompletableFuture<Void> radioAnswers(int queries, Map<String, Bytes> values) {
        return CompletableFuture.runAsync(() -> {
            try {
                radio.answerQueries(queries, values);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
    }

    private Main.Started startMain(String... args) {
        return Main.start(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aRadioInAnotherApiModeStopsTheStartSayingWhatToChange() throws Exception {
        Map<String, Bytes> apiMode1 = new HashMap<>(Frames.RadioEnd.COORDINATOR);
        apiMode1.put("AP", Bytes.fromHex("01"));
        CompletableFuture<Void> answered = radioAnswers(1, apiMode1);

        Main.Started started = startMain("--gateway", "127.0.0.1:" + gateway.getLocalPort(),
                "--xbee", radioLine.a() + ":9600:ap=2");

        answered.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(started).isEqualTo(new Main.Started.Exit(Main.EXIT_FAILURE));
        assertThat(err()).contains("cannot start", radioLine.a().toString(), "is in API mode AP=1",
                "the bridge was told ap=2", ":9600:ap=1");
        assertThat(out.toString(StandardCharsets.UTF_8)).as("no ready line").isEmpty();
    }

    @Test
    void aRadioThatDoesNotAnswerStopsTheStartAfterAskingThreeTimes() throws Exception {
        Main.Started started = startMain("--gateway", "127.0.0.1:" + gateway.getLocalPort(),
                "--xbee", radioLine.a().toString());

        assertThat(started).isEqualTo(new Main.Started.Exit(Main.EXIT_FAILURE));
        assertThat(err()).contains("cannot start", "radio on " + radioLine.a() + " does not answer",
                "no reply to ATAP", "3 times", "AP=2 at 9600 baud", "transparent mode (AP=0)");
        for (int i = 0; i < RadioCheck.ATTEMPTS; i++) {
            assertThat(radio.next(AtCommand.class).command()).as("question %d", i + 1).isEqualTo("AP");
        }
    }

    @Test
    void theRadiosNpLowersTheLargestReplyAndItsDevicesAreForwardedMeanwhile() throws Exception {
        Map<String, Bytes> smallNp = new HashMap<>(Frames.RadioEnd.COORDINATOR);
        smallNp.put("NP", Bytes.fromHex("28")); // 40 bytes, as with APS encryption on
        // A remote device talks while the bridge is still asking: its packet is forwarded, not
        // taken for an answer.
        byte[] connect = MqttSn12Codec.INSTANCE.encode(new Connect(false, true, 60, "sensor"));
        radioPort.write(XBeeFrameCodec.encode(new ReceivePacket(SENSOR, 0x1234, 0, Bytes.wrap(connect)),
                ApiMode.ESCAPED));
        CompletableFuture<Void> answered = radioAnswers(BridgeIntegrationTest.RADIO_CHECK_QUERIES, smallNp);

        bridge = Bridge.start(new BridgeConfig((InetSocketAddress) gateway.getLocalSocketAddress(),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), List.of(),
                List.of(new BridgeConfig.RadioSpec(SerialSettings.of(radioLine.a().toString(), 9_600),
                        ApiMode.ESCAPED, 84)), 0));
        answered.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

        DatagramPacket datagram = new DatagramPacket(new byte[1024], 1024);
        gateway.receive(datagram);
        Encapsulated fromSensor = ForwarderEncapsulation.decode(Arrays.copyOf(datagram.getData(),
                datagram.getLength()));
        assertThat(fromSensor.innerPacket().toArray()).isEqualTo(connect);
        assertThat(fromSensor.wirelessNodeId()).isEqualTo(ForwarderCore.nodeIdOf(SENSOR));

        byte[] large = MqttSn12Codec.INSTANCE.encode(new Publish(false, QoS.AT_MOST_ONCE, false,
                TopicIdType.NORMAL, 1, 0, Bytes.wrap(new byte[41 - 7])));
        byte[] fits = MqttSn12Codec.INSTANCE.encode(new Publish(false, QoS.AT_MOST_ONCE, false,
                TopicIdType.NORMAL, 1, 0, Bytes.wrap(new byte[40 - 7])));
        assertThat(large).hasSize(41);
        assertThat(fits).hasSize(40);
        InetSocketAddress bridgeAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(), bridge.localPort());
        for (byte[] reply : List.of(large, fits)) {
            byte[] wrapped = ForwarderEncapsulation.encode(fromSensor.withInnerPacket(Bytes.wrap(reply)));
            gateway.send(new DatagramPacket(wrapped, wrapped.length, bridgeAddress));
        }
        TransmitRequest delivered = radio.next(TransmitRequest.class);
        assertThat(delivered.rfData().toArray()).isEqualTo(fits);
        assertThat(delivered.destination64()).isEqualTo(SENSOR);
        await().atMost(WAIT).until(() -> bridge.counters().forwarder().tooLargeForRadio() == 1);
    }

    @Test
    void aRadioWithoutNpKeepsTheConfiguredMaximum() throws Exception {
        Map<String, Bytes> noNp = new HashMap<>(Frames.RadioEnd.COORDINATOR);
        noNp.remove("NP"); // answered with status 2, invalid command
        CompletableFuture<Void> answered = radioAnswers(BridgeIntegrationTest.RADIO_CHECK_QUERIES, noNp);

        bridge = Bridge.start(new BridgeConfig((InetSocketAddress) gateway.getLocalSocketAddress(),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), List.of(),
                List.of(new BridgeConfig.RadioSpec(SerialSettings.of(radioLine.a().toString(), 9_600),
                        ApiMode.ESCAPED, 84)), 0));
        answered.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

        byte[] full = MqttSn12Codec.INSTANCE.encode(new Publish(false, QoS.AT_MOST_ONCE, false,
                TopicIdType.NORMAL, 1, 0, Bytes.wrap(new byte[84 - 7])));
        assertThat(full).hasSize(84);
        byte[] wrapped = ForwarderEncapsulation.encode(0, ForwarderCore.nodeIdOf(SENSOR), Bytes.wrap(full));
        gateway.send(new DatagramPacket(wrapped, wrapped.length,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), bridge.localPort())));
        assertThat(radio.next(TransmitRequest.class).rfData().toArray()).isEqualTo(full);
        assertThat(bridge.counters().forwarder().tooLargeForRadio()).isZero();
    }
}
