package io.sngate.gateway.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;

/** A bare UDP socket on 127.0.0.1: exact bytes out, exact datagrams back (no decoding). */
final class RawUdp implements AutoCloseable {

    private final DatagramSocket socket;
    private final InetSocketAddress gateway;

    RawUdp(int gatewayPort) {
        this(gatewayPort, InetAddress.getLoopbackAddress());
    }

    /** A socket bound to {@code local}, e.g. 127.0.0.2: another host as far as the gateway's per-IP limits go. */
    RawUdp(int gatewayPort, InetAddress local) {
        try {
            socket = new DatagramSocket(new InetSocketAddress(local, 0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        gateway = new InetSocketAddress(InetAddress.getLoopbackAddress(), gatewayPort);
    }

    int localPort() {
        return socket.getLocalPort();
    }

    void send(byte[] datagram) {
        try {
            socket.send(new DatagramPacket(datagram, datagram.length, gateway));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next datagram, or null when none comes within {@code wait}. */
    byte[] receive(Duration wait) {
        byte[] buffer = new byte[65_535];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        try {
            socket.setSoTimeout((int) Math.max(1, wait.toMillis()));
            socket.receive(packet);
            return Arrays.copyOf(buffer, packet.getLength());
        } catch (SocketTimeoutException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next datagram; fails when none comes within {@code wait}. */
    byte[] expect(Duration wait, String what) {
        byte[] got = receive(wait);
        if (got == null) {
            throw new AssertionError("no datagram (" + what + ") within " + wait);
        }
        return got;
    }

    @Override
    public void close() {
        socket.close();
    }
}
