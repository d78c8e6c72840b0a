package io.sngate.gateway.it;

import static io.sngate.codec.v12.ReturnCode.ACCEPTED;
import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.frame.Encapsulated;
import io.sngate.codec.frame.ForwarderEncapsulation;
import io.sngate.codec.v12.Advertise;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.GwInfo;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PingResp;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.SearchGw;
import io.sngate.codec.v12.SubAck;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.TopicRef;
import io.sngate.gateway.testing.UdpDevice;
import io.sngate.hw.config.GatewaySettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Gateway discovery (SEARCHGW/GWINFO, ADVERTISE broadcast) and forwarder encapsulation, with a
 * transparent gateway on mosquitto whose broadcast address is a test socket on 127.0.0.1.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DiscoveryAndForwarderTest {

    static final int GATEWAY_ID = 7;
    static final Duration WAIT = Duration.ofSeconds(10);

    UdpDevice broadcastListener;
    TestGateway gw;
    Observer paho;

    @BeforeAll
    void start() throws Exception {
        broadcastListener = new UdpDevice(9); // only listens; where it would send does not matter
        gw = TestGateway.start(Setup.TRANSPARENT_MOSQUITTO, c -> c
                .with(GatewaySettings.GATEWAY_ID, GATEWAY_ID)
                .with(GatewaySettings.ADVERTISE_SECONDS, 1)
                .with(GatewaySettings.UDP_BROADCAST, "127.0.0.1:" + broadcastListener.localPort()));
        paho = gw.observer("discovery-paho");
    }

    @AfterAll
    void stop() throws Exception {
        if (paho != null) {
            paho.close();
        }
        if (gw != null) {
            gw.close();
        }
        if (broadcastListener != null) {
            broadcastListener.close();
        }
    }

    @Test
    void searchgwIsAnsweredWithGwinfo() {
        try (RawUdp device = new RawUdp(gw.udpPort())) {
            device.send(MqttSn12Codec.INSTANCE.encode(new SearchGw(1)));
            byte[] answer = device.expect(WAIT, "GWINFO");
            // Length 3, GWINFO, GwId: a gateway sends no GwAdd.
            assertThat(answer).containsExactly(0x03, 0x02, GATEWAY_ID);
            assertThat(decode(answer)).isEqualTo(GwInfo.fromGateway(GATEWAY_ID));
        }
    }

    @Test
    void advertiseIsBroadcastPeriodically() {
        Advertise first = broadcastListener.expect(Advertise.class);
        assertThat(first.gwId()).isEqualTo(GATEWAY_ID);
        assertThat(first.duration()).as("T_ADV in the Duration field").isEqualTo(1);
        Advertise next = broadcastListener.expect(Advertise.class);
        assertThat(next).isEqualTo(first);
    }

    @Test
    void forwarderWithTwoNodeIdsCarriesTwoClientsAndRepliesAreEncapsulatedForTheRightNode() throws Exception {
        Bytes nodeA = Bytes.fromHex("0013A200408B2C01"); // an XBee 64-bit address
        Bytes nodeB = Bytes.fromHex("42");
        String topicA = "it/forwarder/from-a";
        String topicB = "it/forwarder/from-b";
        String predefined = TestGateway.PREDEFINED.get(103);
        paho.subscribe(topicA, 1).subscribe(topicB, 1);
        try (Forwarder fwd = new Forwarder(gw.udpPort())) {
            fwd.send(nodeA, new Connect(false, true, 60, "fwd-node-a"));
            assertThat(fwd.expect(nodeA, ConnAck.class).returnCode()).isEqualTo(ACCEPTED);
            fwd.send(nodeB, new Connect(false, true, 60, "fwd-node-b"));
            assertThat(fwd.expect(nodeB, ConnAck.class).returnCode()).isEqualTo(ACCEPTED);

            fwd.send(nodeA, new Register(0, 1, topicA));
            int idA = fwd.expect(nodeA, RegAck.class).topicId();
            fwd.send(nodeB, new Register(0, 1, topicB));
            int idB = fwd.expect(nodeB, RegAck.class).topicId();
            fwd.send(nodeA, new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, idA, 2,
                    Bytes.utf8("from a")));
            fwd.send(nodeB, new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, idB, 2,
                    Bytes.utf8("from b")));
            PubAck ackA = fwd.expect(nodeA, PubAck.class);
            assertThat(ackA.topicId()).isEqualTo(idA);
            assertThat(ackA.returnCode()).isEqualTo(ACCEPTED);
            PubAck ackB = fwd.expect(nodeB, PubAck.class);
            assertThat(ackB.topicId()).isEqualTo(idB);
            assertThat(ackB.returnCode()).isEqualTo(ACCEPTED);
            paho.awaitText(topicA, "from a");
            paho.awaitText(topicB, "from b");

            // A message for node B only: it goes out wrapped for node B.
            fwd.send(nodeB, new Subscribe(false, QoS.AT_LEAST_ONCE, 3, TopicRef.predefined(103)));
            assertThat(fwd.expect(nodeB, SubAck.class).returnCode()).isEqualTo(ACCEPTED);
            paho.publish(predefined, "to b", 1);
            Publish toB = fwd.expect(nodeB, Publish.class);
            assertThat(toB.topicIdType()).isEqualTo(TopicIdType.PREDEFINED);
            assertThat(toB.topicId()).isEqualTo(103);
            assertThat(toB.data().utf8()).isEqualTo("to b");
            fwd.send(nodeB, new PubAck(103, toB.msgId(), ReturnCode.ACCEPTED));

            fwd.send(nodeA, PingReq.PLAIN);
            fwd.expect(nodeA, PingResp.class);
            fwd.send(nodeA, new SearchGw(0));
            assertThat(fwd.expect(nodeA, GwInfo.class).gwId()).isEqualTo(GATEWAY_ID);

            fwd.send(nodeA, Disconnect.PLAIN);
            fwd.expect(nodeA, Disconnect.class);
            fwd.send(nodeB, Disconnect.PLAIN);
            fwd.expect(nodeB, Disconnect.class);
            assertThat(fwd.unclaimed).as("nothing else, e.g. no PUBLISH for node A").isEmpty();
        }
    }

    static MqttSn12Message decode(byte[] packet) {
        try {
            return MqttSn12Codec.INSTANCE.decode(packet);
        } catch (io.sngate.codec.DecodeException e) {
            throw new AssertionError("gateway sent a malformed packet: " + e.getMessage(), e);
        }
    }

    /** A forwarder: one UDP socket, frames wrapped with the node id of the device they are for. */
    static final class Forwarder implements AutoCloseable {
        record Frame(int ctrl, Bytes nodeId, MqttSn12Message message) {
        }

        final RawUdp socket;
        final List<Frame> unclaimed = new ArrayList<>();

        Forwarder(int gatewayPort) {
            socket = new RawUdp(gatewayPort);
        }

        void send(Bytes nodeId, MqttSn12Message message) {
            socket.send(ForwarderEncapsulation.encode(0, nodeId,
                    Bytes.wrap(MqttSn12Codec.INSTANCE.encode(message))));
        }

        /** The next frame for {@code nodeId} carrying a {@code type}; others are kept. */
        <T extends MqttSn12Message> T expect(Bytes nodeId, Class<T> type) {
            for (int i = 0; i < unclaimed.size(); i++) {
                Frame f = unclaimed.get(i);
                if (f.nodeId().equals(nodeId) && type.isInstance(f.message())) {
                    return type.cast(unclaimed.remove(i).message());
                }
            }
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                byte[] datagram = left <= 0 ? null : socket.receive(Duration.ofNanos(left));
                if (datagram == null) {
                    throw new AssertionError("no " + type.getSimpleName() + " for node " + nodeId.toHex()
                            + " within " + WAIT + "; got meanwhile: " + unclaimed);
                }
                assertThat(ForwarderEncapsulation.isEncapsulated(datagram, 0, datagram.length))
                        .as("a reply to a forwarder is encapsulated").isTrue();
                Encapsulated frame;
                try {
                    frame = ForwarderEncapsulation.decode(datagram);
                } catch (io.sngate.codec.DecodeException e) {
                    throw new AssertionError("gateway sent a malformed frame: " + e.getMessage(), e);
                }
                Frame f = new Frame(frame.ctrl(), Bytes.copyOf(frame.wirelessNodeId().toArray()),
                        decode(frame.innerPacket().toArray()));
                assertThat(f.ctrl()).as("Ctrl of the reply").isZero();
                if (f.nodeId().equals(nodeId) && type.isInstance(f.message())) {
                    return type.cast(f.message());
                }
                unclaimed.add(f);
            }
        }

        @Override
        public void close() {
            socket.close();
        }
    }
}
