package io.sngate.gateway.testing;

import io.sngate.codec.DecodeException;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A scripted MQTT-SN device on a real UDP socket, for gateway integration tests: it sends
 * packets and waits (with a deadline, never a fixed sleep) for the gateway's answers.
 */
public final class UdpDevice implements AutoCloseable {

    private static final Duration DEFAULT_WAIT = Duration.ofSeconds(10);

    private final DatagramSocket socket;
    private final InetSocketAddress gateway;
    private final List<MqttSn12Message> unclaimed = new ArrayList<>();

    public UdpDevice(int gatewayPort) {
        this(new InetSocketAddress(InetAddress.getLoopbackAddress(), gatewayPort));
    }

    public UdpDevice(InetSocketAddress gateway) {
        try {
            this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.gateway = gateway;
    }

    public int localPort() {
        return socket.getLocalPort();
    }

    public void send(MqttSn12Message message) {
        sendRaw(MqttSn12Codec.INSTANCE.encode(message));
    }

    public void sendRaw(byte[] bytes) {
        try {
            socket.send(new DatagramPacket(bytes, bytes.length, gateway));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        byte[] buffer = new byte[65_535];
        while (true) {
            long remainingMillis = (deadlineNanos - System.nanoTime()) / 1_000_000;
            if (remainingMillis <= 0) {
                return null;
            }
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.setSoTimeout((int) Math.max(1, remainingMillis));
                socket.receive(packet);
            } catch (SocketTimeoutException e) {
                return null;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                byte[] copy = java.util.Arrays.copyOfRange(buffer, 0, packet.getLength());
                return MqttSn12Codec.INSTANCE.decode(copy);
            } catch (DecodeException e) {
                throw new AssertionError("gateway sent a malformed packet: " + e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
