package io.sngate.gateway.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.util.concurrent.EventExecutor;
import io.sngate.gateway.Metrics;
import io.sngate.gateway.WarnLimiter;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * MQTT-SN over UDP: one datagram is one packet (or one forwarder frame). Bound to every
 * IPv4 and IPv6 address unless told otherwise. The bytes are copied out of Netty's buffer
 * once, so the codec can view them safely.
 *
 * <p>On the native transport with several event loops, each loop has its own socket on the same
 * port (SO_REUSEPORT): the kernel hands every datagram of one device address to the same socket,
 * the dispatcher puts a new session on the loop that read its CONNECT, and the answers leave
 * through the socket of the loop that produces them. A device's packets then never cross to
 * another thread on their way through the gateway (a cross-thread hand-over is a task and a
 * wake-up of the other loop, each way). Elsewhere (NIO, one loop) there is one socket.
 */
public final class UdpTransport implements Transport {

    private final EventLoopGroup group;
    private final String bindHost;
    private final int port;
    private final Optional<InetSocketAddress> broadcastTo;
    private final int maxPacketSize;
    /** Bytes of an oversized datagram handed on: the longest MQTT-SN PUBLISH header. */
    private static final int OVERSIZED_HEAD = 9;
    private final Metrics metrics;
    private final WarnLimiter warnings;
    /** Datagrams read per system call at most, on the native transport. */
    private static final int MAX_READ_BATCH = 32;
    /** The read buffer those datagrams share: a few default-sized slots, many small ones. */
    private static final int READ_BUFFER_BYTES = 256 * 1024;
    /** One per socket; the first is the one for broadcasts and sends from outside the loops. */
    private volatile List<Channel> channels = List.of();

    public UdpTransport(EventLoopGroup group, String bindHost, int port, Optional<InetSocketAddress> broadcastTo,
                        int maxPacketSize, Metrics metrics, WarnLimiter warnings) {
        this.group = group;
        this.bindHost = bindHost;
        this.port = port;
        this.broadcastTo = broadcastTo;
        this.maxPacketSize = maxPacketSize;
        this.metrics = metrics;
        this.warnings = warnings;
    }

    @Override
    public void start(Receiver receiver) throws InterruptedException {
        // One byte more than the limit, so an oversized datagram shows as such instead of truncated.
        int slot = maxPacketSize + 1;
        boolean perLoop = NettyIo.isNative(group) && loopCount() > 1;
        List<Channel> opened = new ArrayList<>();
        try {
            InetSocketAddress local = bindHost.isBlank() ? new InetSocketAddress(port)
                    : new InetSocketAddress(bindHost, port);
            if (perLoop && port != 0) {
                // Sockets with SO_REUSEPORT share their port with any later socket of the same user
                // that sets it too: a second gateway started by mistake on this port would split
                // the devices' traffic with this one instead of failing. So a plain socket claims
                // the port first, which fails while anyone holds it (this check of a second gateway
                // fails on our sockets in the same way), and is closed for the group to bind.
                bootstrap(group.next(), slot, receiver).bind(local).sync().channel().close().sync();
            }
            for (EventExecutor executor : group) {
                Bootstrap bootstrap = bootstrap((EventLoop) executor, slot, receiver);
                if (perLoop) {
                    bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
                }
                Channel channel = bootstrap.bind(local).sync().channel();
                opened.add(channel);
                if (!perLoop) {
                    break;
                }
                // Port 0: the others join the port the first one got.
                local = new InetSocketAddress(local.getAddress(), ((InetSocketAddress) channel.localAddress()).getPort());
            }
        } catch (InterruptedException | RuntimeException e) {
            opened.forEach(Channel::close);
            throw e;
        }
        channels = List.copyOf(opened);
    }

    private int loopCount() {
        int count = 0;
        for (EventExecutor ignored : group) {
            count++;
        }
        return count;
    }

    private Bootstrap bootstrap(EventLoop loop, int slot, Receiver receiver) {
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(NettyIo.datagramChannel(group))
                .option(ChannelOption.SO_BROADCAST, true)
                .option(ChannelOption.SO_RCVBUF, 4 * 1024 * 1024)
                .option(ChannelOption.SO_SNDBUF, 4 * 1024 * 1024);
        if (NettyIo.isNative(group)) {
            // recvmmsg: several datagrams per system call, each in a slot of the read buffer.
            int batch = Math.max(1, Math.min(MAX_READ_BATCH, READ_BUFFER_BYTES / slot));
            bootstrap.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, slot)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(slot * batch));
        } else {
            bootstrap.option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(slot));
        }
        return bootstrap.handler(new SimpleChannelInboundHandler<DatagramPacket>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket datagram) {
                ByteBuf content = datagram.content();
                if (content.readableBytes() > maxPacketSize) {
                    metrics.count(Metrics.DROPPED_OVERSIZED);
                    warnings.warn("oversized", () -> "datagram of more than " + maxPacketSize + " bytes from "
                            + datagram.sender() + " dropped (limits.max-packet-size; "
                            + Metrics.DROPPED_OVERSIZED + ")");
                    byte[] head = new byte[Math.min(OVERSIZED_HEAD, content.readableBytes())];
                    content.getBytes(content.readerIndex(), head);
                    receiver.onOversized(new LinkAddress.Udp(datagram.sender()), head);
                    return;
                }
                byte[] packet = new byte[content.readableBytes()];
                content.readBytes(packet);
                receiver.onPacket(new LinkAddress.Udp(datagram.sender()), packet);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                // An ICMP "port unreachable" from a vanished device surfaces here; the socket stays up.
                metrics.count(Metrics.UDP_ERRORS);
            }
        });
    }

    /** How many sockets share the port: one per event loop on the native transport, else one. */
    public int sockets() {
        return channels.size();
    }

    /** The port actually bound (differs from the configured one when that was 0). */
    public int localPort() {
        return ((InetSocketAddress) channels.get(0).localAddress()).getPort();
    }

    @Override
    public void send(LinkAddress to, byte[] packet) {
        if (!(to instanceof LinkAddress.Udp udp)) {
            throw new IllegalArgumentException("not a UDP address: " + to);
        }
        write(udp.socket(), packet);
    }

    @Override
    public void broadcast(byte[] packet) {
        broadcastTo.ifPresent(target -> write(target, packet));
    }

    private void write(InetSocketAddress target, byte[] packet) {
        Channel ch = channelHere();
        if (ch == null || !ch.isActive()) {
            metrics.count(Metrics.DROPPED_TRANSPORT_CLOSED);
            warnings.warn(Metrics.DROPPED_TRANSPORT_CLOSED, () -> "datagram to " + target
                    + " not sent: the UDP socket is closed (" + Metrics.DROPPED_TRANSPORT_CLOSED + ")");
            return;
        }
        if (!ch.isWritable()) {
            // The kernel's send buffer and Netty's are both full: a bounded queue, counted.
            metrics.count(Metrics.DROPPED_SEND_BUFFER_FULL);
            warnings.warn(Metrics.DROPPED_SEND_BUFFER_FULL, () -> "datagram to " + target
                    + " not sent: the UDP send buffer is full (" + Metrics.DROPPED_SEND_BUFFER_FULL + ")");
            return;
        }
        // Flushed at once: batching the flush into a later task cost more (a task per packet) and
        // added latency in the closed loop of QoS 1 (measured, docs/benchmarks.md).
        ch.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(packet), target), ch.voidPromise());
        metrics.count(Metrics.SENT_PACKETS);
    }

    /** The socket of the loop this runs on, so the write needs no hand-over; else the first. */
    private Channel channelHere() {
        List<Channel> all = channels;
        if (all.isEmpty()) {
            return null;
        }
        for (int i = 1; i < all.size(); i++) {
            if (all.get(i).eventLoop().inEventLoop()) {
                return all.get(i);
            }
        }
        return all.get(0);
    }

    @Override
    public boolean owns(LinkAddress address) {
        return address instanceof LinkAddress.Udp;
    }

    @Override
    public int maxPacketSize() {
        return maxPacketSize;
    }

    @Override
    public String describe() {
        return "udp=" + (channels.isEmpty() ? port : localPort());
    }

    @Override
    public void close() {
        for (Channel channel : channels) {
            channel.close().syncUninterruptibly();
        }
    }
}
