package io.sngate.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.client.ClientRuntime;
import io.sngate.client.Link;
import io.sngate.client.LinkAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ImpairedLink} on a {@link ClientRuntime} driven by a fake clock: packets are numbered,
 * and what reaches the other side (and when, in fake milliseconds) is compared with the
 * configured loss, duplication, reordering and latency. Bounds are generous; the seed is fixed.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ImpairedLinkTest {

    static final int PACKETS = 20_000;
    static final long START = 1_000_000;
    static final LinkAddress GATEWAY = new LinkAddress.Udp(new InetSocketAddress("192.0.2.1", 1884));

    final List<Harness> harnesses = new ArrayList<>();

    @AfterEach
    void stop() {
        harnesses.forEach(h -> h.runtime.close());
    }

    /** Where a numbered packet ended up, and at which fake time. */
    record Arrival(int number, long at) {
    }

    /** An impaired link over a recording link, on a runtime with a clock the test moves. */
    final class Harness {
        final AtomicLong clock = new AtomicLong(START);
        final ClientRuntime runtime = ClientRuntime.start("impaired-link-test", clock::get);
        final List<Arrival> sent = new CopyOnWriteArrayList<>();
        final List<Arrival> received = new CopyOnWriteArrayList<>();
        final ImpairedLink.Stats stats = new ImpairedLink.Stats();
        final ImpairedLink link;
        Link.Receiver fromGateway;

        Harness(Impairment impairment, long seed) {
            harnesses.add(this);
            Link recording = new Link() {
                @Override
                public void open(ClientRuntime deviceRuntime, Receiver receiver) {
                    fromGateway = receiver;
                }

                @Override
                public void send(byte[] packet) {
                    sent.add(new Arrival(ByteBuffer.wrap(packet).getInt(), clock.get()));
                }

                @Override
                public void broadcast(byte[] packet, int radius) {
                    send(packet);
                }

                @Override
                public int maxPacketSize() {
                    return 1_400;
                }

                @Override
                public void close() {
                }
            };
            link = new ImpairedLink(recording, impairment, new Random(seed), stats);
            onRuntime(() -> {
                link.open(runtime, (packet, from) -> received.add(new Arrival(ByteBuffer.wrap(packet).getInt(),
                        clock.get())));
                return null;
            });
        }

        <T> T onRuntime(java.util.concurrent.Callable<T> task) {
            CompletableFuture<T> done = new CompletableFuture<>();
            runtime.execute(() -> {
                try {
                    done.complete(task.call());
                } catch (Exception e) {
                    done.completeExceptionally(e);
                }
            });
            return done.orTimeout(10, TimeUnit.SECONDS).join();
        }

        /** Sends packets 0..count-1 towards the gateway at the current fake time. */
        void send(int count) {
            onRuntime(() -> {
                for (int i = 0; i < count; i++) {
                    link.send(ByteBuffer.allocate(4).putInt(i).array());
                }
                return null;
            });
        }

        /** Packets 0..count-1 arrive from the gateway at the current fake time. */
        void receive(int count) {
            onRuntime(() -> {
                for (int i = 0; i < count; i++) {
                    fromGateway.onPacket(ByteBuffer.allocate(4).putInt(i).array(), GATEWAY);
                }
                return null;
            });
        }

        /** Moves the fake clock and waits until the runtime has fired every timer due by then. */
        void advanceTo(long millis) {
            clock.set(millis);
            // A timer due now, scheduled after every other one due now, fires after them all.
            CompletableFuture<Void> fired = new CompletableFuture<>();
            runtime.execute(() -> runtime.schedule(millis, () -> fired.complete(null)));
            fired.orTimeout(10, TimeUnit.SECONDS).join();
        }

        long expectedCopies(int count) {
            return count - stats.dropped.get() + stats.duplicated.get();
        }
    }

    static Impairment impairment(double loss, double duplicate, double reorder, long latency, long jitter) {
        return new Impairment(loss, duplicate, reorder, latency, jitter);
    }

    static Map<Integer, Integer> copiesByNumber(List<Arrival> arrivals) {
        Map<Integer, Integer> copies = new HashMap<>();
        arrivals.forEach(a -> copies.merge(a.number(), 1, Integer::sum));
        return copies;
    }

    // ------------------------------------------------------------------ loss, duplication

    @Test
    void dropsAboutTheConfiguredShareAndNothingElse() {
        Harness h = new Harness(impairment(10, 0, 0, 0, 0), 42);
        h.send(PACKETS);
        assertThat(h.stats.dropped.get()).isBetween(1_700L, 2_300L);
        assertThat(h.stats.duplicated.get()).isZero();
        assertThat(h.stats.reordered.get()).isZero();
        // without latency, everything that is not dropped goes out at once, in order
        assertThat(h.sent).hasSize(PACKETS - (int) h.stats.dropped.get());
        assertThat(h.sent).extracting(Arrival::number).isSorted().doesNotHaveDuplicates();
        assertThat(h.sent).allSatisfy(a -> assertThat(a.at()).isEqualTo(START));
    }

    @Test
    void lossAppliesToReceivedPacketsToo() {
        Harness h = new Harness(impairment(25, 0, 0, 0, 0), 7);
        h.receive(PACKETS);
        assertThat(h.stats.dropped.get()).isBetween(4_500L, 5_500L);
        assertThat(h.received).hasSize(PACKETS - (int) h.stats.dropped.get());
        assertThat(h.sent).isEmpty();
    }

    @Test
    void duplicatesAboutTheConfiguredShareExactlyOnceEach() {
        Harness h = new Harness(impairment(0, 5, 0, 0, 0), 42);
        h.send(PACKETS);
        assertThat(h.stats.duplicated.get()).isBetween(800L, 1_200L);
        assertThat(h.stats.dropped.get()).isZero();
        Map<Integer, Integer> copies = copiesByNumber(h.sent);
        assertThat(copies).hasSize(PACKETS);
        assertThat(copies.values()).containsOnly(1, 2);
        assertThat(copies.values().stream().filter(c -> c == 2).count()).isEqualTo(h.stats.duplicated.get());
        // a duplicate follows its original directly
        for (int i = 1; i < h.sent.size(); i++) {
            assertThat(h.sent.get(i).number()).isGreaterThanOrEqualTo(h.sent.get(i - 1).number());
        }
    }

    @Test
    void lossAndDuplicationTogether() {
        Harness h = new Harness(impairment(5, 2, 0, 0, 0), 1);
        h.receive(PACKETS);
        assertThat(h.stats.dropped.get()).isBetween(800L, 1_200L);
        assertThat(h.stats.duplicated.get()).isBetween(280L, 520L);
        assertThat(h.received).hasSize((int) h.expectedCopies(PACKETS));
    }

    // ------------------------------------------------------------------ latency, reordering

    @Test
    void delaysByLatencyPlusJitter() {
        Harness h = new Harness(impairment(0, 0, 0, 50, 20), 42);
        h.send(2_000);
        assertThat(h.sent).as("nothing before the latency").isEmpty();
        h.advanceTo(START + 49);
        assertThat(h.sent).isEmpty();
        h.advanceTo(START + 60);
        int early = h.sent.size();
        h.advanceTo(START + 70);
        await().atMost(Duration.ofSeconds(5)).until(() -> h.sent.size() == 2_000);
        assertThat(h.sent).allSatisfy(a -> assertThat(a.at()).isBetween(START + 50, START + 70));
        // jitter is spread: a good part arrives in the first half of the window, but not all
        assertThat(early).isBetween(700, 1_300);
        assertThat(h.stats.reordered.get()).isZero();
    }

    @Test
    void reorderedPacketsAreOvertakenByLaterOnes() {
        Harness h = new Harness(impairment(0, 0, 20, 0, 0), 42);
        h.send(PACKETS);
        long reordered = h.stats.reordered.get();
        assertThat(reordered).isBetween(3_600L, 4_400L);
        assertThat(h.sent).as("the others go out at once").hasSize(PACKETS - (int) reordered);
        h.advanceTo(START + 100);
        await().atMost(Duration.ofSeconds(5)).until(() -> h.sent.size() == PACKETS);
        assertThat(copiesByNumber(h.sent)).hasSize(PACKETS).allSatisfy((n, c) -> assertThat(c).isEqualTo(1));
        long inversions = 0;
        for (int i = 1; i < h.sent.size(); i++) {
            if (h.sent.get(i).number() < h.sent.get(i - 1).number()) {
                inversions++;
            }
        }
        assertThat(inversions).isPositive();
        // held back packets come after every prompt one
        assertThat(h.sent.subList(PACKETS - (int) reordered, PACKETS))
                .allSatisfy(a -> assertThat(a.at()).isEqualTo(START + 100));
    }

    @Test
    void reorderingOnTopOfLatencyHoldsPacketsBackLonger() {
        Harness h = new Harness(impairment(0, 0, 10, 20, 0), 3);
        h.send(1_000);
        h.advanceTo(START + 20);
        long reordered = h.stats.reordered.get();
        assertThat(reordered).isBetween(50L, 150L);
        assertThat(h.sent).hasSize(1_000 - (int) reordered);
        h.advanceTo(START + 59);
        assertThat(h.sent).hasSize(1_000 - (int) reordered);
        h.advanceTo(START + 60); // latency 20 + 2 x 20 extra
        await().atMost(Duration.ofSeconds(5)).until(() -> h.sent.size() == 1_000);
    }

    // ------------------------------------------------------------------ reproducibility

    @Test
    void theSameSeedGivesTheSameDecisions() {
        Impairment everything = impairment(5, 2, 3, 10, 15);
        List<List<Arrival>> runs = new ArrayList<>();
        List<List<Long>> counts = new ArrayList<>();
        for (long seed : new long[] {99, 99, 100}) {
            Harness h = new Harness(everything, seed);
            h.send(5_000);
            h.receive(5_000);
            for (long t = START + 1; t <= START + 80; t++) { // 1 ms steps: arrival times are part of the run
                h.advanceTo(t);
            }
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> h.sent.size() + h.received.size() == h.expectedCopies(10_000));
            List<Arrival> all = new ArrayList<>(h.sent);
            all.add(new Arrival(-1, 0)); // separator
            all.addAll(h.received);
            runs.add(all);
            counts.add(List.of(h.stats.dropped.get(), h.stats.duplicated.get(), h.stats.reordered.get()));
        }
        assertThat(firstDifference(runs.get(1), runs.get(0))).as("same seed, same run").isEmpty();
        assertThat(counts.get(1)).isEqualTo(counts.get(0));
        assertThat(runs.get(2)).as("another seed, other decisions").isNotEqualTo(runs.get(0));
    }

    private static String firstDifference(List<Arrival> a, List<Arrival> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            if (!a.get(i).equals(b.get(i))) {
                return "at " + i + ": " + a.get(i) + " vs " + b.get(i);
            }
        }
        return a.size() == b.size() ? "" : "sizes " + a.size() + " vs " + b.size();
    }
}
