package io.sngate.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link MqttSnClient} tells its link when it has lost the gateway, so a DTLS link can start afresh. */
class ClientPeerLostTest {

    /** A link to nowhere that records what the client tells it, and on which thread. */
    static final class SilentLink implements Link {
        final List<Integer> sent = new CopyOnWriteArrayList<>();
        final List<Boolean> peerLostOnRuntimeThread = new CopyOnWriteArrayList<>();
        private ClientRuntime runtime;

        @Override
        public void open(ClientRuntime runtime, Receiver receiver) {
            this.runtime = runtime;
        }

        @Override
        public void send(byte[] packet) {
            sent.add(packet.length);
        }

        @Override
        public void broadcast(byte[] packet, int radius) {
        }

        @Override
        public int maxPacketSize() {
            return 256;
        }

        @Override
        public void peerLost() {
            peerLostOnRuntimeThread.add(runtime.inRuntime());
        }

        @Override
        public void close() {
        }
    }

    @Test
    void anUnansweredConnectLosesTheGatewayAndTellsTheLinkOnce() throws Exception {
        SilentLink link = new SilentLink();
        try (ClientRuntime runtime = ClientRuntime.start("peer-lost-test");
             MqttSnClient client = MqttSnClient.builder(ClientConfig.defaults("sensor-1").withRetry(50, 1)).link(link)
                     .runtime(runtime).build()) {
            Outcome outcome = client.connect(true).get(10, TimeUnit.SECONDS);

            assertThat(outcome.success()).isFalse();
            assertThat(outcome.detail()).isEqualTo("no answer to CONNECT");
            await().atMost(Duration.ofSeconds(10)).until(() -> client.state() == ClientState.LOST);
            assertThat(link.sent).hasSize(2); // CONNECT and its one retransmission
            assertThat(link.peerLostOnRuntimeThread).containsExactly(true);
        }
    }
}
