package io.sngate.gateway.testing;

import io.sngate.codec.DecodeException;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A scripted MQTT-SN device for gateway integration tests, whatever carries its packets (plain
 * UDP, DTLS): it sends packets and waits (with a deadline, never a fixed sleep) for the
 * gateway's answers, keeping packets it was not waiting for yet.
 */
public abstract class PacketDevice implements AutoCloseable {

    private static final Duration DEFAULT_WAIT = Duration.ofSeconds(10);

    private final List<MqttSn12Message> unclaimed = new ArrayList<>();

    public abstract int localPort();

    public abstract void sendRaw(byte[] bytes);

    /** The next packet's bytes, or null when none came before {@code deadlineNanos}. */
    protected abstract byte[] receiveRaw(long deadlineNanos);

    public void send(MqttSn12Message message) {
        sendRaw(MqttSn12Codec.INSTANCE.encode(message));
    }

    /** The next packet of the given type (others received meanwhile are kept for later). */
    public <T extends MqttSn12Message> T expect(Class<T> type) {
        return type.cast(expect(type::isInstance, DEFAULT_WAIT, type.getSimpleName()));
    }

    /** The next packet matching {@code wanted}, waiting up to {@code wait}. */
    public MqttSn12Message expect(Predicate<MqttSn12Message> wanted, Duration wait, String what) {
        for (int i = 0; i < unclaimed.size(); i++) {
            if (wanted.test(unclaimed.get(i))) {
                return unclaimed.remove(i);
            }
        }
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            MqttSn12Message next = receive(deadline);
            if (next == null) {
                throw new AssertionError("no " + what + " within " + wait + "; received meanwhile: " + unclaimed);
            }
            if (wanted.test(next)) {
                return next;
            }
            unclaimed.add(next);
        }
    }

    /** Asserts that nothing arrives within {@code quiet}; returns what did arrive otherwise. */
    public List<MqttSn12Message> drain(Duration quiet) {
        long deadline = System.nanoTime() + quiet.toNanos();
        List<MqttSn12Message> got = new ArrayList<>(unclaimed);
        unclaimed.clear();
        for (MqttSn12Message next = receive(deadline); next != null; next = receive(deadline)) {
            got.add(next);
        }
        return got;
    }

    private MqttSn12Message receive(long deadlineNanos) {
        byte[] bytes = receiveRaw(deadlineNanos);
        if (bytes == null) {
            return null;
        }
        try {
            return MqttSn12Codec.INSTANCE.decode(bytes);
        } catch (DecodeException e) {
            throw new AssertionError("gateway sent a malformed packet: " + e.getMessage());
        }
    }

    @Override
    public abstract void close();
}
