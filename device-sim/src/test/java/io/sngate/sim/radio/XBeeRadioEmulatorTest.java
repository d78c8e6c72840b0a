package io.sngate.sim.radio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sngate.client.ClientRuntime;
import io.sngate.client.MqttSnClient;
import io.sngate.client.XBeeAddress;
import io.sngate.codec.Bytes;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.codec.xbee.XBeeFrame.AtCommand;
import io.sngate.codec.xbee.XBeeFrame.AtCommandResponse;
import io.sngate.codec.xbee.XBeeFrame.ModemStatus;
import io.sngate.codec.xbee.XBeeFrame.ReceivePacket;
import io.sngate.codec.xbee.XBeeFrame.TransmitRequest;
import io.sngate.codec.xbee.XBeeFrame.TransmitStatus;
import io.sngate.codec.xbee.XBeeFrame;
import io.sngate.codec.xbee.XBeeFrameCodec;
import io.sngate.hw.config.XBeeRadioConfig;
import io.sngate.hw.serial.SerialSettings;
import io.sngate.hw.testing.PtyPair;
import io.sngate.hw.xbee.RadioInfo;
import io.sngate.hw.xbee.XBeeAtCommands;
import io.sngate.hw.xbee.XBeeRadioSetup;
import io.sngate.hw.xbee.XBeeSetupException;
import io.sngate.sim.line.DeviceEnd;
import io.sngate.sim.line.LineImpairment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The emulated coordinator on one end of a real pty pair; the test plays the gateway on the
 * other end with jSerialComm and the codec's XBee frames (and, for the start-up, with the
 * gateway's own {@link XBeeRadioSetup}), and plays devices through their links.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class XBeeRadioEmulatorTest {

    static final Duration WAIT = Duration.ofSeconds(10);
    /** Addresses and payloads full of the bytes AP=2 must escape: 0x7E, 0x7D, 0x11, 0x13. */
    static final long TRICKY_ADDRESS = 0x0013A2007E7D1113L;
    static final byte[] TRICKY_PAYLOAD = {0x7E, 0x7D, 0x11, 0x13, 0x7E, 0x00, (byte) 0xFF};

    PtyPair pty;
    XBeeRadioEmulator radio;
    GatewaySide gateway;
    ClientRuntime runtime;
    ScheduledThreadPoolExecutor scheduler;

    void start(XBeeRadioEmulator.Config config, ApiMode gatewayMode) throws IOException {
        pty = PtyPair.open();
        radio = XBeeRadioEmulator.open(config.withSerial(SerialSettings.of(pty.b().toString(), 9_600)));
        gateway = new GatewaySide(pty.a(), gatewayMode);
        runtime = ClientRuntime.start("radio-test-devices");
    }

    void start(ApiMode mode) throws IOException {
        start(XBeeRadioEmulator.Config.of("unused").withApiMode(mode), mode);
    }

    @AfterEach
    void stop() {
        if (runtime != null) {
            runtime.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (radio != null) {
            radio.close();
        }
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        if (pty != null) {
            pty.close();
        }
    }

    AtCommandResponse at(int frameId, String command, byte... parameter) throws InterruptedException {
        gateway.send(new AtCommand(frameId, command, Bytes.wrap(parameter)));
        AtCommandResponse response = gateway.next(AtCommandResponse.class, WAIT);
        assertThat(response.frameId()).isEqualTo(frameId);
        assertThat(response.command()).isEqualTo(command);
        return response;
    }

    // ---------------------------------------------------------------- AT commands

    @ParameterizedTest
    @EnumSource(ApiMode.class)
    void theGatewaysRadioSetupReadsTheRadioAndAppliesTheConfiguredSettings(ApiMode mode) throws Exception {
        start(XBeeRadioEmulator.Config.of("unused").withApiMode(mode)
                .withSerialNumber(0x0013A2007E7D1113L).withNetwork(0x1234, 0x7FFF, false, " "), mode);
        scheduler = new ScheduledThreadPoolExecutor(1);
        XBeeRadioConfig config = new XBeeRadioConfig("xbee0", SerialSettings.of(pty.a().toString(), 9_600), mode,
                OptionalLong.of(0x7E7D11137E7D1113L), OptionalInt.of(0x7D13), Optional.of(true),
                Optional.of("sngate"), true, 84, 2_000);
        XBeeAtCommands commands = XBeeAtCommands.forRadio(config, gateway::sendRaw, scheduler);
        gateway.tap(commands::onFrame);

        RadioInfo info = new XBeeRadioSetup(commands, config).runBlocking(WAIT);

        assertThat(info.address64()).isEqualTo(0x0013A2007E7D1113L);
        assertThat(info.firmwareVersion()).isEqualTo(0x100B);
        assertThat(info.hardwareVersion()).isEqualTo(0x4247);
        assertThat(info.radioMaxPayload()).isEqualTo(84);
        assertThat(info.changed()).extracting(d -> d.command()).containsExactly("ID", "SC", "CE", "NI");
        assertThat(radio.panId()).isEqualTo(0x7E7D11137E7D1113L);
        assertThat(radio.scanChannels()).isEqualTo(0x7D13);
        assertThat(radio.coordinator()).isTrue();
        assertThat(radio.nodeIdentifier()).isEqualTo("sngate");
        assertThat(radio.counters().flashWrites()).isEqualTo(1);
        assertThat(radio.counters().atErrors()).isZero();
    }

    @Test
    void aGatewayConfiguredForTheOtherApiModeIsToldWhichModeTheRadioIsIn() throws Exception {
        start(XBeeRadioEmulator.Config.of("unused").withApiMode(ApiMode.ESCAPED), ApiMode.UNESCAPED);
        scheduler = new ScheduledThreadPoolExecutor(1);
        XBeeRadioConfig config = XBeeRadioConfig.of("xbee0", pty.a().toString());
        config = new XBeeRadioConfig(config.name(), config.serial(), ApiMode.UNESCAPED, config.panId(),
                config.channelMask(), config.coordinator(), config.nodeIdentifier(), false, 84, 2_000);
        XBeeAtCommands commands = XBeeAtCommands.forRadio(config, gateway::sendRaw, scheduler);
        gateway.tap(commands::onFrame);

        XBeeRadioSetup setup = new XBeeRadioSetup(commands, config);

        assertThatThrownBy(() -> setup.runBlocking(WAIT)).isInstanceOf(XBeeSetupException.class)
                .hasMessageContaining("AP=2");
    }

    @Test
    void queriesAnswerEachParameterAtItsWidth() throws Exception {
        start(ApiMode.ESCAPED);
        assertThat(at(1, "AP").data().toArray()).containsExactly(2);
        assertThat(at(2, "ID").data().length()).isEqualTo(8);
        assertThat(at(3, "SC").data().toArray()).containsExactly(0x7F, 0xFF);
        assertThat(at(4, "CE").data().toArray()).containsExactly(1);
        assertThat(at(5, "NI").data().toArray()).containsExactly(' ');
        assertThat(at(6, "SH").data().toArray()).containsExactly(0x00, 0x13, 0xA2, 0x00);
        assertThat(at(7, "SL").data().length()).isEqualTo(4);
        assertThat(at(8, "VR").data().toArray()).containsExactly(0x10, 0x0B);
        assertThat(at(9, "HV").data().toArray()).containsExactly(0x42, 0x47);
        assertThat(at(10, "NP").data().toArray()).containsExactly(0x00, 84);
        assertThat(at(11, "WR").ok()).isTrue();
        assertThat(at(12, "AC").ok()).isTrue();
    }

    @Test
    void unknownCommandsAndBadParametersAnswerTheirStatus() throws Exception {
        start(ApiMode.ESCAPED);
        assertThat(at(1, "ZZ").status()).isEqualTo(AtCommandResponse.STATUS_INVALID_COMMAND);
        assertThat(at(2, "FR").status()).isEqualTo(AtCommandResponse.STATUS_INVALID_COMMAND);
        assertThat(at(3, "AP", (byte) 5).status()).isEqualTo(AtCommandResponse.STATUS_INVALID_PARAMETER);
        assertThat(at(4, "AP", (byte) 0).status()).isEqualTo(AtCommandResponse.STATUS_INVALID_PARAMETER);
        assertThat(at(5, "CE", (byte) 2).status()).isEqualTo(AtCommandResponse.STATUS_INVALID_PARAMETER);
        assertThat(at(6, "SC", (byte) 0).status()).isEqualTo(AtCommandResponse.STATUS_INVALID_PARAMETER);
        assertThat(at(7, "SC", (byte) 1, (byte) 0, (byte) 0).status())
                .isEqualTo(AtCommandResponse.STATUS_INVALID_PARAMETER);
        assertThat(at(8, "ID", new byte[9]).status()).isEqualTo(AtCommandResponse.STATUS_OK); // leading zeros
        assertThat(at(9, "ID", new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 0}).status())
                .isEqualTo(AtCommandResponse.STATUS_INVALID_PARAMETER);
        assertThat(at(10, "NI", "twenty-one characters".getBytes(StandardCharsets.US_ASCII)).status())
                .isEqualTo(AtCommandResponse.STATUS_INVALID_PARAMETER);
        assertThat(at(11, "NP", (byte) 100).status()).isEqualTo(AtCommandResponse.STATUS_INVALID_PARAMETER);
        assertThat(at(12, "SH", (byte) 1).status()).isEqualTo(AtCommandResponse.STATUS_INVALID_PARAMETER);
        assertThat(at(13, "WR", (byte) 1).status()).isEqualTo(AtCommandResponse.STATUS_INVALID_PARAMETER);
        // nothing was changed by the refused sets
        assertThat(radio.apiMode()).isEqualTo(ApiMode.ESCAPED);
        assertThat(radio.coordinator()).isTrue();
        assertThat(radio.scanChannels()).isEqualTo(0x7FFF);
        assertThat(radio.panId()).isZero();
        assertThat(radio.counters().atErrors()).isEqualTo(12);
    }

    @Test
    void aCommandWithFrameIdZeroIsCarriedOutWithoutAnAnswer() throws Exception {
        start(ApiMode.ESCAPED);
        gateway.send(new AtCommand(0, "NI", Bytes.utf8("quiet")));
        // The next answer is the query's: none came for frame id 0.
        assertThat(at(1, "NI").data().toArray()).isEqualTo("quiet".getBytes(StandardCharsets.US_ASCII));
        assertThat(radio.nodeIdentifier()).isEqualTo("quiet");
    }

    @Test
    void settingApTakesEffectAfterItsOwnAnswer() throws Exception {
        start(ApiMode.ESCAPED);
        DeviceEnd device = DeviceEnd.open(radio.device(0x0013A20000000001L), runtime);
        assertThat(at(1, "AP", (byte) 1).ok()).isTrue(); // answered in mode 2
        gateway.switchTo(ApiMode.UNESCAPED);

        device.send(TRICKY_PAYLOAD);

        ReceivePacket packet = gateway.next(ReceivePacket.class, WAIT);
        assertThat(packet.rfData().toArray()).isEqualTo(TRICKY_PAYLOAD);
        assertThat(radio.apiMode()).isEqualTo(ApiMode.UNESCAPED);
        assertThat(at(2, "AP").data().toArray()).containsExactly(1);
    }

    // ---------------------------------------------------------------- packets

    @ParameterizedTest
    @EnumSource(ApiMode.class)
    void aDevicesPacketArrivesAsAReceivePacketFromItsAddresses(ApiMode mode) throws Exception {
        start(mode);
        DeviceEnd device = DeviceEnd.open(radio.device(TRICKY_ADDRESS, 0x7E11), runtime);

        device.send(TRICKY_PAYLOAD);

        ReceivePacket packet = gateway.next(ReceivePacket.class, WAIT);
        assertThat(packet.source64()).isEqualTo(TRICKY_ADDRESS);
        assertThat(packet.source16()).isEqualTo(0x7E11);
        assertThat(packet.options()).isEqualTo(ReceivePacket.OPTION_ACKNOWLEDGED);
        assertThat(packet.rfData().toArray()).isEqualTo(TRICKY_PAYLOAD);
        assertThat(radio.counters().packetsFromDevices()).isEqualTo(1);
    }

    @Test
    void aDevicesBroadcastIsFlaggedAsOne() throws Exception {
        start(ApiMode.ESCAPED);
        DeviceEnd device = DeviceEnd.open(radio.device(0x0013A20000000001L), runtime);

        device.broadcast(new byte[] {3, 0x01, 1}); // SEARCHGW radius 1

        ReceivePacket packet = gateway.next(ReceivePacket.class, WAIT);
        assertThat(packet.isBroadcast()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(ApiMode.class)
    void aTransmitRequestReachesTheDeviceWithThatAddressAndIsAcknowledged(ApiMode mode) throws Exception {
        start(mode);
        DeviceEnd target = DeviceEnd.open(radio.device(TRICKY_ADDRESS, 0x1113), runtime);
        DeviceEnd other = DeviceEnd.open(radio.device(0x0013A20000000002L), runtime);

        gateway.send(TransmitRequest.unicast(0x7E, TRICKY_ADDRESS, Bytes.wrap(TRICKY_PAYLOAD)));

        TransmitStatus status = gateway.next(TransmitStatus.class, WAIT);
        assertThat(status.frameId()).isEqualTo(0x7E);
        assertThat(status.delivered()).isTrue();
        assertThat(status.destination16()).isEqualTo(0x1113);
        DeviceEnd.Received received = target.next(WAIT);
        assertThat(received.packet()).isEqualTo(TRICKY_PAYLOAD);
        assertThat(received.onRuntimeThread()).isTrue();
        assertThat(received.from()).isEqualTo(new XBeeAddress(radio.address().address64()));
        assertThat(other.waiting()).isZero();
    }

    @Test
    void aBroadcastReachesEveryDeviceInTheNetwork() throws Exception {
        start(ApiMode.ESCAPED);
        List<DeviceEnd> devices = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            devices.add(DeviceEnd.open(radio.device(0x0013A20000000000L + i), runtime));
        }
        radio.device(0x0013A200000000FFL); // never opened: not in the network

        gateway.send(TransmitRequest.broadcast(9, Bytes.wrap(new byte[] {5, 0x00, 1, 0, 60}))); // ADVERTISE

        assertThat(gateway.next(TransmitStatus.class, WAIT).delivered()).isTrue();
        for (DeviceEnd device : devices) {
            assertThat(device.next(WAIT).packet()).containsExactly(5, 0x00, 1, 0, 60);
        }
        assertThat(radio.counters().deliveredToDevices()).isEqualTo(5);
        assertThat(radio.counters().broadcasts()).isEqualTo(1);
    }

    @Test
    void anUnknownOrDepartedAddressIsNotFoundAndATooLargePayloadIsRefused() throws Exception {
        start(ApiMode.ESCAPED);
        DeviceEnd device = DeviceEnd.open(radio.device(0x0013A20000000001L), runtime);

        gateway.send(TransmitRequest.unicast(1, 0x0013A20000000099L, Bytes.wrap(new byte[] {2, 0x16})));
        assertThat(gateway.next(TransmitStatus.class, WAIT).deliveryStatus())
                .isEqualTo(TransmitStatus.DELIVERY_ADDRESS_NOT_FOUND);

        gateway.send(TransmitRequest.unicast(2, 0x0013A20000000001L, Bytes.wrap(new byte[85])));
        assertThat(gateway.next(TransmitStatus.class, WAIT).deliveryStatus())
                .isEqualTo(TransmitStatus.DELIVERY_PAYLOAD_TOO_LARGE);

        device.close();
        gateway.send(TransmitRequest.unicast(3, 0x0013A20000000001L, Bytes.wrap(new byte[] {2, 0x16})));
        assertThat(gateway.next(TransmitStatus.class, WAIT).deliveryStatus())
                .isEqualTo(TransmitStatus.DELIVERY_ADDRESS_NOT_FOUND);

        assertThat(device.waiting()).isZero();
        assertThat(radio.counters().unknownDestination()).isEqualTo(2);
        assertThat(radio.counters().payloadTooLarge()).isEqualTo(1);
    }

    @Test
    void frameIdZeroAsksForNoTransmitStatus() throws Exception {
        start(ApiMode.ESCAPED);
        DeviceEnd device = DeviceEnd.open(radio.device(0x0013A20000000001L), runtime);

        gateway.send(TransmitRequest.unicast(0, 0x0013A20000000001L, Bytes.wrap(new byte[] {2, 0x16})));

        assertThat(device.next(WAIT).packet()).containsExactly(2, 0x16);
        assertThat(at(1, "AP").ok()).isTrue(); // the first frame back is this answer, no status before it
    }

    @Test
    void framesARadioDoesNotTakeFromItsHostAreIgnored() throws Exception {
        start(ApiMode.ESCAPED);
        gateway.send(new ReceivePacket(1, 2, 0, Bytes.wrap(new byte[] {2, 0x16})));
        gateway.send(new XBeeFrame.Unknown(0x17, Bytes.wrap(new byte[] {1, 2, 3})));
        assertThat(at(1, "AP").ok()).isTrue();
        assertThat(radio.counters().ignoredFrames()).isEqualTo(2);
    }

    @Test
    void aDevicePacketLargerThanNpIsRefusedToTheDevice() throws Exception {
        start(XBeeRadioEmulator.Config.of("unused").withMaxPayload(40), ApiMode.ESCAPED);
        DeviceEnd device = DeviceEnd.open(radio.device(0x0013A20000000001L), runtime);

        assertThat(device.link().maxPacketSize()).isEqualTo(40);
        assertThatThrownBy(() -> device.send(new byte[41])).isInstanceOf(IOException.class).hasMessageContaining("NP");
        assertThat(radio.counters().oversizedFromDevices()).isEqualTo(1);
    }

    @Test
    void addressesAreUniqueInTheNetworkAndFreedWhenALinkCloses() throws Exception {
        start(ApiMode.ESCAPED);
        DeviceEnd device = DeviceEnd.open(radio.device(0x0013A20000000001L), runtime);
        assertThatThrownBy(() -> radio.device(0x0013A20000000001L)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> radio.device(XBeeFrame.BROADCAST_ADDRESS_64))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> radio.device(0x0013A20000000002L, 0xFFFE))
                .isInstanceOf(IllegalArgumentException.class);

        device.close();

        assertThat(DeviceEnd.open(radio.device(0x0013A20000000001L), runtime).link()).isNotNull();
        assertThat(radio.devicesInNetwork()).isEqualTo(1);
    }

    @Test
    void aModemStatusCanBeSent() throws Exception {
        start(ApiMode.ESCAPED);
        radio.sendModemStatus(ModemStatus.COORDINATOR_STARTED);
        assertThat(gateway.next(ModemStatus.class, WAIT).status()).isEqualTo(ModemStatus.COORDINATOR_STARTED);
    }

    @Test
    void anMqttSnClientConnectsThroughTheRadio() throws Exception {
        start(ApiMode.ESCAPED);
        MqttSnClient client = MqttSnClient.builder("behind-radio").link(radio.device(TRICKY_ADDRESS)).runtime(runtime)
                .build();
        var outcome = client.connect(true);

        ReceivePacket connect = gateway.next(ReceivePacket.class, WAIT);
        assertThat(io.sngate.codec.v12.MqttSn12Codec.INSTANCE.decode(connect.rfData().toArray()))
                .isInstanceOf(io.sngate.codec.v12.Connect.class);
        gateway.send(TransmitRequest.unicast(1, connect.source64(), Bytes.wrap(new byte[] {3, 0x05, 0x00})));

        assertThat(outcome.get(10, TimeUnit.SECONDS).success()).isTrue();
        assertThat(gateway.next(TransmitStatus.class, WAIT).delivered()).isTrue();
        client.close();
    }

    // ---------------------------------------------------------------- a bad line

    @ParameterizedTest
    @EnumSource(ApiMode.class)
    void injectedGarbageIsSkippedByTheGatewaysDecoderAndTheFramesAroundItArrive(ApiMode mode) throws Exception {
        start(mode);
        DeviceEnd device = DeviceEnd.open(radio.device(0x0013A20000000001L), runtime);
        byte[] good = XBeeFrameCodec.encode(new ReceivePacket(0x0013A20000000001L, 1, 1,
                Bytes.wrap(new byte[] {2, 0x16})), mode);
        byte[] badChecksum = good.clone();
        badChecksum[badChecksum.length - 1] ^= 0x01;
        byte[] wrongBaud = new byte[200];
        new Random(7).nextBytes(wrongBaud);

        device.send("before".getBytes(StandardCharsets.US_ASCII));
        radio.injectRaw(new byte[] {0x00, 0x55, (byte) 0xAA, 0x11, 0x13}); // noise, XON/XOFF included
        radio.injectRaw(java.util.Arrays.copyOf(good, good.length / 2)); // half a frame
        radio.injectRaw(badChecksum);
        radio.injectRaw(new byte[] {0x7E, 0x7D, 0x7D, 0x7D, 0x5E, 0x7D}); // escapes of nothing
        radio.injectRaw(wrongBaud);
        await().atMost(WAIT).until(radio::lineIdle);
        await().atMost(WAIT).until(() -> gateway.bytesRead() == radio.counters().lineOut().bytesWritten());
        gateway.gap(); // the gateway's transport resets its decoder after a silent gap
        device.send("after".getBytes(StandardCharsets.US_ASCII));

        List<String> texts = new ArrayList<>();
        while (texts.size() < 2 || !texts.get(texts.size() - 1).equals("after")) {
            XBeeFrame frame = gateway.next(WAIT);
            if (frame instanceof ReceivePacket packet && packet.source64() == 0x0013A20000000001L
                    && packet.rfData().length() > 2) {
                texts.add(new String(packet.rfData().toArray(), StandardCharsets.US_ASCII));
            }
        }
        assertThat(texts).containsExactly("before", "after");
        assertThat(gateway.counters().badChecksums()).isPositive();
        assertThat(gateway.counters().bytesDiscarded()).isGreaterThanOrEqualTo(200);
        assertThat(radio.counters().lineOut().rawWrites()).isEqualTo(5);
    }

    @ParameterizedTest
    @EnumSource(ApiMode.class)
    void aSeededLineImpairmentDamagesFramesTheGatewayCountsAndSkips(ApiMode mode) throws Exception {
        LineImpairment impairment = new LineImpairment(5, 10, 10, 5);
        start(XBeeRadioEmulator.Config.of("unused").withApiMode(mode).withLineImpairment(impairment, 42), mode);
        DeviceEnd device = DeviceEnd.open(radio.device(0x0013A20000000001L), runtime);
        int packets = 300;
        Set<String> sent = new HashSet<>();
        for (int i = 0; i < packets; i++) {
            String text = "reading-" + i;
            sent.add(text);
            device.send(text.getBytes(StandardCharsets.US_ASCII)); // one sender: the queue order is fixed
        }
        await().atMost(WAIT).until(radio::lineIdle);
        await().atMost(WAIT).until(() -> gateway.bytesRead() == radio.counters().lineOut().bytesWritten());
        gateway.gap();

        List<String> arrived = new ArrayList<>();
        while (gateway.waiting() > 0) {
            if (gateway.next(WAIT) instanceof ReceivePacket packet) {
                arrived.add(new String(packet.rfData().toArray(), StandardCharsets.US_ASCII));
            }
        }
        var out = radio.counters().lineOut();
        assertThat(out.framesDropped() + out.framesCorrupted() + out.halfFrames()).isPositive();
        assertThat(out.noiseBursts()).isPositive();
        assertThat(out.framesWritten() + out.framesDropped() + out.framesCorrupted() + out.halfFrames())
                .isEqualTo(packets);
        // every frame written whole arrived, in order, and nothing damaged passed as a reading
        assertThat(arrived).allMatch(sent::contains).doesNotHaveDuplicates().hasSize((int) out.framesWritten());
        assertThat(arrived).isSortedAccordingTo(java.util.Comparator.comparingInt(t -> Integer.parseInt(t.substring(8))));
        assertThat(gateway.counters().badChecksums()).isGreaterThanOrEqualTo(out.framesCorrupted());
    }

}
