package io.sngate.client.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sngate.client.ClientRuntime;
import io.sngate.client.ClientState;
import io.sngate.client.LinkAddress;
import io.sngate.client.MqttSnClient;
import io.sngate.client.serial.PortOptions;
import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.PingResp;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.hw.serial.SerialSettings;
import io.sngate.hw.testing.PtyEnd;
import io.sngate.hw.testing.PtyPair;
import io.sngate.testing.Frames;
import io.sngate.testing.ManualClock;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The device's serial link on a real pseudo-terminal, the test playing the gateway at the other end. */
class SerialLinkTest {

    private static final long SILENCE = 100;
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ManualClock clock = new ManualClock();
    private PtyPair pty;
    private PtyEnd gateway;
    private ClientRuntime runtime;
    private SerialLink link;
    private final LinkedBlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
    private final LinkedBlockingQueue<LinkAddress> senders = new LinkedBlockingQueue<>();
    private volatile boolean opened;

    @BeforeEach
    void start() {
        pty = PtyPair.open();
        gateway = new PtyEnd(pty.b());
        runtime = ClientRuntime.start("serial-link-test", clock);
    }

    @AfterEach
    void stop() {
        if (link != null) {
            link.close();
        }
        runtime.close();
        gateway.close();
        pty.close();
    }

    private SerialLink newLink(SerialSettings.Backend backend) {
        return new SerialLink(SerialSettings.of(pty.a().toString(), 115_200).withBackend(backend),
                new PortOptions(512, SILENCE, 16));
    }

    /** Opens the link alone, as MqttSnClient would, with a receiver that collects. */
    private void openRaw() throws Exception {
        link = newLink(SerialSettings.Backend.JSERIALCOMM);
        runtime.execute(() -> {
            try {
                link.open(runtime, (packet, from) -> {
                    received.add(packet);
                    senders.add(from);
                });
                opened = true;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(WAIT).until(() -> opened);
    }

    private static byte[] encode(io.sngate.codec.v12.MqttSn12Message message) {
        return MqttSn12Codec.INSTANCE.encode(message);
    }

    private static byte[] concat(byte[]... parts) {
        int size = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        byte[] all = new byte[size];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    @ParameterizedTest
    @EnumSource(SerialSettings.Backend.class)
    void aClientConnectsOverTheLineThroughNoise(SerialSettings.Backend backend) throws Exception {
        link = newLink(backend);
        try (MqttSnClient client = MqttSnClient.builder("line-device").link(link).runtime(runtime).build()) {
            var connected = client.connect(true);

            byte[] connect = Frames.nextPacket(gateway);
            assertThat(MqttSn12Codec.INSTANCE.decode(connect)).isInstanceOfSatisfying(Connect.class,
                    c -> assertThat(c.clientId().utf8()).isEqualTo("line-device"));

            // Noise a reset UART leaves, then the answer. No pair of its bytes (nor its last byte
            // with the answer's first) looks like a packet header: a plausible one would hold the
            // answer back until the silence timer, which this test's clock never reaches.
            byte[] noise = {0x00, 0x00, 0x02, (byte) 0x99};
            gateway.write(concat(noise, encode(new ConnAck(ReturnCode.ACCEPTED))));

            assertThat(connected.get(10, TimeUnit.SECONDS).success()).isTrue();
            assertThat(client.state()).isEqualTo(ClientState.ACTIVE);
            assertThat(link.counters().bytesDiscarded()).isEqualTo(noise.length);
            assertThat(link.counters().frames()).isEqualTo(1);
        }
        link = null;
    }

    @Test
    void framesSplitAcrossWritesArriveWholeAndInOrder() throws Exception {
        openRaw();
        byte[] publish = encode(new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.NORMAL, 7, 0,
                Bytes.utf8("21.5")));
        byte[] ping = encode(new PingResp());
        gateway.write(Arrays.copyOfRange(publish, 0, 3));
        await().atMost(WAIT).until(() -> link.counters().buffered() == 3);
        gateway.write(concat(Arrays.copyOfRange(publish, 3, publish.length), ping));

        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo(publish);
        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo(ping);
        assertThat(senders.poll(10, TimeUnit.SECONDS)).isEqualTo(new LinkAddress.SerialPort(pty.a().toString()));
        assertThat(link.counters().bytesDiscarded()).isZero();
    }

    @Test
    void aHalfFrameIsDroppedOnceTheLineFallsSilent() throws Exception {
        openRaw();
        byte[] publish = encode(new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.NORMAL, 7, 0,
                Bytes.utf8("cut short")));
        gateway.write(Arrays.copyOfRange(publish, 0, 5));
        await().atMost(WAIT).until(() -> link.counters().buffered() == 5);

        clock.advance(SILENCE);
        await().atMost(WAIT).until(() -> link.counters().silenceResets() == 1);
        assertThat(link.counters().buffered()).isZero();
        assertThat(link.counters().bytesDiscarded()).isEqualTo(5);

        byte[] ping = encode(new PingResp());
        gateway.write(ping);
        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo(ping);
        assertThat(received).isEmpty();
    }

    @Test
    void aFragmentFollowedLaterByAFrameIsDroppedEvenBeforeTheTimerRuns() throws Exception {
        openRaw();
        gateway.write(new byte[] {0x0C, 0x0C, 0x00}); // the start of a PUBLISH that never ends
        await().atMost(WAIT).until(() -> link.counters().buffered() == 3);
        // Time passes and bytes come at once: the silence is judged on arrival too.
        clock.advance(SILENCE * 5);
        byte[] ping = encode(new PingResp());
        gateway.write(ping);

        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo(ping);
        assertThat(link.counters().silenceResets()).isEqualTo(1);
    }

    @Test
    void sendAndBroadcastWriteThePacketAsIs() throws Exception {
        openRaw();
        byte[] packet = encode(new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.NORMAL, 1, 0,
                Bytes.wrap(new byte[] {0x7E, 0x7D, 0x11, 0x13, 0x00, 0x0A, 0x0D})));
        runtime.execute(() -> {
            try {
                link.send(packet);
                link.broadcast(packet, 1);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(Frames.nextPacket(gateway)).isEqualTo(packet);
        assertThat(Frames.nextPacket(gateway)).isEqualTo(packet);
    }

    @Test
    void aPacketLargerThanTheLineCarriesIsRefusedWithBothSizes() throws Exception {
        openRaw();
        assertThatThrownBy(() -> link.send(new byte[513]))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("513")
                .hasMessageContaining("512");
    }
}
