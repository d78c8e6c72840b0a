package io.sngate.gateway.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sngate.codec.Bytes;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.codec.xbee.XBeeFrame.TransmitRequest;
import io.sngate.codec.xbee.XBeeFrame.TransmitStatus;
import io.sngate.gateway.Metrics;
import io.sngate.gateway.WarnLimiter;
import io.sngate.hw.ReconnectBackoff;
import io.sngate.hw.config.XBeeRadioConfig;
import io.sngate.hw.serial.SerialSettings;
import io.sngate.hw.testing.PtyPair;
import io.sngate.hw.xbee.XBeeSetupException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** The XBee transport on a real pseudo-terminal pair, against a fake coordinator radio. */
class XBeeTransportTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long DEVICE_A = 0x0013A20041000001L;
    private static final long DEVICE_B = 0x0013A20041000002L;
    private static final ReconnectBackoff FAST = new ReconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200),
            0.2, new Random(11));

    private final Metrics metrics = new Metrics();
    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final Transport.Receiver receiver = new Transport.Receiver() {
        @Override
        public void onPacket(LinkAddress from, byte[] packet) {
            events.add(new Received(from, Bytes.copyOf(packet)));
        }

        @Override
        public void onUndeliverable(LinkAddress to) {
            events.add(new Undeliverable(to));
        }
    };
    private PtyPair pty;
    private ScheduledExecutorService timers;
    private FakeCoordinator radio;
    private XBeeTransport transport;

    private record Received(LinkAddress from, Bytes packet) {
    }

    private record Undeliverable(LinkAddress to) {
    }

    @BeforeEach
    void open() {
        pty = PtyPair.open();
        timers = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void close() {
        if (transport != null) {
            transport.close();
        }
        if (radio != null) {
            radio.close();
        }
        timers.shutdownNow();
        pty.close();
    }

    private XBeeRadioConfig config(ApiMode mode, int maxPayload, int timeoutMillis) {
        return new XBeeRadioConfig("radio", SerialSettings.of(pty.a().toString(), 115_200), mode,
                OptionalLong.of(0x1234), OptionalInt.empty(), Optional.of(true), Optional.empty(), false,
                maxPayload, timeoutMillis);
    }

    private void start(ApiMode mode, int np, int maxPayload) throws Exception {
        radio = new FakeCoordinator(pty.b(), mode, np);
        transport = new XBeeTransport(config(mode, maxPayload, 1_000), timers, FAST, metrics,
                new WarnLimiter(10_000, System::currentTimeMillis));
        transport.start(receiver);
    }

    private Object nextEvent() throws InterruptedException {
        Object event = events.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(event).as("an event from the transport").isNotNull();
        return event;
    }

    private static byte[] connect(String clientId) {
        return MqttSn12Codec.INSTANCE.encode(new Connect(false, true, 60, clientId));
    }

    @ParameterizedTest
    @EnumSource(ApiMode.class)
    void startUpReadsTheRadioAndEachRemoteAddressIsADevice(ApiMode mode) throws Exception {
        start(mode, 84, 84);
        assertThat(transport.radio().address64()).isEqualTo(FakeCoordinator.OWN_ADDRESS);
        assertThat(radio.commands()).startsWith("AP").contains("SH", "SL", "NP");
        // 0x7E, 0x7D, 0x11 and 0x13 in the payload are escaped in AP=2 and pass either way
        byte[] packet = MqttSn12Codec.INSTANCE.encode(new Connect(false, true, 0x7E7D, "id\u0011\u0013~}"));
        radio.fromDevice(DEVICE_A, packet);
        radio.fromDevice(DEVICE_B, connect("b"));
        assertThat(nextEvent()).isEqualTo(new Received(new LinkAddress.XBee("radio", DEVICE_A), Bytes.wrap(packet)));
        assertThat(nextEvent()).isEqualTo(new Received(new LinkAddress.XBee("radio", DEVICE_B),
                Bytes.wrap(connect("b"))));
    }

    @Test
    void repliesGoAsTransmitRequestsToTheDevicesAddressAndAdvertiseAsABroadcast() throws Exception {
        start(ApiMode.ESCAPED, 84, 84);
        byte[] ping = MqttSn12Codec.INSTANCE.encode(PingReq.PLAIN);
        transport.send(new LinkAddress.XBee("radio", DEVICE_A), ping);
        TransmitRequest unicast = radio.nextTransmit(WAIT);
        assertThat(unicast.destination64()).isEqualTo(DEVICE_A);
        assertThat(unicast.frameId()).as("a frame id, so the radio reports delivery").isNotZero();
        assertThat(unicast.rfData()).isEqualTo(Bytes.wrap(ping));

        transport.broadcast(ping);
        TransmitRequest broadcast = radio.nextTransmit(WAIT);
        assertThat(broadcast.isBroadcast()).isTrue();
        assertThat(broadcast.frameId()).isZero();
        await().atMost(WAIT).until(() -> metrics.get("xbee.radio.tx_ok") == 1);
        assertThat(transport.owns(new LinkAddress.XBee("other", DEVICE_A))).isFalse();
    }

    @Test
    void aFailedDeliveryIsCountedByStatusAndReportedForTheDevice() throws Exception {
        start(ApiMode.ESCAPED, 84, 84);
        radio.failDeliveriesTo(DEVICE_B, TransmitStatus.DELIVERY_ADDRESS_NOT_FOUND);
        transport.send(new LinkAddress.XBee("radio", DEVICE_B), MqttSn12Codec.INSTANCE.encode(PingReq.PLAIN));
        assertThat(nextEvent()).isEqualTo(new Undeliverable(new LinkAddress.XBee("radio", DEVICE_B)));
        assertThat(metrics.get("xbee.radio.tx_failed")).isEqualTo(1);
        assertThat(metrics.get("xbee.radio.tx_status.0x24")).isEqualTo(1);
    }

    @Test
    void theSmallerOfNpAndMaxPayloadBoundsWhatIsSentAndNothingIsCut() throws Exception {
        start(ApiMode.ESCAPED, 60, 84);
        assertThat(transport.maxPacketSize()).isEqualTo(60);
        transport.send(new LinkAddress.XBee("radio", DEVICE_A), new byte[61]);
        transport.send(new LinkAddress.XBee("radio", DEVICE_A), new byte[60]);
        assertThat(radio.nextTransmit(WAIT).rfData().length()).isEqualTo(60);
        assertThat(metrics.get("xbee.radio.dropped_oversized")).isEqualTo(1);
    }

    @Test
    void noiseAndABadChecksumAreCountedAndTheNextFrameStillArrives() throws Exception {
        start(ApiMode.ESCAPED, 84, 84);
        // noise, then a frame whose checksum is wrong, then half a frame cut by a new delimiter
        radio.writeRaw(new byte[] {0x11, 0x22, 0x33});
        radio.writeRaw(new byte[] {0x7E, 0x00, 0x02, (byte) 0x8A, 0x06, 0x00});
        radio.writeRaw(new byte[] {0x7E, 0x00, 0x20, (byte) 0x90, 0x00});
        radio.fromDevice(DEVICE_A, connect("after-noise"));
        assertThat(nextEvent()).isEqualTo(new Received(new LinkAddress.XBee("radio", DEVICE_A),
                Bytes.wrap(connect("after-noise"))));
        await().atMost(WAIT).until(() -> metrics.get("xbee.radio.bad_checksums") == 1
                && metrics.get("xbee.radio.abandoned_frames") == 1 && metrics.get("xbee.radio.discarded_bytes") > 0);
    }

    @Test
    void framesAlreadyArrivingWhenThePortOpensAreTakenNotFatal() throws Exception {
        radio = new FakeCoordinator(pty.b(), ApiMode.ESCAPED, 84);
        // a device talks before the gateway is up: its frame waits in the pty for the first read
        radio.fromDevice(DEVICE_A, connect("early"));
        transport = new XBeeTransport(config(ApiMode.ESCAPED, 84, 1_000), timers, FAST, metrics,
                new WarnLimiter(10_000, System::currentTimeMillis));
        transport.start(receiver);
        assertThat(nextEvent()).isEqualTo(new Received(new LinkAddress.XBee("radio", DEVICE_A),
                Bytes.wrap(connect("early"))));
        assertThat(metrics.get("xbee.radio.port_lost")).isZero();
    }

    @Test
    void aLostAnswerDuringTheSetupIsRetriedNotFatal() throws Exception {
        radio = new FakeCoordinator(pty.b(), ApiMode.ESCAPED, 84).loseAnswers("SH", 1);
        transport = new XBeeTransport(config(ApiMode.ESCAPED, 84, 200), timers, FAST, metrics,
                new WarnLimiter(10_000, System::currentTimeMillis));
        transport.start(receiver);
        assertThat(transport.radio().address64()).isEqualTo(FakeCoordinator.OWN_ADDRESS);
        assertThat(metrics.get("xbee.radio.setup_retries")).isEqualTo(1);
    }

    @Test
    void aRadioThatDoesNotAnswerFailsTheStartNamingItsPort() {
        radio = new FakeCoordinator(pty.b(), ApiMode.ESCAPED, 84).silent();
        transport = new XBeeTransport(config(ApiMode.ESCAPED, 84, 200), timers, FAST, metrics,
                new WarnLimiter(10_000, System::currentTimeMillis));
        assertThatThrownBy(() -> transport.start(receiver))
                .isInstanceOf(XBeeSetupException.class)
                .hasMessageContaining(pty.a().toString());
        assertThat(metrics.get("xbee.radio.setup_retries")).isEqualTo(XBeeTransport.SETUP_ATTEMPTS - 1);
    }

    @Test
    void aRadioInTheOtherApiModeFailsTheStart() {
        radio = new FakeCoordinator(pty.b(), ApiMode.UNESCAPED, 84);
        transport = new XBeeTransport(config(ApiMode.ESCAPED, 84, 1_000), timers, FAST, metrics,
                new WarnLimiter(10_000, System::currentTimeMillis));
        assertThatThrownBy(() -> transport.start(receiver))
                .isInstanceOf(XBeeSetupException.class)
                .hasMessageContaining("AP=1");
    }
}
