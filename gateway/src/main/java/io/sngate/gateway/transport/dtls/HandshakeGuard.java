package io.sngate.gateway.transport.dtls;

import io.sngate.gateway.Metrics;
import io.sngate.gateway.WarnLimiter;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DtlsDatagramFilter;
import org.eclipse.californium.scandium.dtls.Connection;
import org.eclipse.californium.scandium.dtls.Record;

/**
 * Bounds the handshakes one source IP may start per second ({@code
 * dtls.max-handshakes-per-second-per-ip}) before Scandium does any work for them, and counts
 * records that fail to decrypt.
 *
 * <p>Only ClientHellos that carry a cookie count: a ClientHello without one costs the gateway a
 * HelloVerifyRequest of about its own size and nothing else, and with a forged source it can
 * never come back with the cookie. A ClientHello with a cookie comes from a host that receives
 * at its address, and is the one that makes the gateway compute (ECDHE, signatures).
 */
final class HandshakeGuard extends DtlsDatagramFilter {

    private static final int CONTENT_HANDSHAKE = 22;
    private static final int CLIENT_HELLO = 1;
    private static final int RECORD_HEADER = 13;
    private static final int HANDSHAKE_HEADER = 12;
    /** client_version (2) and random (32) come before the session id. */
    private static final int SESSION_ID_AT = RECORD_HEADER + HANDSHAKE_HEADER + 2 + 32;
    /** Sources remembered at most; beyond, windows of past seconds are forgotten first. */
    static final int MAX_SOURCES = 65_536;

    private final int perSecond;
    private final LongSupplier millis;
    private final Metrics metrics;
    private final WarnLimiter warnings;
    /** Per source: {second, handshakes started in it}; guarded by this. */
    private final Map<InetAddress, long[]> windows = new HashMap<>();

    HandshakeGuard(Configuration config, int perSecond, LongSupplier millis, Metrics metrics, WarnLimiter warnings) {
        super(config);
        this.perSecond = perSecond;
        this.millis = millis;
        this.metrics = metrics;
        this.warnings = warnings;
    }

    @Override
    public boolean onReceiving(DatagramPacket packet) {
        if (!super.onReceiving(packet)) {
            return false;
        }
        if (!isClientHelloWithCookie(packet.getData(), packet.getOffset(), packet.getLength())) {
            return true;
        }
        InetAddress source = packet.getAddress();
        if (allow(sourceOf(source), millis.getAsLong() / 1000)) {
            return true;
        }
        metrics.count(Metrics.DTLS_HANDSHAKE_RATE_LIMITED);
        warnings.warn(Metrics.DTLS_HANDSHAKE_RATE_LIMITED, () -> "DTLS handshakes from " + source.getHostAddress()
                + " beyond " + perSecond + "/s dropped (dtls.max-handshakes-per-second-per-ip; "
                + Metrics.DTLS_HANDSHAKE_RATE_LIMITED + ")");
        return false;
    }

    @Override
    public boolean onMacError(Record record, Connection connection) {
        metrics.count(Metrics.DTLS_MAC_ERRORS);
        warnings.warn(Metrics.DTLS_MAC_ERRORS, () -> "a DTLS record from " + record.getPeerAddress()
                + " did not decrypt and was dropped: a device with a wrong pre-shared key, or a forged record ("
                + Metrics.DTLS_MAC_ERRORS + ")");
        return super.onMacError(record, connection);
    }

    synchronized boolean allow(InetAddress source, long second) {
        long[] window = windows.get(source);
        if (window == null) {
            if (windows.size() >= MAX_SOURCES) {
                forgetBefore(second);
                if (windows.size() >= MAX_SOURCES) {
                    return false; // as many sources as that within one second: a flood
                }
            }
            window = new long[] {second, 0};
            windows.put(source, window);
        } else if (window[0] != second) {
            window[0] = second;
            window[1] = 0;
        }
        if (window[1] >= perSecond) {
            return false;
        }
        window[1]++;
        return true;
    }

    /**
     * The source a budget belongs to: an IPv4 address, or an IPv6 address's /64 (what one host
     * or one site gets, as the flood guard counts it): otherwise a host with a /64 would have
     * a budget per address it can pick.
     */
    static InetAddress sourceOf(InetAddress address) {
        if (!(address instanceof java.net.Inet6Address)) {
            return address;
        }
        byte[] prefix = java.util.Arrays.copyOf(address.getAddress(), 16);
        java.util.Arrays.fill(prefix, 8, 16, (byte) 0);
        try {
            return InetAddress.getByAddress(prefix);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException("16 bytes are always an IPv6 address", e);
        }
    }

    /** Forgets the windows of seconds before {@code second}: they decide nothing any more. */
    synchronized void forgetBefore(long second) {
        for (Iterator<long[]> it = windows.values().iterator(); it.hasNext(); ) {
            if (it.next()[0] < second) {
                it.remove();
            }
        }
    }

    synchronized int sourcesRemembered() {
        return windows.size();
    }

    /** True for a DTLS record holding the start of a ClientHello whose cookie is not empty. */
    static boolean isClientHelloWithCookie(byte[] data, int offset, int length) {
        if (length < SESSION_ID_AT + 2 || (data[offset] & 0xFF) != CONTENT_HANDSHAKE) {
            return false;
        }
        int epoch = ((data[offset + 3] & 0xFF) << 8) | (data[offset + 4] & 0xFF);
        if (epoch != 0 || (data[offset + RECORD_HEADER] & 0xFF) != CLIENT_HELLO) {
            return false;
        }
        int sessionIdLength = data[offset + SESSION_ID_AT] & 0xFF;
        int cookieAt = SESSION_ID_AT + 1 + sessionIdLength;
        return cookieAt < length && (data[offset + cookieAt] & 0xFF) > 0;
    }
}
