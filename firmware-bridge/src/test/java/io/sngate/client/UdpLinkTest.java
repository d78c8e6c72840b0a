package io.sngate.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** {@link UdpLink#to}: a gateway by name or address, on real sockets. */
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
}
