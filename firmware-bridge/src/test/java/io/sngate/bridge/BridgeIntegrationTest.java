package io.sngate.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.codec.Bytes;
import io.sngate.codec.frame.Encapsulated;
import io.sngate.codec.frame.ForwarderEncapsulation;
import io.sngate.codec.v12.Advertise;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PingResp;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.codec.xbee.XBeeFrame;
import io.sngate.codec.xbee.XBeeFrame.ReceivePacket;
import io.sngate.codec.xbee.XBeeFrame.TransmitRequest;
import io.sngate.codec.xbee.XBeeFrame.TransmitStatus;
import io.sngate.codec.xbee.XBeeFrameCodec;
import io.sngate.hw.serial.SerialSettings;
import io.sngate.hw.testing.PtyEnd;
import io.sngate.hw.testing.PtyPair;
import io.sngate.testing.Frames;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole bridge on real pseudo-terminals and a real UDP socket: two microcontrollers on
 * serial lines and an XBee coordinator with several remote devices, the test playing each
 * device, the radio, and a spec-conformant gateway that answers encapsulated frames with
 * encapsulated replies (same node id and Ctrl).
 */
class BridgeIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Bytes NODE_1 = Bytes.fromHex("01");
    private static final Bytes NODE_2 = Bytes.fromHex("0A0B");
    private static final long SENSOR_A = 0x0013A20040A1B2C3L;
    private static final long SENSOR_B = 0x0013A20040D4E5F6L;
    /** AP, SH, SL, VR, HV, NP. */
    static final int RADIO_CHECK_QUERIES = 6;

    private PtyPair line1;
    private PtyPair line2;
    private PtyPair radioLine;
    private PtyEnd device1;
    private PtyEnd device2;
    private Frames.RadioEnd radio;
    private PtyEnd radioPort;
    private DatagramSocket gateway;
    private Bridge bridge;
    private SocketAddress bridgeAddress;

    @BeforeEach
    void start() throws Exception {
        line1 = PtyPair.open();
        line2 = PtyPair.open();
        radioLine = PtyPair.open();
        gateway = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        gateway.setSoTimeout((int) WAIT.toMillis());
        BridgeConfig config = new BridgeConfig((InetSocketAddress) gateway.getLocalSocketAddress(),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                List.of(new BridgeConfig.SerialLineSpec(SerialSettings.of(line1.a().toString(), 115_200), NODE_1),
                        new BridgeConfig.SerialLineSpec(SerialSettings.of(line2.a().toString(), 115_200), NODE_2)),
                List.of(new BridgeConfig.RadioSpec(SerialSettings.of(radioLine.a().toString(), 9_600), ApiMode.ESCAPED,
                        84)),
                0);
        radioPort = new PtyEnd(radioLine.b());
        radio = new Frames.RadioEnd(radioPort, ApiMode.ESCAPED);
        // The bridge asks the radio its mode, address, versions and NP before it forwards.
        CompletableFuture<Void> answered = CompletableFuture.runAsync(() -> {
            try {
                radio.answerQueries(RADIO_CHECK_QUERIES, Frames.RadioEnd.COORDINATOR);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
        bridge = Bridge.start(config);
        answered.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        bridgeAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(), bridge.localPort());
        device1 = new PtyEnd(line1.b());
        device2 = new PtyEnd(line2.b());
    }

    @AfterEach
    void stop() {
        if (bridge != null) {
            bridge.close();
        }
        gateway.close();
        for (PtyEnd end : new PtyEnd[] {device1, device2, radioPort}) {
            if (end != null) {
                end.close();
            }
        }
        line1.close();
        line2.close();
        radioLine.close();
    }

    private static byte[] encode(MqttSn12Message message) {
        return MqttSn12Codec.INSTANCE.encode(message);
    }

    private Encapsulated gatewayReceives() throws Exception {
        DatagramPacket datagram = new DatagramPacket(new byte[1024], 1024);
        gateway.receive(datagram);
        assertThat(datagram.getSocketAddress()).isEqualTo(bridgeAddress);
        return ForwarderEncapsulation.decode(Arrays.copyOf(datagram.getData(), datagram.getLength()));
    }

    private void gatewaySends(byte[] datagram) throws Exception {
        gateway.send(new DatagramPacket(datagram, datagram.length, bridgeAddress));
    }

    /** A conformant gateway's answer: the request's node id and Ctrl around the reply. */
    private void gatewayAnswers(Encapsulated request, MqttSn12Message reply) throws Exception {
        gatewaySends(ForwarderEncapsulation.encode(request.withInnerPacket(Bytes.wrap(encode(reply)))));
    }

    private byte[] radioReceive(long source, MqttSn12Message message) {
        return XBeeFrameCodec.encode(new ReceivePacket(source, 0x1234, 0, Bytes.wrap(encode(message))),
                ApiMode.ESCAPED);
    }

    @Test
    void devicesOnLinesAndRadiosReachTheGatewayAndGetTheirOwnReplies() throws Exception {
        // Line 1: a clean CONNECT.
        device1.write(encode(new Connect(false, true, 60, "line-one")));
        Encapsulated connect1 = gatewayReceives();
        assertThat(connect1.wirelessNodeId()).isEqualTo(NODE_1);
        assertThat(MqttSn12Codec.INSTANCE.decode(connect1.innerPacket().toArray()))
                .isEqualTo(new Connect(false, true, 60, "line-one"));

        // Line 2: garbage that looks like the start of a long frame, then silence: the bridge
        // drops the fragment and only this line counts it.
        device2.write(new byte[] {0x00, (byte) 0x99, 0x00, 0x00});
        await().atMost(WAIT).until(() -> bridge.counters().lines().get(1).silenceResets() == 1);
        device2.write(encode(new Connect(false, true, 60, "line-two")));
        Encapsulated connect2 = gatewayReceives();
        assertThat(connect2.wirelessNodeId()).isEqualTo(NODE_2);

        // Two remote XBee devices behind the coordinator.
        radioPort.write(radioReceive(SENSOR_A, new Connect(false, true, 60, "sensor-a")));
        Encapsulated connectA = gatewayReceives();
        radioPort.write(radioReceive(SENSOR_B, new Connect(false, true, 60, "sensor-b")));
        Encapsulated connectB = gatewayReceives();
        assertThat(connectA.wirelessNodeId()).isEqualTo(ForwarderCore.nodeIdOf(SENSOR_A));
        assertThat(connectB.wirelessNodeId()).isEqualTo(ForwarderCore.nodeIdOf(SENSOR_B));

        // Replies in another order than the requests, each distinguishable.
        gatewayAnswers(connectB, new ConnAck(ReturnCode.REJECTED_CONGESTION));
        gatewayAnswers(connect2, new ConnAck(ReturnCode.REJECTED_NOT_SUPPORTED));
        gatewayAnswers(connectA, new ConnAck(ReturnCode.ACCEPTED));
        gatewayAnswers(connect1, new ConnAck(ReturnCode.ACCEPTED));

        assertThat(Frames.nextPacket(device2)).isEqualTo(encode(new ConnAck(ReturnCode.REJECTED_NOT_SUPPORTED)));
        assertThat(Frames.nextPacket(device1)).isEqualTo(encode(new ConnAck(ReturnCode.ACCEPTED)));
        TransmitRequest toB = radio.next(TransmitRequest.class);
        TransmitRequest toA = radio.next(TransmitRequest.class);
        assertThat(toB.destination64()).isEqualTo(SENSOR_B);
        assertThat(toB.rfData().toArray()).isEqualTo(encode(new ConnAck(ReturnCode.REJECTED_CONGESTION)));
        assertThat(toA.destination64()).isEqualTo(SENSOR_A);
        assertThat(toA.rfData().toArray()).isEqualTo(encode(new ConnAck(ReturnCode.ACCEPTED)));

        // The radio reports a failed delivery; it is counted.
        radioPort.write(XBeeFrameCodec.encode(new TransmitStatus(toB.frameId(), XBeeFrame.UNKNOWN_ADDRESS_16, 2,
                TransmitStatus.DELIVERY_ADDRESS_NOT_FOUND, 1), ApiMode.ESCAPED));
        await().atMost(WAIT).until(() -> bridge.counters().transmitFailures().get(0) == 1);

        BridgeCounters counters = bridge.counters();
        assertThat(counters.lines().get(0).bytesDiscarded()).isZero();
        assertThat(counters.lines().get(1).bytesDiscarded()).isEqualTo(4);
        assertThat(counters.forwarder().toGateway()).isEqualTo(4);
        assertThat(counters.forwarder().toDevices()).isEqualTo(4);
    }

    @Test
    void anAdvertisementReachesEveryLineAndIsBroadcastByTheRadio() throws Exception {
        byte[] advertise = encode(new Advertise(3, 900));
        gatewaySends(advertise);

        assertThat(Frames.nextPacket(device1)).isEqualTo(advertise);
        assertThat(Frames.nextPacket(device2)).isEqualTo(advertise);
        TransmitRequest broadcast = radio.next(TransmitRequest.class);
        assertThat(broadcast.isBroadcast()).isTrue();
        assertThat(broadcast.rfData().toArray()).isEqualTo(advertise);
    }

    @Test
    void badInputOnOneSideDoesNotDisturbTheOthers() throws Exception {
        // Line 2 sends a half frame and noise; the gateway sends a reply nobody owns and junk.
        device2.write(new byte[] {0x0C, 0x0C, 0x00, 0x01});
        radioPort.write(new byte[] {0x7E, 0x00, 0x05, 0x11, 0x22}); // half an API frame
        gatewaySends(ForwarderEncapsulation.encode(0, Bytes.fromHex("EE"), Bytes.wrap(encode(new PingResp()))));
        gatewaySends(new byte[] {0x03, (byte) 0xFE});
        await().atMost(WAIT).until(() -> bridge.counters().forwarder().unknownNodes() == 1
                && bridge.counters().forwarder().malformedFromGateway() == 1);

        // Line 1 and an XBee device carry on as if nothing happened.
        device1.write(encode(new PingReq(Bytes.EMPTY)));
        Encapsulated ping = gatewayReceives();
        assertThat(ping.wirelessNodeId()).isEqualTo(NODE_1);
        gatewayAnswers(ping, new PingResp());
        assertThat(Frames.nextPacket(device1)).isEqualTo(encode(new PingResp()));

        radioPort.write(radioReceive(SENSOR_A, new PingReq(Bytes.EMPTY)));
        Encapsulated radioPing = gatewayReceives();
        assertThat(radioPing.wirelessNodeId()).isEqualTo(ForwarderCore.nodeIdOf(SENSOR_A));
        gatewayAnswers(radioPing, new PingResp());
        TransmitRequest pong = radio.next(TransmitRequest.class);
        assertThat(pong.destination64()).isEqualTo(SENSOR_A);

        assertThat(bridge.counters().lines().get(0).bytesDiscarded()).isZero();
    }

    @Test
    void datagramsFromAnyoneButTheGatewayAreDropped() throws Exception {
        try (DatagramSocket stranger = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            byte[] reply = ForwarderEncapsulation.encode(0, NODE_1, Bytes.wrap(encode(new PingResp())));
            stranger.send(new DatagramPacket(reply, reply.length, bridgeAddress));
            await().atMost(WAIT).until(() -> bridge.counters().foreignDatagrams() == 1);
        }
        assertThat(bridge.counters().forwarder().toDevices()).isZero();
        assertThat(bridge.readyLine()).isEqualTo("sngate bridge ready gateway=127.0.0.1:" + gateway.getLocalPort()
                + " lines=3");
    }
}
