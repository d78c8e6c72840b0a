package io.sngate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.QoS;
import io.sngate.codec.frame.ForwarderEncapsulation;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.SubAck;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.TopicRef;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.codec.xbee.XBeeFrame.TransmitRequest;
import io.sngate.codec.xbee.XBeeFrame.TransmitStatus;
import io.sngate.gateway.Gateway;
import io.sngate.gateway.testing.Mosquitto;
import io.sngate.gateway.transport.FakeCoordinator;
import io.sngate.hw.config.ConfigLoader;
import io.sngate.hw.config.GatewayConfig;
import io.sngate.hw.config.GatewaySettings;
import io.sngate.hw.config.GpioConfig;
import io.sngate.hw.config.HardwareConfig;
import io.sngate.hw.config.SerialPortConfig;
import io.sngate.hw.config.XBeeRadioConfig;
import io.sngate.hw.serial.SerialSettings;
import io.sngate.hw.testing.PtyPair;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real gateway with a serial line, a forwarder line and an XBee radio beside UDP, in one
 * process, against a real mosquitto: each line is a socat pseudo-terminal pair whose far end
 * the test plays (a device, a forwarder, the coordinator radio hosting remote devices).
 * T_RETRY is long (30 s) so that any retransmission seen within the test's waits was caused
 * by the radio's delivery report, not by the timer.
 */
class SerialAndXBeeGatewayTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long DEVICE_A = 0x0013A20041000A0AL;
    private static final long DEVICE_B = 0x0013A20041000B0BL;
    private static final int NP = 84;

    private static Mosquitto broker;
    private PtyPair serialPty;
    private PtyPair forwarderPty;
    private PtyPair radioPty;
    private FakeCoordinator radio;
    private Gateway gateway;
    private Observer paho;
    private SerialPeer node;
    private SerialPeer forwarder;
    private static int run;

    @BeforeAll
    static void startBroker() {
        broker = Mosquitto.start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @BeforeEach
    void start() throws Exception {
        run++;
        serialPty = PtyPair.open();
        forwarderPty = PtyPair.open();
        radioPty = PtyPair.open();
        radio = new FakeCoordinator(radioPty.b(), ApiMode.ESCAPED, NP);
        HardwareConfig hardware = new HardwareConfig(
                List.of(new SerialPortConfig("node", SerialSettings.of(serialPty.a().toString(), 115_200), false),
                        new SerialPortConfig("fwd", SerialSettings.of(forwarderPty.a().toString(), 115_200), true)),
                List.of(new XBeeRadioConfig("radio", SerialSettings.of(radioPty.a().toString(), 115_200),
                        ApiMode.ESCAPED, OptionalLong.empty(), OptionalInt.empty(), Optional.empty(),
                        Optional.empty(), false, NP, 1_000)),
                GpioConfig.NONE);
        GatewayConfig config = ConfigLoader.fromArgs(List.of("--port", "0", "--broker", broker.uri(),
                        "--advertise", "0"))
                .with(GatewaySettings.UDP_BROADCAST, "")
                .with(GatewaySettings.RETRY_SECONDS, 30.0)
                .withHardware(hardware);
        gateway = Gateway.start(config);
        paho = Observer.connect(broker.uri(), "serial-it-observer-" + run);
        node = new SerialPeer(serialPty.b());
        forwarder = new SerialPeer(forwarderPty.b());
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {paho, node, forwarder, radio}) {
            if (c != null) {
                c.close();
            }
        }
        if (gateway != null) {
            gateway.close();
        }
        for (PtyPair p : new PtyPair[] {serialPty, forwarderPty, radioPty}) {
            if (p != null) {
                p.close();
            }
        }
    }

    private static String topic(String leaf) {
        return "serial-it/" + run + "/" + leaf;
    }

    private static Bytes bytes(String text) {
        return Bytes.utf8(text);
    }

    @Test
    void aDeviceOnASerialLinePublishesAndReceivesLikeOneOnUdp() throws Exception {
        String up = topic("node/up");
        String down = topic("node/down");
        paho.subscribe(up, 1);
        node.send(new Connect(false, true, 60, "serial-node-" + run));
        assertThat(node.next(ConnAck.class, WAIT).returnCode()).isEqualTo(ReturnCode.ACCEPTED);
        node.send(new Register(0, 1, up));
        RegAck regAck = node.next(RegAck.class, WAIT);
        byte[] payload = {0x00, (byte) 0xFF, 0x7E, 0x01, 0x7D};
        node.send(new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, regAck.topicId(), 2,
                Bytes.copyOf(payload)));
        assertThat(node.next(PubAck.class, WAIT).returnCode()).isEqualTo(ReturnCode.ACCEPTED);
        assertThat(paho.awaitFirst(up).payload()).isEqualTo(payload);

        node.send(new Subscribe(false, QoS.AT_LEAST_ONCE, 3, TopicRef.name(down)));
        SubAck subAck = node.next(SubAck.class, WAIT);
        assertThat(subAck.returnCode()).isEqualTo(ReturnCode.ACCEPTED);
        paho.publish(down, "switch on", 1);
        Publish delivered = node.next(Publish.class, WAIT);
        assertThat(delivered.topicId()).isEqualTo(subAck.topicId());
        assertThat(delivered.data().utf8()).isEqualTo("switch on");
        node.send(new PubAck(delivered.topicId(), delivered.msgId(), ReturnCode.ACCEPTED));
    }

    @Test
    void devicesBehindAForwarderOnASerialLineHaveTheirOwnSessions() throws Exception {
        String up = topic("fwd/up");
        paho.subscribe(up, 1);
        Bytes[] nodes = {Bytes.copyOf(new byte[] {0x01}), Bytes.copyOf(new byte[] {0x02})};
        for (int i = 0; i < nodes.length; i++) {
            forwarder.writeRaw(wrap(nodes[i], new Connect(false, true, 60, "fwd-node-" + i + "-" + run)));
        }
        // the two sessions answer from their own event loops, in either order
        java.util.Map<Bytes, MqttSn12Message> answers = new java.util.HashMap<>();
        for (int i = 0; i < nodes.length; i++) {
            var frame = ForwarderEncapsulation.decode(forwarder.nextRaw(WAIT));
            answers.put(frame.wirelessNodeId(), MqttSn12Codec.INSTANCE.decode(frame.innerPacket().toArray()));
        }
        assertThat(answers).containsOnlyKeys(nodes);
        assertThat(answers.values()).allSatisfy(m -> assertThat(((ConnAck) m).returnCode()).isEqualTo(ReturnCode.ACCEPTED));
        for (int i = 0; i < nodes.length; i++) {
            forwarder.writeRaw(wrap(nodes[i], new Register(0, 1, up)));
            RegAck ack = (RegAck) unwrap(forwarder.nextRaw(WAIT), nodes[i]);
            forwarder.writeRaw(wrap(nodes[i], new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL,
                    ack.topicId(), 2, bytes("from node " + i))));
            assertThat(((PubAck) unwrap(forwarder.nextRaw(WAIT), nodes[i])).returnCode()).isEqualTo(ReturnCode.ACCEPTED);
        }
        await().atMost(WAIT).until(() -> paho.texts(up).containsAll(List.of("from node 0", "from node 1")));

        // a bare packet on a forwarder line is noise that decoded: counted, never answered
        forwarder.writeRaw(encode(io.sngate.codec.v12.PingReq.PLAIN));
        await().atMost(WAIT).until(() -> gateway.metrics().get("serial.fwd.unwrapped_on_forwarder_line") == 1);
        forwarder.writeRaw(wrap(nodes[0], io.sngate.codec.v12.PingReq.PLAIN));
        var answer = ForwarderEncapsulation.decode(forwarder.nextRaw(WAIT));
        assertThat(answer.wirelessNodeId()).as("the next frame is the wrapped PINGRESP, nothing before it")
                .isEqualTo(nodes[0]);
    }

    @Test
    void eachRemoteRadioIsADeviceAndLineNoiseDoesNotDisturbTheOthers() throws Exception {
        String up = topic("radio/up");
        paho.subscribe(up, 1);
        connectOverRadio(DEVICE_A, "radio-a-" + run);
        connectOverRadio(DEVICE_B, "radio-b-" + run);
        // noise, a frame with a bad checksum and half a frame on the radio's line
        radio.writeRaw(new byte[] {0x13, 0x37, 0x7E, 0x00, 0x02, (byte) 0x8A, 0x06, 0x00, 0x7E, 0x00, 0x30, (byte) 0x90});
        int topicB = registerOverRadio(DEVICE_B, up);
        radio.fromDevice(DEVICE_B, encode(new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, topicB, 5,
                bytes("from b"))));
        assertThat(((PubAck) nextFromGateway(DEVICE_B)).returnCode()).isEqualTo(ReturnCode.ACCEPTED);
        assertThat(paho.awaitFirst(up).text()).isEqualTo("from b");
        assertThat(gateway.metrics().get("xbee.radio.bad_checksums")).isEqualTo(1);
        assertThat(gateway.metrics().get("xbee.radio.abandoned_frames")).isEqualTo(1);
        // A is untouched: its session still answers
        radio.fromDevice(DEVICE_A, encode(io.sngate.codec.v12.PingReq.PLAIN));
        assertThat(nextFromGateway(DEVICE_A).type().name()).isEqualTo("PINGRESP");
    }

    @Test
    void searchgwOverTheRadioIsAnsweredByABroadcastGwinfoWithItsRadius() throws Exception {
        radio.fromDevice(DEVICE_A, encode(new io.sngate.codec.v12.SearchGw(3)));
        TransmitRequest answer = radio.nextTransmitTo(io.sngate.codec.xbee.XBeeFrame.BROADCAST_ADDRESS_64, WAIT);
        assertThat(answer.broadcastRadius()).isEqualTo(3);
        assertThat(MqttSn12Codec.INSTANCE.decode(answer.rfData().toArray()))
                .isEqualTo(io.sngate.codec.v12.GwInfo.fromGateway(1));
    }

    @Test
    void aMessageTooLargeForTheRadioIsRefusedAndCountedNotCut() throws Exception {
        String down = topic("radio/down");
        connectOverRadio(DEVICE_A, "radio-big-" + run);
        radio.fromDevice(DEVICE_A, encode(new Subscribe(false, QoS.AT_MOST_ONCE, 2, TopicRef.name(down))));
        assertThat(((SubAck) nextFromGateway(DEVICE_A)).returnCode()).isEqualTo(ReturnCode.ACCEPTED);
        paho.publish(down, "x".repeat(NP), 0);
        paho.publish(down, "small", 0);
        Publish delivered = (Publish) nextFromGateway(DEVICE_A);
        assertThat(delivered.data().utf8()).isEqualTo("small");
        assertThat(gateway.metrics().get("session.too_large_for_device")).isEqualTo(1);
    }

    @Test
    void aFailedRadioDeliveryBringsTheRetryForward() throws Exception {
        String down = topic("radio/retry");
        connectOverRadio(DEVICE_A, "radio-retry-" + run);
        radio.fromDevice(DEVICE_A, encode(new Subscribe(false, QoS.AT_LEAST_ONCE, 2, TopicRef.name(down))));
        assertThat(((SubAck) nextFromGateway(DEVICE_A)).returnCode()).isEqualTo(ReturnCode.ACCEPTED);
        radio.failDeliveriesTo(DEVICE_A, TransmitStatus.DELIVERY_MAC_ACK_FAILURE);
        paho.publish(down, "please arrive", 1);
        Publish first = (Publish) nextFromGateway(DEVICE_A);
        assertThat(first.dup()).isFalse();
        radio.deliverTo(DEVICE_A);
        // T_RETRY is 30 s: a resend within WAIT comes from the failure report
        Publish again = (Publish) nextFromGateway(DEVICE_A);
        assertThat(again.dup()).isTrue();
        assertThat(again.msgId()).isEqualTo(first.msgId());
        assertThat(gateway.metrics().get("xbee.radio.tx_failed")).isGreaterThanOrEqualTo(1);
        radio.fromDevice(DEVICE_A, encode(new PubAck(again.topicId(), again.msgId(), ReturnCode.ACCEPTED)));
    }

    private void connectOverRadio(long address, String clientId) throws Exception {
        radio.fromDevice(address, encode(new Connect(false, true, 60, clientId)));
        assertThat(((ConnAck) nextFromGateway(address)).returnCode()).isEqualTo(ReturnCode.ACCEPTED);
    }

    private int registerOverRadio(long address, String name) throws Exception {
        radio.fromDevice(address, encode(new Register(0, 1, name)));
        return ((RegAck) nextFromGateway(address)).topicId();
    }

    private MqttSn12Message nextFromGateway(long address) throws Exception {
        TransmitRequest request = radio.nextTransmitTo(address, WAIT);
        return MqttSn12Codec.INSTANCE.decode(request.rfData().toArray());
    }

    private static byte[] encode(MqttSn12Message message) {
        return MqttSn12Codec.INSTANCE.encode(message);
    }

    private static byte[] wrap(Bytes nodeId, MqttSn12Message message) {
        return ForwarderEncapsulation.encode(0, nodeId, Bytes.wrap(encode(message)));
    }

    private static MqttSn12Message unwrap(byte[] frame, Bytes expectedNode) throws DecodeException {
        var encapsulated = ForwarderEncapsulation.decode(frame);
        assertThat(encapsulated.wirelessNodeId()).isEqualTo(expectedNode);
        return MqttSn12Codec.INSTANCE.decode(encapsulated.innerPacket().toArray());
    }
}
