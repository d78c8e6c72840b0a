package io.sngate.gateway.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.Bytes;
import io.sngate.codec.frame.ForwarderEncapsulation;
import io.sngate.gateway.Metrics;
import io.sngate.gateway.WarnLimiter;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The forwarder layer over a recording link: unwrapping, wrapping, addresses and limits. */
class ForwardingTest {

    static final LinkAddress FORWARDER = new LinkAddress.Udp(new InetSocketAddress("192.0.2.9", 1884));
    static final Bytes NODE = Bytes.fromHex("0A0B");
    static final LinkAddress DEVICE = new LinkAddress.Forwarded(FORWARDER, NODE);
    static final byte[] PINGREQ = {0x02, 0x16};

    /** A link that records what is sent and lets the test play what it receives. */
    static final class RecordingLink implements Transport {
        final List<LinkAddress> sentTo = new ArrayList<>();
        final List<byte[]> sent = new ArrayList<>();
        Receiver receiver;

        @Override
        public void start(Receiver r) {
            receiver = r;
        }

        @Override
        public void send(LinkAddress to, byte[] packet) {
            sentTo.add(to);
            sent.add(packet);
        }

        @Override
        public void broadcast(byte[] packet) {
        }

        @Override
        public boolean owns(LinkAddress address) {
            return address.equals(FORWARDER);
        }

        @Override
        public int maxPacketSize() {
            return 100;
        }

        @Override
        public String describe() {
            return "recording";
        }

        @Override
        public void close() {
        }
    }

    final Metrics metrics = new Metrics();
    final RecordingLink link = new RecordingLink();
    final List<LinkAddress> from = new ArrayList<>();
    final List<byte[]> received = new ArrayList<>();
    Forwarding forwarding;

    @BeforeEach
    void start() throws Exception {
        forwarding = new Forwarding(link, metrics, new WarnLimiter(10_000, () -> 0));
        forwarding.start((address, packet) -> {
            from.add(address);
            received.add(packet);
        });
    }

    @Test
    void aWrappedFrameArrivesAsTheInnerPacketFromTheDevicesAddress() {
        link.receiver.onPacket(FORWARDER, ForwarderEncapsulation.encode(0, NODE, Bytes.wrap(PINGREQ)));

        assertThat(from).containsExactly(DEVICE);
        assertThat(received).containsExactly(PINGREQ);
    }

    @Test
    void aPlainPacketPassesUnchanged() {
        link.receiver.onPacket(FORWARDER, PINGREQ);

        assertThat(from).containsExactly(FORWARDER);
        assertThat(received).containsExactly(PINGREQ);
    }

    @Test
    void aBrokenWrappingIsCountedAndGoesNoFurther() {
        // type 0xFE with a length that runs past the end
        link.receiver.onPacket(FORWARDER, new byte[] {0x05, (byte) 0xFE, 0x00});

        assertThat(received).isEmpty();
        assertThat(metrics.snapshot()).containsKey(Metrics.RECEIVED_PACKETS)
                .hasEntrySatisfying(Metrics.RECEIVED_PACKETS, n -> assertThat(n).isEqualTo(1));
        assertThat(metrics.snapshot().keySet()).anyMatch(name -> name.startsWith(Metrics.MALFORMED_PREFIX));
    }

    @Test
    void aPacketToADeviceLeavesWrappedThroughItsForwarder() {
        forwarding.send(DEVICE, PINGREQ);
        forwarding.send(FORWARDER, PINGREQ);

        assertThat(link.sentTo).containsExactly(FORWARDER, FORWARDER);
        assertThat(link.sent.get(0)).isEqualTo(ForwarderEncapsulation.encode(0, NODE, Bytes.wrap(PINGREQ)));
        assertThat(link.sent.get(1)).isEqualTo(PINGREQ);
    }

    @Test
    void aDeviceBehindTheForwarderBelongsToTheLinkAndGetsWhatIsLeftOfItsLimit() {
        assertThat(forwarding.owns(DEVICE)).isTrue();
        assertThat(forwarding.owns(new LinkAddress.Forwarded(new LinkAddress.Serial("other"), NODE))).isFalse();
        assertThat(forwarding.maxPacketSize(FORWARDER)).isEqualTo(100);
        assertThat(forwarding.maxPacketSize(DEVICE))
                .isEqualTo(100 - ForwarderEncapsulation.FIXED_HEADER_LENGTH - NODE.length());
    }
}
