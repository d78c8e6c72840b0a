package io.sngate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sngate.codec.Bytes;
import io.sngate.gateway.transport.LinkAddress;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The two flood budgets (strict per source, generous per session), with the time passed in. */
class FloodGuardTest {

    static final int BIG = 1_000_000;

    private static LinkAddress udp(String ip, int port) {
        try {
            return new LinkAddress.Udp(new InetSocketAddress(InetAddress.getByName(ip), port));
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static LinkAddress udp(int port) {
        return udp("127.0.0.1", port);
    }

    private static LinkAddress behind(LinkAddress forwarder, int node) {
        return new LinkAddress.Forwarded(forwarder, Bytes.wrap(new byte[] {(byte) node}));
    }

    /** Asks allowNew {@code n} times at {@code now}; returns how many were allowed. */
    private static int newAllowed(FloodGuard guard, LinkAddress from, long now, int n) {
        int allowed = 0;
        for (int i = 0; i < n; i++) {
            allowed += guard.allowNew(from, now) ? 1 : 0;
        }
        return allowed;
    }

    private static int sessionAllowed(FloodGuard guard, LinkAddress session, long now, int n) {
        int allowed = 0;
        for (int i = 0; i < n; i++) {
            allowed += guard.allowSession(session, now) ? 1 : 0;
        }
        return allowed;
    }

    // ------------------------------------------------------------------ windows

    @Test
    void aSourceGetsItsBudgetPerSecondAndAFreshAllowanceTheNextSecond() {
        FloodGuard guard = new FloodGuard(3, BIG, 100);
        LinkAddress a = udp(1000);
        assertThat(List.of(guard.allowNew(a, 5_000), guard.allowNew(a, 5_100), guard.allowNew(a, 5_999),
                guard.allowNew(a, 5_999))).containsExactly(true, true, true, false);
        assertThat(guard.allowNew(a, 6_000)).isTrue();
        assertThat(newAllowed(guard, a, 6_500, 5)).isEqualTo(2);
        // a silent second in between changes nothing: the window after is fresh too
        assertThat(newAllowed(guard, a, 9_000, 5)).isEqualTo(3);
    }

    @Test
    void aSessionGetsItsBudgetPerSecondAndAFreshAllowanceTheNextSecond() {
        FloodGuard guard = new FloodGuard(1, 3, 100);
        LinkAddress s = udp(1000);
        assertThat(List.of(guard.allowSession(s, 5_000), guard.allowSession(s, 5_100), guard.allowSession(s, 5_999),
                guard.allowSession(s, 5_999))).containsExactly(true, true, true, false);
        assertThat(guard.allowSession(s, 6_000)).isTrue();
    }

    @Test
    void windowsOfPastSecondsAreForgottenByPacketsAndByTheHousekeeping() {
        FloodGuard guard = new FloodGuard(10, BIG, 100);
        for (int port = 1000; port < 1010; port++) {
            guard.allowNew(udp(port), 5_000);
            guard.allowSession(udp(port), 5_000);
        }
        assertThat(guard.tracked()).as("one source (one IP), ten sessions").isEqualTo(11);
        guard.forgetStale(5_999); // the same second: all live
        assertThat(guard.tracked()).isEqualTo(11);

        guard.allowSession(udp(2000), 6_000); // a packet forgets a stale window on its way
        assertThat(guard.tracked()).isEqualTo(11);
        guard.forgetStale(6_001);
        assertThat(guard.tracked()).as("only the window of this second is left").isEqualTo(1);

        // and a forgotten window was lossless: the budget is whole again
        assertThat(newAllowed(guard, udp(1000), 7_000, 12)).isEqualTo(10);
    }

    @Test
    void aRefusedPacketDoesNotUseUpTheNextSecond() {
        FloodGuard guard = new FloodGuard(2, 2, 100);
        LinkAddress a = udp(1000);
        assertThat(newAllowed(guard, a, 0, 1_000)).isEqualTo(2);
        assertThat(sessionAllowed(guard, a, 0, 1_000)).isEqualTo(2);
        assertThat(newAllowed(guard, a, 1_000, 1_000)).isEqualTo(2);
        assertThat(sessionAllowed(guard, a, 1_000, 1_000)).isEqualTo(2);
    }

    // ------------------------------------------------------------------ the strict budget's keys

    @Test
    void theStrictBudgetIsPerIpWhateverThePort() {
        FloodGuard guard = new FloodGuard(10, BIG, 100);
        int allowed = 0;
        for (int port = 40_000; port < 40_016; port++) {
            allowed += newAllowed(guard, udp(port), 0, 5);
        }
        assertThat(allowed).as("16 ports of one host share 10 a second").isEqualTo(10);
        assertThat(guard.trackedSources()).isEqualTo(1);
        assertThat(newAllowed(guard, udp("127.0.0.2", 40_000), 0, 20)).as("another IP").isEqualTo(10);
    }

    @Test
    void ipv6AddressesOfOneSlash64ShareABudget() {
        FloodGuard guard = new FloodGuard(4, BIG, 100);
        assertThat(newAllowed(guard, udp("2001:db8:1:2::1", 1), 0, 2)).isEqualTo(2);
        assertThat(newAllowed(guard, udp("2001:db8:1:2:ffff:ffff:ffff:ffff", 2), 0, 3)).isEqualTo(2);
        assertThat(newAllowed(guard, udp("2001:db8:1:3::1", 1), 0, 10)).as("the next /64").isEqualTo(4);
        assertThat(FloodGuard.sourceKey(udp("2001:db8:1:2::1", 1)))
                .isEqualTo(FloodGuard.sourceKey(udp("2001:db8:1:2:a:b:c:d", 9)))
                .isNotEqualTo(FloodGuard.sourceKey(udp("2001:db8:1:3::1", 1)));
    }

    @Test
    void anIpv4MappedIpv6AddressCountsAsItsIpv4Address() throws Exception {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        mapped[12] = (byte) 192;
        mapped[14] = 2;
        mapped[15] = 1;
        // as a dual-stack socket may report it: an Inet6Address holding ::ffff:192.0.2.1
        InetAddress v6 = Inet6Address.getByAddress(null, mapped, -1);
        assertThat(v6).isInstanceOf(Inet6Address.class);
        LinkAddress viaV6 = new LinkAddress.Udp(new InetSocketAddress(v6, 1000));
        LinkAddress viaV4 = udp("192.0.2.1", 2000);
        assertThat(FloodGuard.sourceKey(viaV6)).isEqualTo(FloodGuard.sourceKey(viaV4));
        assertThat(FloodGuard.sourceKey(viaV6)).hasToString("192.0.2.1");

        FloodGuard guard = new FloodGuard(3, BIG, 100);
        assertThat(newAllowed(guard, viaV6, 0, 2)).isEqualTo(2);
        assertThat(newAllowed(guard, viaV4, 0, 5)).isEqualTo(1);
    }

    @Test
    void devicesBehindAForwarderCountAsTheForwardersSource() {
        LinkAddress forwarder = udp("198.51.100.7", 5000);
        assertThat(FloodGuard.sourceKey(behind(forwarder, 1))).isEqualTo(FloodGuard.sourceKey(forwarder))
                .isEqualTo(FloodGuard.sourceKey(behind(udp("198.51.100.7", 6000), 2)))
                .hasToString("198.51.100.7");
        FloodGuard guard = new FloodGuard(5, BIG, 100);
        int allowed = 0;
        for (int node = 0; node < 10; node++) {
            allowed += newAllowed(guard, behind(forwarder, node), 0, 1);
        }
        assertThat(allowed).as("ten devices CONNECTing through one forwarder").isEqualTo(5);
        assertThat(guard.allowNew(forwarder, 0)).as("the forwarder itself").isFalse();
    }

    @Test
    void aSerialLineOrRadioPeerIsASourceOfItsOwn() {
        LinkAddress line = new LinkAddress.Serial("/dev/ttyUSB0");
        LinkAddress radioPeer = new LinkAddress.XBee("radio", 0x0013A20041234567L);
        assertThat(FloodGuard.sourceKey(line)).hasToString("serial:/dev/ttyUSB0");
        assertThat(FloodGuard.sourceKey(radioPeer)).hasToString("xbee:radio/0013A20041234567");
        assertThat(FloodGuard.sourceKey(behind(line, 3))).isEqualTo(FloodGuard.sourceKey(line));
        assertThat(FloodGuard.sourceKey(new LinkAddress.XBee("radio", 1L)))
                .isNotEqualTo(FloodGuard.sourceKey(radioPeer));

        FloodGuard guard = new FloodGuard(1, BIG, 100);
        assertThat(guard.allowNew(udp(1), 0)).isTrue();
        assertThat(guard.allowNew(udp(2), 1)).isFalse();
        assertThat(guard.allowNew(radioPeer, 1)).isTrue();
        assertThat(guard.allowNew(new LinkAddress.XBee("radio", 1L), 1)).isTrue();
        assertThat(guard.allowNew(line, 1)).isTrue();
        assertThat(guard.allowNew(line, 2)).isFalse();
    }

    @Test
    void sourceKeysReadAsTheAddressOrNetworkTheyStandFor() {
        assertThat(FloodGuard.sourceKey(udp("192.0.2.1", 1883))).hasToString("192.0.2.1");
        assertThat(FloodGuard.sourceKey(udp("255.254.0.10", 1))).hasToString("255.254.0.10");
        assertThat(FloodGuard.sourceKey(udp("2001:db8:1:2::1", 1883))).hasToString("2001:db8:1:2::/64");
        assertThat(FloodGuard.sourceKey(udp("2001:db8::42", 1))).hasToString("2001:db8::/64");
        assertThat(FloodGuard.sourceKey(udp("fe80::1", 1))).hasToString("fe80::/64");
        assertThat(FloodGuard.sourceKey(udp("::1", 1))).hasToString("::/64");
        assertThat(FloodGuard.sourceKey(udp("2001:0:0:ABCD::1", 1))).hasToString("2001:0:0:abcd::/64");
    }

    // ------------------------------------------------------------------ the session budget

    @Test
    void eachSessionHasItsOwnBudgetEvenBehindOneAddressOrForwarder() {
        FloodGuard guard = new FloodGuard(1, 100, 1000);
        LinkAddress forwarder = udp("198.51.100.7", 5000);
        for (int node = 0; node < 20; node++) {
            assertThat(sessionAllowed(guard, behind(forwarder, node), 0, 150)).as("device %s", node).isEqualTo(100);
        }
        for (int port = 40_000; port < 40_020; port++) {
            assertThat(sessionAllowed(guard, udp(port), 0, 150)).as("port %s", port).isEqualTo(100);
        }
        assertThat(guard.trackedSessions()).isEqualTo(40);
    }

    @Test
    void theTwoBudgetsAreIndependent() {
        FloodGuard guard = new FloodGuard(2, 5, 100);
        LinkAddress device = udp(1000);
        // the session's traffic does not use up its source's strict budget ...
        assertThat(sessionAllowed(guard, device, 0, 10)).isEqualTo(5);
        assertThat(newAllowed(guard, device, 0, 10)).isEqualTo(2);
        // ... and a flood of new-state packets from its IP (other ports) does not stall the session
        LinkAddress other = udp(1001);
        assertThat(newAllowed(guard, other, 1_000, 10_000)).isEqualTo(2);
        assertThat(sessionAllowed(guard, device, 1_000, 10)).isEqualTo(5);
        assertThat(newAllowed(guard, device, 1_000, 10)).as("the IP's strict budget is spent").isZero();
    }

    // ------------------------------------------------------------------ bounds

    @Test
    void theStrictBudgetStaysBoundedForgettingStaleSourcesAndRefusingWhenAllAreLive() {
        FloodGuard guard = new FloodGuard(10, 10, 4);
        for (int host = 1; host <= 4; host++) {
            assertThat(guard.allowNew(udp("10.0.0." + host, 1), 1_000)).isTrue();
        }
        assertThat(guard.trackedSources()).isEqualTo(4);
        // a new second: the oldest window is stale and makes room, one per new source
        assertThat(guard.allowNew(udp("10.0.0.5", 1), 2_000)).isTrue();
        assertThat(guard.trackedSources()).isEqualTo(4);
        for (int host = 6; host <= 8; host++) {
            assertThat(guard.allowNew(udp("10.0.0." + host, 1), 2_000)).isTrue();
        }
        assertThat(guard.trackedSources()).isEqualTo(4);
        // four sources live this second: a fifth is refused rather than let through untracked
        assertThat(guard.allowNew(udp("10.0.0.9", 1), 2_500)).isFalse();
        assertThat(guard.trackedSources()).isEqualTo(4);
        // the tracked ones keep their budget
        assertThat(newAllowed(guard, udp("10.0.0.5", 7), 2_500, 20)).isEqualTo(9);
        // and the next second there is room again
        assertThat(guard.allowNew(udp("10.0.0.9", 1), 3_000)).isTrue();
        assertThat(guard.trackedSources()).isEqualTo(4);
    }

    @Test
    void aRecentlyActiveSourceIsKeptWhileAnIdleOneIsForgotten() {
        FloodGuard guard = new FloodGuard(2, 10, 2);
        LinkAddress busy = udp("10.0.0.1", 1);
        LinkAddress idle = udp("10.0.0.2", 1);
        assertThat(newAllowed(guard, busy, 1_000, 1)).isEqualTo(1);
        assertThat(newAllowed(guard, idle, 1_000, 1)).isEqualTo(1);
        assertThat(newAllowed(guard, busy, 2_000, 2)).isEqualTo(2); // busy is now the most recent
        // a newcomer takes the idle source's place (least recently counted, stale), not the busy one's
        assertThat(guard.allowNew(udp("10.0.0.3", 1), 2_000)).isTrue();
        assertThat(guard.allowNew(busy, 2_000)).as("busy keeps its spent window").isFalse();
    }

    @Test
    void theSessionBudgetStaysBoundedAndLetsSessionsThroughWhenAllAreLive() {
        FloodGuard guard = new FloodGuard(10, 2, 4);
        for (int port = 1; port <= 4; port++) {
            guard.allowSession(udp(port), 1_000);
        }
        assertThat(guard.trackedSessions()).isEqualTo(4);
        assertThat(guard.allowSession(udp(5), 2_000)).isTrue();
        assertThat(guard.trackedSessions()).isEqualTo(4);
        for (int port = 6; port <= 8; port++) {
            guard.allowSession(udp(port), 2_000);
        }
        // more live sessions than tracked: an established session's packets pass, uncounted
        assertThat(sessionAllowed(guard, udp(9), 2_000, 5)).isEqualTo(5);
        assertThat(guard.trackedSessions()).isEqualTo(4);
        assertThat(guard.tracked()).isEqualTo(4);
        // the tracked sessions keep their budget
        assertThat(sessionAllowed(guard, udp(5), 2_000, 5)).isEqualTo(1);
    }

    @Test
    void eachBudgetHasItsOwnBound() {
        FloodGuard guard = new FloodGuard(10, 10, 3);
        for (int port = 1; port <= 3; port++) {
            assertThat(guard.allowSession(udp(port), 0)).isTrue();
        }
        // the session map is full; new-state packets are tracked apart
        assertThat(guard.allowNew(udp("10.0.0.1", 1), 0)).isTrue();
        assertThat(guard.allowNew(udp("10.0.0.2", 1), 0)).isTrue();
        assertThat(guard.trackedSources()).isEqualTo(2);
        assertThat(guard.trackedSessions()).isEqualTo(3);
        assertThat(guard.tracked()).isEqualTo(5);
    }

    @Test
    void budgetsAndBoundMustBePositive() {
        assertThatThrownBy(() -> new FloodGuard(0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FloodGuard(1, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FloodGuard(1, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------------ threads

    @Test
    void readersOfSeveralTransportsMayShareIt() throws Exception {
        FloodGuard guard = new FloodGuard(BIG, BIG, 10_000);
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
                    LinkAddress a = udp(base + i % 500);
                    if (guard.allowSession(a, 0)) {
                        allowed.incrementAndGet();
                    }
                    if (guard.allowNew(a, 0)) {
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
        assertThat(allowed.get()).isEqualTo(160_000);
        assertThat(guard.trackedSessions()).isEqualTo(2_000);
        assertThat(guard.trackedSources()).as("all on 127.0.0.1").isEqualTo(1);
    }

    @Test
    void sharedByThreadsTheBudgetIsExact() throws Exception {
        FloodGuard guard = new FloodGuard(1_000, 1_000, 100);
        AtomicInteger allowed = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            int port = 40_000 + r;
            Thread t = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 5_000; i++) {
                    if (guard.allowNew(udp(port), 0)) {
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
        assertThat(allowed.get()).as("four ports of one IP, 20 000 asks in one second").isEqualTo(1_000);
    }
}
