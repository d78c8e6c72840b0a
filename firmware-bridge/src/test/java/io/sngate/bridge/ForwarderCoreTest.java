package io.sngate.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sngate.codec.Bytes;
import io.sngate.codec.frame.Encapsulated;
import io.sngate.codec.frame.ForwarderEncapsulation;
import io.sngate.codec.v12.Advertise;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.GwInfo;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PingResp;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.xbee.XBeeFrame;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The forwarding decisions, without ports or sockets. */
class ForwarderCoreTest {

    private static final Bytes LINE_1 = Bytes.fromHex("01");
    private static final Bytes LINE_2 = Bytes.fromHex("0A0B");
    private static final long DEVICE_A = 0x0013A20040A1B2C3L;
    private static final long DEVICE_B = 0x0013A20040D4E5F6L;
    private static final long NOW = 5_000;

    private ForwarderCore core = new ForwarderCore(ForwarderConfig.of(List.of(LINE_1, LINE_2), List.of(84)));
    private final List<Forward> out = new ArrayList<>();

    private static byte[] encode(MqttSn12Message message) {
        return MqttSn12Codec.INSTANCE.encode(message);
    }

    private static Bytes packet(MqttSn12Message message) {
        return Bytes.wrap(encode(message));
    }

    private static byte[] encapsulated(Bytes nodeId, int ctrl, MqttSn12Message message) {
        return ForwarderEncapsulation.encode(ctrl, nodeId, packet(message));
    }

    private List<Forward> fromGateway(byte[] datagram) {
        out.clear();
        core.fromGateway(datagram, NOW, out::add);
        return List.copyOf(out);
    }

    private Encapsulated onlyDatagram() throws Exception {
        assertThat(out).hasSize(1);
        assertThat(out.get(0)).isInstanceOf(Forward.ToGateway.class);
        return ForwarderEncapsulation.decode(((Forward.ToGateway) out.get(0)).datagram().toArray());
    }

    @Test
    void aSerialDevicesPacketIsWrappedWithTheLinesNodeId() throws Exception {
        byte[] connect = encode(new Connect(false, true, 60, "line-2"));
        core.fromSerialLine(1, connect, NOW, out::add);

        Encapsulated frame = onlyDatagram();
        assertThat(frame.wirelessNodeId()).isEqualTo(LINE_2);
        assertThat(frame.ctrl()).isZero();
        assertThat(frame.innerPacket().toArray()).isEqualTo(connect);
        assertThat(((Forward.ToGateway) out.get(0)).datagram().get(0)).as("Length counts the header only")
                .isEqualTo(3 + LINE_2.length());
        assertThat(core.counters().toGateway()).isEqualTo(1);
    }

    @Test
    void anXBeeDevicesPacketIsWrappedWithItsSixtyFourBitAddress() throws Exception {
        Bytes ping = packet(new PingReq(Bytes.EMPTY));
        core.fromRadio(0, DEVICE_A, ping, NOW, out::add);

        Encapsulated frame = onlyDatagram();
        assertThat(frame.wirelessNodeId()).isEqualTo(Bytes.fromHex("0013A20040A1B2C3"));
        assertThat(frame.innerPacket()).isEqualTo(ping);
    }

    @Test
    void repliesAreRoutedByNodeIdToTheirLine() {
        assertThat(fromGateway(encapsulated(LINE_1, 0, new ConnAck(ReturnCode.ACCEPTED))))
                .containsExactly(new Forward.ToSerialLine(0, packet(new ConnAck(ReturnCode.ACCEPTED))));
        assertThat(fromGateway(encapsulated(LINE_2, 0, new PingResp())))
                .containsExactly(new Forward.ToSerialLine(1, packet(new PingResp())));
        assertThat(core.counters().toDevices()).isEqualTo(2);
    }

    @Test
    void repliesForAnXBeeAddressBecomeUnicastsToIt() {
        assertThat(fromGateway(encapsulated(ForwarderCore.nodeIdOf(DEVICE_B), 0, new PingResp())))
                .containsExactly(new Forward.ToRadio(0, DEVICE_B, 0, packet(new PingResp())));
    }

    @Test
    void withSeveralRadiosAReplyGoesToTheRadioThatHeardTheDevice() {
        core = new ForwarderCore(ForwarderConfig.of(List.of(LINE_1), List.of(84, 84)));
        core.fromRadio(1, DEVICE_B, packet(new PingReq(Bytes.EMPTY)), NOW, out::add);
        core.fromRadio(0, DEVICE_A, packet(new PingReq(Bytes.EMPTY)), NOW, out::add);

        assertThat(fromGateway(encapsulated(ForwarderCore.nodeIdOf(DEVICE_B), 0, new PingResp())))
                .containsExactly(new Forward.ToRadio(1, DEVICE_B, 0, packet(new PingResp())));
        assertThat(fromGateway(encapsulated(ForwarderCore.nodeIdOf(DEVICE_A), 0, new PingResp())))
                .containsExactly(new Forward.ToRadio(0, DEVICE_A, 0, packet(new PingResp())));
        assertThat(fromGateway(encapsulated(ForwarderCore.nodeIdOf(0x1122334455667788L), 0, new PingResp())))
                .as("an address no radio has heard").isEmpty();
        assertThat(core.counters().unknownNodes()).isEqualTo(1);
    }

    @Test
    void theRememberedAddressesAreBounded() {
        core = new ForwarderCore(new ForwarderConfig(List.of(), List.of(84, 84), 2, 0));
        for (long device = 1; device <= 3; device++) {
            core.fromRadio(1, device, packet(new PingResp()), NOW, out::add);
        }
        assertThat(fromGateway(encapsulated(ForwarderCore.nodeIdOf(1), 0, new PingResp())))
                .as("the least recently heard is forgotten").isEmpty();
        assertThat(fromGateway(encapsulated(ForwarderCore.nodeIdOf(3), 0, new PingResp()))).hasSize(1);
    }

    @Test
    void aReplyForAnUnknownNodeIdIsCountedAndDropped() {
        assertThat(fromGateway(encapsulated(Bytes.fromHex("EE"), 0, new PingResp()))).isEmpty();
        assertThat(fromGateway(encapsulated(Bytes.fromHex("0A0C"), 0, new PingResp()))).isEmpty();
        assertThat(core.counters().unknownNodes()).isEqualTo(2);
        assertThat(core.counters().toDevices()).isZero();
    }

    @Test
    void plainAdvertiseAndGwInfoGoToEveryLineAndRadio() {
        Bytes advertise = packet(new Advertise(7, 900));
        assertThat(fromGateway(advertise.toArray())).containsExactly(
                new Forward.ToSerialLine(0, advertise),
                new Forward.ToSerialLine(1, advertise),
                new Forward.ToRadio(0, XBeeFrame.BROADCAST_ADDRESS_64, 0, advertise));
        Bytes gwInfo = packet(new GwInfo(7, Bytes.EMPTY));
        assertThat(fromGateway(gwInfo.toArray())).hasSize(3);
        assertThat(core.counters().broadcasts()).isEqualTo(2);
    }

    @Test
    void anEncapsulatedFrameWithoutNodeIdIsABroadcastWithItsRadius() {
        Bytes advertise = packet(new Advertise(7, 900));
        assertThat(fromGateway(ForwarderEncapsulation.encode(0x02, Bytes.EMPTY, advertise))).containsExactly(
                new Forward.ToSerialLine(0, advertise),
                new Forward.ToSerialLine(1, advertise),
                new Forward.ToRadio(0, XBeeFrame.BROADCAST_ADDRESS_64, 2, advertise));
    }

    @Test
    void otherPlainPacketsFromTheGatewayAreUnroutable() {
        assertThat(fromGateway(encode(new ConnAck(ReturnCode.ACCEPTED)))).isEmpty();
        assertThat(core.counters().unroutable()).isEqualTo(1);
    }

    @Test
    void malformedGatewayDatagramsAreCountedAndDropped() {
        byte[] shortNodeId = {0x05, (byte) 0xFE, 0x00, 0x01}; // header claims 2 node id bytes, has 1
        byte[] innerLengthWrong = {0x04, (byte) 0xFE, 0x00, 0x01, 0x05, 0x05, 0x00};
        byte[] garbage = {0x02, (byte) 0x99};
        assertThat(fromGateway(shortNodeId)).isEmpty();
        assertThat(fromGateway(innerLengthWrong)).isEmpty();
        assertThat(fromGateway(garbage)).isEmpty();
        assertThat(fromGateway(new byte[0])).isEmpty();
        assertThat(core.counters().malformedFromGateway()).isEqualTo(4);
    }

    @Test
    void aDeviceFrameThatIsNotOneWholePacketIsRejected() {
        core.fromRadio(0, DEVICE_A, Bytes.fromHex("0518"), NOW, out::add); // Length 5, 2 bytes
        core.fromRadio(0, DEVICE_A, Bytes.EMPTY, NOW, out::add);
        core.fromSerialLine(0, encapsulated(LINE_2, 0, new PingResp()), NOW, out::add); // nested
        assertThat(out).isEmpty();
        assertThat(core.counters().rejectedFromDevices()).isEqualTo(3);
        assertThat(core.counters().toGateway()).isZero();
    }

    @Test
    void aForwardersFramesAreRelayedAsTheyAreAndRepliesGoBackToItsLine() throws Exception {
        // line 0 has a device (01), lines 1 and 2 carry forwarders
        core = new ForwarderCore(ForwarderConfig.of(List.of(LINE_1, Bytes.EMPTY, Bytes.EMPTY), List.of()));
        byte[] fromNode = encapsulated(Bytes.fromHex("0001"), 0, new Connect(false, true, 60, "node-1"));
        core.fromSerialLine(1, fromNode, NOW, out::add);
        core.fromSerialLine(2, encapsulated(Bytes.fromHex("0002"), 0, new PingReq(Bytes.EMPTY)), NOW, out::add);

        assertThat(out).hasSize(2);
        assertThat(((Forward.ToGateway) out.get(0)).datagram().toArray()).as("not wrapped again").isEqualTo(fromNode);
        byte[] connAck = encapsulated(Bytes.fromHex("0001"), 0, new ConnAck(ReturnCode.ACCEPTED));
        assertThat(fromGateway(connAck)).as("the forwarder unwraps it for its node")
                .containsExactly(new Forward.ToSerialLine(1, Bytes.wrap(connAck)));
        assertThat(fromGateway(encapsulated(Bytes.fromHex("0002"), 0, new PingResp())))
                .containsExactly(new Forward.ToSerialLine(2, Bytes.wrap(encapsulated(Bytes.fromHex("0002"), 0,
                        new PingResp()))));
        assertThat(fromGateway(encapsulated(LINE_1, 0, new PingResp())))
                .containsExactly(new Forward.ToSerialLine(0, packet(new PingResp())));
        assertThat(fromGateway(encapsulated(Bytes.fromHex("0003"), 0, new PingResp())))
                .as("a node no forwarder has sent from").isEmpty();
        assertThat(core.counters().toGateway()).isEqualTo(2);
        assertThat(core.counters().toDevices()).isEqualTo(3);
        assertThat(core.counters().unknownNodes()).isEqualTo(1);

        // A node heard on another forwarder line since gets its replies there.
        core.fromSerialLine(2, encapsulated(Bytes.fromHex("0001"), 0, new PingReq(Bytes.EMPTY)), NOW, out::add);
        assertThat(fromGateway(connAck)).containsExactly(new Forward.ToSerialLine(2, Bytes.wrap(connAck)));

        Bytes advertise = packet(new Advertise(7, 900));
        assertThat(fromGateway(advertise.toArray())).as("a broadcast reaches the forwarders plain, as from a gateway")
                .containsExactly(new Forward.ToSerialLine(0, advertise), new Forward.ToSerialLine(1, advertise),
                        new Forward.ToSerialLine(2, advertise));
    }

    @Test
    void aForwarderLineRefusesItsOwnTrafficAndNodeIdsThatNameSomeoneElse() {
        core = new ForwarderCore(ForwarderConfig.of(List.of(LINE_1, Bytes.EMPTY), List.of(84)));
        core.fromSerialLine(1, encode(new PingReq(Bytes.EMPTY)), NOW, out::add); // not encapsulated
        core.fromSerialLine(1, encapsulated(LINE_1, 0, new PingReq(Bytes.EMPTY)), NOW, out::add); // line 1's device
        core.fromSerialLine(1, encapsulated(ForwarderCore.nodeIdOf(DEVICE_A), 0, new PingReq(Bytes.EMPTY)), NOW,
                out::add); // could be an XBee device
        core.fromSerialLine(1, encapsulated(Bytes.EMPTY, 0, new PingReq(Bytes.EMPTY)), NOW, out::add); // everyone
        core.fromSerialLine(1, new byte[] {0x04, (byte) 0xFE, 0x00, 0x01, 0x05, 0x05, 0x00}, NOW, out::add);

        assertThat(out).isEmpty();
        assertThat(core.counters().rejectedFromDevices()).isEqualTo(5);
        assertThat(fromGateway(encapsulated(LINE_1, 0, new PingResp())))
                .as("line 1's device keeps its node id").containsExactly(new Forward.ToSerialLine(0, packet(new PingResp())));
    }

    @Test
    void theRadiosNpLowersTheLargestReplyButNeverRaisesIt() {
        core = new ForwarderCore(ForwarderConfig.of(List.of(), List.of(20)));
        Bytes sixteen = packet(new Connect(false, true, 60, "ten-bytes!"));
        assertThat(sixteen.length()).isEqualTo(16);
        byte[] reply = ForwarderEncapsulation.encode(0, ForwarderCore.nodeIdOf(DEVICE_A), sixteen);

        core.limitRadioPayload(0, 84);
        assertThat(fromGateway(reply)).hasSize(1);
        core.limitRadioPayload(0, 15);
        assertThat(fromGateway(reply)).isEmpty();
        assertThat(fromGateway(packet(new Advertise(7, 900)).toArray())).as("a 5-byte broadcast still fits").hasSize(1);
        assertThat(core.counters().tooLargeForRadio()).isEqualTo(1);
    }

    @Test
    void aSuspendedRadioForwardsNothingEitherWayAndEachFrameIsCountedUntilItResumesWithItsNewLimit() {
        core = new ForwarderCore(ForwarderConfig.of(List.of(LINE_1), List.of(84, 84)));
        core.fromRadio(1, DEVICE_B, packet(new PingReq(Bytes.EMPTY)), NOW, out::add);
        out.clear();

        core.suspendRadio(1);
        core.fromRadio(1, DEVICE_A, packet(new PingReq(Bytes.EMPTY)), NOW, out::add);
        assertThat(out).as("a device behind the suspended radio").isEmpty();
        assertThat(fromGateway(encapsulated(ForwarderCore.nodeIdOf(DEVICE_B), 0, new PingResp())))
                .as("a reply for a device it heard before").isEmpty();
        Bytes advertise = packet(new Advertise(7, 900));
        assertThat(fromGateway(advertise.toArray())).as("a broadcast skips it").containsExactly(
                new Forward.ToSerialLine(0, advertise),
                new Forward.ToRadio(0, XBeeFrame.BROADCAST_ADDRESS_64, 0, advertise));
        assertThat(core.counters().uncheckedRadio()).isEqualTo(3);
        assertThat(core.isSuspended(1)).isTrue();
        assertThat(core.isSuspended(0)).isFalse();

        assertThat(core.resumeRadio(1, 10)).as("dropped while suspended").isEqualTo(3);
        assertThat(fromGateway(encapsulated(ForwarderCore.nodeIdOf(DEVICE_B), 0, new PingResp())))
                .containsExactly(new Forward.ToRadio(1, DEVICE_B, 0, packet(new PingResp())));
        assertThat(fromGateway(encapsulated(ForwarderCore.nodeIdOf(DEVICE_B), 0,
                new Connect(false, true, 60, "eleven-bytes")))).as("larger than the NP it has now").isEmpty();
        assertThat(core.resumeRadio(1, 84)).as("counted afresh for each suspension").isZero();
        assertThat(fromGateway(encapsulated(ForwarderCore.nodeIdOf(DEVICE_B), 0,
                new Connect(false, true, 60, "eleven-bytes")))).as("a higher NP later raises it again").hasSize(1);
        assertThat(core.counters().uncheckedRadio()).isEqualTo(3);
        assertThat(core.counters().tooLargeForRadio()).isEqualTo(1);
    }

    @Test
    void aReplyLargerThanTheRadioCarriesIsDroppedNotCut() {
        core = new ForwarderCore(ForwarderConfig.of(List.of(), List.of(10)));
        byte[] reply = ForwarderEncapsulation.encode(0, ForwarderCore.nodeIdOf(DEVICE_A),
                packet(new Connect(false, true, 60, "eleven-bytes")));
        assertThat(fromGateway(reply)).isEmpty();
        assertThat(core.counters().tooLargeForRadio()).isEqualTo(1);
    }

    @Test
    void nodeIdsMustBeUniqueAndDistinctFromXBeeAddresses() {
        assertThatThrownBy(() -> ForwarderConfig.of(List.of(LINE_1, LINE_1), List.of()))
                .hasMessageContaining("serial line 1").hasMessageContaining("01");
        assertThatThrownBy(() -> ForwarderConfig.of(List.of(Bytes.fromHex("0102030405060708")), List.of(84)))
                .hasMessageContaining("8 bytes");
        assertThatThrownBy(() -> ForwarderConfig.of(List.of(Bytes.wrap(new byte[253])), List.of()))
                .hasMessageContaining("1..252");
        assertThat(ForwarderConfig.of(List.of(Bytes.EMPTY, Bytes.EMPTY, LINE_1), List.of(84)).isForwarderLine(1))
                .as("lines without a node id of their own carry forwarders, as many as there are").isTrue();
        assertThat(ForwarderConfig.of(List.of(Bytes.fromHex("0102030405060708")), List.of()).serialNodeIds())
                .as("without radios an 8-byte id is unambiguous").hasSize(1);
        assertThat(ForwarderConfig.defaultSerialNodeId(0)).isEqualTo(Bytes.fromHex("01"));
    }

    @Test
    void warningsAreLimitedPerKindButEveryDropIsCounted() {
        WarnLimiter limiter = new WarnLimiter(1_000);
        assertThat(limiter.check("unknown-node", 0)).isEqualTo(new WarnLimiter.Verdict(true, 0));
        assertThat(limiter.check("unknown-node", 10).log()).isFalse();
        assertThat(limiter.check("unknown-node", 999).log()).isFalse();
        assertThat(limiter.check("malformed", 999).log()).as("another kind has its own budget").isTrue();
        assertThat(limiter.check("unknown-node", 1_000)).isEqualTo(new WarnLimiter.Verdict(true, 2));

        for (int i = 0; i < 100; i++) {
            fromGateway(encapsulated(Bytes.fromHex("EE"), 0, new PingResp()));
        }
        assertThat(core.counters().unknownNodes()).isEqualTo(100);
    }
}
