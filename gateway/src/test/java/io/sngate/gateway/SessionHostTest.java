package io.sngate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.gateway.session.ClientSession;
import io.sngate.gateway.session.DeliveryFailure;
import io.sngate.gateway.session.PredefinedTopics;
import io.sngate.gateway.session.SessionConfig;
import io.sngate.gateway.session.UpstreamConnect;
import io.sngate.gateway.session.UpstreamEvent;
import io.sngate.gateway.session.Will;
import io.sngate.gateway.transport.LinkAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SessionHost} on a real event loop with an upstream that answers at once, on the
 * caller's stack, as a transparent upstream without a connection does: the session must never
 * be handed an event while it is still handling the input that caused it.
 */
class SessionHostTest {

    static final LinkAddress DEVICE = new LinkAddress.Udp(new InetSocketAddress("192.0.2.5", 40000));

    final EventLoop loop = new DefaultEventLoop();
    final List<MqttSn12Message> sent = new CopyOnWriteArrayList<>();
    /** For each packet sent to the device: was an upstream call still on the stack? */
    final List<Boolean> sentInsideUpstreamCall = new CopyOnWriteArrayList<>();
    boolean insideUpstreamCall;

    /** Connects at once and fails every publish at once, both on the caller's stack. */
    final class AnsweringAtOnce implements SessionUpstream {
        final Consumer<UpstreamEvent> events;

        AnsweringAtOnce(Consumer<UpstreamEvent> events) {
            this.events = events;
        }

        private void answer(UpstreamEvent event) {
            insideUpstreamCall = true;
            try {
                events.accept(event);
            } finally {
                insideUpstreamCall = false;
            }
        }

        @Override
        public void connect(UpstreamConnect request) {
            answer(new UpstreamEvent.Connected(false));
        }

        @Override
        public void publish(long token, String topic, Bytes payload, QoS qos, boolean retain, int msgId) {
            answer(new UpstreamEvent.PublishDone(token, Optional.of(DeliveryFailure.CONGESTION)));
        }

        @Override
        public void release(long token, int msgId) {
            answer(new UpstreamEvent.PublishDone(token, Optional.of(DeliveryFailure.CONGESTION)));
        }

        @Override
        public void subscribe(long token, String topicFilter, QoS qos) {
        }

        @Override
        public void unsubscribe(long token, String topicFilter) {
        }

        @Override
        public void acknowledge(long deliveryId) {
        }

        @Override
        public void willChanged(Optional<Will> will) {
        }

        @Override
        public void disconnect(boolean publishWill, boolean endSession) {
        }

        @Override
        public void shutdown() {
        }
    }

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void anUpstreamAnswerGivenOnTheCallersStackReachesTheSessionAfterTheInputThatAskedForIt() {
        SessionUpstream.Factory upstreams = new SessionUpstream.Factory() {
            @Override
            public SessionUpstream create(String clientId, EventLoop sessionLoop, Consumer<UpstreamEvent> events) {
                return new AnsweringAtOnce(events);
            }

            @Override
            public void publishWithoutSession(String topic, Bytes payload, boolean retain) {
            }

            @Override
            public String brokerUri() {
                return "tcp://fake";
            }

            @Override
            public void close() {
            }
        };
        SessionHost.Links links = (to, packet) -> {
            try {
                sent.add(MqttSn12Codec.INSTANCE.decode(packet));
            } catch (io.sngate.codec.DecodeException e) {
                throw new AssertionError("the gateway sent an undecodable packet", e);
            }
            sentInsideUpstreamCall.add(insideUpstreamCall);
        };
        ClientSession session = new ClientSession("host-test", SessionConfig.DEFAULTS,
                new PredefinedTopics(Map.of(7, "room/temp")));
        SessionHost host = new SessionHost(session, loop, DEVICE, () -> 1_000L, links, new Metrics(),
                new WarnLimiter(10_000, () -> 0), upstreams, () -> { });

        host.fromDevice(new Connect(false, true, Connect.PROTOCOL_ID, 60, Bytes.utf8("host-test")));
        host.fromDevice(new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.PREDEFINED, 7, 5, Bytes.utf8("x")));

        await().atMost(Duration.ofSeconds(5)).until(() -> sent.size() == 2);
        assertThat(sent).containsExactly(new ConnAck(ReturnCode.ACCEPTED),
                new PubAck(7, 5, ReturnCode.REJECTED_CONGESTION));
        assertThat(sentInsideUpstreamCall).as("answered while the upstream call was still on the stack")
                .containsExactly(false, false);
    }
}
