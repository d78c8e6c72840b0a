package io.sngate.gateway;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.QoS;
import io.sngate.codec.frame.Encapsulated;
import io.sngate.codec.frame.ForwarderEncapsulation;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.GwInfo;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.SearchGw;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.gateway.session.ClientSession;
import io.sngate.gateway.session.PredefinedTopics;
import io.sngate.gateway.session.SessionConfig;
import io.sngate.gateway.session.Topics;
import io.sngate.gateway.transport.LinkAddress;
import io.sngate.gateway.transport.Transport;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns packets from the transports into session inputs: unwraps forwarder frames, decodes,
 * finds (or creates) the client's session and hands the packet to the session's event loop.
 * Answers what needs no session itself: SEARCHGW, QoS -1 publishes, packets from unknown
 * clients. Runs on the transports' reading threads; only the session maps are shared.
 *
 * <p>Bad input never reaches a session: every malformed, oversized or flooding packet is
 * counted by reason and logged at DEBUG, and nothing is sent back that is larger than what
 * came in.
 */
final class Dispatcher implements Transport.Receiver {

    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    private final GatewayOptions options;
    private final SessionConfig sessionConfig;
    private final PredefinedTopics predefined;
    private final EventLoopGroup sessionLoops;
    private final SessionUpstream.Factory upstreams;
    private final SessionHost.Links links;
    private final ToIntFunction<LinkAddress> packetLimit;
    private final Metrics metrics;
    private final WarnLimiter warnings;
    private final LongSupplier clock;
    private final FloodGuard floodGuard;

    private final Map<String, SessionHost> byClientId = new ConcurrentHashMap<>();
    private final Map<LinkAddress, SessionHost> byAddress = new ConcurrentHashMap<>();

    Dispatcher(GatewayOptions options, SessionConfig sessionConfig, PredefinedTopics predefined,
               EventLoopGroup sessionLoops, SessionUpstream.Factory upstreams, SessionHost.Links links,
               ToIntFunction<LinkAddress> packetLimit, Metrics metrics, WarnLimiter warnings, LongSupplier clock) {
        this.options = options;
        this.sessionConfig = sessionConfig;
        this.predefined = predefined;
        this.sessionLoops = sessionLoops;
        this.upstreams = upstreams;
        this.links = links;
        this.packetLimit = packetLimit;
        this.metrics = metrics;
        this.warnings = warnings;
        this.clock = clock;
        this.floodGuard = new FloodGuard(options.maxNewPacketsPerSecondPerIp(), options.maxPacketsPerSecondPerSession(),
                Math.max(1024, options.maxClients() * 2));
    }

    /** Receives one packet from a transport. */
    @Override
    public void onPacket(LinkAddress from, byte[] packet) {
        metrics.count(Metrics.RECEIVED_PACKETS);
        if (packet.length > options.maxPacketSize()) {
            metrics.count(Metrics.DROPPED_OVERSIZED);
            warnings.warn("oversized", () -> "packet of " + packet.length + " bytes from " + from + " dropped: above "
                    + options.maxPacketSize() + " (limits.max-packet-size; " + Metrics.DROPPED_OVERSIZED + ")");
            return;
        }
        LinkAddress address = from;
        byte[] inner = packet;
        MqttSn12Message message;
        try {
            if (ForwarderEncapsulation.isEncapsulated(packet, 0, packet.length)) {
                Encapsulated frame = ForwarderEncapsulation.decode(packet, 0, packet.length);
                address = new LinkAddress.Forwarded(from, frame.wirelessNodeId());
                inner = frame.innerPacket().toArray();
            }
            message = MqttSn12Codec.INSTANCE.decode(inner);
        } catch (DecodeException e) {
            String counter = Metrics.MALFORMED_PREFIX + e.reason().name().toLowerCase();
            metrics.count(counter);
            if (LOG.isDebugEnabled()) {
                LOG.debug("malformed packet from {} ({}): {}", from, Bytes.wrap(packet).toHex(), e.getMessage());
            }
            warnings.warn("malformed", () -> "malformed packet from " + from + " dropped: " + e.getMessage() + " ("
                    + counter + ")");
            return;
        }
        if (withinFloodBudget(address, message)) {
            route(address, message);
        }
    }

    /**
     * The flood guard: what creates state (or an answer without a session) is held to the strict
     * budget of its source IP; the rest of an established session's packets to that session's
     * generous budget. Malformed packets are not charged: they are counted and dropped unanswered
     * (the work is done), and garbage must not use up a source's budget for its valid CONNECTs.
     */
    private boolean withinFloodBudget(LinkAddress address, MqttSn12Message message) {
        long now = clock.getAsLong();
        if (createsState(message) || !byAddress.containsKey(address)) {
            if (floodGuard.allowNew(address, now)) {
                return true;
            }
            metrics.count(Metrics.DROPPED_FLOOD);
            metrics.count(Metrics.DROPPED_FLOOD_NEW);
            warnings.warn("flood", () -> message.typeName() + " from " + address + " dropped: source "
                    + FloodGuard.sourceKey(address) + " beyond " + options.maxNewPacketsPerSecondPerIp()
                    + " new-state packets/s (" + Metrics.DROPPED_FLOOD_NEW + ")");
            return false;
        }
        if (floodGuard.allowSession(address, now)) {
            return true;
        }
        metrics.count(Metrics.DROPPED_FLOOD);
        metrics.count(Metrics.DROPPED_FLOOD_SESSION);
        warnings.warn("flood", () -> message.typeName() + " from " + address + " dropped: session beyond "
                + options.maxPacketsPerSecondPerSession() + " packets/s (" + Metrics.DROPPED_FLOOD_SESSION + ")");
        return false;
    }

    private static boolean createsState(MqttSn12Message message) {
        return switch (message.type()) {
            case CONNECT, SEARCHGW -> true;
            case PUBLISH -> ((Publish) message).qos() == QoS.MINUS_ONE;
            case PINGREQ -> ((PingReq) message).hasClientId();
            default -> false;
        };
    }

    private void route(LinkAddress from, MqttSn12Message message) {
        switch (message.type()) {
            case CONNECT -> onConnect(from, (Connect) message);
            case SEARCHGW -> answerSearch(from, (SearchGw) message);
            case ADVERTISE, GWINFO -> metrics.count(Metrics.DROPPED_NOT_FOR_GATEWAY);
            case PINGREQ -> onPingReq(from, (PingReq) message);
            case PUBLISH -> {
                Publish publish = (Publish) message;
                if (publish.qos() == QoS.MINUS_ONE) {
                    onPublishWithoutSession(from, publish);
                } else {
                    toSessionAt(from, message);
                }
            }
            default -> toSessionAt(from, message);
        }
    }

    private void onConnect(LinkAddress from, Connect connect) {
        Optional<String> clientId = Topics.decodeUtf8(connect.clientId());
        if (clientId.isEmpty() || connect.clientId().length() > options.maxClientIdLength()) {
            metrics.count(Metrics.CONNECT_REFUSED_CLIENT_ID);
            warnings.warn("client_id", () -> "CONNECT from " + from + " refused: client id "
                    + (clientId.isEmpty() ? "is not UTF-8" : "of " + connect.clientId().length() + " bytes is too long"));
            reply(from, new ConnAck(ReturnCode.REJECTED_NOT_SUPPORTED));
            return;
        }
        // Under the lock forget() takes: a session that is finishing is either forgotten before
        // this lookup, or sees the CONNECT handed over and stays.
        synchronized (this) {
            SessionHost host = byClientId.get(clientId.get());
            if (host == null) {
                if (byClientId.size() >= options.maxClients()) {
                    metrics.count(Metrics.CONNECT_REFUSED_MAX_CLIENTS);
                    warnings.warn("max_clients", () -> "CONNECT of " + clientId.get() + " refused: "
                            + options.maxClients() + " clients already (" + Metrics.CONNECT_REFUSED_MAX_CLIENTS + ")");
                    reply(from, new ConnAck(ReturnCode.REJECTED_CONGESTION));
                    return;
                }
                host = newSession(clientId.get(), from);
            }
            bind(host, from);
            host.fromDevice(connect);
        }
    }

    private SessionHost newSession(String clientId, LinkAddress from) {
        EventLoop loop = sessionLoops.next();
        // A radio carries far less than a datagram: deliveries that would not fit are refused by the session.
        int limit = packetLimit.applyAsInt(from);
        SessionConfig config = limit < sessionConfig.maxPacketSize() ? sessionConfig.withMaxPacketSize(limit) : sessionConfig;
        ClientSession session = new ClientSession(clientId, config, predefined);
        SessionHost[] created = new SessionHost[1];
        SessionHost host = new SessionHost(session, loop, from, clock, links, metrics, warnings, upstreams,
                () -> forget(created[0]));
        created[0] = host;
        byClientId.put(clientId, host);
        return host;
    }

    /** The session now answers at {@code address}; the address no longer reaches another session. */
    private void bind(SessionHost host, LinkAddress address) {
        LinkAddress previous = host.address();
        if (!previous.equals(address)) {
            byAddress.remove(previous, host);
            host.moveTo(address);
        }
        byAddress.put(address, host);
    }

    private synchronized void forget(SessionHost host) {
        if (host.hasPendingInput()) {
            // A packet (e.g. the device's next CONNECT) reached the session after it finished:
            // the session handles it and is forgotten when it finishes again.
            return;
        }
        byClientId.remove(host.clientId(), host);
        byAddress.remove(host.address(), host);
    }

    /** The link could not deliver to {@code to}: the session there may retry early. */
    @Override
    public void onUndeliverable(LinkAddress to) {
        SessionHost host = byAddress.get(to);
        if (host != null) {
            host.linkDeliveryFailed();
        }
    }

    private void onPingReq(LinkAddress from, PingReq ping) {
        SessionHost atAddress = byAddress.get(from);
        if (!ping.hasClientId()) {
            toSessionAt(from, ping);
            return;
        }
        Optional<String> clientId = Topics.decodeUtf8(ping.clientId());
        SessionHost named = clientId.map(byClientId::get).orElse(null);
        if (named == null) {
            if (atAddress != null) {
                atAddress.fromDevice(ping); // the session counts the foreign id and does not answer
            } else {
                metrics.count(Metrics.DROPPED_NO_SESSION);
                reply(from, Disconnect.PLAIN);
            }
            return;
        }
        if (atAddress != null && atAddress != named) {
            atAddress.fromDevice(ping); // a PINGREQ naming someone else is not valid here
            return;
        }
        // A sleeping client may wake from a new address (spec §6.14): the id says who it is.
        bind(named, from);
        named.fromDevice(ping);
    }

    private void toSessionAt(LinkAddress from, MqttSn12Message message) {
        SessionHost host = byAddress.get(from);
        if (host == null) {
            metrics.count(Metrics.DROPPED_NO_SESSION);
            if (LOG.isDebugEnabled()) {
                LOG.debug("{} from {} which has no session", message.typeName(), from);
            }
            warnings.warn("no_session", () -> message.typeName() + " from " + from + " dropped: no session there, "
                    + "answered with DISCONNECT (" + Metrics.DROPPED_NO_SESSION + ")");
            // Spec §6.12: tell a sender we cannot place that it must CONNECT. A DISCONNECT (2
            // bytes) is never larger than the packet it answers.
            reply(from, Disconnect.PLAIN);
            return;
        }
        host.fromDevice(message);
    }

    private void onPublishWithoutSession(LinkAddress from, Publish publish) {
        String topic = null;
        if (!options.qosMinusOneEnabled()) {
            metrics.count(Metrics.DROPPED_QOS_MINUS_ONE);
            warnings.warn("qos-1", () -> "QoS -1 PUBLISH from " + from + " dropped: qos-minus-one.enabled is false");
            return;
        }
        if (publish.topicIdType() == TopicIdType.PREDEFINED) {
            topic = predefined.name(publish.topicId()).orElse(null);
        } else if (publish.topicIdType() == TopicIdType.SHORT) {
            topic = Topics.decodeUtf8(Bytes.wrap(new byte[] {(byte) (publish.topicId() >>> 8), (byte) publish.topicId()}))
                    .filter(Topics::isValidName).orElse(null);
        }
        if (topic == null) {
            metrics.count(Metrics.DROPPED_QOS_MINUS_ONE);
            warnings.warn("qos-1", () -> "QoS -1 PUBLISH from " + from + " to " + publish.topicIdType() + " topic "
                    + publish.topicId() + " dropped: only known predefined ids and short names can be used");
            return;
        }
        metrics.count(Metrics.QOS_MINUS_ONE_PUBLISHED);
        upstreams.publishWithoutSession(topic, publish.data(), publish.retain());
    }

    /**
     * GWINFO is broadcast with the SEARCHGW's radius (spec §6.1) on a radio network, where the
     * other devices hear it too. On UDP it goes back to the searching socket: a device on UDP
     * listens on its own port, which a broadcast to the configured address may not reach.
     */
    private void answerSearch(LinkAddress from, SearchGw search) {
        GwInfo info = GwInfo.fromGateway(options.gatewayId());
        if (from instanceof LinkAddress.XBee) {
            links.broadcastNear(from, MqttSn12Codec.INSTANCE.encode(info), search.radius());
        } else {
            reply(from, info);
        }
    }

    private void reply(LinkAddress to, MqttSn12Message message) {
        byte[] packet = MqttSn12Codec.INSTANCE.encode(message);
        if (to instanceof LinkAddress.Forwarded forwarded) {
            links.send(forwarded.forwarder(), ForwarderEncapsulation.encode(0, forwarded.nodeId(), Bytes.wrap(packet)));
        } else {
            links.send(to, packet);
        }
    }

    /** Every session, for shutdown and inspection. */
    Collection<SessionHost> sessions() {
        return byClientId.values();
    }

    int sessionCount() {
        return byClientId.size();
    }

    SessionHost session(String clientId) {
        return byClientId.get(clientId);
    }

    void shutdownSessions() {
        for (Iterator<SessionHost> it = byClientId.values().iterator(); it.hasNext(); ) {
            it.next().shutdown();
        }
    }
}
