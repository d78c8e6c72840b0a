package io.sngate.device.it;

import io.sngate.device.testing.DtlsTestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.UnaryOperator;
import org.eclipse.californium.elements.EndpointContext;

/**
 * Terminates DTLS in front of the gateway under test, which speaks plain UDP in this module's
 * tests: a {@link DtlsTestServer} (set up as the gateway's DTLS listener is) whose records go out
 * over UDP to the gateway, one UDP socket per DTLS session, and whose sockets' answers go back
 * into their session. Sessions are told apart by the server's Connection ID, so a device whose
 * address changes (a NAT rebinding) keeps its socket, and so its session at the gateway: what the
 * gateway's own listener does with the CID.
 */
public final class DtlsFrontEnd implements AutoCloseable {

    private final InetSocketAddress gateway;
    private final Selector selector;
    private final Thread thread;
    private final Map<String, Peer> byConnectionId = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Peer> toRegister = new ConcurrentLinkedQueue<>();
    private final ByteBuffer buffer = ByteBuffer.allocate(65_535);
    private DtlsTestServer server;
    private volatile boolean running = true;

    /** One DTLS session's socket towards the gateway. */
    private static final class Peer {
        final DatagramChannel channel;
        volatile EndpointContext latest;

        Peer(DatagramChannel channel, EndpointContext latest) {
            this.channel = channel;
            this.latest = latest;
        }
    }

    private DtlsFrontEnd(InetSocketAddress gateway) throws IOException {
        this.gateway = gateway;
        this.selector = Selector.open();
        this.thread = new Thread(this::loop, "dtls-front-end");
        this.thread.setDaemon(true);
    }

    /** @param credentials adds the server's PSKs and certificate to the builder */
    public static DtlsFrontEnd start(InetSocketAddress udpGateway, UnaryOperator<DtlsTestServer.Builder> credentials)
            throws IOException {
        DtlsFrontEnd front = new DtlsFrontEnd(udpGateway);
        front.server = credentials.apply(DtlsTestServer.builder()).handler((server, record) -> front.relay(record))
                .start();
        front.thread.start();
        return front;
    }

    /** Where devices send DTLS. */
    public InetSocketAddress address() {
        return server.address();
    }

    public DtlsTestServer server() {
        return server;
    }

    /** DTLS sessions that have sent something to the gateway. */
    public int sessions() {
        return byConnectionId.size();
    }

    private void relay(DtlsTestServer.Received record) {
        Peer peer = byConnectionId.computeIfAbsent(record.connectionId(), cid -> {
            try {
                DatagramChannel channel = DatagramChannel.open();
                channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                channel.connect(gateway);
                channel.configureBlocking(false);
                Peer fresh = new Peer(channel, record.context());
                toRegister.add(fresh);
                selector.wakeup();
                return fresh;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        peer.latest = record.context();
        try {
            peer.channel.write(ByteBuffer.wrap(record.data()));
        } catch (IOException e) {
            // UDP: the device's retransmission covers a datagram the gateway did not get
        }
    }

    private void loop() {
        try {
            while (running) {
                selector.select(500);
                for (Peer peer = toRegister.poll(); peer != null; peer = toRegister.poll()) {
                    peer.channel.register(selector, SelectionKey.OP_READ, peer);
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    Peer peer = (Peer) key.attachment();
                    while (key.isValid()) {
                        buffer.clear();
                        int length;
                        try {
                            length = peer.channel.read(buffer);
                        } catch (IOException e) {
                            break;
                        }
                        if (length <= 0) {
                            break;
                        }
                        byte[] packet = new byte[length];
                        buffer.flip().get(packet);
                        server.send(peer.latest, packet);
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException | ClosedSelectorException e) {
            if (running) {
                throw new UncheckedIOException(new IOException("DTLS front end stopped", e));
            }
        }
    }

    @Override
    public void close() throws IOException {
        running = false;
        selector.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.close();
        for (Peer peer : byConnectionId.values()) {
            peer.channel.close();
        }
        selector.close();
    }
}
