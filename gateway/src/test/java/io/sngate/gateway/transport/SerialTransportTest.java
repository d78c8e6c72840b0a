package io.sngate.gateway.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.frame.ForwarderEncapsulation;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.gateway.Metrics;
import io.sngate.gateway.WarnLimiter;
import io.sngate.hw.ReconnectBackoff;
import io.sngate.hw.config.SerialPortConfig;
import io.sngate.hw.serial.SerialException;
import io.sngate.hw.serial.SerialSettings;
import io.sngate.hw.testing.PtyEnd;
import io.sngate.hw.testing.PtyPair;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The serial transport on a real pseudo-terminal pair, with the test playing the device. */
class SerialTransportTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ReconnectBackoff FAST = new ReconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200),
            0.2, new Random(7));

    private final Metrics metrics = new Metrics();
    private final AtomicLong clock = new AtomicLong(1_000);
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private PtyPair pty;
    private ScheduledExecutorService timers;
    private SerialTransport transport;
    private PtyEnd device;

    private record Received(LinkAddress from, byte[] packet) {
    }

    @BeforeEach
    void open() throws SerialException {
        pty = PtyPair.open();
        timers = Executors.newSingleThreadScheduledExecutor();
        transport = new SerialTransport(new SerialPortConfig("sensors", SerialSettings.of(pty.a().toString(), 115_200),
                false), timers, FAST, 1_400, metrics, new WarnLimiter(10_000, clock::get), clock::get);
        transport.start((from, packet) -> received.add(new Received(from, packet)));
        device = new PtyEnd(pty.b());
    }

    @AfterEach
    void close() {
        if (transport != null) {
            transport.close();
        }
        if (device != null) {
            device.close();
        }
        if (timers != null) {
            timers.shutdownNow();
        }
        if (pty != null) {
            pty.close();
        }
    }

    private static byte[] encode(io.sngate.codec.v12.MqttSn12Message message) {
        return MqttSn12Codec.INSTANCE.encode(message);
    }

    private byte[] nextPacket() throws InterruptedException {
        Received r = received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(r).as("a packet from the line").isNotNull();
        assertThat(r.from()).isEqualTo(new LinkAddress.Serial("sensors"));
        return r.packet();
    }

    @Test
    void framesWrittenInPiecesArriveWholeAndInOrder() throws Exception {
        byte[] connect = encode(new Connect(false, true, 60, "node-1"));
        byte[] publish = encode(new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, 1, 7,
                Bytes.copyOf(new byte[] {0, (byte) 0xFF, 0x7E, 0x7D})));
        byte[] both = concat(connect, publish);
        // the first half, then the rest byte by byte: the decoder reassembles across reads
        device.write(Arrays.copyOf(both, 5));
        for (int i = 5; i < both.length; i++) {
            device.write(new byte[] {both[i]});
        }
        assertThat(nextPacket()).isEqualTo(connect);
        assertThat(nextPacket()).isEqualTo(publish);
        await().atMost(WAIT).until(() -> metrics.get("serial.sensors.received_frames") == 2);
    }

    @Test
    void aLargePacketInTheThreeByteLengthFormPasses() throws Exception {
        byte[] payload = new byte[600];
        new Random(3).nextBytes(payload);
        byte[] publish = encode(new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.NORMAL, 9, 0,
                Bytes.copyOf(payload)));
        assertThat(publish[0]).isEqualTo((byte) 0x01);
        device.write(publish);
        assertThat(nextPacket()).isEqualTo(publish);
    }

    @Test
    void noiseBeforeAndBetweenFramesIsCountedAndSkipped() throws Exception {
        byte[] ping = encode(PingReq.PLAIN);
        byte[] connect = encode(new Connect(false, true, 30, "n"));
        // Each noise byte is dropped alone: 0x00 is no Length, and 0x01 0x00 0x00 a 3-byte Length below 4.
        device.write(concat(new byte[] {0x00, 0x01, 0x00, 0x00}, ping, new byte[] {0x00}, connect));
        assertThat(nextPacket()).isEqualTo(ping);
        assertThat(nextPacket()).isEqualTo(connect);
        await().atMost(WAIT).until(() -> metrics.get("serial.sensors.discarded_bytes") == 5);
    }

    @Test
    void aHalfFrameFollowedBySilenceDoesNotHoldBackTheNextFrame() throws Exception {
        byte[] connect = encode(new Connect(false, true, 30, "node-after-reset"));
        // A device reset mid-frame: a plausible header claiming 20 bytes, then nothing.
        device.write(new byte[] {20, 0x0C, 0x02});
        await().atMost(WAIT).until(() -> transport.bufferedForTests() == 3);
        clock.addAndGet(SerialTransport.gapMillis(115_200) + 1);
        device.write(connect);
        assertThat(nextPacket()).isEqualTo(connect);
        assertThat(metrics.get("serial.sensors.gap_resets")).isEqualTo(1);
        // the counters are published once the read that carried the frame is done
        await().atMost(WAIT).until(() -> metrics.get("serial.sensors.discarded_bytes") == 3);
    }

    @Test
    void forwarderFramesArriveAsTheyAreForTheDispatcherToUnwrap() throws Exception {
        byte[] inner = encode(new Connect(false, true, 30, "behind-forwarder"));
        byte[] frame = ForwarderEncapsulation.encode(0, Bytes.copyOf(new byte[] {0x42}), Bytes.wrap(inner));
        device.write(frame);
        assertThat(nextPacket()).isEqualTo(frame);
    }

    @Test
    void sendWritesThePacketToTheLine() throws Exception {
        byte[] ping = encode(PingReq.PLAIN);
        transport.send(new LinkAddress.Serial("sensors"), ping);
        assertThat(device.take(ping.length, WAIT)).isEqualTo(ping);
        transport.broadcast(ping);
        assertThat(device.take(ping.length, WAIT)).isEqualTo(ping);
        await().atMost(WAIT).until(() -> metrics.get("serial.sensors.sent_frames") == 2);
        assertThat(transport.owns(new LinkAddress.Serial("other"))).isFalse();
    }

    @Test
    void aPacketLargerThanTheLimitIsCountedAndNotWritten() throws Exception {
        transport.send(new LinkAddress.Serial("sensors"), new byte[1_401]);
        byte[] ping = encode(PingReq.PLAIN);
        transport.send(new LinkAddress.Serial("sensors"), ping);
        assertThat(device.take(ping.length, WAIT)).isEqualTo(ping);
        assertThat(metrics.get("serial.sensors.dropped_oversized")).isEqualTo(1);
        assertThat(device.available()).as("nothing of the oversized packet").isEmpty();
    }

    @Test
    void anUnpluggedPortIsReopenedAndCarriesFramesAgain() throws Exception {
        device.close();
        device = null;
        pty.unplug();
        await().atMost(WAIT).until(() -> metrics.get("serial.sensors.port_lost") == 1);
        pty.replug();
        device = new PtyEnd(pty.b());
        byte[] ping = encode(PingReq.PLAIN);
        // Until the reopen succeeds, what the device writes may go nowhere: keep writing.
        await().atMost(WAIT).until(() -> {
            device.write(ping);
            return received.poll(200, TimeUnit.MILLISECONDS) != null;
        });
        transport.send(new LinkAddress.Serial("sensors"), ping);
        assertThat(device.take(ping.length, WAIT)).isEqualTo(ping);
    }

    @Test
    void aMissingPortFailsTheStartNamingThePath() {
        SerialTransport missing = new SerialTransport(new SerialPortConfig("gone",
                SerialSettings.of("/dev/does-not-exist-sngate", 9_600), false), timers, FAST, 1_400, metrics,
                new WarnLimiter(10_000, clock::get), clock::get);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> missing.start((from, packet) -> { }))
                .isInstanceOf(SerialException.class)
                .hasMessageContaining("/dev/does-not-exist-sngate");
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
