package io.sngate.gateway.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.EventExecutorGroup;
import java.util.concurrent.ThreadFactory;

/**
 * Which of Netty's I/O implementations the gateway runs on. Linux's native epoll, when its
 * library loads (the jar carries the x86-64 and aarch64 builds: a PC, a Raspberry Pi 3/4/5 on a
 * 64-bit OS), costs less CPU per message than Java NIO (no JDK channel locks, no selector
 * bookkeeping) and reads several datagrams per system call (recvmmsg). Anywhere else (32-bit
 * Raspberry Pi OS, macOS, Windows) the gateway runs on NIO, the same code above the channels.
 * The channel classes follow the event loops, so whoever opens a channel asks here.
 */
public final class NettyIo {

    private NettyIo() {
    }

    /** Whether the native transport can be used on this machine. */
    public static boolean nativeAvailable() {
        return Epoll.isAvailable();
    }

    /** Why the native transport cannot be used here (for the log), or null when it can. */
    public static String whyNotNative() {
        Throwable cause = Epoll.unavailabilityCause();
        return cause == null ? null : cause.toString();
    }

    /** Event loops on epoll if {@code preferNative} and it is available, else on NIO. */
    public static EventLoopGroup newLoops(int threads, ThreadFactory factory, boolean preferNative) {
        if (preferNative && nativeAvailable()) {
            return new EpollEventLoopGroup(threads, factory);
        }
        return new NioEventLoopGroup(threads, factory);
    }

    /** Whether {@code group} (or the group of a loop) runs on the native transport. */
    public static boolean isNative(EventExecutorGroup group) {
        EventExecutorGroup parent = group.next().parent();
        return group instanceof EpollEventLoopGroup || parent instanceof EpollEventLoopGroup;
    }

    /** The TCP channel class for loops of {@code group}. */
    public static Class<? extends SocketChannel> socketChannel(EventExecutorGroup group) {
        return isNative(group) ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** The UDP channel class for loops of {@code group}. */
    public static Class<? extends DatagramChannel> datagramChannel(EventExecutorGroup group) {
        return isNative(group) ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }

    /** "epoll" or "nio", for the log. */
    public static String name(EventExecutorGroup group) {
        return isNative(group) ? "epoll" : "nio";
    }
}
