package io.sngate.bridge;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.frame.Encapsulated;
import io.sngate.codec.frame.ForwarderEncapsulation;
import io.sngate.codec.v12.Advertise;
import io.sngate.codec.v12.GwInfo;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.xbee.XBeeFrame;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forwarder of MQTT-SN 1.2 §5.5, without I/O: a device's packet goes in with where it came
 * from, a gateway datagram goes in as bytes, and what must be sent where comes out as
 * {@link Forward}s. The bridge's shell does the sending.
 *
 * <ul>
 *   <li>A device's packet is wrapped in an encapsulated frame (Ctrl 0) with the device's wireless
 *       node id: the line's configured id for a serial line, the 8-byte big-endian 64-bit source
 *       address for an XBee device. The packet itself is relayed unchanged; only its framing
 *       (its Length equals its size, it is not itself encapsulated) is checked.</li>
 *   <li>A serial line with a forwarder on it (a microcontroller with its own radio, configured
 *       with no node id) already carries encapsulated frames, each with its node's id: they are
 *       relayed to the gateway as they are, since MQTT-SN 1.2 has no encapsulation inside
 *       another, and the node id is remembered with the line. Anything else on such a line is the
 *       forwarder's own traffic, and a node id that could also name another line's device or an
 *       XBee device is refused, since the reply could not be routed: both are counted.</li>
 *   <li>An encapsulated datagram from the gateway is unwrapped and its inner packet sent to the
 *       node the id names (a forwarder's node gets the datagram as it is, for its forwarder to
 *       unwrap); an empty node id means "every device", sent with the Ctrl byte's broadcast
 *       radius. An id no line or radio has is counted and dropped.</li>
 *   <li>A plain ADVERTISE or GWINFO from the gateway goes to every line and radio (a broadcast
 *       on radios); any other plain packet would be addressed to the bridge itself, which is no
 *       client, so it is counted and dropped.</li>
 * </ul>
 * With several radios, a reply goes to the radio that last heard its destination; with one,
 * every 8-byte id goes to it. Every drop increments a counter and logs a rate-limited WARN,
 * except while a radio is suspended ({@link #suspendRadio}): its port went away, and until the
 * radio behind it passes its check again nothing goes to or comes from it, each frame dropped
 * and counted ({@link ForwarderCounters#uncheckedRadio()}); the bridge says so in one line.
 *
 * <p>Not thread-safe: the bridge calls it from its one runtime thread.
 */
final class ForwarderCore {

    private static final Logger LOG = LoggerFactory.getLogger(ForwarderCore.class);

    private final ForwarderConfig config;
    private final Map<Bytes, Integer> lineByNodeId = new HashMap<>();
    private final Map<Long, Integer> radioByAddress;
    /** The node ids heard on forwarder lines, with the line; the least recently heard is forgotten first. */
    private final Map<Bytes, Integer> forwarderLineByNode;
    /** Each radio's largest RF payload: the configured one, lowered by the radio's NP once asked. */
    private final int[] radioMaxPayloads;
    /** Radios not forwarded through until they pass their check again, by radio index. */
    private final boolean[] suspended;
    /** Frames dropped since each radio was suspended, for the line that says it resumes. */
    private final long[] droppedWhileSuspended;
    private final WarnLimiter warnings;

    private long toGateway;
    private long toDevices;
    private long broadcasts;
    private long unknownNodes;
    private long malformedFromGateway;
    private long unroutable;
    private long rejectedFromDevices;
    private long tooLargeForRadio;
    private long uncheckedRadio;

    public ForwarderCore(ForwarderConfig config) {
        this.config = config;
        for (int i = 0; i < config.serialNodeIds().size(); i++) {
            if (!config.isForwarderLine(i)) {
                lineByNodeId.put(config.serialNodeIds().get(i), i);
            }
        }
        this.radioByAddress = lastHeard(config.maxKnownAddresses());
        this.forwarderLineByNode = lastHeard(config.maxKnownAddresses());
        this.radioMaxPayloads = config.radioMaxPayloads().stream().mapToInt(Integer::intValue).toArray();
        this.suspended = new boolean[radioMaxPayloads.length];
        this.droppedWhileSuspended = new long[radioMaxPayloads.length];
        this.warnings = new WarnLimiter(config.warnIntervalMillis());
    }

    private static <K> Map<K, Integer> lastHeard(int capacity) {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, Integer> eldest) {
                return size() > capacity;
            }
        };
    }

    /**
     * Lowers the largest RF payload sent to radio {@code radio} to what the radio reported (NP),
     * never above the configured one; a reply larger than it is dropped and counted.
     */
    public void limitRadioPayload(int radio, int maxPayload) {
        radioMaxPayloads[radio] = Math.min(config.radioMaxPayloads().get(radio), maxPayload);
    }

    /**
     * Stops forwarding to and from radio {@code radio} until {@link #resumeRadio}: its port went
     * away, and the radio that comes back may be another one, or in another API mode.
     */
    public void suspendRadio(int radio) {
        suspended[radio] = true;
    }

    /**
     * Forwards through radio {@code radio} again, now that it passed its check, with its largest
     * RF payload as {@link #limitRadioPayload} sets it (the NP it reported now, which may differ).
     *
     * @return the frames dropped while it was suspended
     */
    public long resumeRadio(int radio, int maxPayload) {
        limitRadioPayload(radio, maxPayload);
        suspended[radio] = false;
        long dropped = droppedWhileSuspended[radio];
        droppedWhileSuspended[radio] = 0;
        return dropped;
    }

    public boolean isSuspended(int radio) {
        return suspended[radio];
    }

    /** Counts a frame that did not go to or from a suspended radio; true if {@code radio} is one. */
    private boolean droppedAsUnchecked(int radio) {
        if (!suspended[radio]) {
            return false;
        }
        uncheckedRadio++;
        droppedWhileSuspended[radio]++;
        return true;
    }

    /** A whole frame read from serial line {@code line}. */
    public void fromSerialLine(int line, byte[] frame, long now, Consumer<Forward> out) {
        if (config.isForwarderLine(line)) {
            relayFromForwarder(line, frame, now, out);
            return;
        }
        Bytes nodeId = config.serialNodeIds().get(line);
        wrap(nodeId, Bytes.wrap(frame), now, out, () -> "serial line " + (line + 1));
    }

    private void relayFromForwarder(int line, byte[] frame, long now, Consumer<Forward> out) {
        if (!ForwarderEncapsulation.isEncapsulated(frame, 0, frame.length)) {
            rejectedFromDevices++;
            warn("forwarder-plain", now, () -> "serial line " + (line + 1) + " (a forwarder): dropped a frame without"
                    + " forwarder encapsulation: only its nodes' frames, each with its node id, are relayed");
            return;
        }
        Encapsulated encapsulated;
        try {
            encapsulated = ForwarderEncapsulation.decode(frame);
        } catch (DecodeException e) {
            rejectedFromDevices++;
            warn("rejected-from-device", now, () -> "serial line " + (line + 1) + " (a forwarder): dropped a frame"
                    + " that cannot be forwarded: " + e.getMessage());
            return;
        }
        Bytes nodeId = encapsulated.wirelessNodeId();
        String clash = nodeIdClash(nodeId);
        if (clash != null) {
            rejectedFromDevices++;
            warn("forwarder-node-id", now, () -> "serial line " + (line + 1) + " (a forwarder): dropped a frame from "
                    + "node id " + nodeId.toHex() + ": " + clash + ", so a reply could not be routed");
            return;
        }
        forwarderLineByNode.put(nodeId, line);
        toGateway++;
        out.accept(new Forward.ToGateway(Bytes.wrap(frame)));
    }

    /** Why a forwarder's node may not use {@code nodeId}, or null when it may. */
    private String nodeIdClash(Bytes nodeId) {
        if (nodeId.isEmpty()) {
            return "an empty node id addresses every device";
        }
        Integer line = lineByNodeId.get(nodeId);
        if (line != null) {
            return "it is the node id of serial line " + (line + 1);
        }
        if (nodeId.length() == ForwarderConfig.XBEE_NODE_ID_LENGTH && radioMaxPayloads.length > 0) {
            return "8 bytes is the length of an XBee device's address";
        }
        return null;
    }

    /** The RF data of a Receive Packet that radio {@code radio} got from {@code source64}. */
    public void fromRadio(int radio, long source64, Bytes rfData, long now, Consumer<Forward> out) {
        if (droppedAsUnchecked(radio)) {
            return; // not remembered either: whose devices a radio not checked yet hears says nothing
        }
        radioByAddress.put(source64, radio);
        wrap(nodeIdOf(source64), rfData, now, out, () -> String.format("XBee device %016X", source64));
    }

    private void wrap(Bytes nodeId, Bytes packet, long now, Consumer<Forward> out, Supplier<String> device) {
        byte[] datagram = new byte[ForwarderEncapsulation.FIXED_HEADER_LENGTH + nodeId.length() + packet.length()];
        datagram[0] = (byte) (ForwarderEncapsulation.FIXED_HEADER_LENGTH + nodeId.length());
        datagram[1] = (byte) ForwarderEncapsulation.TYPE;
        nodeId.copyTo(datagram, ForwarderEncapsulation.FIXED_HEADER_LENGTH);
        packet.copyTo(datagram, ForwarderEncapsulation.FIXED_HEADER_LENGTH + nodeId.length());
        try {
            // The codec's own rules decide what may be wrapped: one whole packet, not encapsulated.
            ForwarderEncapsulation.decode(datagram);
        } catch (DecodeException e) {
            rejectedFromDevices++;
            warn("rejected-from-device", now, () -> device.get() + ": dropped a frame that cannot be forwarded: "
                    + e.getMessage());
            return;
        }
        toGateway++;
        out.accept(new Forward.ToGateway(Bytes.wrap(datagram)));
    }

    /** A datagram from the gateway. */
    public void fromGateway(byte[] datagram, long now, Consumer<Forward> out) {
        if (ForwarderEncapsulation.isEncapsulated(datagram, 0, datagram.length)) {
            Encapsulated frame;
            try {
                frame = ForwarderEncapsulation.decode(datagram);
            } catch (DecodeException e) {
                malformedFromGateway++;
                warn("malformed-from-gateway", now, () -> "dropped a malformed encapsulated datagram from the gateway: "
                        + e.getMessage());
                return;
            }
            route(frame, now, out);
            return;
        }
        MqttSn12Message message;
        try {
            message = MqttSn12Codec.INSTANCE.decode(datagram);
        } catch (DecodeException e) {
            malformedFromGateway++;
            warn("malformed-from-gateway", now, () -> "dropped a malformed datagram from the gateway: "
                    + e.getMessage());
            return;
        }
        if (message instanceof Advertise || message instanceof GwInfo) {
            broadcast(Bytes.wrap(datagram), 0, out);
            return;
        }
        unroutable++;
        warn("unroutable", now, () -> "dropped a plain " + message.type()
                + " from the gateway: a forwarder relays only encapsulated packets, ADVERTISE and GWINFO");
    }

    private void route(Encapsulated frame, long now, Consumer<Forward> out) {
        Bytes nodeId = frame.wirelessNodeId();
        Bytes packet = frame.innerPacket();
        if (nodeId.isEmpty()) {
            broadcast(packet, frame.radius(), out);
            return;
        }
        Integer line = lineByNodeId.get(nodeId);
        if (line != null) {
            toDevices++;
            out.accept(new Forward.ToSerialLine(line, packet));
            return;
        }
        Integer forwarderLine = forwarderLineByNode.get(nodeId);
        if (forwarderLine != null) {
            toDevices++;
            out.accept(new Forward.ToSerialLine(forwarderLine, Bytes.wrap(ForwarderEncapsulation.encode(frame))));
            return;
        }
        int radios = radioMaxPayloads.length;
        if (nodeId.length() == ForwarderConfig.XBEE_NODE_ID_LENGTH && radios > 0) {
            long address = addressOf(nodeId);
            Integer known = radioByAddress.get(address);
            if (known != null || radios == 1) {
                int radio = known != null ? known : 0;
                if (droppedAsUnchecked(radio)) {
                    return;
                }
                int max = radioMaxPayloads[radio];
                if (packet.length() > max) {
                    tooLargeForRadio++;
                    warn("too-large-for-radio", now, () -> String.format("dropped a reply of %d bytes for XBee "
                            + "device %016X: the radio carries at most %d bytes", packet.length(), address, max));
                    return;
                }
                toDevices++;
                out.accept(new Forward.ToRadio(radio, address, 0, packet));
                return;
            }
        }
        unknownNodes++;
        warn("unknown-node", now, () -> "dropped a reply for unknown node id " + nodeId.toHex()
                + " (no serial line has it" + (radios > 1 ? " and no radio has heard that address)" : ")"));
    }

    private void broadcast(Bytes packet, int radius, Consumer<Forward> out) {
        broadcasts++;
        for (int line = 0; line < config.serialNodeIds().size(); line++) {
            out.accept(new Forward.ToSerialLine(line, packet));
        }
        for (int radio = 0; radio < radioMaxPayloads.length; radio++) {
            if (droppedAsUnchecked(radio)) {
                continue;
            }
            if (packet.length() <= radioMaxPayloads[radio]) {
                out.accept(new Forward.ToRadio(radio, XBeeFrame.BROADCAST_ADDRESS_64, radius, packet));
            } else {
                tooLargeForRadio++;
            }
        }
    }

    private void warn(String kind, long now, Supplier<String> message) {
        WarnLimiter.Verdict verdict = warnings.check(kind, now);
        if (verdict.log()) {
            LOG.warn(verdict.suppressed() == 0 ? message.get()
                    : message.get() + " [+" + verdict.suppressed() + " similar suppressed]");
        }
    }

    /** The wireless node id of an XBee device: its 64-bit address, big-endian. */
    public static Bytes nodeIdOf(long address64) {
        byte[] id = new byte[ForwarderConfig.XBEE_NODE_ID_LENGTH];
        for (int i = 0; i < id.length; i++) {
            id[i] = (byte) (address64 >>> (56 - 8 * i));
        }
        return Bytes.wrap(id);
    }

    private static long addressOf(Bytes nodeId) {
        long address = 0;
        for (int i = 0; i < ForwarderConfig.XBEE_NODE_ID_LENGTH; i++) {
            address = address << 8 | nodeId.get(i);
        }
        return address;
    }

    public ForwarderCounters counters() {
        return new ForwarderCounters(toGateway, toDevices, broadcasts, unknownNodes, malformedFromGateway, unroutable,
                rejectedFromDevices, tooLargeForRadio, uncheckedRadio);
    }
}
