package io.sngate.gateway.transport.dtls;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.gateway.Metrics;
import io.sngate.gateway.WarnLimiter;
import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.SystemConfig;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.junit.jupiter.api.Test;

/**
 * {@link HandshakeGuard}: which datagrams count as a handshake (a ClientHello that carries a
 * cookie) and the per-source budget of them per second, on hand-built DTLS 1.2 records.
 */
class HandshakeGuardTest {

    private static final int HANDSHAKE = 22;
    private static final int APPLICATION_DATA = 23;
    private static final int CLIENT_HELLO = 1;
    private static final int HELLO_VERIFY_REQUEST = 3;
    /** Record header 13, handshake header 12, client_version 2, random 32. */
    private static final int SESSION_ID_LENGTH_AT = 59;

    private static final byte[] COOKIE = filled(32, 0x5C);
    /** Non-zero bytes: a parser that skipped the session id would read one of them as the cookie length. */
    private static final byte[] SESSION_ID = filled(32, 0xA7);

    private final Metrics metrics = new Metrics();
    private long now = 1_000_000L;

    private HandshakeGuard guard(int perSecond) {
        Configuration config = new Configuration(SystemConfig.DEFINITIONS, UdpConfig.DEFINITIONS, DtlsConfig.DEFINITIONS);
        return new HandshakeGuard(config, perSecond, () -> now, metrics, new WarnLimiter(10_000, () -> now));
    }

    // ================================================================== which records count

    @Test
    void aClientHelloWithAnEmptyCookieDoesNotCount() {
        byte[] record = record(HANDSHAKE, 0, CLIENT_HELLO, new byte[0], new byte[0]);
        assertThat(HandshakeGuard.isClientHelloWithCookie(record, 0, record.length)).isFalse();
    }

    @Test
    void aClientHelloWithACookieCounts() {
        byte[] record = record(HANDSHAKE, 0, CLIENT_HELLO, new byte[0], COOKIE);
        assertThat(HandshakeGuard.isClientHelloWithCookie(record, 0, record.length)).isTrue();
    }

    @Test
    void theCookieIsFoundPastASessionId() {
        byte[] withoutCookie = record(HANDSHAKE, 0, CLIENT_HELLO, SESSION_ID, new byte[0]);
        byte[] withCookie = record(HANDSHAKE, 0, CLIENT_HELLO, SESSION_ID, COOKIE);

        assertThat(HandshakeGuard.isClientHelloWithCookie(withoutCookie, 0, withoutCookie.length)).isFalse();
        assertThat(HandshakeGuard.isClientHelloWithCookie(withCookie, 0, withCookie.length)).isTrue();
    }

    @Test
    void aRecordOfALaterEpochDoesNotCount() {
        // A renegotiation inside an established session is encrypted: its bytes are no ClientHello to read.
        byte[] record = record(HANDSHAKE, 1, CLIENT_HELLO, new byte[0], COOKIE);
        assertThat(HandshakeGuard.isClientHelloWithCookie(record, 0, record.length)).isFalse();
    }

    @Test
    void otherRecordsAndOtherHandshakeMessagesDoNotCount() {
        byte[] applicationData = record(APPLICATION_DATA, 0, CLIENT_HELLO, new byte[0], COOKIE);
        byte[] helloVerifyRequest = record(HANDSHAKE, 0, HELLO_VERIFY_REQUEST, new byte[0], COOKIE);

        assertThat(HandshakeGuard.isClientHelloWithCookie(applicationData, 0, applicationData.length)).isFalse();
        assertThat(HandshakeGuard.isClientHelloWithCookie(helloVerifyRequest, 0, helloVerifyRequest.length)).isFalse();
    }

    @Test
    void aRecordInsideALargerBufferIsReadAtItsOffset() {
        byte[] record = record(HANDSHAKE, 0, CLIENT_HELLO, SESSION_ID, COOKIE);
        byte[] buffer = new byte[record.length + 100];
        Arrays.fill(buffer, (byte) HANDSHAKE);
        System.arraycopy(record, 0, buffer, 40, record.length);

        assertThat(HandshakeGuard.isClientHelloWithCookie(buffer, 40, record.length)).isTrue();
        byte[] empty = record(HANDSHAKE, 0, CLIENT_HELLO, SESSION_ID, new byte[0]);
        System.arraycopy(empty, 0, buffer, 40, empty.length);
        assertThat(HandshakeGuard.isClientHelloWithCookie(buffer, 40, empty.length)).isFalse();
    }

    @Test
    void truncatedRecordsNeverThrowAndCountOnlyWhenTheCookieLengthIsThere() {
        for (byte[] sessionId : new byte[][] {new byte[0], SESSION_ID}) {
            byte[] record = record(HANDSHAKE, 0, CLIENT_HELLO, sessionId, COOKIE);
            int cookieLengthAt = SESSION_ID_LENGTH_AT + 1 + sessionId.length;
            // The whole record stays in the array: only the length says where the datagram ends.
            for (int length = 0; length <= record.length; length++) {
                assertThat(HandshakeGuard.isClientHelloWithCookie(record, 0, length))
                        .as("session id of %d bytes, datagram cut to %d bytes", sessionId.length, length)
                        .isEqualTo(length > cookieLengthAt);
            }
        }
    }

    @Test
    void aSessionIdLengthPointingPastTheDatagramDoesNotCount() {
        byte[] record = record(HANDSHAKE, 0, CLIENT_HELLO, new byte[0], COOKIE);
        record[SESSION_ID_LENGTH_AT] = (byte) 0xFF;

        assertThat(HandshakeGuard.isClientHelloWithCookie(record, 0, record.length)).isFalse();
    }

    // ================================================================== the budget per source

    @Test
    void aSourceGetsItsBudgetPerSecondAndANewSecondResetsIt() {
        HandshakeGuard guard = guard(3);
        InetAddress a = ip("192.0.2.1");

        assertThat(guard.allow(a, 100)).isTrue();
        assertThat(guard.allow(a, 100)).isTrue();
        assertThat(guard.allow(a, 100)).isTrue();
        assertThat(guard.allow(a, 100)).isFalse();
        assertThat(guard.allow(a, 100)).as("a refusal does not open the budget").isFalse();

        assertThat(guard.allow(a, 101)).isTrue();
        assertThat(guard.allow(a, 101)).isTrue();
        assertThat(guard.allow(a, 101)).isTrue();
        assertThat(guard.allow(a, 101)).isFalse();
    }

    @Test
    void sourcesHaveIndependentBudgets() {
        HandshakeGuard guard = guard(1);
        InetAddress a = ip("192.0.2.1");
        InetAddress b = ip("192.0.2.2");
        InetAddress v6 = ip("2001:db8::1");

        assertThat(guard.allow(a, 100)).isTrue();
        assertThat(guard.allow(a, 100)).isFalse();
        assertThat(guard.allow(b, 100)).isTrue();
        assertThat(guard.allow(v6, 100)).isTrue();
        assertThat(guard.allow(b, 100)).isFalse();
        assertThat(guard.sourcesRemembered()).isEqualTo(3);
    }

    @Test
    void forgetBeforeForgetsOnlyEarlierSeconds() {
        HandshakeGuard guard = guard(1);
        InetAddress old = ip("192.0.2.1");
        InetAddress current = ip("192.0.2.2");
        guard.allow(old, 99);
        guard.allow(current, 100);

        guard.forgetBefore(100);

        assertThat(guard.sourcesRemembered()).isEqualTo(1);
        assertThat(guard.allow(current, 100)).as("its spent budget is remembered").isFalse();
        assertThat(guard.allow(old, 100)).isTrue();
    }

    @Test
    void theRememberedSourcesAreBoundedAndAFullSecondRefusesNewSources() {
        HandshakeGuard guard = guard(2);
        for (int i = 0; i < HandshakeGuard.MAX_SOURCES; i++) {
            assertThat(guard.allow(numbered(i), 100)).isTrue();
        }
        assertThat(guard.sourcesRemembered()).isEqualTo(HandshakeGuard.MAX_SOURCES);

        InetAddress late = numbered(HandshakeGuard.MAX_SOURCES);
        assertThat(guard.allow(late, 100)).as("every remembered source is live: a flood").isFalse();
        assertThat(guard.sourcesRemembered()).isEqualTo(HandshakeGuard.MAX_SOURCES);
        assertThat(guard.allow(numbered(0), 100)).as("a known source keeps its budget").isTrue();

        assertThat(guard.allow(late, 101)).as("the windows of second 100 decide nothing in 101").isTrue();
        assertThat(guard.sourcesRemembered()).isEqualTo(1);
    }

    // ================================================================== datagrams

    @Test
    void onlyClientHellosWithACookieSpendTheBudgetAndThoseBeyondItAreDroppedAndCounted() {
        HandshakeGuard guard = guard(2);
        InetSocketAddress source = new InetSocketAddress("192.0.2.1", 5684);
        byte[] first = record(HANDSHAKE, 0, CLIENT_HELLO, new byte[0], new byte[0]);
        byte[] second = record(HANDSHAKE, 0, CLIENT_HELLO, new byte[0], COOKIE);

        for (int i = 0; i < 5; i++) {
            assertThat(guard.onReceiving(packet(first, source))).as("cookie-less ClientHello %d", i).isTrue();
        }
        assertThat(guard.onReceiving(packet(second, source))).isTrue();
        assertThat(guard.onReceiving(packet(second, source))).isTrue();
        assertThat(guard.onReceiving(packet(second, source))).isFalse();
        assertThat(guard.onReceiving(packet(first, source))).as("a cookie costs nothing to ask for").isTrue();
        assertThat(metrics.get(Metrics.DTLS_HANDSHAKE_RATE_LIMITED)).isEqualTo(1);

        now += 1_000;
        assertThat(guard.onReceiving(packet(second, source))).isTrue();
        assertThat(metrics.get(Metrics.DTLS_HANDSHAKE_RATE_LIMITED)).isEqualTo(1);
    }

    // ================================================================== records

    /**
     * A DTLS 1.2 record holding one unfragmented handshake message laid out as a ClientHello:
     * version, random, session id, cookie, one cipher suite, null compression.
     */
    static byte[] record(int contentType, int epoch, int handshakeType, byte[] sessionId, byte[] cookie) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(0xFE);
        body.write(0xFD);
        body.writeBytes(filled(32, 0x11));
        body.write(sessionId.length);
        body.writeBytes(sessionId);
        body.write(cookie.length);
        body.writeBytes(cookie);
        body.writeBytes(new byte[] {0x00, 0x02, (byte) 0xC0, (byte) 0xA8}); // TLS_PSK_WITH_AES_128_CCM_8
        body.writeBytes(new byte[] {0x01, 0x00});
        byte[] message = body.toByteArray();

        ByteArrayOutputStream fragment = new ByteArrayOutputStream();
        fragment.write(handshakeType);
        fragment.writeBytes(uint24(message.length));
        fragment.writeBytes(new byte[] {0x00, 0x01}); // message_seq
        fragment.writeBytes(uint24(0)); // fragment_offset
        fragment.writeBytes(uint24(message.length)); // fragment_length
        fragment.writeBytes(message);
        byte[] payload = fragment.toByteArray();

        ByteArrayOutputStream record = new ByteArrayOutputStream();
        record.write(contentType);
        record.write(0xFE);
        record.write(0xFD);
        record.write(epoch >> 8);
        record.write(epoch);
        record.writeBytes(new byte[] {0, 0, 0, 0, 0, 1}); // sequence number
        record.write(payload.length >> 8);
        record.write(payload.length);
        record.writeBytes(payload);
        return record.toByteArray();
    }

    private static byte[] uint24(int value) {
        return new byte[] {(byte) (value >> 16), (byte) (value >> 8), (byte) value};
    }

    private static byte[] filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    private static DatagramPacket packet(byte[] data, InetSocketAddress source) {
        return new DatagramPacket(data, data.length, source);
    }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal); // a literal: nothing is looked up
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** The i-th address of 10.0.0.0/8. */
    private static InetAddress numbered(int i) {
        try {
            return InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void addressesOfOneIpv6Slash64ShareOneBudget() throws Exception {
        assertThat(HandshakeGuard.sourceOf(java.net.InetAddress.getByName("2001:db8:1:2::17")))
                .isEqualTo(HandshakeGuard.sourceOf(java.net.InetAddress.getByName("2001:db8:1:2:ffff::1")))
                .isNotEqualTo(HandshakeGuard.sourceOf(java.net.InetAddress.getByName("2001:db8:1:3::17")));
        assertThat(HandshakeGuard.sourceOf(java.net.InetAddress.getByName("192.0.2.7")))
                .isEqualTo(java.net.InetAddress.getByName("192.0.2.7"));
    }
}
