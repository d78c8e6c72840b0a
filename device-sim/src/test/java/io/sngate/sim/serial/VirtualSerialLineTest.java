package io.sngate.sim.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sngate.client.ClientRuntime;
import io.sngate.client.LinkAddress;
import io.sngate.client.MqttSnClient;
import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.QoS;
import io.sngate.codec.frame.Encapsulated;
import io.sngate.codec.frame.ForwarderEncapsulation;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.hw.serial.SerialSettings;
import io.sngate.hw.testing.PtyPair;
import io.sngate.sim.line.DeviceEnd;
import io.sngate.sim.line.LineImpairment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The device end of a serial line on a real pty pair, single-device and forwarder; the test
 * plays the gateway's serial transport on the other end with the codec's frame decoder.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VirtualSerialLineTest {

    static final Duration WAIT = Duration.ofSeconds(10);
    static final byte[] CONNECT = {0x08, 0x04, 0x04, 0x01, 0x00, 0x3C, 0x63, 0x31};
    static final byte[] CONNACK = {0x03, 0x05, 0x00};
    static final byte[] PINGREQ = {0x02, 0x16};
    static final byte[] PINGRESP = {0x02, 0x17};
    static final byte[] ADVERTISE = {0x05, 0x00, 0x01, 0x03, (byte) 0x84};

    PtyPair pty;
    VirtualSerialLine line;
    SerialGatewaySide gateway;
    ClientRuntime runtime;

    void start(VirtualSerialLine.Config config) throws IOException {
        pty = PtyPair.open();
        line = VirtualSerialLine.open(new VirtualSerialLine.Config(SerialSettings.of(pty.b().toString(), 9_600),
                config.mode(), config.maxPacketSize(), config.lineImpairment(), config.seed(), config.queueCapacity()));
        gateway = new SerialGatewaySide(pty.a());
        runtime = ClientRuntime.start("serial-test-devices");
    }

    void start(VirtualSerialLine.Mode mode) throws IOException {
        start(VirtualSerialLine.Config.of("unused", mode));
    }

    @AfterEach
    void stop() {
        if (runtime != null) {
            runtime.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (line != null) {
            line.close();
        }
        if (pty != null) {
            pty.close();
        }
    }

    static byte[] publish(String text) {
        return MqttSn12Codec.INSTANCE.encode(new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.NORMAL, 1, 0,
                Bytes.utf8(text)));
    }

    /** The text of a QoS 0 PUBLISH to topic id 1, or null for any other frame. */
    static String publishedText(byte[] frame) {
        try {
            MqttSn12Message message = MqttSn12Codec.INSTANCE.decode(frame);
            if (message instanceof Publish p && p.topicId() == 1) {
                return new String(p.data().toArray(), StandardCharsets.UTF_8);
            }
        } catch (DecodeException e) {
            // not a packet: a frame is only ever checked, never trusted
        }
        return null;
    }

    // ---------------------------------------------------------------- one device

    @Test
    void aSingleDeviceSpeaksRawFramesBothWays() throws Exception {
        start(VirtualSerialLine.Mode.SINGLE);
        DeviceEnd device = DeviceEnd.open(line.device(), runtime);

        device.send(CONNECT);
        assertThat(gateway.next(WAIT)).isEqualTo(CONNECT);

        gateway.send(ForwarderEncapsulation.encode(0, VirtualSerialLine.nodeId(1), Bytes.wrap(PINGRESP)));
        gateway.send(CONNACK);
        DeviceEnd.Received received = device.next(WAIT);
        assertThat(received.packet()).isEqualTo(CONNACK); // the encapsulated frame was not for a plain device
        assertThat(received.onRuntimeThread()).isTrue();
        assertThat(received.from()).isEqualTo(new LinkAddress.SerialPort(pty.b().toString()));
        assertThat(line.counters().unexpectedEncapsulated()).isEqualTo(1);
        assertThat(line.counters().deliveredToDevices()).isEqualTo(1);
    }

    @Test
    void aSingleDeviceLineCarriesOneDeviceWithoutNodeId() throws Exception {
        start(VirtualSerialLine.Mode.SINGLE);
        line.device();
        assertThatThrownBy(line::device).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> line.device(VirtualSerialLine.nodeId(1))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aPacketLargerThanTheLineTakesIsRefusedToTheDevice() throws Exception {
        start(VirtualSerialLine.Config.of("unused", VirtualSerialLine.Mode.SINGLE).withMaxPacketSize(64));
        DeviceEnd device = DeviceEnd.open(line.device(), runtime);
        assertThatThrownBy(() -> device.send(publish("x".repeat(60)))).isInstanceOf(IOException.class);
        assertThat(line.counters().oversizedFromDevices()).isEqualTo(1);
    }

    // ---------------------------------------------------------------- a forwarder

    @Test
    void devicesBehindAForwarderAreWrappedWithTheirNodeIds() throws Exception {
        start(VirtualSerialLine.Mode.FORWARDER);
        List<DeviceEnd> devices = new ArrayList<>();
        for (int n = 1; n <= 5; n++) {
            devices.add(DeviceEnd.open(line.device(VirtualSerialLine.nodeId(n)), runtime));
        }
        for (DeviceEnd device : devices) {
            device.send(PINGREQ);
        }

        Set<Bytes> nodes = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            Encapsulated frame = ForwarderEncapsulation.decode(gateway.next(WAIT));
            assertThat(frame.ctrl()).isZero();
            assertThat(frame.innerPacket().toArray()).isEqualTo(PINGREQ);
            nodes.add(Bytes.copyOf(frame.wirelessNodeId().toArray()));
        }
        assertThat(nodes).containsExactlyInAnyOrder(VirtualSerialLine.nodeId(1), VirtualSerialLine.nodeId(2),
                VirtualSerialLine.nodeId(3), VirtualSerialLine.nodeId(4), VirtualSerialLine.nodeId(5));
    }

    @Test
    void theGatewaysReplyReachesOnlyTheNodeItIsWrappedFor() throws Exception {
        start(VirtualSerialLine.Mode.FORWARDER);
        List<DeviceEnd> devices = new ArrayList<>();
        for (int n = 1; n <= 5; n++) {
            devices.add(DeviceEnd.open(line.device(VirtualSerialLine.nodeId(n)), runtime));
        }

        gateway.send(ForwarderEncapsulation.encode(0x03, VirtualSerialLine.nodeId(9), Bytes.wrap(PINGRESP)));
        gateway.send(ForwarderEncapsulation.encode(0x00, VirtualSerialLine.nodeId(3), Bytes.wrap(PINGRESP)));
        gateway.send(ADVERTISE); // no wrapping: for everyone behind the forwarder
        gateway.send(new byte[] {0x02, 0x18}); // a DISCONNECT to the forwarder itself: for no node

        DeviceEnd third = devices.get(2);
        assertThat(third.next(WAIT).packet()).isEqualTo(PINGRESP);
        for (DeviceEnd device : devices) {
            assertThat(device.next(WAIT).packet()).isEqualTo(ADVERTISE);
        }
        await().atMost(WAIT).until(() -> line.counters().framesFromGateway() == 4);
        assertThat(devices).allMatch(d -> d.waiting() == 0);
        assertThat(line.counters().forForwarder()).isEqualTo(1);
        assertThat(line.counters().unknownNode()).isEqualTo(1);
        assertThat(line.counters().broadcasts()).isEqualTo(1);
        assertThat(line.counters().deliveredToDevices()).isEqualTo(6);
    }

    @Test
    void nodeIdsAreUniqueAndFreedWhenALinkCloses() throws Exception {
        start(VirtualSerialLine.Mode.FORWARDER);
        DeviceEnd device = DeviceEnd.open(line.device(VirtualSerialLine.nodeId(1)), runtime);
        assertThatThrownBy(() -> line.device(VirtualSerialLine.nodeId(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(line::device).isInstanceOf(IllegalStateException.class);
        device.close();
        gateway.send(ForwarderEncapsulation.encode(0, VirtualSerialLine.nodeId(1), Bytes.wrap(PINGRESP)));
        await().atMost(WAIT).until(() -> line.counters().unknownNode() == 1);
        assertThat(line.device(VirtualSerialLine.nodeId(1))).isNotNull();
    }

    @Test
    void anMqttSnClientConnectsThroughTheForwarder() throws Exception {
        start(VirtualSerialLine.Mode.FORWARDER);
        MqttSnClient client = MqttSnClient.builder("behind-forwarder").link(line.device(VirtualSerialLine.nodeId(42)))
                .runtime(runtime).build();
        var outcome = client.connect(true);

        Encapsulated connect = ForwarderEncapsulation.decode(gateway.next(WAIT));
        assertThat(MqttSn12Codec.INSTANCE.decode(connect.innerPacket().toArray()))
                .isInstanceOf(io.sngate.codec.v12.Connect.class);
        gateway.send(ForwarderEncapsulation.encode(connect.withInnerPacket(Bytes.wrap(CONNACK))));

        assertThat(outcome.get(10, TimeUnit.SECONDS).success()).isTrue();
        client.close();
    }

    // ---------------------------------------------------------------- a bad line

    @Test
    void injectedGarbageIsSkippedAndTheFramesAroundItArrive() throws Exception {
        start(VirtualSerialLine.Mode.FORWARDER);
        DeviceEnd device = DeviceEnd.open(line.device(VirtualSerialLine.nodeId(7)), runtime);
        byte[] wrongBaud = new byte[300];
        new Random(11).nextBytes(wrongBaud);
        byte[] half = ForwarderEncapsulation.encode(0, VirtualSerialLine.nodeId(7), Bytes.wrap(publish("lost")));

        device.send(publish("before"));
        line.injectRaw(new byte[] {0x00, 0x00, (byte) 0xFF, 0x01});
        line.injectRaw(java.util.Arrays.copyOf(half, half.length - 3));
        // A half frame is what a device leaves when it resets mid-frame; the silence that follows
        // makes the transport drop it. Without the gap the next bytes would complete it: MQTT-SN
        // frames carry no checksum, so noise could pass as the rest of the packet.
        drainThenGap();
        line.injectRaw(wrongBaud);
        drainThenGap();
        device.send(publish("after"));

        List<String> texts = new ArrayList<>();
        while (!texts.contains("after")) {
            byte[] frame = gateway.next(WAIT);
            if (ForwarderEncapsulation.isEncapsulated(frame, 0, frame.length)) {
                Encapsulated e = ForwarderEncapsulation.decode(frame);
                String text = publishedText(e.innerPacket().toArray());
                if (e.wirelessNodeId().equals(VirtualSerialLine.nodeId(7)) && text != null) {
                    texts.add(text);
                }
            }
        }
        assertThat(texts).containsExactly("before", "after");
        assertThat(gateway.counters().bytesDiscarded()).isPositive();
    }

    /** Waits until the gateway side has read all the line wrote, then resets its decoder like a silent gap does. */
    private void drainThenGap() {
        await().atMost(WAIT).until(line::lineIdle);
        await().atMost(WAIT).until(() -> gateway.bytesRead() == line.counters().lineOut().bytesWritten());
        gateway.gap();
    }

    /** A reading with a CRC of its own, so the test can tell an intact reading from a damaged one that still decodes. */
    static String reading(int n) {
        String text = "reading-" + n;
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(text.getBytes(StandardCharsets.US_ASCII));
        return text + "/" + Long.toHexString(crc.getValue());
    }

    static boolean intact(String text) {
        int slash = text.lastIndexOf('/');
        return slash > 8 && text.startsWith("reading-") && reading(number(text)).equals(text);
    }

    static int number(String text) {
        try {
            return Integer.parseInt(text.substring(8, text.lastIndexOf('/')));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    @Test
    void aSeededLineImpairmentIsCountedAndTheGatewayResynchronisesAfterIt() throws Exception {
        start(VirtualSerialLine.Config.of("unused", VirtualSerialLine.Mode.SINGLE)
                .withLineImpairment(new LineImpairment(5, 5, 10, 5), 42));
        DeviceEnd device = DeviceEnd.open(line.device(), runtime);
        int packets = 200;
        for (int i = 0; i < packets; i++) {
            device.send(publish(reading(i)));
        }
        drainThenGap();
        line.injectRaw(publish("resynchronised")); // raw bytes are never impaired

        List<String> arrived = new ArrayList<>();
        List<String> others = new ArrayList<>();
        while (!others.contains("resynchronised")) {
            String text = publishedText(gateway.next(WAIT));
            if (text != null && intact(text)) {
                arrived.add(text);
            } else if (text != null) {
                others.add(text);
            }
        }
        var out = line.counters().lineOut();
        assertThat(out.framesWritten() + out.framesDropped() + out.framesCorrupted() + out.halfFrames())
                .isEqualTo(packets);
        assertThat(out.framesDropped()).isPositive();
        assertThat(out.framesCorrupted()).isPositive();
        assertThat(out.halfFrames()).isPositive();
        assertThat(out.noiseBursts()).isPositive();
        // MQTT-SN has no checksum: a damaged frame may still decode (the readings' own CRC tells
        // those apart, in 'others'), but no intact reading arrives twice or out of order, and
        // the line carries frames again once the damage stops.
        assertThat(arrived).doesNotHaveDuplicates().isSortedAccordingTo(Comparator.comparingInt(t -> number(t)));
        // How many intact frames a damage costs has no small bound: a half frame and the frame after
        // it make one bogus PUBLISH (its body takes any bytes), a noise byte can claim up to 255.
        assertThat(arrived).isNotEmpty().hasSizeLessThanOrEqualTo((int) out.framesWritten());
        assertThat(gateway.counters().bytesDiscarded()).isPositive();
        assertThat(others).contains("resynchronised");
    }
}
