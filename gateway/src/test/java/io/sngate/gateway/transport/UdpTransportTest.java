package io.sngate.gateway.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.channel.EventLoopGroup;
import io.sngate.gateway.Metrics;
import io.sngate.gateway.WarnLimiter;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The UDP transport on real sockets at 127.0.0.1: with several native event loops, one socket per
 * loop on the same port, each device address always read by the same loop, and answers sent from
 * any thread.
 */
class UdpTransportTest {

    static final int MAX_PACKET = 1024;
    /** Enough device addresses that the kernel's hash gives each of two sockets some (all on one: 2^-39). */
    static final int DEVICES = 40;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<EventLoopGroup> groups = new ArrayList<>();
    /** Per device address, the threads its packets were read on. */
    private final Map<InetSocketAddress, Set<String>> readOn = new ConcurrentHashMap<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        for (EventLoopGroup group : groups) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void onTheNativeTransportEachLoopHasASocketAndADeviceAlwaysReachesTheSameOne() throws Exception {
        assertThat(NettyIo.nativeAvailable()).as("epoll on this Linux machine: %s", NettyIo.whyNotNative()).isTrue();
        UdpTransport transport = start(loops(2, true));
        assertThat(transport.sockets()).isEqualTo(2);

        List<DatagramSocket> devices = devices();
        for (int round = 0; round < 3; round++) {
            for (DatagramSocket device : devices) {
                send(device, transport.localPort(), "hello " + round);
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> readOn.size() == DEVICES);
        assertThat(readOn.values()).as("one reading loop per device address").allSatisfy(threads ->
                assertThat(threads).hasSize(1));
        assertThat(readOn.values().stream().flatMap(Set::stream).distinct())
                .as("the kernel spreads the addresses over both sockets").hasSize(2);
    }

    @Test
    void answersGoOutFromTheGatewaysPortWhicheverThreadSendsThem() throws Exception {
        EventLoopGroup group = loops(2, true);
        UdpTransport transport = start(group);
        DatagramSocket device = devices().get(0);
        LinkAddress to = new LinkAddress.Udp(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                device.getLocalPort()));

        transport.send(to, bytes("from the test thread"));
        for (var loop : group) {
            loop.submit(() -> transport.send(to, bytes("from " + Thread.currentThread().getName()))).sync();
        }

        List<String> received = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            DatagramPacket packet = new DatagramPacket(new byte[MAX_PACKET], MAX_PACKET);
            device.receive(packet);
            assertThat(packet.getPort()).as("the source port").isEqualTo(transport.localPort());
            received.add(new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8));
        }
        assertThat(received).containsExactlyInAnyOrder("from the test thread", "from udp-test-1", "from udp-test-2");
    }

    @Test
    void aSecondTransportOnTheSamePortFailsInsteadOfSharingIt() throws Exception {
        UdpTransport first = start(loops(2, true));
        UdpTransport second = new UdpTransport(loops(2, true), "127.0.0.1", first.localPort(), Optional.empty(),
                MAX_PACKET, new Metrics(), new WarnLimiter(10_000, () -> 0));
        assertThatThrownBy(() -> second.start((from, packet) -> { }))
                .hasMessageContaining("Address already in use");
        assertThat(first.sockets()).isEqualTo(2);
    }

    @Test
    void oneLoopOrNioHasOneSocket() throws Exception {
        assertThat(start(loops(1, true)).sockets()).isEqualTo(1);
        UdpTransport nio = start(loops(2, false));
        assertThat(nio.sockets()).isEqualTo(1);
        DatagramSocket device = devices().get(0);
        send(device, nio.localPort(), "over NIO");
        await().atMost(Duration.ofSeconds(10)).until(() -> readOn.containsKey(address(device)));
    }

    private EventLoopGroup loops(int threads, boolean preferNative) {
        AtomicInteger made = new AtomicInteger();
        EventLoopGroup group = NettyIo.newLoops(threads, task -> new Thread(task, "udp-test-" + made.incrementAndGet()),
                preferNative);
        groups.add(group);
        return group;
    }

    private UdpTransport start(EventLoopGroup group) throws Exception {
        UdpTransport transport = new UdpTransport(group, "127.0.0.1", 0, Optional.empty(), MAX_PACKET, new Metrics(),
                new WarnLimiter(10_000, () -> 0));
        transport.start(new Transport.Receiver() {
            @Override
            public void onPacket(LinkAddress from, byte[] packet) {
                readOn.computeIfAbsent(((LinkAddress.Udp) from).socket(), a -> ConcurrentHashMap.newKeySet())
                        .add(Thread.currentThread().getName());
            }
        });
        toClose.add(transport);
        return transport;
    }

    private List<DatagramSocket> devices() throws Exception {
        List<DatagramSocket> devices = new ArrayList<>();
        for (int i = 0; i < DEVICES; i++) {
            DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
            socket.setSoTimeout(10_000);
            toClose.add(socket);
            devices.add(socket);
        }
        return devices;
    }

    private static void send(DatagramSocket device, int port, String text) throws Exception {
        byte[] data = bytes(text);
        device.send(new DatagramPacket(data, data.length, InetAddress.getByName("127.0.0.1"), port));
    }

    private static InetSocketAddress address(DatagramSocket socket) {
        return new InetSocketAddress(socket.getLocalAddress(), socket.getLocalPort());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
