package io.sngate.gateway.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy on 127.0.0.1 that holds every chunk of bytes for a fixed delay in each direction,
 * as a broker across a real network would be: an exchange between the gateway and the broker
 * takes its time, so a crash finds exchanges in the middle. Order within a direction is kept
 * (one scheduler per direction, equal delays). When one side closes or fails, the other side is
 * closed once the bytes before it have been delivered. Test code: a thread or two per connection.
 */
final class DelayingProxy implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final long delayMillis;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<ScheduledExecutorService> schedulers = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile boolean closed;

    private DelayingProxy(InetSocketAddress target, long delayMillis) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.target = target;
        this.delayMillis = delayMillis;
        this.acceptor = new Thread(this::acceptLoop, "delaying-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Forwards to {@code 127.0.0.1:targetPort}, delaying each direction by {@code delayMillis}. */
    static DelayingProxy to(int targetPort, long delayMillis) throws IOException {
        return new DelayingProxy(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), delayMillis);
    }

    int port() {
        return server.getLocalPort();
    }

    String uri() {
        return "tcp://127.0.0.1:" + port();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(target, 5_000);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                pump(client, upstream, "up");
                pump(upstream, client, "down");
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("delaying proxy: " + e);
                }
            }
        }
    }

    private void pump(Socket from, Socket to, String direction) throws IOException {
        ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "delaying-proxy-" + direction);
            t.setDaemon(true);
            return t;
        });
        schedulers.add(later);
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        Thread reader = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    byte[] chunk = java.util.Arrays.copyOf(buffer, n);
                    later.schedule(() -> {
                        try {
                            out.write(chunk);
                            out.flush();
                        } catch (IOException e) {
                            closeQuietly(from);
                        }
                    }, delayMillis, TimeUnit.MILLISECONDS);
                }
            } catch (IOException e) {
                // reset or closed: pass the end on, after the bytes already on their way
            }
            later.schedule(() -> closeQuietly(to), delayMillis, TimeUnit.MILLISECONDS);
        }, "delaying-proxy-read-" + direction);
        reader.setDaemon(true);
        reader.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        sockets.forEach(DelayingProxy::closeQuietly);
        schedulers.forEach(ScheduledExecutorService::shutdownNow);
    }
}
