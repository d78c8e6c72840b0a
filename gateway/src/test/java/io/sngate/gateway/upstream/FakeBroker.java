package io.sngate.gateway.upstream;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnAckVariableHeader;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted MQTT 5 "broker" for protocol details a real broker will not do on demand (a small
 * Receive Maximum, silence on PINGREQ, re-sending a QoS 2 PUBLISH, odd reason codes). It answers
 * CONNECT with a configurable CONNACK and records every packet; the test sends the rest.
 */
final class FakeBroker implements AutoCloseable {

    /** One packet from the client, copied out of Netty's buffers. */
    record Packet(MqttMessageType type, int packetId, boolean dup, int qos, boolean retain, String topic,
                  byte[] payload, int reasonCode, boolean cleanStart, MqttProperties properties) {
    }

    private final EventLoopGroup group = new NioEventLoopGroup(1);
    private final Channel server;
    private final BlockingQueue<Packet> received = new LinkedBlockingQueue<>();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile Channel client;
    private volatile MqttProperties connAckProperties = MqttProperties.NO_PROPERTIES;
    private volatile boolean sessionPresent;
    private volatile boolean autoAckQos1;
    private volatile boolean answerPings = true;
    /** The DISCONNECT reason sent right after CONNACK, while {@link #connectionsToEnd} lasts. */
    private volatile int disconnectAfterConnack;
    private final AtomicInteger connectionsToEnd = new AtomicInteger();

    FakeBroker() throws InterruptedException {
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new MqttDecoder(1024 * 1024), MqttEncoder.INSTANCE, new Handler());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    FakeBroker receiveMaximum(int value) {
        MqttProperties p = new MqttProperties();
        p.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.RECEIVE_MAXIMUM.value(), value));
        connAckProperties = p;
        return this;
    }

    FakeBroker sessionPresent(boolean value) {
        sessionPresent = value;
        return this;
    }

    FakeBroker autoAckQos1(boolean value) {
        autoAckQos1 = value;
        return this;
    }

    FakeBroker answerPings(boolean value) {
        answerPings = value;
        return this;
    }

    /** Ends the next {@code count} connections right after their CONNACK with DISCONNECT {@code reason}. */
    FakeBroker disconnectAfterConnack(int reason, int count) {
        disconnectAfterConnack = reason;
        connectionsToEnd.set(count);
        return this;
    }

    int connections() {
        return connections.get();
    }

    /** The next packet from the client, failing after {@code timeout}. */
    Packet next(Duration timeout) throws InterruptedException {
        Packet p = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (p == null) {
            throw new AssertionError("no packet from the client within " + timeout);
        }
        return p;
    }

    Packet next() throws InterruptedException {
        return next(Duration.ofSeconds(5));
    }

    /** The next packet of {@code type}, skipping PINGREQs. */
    Packet next(MqttMessageType type) throws InterruptedException {
        while (true) {
            Packet p = next();
            if (p.type() == MqttMessageType.PINGREQ && type != MqttMessageType.PINGREQ) {
                continue;
            }
            if (p.type() != type) {
                throw new AssertionError("expected " + type + ", got " + p);
            }
            return p;
        }
    }

    /** Nothing (but PINGREQ) arrives within {@code window}. */
    Packet poll(Duration window) throws InterruptedException {
        return received.poll(window.toMillis(), TimeUnit.MILLISECONDS);
    }

    void send(MqttMessage msg) {
        client.writeAndFlush(msg).syncUninterruptibly();
    }

    void pubReply(MqttMessageType type, int packetId, int reason) {
        MqttQoS qos = type == MqttMessageType.PUBREL ? MqttQoS.AT_LEAST_ONCE : MqttQoS.AT_MOST_ONCE;
        send(new MqttMessage(new MqttFixedHeader(type, false, qos, false, 0),
                new MqttPubReplyMessageVariableHeader(packetId, (byte) reason, MqttProperties.NO_PROPERTIES)));
    }

    void subAck(int packetId, int reason) {
        send(new MqttSubAckMessage(new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(packetId, MqttProperties.NO_PROPERTIES),
                new MqttSubAckPayload(reason)));
    }

    void publish(String topic, byte[] payload, int qos, int packetId, boolean dup) {
        send(new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, dup, MqttQoS.valueOf(qos), false, 0),
                new MqttPublishVariableHeader(topic, packetId), Unpooled.wrappedBuffer(payload)));
    }

    void unsubAck(int packetId, int reason) {
        send(MqttMessageBuilders.unsubAck().packetId(packetId).addReasonCode((short) reason).build());
    }

    /** Sends DISCONNECT with {@code reason}, then closes the client's TCP connection. */
    void disconnect(int reason) {
        Channel ch = client;
        ch.writeAndFlush(MqttMessageBuilders.disconnect().reasonCode((byte) reason).build())
                .addListener(ChannelFutureListener.CLOSE);
        ch.closeFuture().syncUninterruptibly();
    }

    /** Drops the client's TCP connection. */
    void dropClient() {
        Channel ch = client;
        if (ch != null) {
            ch.close().syncUninterruptibly();
        }
    }

    boolean clientConnected() {
        Channel ch = client;
        return ch != null && ch.isActive();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Handler extends SimpleChannelInboundHandler<MqttMessage> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
            if (msg.decoderResult().isFailure()) {
                throw new AssertionError("client sent a malformed packet", msg.decoderResult().cause());
            }
            Packet p = copy(msg);
            received.add(p);
            switch (p.type()) {
                case CONNECT -> {
                    client = ctx.channel();
                    connections.incrementAndGet();
                    ctx.writeAndFlush(new MqttConnAckMessage(
                            new MqttFixedHeader(MqttMessageType.CONNACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                            new MqttConnAckVariableHeader(MqttConnectReturnCode.CONNECTION_ACCEPTED,
                                    sessionPresent, connAckProperties)));
                    if (connectionsToEnd.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        ctx.writeAndFlush(MqttMessageBuilders.disconnect()
                                        .reasonCode((byte) disconnectAfterConnack).build())
                                .addListener(ChannelFutureListener.CLOSE);
                    }
                }
                case PINGREQ -> {
                    if (answerPings) {
                        ctx.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGRESP, false,
                                MqttQoS.AT_MOST_ONCE, false, 0)));
                    }
                }
                case PUBLISH -> {
                    if (autoAckQos1 && p.qos() == 1) {
                        ctx.writeAndFlush(MqttMessageBuilders.pubAck().packetId(p.packetId()).build());
                    }
                }
                default -> {
                }
            }
        }
    }

    private static Packet copy(MqttMessage msg) {
        MqttFixedHeader h = msg.fixedHeader();
        int packetId = 0;
        int reason = 0;
        String topic = null;
        byte[] payload = null;
        boolean cleanStart = false;
        MqttProperties props = MqttProperties.NO_PROPERTIES;
        Object vh = msg.variableHeader();
        if (msg instanceof MqttPublishMessage pub) {
            packetId = pub.variableHeader().packetId();
            topic = pub.variableHeader().topicName();
            payload = ByteBufUtil.getBytes(pub.payload());
        } else if (msg instanceof MqttConnectMessage c) {
            cleanStart = c.variableHeader().isCleanSession();
            props = c.variableHeader().properties();
            topic = c.payload().willTopic();
            payload = c.payload().willMessageInBytes();
        } else if (vh instanceof MqttPubReplyMessageVariableHeader r) {
            packetId = r.messageId();
            reason = r.reasonCode() & 0xFF;
        } else if (vh instanceof MqttMessageIdVariableHeader id) {
            packetId = id.messageId();
        } else if (vh instanceof MqttReasonCodeAndPropertiesVariableHeader r) {
            reason = r.reasonCode() & 0xFF;
            props = r.properties();
        }
        return new Packet(h.messageType(), packetId, h.isDup(), h.qosLevel().value(), h.isRetain(), topic, payload,
                reason, cleanStart, props);
    }
}
