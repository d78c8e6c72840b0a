package io.sngate.gateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;

/**
 * A one-device NAT for tests: the device sends to {@link #insidePort()}, the relay forwards from
 * its outside socket to the gateway and back. {@link #rebind()} replaces the outside socket, so
 * the gateway sees the device's datagrams come from a new port, as after a NAT rebinding.
 */
public final class RebindingRelay implements AutoCloseable {

    private final DatagramSocket inside;
    private final InetSocketAddress gateway;
    private volatile DatagramSocket outside;
    private volatile InetSocketAddress device;
    private final Thread insideReader;

    public RebindingRelay(int gatewayPort) {
        this.gateway = new InetSocketAddress(InetAddress.getLoopbackAddress(), gatewayPort);
        try {
            this.inside = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        } catch (SocketException e) {
            throw new UncheckedIOException(e);
        }
        this.outside = openOutside();
        insideReader = new Thread(this::fromDevice, "relay-inside");
        insideReader.setDaemon(true);
        insideReader.start();
    }

    public int insidePort() {
        return inside.getLocalPort();
    }

    /** The port the gateway sees now. */
    public int outsidePort() {
        return outside.getLocalPort();
    }

    /** A new outside port from now on; the old one is closed. */
    public void rebind() {
        DatagramSocket old = outside;
        outside = openOutside();
        old.close();
    }

    private DatagramSocket openOutside() {
        try {
            DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread reader = new Thread(() -> fromGateway(socket), "relay-outside-" + socket.getLocalPort());
            reader.setDaemon(true);
            reader.start();
            return socket;
        } catch (SocketException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void fromDevice() {
        byte[] buffer = new byte[65_535];
        while (!inside.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                inside.receive(packet);
                device = (InetSocketAddress) packet.getSocketAddress();
                outside.send(new DatagramPacket(packet.getData(), packet.getLength(), gateway));
            } catch (IOException e) {
                if (inside.isClosed()) {
                    return;
                }
            }
        }
    }

    private void fromGateway(DatagramSocket socket) {
        byte[] buffer = new byte[65_535];
        while (!socket.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
                InetSocketAddress to = device;
                if (to != null) {
                    inside.send(new DatagramPacket(packet.getData(), packet.getLength(), to));
                }
            } catch (IOException e) {
                if (socket.isClosed()) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        inside.close();
        outside.close();
    }
}
