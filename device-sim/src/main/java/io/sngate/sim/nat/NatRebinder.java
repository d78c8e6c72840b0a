package io.sngate.sim.nat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A NAT between devices and a gateway, for tests and fleets: devices send to {@link #address()}
 * (a UDP socket on the inside), and for each inside source the NAT keeps one socket of its own
 * towards the gateway (the outside port the gateway sees), relaying both ways. {@link #rebind}
 * replaces a device's outside socket, so its next packet reaches the gateway from a new source
 * port: what a carrier-grade NAT does to an NB-IoT device between two wake-ups, once its mapping
 * has expired. Whatever the gateway still sends to the old port is lost, as it would be.
 *
 * <p>Like a port-restricted NAT, an outside socket takes packets from the gateway only (it is
 * connected to it). Everything runs on one selector thread; nothing is queued: a datagram that a
 * socket cannot take at once is dropped and counted, and at most {@link Options#maxMappings()}
 * devices are mapped (packets from further devices are dropped and counted). Mappings idle for
 * {@link Options#idleTimeout()} are removed, so a device that sends after a long sleep gets a
 * new port by itself.
 */
public final class NatRebinder implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NatRebinder.class);

    /**
     * @param maxMappings the most devices mapped at once
     * @param idleTimeout a mapping with no packet either way for this long is removed; zero: never
     */
    public record Options(int maxMappings, Duration idleTimeout) {
        public static final int DEFAULT_MAX_MAPPINGS = 10_000;

        public Options {
            if (maxMappings < 1) {
                throw new IllegalArgumentException("maxMappings must be positive: " + maxMappings);
            }
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            if (idleTimeout.isNegative()) {
                throw new IllegalArgumentException("idleTimeout must not be negative: " + idleTimeout);
            }
        }

        /** 10 000 mappings that never expire by themselves. */
        public static Options defaults() {
            return new Options(DEFAULT_MAX_MAPPINGS, Duration.ZERO);
        }

        public Options withMaxMappings(int mappings) {
            return new Options(mappings, idleTimeout);
        }

        public Options withIdleTimeout(Duration timeout) {
            return new Options(maxMappings, timeout);
        }
    }

    /**
     * What the NAT did.
     *
     * @param toGateway      datagrams relayed from devices to the gateway
     * @param toDevices      datagrams relayed from the gateway to devices
     * @param mappingsOpened outside sockets opened for new devices
     * @param rebinds        outside sockets replaced by {@link #rebind} or {@link #rebindAll()}
     * @param expired        mappings removed after {@link Options#idleTimeout()}
     * @param tableFull      datagrams from new devices dropped because {@link Options#maxMappings()} were mapped
     * @param dropped        datagrams a socket could not take (send buffer full, port unreachable)
     */
    public record Counters(long toGateway, long toDevices, long mappingsOpened, long rebinds, long expired,
                           long tableFull, long dropped) {
    }

    private final InetSocketAddress gateway;
    private final Options options;
    private final Selector selector;
    private final DatagramChannel inside;
    private final InetSocketAddress insideAddress;
    private final Thread thread;
    /** Owned by the selector thread. */
    private final Map<InetSocketAddress, Mapping> byInside = new HashMap<>();
    /** What {@link #outside} and {@link #mappings()} read from other threads. */
    private final Map<InetSocketAddress, InetSocketAddress> view = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Task> tasks = new ConcurrentLinkedQueue<>();
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(65_535);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicLong toGateway = new AtomicLong();
    private final AtomicLong toDevices = new AtomicLong();
    private final AtomicLong mappingsOpened = new AtomicLong();
    private final AtomicLong rebinds = new AtomicLong();
    private final AtomicLong expired = new AtomicLong();
    private final AtomicLong tableFull = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean running = true;
    private long nextSweep;

    /** A request from another thread, run on the selector thread. */
    private record Task(CompletableFuture<?> done, Runnable run) {
        void fail() {
            done.completeExceptionally(new IllegalStateException("the NAT is closed"));
        }
    }

    /** One device's way out. */
    private static final class Mapping {
        final InetSocketAddress inside;
        DatagramChannel outside;
        InetSocketAddress outsideAddress;
        long lastActive;

        Mapping(InetSocketAddress inside) {
            this.inside = inside;
        }
    }

    private NatRebinder(InetSocketAddress insideBind, InetSocketAddress gateway, Options options) throws IOException {
        this.gateway = gateway;
        this.options = options;
        this.selector = Selector.open();
        try {
            inside = DatagramChannel.open(family(insideBind.getAddress()));
            inside.bind(insideBind);
            inside.configureBlocking(false);
            inside.register(selector, SelectionKey.OP_READ);
            insideAddress = (InetSocketAddress) inside.getLocalAddress();
        } catch (IOException e) {
            selector.close();
            throw e;
        }
        thread = new Thread(this::loop, "sngate-nat-" + insideAddress.getPort());
        thread.setDaemon(true);
        thread.start();
    }

    /** A NAT towards {@code gateway} whose inside is an ephemeral port on the loopback address. */
    public static NatRebinder start(InetSocketAddress gateway) throws IOException {
        return start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), gateway, Options.defaults());
    }

    /**
     * @param insideBind where devices send (port 0 for any)
     * @param gateway    where their packets go
     */
    public static NatRebinder start(InetSocketAddress insideBind, InetSocketAddress gateway, Options options)
            throws IOException {
        Objects.requireNonNull(options, "options");
        if (gateway.isUnresolved()) {
            throw new IOException("cannot resolve the gateway host " + gateway.getHostString());
        }
        return new NatRebinder(insideBind, gateway, options);
    }

    /** Where devices send: the gateway's address as they see it. */
    public InetSocketAddress address() {
        return insideAddress;
    }

    public InetSocketAddress gateway() {
        return gateway;
    }

    /** The source address the gateway sees for the device at {@code inside}, if it is mapped. */
    public Optional<InetSocketAddress> outside(InetSocketAddress inside) {
        return Optional.ofNullable(view.get(inside));
    }

    /** Inside address to outside address, for every mapped device. */
    public Map<InetSocketAddress, InetSocketAddress> mappings() {
        return Map.copyOf(view);
    }

    /**
     * Gives the device at {@code inside} a new outside socket (a new source port at the gateway).
     * Completes with the new outside address, or exceptionally when the device is not mapped.
     */
    public CompletableFuture<InetSocketAddress> rebind(InetSocketAddress inside) {
        CompletableFuture<InetSocketAddress> done = new CompletableFuture<>();
        post(done, () -> {
            Mapping mapping = byInside.get(inside);
            if (mapping == null) {
                done.completeExceptionally(new IllegalArgumentException("no mapping for " + inside
                        + ": the device has sent nothing through the NAT yet (or its mapping expired)"));
                return;
            }
            try {
                done.complete(replaceOutside(mapping));
            } catch (IOException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /** Gives every mapped device a new outside socket; completes with how many were rebound. */
    public CompletableFuture<Integer> rebindAll() {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        post(done, () -> {
            int count = 0;
            for (Mapping mapping : new ArrayList<>(byInside.values())) {
                try {
                    replaceOutside(mapping);
                    count++;
                } catch (IOException e) {
                    LOG.warn("NAT {}: cannot rebind {}: {}", insideAddress, mapping.inside, e.getMessage());
                }
            }
            done.complete(count);
        });
        return done;
    }

    private void post(CompletableFuture<?> done, Runnable task) {
        tasks.add(new Task(done, task));
        if (stopped.getCount() == 0) {
            failPending(); // the thread is gone: nobody else will
        } else {
            selector.wakeup();
        }
    }

    private void failPending() {
        for (Task task = tasks.poll(); task != null; task = tasks.poll()) {
            task.fail();
        }
    }

    public Counters counters() {
        return new Counters(toGateway.get(), toDevices.get(), mappingsOpened.get(), rebinds.get(), expired.get(),
                tableFull.get(), dropped.get());
    }

    // ------------------------------------------------------------------ the selector thread

    private void loop() {
        try {
            while (running) {
                selector.select(1_000);
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    if (!key.isValid() || !key.isReadable()) {
                        continue;
                    }
                    if (key.attachment() instanceof Mapping mapping) {
                        fromGateway(mapping, key);
                    } else {
                        fromDevices();
                    }
                }
                for (Task task = tasks.poll(); task != null; task = tasks.poll()) {
                    task.run().run();
                }
                expireIdle();
            }
        } catch (IOException | ClosedSelectorException e) {
            if (running) {
                LOG.error("NAT {} stopped: {}", insideAddress, e.toString());
            }
        } finally {
            running = false;
            closeAll();
            stopped.countDown();
            failPending(); // the futures of a closed NAT fail rather than hang
        }
    }

    private void fromDevices() throws IOException {
        // A bounded batch, so that a flood from the devices cannot starve the other direction.
        for (int n = 0; n < 64; n++) {
            buffer.clear();
            SocketAddress from = inside.receive(buffer);
            if (from == null) {
                return;
            }
            buffer.flip();
            InetSocketAddress source = (InetSocketAddress) from;
            Mapping mapping = byInside.get(source);
            if (mapping == null) {
                if (byInside.size() >= options.maxMappings()) {
                    long full = tableFull.incrementAndGet();
                    if (Long.bitCount(full) == 1) {
                        LOG.warn("NAT {}: {} datagram(s) from new devices dropped so far: {} devices are mapped",
                                insideAddress, full, options.maxMappings());
                    }
                    continue;
                }
                mapping = new Mapping(source);
                try {
                    replaceOutside(mapping);
                } catch (IOException e) {
                    dropped.incrementAndGet();
                    LOG.warn("NAT {}: cannot open an outside socket for {}: {}", insideAddress, source,
                            e.getMessage());
                    continue;
                }
                byInside.put(source, mapping);
                mappingsOpened.incrementAndGet();
            }
            mapping.lastActive = System.nanoTime();
            try {
                if (mapping.outside.write(buffer) == 0) {
                    dropped.incrementAndGet();
                } else {
                    toGateway.incrementAndGet();
                }
            } catch (PortUnreachableException e) {
                dropped.incrementAndGet(); // an earlier datagram found no gateway
            }
        }
    }

    private void fromGateway(Mapping mapping, SelectionKey key) {
        for (int n = 0; n < 64; n++) {
            buffer.clear();
            int length;
            try {
                length = mapping.outside.read(buffer);
            } catch (PortUnreachableException e) {
                dropped.incrementAndGet();
                continue;
            } catch (IOException e) {
                key.cancel(); // closed by a rebind meanwhile
                return;
            }
            if (length <= 0) {
                return;
            }
            buffer.flip();
            mapping.lastActive = System.nanoTime();
            try {
                if (inside.send(buffer, mapping.inside) == 0) {
                    dropped.incrementAndGet();
                } else {
                    toDevices.incrementAndGet();
                }
            } catch (IOException e) {
                dropped.incrementAndGet();
            }
        }
    }

    /** Opens the mapping's new outside socket and closes the old one; returns the new address. */
    private InetSocketAddress replaceOutside(Mapping mapping) throws IOException {
        DatagramChannel fresh = DatagramChannel.open(family(gateway.getAddress()));
        try {
            fresh.bind(new InetSocketAddress(gateway.getAddress().isLoopbackAddress() ? gateway.getAddress() : null,
                    0));
            // Connected: only the gateway's datagrams come in, as through a port-restricted NAT.
            fresh.connect(gateway);
            fresh.configureBlocking(false);
            fresh.register(selector, SelectionKey.OP_READ, mapping);
            DatagramChannel old = mapping.outside;
            mapping.outside = fresh;
            mapping.outsideAddress = (InetSocketAddress) fresh.getLocalAddress();
            mapping.lastActive = System.nanoTime();
            if (old != null) {
                old.close();
                rebinds.incrementAndGet();
            }
            view.put(mapping.inside, mapping.outsideAddress);
            return mapping.outsideAddress;
        } catch (IOException e) {
            fresh.close();
            throw e;
        }
    }

    private void expireIdle() {
        if (options.idleTimeout().isZero()) {
            return;
        }
        long now = System.nanoTime();
        if (now - nextSweep < 0) {
            return;
        }
        nextSweep = now + Math.min(TimeUnit.SECONDS.toNanos(1), options.idleTimeout().toNanos() / 2 + 1);
        long idle = options.idleTimeout().toNanos();
        Iterator<Mapping> mappings = byInside.values().iterator();
        while (mappings.hasNext()) {
            Mapping mapping = mappings.next();
            if (now - mapping.lastActive >= idle) {
                mappings.remove();
                view.remove(mapping.inside);
                closeQuietly(mapping.outside);
                expired.incrementAndGet();
            }
        }
    }

    private void closeAll() {
        for (Mapping mapping : byInside.values()) {
            closeQuietly(mapping.outside);
        }
        byInside.clear();
        view.clear();
        closeQuietly(inside);
        try {
            selector.close();
        } catch (IOException e) {
            LOG.debug("NAT {}: closing the selector: {}", insideAddress, e.toString());
        }
    }

    private static void closeQuietly(DatagramChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.debug("closing a NAT socket: {}", e.toString());
            }
        }
    }

    private static StandardProtocolFamily family(InetAddress address) {
        return address instanceof Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
    }

    /** Stops the thread and closes every socket. */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        selector.wakeup();
        if (Thread.currentThread() != thread) {
            try {
                if (!stopped.await(5, TimeUnit.SECONDS)) {
                    throw new UncheckedIOException(new IOException("NAT " + insideAddress + " did not stop in 5 s"));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "NAT " + insideAddress + " -> " + gateway;
    }
}
