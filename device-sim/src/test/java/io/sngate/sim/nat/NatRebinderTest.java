package io.sngate.sim.nat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sngate.client.ClientRuntime;
import io.sngate.client.dtls.DtlsCredentials;
import io.sngate.client.dtls.DtlsLink;
import io.sngate.client.testing.DtlsTestServer;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The NAT relays both ways, gives each device its own outside port and a new one on rebind. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NatRebinderTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T resource) {
        closing.add(resource);
        return resource;
    }

    private DatagramSocket socket() throws IOException {
        DatagramSocket socket = closeLater(new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                0)));
        socket.setSoTimeout((int) WAIT.toMillis());
        return socket;
    }

    private static void send(DatagramSocket socket, String text, InetSocketAddress to) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        socket.send(new DatagramPacket(bytes, bytes.length, to));
    }

    private static DatagramPacket receive(DatagramSocket socket) throws IOException {
        DatagramPacket packet = new DatagramPacket(new byte[2_048], 2_048);
        socket.receive(packet);
        return packet;
    }

    private static String text(DatagramPacket packet) {
        return new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8);
    }

    @Test
    void eachDeviceGetsItsOwnOutsidePortAndAnswersComeBackToIt() throws Exception {
        DatagramSocket gateway = socket();
        InetSocketAddress gatewayAddress = (InetSocketAddress) gateway.getLocalSocketAddress();
        NatRebinder nat = closeLater(NatRebinder.start(gatewayAddress));
        DatagramSocket deviceA = socket();
        DatagramSocket deviceB = socket();

        send(deviceA, "from a", nat.address());
        DatagramPacket fromA = receive(gateway);
        send(deviceB, "from b", nat.address());
        DatagramPacket fromB = receive(gateway);

        assertThat(text(fromA)).isEqualTo("from a");
        assertThat(text(fromB)).isEqualTo("from b");
        assertThat(fromA.getSocketAddress()).isNotEqualTo(fromB.getSocketAddress());
        assertThat(nat.outside((InetSocketAddress) deviceA.getLocalSocketAddress())).contains(
                (InetSocketAddress) fromA.getSocketAddress());

        send(gateway, "to a", (InetSocketAddress) fromA.getSocketAddress());
        send(gateway, "to b", (InetSocketAddress) fromB.getSocketAddress());
        DatagramPacket atA = receive(deviceA);
        DatagramPacket atB = receive(deviceB);

        assertThat(text(atA)).isEqualTo("to a");
        assertThat(atA.getSocketAddress()).isEqualTo(nat.address());
        assertThat(text(atB)).isEqualTo("to b");
        assertThat(nat.counters()).isEqualTo(new NatRebinder.Counters(2, 2, 2, 0, 0, 0, 0));
    }

    @Test
    void aRebindMovesTheDeviceToANewSourcePortAndTheOldOneIsGone() throws Exception {
        DatagramSocket gateway = socket();
        NatRebinder nat = closeLater(NatRebinder.start((InetSocketAddress) gateway.getLocalSocketAddress()));
        DatagramSocket device = socket();
        InetSocketAddress inside = (InetSocketAddress) device.getLocalSocketAddress();
        send(device, "before", nat.address());
        InetSocketAddress before = (InetSocketAddress) receive(gateway).getSocketAddress();

        InetSocketAddress after = nat.rebind(inside).get(10, TimeUnit.SECONDS);
        send(device, "after", nat.address());
        DatagramPacket moved = receive(gateway);

        assertThat(text(moved)).isEqualTo("after");
        assertThat(moved.getSocketAddress()).isEqualTo(after).isNotEqualTo(before);
        assertThat(after.getAddress()).isEqualTo(before.getAddress());
        // What the gateway still sends to the old port does not reach the device; the new port does.
        send(gateway, "to the old port", before);
        send(gateway, "to the new port", after);
        assertThat(text(receive(device))).isEqualTo("to the new port");
        assertThat(nat.counters().rebinds()).isEqualTo(1);
        assertThat(nat.mappings()).containsExactlyEntriesOf(java.util.Map.of(inside, after));
    }

    @Test
    void rebindAllMovesEveryDeviceAndAnUnknownDeviceCannotBeRebound() throws Exception {
        DatagramSocket gateway = socket();
        NatRebinder nat = closeLater(NatRebinder.start((InetSocketAddress) gateway.getLocalSocketAddress()));
        List<DatagramSocket> devices = List.of(socket(), socket(), socket());
        List<Object> before = new ArrayList<>();
        for (DatagramSocket device : devices) {
            send(device, "hello", nat.address());
            before.add(receive(gateway).getSocketAddress());
        }

        assertThat(nat.rebindAll().get(10, TimeUnit.SECONDS)).isEqualTo(3);

        for (DatagramSocket device : devices) {
            send(device, "again", nat.address());
            assertThat(before).doesNotContain(receive(gateway).getSocketAddress());
        }
        InetSocketAddress stranger = new InetSocketAddress(InetAddress.getLoopbackAddress(), 9);
        assertThatThrownBy(() -> nat.rebind(stranger).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no mapping for " + stranger);
    }

    @Test
    void devicesBeyondTheMappingBoundAreDroppedAndCounted() throws Exception {
        DatagramSocket gateway = socket();
        NatRebinder nat = closeLater(NatRebinder.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                (InetSocketAddress) gateway.getLocalSocketAddress(), NatRebinder.Options.defaults().withMaxMappings(2)));
        DatagramSocket first = socket();
        DatagramSocket second = socket();
        DatagramSocket third = socket();

        send(first, "1", nat.address());
        send(second, "2", nat.address());
        send(third, "3", nat.address());
        send(first, "1 again", nat.address());

        List<String> arrived = List.of(text(receive(gateway)), text(receive(gateway)), text(receive(gateway)));
        assertThat(arrived).containsExactlyInAnyOrder("1", "2", "1 again");
        await().atMost(WAIT).until(() -> nat.counters().tableFull() == 1);
        gateway.setSoTimeout(300);
        assertThatThrownBy(() -> receive(gateway)).isInstanceOf(SocketTimeoutException.class);
        assertThat(nat.mappings()).hasSize(2);
    }

    @Test
    void anIdleMappingExpiresSoTheNextPacketLeavesFromANewPort() throws Exception {
        DatagramSocket gateway = socket();
        NatRebinder nat = closeLater(NatRebinder.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                (InetSocketAddress) gateway.getLocalSocketAddress(),
                NatRebinder.Options.defaults().withIdleTimeout(Duration.ofMillis(200))));
        DatagramSocket device = socket();
        send(device, "awake", nat.address());
        Object before = receive(gateway).getSocketAddress();

        await().atMost(WAIT).until(() -> nat.counters().expired() == 1);
        assertThat(nat.mappings()).isEmpty();
        send(device, "awake again", nat.address());

        assertThat(receive(gateway).getSocketAddress()).isNotEqualTo(before);
        assertThat(nat.counters().mappingsOpened()).isEqualTo(2);
    }

    @Test
    void aClosedNatRefusesRebinds() throws Exception {
        DatagramSocket gateway = socket();
        NatRebinder nat = NatRebinder.start((InetSocketAddress) gateway.getLocalSocketAddress());
        nat.close();

        CompletableFuture<Integer> late = nat.rebindAll();

        assertThatThrownBy(() -> late.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the NAT is closed");
    }

    // ------------------------------------------------------------------ DTLS across a rebinding

    @Test
    void aDtlsSessionWithAConnectionIdSurvivesANewSourcePort() throws Exception {
        byte[] key = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f");
        DtlsTestServer server = closeLater(DtlsTestServer.builder().psk("sensor-1", key).start());
        NatRebinder nat = closeLater(NatRebinder.start(server.address()));
        ClientRuntime runtime = closeLater(ClientRuntime.start("nat-dtls-test"));
        DtlsLink link = closeLater(new DtlsLink(nat.address(), DtlsLink.localFor(nat.address()),
                DtlsCredentials.psk("sensor-1", key), DtlsLink.Options.defaults(), Optional.empty()));
        LinkedBlockingQueue<String> inbox = new LinkedBlockingQueue<>();
        CompletableFuture<Void> opened = new CompletableFuture<>();
        runtime.execute(() -> {
            try {
                link.open(runtime, (packet, from) -> inbox.add(new String(packet, StandardCharsets.UTF_8)));
                opened.complete(null);
            } catch (IOException e) {
                opened.completeExceptionally(e);
            }
        });
        opened.get(10, TimeUnit.SECONDS);

        link.send("before".getBytes(StandardCharsets.UTF_8));
        assertThat(inbox.poll(10, TimeUnit.SECONDS)).isEqualTo("before");
        InetSocketAddress inside = link.localAddress();
        InetSocketAddress firstPort = nat.outside(inside).orElseThrow();
        assertThat(server.peerAddresses()).containsExactly(firstPort);

        InetSocketAddress secondPort = nat.rebind(inside).get(10, TimeUnit.SECONDS);
        link.send("after".getBytes(StandardCharsets.UTF_8));

        // The record carries the gateway's CID: the server finds the session, moves it to the new
        // address and answers there; no new handshake.
        assertThat(inbox.poll(10, TimeUnit.SECONDS)).isEqualTo("after");
        assertThat(secondPort).isNotEqualTo(firstPort);
        assertThat(server.received()).extracting(DtlsTestServer.Received::from).containsExactly(firstPort, secondPort);
        assertThat(server.peerAddresses()).containsExactly(secondPort);
        assertThat(server.connections()).hasSize(1);
        assertThat(link.handshakes()).isEqualTo(1);
        String cid = link.session().orElseThrow().gatewayConnectionId();
        assertThat(cid).hasSize(2 * DtlsTestServer.CID_LENGTH);
        assertThat(server.received()).extracting(r -> r.connectionId().toLowerCase(java.util.Locale.ROOT))
                .containsOnly(cid);

        // And again: the answers keep following the device.
        InetSocketAddress thirdPort = nat.rebind(inside).get(10, TimeUnit.SECONDS);
        link.send("later".getBytes(StandardCharsets.UTF_8));
        assertThat(inbox.poll(10, TimeUnit.SECONDS)).isEqualTo("later");
        assertThat(server.peerAddresses()).containsExactly(thirdPort);
        assertThat(server.connections()).hasSize(1);
        assertThat(link.handshakes()).isEqualTo(1);
    }
}
