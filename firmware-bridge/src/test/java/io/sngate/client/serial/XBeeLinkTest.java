package io.sngate.client.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sngate.client.ClientRuntime;
import io.sngate.client.LinkAddress;
import io.sngate.client.MqttSnClient;
import io.sngate.client.XBeeAddress;
import io.sngate.client.serial.PortOptions;
import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.PingResp;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.SearchGw;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.codec.xbee.XBeeFrame.ReceivePacket;
import io.sngate.codec.xbee.XBeeFrame.TransmitRequest;
import io.sngate.codec.xbee.XBeeFrame.TransmitStatus;
import io.sngate.codec.xbee.XBeeFrame;
import io.sngate.codec.xbee.XBeeFrameCodec;
import io.sngate.hw.serial.SerialSettings;
import io.sngate.hw.testing.PtyEnd;
import io.sngate.hw.testing.PtyPair;
import io.sngate.testing.Frames;
import io.sngate.testing.ManualClock;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The device's XBee link on a real pseudo-terminal; the test plays the radio: it decodes the
 * Transmit Requests the link writes and answers with Receive Packets and Transmit Status
 * frames, in both API modes.
 */
class XBeeLinkTest {

    private static final long SILENCE = 100;
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long GATEWAY_RADIO = 0x0013A20041000001L;
    /** Bytes API mode 2 must escape, inside a payload. */
    private static final byte[] SPECIAL = {0x7E, 0x7D, 0x11, 0x13, 0x7E, 0x00};

    private final ManualClock clock = new ManualClock();
    private PtyPair pty;
    private PtyEnd radioPort;
    private Frames.RadioEnd radio;
    private ClientRuntime runtime;
    private XBeeLink link;
    private ApiMode mode;
    private final LinkedBlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
    private final LinkedBlockingQueue<LinkAddress> senders = new LinkedBlockingQueue<>();
    private volatile boolean opened;

    @BeforeEach
    void start() {
        pty = PtyPair.open();
        radioPort = new PtyEnd(pty.b());
        runtime = ClientRuntime.start("xbee-link-test", clock);
    }

    @AfterEach
    void stop() {
        if (link != null) {
            link.close();
        }
        runtime.close();
        radioPort.close();
        pty.close();
    }

    private XBeeLink newLink(ApiMode apiMode, long gateway64) {
        mode = apiMode;
        radio = new Frames.RadioEnd(radioPort, apiMode);
        link = new XBeeLink(SerialSettings.of(pty.a().toString(), 9_600),
                new XBeeLink.Options(apiMode, new XBeeAddress(gateway64), 84), new PortOptions(512, SILENCE, 16));
        return link;
    }

    private void openRaw(ApiMode apiMode) {
        newLink(apiMode, XBeeFrame.COORDINATOR_ADDRESS_64);
        runtime.execute(() -> {
            try {
                link.open(runtime, (packet, from) -> {
                    received.add(packet);
                    senders.add(from);
                });
                opened = true;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(WAIT).until(() -> opened);
    }

    private void sendOnRuntime(byte[] packet) {
        runtime.execute(() -> {
            try {
                link.send(packet);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private byte[] wire(XBeeFrame frame) {
        return XBeeFrameCodec.encode(frame, mode);
    }

    private static byte[] encode(MqttSn12Message message) {
        return MqttSn12Codec.INSTANCE.encode(message);
    }

    private static byte[] concat(byte[]... parts) {
        int size = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        byte[] all = new byte[size];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    private static Publish publishOf(byte[] payload) {
        return new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.NORMAL, 0x7E7D, 0, Bytes.wrap(payload));
    }

    @ParameterizedTest
    @EnumSource(ApiMode.class)
    void aClientConnectsToTheGatewayRadioThroughNoiseAndBadFrames(ApiMode apiMode) throws Exception {
        newLink(apiMode, GATEWAY_RADIO);
        try (MqttSnClient client = MqttSnClient.builder("radio-device").link(link).runtime(runtime).build()) {
            var connected = client.connect(true);

            TransmitRequest request = radio.next(TransmitRequest.class);
            assertThat(request.destination64()).isEqualTo(GATEWAY_RADIO);
            assertThat(request.frameId()).as("a status is wanted").isNotZero();
            assertThat(MqttSn12Codec.INSTANCE.decode(request.rfData().toArray()))
                    .isInstanceOfSatisfying(Connect.class, c -> assertThat(c.clientId().utf8()).isEqualTo("radio-device"));

            byte[] corrupted = wire(new ReceivePacket(GATEWAY_RADIO, 0x1234, 0,
                    Bytes.wrap(encode(new ConnAck(ReturnCode.REJECTED_CONGESTION)))));
            corrupted[corrupted.length - 1] ^= 0x55; // a bad checksum: must not count as the answer
            radioPort.write(concat(new byte[] {0x55, 0x00, 0x7D}, corrupted,
                    wire(new TransmitStatus(request.frameId(), 0x1234, 0, TransmitStatus.DELIVERY_SUCCESS, 0)),
                    wire(new ReceivePacket(GATEWAY_RADIO, 0x1234, 0, Bytes.wrap(encode(new ConnAck(ReturnCode.ACCEPTED)))))));

            assertThat(connected.get(10, TimeUnit.SECONDS).success()).isTrue();
            assertThat(link.counters().badFrames()).isGreaterThanOrEqualTo(1);
            assertThat(link.transmitFailures()).isZero();
        }
        link = null;
    }

    @ParameterizedTest
    @EnumSource(ApiMode.class)
    void receivedPacketsKeepEveryByteAndTheirSender(ApiMode apiMode) throws Exception {
        openRaw(apiMode);
        byte[] publish = encode(publishOf(SPECIAL));
        radioPort.write(wire(new ReceivePacket(GATEWAY_RADIO, 0x7E7D, ReceivePacket.OPTION_ACKNOWLEDGED,
                Bytes.wrap(publish))));

        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo(publish);
        assertThat(senders.poll(10, TimeUnit.SECONDS)).isEqualTo(new XBeeAddress(GATEWAY_RADIO));
        assertThat(new XBeeAddress(GATEWAY_RADIO)).hasToString("0013A20041000001");
    }

    @ParameterizedTest
    @EnumSource(ApiMode.class)
    void sentPacketsKeepEveryByte(ApiMode apiMode) throws Exception {
        openRaw(apiMode);
        byte[] publish = encode(publishOf(SPECIAL));
        sendOnRuntime(publish);

        TransmitRequest request = radio.next(TransmitRequest.class);
        assertThat(request.destination64()).isEqualTo(XBeeFrame.COORDINATOR_ADDRESS_64);
        assertThat(request.rfData().toArray()).isEqualTo(publish);
        assertThat(radio.decoder().badChecksums()).isZero();
    }

    @ParameterizedTest
    @EnumSource(ApiMode.class)
    void aHalfFrameLeftBySilenceDoesNotSwallowTheNextOne(ApiMode apiMode) throws Exception {
        openRaw(apiMode);
        byte[] lost = wire(new ReceivePacket(GATEWAY_RADIO, 0x0001, 0, Bytes.wrap(encode(new PingResp()))));
        radioPort.write(Arrays.copyOfRange(lost, 0, 6));
        await().atMost(WAIT).until(() -> link.counters().buffered() == 6);
        clock.advance(SILENCE);
        await().atMost(WAIT).until(() -> link.counters().silenceResets() == 1);

        byte[] ping = encode(new PingResp());
        radioPort.write(wire(new ReceivePacket(GATEWAY_RADIO, 0x0001, 0, Bytes.wrap(ping))));
        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo(ping);
        assertThat(received).isEmpty();
        assertThat(link.counters().badFrames()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(ApiMode.class)
    void failedDeliveriesAreCounted(ApiMode apiMode) throws Exception {
        openRaw(apiMode);
        radioPort.write(concat(
                wire(new TransmitStatus(1, XBeeFrame.UNKNOWN_ADDRESS_16, 3, TransmitStatus.DELIVERY_NETWORK_ACK_FAILURE, 0)),
                wire(new TransmitStatus(2, 0x0001, 0, TransmitStatus.DELIVERY_SUCCESS, 0)),
                wire(new TransmitStatus(3, XBeeFrame.UNKNOWN_ADDRESS_16, 0, TransmitStatus.DELIVERY_ROUTE_NOT_FOUND, 2))));

        await().atMost(WAIT).until(() -> link.counters().frames() == 3);
        await().atMost(WAIT).until(() -> link.transmitFailures() == 2);
    }

    @ParameterizedTest
    @EnumSource(ApiMode.class)
    void aBroadcastGoesToEveryRadioWithTheRadiusAsHopLimit(ApiMode apiMode) throws Exception {
        openRaw(apiMode);
        byte[] search = encode(new SearchGw(1));
        runtime.execute(() -> {
            try {
                link.broadcast(search, 1);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });

        TransmitRequest request = radio.next(TransmitRequest.class);
        assertThat(request.isBroadcast()).isTrue();
        assertThat(request.broadcastRadius()).isEqualTo(1);
        assertThat(request.rfData().toArray()).isEqualTo(search);
    }

    @ParameterizedTest
    @EnumSource(ApiMode.class)
    void aPacketLargerThanTheRfPayloadIsRefusedNeverCut(ApiMode apiMode) throws Exception {
        openRaw(apiMode);
        assertThat(link.maxPacketSize()).isEqualTo(84);
        byte[] big = encode(publishOf(new byte[78])); // 7-byte header: 85 bytes
        assertThat(big).hasSize(85);
        assertThatThrownBy(() -> link.send(big))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("85 bytes")
                .hasMessageContaining("84 bytes");

        byte[] fits = encode(publishOf(new byte[77]));
        sendOnRuntime(fits);
        assertThat(radio.next(TransmitRequest.class).rfData().toArray()).as("the big one never went out")
                .isEqualTo(fits);
    }
}
