package io.sngate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.hw.config.GatewaySettings;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The edges of the UDP side against mosquitto: a client id of 65 000 bytes (the spec's field
 * allows that much; it needs a packet limit above the 1 400-byte default, which this gateway
 * has), and devices on IPv6 (::1) and IPv4 (127.0.0.1) on the one socket bound to every address.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UdpEdgesTest {

    TestGateway gw;
    Observer paho;

    @BeforeAll
    void start() throws Exception {
        // bound to every address (the default), not only 127.0.0.1 as the other tests are
        gw = TestGateway.start(Setup.TRANSPARENT_MOSQUITTO, c -> c.with(GatewaySettings.MAX_PACKET_SIZE, 65_535)
                .with(GatewaySettings.UDP_BIND, ""));
        paho = gw.observer("udp-edges-paho");
    }

    @AfterAll
    void stop() throws Exception {
        if (paho != null) {
            paho.close();
        }
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void aClientIdOf65000BytesGetsASessionAtTheBroker() throws Exception {
        String longId = "long-" + "0123456789".repeat(6_500 - 1) + "-end!";
        assertThat(longId.getBytes(StandardCharsets.UTF_8)).hasSize(65_000);
        String t = "udp-edges/long-id";
        paho.subscribe(t, 1);
        try (Device d = gw.device(longId)) {
            d.connected(true, 60);
            int topicId = d.register(t);
            assertThat(d.publish1(TopicIdType.NORMAL, topicId, "from 65000 bytes of id".getBytes(StandardCharsets.UTF_8), false).returnCode())
                    .isEqualTo(ReturnCode.ACCEPTED);
            paho.awaitText(t, "from 65000 bytes of id");
            d.disconnect();
        }
    }

    @Test
    void aDeviceOnIpv6LoopbackIsServedOnTheSamePort() throws Exception {
        InetAddress v6 = InetAddress.getByName("::1");
        assumeTrue(hasIpv6Loopback(), "this machine has no IPv6 loopback");
        paho.subscribe("v6", 0);
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(v6, 0))) {
            socket.setSoTimeout(10_000);
            InetSocketAddress gateway = new InetSocketAddress(v6, gw.udpPort());
            send(socket, gateway, new Connect(false, true, 60, "ipv6-device"));
            assertThat(((ConnAck) receive(socket)).returnCode()).isEqualTo(ReturnCode.ACCEPTED);
            send(socket, gateway, io.sngate.codec.v12.Publish.toShortName("v6", QoS.AT_MOST_ONCE, false, 0,
                    Bytes.utf8("over ipv6")));
            paho.awaitText("v6", "over ipv6");
            send(socket, gateway, Disconnect.PLAIN);
            assertThat(receive(socket)).isInstanceOf(Disconnect.class);
        }
    }

    private static boolean hasIpv6Loopback() throws Exception {
        NetworkInterface lo = NetworkInterface.getByInetAddress(InetAddress.getByName("::1"));
        return lo != null && lo.inetAddresses().anyMatch(a -> a instanceof Inet6Address && a.isLoopbackAddress());
    }

    private static void send(DatagramSocket socket, InetSocketAddress to, MqttSn12Message message) throws Exception {
        byte[] bytes = MqttSn12Codec.INSTANCE.encode(message);
        socket.send(new DatagramPacket(bytes, bytes.length, to));
    }

    private static MqttSn12Message receive(DatagramSocket socket) throws Exception {
        byte[] buffer = new byte[2048];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        socket.receive(packet);
        return MqttSn12Codec.INSTANCE.decode(Arrays.copyOf(buffer, packet.getLength()));
    }
}
