package io.sngate.sim.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sngate.gateway.testing.Mosquitto;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The bench's own subscribers against a real mosquitto: what they report when the broker
 * refuses them or goes away. That they receive and acknowledge every message at each QoS is
 * shown by BenchEndToEndTest's runs, whose received counts they make.
 */
class SubscribersTest {

    @Test
    void aRefusedSubscriptionFailsNamingTheFilterAndTheReasonCode() throws Exception {
        // mosquitto grants what its ACL denies (and then delivers nothing), so a scripted broker
        // on a real socket answers this one: CONNACK success, SUBACK 0x87 (not authorized).
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<byte[]> connect = CompletableFuture.supplyAsync(() -> {
                try (Socket peer = server.accept()) {
                    DataInputStream in = new DataInputStream(peer.getInputStream());
                    OutputStream out = peer.getOutputStream();
                    byte[] connectBody = packet(in, 0x10);
                    out.write(new byte[] {0x20, 3, 0, 0, 0});
                    packet(in, 0x80);
                    out.write(new byte[] {(byte) 0x90, 4, 0, 1, 0, (byte) 0x87});
                    out.flush();
                    in.read(); // until the subscriber closes
                    return connectBody;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThatThrownBy(() -> new Subscribers("tcp://127.0.0.1:" + server.getLocalPort(), "r1", 1, 1,
                    new Ledger(2)).close())
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("subscriber 0")
                    .hasMessageContaining("refused the subscription to sngate-bench/r1/0/+ (reason code 0x87)");
            byte[] body = connect.get(10, TimeUnit.SECONDS);
            // protocol name, level 5, clean start, keep-alive 0, then the properties: Receive Maximum 65 535
            assertThat(Arrays.copyOfRange(body, 6, 14)).containsExactly(5, 0x02, 0, 0, 3, 0x21, 0xFF, 0xFF);
        }
    }

    /** One packet of {@code type} (upper nibble) from the subscriber: its body. */
    private static byte[] packet(DataInputStream in, int type) throws IOException {
        int first = in.readUnsignedByte();
        assertThat(first & 0xF0).isEqualTo(type);
        int length = 0;
        for (int shift = 0; ; shift += 7) {
            int b = in.readUnsignedByte();
            length |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        byte[] body = new byte[length];
        in.readFully(body);
        return body;
    }

    @Test
    void aBrokerThatGoesAwayIsAProblemNamingTheSubscriber() throws Exception {
        try (Mosquitto broker = Mosquitto.start();
             Subscribers subscribers = new Subscribers(broker.uri(), "r2", 2, 1, new Ledger(2))) {
            assertThat(subscribers.problems()).isEmpty();
            broker.stop();
            await().atMost(Duration.ofSeconds(10)).until(() -> subscribers.problems().size() == 2);
            assertThat(subscribers.problems()).allSatisfy(problem -> assertThat(problem)
                    .matches("subscriber [01] disconnected.*"));
        }
    }

    @Test
    void noBrokerFailsNamingWhere() {
        int port = Mosquitto.freePort();
        assertThatThrownBy(() -> new Subscribers("tcp://127.0.0.1:" + port, "r3", 1, 0, new Ledger(2)).close())
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("subscriber 0 at 127.0.0.1:" + port + ":");
    }
}
