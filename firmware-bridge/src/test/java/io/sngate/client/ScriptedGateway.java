package io.sngate.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.DecodeException;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The gateway end of an in-memory {@link Link}: the test reads what the client sent
 * ({@link #next}) and answers it ({@link #reply}); answers reach the client on its runtime's
 * thread, as packets from a socket would, from {@link #ADDRESS}. Like every link it refuses a
 * packet larger than {@link #maxPacketSize()}, which a test may lower.
 */
final class ScriptedGateway implements Link {

    static final LinkAddress ADDRESS = new LinkAddress.Udp(new InetSocketAddress("192.0.2.1", 1884));
    static final Duration WAIT = Duration.ofSeconds(10);

    private final LinkedBlockingQueue<MqttSn12Message> sent = new LinkedBlockingQueue<>();
    private final LinkedBlockingQueue<MqttSn12Message> broadcasts = new LinkedBlockingQueue<>();
    private volatile ClientRuntime runtime;
    private volatile Receiver receiver;
    volatile int peerLost;
    volatile int maxPacketSize = 1_024;

    @Override
    public void open(ClientRuntime on, Receiver to) {
        this.runtime = on;
        this.receiver = to;
    }

    /** The next packet the client sent, of {@code type}. */
    <T extends MqttSn12Message> T next(Class<T> type) throws InterruptedException {
        MqttSn12Message message = sent.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(message).as("a %s from the client within %s", type.getSimpleName(), WAIT).isInstanceOf(type);
        return type.cast(message);
    }

    /** The next packet the client broadcast, of {@code type}. */
    <T extends MqttSn12Message> T nextBroadcast(Class<T> type) throws InterruptedException {
        MqttSn12Message message = broadcasts.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(message).as("a %s broadcast within %s", type.getSimpleName(), WAIT).isInstanceOf(type);
        return type.cast(message);
    }

    void reply(MqttSn12Message message) {
        replyFrom(ADDRESS, message);
    }

    void replyFrom(LinkAddress from, MqttSn12Message message) {
        byte[] packet = MqttSn12Codec.INSTANCE.encode(message);
        runtime.execute(() -> receiver.onPacket(packet, from));
    }

    @Override
    public void send(byte[] packet) throws IOException {
        sent.add(decode(carried(packet)));
    }

    @Override
    public void broadcast(byte[] packet, int radius) throws IOException {
        broadcasts.add(decode(carried(packet)));
    }

    private byte[] carried(byte[] packet) throws IOException {
        if (packet.length > maxPacketSize) {
            throw new IOException("scripted gateway: packet of " + packet.length + " bytes exceeds the link's maximum of "
                    + maxPacketSize + " bytes");
        }
        return packet;
    }

    private static MqttSn12Message decode(byte[] packet) {
        try {
            return MqttSn12Codec.INSTANCE.decode(packet);
        } catch (DecodeException e) {
            throw new AssertionError("the client sent a malformed packet", e);
        }
    }

    @Override
    public int maxPacketSize() {
        return maxPacketSize;
    }

    @Override
    public void peerLost() {
        peerLost++;
    }

    @Override
    public void close() {
        // nothing to release
    }
}
