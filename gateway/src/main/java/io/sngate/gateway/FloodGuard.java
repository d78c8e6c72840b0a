package io.sngate.gateway;

import io.sngate.gateway.transport.LinkAddress;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The flood guard's two budgets, counted in one-second windows with the time passed in.
 *
 * <ul>
 *   <li><b>Strict</b> ({@link #allowNew}): packets that create state or cost an answer without a
 *       session (CONNECT, SEARCHGW, QoS -1 PUBLISH, PINGREQ with a client id, anything from an
 *       address that holds no session), per <em>source</em> ({@link #sourceKey}): one budget per
 *       IPv4 address or IPv6 /64, whatever the port, so opening more sockets (or spoofing more
 *       ports) buys nothing, and a forwarder counts as its own source for every device behind it.
 *   <li><b>Generous</b> ({@link #allowSession}): packets of an established session, per session
 *       address (the exact UDP socket, or the {@link LinkAddress.Forwarded} address of a device
 *       behind a forwarder), so busy devices behind one address or one forwarder do not share,
 *       and do not eat into the strict budget of their source.
 * </ul>
 *
 * <p>Why one-second windows and not a token bucket: a window is two numbers, needs no
 * fractional refill arithmetic, is exact to test with an injected clock, and a window from an
 * earlier second carries no information, so forgetting it is lossless. The price is that a
 * sender can get up to twice its budget across a window boundary, which is within what a flood
 * guard is for (keeping a flood to the order of the budget, not shaping traffic).
 *
 * <p>Bounded memory: each budget tracks at most {@code maxTracked} keys. The windows are kept in
 * least-recently-used order, so making room costs O(1) per packet even under a flood of fresh
 * keys: the oldest window is forgotten when it is from an earlier second (stale). When the oldest
 * is from the current second, so are all the others, and every tracked key is live; then:
 * <ul>
 *   <li>the strict budget <em>refuses</em>: more distinct sources creating state within one second
 *       than the gateway tracks is itself a flood (typically spoofed sources), and letting their
 *       packets through untracked would switch the guard off exactly when it is needed. Devices
 *       retry CONNECT and SEARCHGW, so a legitimate one refused this second gets in the next;
 *   <li>the session budget <em>lets through</em>: its keys are addresses that hold a session,
 *       so there are no more of them than sessions (bounded by limits.max-clients, which
 *       {@code maxTracked} should cover); refusing would break established sessions for a
 *       bookkeeping limit, while what they may cost is already bounded by the session count.
 * </ul>
 *
 * <p>Shared by the transports' reading threads (the UDP loop, each serial line's and radio's
 * reader), hence synchronized: the lock is uncontended on a gateway with UDP only. Counting
 * the drops is the caller's job.
 */
final class FloodGuard {

    private final Windows<SourceKey> sources;
    private final Windows<LinkAddress> sessions;

    /**
     * @param newPerSecondPerIp strict budget: state-creating packets per second per source
     * @param sessionPerSecond  generous budget: packets per second per established session
     * @param maxTracked        keys each budget tracks at most
     */
    FloodGuard(int newPerSecondPerIp, int sessionPerSecond, int maxTracked) {
        if (newPerSecondPerIp < 1 || sessionPerSecond < 1 || maxTracked < 1) {
            throw new IllegalArgumentException("budgets and maxTracked must be at least 1");
        }
        this.sources = new Windows<>(newPerSecondPerIp, maxTracked);
        this.sessions = new Windows<>(sessionPerSecond, maxTracked);
    }

    /**
     * True when a state-creating packet from {@code from} at {@code nowMillis} is within the
     * strict budget of its source ({@link #sourceKey}). False beyond it, and when more sources
     * are live this second than tracked.
     */
    synchronized boolean allowNew(LinkAddress from, long nowMillis) {
        return switch (sources.admit(sourceKey(from), Math.floorDiv(nowMillis, 1000))) {
            case WITHIN -> true;
            case OVER, UNTRACKED -> false;
        };
    }

    /**
     * True when a packet of the session at {@code session} at {@code nowMillis} is within that
     * session's budget. Also true when more sessions are live this second than tracked.
     */
    synchronized boolean allowSession(LinkAddress session, long nowMillis) {
        return switch (sessions.admit(session, Math.floorDiv(nowMillis, 1000))) {
            case WITHIN, UNTRACKED -> true;
            case OVER -> false;
        };
    }

    /**
     * Forgets the windows of past seconds. Packets do this a little at a time; an idle gateway
     * (its devices asleep or quiet) gets its memory back when this runs (every minute).
     */
    synchronized void forgetStale(long nowMillis) {
        long second = Math.floorDiv(nowMillis, 1000);
        sources.forgetStale(second);
        sessions.forgetStale(second);
    }

    /** Keys tracked by both budgets together. */
    synchronized int tracked() {
        return sources.size() + sessions.size();
    }

    synchronized int trackedSources() {
        return sources.size();
    }

    synchronized int trackedSessions() {
        return sessions.size();
    }

    // ------------------------------------------------------------------ source keys

    /**
     * Who sent a packet, as far as the strict budget (and the per-IP session cap) is concerned:
     * on UDP the IP, whatever the port (an IPv4-mapped IPv6 address as its IPv4 address; other
     * IPv6 addresses by their /64, the block one host or one site gets); behind a forwarder, the
     * forwarder's source; on a serial line or radio, the link address itself (a physical line or
     * radio is one source).
     */
    static SourceKey sourceKey(LinkAddress address) {
        if (address instanceof LinkAddress.Forwarded forwarded) {
            return sourceKey(forwarded.forwarder());
        }
        if (address instanceof LinkAddress.Udp udp && udp.socket().getAddress() != null) {
            return SourceKey.of(udp.socket().getAddress());
        }
        return new SourceKey.Link(address);
    }

    /** A source of packets: an IPv4 address, an IPv6 /64, or a serial line or radio peer. */
    public sealed interface SourceKey {

        static SourceKey of(InetAddress ip) {
            byte[] b = ip.getAddress();
            if (ip instanceof Inet4Address) {
                return new Ipv4(ipv4(b, 0));
            }
            if (ip instanceof Inet6Address && isIpv4Mapped(b)) {
                return new Ipv4(ipv4(b, 12));
            }
            long prefix = 0;
            for (int i = 0; i < 8; i++) {
                prefix = prefix << 8 | (b[i] & 0xFF);
            }
            return new Ipv6Net(prefix);
        }

        private static int ipv4(byte[] b, int at) {
            return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | b[at + 3] & 0xFF;
        }

        private static boolean isIpv4Mapped(byte[] b) {
            for (int i = 0; i < 10; i++) {
                if (b[i] != 0) {
                    return false;
                }
            }
            return b[10] == (byte) 0xFF && b[11] == (byte) 0xFF;
        }

        /** An IPv4 address, e.g. {@code 192.0.2.1}. */
        record Ipv4(int address) implements SourceKey {
            @Override
            public String toString() {
                return (address >>> 24) + "." + (address >>> 16 & 0xFF) + "." + (address >>> 8 & 0xFF) + "."
                        + (address & 0xFF);
            }
        }

        /** The first 64 bits of an IPv6 address, e.g. {@code 2001:db8:1:2::/64}. */
        record Ipv6Net(long prefix) implements SourceKey {
            @Override
            public String toString() {
                int[] groups = new int[8];
                for (int i = 0; i < 4; i++) {
                    groups[i] = (int) (prefix >>> (48 - 16 * i)) & 0xFFFF;
                }
                return compressed(groups) + "/64";
            }

            /** RFC 5952: lower-case hex, the longest run of two or more zero groups (the first) as "::". */
            private static String compressed(int[] groups) {
                int bestStart = -1;
                int bestLength = 1;
                for (int i = 0; i < groups.length; ) {
                    if (groups[i] != 0) {
                        i++;
                        continue;
                    }
                    int j = i;
                    while (j < groups.length && groups[j] == 0) {
                        j++;
                    }
                    if (j - i > bestLength) {
                        bestStart = i;
                        bestLength = j - i;
                    }
                    i = j;
                }
                StringBuilder text = new StringBuilder();
                for (int i = 0; i < groups.length; i++) {
                    if (i == bestStart) {
                        text.append("::");
                        i += bestLength - 1;
                        continue;
                    }
                    if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                        text.append(':');
                    }
                    text.append(Integer.toHexString(groups[i]));
                }
                return text.toString();
            }
        }

        /** A serial line or radio peer: a physical link is one source. */
        record Link(LinkAddress address) implements SourceKey {
            @Override
            public String toString() {
                return address.toString();
            }
        }
    }

    // ------------------------------------------------------------------ windows

    private enum Verdict { WITHIN, OVER, UNTRACKED }

    /** One budget: a count per key in the current second, at most {@code maxTracked} keys. */
    private static final class Windows<K> {

        private final int budget;
        private final int maxTracked;
        /** Access order: the least recently counted key first. */
        private final LinkedHashMap<K, Window> windows = new LinkedHashMap<>(16, 0.75f, true);

        Windows(int budget, int maxTracked) {
            this.budget = budget;
            this.maxTracked = maxTracked;
        }

        Verdict admit(K key, long second) {
            // A little cleaning with each packet: windows of past seconds carry nothing.
            forgetOldestIfStale(second);
            Window window = windows.get(key);
            if (window == null) {
                if (windows.size() >= maxTracked && !forgetOldestIfStale(second)) {
                    return Verdict.UNTRACKED;
                }
                window = new Window();
                window.second = second;
                windows.put(key, window);
            } else if (window.second != second) {
                window.second = second;
                window.count = 0;
            }
            if (window.count >= budget) {
                return Verdict.OVER;
            }
            window.count++;
            return Verdict.WITHIN;
        }

        /**
         * Forgets the least recently counted key when its window is from another second. In
         * access order the rest were counted no earlier, so when the oldest is live, all are.
         */
        private boolean forgetOldestIfStale(long second) {
            Iterator<Window> oldest = windows.values().iterator();
            if (oldest.hasNext() && oldest.next().second != second) {
                oldest.remove();
                return true;
            }
            return false;
        }

        /** Forgets every window of a past second (they are all ahead of the live ones in access order). */
        void forgetStale(long second) {
            while (forgetOldestIfStale(second)) {
                // next
            }
        }

        int size() {
            return windows.size();
        }
    }

    private static final class Window {
        long second;
        int count;
    }
}
