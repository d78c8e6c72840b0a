package io.sngate.gateway.transport;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.frame.Encapsulated;
import io.sngate.codec.frame.ForwarderEncapsulation;
import io.sngate.gateway.Metrics;
import io.sngate.gateway.WarnLimiter;

/**
 * Forwarder encapsulation (spec §5.5) as a layer over any transport: frames a forwarder wrapped
 * reach the receiver as the inner packet from a {@link LinkAddress.Forwarded} address (the
 * forwarder's address plus the wireless node id), and packets to such an address leave wrapped
 * for that node through the forwarder. Above this layer nobody knows forwarders exist: the
 * dispatcher, the sessions and the gateway see devices and their addresses.
 */
public final class Forwarding implements Transport {

    private final Transport link;
    private final Metrics metrics;
    private final WarnLimiter warnings;

    public Forwarding(Transport link, Metrics metrics, WarnLimiter warnings) {
        this.link = link;
        this.metrics = metrics;
        this.warnings = warnings;
    }

    @Override
    public void start(Receiver receiver) throws Exception {
        link.start(new Receiver() {
            @Override
            public void onPacket(LinkAddress from, byte[] packet) {
                if (!ForwarderEncapsulation.isEncapsulated(packet, 0, packet.length)) {
                    receiver.onPacket(from, packet);
                    return;
                }
                Encapsulated frame;
                try {
                    frame = ForwarderEncapsulation.decode(packet, 0, packet.length);
                } catch (DecodeException e) {
                    metrics.count(Metrics.RECEIVED_PACKETS);
                    String counter = Metrics.countMalformed(metrics, e);
                    warnings.warn("malformed", () -> "malformed forwarder frame from " + from + " dropped: "
                            + e.getMessage() + " (" + counter + ")");
                    return;
                }
                receiver.onPacket(new LinkAddress.Forwarded(from, frame.wirelessNodeId()),
                        frame.innerPacket().toArray());
            }

            @Override
            public void onUndeliverable(LinkAddress to) {
                receiver.onUndeliverable(to);
            }

            @Override
            public void onOversized(LinkAddress from, byte[] head) {
                receiver.onOversized(from, head);
            }
        });
    }

    @Override
    public void send(LinkAddress to, byte[] packet) {
        if (to instanceof LinkAddress.Forwarded forwarded) {
            link.send(forwarded.forwarder(), ForwarderEncapsulation.encode(0, forwarded.nodeId(), Bytes.wrap(packet)));
        } else {
            link.send(to, packet);
        }
    }

    @Override
    public void broadcast(byte[] packet) {
        link.broadcast(packet);
    }

    @Override
    public void broadcast(byte[] packet, int radius) {
        link.broadcast(packet, radius);
    }

    @Override
    public boolean owns(LinkAddress address) {
        return link.owns(address instanceof LinkAddress.Forwarded forwarded ? forwarded.forwarder() : address);
    }

    @Override
    public int maxPacketSize() {
        return link.maxPacketSize();
    }

    /** What fits a device behind a forwarder: the forwarder's link, less the wrapping. */
    @Override
    public int maxPacketSize(LinkAddress to) {
        if (to instanceof LinkAddress.Forwarded forwarded) {
            return link.maxPacketSize(forwarded.forwarder())
                    - (ForwarderEncapsulation.FIXED_HEADER_LENGTH + forwarded.nodeId().length());
        }
        return link.maxPacketSize(to);
    }

    @Override
    public String describe() {
        return link.describe();
    }

    @Override
    public void close() {
        link.close();
    }
}
