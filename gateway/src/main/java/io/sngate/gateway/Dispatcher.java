package io.sngate.gateway;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.GwInfo;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PubAck;
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
import io.sngate.gateway.session.SessionPolicy;
import io.sngate.gateway.session.SessionState;
import io.sngate.hw.config.DtlsIdentityBinding;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns packets from the transports into session inputs: decodes, checks the flood guard,
 * finds (or creates) the client's session and hands the packet to the session's event loop.
 * Answers what needs no session itself: SEARCHGW, QoS -1 publishes, packets from unknown
 * clients. Runs on the transports' reading threads; only the session maps are shared. A device
 * behind a forwarder arrives here already unwrapped, from its {@link LinkAddress.Forwarded}
 * address ({@link io.sngate.gateway.transport.Forwarding}).
 *
 * <p>Bad input never reaches a session: every malformed, oversized or flooding packet is
 * counted by reason and logged at DEBUG, and nothing is sent back that is larger than what
 * came in.
 */
final class Dispatcher implements Transport.Receiver {

    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
    /** Every packet in and out, at DEBUG: its own logger so that it can be turned on alone. */
    private static final Logger PACKETS = LoggerFactory.getLogger("io.sngate.gateway.packets");

    private final GatewayOptions options;
    private final SessionConfig sessionConfig;
    /** Gateway-wide predefined topic ids; a reload swaps them (sessions keep the ones they started with). */
    private volatile PredefinedTopics predefined;
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
    /** Sessions per source IP (IPv6: /64), for limits.max-sessions-per-source-ip; guarded by this. */
    private final Map<Object, Integer> sessionsPerSource = new HashMap<>();
    /** Gateway message ids start here, so that only a device that receives can answer one. */
    private final SecureRandom random = new SecureRandom();
    private volatile DeviceRules rules = DeviceRules.ANONYMOUS;

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

    /** Periodic housekeeping: the flood guard forgets the windows of past seconds. */
    void forgetStaleFloodWindows() {
        floodGuard.forgetStale(clock.getAsLong());
    }

    /** Receives one packet from a transport. */
    @Override
    public void onPacket(LinkAddress from, byte[] packet) {
        metrics.count(Metrics.RECEIVED_PACKETS);
        if (packet.length > options.maxPacketSize()) {
            metrics.count(Metrics.DROPPED_OVERSIZED);
            warnings.warn("oversized", () -> "packet of " + packet.length + " bytes from " + from + " dropped: above "
                    + options.maxPacketSize() + " (limits.max-packet-size; " + Metrics.DROPPED_OVERSIZED + ")");
            onOversized(from, packet);
            return;
        }
        LinkAddress address = from;
        MqttSn12Message message;
        try {
            message = MqttSn12Codec.INSTANCE.decode(packet);
        } catch (DecodeException e) {
            // Not charged to the flood guard: garbage is dropped anyway, and must not use up the
            // budget a source's valid CONNECTs need.
            String counter = Metrics.countMalformed(metrics, e);
            if (LOG.isDebugEnabled()) {
                LOG.debug("malformed packet from {} ({}): {}", from, Bytes.wrap(packet).toHex(), e.getMessage());
            }
            warnings.warn("malformed", () -> "malformed packet from " + from + " dropped: " + e.getMessage() + " ("
                    + counter + ")");
            return;
        }
        if (PACKETS.isDebugEnabled()) {
            PACKETS.debug("in  {} <- {}", message, from);
        }
        SessionHost atAddress = byAddress.get(address);
        boolean createsState = atAddress == null || createsState(message, atAddress);
        boolean allowed = createsState ? floodGuard.allowNew(address, clock.getAsLong())
                : floodGuard.allowSession(address, clock.getAsLong());
        if (!allowed) {
            flooded(address, createsState);
            return;
        }
        route(address, message, atAddress);
    }

    /**
     * True for packets that create state or claim a session (strict budget per source IP), as
     * opposed to the traffic of the session at their address (a generous budget per session).
     */
    private static boolean createsState(MqttSn12Message message, SessionHost atAddress) {
        return switch (message.type()) {
            case CONNECT, SEARCHGW -> true;
            case PUBLISH -> ((Publish) message).qos() == QoS.MINUS_ONE;
            case PINGREQ -> {
                PingReq ping = (PingReq) message;
                yield ping.hasClientId() && !ping.clientId().equals(Bytes.utf8(atAddress.clientId()));
            }
            default -> false;
        };
    }

    private void flooded(LinkAddress from, boolean strict) {
        metrics.count(Metrics.DROPPED_FLOOD);
        metrics.count(strict ? Metrics.DROPPED_FLOOD_NEW : Metrics.DROPPED_FLOOD_SESSION);
        warnings.warn(strict ? "flood_new" : "flood_session", () -> strict
                ? "packets that create state from " + FloodGuard.sourceKey(from) + " beyond "
                        + options.maxNewPacketsPerSecondPerIp() + "/s dropped (limits.max-new-packets-per-second-per-ip; "
                        + Metrics.DROPPED_FLOOD_NEW + ")"
                : "packets of the session at " + from + " beyond " + options.maxPacketsPerSecondPerSession()
                        + "/s dropped (limits.max-packets-per-second-per-session; " + Metrics.DROPPED_FLOOD_SESSION + ")");
    }

    /** @param atAddress the session at {@code from} when the packet was read, or null */
    private void route(LinkAddress from, MqttSn12Message message, SessionHost atAddress) {
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
                    toSession(atAddress, from, message);
                }
            }
            default -> toSession(atAddress, from, message);
        }
    }

    private void onConnect(LinkAddress from, Connect connect) {
        String clientId;
        if (connect.clientId().isEmpty()) {
            if (!connect.cleanSession()) {
                // A persistent session needs a name the device can come back with.
                metrics.count(Metrics.CONNECT_REFUSED_EMPTY_ID);
                warnings.warn("empty_client_id", () -> "CONNECT from " + from + " refused: empty client id with clean "
                        + "session 0 (" + Metrics.CONNECT_REFUSED_EMPTY_ID + ")");
                reply(from, new ConnAck(ReturnCode.REJECTED_NOT_SUPPORTED));
                return;
            }
            if (authenticated(from) instanceof LinkAddress.Dtls dtls && !dtls.identity().isEmpty()) {
                // The handshake proved who it is: that is the name it comes back with.
                clientId = dtls.identity();
            } else {
                clientId = assignedClientId(from);
            }
            metrics.count(Metrics.CLIENT_ID_ASSIGNED);
            LOG.info("client at {} connected without a client id: it is {}", from, clientId);
        } else {
            Optional<String> decoded = Topics.decodeUtf8(connect.clientId());
            if (decoded.isEmpty() || connect.clientId().length() > options.maxClientIdLength()) {
                metrics.count(Metrics.CONNECT_REFUSED_CLIENT_ID);
                warnings.warn("client_id", () -> "CONNECT from " + from + " refused: client id "
                        + (decoded.isEmpty() ? "is not UTF-8" : "of " + connect.clientId().length() + " bytes is too long"));
                reply(from, new ConnAck(ReturnCode.REJECTED_NOT_SUPPORTED));
                return;
            }
            clientId = decoded.get();
        }
        DeviceRules rules = this.rules;
        String notYours = identityRefusal(from, clientId, rules);
        if (notYours != null) {
            refuseIdentity(from, clientId, notYours);
            return;
        }
        if (options.requireListed() && !rules.listed(clientId)) {
            metrics.count(Metrics.CONNECT_REFUSED_NOT_LISTED);
            warnings.warn("not_listed", () -> "CONNECT of " + clientId + " from " + from + " refused: not in the devices "
                    + "file and devices.require-listed is true (" + Metrics.CONNECT_REFUSED_NOT_LISTED + ")");
            reply(from, new ConnAck(ReturnCode.REJECTED_NOT_SUPPORTED));
            return;
        }
        if (!rules.addressAllowed(clientId, from)) {
            metrics.count(Metrics.CONNECT_REFUSED_ADDRESS);
            warnings.warn("address_not_allowed", () -> "CONNECT of " + clientId + " from " + from + " refused: the "
                    + "devices file pins it to other addresses (" + Metrics.CONNECT_REFUSED_ADDRESS + ")");
            reply(from, new ConnAck(ReturnCode.REJECTED_NOT_SUPPORTED));
            return;
        }
        // Under the lock forget() takes: a session that is finishing is either forgotten before
        // this lookup, or sees the CONNECT handed over and stays.
        synchronized (this) {
            SessionHost host = byClientId.get(clientId);
            SessionHost holder = byAddress.get(from);
            SessionHost replaced = holder != null && holder != host ? holder : null;
            if (host != null && !sameIdentity(host.address(), from)) {
                refuseIdentity(from, clientId, "its session belongs to " + identityOf(host.address()));
                return;
            }
            // Refusals come before the detach: a refused CONNECT changes nothing. The table holds
            // the replaced session until its loop has ended it, so a full table refuses here.
            if (host == null && byClientId.size() >= options.maxClients()) {
                metrics.count(Metrics.CONNECT_REFUSED_MAX_CLIENTS);
                warnings.warn("max_clients", () -> "CONNECT of " + clientId + " refused: "
                        + options.maxClients() + " clients already (" + Metrics.CONNECT_REFUSED_MAX_CLIENTS + ")");
                reply(from, new ConnAck(ReturnCode.REJECTED_CONGESTION));
                return;
            }
            Object source = FloodGuard.sourceKey(from);
            // A new session, or one moving in from another source (a takeover must not carry
            // sessions past the cap of the source it moves to).
            if ((host == null || !source.equals(host.countedSource)) && sourceFull(source, replaced)) {
                metrics.count(Metrics.CONNECT_REFUSED_PER_IP);
                warnings.warn("per_source_ip", () -> "CONNECT of " + clientId + " from " + from + " refused: "
                        + options.maxSessionsPerIp() + " sessions from " + source + " already "
                        + "(limits.max-sessions-per-source-ip; " + Metrics.CONNECT_REFUSED_PER_IP + ")");
                reply(from, new ConnAck(ReturnCode.REJECTED_CONGESTION));
                return;
            }
            if (replaced != null) {
                detach(replaced, from, clientId);
            }
            if (host == null) {
                host = newSession(clientId, from);
            } else if (!host.address().equals(from)) {
                // MQTT's takeover: the device came back from a new address (NAT rebinding, a new port).
                metrics.count(Metrics.TAKEOVER_ALLOWED);
                LOG.info("client {} taken over at {} from {} (CONNECT from a new address)", clientId, from,
                        host.address());
            }
            bind(host, from);
            host.fromDevice(connect);
        }
    }

    /** The address a device's packets prove, past any forwarder in front of it. */
    private static LinkAddress authenticated(LinkAddress address) {
        return address instanceof LinkAddress.Forwarded forwarded ? forwarded.forwarder() : address;
    }

    /**
     * Why the device at {@code from} may not use {@code clientId}, or null when it may. A device
     * authenticated by DTLS uses its identity, or (dtls.identity-binding exact: only) client ids
     * whose devices-file entry names that identity; a client id the devices file binds to an
     * identity is not for a device on a link that proves none.
     */
    private String identityRefusal(LinkAddress from, String clientId, DeviceRules rules) {
        Optional<String> bound = rules.dtlsIdentity(clientId);
        if (authenticated(from) instanceof LinkAddress.Dtls dtls) {
            if (bound.isPresent()) {
                return bound.get().equals(dtls.identity()) ? null
                        : "the devices file binds it to DTLS identity '" + bound.get() + "'";
            }
            if (options.identityBinding() == DtlsIdentityBinding.EXACT && !clientId.equals(dtls.identity())) {
                return "its DTLS identity is " + (dtls.identity().isEmpty() ? "none (no certificate)"
                        : "'" + dtls.identity() + "'") + " (dtls.identity-binding: exact)";
            }
            return null;
        }
        return bound.map(identity -> "the devices file binds it to DTLS identity '" + identity
                + "', and this link proves no identity").orElse(null);
    }

    /** True unless {@code held} is a DTLS address whose identity {@code from} does not prove. */
    private static boolean sameIdentity(LinkAddress held, LinkAddress from) {
        if (!(authenticated(held) instanceof LinkAddress.Dtls heldDtls)) {
            return true;
        }
        return authenticated(from) instanceof LinkAddress.Dtls fromDtls && fromDtls.identity().equals(heldDtls.identity());
    }

    private static String identityOf(LinkAddress address) {
        return authenticated(address) instanceof LinkAddress.Dtls dtls ? "DTLS identity '" + dtls.identity() + "'"
                : "no identity";
    }

    private void refuseIdentity(LinkAddress from, String clientId, String why) {
        metrics.count(Metrics.CONNECT_REFUSED_IDENTITY);
        warnings.warn("identity", () -> "CONNECT of " + clientId + " from " + from + " refused: " + why + " ("
                + Metrics.CONNECT_REFUSED_IDENTITY + ")");
        reply(from, new ConnAck(ReturnCode.REJECTED_NOT_SUPPORTED));
    }

    /** A stable id for a device that connected without one: the same link address gets the same id. */
    private static String assignedClientId(LinkAddress from) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(from.toString().getBytes(StandardCharsets.UTF_8));
            return "sngate-" + HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /**
     * True when {@code source} holds limits.max-sessions-per-source-ip sessions, not counting
     * {@code leaving} (the session a packet is about to detach from its address there, or null).
     */
    private boolean sourceFull(Object source, SessionHost leaving) {
        int held = sessionsPerSource.getOrDefault(source, 0);
        if (leaving != null && source.equals(leaving.countedSource)) {
            held--;
        }
        return held >= options.maxSessionsPerIp();
    }

    /**
     * {@code address} now belongs to {@code newcomer}: the session that held it ends there, and
     * no longer counts at that address's source (the newcomer takes its place).
     */
    private void detach(SessionHost holder, LinkAddress address, String newcomer) {
        byAddress.remove(address, holder);
        uncountSource(holder);
        metrics.count(Metrics.ADDRESS_REUSED);
        // DEBUG: the session's own "lost" line tells it, with the newcomer's name.
        LOG.debug("client {} at {} detached: client {} connects from that address", holder.clientId(), address,
                newcomer);
        holder.addressTaken(newcomer);
    }

    /**
     * The loop that read the CONNECT, when it is one of the sessions' loops: the device's later
     * packets arrive there too (UdpTransport has a socket per loop), so they reach the session
     * without crossing threads. Readers of other links (serial, radio, DTLS) have their own
     * threads: their sessions take the loops in turn.
     */
    private EventLoop loopForNewSession() {
        for (EventExecutor executor : sessionLoops) {
            if (executor.inEventLoop()) {
                return (EventLoop) executor;
            }
        }
        return sessionLoops.next();
    }

    private SessionHost newSession(String clientId, LinkAddress from) {
        EventLoop loop = loopForNewSession();
        Map<Integer, String> own = rules.predefined(clientId);
        PredefinedTopics topics = own.isEmpty() ? predefined : predefined.with(own);
        SessionHost[] created = new SessionHost[1];
        // A radio carries far less than a datagram: deliveries that would not fit are refused by the
        // session. Asked at each delivery, at the address the session is at then: a radio that came
        // back may have another NP, and a device may have moved to another link.
        ClientSession session = new ClientSession(clientId, sessionConfig, topics, new LivePolicy(clientId),
                1 + random.nextInt(0xFFFF), () -> packetLimit.applyAsInt(created[0].address()));
        SessionHost host = new SessionHost(session, loop, from, clock, links, metrics, warnings, upstreams,
                () -> forget(created[0]));
        created[0] = host;
        byClientId.put(clientId, host);
        countSource(host, from);
        return host;
    }

    /** The devices file as it is now, for one client: a reload applies to its next request. */
    private final class LivePolicy implements SessionPolicy {
        private final String clientId;

        LivePolicy(String clientId) {
            this.clientId = clientId;
        }

        @Override
        public boolean mayPublish(String topic) {
            return rules.mayPublish(clientId, topic);
        }

        @Override
        public boolean maySubscribe(String filter) {
            return rules.maySubscribe(clientId, filter);
        }
    }

    /** The session now answers at {@code address}; the address no longer reaches another session. */
    private void bind(SessionHost host, LinkAddress address) {
        LinkAddress previous = host.address();
        if (!previous.equals(address)) {
            byAddress.remove(previous, host);
            host.moveTo(address, 1 + random.nextInt(0xFFFF));
            countSource(host, address);
        } else if (host.countedSource == null) {
            countSource(host, address); // detached from this address, and back before its loop ended it
        }
        byAddress.put(address, host);
    }

    /** Counts {@code host} towards the per-source cap of {@code address} (and no longer of its old one). */
    private void countSource(SessionHost host, LinkAddress address) {
        uncountSource(host);
        Object source = FloodGuard.sourceKey(address);
        host.countedSource = source;
        sessionsPerSource.merge(source, 1, Integer::sum);
    }

    private void uncountSource(SessionHost host) {
        if (host.countedSource != null) {
            sessionsPerSource.computeIfPresent(host.countedSource, (key, n) -> n > 1 ? n - 1 : null);
            host.countedSource = null;
        }
    }

    private synchronized void forget(SessionHost host) {
        if (host.hasPendingInput()) {
            // A packet (e.g. the device's next CONNECT) reached the session after it finished:
            // the session handles it and is forgotten when it finishes again.
            return;
        }
        if (byClientId.remove(host.clientId(), host)) {
            uncountSource(host);
        }
        byAddress.remove(host.address(), host);
    }

    /**
     * A QoS 1/2 PUBLISH too large to take: its device would resend it until it gives up, so the
     * session at that address answers PUBACK "rejected: not supported" (7 bytes, less than what
     * came in). Read from the header alone; anything else oversized was counted and stays unanswered.
     */
    @Override
    public void onOversized(LinkAddress from, byte[] head) {
        boolean longForm = head.length > 0 && head[0] == 0x01;
        int type = longForm ? 3 : 1;
        if (head.length < type + 6 || (head[type] & 0xFF) != 0x0C) {
            return;
        }
        int flags = head[type + 1] & 0xFF;
        int qos = (flags >> 5) & 0x03;
        if ((qos != 1 && qos != 2) || byAddress.get(from) == null) {
            return;
        }
        int topicId = ((head[type + 2] & 0xFF) << 8) | (head[type + 3] & 0xFF);
        int msgId = ((head[type + 4] & 0xFF) << 8) | (head[type + 5] & 0xFF);
        metrics.count(Metrics.OVERSIZED_PUBLISH_REFUSED);
        reply(from, new PubAck(topicId, msgId, ReturnCode.REJECTED_NOT_SUPPORTED));
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
        if (named == atAddress) {
            named.fromDevice(ping);
            return;
        }
        synchronized (this) {
            LinkAddress owner = named.address();
            // Only a sleeping device may come back from a new address with a PINGREQ (spec §6.14,
            // a NAT rebinding while it slept); an active session stays where it connected.
            if (named.state() != SessionState.ASLEEP) {
                refuseTakeover(from, named, owner, "it is " + named.state().name().toLowerCase() + " there");
                return;
            }
            if (!rules.addressAllowed(named.clientId(), from)) {
                refuseTakeover(from, named, owner, "the devices file pins it to other addresses");
                return;
            }
            String notYours = identityRefusal(from, named.clientId(), rules);
            if (notYours == null && !sameIdentity(owner, from)) {
                notYours = "its session belongs to " + identityOf(owner);
            }
            if (notYours != null) {
                refuseTakeover(from, named, owner, notYours);
                return;
            }
            Object source = FloodGuard.sourceKey(from);
            if (!source.equals(named.countedSource) && sourceFull(source, atAddress)) {
                refuseTakeover(from, named, owner, options.maxSessionsPerIp() + " sessions from " + source
                        + " already (limits.max-sessions-per-source-ip)");
                return;
            }
            if (atAddress != null) {
                detach(atAddress, from, named.clientId());
            }
            metrics.count(Metrics.TAKEOVER_ALLOWED);
            LOG.info("client {} taken over at {} from {} (PINGREQ while asleep)", named.clientId(), from, owner);
            bind(named, from);
            named.fromDevice(ping);
        }
    }

    private void refuseTakeover(LinkAddress from, SessionHost named, LinkAddress owner, String why) {
        metrics.count(Metrics.TAKEOVER_REFUSED);
        warnings.warn("takeover", () -> "PINGREQ from " + from + " names client " + named.clientId() + " of " + owner
                + ": not answered, " + why + " (" + Metrics.TAKEOVER_REFUSED + ")");
    }

    private void toSessionAt(LinkAddress from, MqttSn12Message message) {
        toSession(byAddress.get(from), from, message);
    }

    private void toSession(SessionHost host, LinkAddress from, MqttSn12Message message) {
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
        if (!rules.mayPublishWithoutSession(from, topic, options.requireListed())) {
            metrics.count(Metrics.DROPPED_QOS_MINUS_ONE);
            String refused = topic;
            warnings.warn("qos-1", () -> "QoS -1 PUBLISH from " + from + " to '" + refused + "' dropped: the devices "
                    + "file lets no QoS -1 device at that address publish there (" + Metrics.DROPPED_QOS_MINUS_ONE + ")");
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
        logOut(to, message);
        links.send(to, MqttSn12Codec.INSTANCE.encode(message));
    }

    /** A packet the gateway sends to a device, at DEBUG. */
    static void logOut(LinkAddress to, MqttSn12Message message) {
        if (PACKETS.isDebugEnabled()) {
            PACKETS.debug("out {} -> {}", message, to);
        }
    }

    /** A device's own broker credentials under the devices file in force. */
    java.util.Optional<io.sngate.gateway.upstream.DeviceCredentials> credentials(String clientId) {
        return rules.credentials(clientId);
    }

    /** Applies reloaded gateway-wide predefined topic ids to new sessions and QoS -1 publishes. */
    void predefined(PredefinedTopics reloaded) {
        this.predefined = reloaded;
    }

    /** Applies a (re)loaded devices file to the next packets. */
    void rules(DeviceRules newRules) {
        this.rules = newRules;
    }

    /** Sessions counted per source, for tests: must be empty once every session ended. */
    synchronized Map<Object, Integer> sessionsPerSource() {
        return Map.copyOf(sessionsPerSource);
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
