package io.sngate.device;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Optional;

/**
 * MQTT-SN over UDP from the device side: one non-blocking socket per device, read by the
 * runtime's selector. Its own local port makes it a distinct device to the gateway.
 */
public final class UdpLink implements Link {

    private final InetSocketAddress gateway;
    private final Optional<InetSocketAddress> broadcastTo;
    private final InetSocketAddress bindTo;
    private final int maxPacketSize;
    private DatagramChannel channel;
    private final ByteBuffer readBuffer;

    /**
     * @param gateway     where packets go
     * @param broadcastTo where SEARCHGW goes (e.g. 255.255.255.255:1883), if anywhere
     * @param bindTo      local address (port 0 for any)
     */
    public UdpLink(InetSocketAddress gateway, Optional<InetSocketAddress> broadcastTo, InetSocketAddress bindTo,
                   int maxPacketSize) {
        this.gateway = gateway;
        this.broadcastTo = broadcastTo;
        this.bindTo = bindTo;
        this.maxPacketSize = maxPacketSize;
        this.readBuffer = ByteBuffer.allocate(65_535);
    }

    /**
     * The gateway at {@code host} (a name or an address) and {@code port}, from a local port of its own.
     *
     * @throws UncheckedIOException with an {@link java.net.UnknownHostException} when {@code host}
     *         does not resolve: the message names the host
     */
    public static UdpLink to(String host, int port) {
        InetSocketAddress gateway = new InetSocketAddress(host, port);
        if (gateway.isUnresolved()) {
            // Unresolved, the address is null: say which host, rather than fail on it later.
            throw new UncheckedIOException("unknown host '" + host + "'", new UnknownHostException(host));
        }
        InetSocketAddress local = new InetSocketAddress(gateway.getAddress().isLoopbackAddress()
                ? gateway.getAddress() : null, 0);
        return new UdpLink(gateway, Optional.empty(), local, 1_400);
    }

    @Override
    public void open(DeviceRuntime runtime, Receiver receiver) throws IOException {
        channel = DatagramChannel.open(gateway.getAddress() instanceof java.net.Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
        channel.setOption(StandardSocketOptions.SO_BROADCAST, true);
        channel.bind(bindTo);
        runtime.register(channel, () -> {
            while (true) {
                readBuffer.clear();
                SocketAddress from = channel.receive(readBuffer);
                if (from == null) {
                    return;
                }
                readBuffer.flip();
                byte[] packet = new byte[readBuffer.remaining()];
                readBuffer.get(packet);
                receiver.onPacket(packet, from);
            }
        });
    }

    /** The local port, once open. */
    public int localPort() {
        try {
            return ((InetSocketAddress) channel.getLocalAddress()).getPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void send(byte[] packet) throws IOException {
        channel.send(ByteBuffer.wrap(packet), gateway);
    }

    @Override
    public void broadcast(byte[] packet, int radius) throws IOException {
        if (broadcastTo.isPresent()) {
            channel.send(ByteBuffer.wrap(packet), broadcastTo.get());
        }
    }

    @Override
    public int maxPacketSize() {
        return maxPacketSize;
    }

    @Override
    public void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
