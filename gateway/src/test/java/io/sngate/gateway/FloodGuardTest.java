package io.sngate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.gateway.transport.LinkAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The per-address rate limit, with the time passed in. */
class FloodGuardTest {

    private static LinkAddress udp(int port) {
        return new LinkAddress.Udp(new InetSocketAddress("127.0.0.1", port));
    }

    @Test
    void anAddressGetsItsRatePerSecondAndAFreshAllowanceTheNextSecond() {
        FloodGuard guard = new FloodGuard(3, 100);
        LinkAddress a = udp(1000);
        assertThat(List.of(guard.allow(a, 5_000), guard.allow(a, 5_100), guard.allow(a, 5_999), guard.allow(a, 5_999)))
                .containsExactly(true, true, true, false);
        assertThat(guard.allow(a, 6_000)).isTrue();
    }

    @Test
    void addressesAreCountedApart() {
        FloodGuard guard = new FloodGuard(1, 100);
        assertThat(guard.allow(udp(1), 0)).isTrue();
        assertThat(guard.allow(udp(1), 1)).isFalse();
        assertThat(guard.allow(new LinkAddress.XBee("radio", 1L), 1)).isTrue();
        assertThat(guard.allow(new LinkAddress.Serial("line"), 1)).isTrue();
    }

    @Test
    void itStaysBoundedForgettingAddressesNotHeardThisSecond() {
        FloodGuard guard = new FloodGuard(10, 4);
        for (int port = 1; port <= 4; port++) {
            guard.allow(udp(port), 1_000);
        }
        assertThat(guard.tracked()).isEqualTo(4);
        // a new second: the four are stale and make room
        assertThat(guard.allow(udp(5), 2_000)).isTrue();
        assertThat(guard.tracked()).isEqualTo(1);
        // more live addresses than tracked: let through rather than grow
        for (int port = 6; port <= 8; port++) {
            guard.allow(udp(port), 2_000);
        }
        assertThat(guard.allow(udp(9), 2_000)).isTrue();
        assertThat(guard.tracked()).isEqualTo(4);
    }

    @Test
    void readersOfSeveralTransportsMayShareIt() throws Exception {
        FloodGuard guard = new FloodGuard(1_000_000, 10_000);
        AtomicInteger allowed = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            int base = r * 1_000;
            Thread t = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 20_000; i++) {
                    if (guard.allow(udp(base + i % 500), 0)) {
                        allowed.incrementAndGet();
                    }
                }
            });
            t.start();
            readers.add(t);
        }
        go.countDown();
        for (Thread t : readers) {
            t.join();
        }
        assertThat(allowed.get()).isEqualTo(80_000);
        assertThat(guard.tracked()).isEqualTo(2_000);
    }
}
