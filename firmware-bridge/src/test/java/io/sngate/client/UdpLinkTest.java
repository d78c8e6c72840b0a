package io.sngate.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.TopicIdType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link UdpLink}: a gateway by name or address, and its packet size limit, on real sockets. */
class UdpLinkTest {

    @Test
    void aHostThatDoesNotResolveIsNamedInTheError() {
        // .invalid never resolves (RFC 2606).
        assertThatThrownBy(() -> UdpLink.to("no-such-gateway.invalid", 1883))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessage("unknown host 'no-such-gateway.invalid'")
                .hasCauseInstanceOf(UnknownHostException.class);
    }

    @Test
    void aResolvedHostGetsThePackets() throws Exception {
        try (DatagramSocket gateway = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             ClientRuntime runtime = ClientRuntime.start("udp-link-test")) {
            gateway.setSoTimeout(5_000);
            UdpLink link = UdpLink.to("localhost", gateway.getLocalPort());
            runtime.execute(() -> {
                try {
                    link.open(runtime, (packet, from) -> { });
                    link.send(new byte[] {2, 0x18});
                } catch (java.io.IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            byte[] buffer = new byte[16];
            DatagramPacket received = new DatagramPacket(buffer, buffer.length);
            gateway.receive(received);
            assertThat(Arrays.copyOf(buffer, received.getLength())).containsExactly(2, 0x18);
            runtime.execute(link::close);
        }
    }

    @Test
    void aPacketLargerThanTheLinkCarriesIsRefusedNamingBothSizesAndNothingIsSent() throws Exception {
        try (DatagramSocket gateway = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             ClientRuntime runtime = ClientRuntime.start("udp-link-size-test")) {
            gateway.setSoTimeout(5_000);
            InetSocketAddress to = new InetSocketAddress("127.0.0.1", gateway.getLocalPort());
            // Broadcasts go to the same socket: a refused one that left anyway would arrive first.
            UdpLink link = new UdpLink(to, Optional.of(to), new InetSocketAddress("127.0.0.1", 0), 64);
            CompletableFuture<List<String>> refusals = new CompletableFuture<>();
            runtime.execute(() -> {
                List<String> messages = new ArrayList<>();
                try {
                    link.open(runtime, (packet, from) -> { });
                    refusal(() -> link.send(new byte[65])).ifPresent(messages::add);
                    refusal(() -> link.broadcast(new byte[65], 1)).ifPresent(messages::add);
                    link.send(new byte[64]);
                    refusals.complete(messages);
                } catch (IOException e) {
                    refusals.completeExceptionally(e);
                }
            });

            String expected = "UDP link to 127.0.0.1:" + gateway.getLocalPort()
                    + ": packet of 65 bytes exceeds the link's maximum of 64 bytes";
            assertThat(refusals.get(5, TimeUnit.SECONDS)).containsExactly(expected, expected);
            assertThat(receive(gateway)).as("the packet that fits, first").hasSize(64);
            runtime.execute(link::close);
        }
    }

    @Test
    void aClientOverTheLinkFailsRequestsTooLargeForItAtOnceAndSendsNothingOfThem() throws Exception {
        try (DatagramSocket gateway = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             MqttSnClient client = MqttSnClient.builder("d".repeat(60))
                     .link(new UdpLink(new InetSocketAddress("127.0.0.1", gateway.getLocalPort()), Optional.empty(),
                             new InetSocketAddress("127.0.0.1", 0), 64))
                     .build()) {
            gateway.setSoTimeout(5_000);

            // A CONNECT with that client id is 66 bytes, a SUBSCRIBE to that name 65.
            Outcome connect = client.connect().get(5, TimeUnit.SECONDS);
            Outcome tooLarge = client.publish(Topic.predefined(5), Bytes.wrap(new byte[60]), QoS.MINUS_ONE, false)
                    .get(5, TimeUnit.SECONDS);
            Outcome subscribe = client.subscribe(Topic.name("t".repeat(60)), QoS.AT_MOST_ONCE)
                    .get(5, TimeUnit.SECONDS);
            Outcome fits = client.publish(Topic.predefined(5), Bytes.utf8("21.5"), QoS.MINUS_ONE, false)
                    .get(5, TimeUnit.SECONDS);

            assertThat(connect).isEqualTo(Outcome.failed(Outcome.Status.INVALID,
                    "CONNECT of 66 bytes exceeds the link's maximum packet size of 64 bytes"));
            assertThat(tooLarge).isEqualTo(Outcome.failed(Outcome.Status.INVALID,
                    "PUBLISH of 67 bytes exceeds the link's maximum packet size of 64 bytes"));
            assertThat(subscribe).isEqualTo(Outcome.failed(Outcome.Status.INVALID,
                    "SUBSCRIBE of 65 bytes exceeds the link's maximum packet size of 64 bytes"));
            assertThat(fits.success()).isTrue();
            assertThat(MqttSn12Codec.INSTANCE.decode(receive(gateway))).as("the first datagram to arrive")
                    .isEqualTo(new Publish(false, QoS.MINUS_ONE, false, TopicIdType.PREDEFINED, 5, 0,
                            Bytes.utf8("21.5")));
            assertThat(client.state()).isEqualTo(ClientState.DISCONNECTED);
            assertThat(client.sendFailures()).as("the link refused nothing: nothing too large reached it").isZero();
        }
    }

    @FunctionalInterface
    private interface Send {
        void run() throws IOException;
    }

    /** The message of the IOException {@code send} threw, if it did. */
    private static Optional<String> refusal(Send send) {
        try {
            send.run();
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(e.getMessage());
        }
    }

    private static byte[] receive(DatagramSocket socket) throws IOException {
        byte[] buffer = new byte[2_048];
        DatagramPacket received = new DatagramPacket(buffer, buffer.length);
        socket.receive(received);
        return Arrays.copyOf(buffer, received.getLength());
    }
}
