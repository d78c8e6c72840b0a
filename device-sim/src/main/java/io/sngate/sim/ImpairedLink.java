package io.sngate.sim;

import io.sngate.client.ClientRuntime;
import io.sngate.client.Link;
import java.io.IOException;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A link with an {@link Impairment} applied to what it sends and what it receives, timed on
 * the device runtime (no threads of its own). Counts what it dropped and duplicated.
 */
final class ImpairedLink implements Link {

    /** Totals over all impaired links of a run. */
    static final class Stats {
        final AtomicLong dropped = new AtomicLong();
        final AtomicLong duplicated = new AtomicLong();
        final AtomicLong reordered = new AtomicLong();
    }

    private final Link inner;
    private final Impairment impairment;
    private final Random random;
    private final Stats stats;
    private ClientRuntime runtime;

    ImpairedLink(Link inner, Impairment impairment, Random random, Stats stats) {
        this.inner = inner;
        this.impairment = impairment;
        this.random = random;
        this.stats = stats;
    }

    @FunctionalInterface
    private interface Delivery {
        void deliver() throws IOException;
    }

    @Override
    public void open(ClientRuntime deviceRuntime, Receiver receiver) throws IOException {
        this.runtime = deviceRuntime;
        inner.open(deviceRuntime, (packet, from) -> {
            try {
                impair(() -> receiver.onPacket(packet, from));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e); // delivering to the receiver does no I/O
            }
        });
    }

    @Override
    public void send(byte[] packet) throws IOException {
        impair(() -> inner.send(packet));
    }

    @Override
    public void broadcast(byte[] packet, int radius) throws IOException {
        impair(() -> inner.broadcast(packet, radius));
    }

    private void impair(Delivery delivery) throws IOException {
        if (chance(impairment.lossPercent())) {
            stats.dropped.incrementAndGet();
            return;
        }
        int copies = chance(impairment.duplicatePercent()) ? 2 : 1;
        if (copies == 2) {
            stats.duplicated.incrementAndGet();
        }
        for (int i = 0; i < copies; i++) {
            long delay = impairment.latencyMillis()
                    + (impairment.jitterMillis() > 0 ? (long) (random.nextDouble() * impairment.jitterMillis()) : 0);
            if (chance(impairment.reorderPercent())) {
                stats.reordered.incrementAndGet();
                delay += Math.max(5, impairment.latencyMillis() + impairment.jitterMillis()) * 2;
            }
            if (delay == 0) {
                delivery.deliver();
            } else {
                runtime.schedule(runtime.now() + delay, () -> {
                    try {
                        delivery.deliver();
                    } catch (IOException e) {
                        // a late send on a closed socket: the protocol's retries cover it
                    }
                });
            }
        }
    }

    private boolean chance(double percent) {
        return percent > 0 && random.nextDouble() * 100 < percent;
    }

    @Override
    public int maxPacketSize() {
        return inner.maxPacketSize();
    }

    @Override
    public void peerLost() {
        inner.peerLost();
    }

    @Override
    public void close() {
        inner.close();
    }
}
