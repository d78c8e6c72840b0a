package io.sngate.client;

import io.sngate.client.internal.runtime.SelectorRuntime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Objects;
import java.util.Optional;

/**
 * MQTT-SN over UDP from the device side: one non-blocking socket per client, read by the
 * runtime's selector, so a runtime drives thousands of them on one thread. Its own local port
 * makes each client a distinct device to the gateway. Packets arrive from a {@link LinkAddress.Udp}.
 *
 * <pre>
 * Link link = UdpLink.to("192.168.1.10", 1883);
 * </pre>
 */
public final class UdpLink implements Link {

    /** The largest datagram {@link #to} carries: below the common 1500-byte Ethernet MTU, with room for headers. */
    public static final int DEFAULT_MAX_PACKET_SIZE = 1_400;

    private final InetSocketAddress gateway;
    private final Optional<InetSocketAddress> broadcastTo;
    private final InetSocketAddress bindTo;
    private final int maxPacketSize;
    private final ByteBuffer readBuffer = ByteBuffer.allocate(65_535);
    private DatagramChannel channel;

    /**
     * @param gateway       where packets go
     * @param broadcastTo   where SEARCHGW goes (e.g. 255.255.255.255:1883), if anywhere
     * @param bindTo        the local address (port 0 for any)
     * @param maxPacketSize what {@link #maxPacketSize()} reports
     */
    public UdpLink(InetSocketAddress gateway, Optional<InetSocketAddress> broadcastTo, InetSocketAddress bindTo,
                   int maxPacketSize) {
        this.gateway = Objects.requireNonNull(gateway, "gateway");
        this.broadcastTo = Objects.requireNonNull(broadcastTo, "broadcastTo");
        this.bindTo = Objects.requireNonNull(bindTo, "bindTo");
        if (maxPacketSize < 2 || maxPacketSize > 65_507) {
            throw new IllegalArgumentException("maxPacketSize must be 2..65507: " + maxPacketSize);
        }
        this.maxPacketSize = maxPacketSize;
    }

    /** To the gateway at {@code host:port}, from any local port (on the loopback interface for a local gateway). */
    public static UdpLink to(String host, int port) {
        return to(new InetSocketAddress(host, port));
    }

    /**
     * To the gateway at {@code gateway}, from any local port (on the loopback interface for a local gateway).
     *
     * @throws UncheckedIOException with an {@link UnknownHostException} when its host did not
     *         resolve: the message names the host
     */
    public static UdpLink to(InetSocketAddress gateway) {
        if (gateway.isUnresolved()) {
            // Unresolved, the address is null: say which host, rather than fail on it later.
            throw new UncheckedIOException("unknown host '" + gateway.getHostString() + "'",
                    new UnknownHostException(gateway.getHostString()));
        }
        InetSocketAddress local = new InetSocketAddress(gateway.getAddress().isLoopbackAddress()
                ? gateway.getAddress() : null, 0);
        return new UdpLink(gateway, Optional.empty(), local, DEFAULT_MAX_PACKET_SIZE);
    }

    @Override
    public void open(ClientRuntime runtime, Receiver receiver) throws IOException {
        SelectorRuntime selector = SelectorRuntime.of(runtime, "UdpLink");
        channel = DatagramChannel.open(gateway.getAddress() instanceof Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
        channel.setOption(StandardSocketOptions.SO_BROADCAST, true);
        channel.bind(bindTo);
        selector.register(channel, () -> {
            while (true) {
                readBuffer.clear();
                SocketAddress from = channel.receive(readBuffer);
                if (from == null) {
                    return;
                }
                readBuffer.flip();
                byte[] packet = new byte[readBuffer.remaining()];
                readBuffer.get(packet);
                receiver.onPacket(packet, new LinkAddress.Udp((InetSocketAddress) from));
            }
        });
    }

    /** The gateway's address. */
    public InetSocketAddress gateway() {
        return gateway;
    }

    /** The local port, once open. */
    public int localPort() {
        try {
            return ((InetSocketAddress) channel.getLocalAddress()).getPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends one datagram to the gateway.
     *
     * @throws IOException when the packet is larger than {@link #maxPacketSize()} (nothing is
     *                     sent: the message names both sizes), or the socket fails
     */
    @Override
    public void send(byte[] packet) throws IOException {
        checkSize(packet);
        channel.send(ByteBuffer.wrap(packet), gateway);
    }

    /**
     * Sends to the broadcast address, if the link has one; without one a broadcast goes nowhere.
     * A packet larger than {@link #maxPacketSize()} fails as in {@link #send}, either way.
     */
    @Override
    public void broadcast(byte[] packet, int radius) throws IOException {
        checkSize(packet);
        if (broadcastTo.isPresent()) {
            channel.send(ByteBuffer.wrap(packet), broadcastTo.get());
        }
    }

    /**
     * {@link #maxPacketSize()} is what the link promises to carry (by default what fits the MTU
     * unfragmented), so a larger packet is refused rather than sent, as the serial, XBee and DTLS
     * links refuse theirs.
     */
    private void checkSize(byte[] packet) throws IOException {
        if (packet.length > maxPacketSize) {
            throw new IOException("UDP link to " + gateway.getHostString() + ":" + gateway.getPort() + ": packet of "
                    + packet.length + " bytes exceeds the link's maximum of " + maxPacketSize + " bytes");
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
