package io.sngate.gateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.Arrays;

/** A scripted MQTT-SN device on a real UDP socket ({@link PacketDevice}). */
public final class UdpDevice extends PacketDevice {

    private final DatagramSocket socket;
    private final InetSocketAddress gateway;

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

    @Override
    public int localPort() {
        return socket.getLocalPort();
    }

    @Override
    public void sendRaw(byte[] bytes) {
        try {
            socket.send(new DatagramPacket(bytes, bytes.length, gateway));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected byte[] receiveRaw(long deadlineNanos) {
        byte[] buffer = new byte[65_535];
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
        return Arrays.copyOfRange(buffer, 0, packet.getLength());
    }

    @Override
    public void close() {
        socket.close();
    }
}
