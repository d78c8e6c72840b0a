package io.sngate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PingResp;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.gateway.session.ClientSession;
import io.sngate.gateway.session.PredefinedTopics;
import io.sngate.gateway.session.SessionConfig;
import io.sngate.gateway.session.UpstreamConnect;
import io.sngate.gateway.session.UpstreamEvent;
import io.sngate.gateway.session.Will;
import io.sngate.gateway.transport.LinkAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SessionHost}'s one timer, driven with a fake clock on Netty's embedded loop (its time
 * frozen, moved together with the clock): the session is ticked at its deadlines, a timer left
 * for a later deadline fires early and harmlessly, and a finished session leaves.
 */
class SessionHostClockTest {

    static final LinkAddress DEVICE = new LinkAddress.Udp(new InetSocketAddress("192.0.2.7", 40000));
    static final int PREDEFINED = 7;

    final EmbeddedChannel loopChannel = new EmbeddedChannel();
    final EventLoop loop = loopChannel.eventLoop();
    final List<MqttSn12Message> sent = new ArrayList<>();
    final List<String> upstreamCalls = new ArrayList<>();
    final Metrics metrics = new Metrics();
    Consumer<UpstreamEvent> events;
    long now = 1_000_000;
    int finished;
    SessionHost host;

    @BeforeEach
    void start() {
        SessionUpstream.Factory upstreams = new SessionUpstream.Factory() {
            @Override
            public SessionUpstream create(String clientId, EventLoop sessionLoop, Consumer<UpstreamEvent> sink) {
                events = sink;
                return new Recording();
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
                throw new AssertionError("undecodable packet", e);
            }
        };
        ClientSession session = new ClientSession("clock-test", SessionConfig.DEFAULTS,
                new PredefinedTopics(Map.of(PREDEFINED, "room/temp")));
        host = new SessionHost(session, loop, DEVICE, () -> now, links, metrics,
                new WarnLimiter(10_000, () -> now), upstreams, () -> finished++);
    }

    final class Recording implements SessionUpstream {
        @Override
        public void connect(UpstreamConnect request) {
            upstreamCalls.add("connect");
        }

        @Override
        public void publish(long token, String topic, Bytes payload, QoS qos, boolean retain, int msgId) {
            upstreamCalls.add("publish " + topic);
        }

        @Override
        public void release(long token, int msgId) {
        }

        @Override
        public void subscribe(long token, String topicFilter, QoS qos) {
        }

        @Override
        public void unsubscribe(long token, String topicFilter) {
        }

        @Override
        public void acknowledge(long deliveryId) {
            upstreamCalls.add("acknowledge " + deliveryId);
        }

        @Override
        public void willChanged(Optional<Will> will) {
        }

        @Override
        public void disconnect(boolean publishWill, boolean endSession) {
            upstreamCalls.add("disconnect will=" + publishWill);
        }

        @Override
        public void shutdown() {
        }
    }

    void runLoop() {
        do {
            loopChannel.runPendingTasks();
            loopChannel.checkException();
        } while (loopChannel.hasPendingTasks());
    }

    /** Lets {@code millis} pass, running each timer at its own time. */
    void advance(long millis) {
        long target = now + millis;
        for (long next = loopChannel.runScheduledPendingTasks(); next >= 0;
             next = loopChannel.runScheduledPendingTasks()) {
            long at = now + (next + 999_999) / 1_000_000;
            if (at > target) {
                break;
            }
            moveTime(at - now);
            runLoop();
        }
        moveTime(target - now);
        runLoop();
    }

    private void moveTime(long millis) {
        now += millis;
        loopChannel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
    }

    void fromDevice(MqttSn12Message message) {
        host.fromDevice(message);
        runLoop();
    }

    void fromBroker(UpstreamEvent event) {
        loop.execute(() -> events.accept(event));
        runLoop();
    }

    void connect(int keepAlive) {
        fromDevice(new Connect(false, true, Connect.PROTOCOL_ID, keepAlive, Bytes.utf8("clock-test")));
        fromBroker(new UpstreamEvent.Connected(false));
        assertThat(sent).containsExactly(new ConnAck(ReturnCode.ACCEPTED));
        sent.clear();
        upstreamCalls.clear();
    }

    @Test
    void aSilentDeviceIsLostAtOneAndAHalfKeepAlivesAndTheSessionLeaves() {
        connect(10);
        advance(14_999);
        assertThat(finished).isZero();
        advance(1);
        assertThat(finished).isEqualTo(1);
        assertThat(upstreamCalls).containsExactly("disconnect will=true");
        assertThat(metrics.get(Metrics.CLIENTS_LOST)).isEqualTo(1);
    }

    @Test
    void packetsPushTheSupervisionBackAndTheTimerThatFiresEarlyChangesNothing() {
        connect(10);
        for (int i = 0; i < 5; i++) {
            advance(9_000);
            fromDevice(PingReq.PLAIN);
            assertThat(sent).containsExactly(new PingResp());
            sent.clear();
        }
        // The timer set at the CONNECT has fired early four times, each finding nothing due.
        assertThat(finished).isZero();
        assertThat(upstreamCalls).isEmpty();
        advance(14_999);
        assertThat(finished).isZero();
        advance(1);
        assertThat(finished).isEqualTo(1);
    }

    @Test
    void anUnansweredDeliveryIsSentAgainAtTRetryWithDup() {
        connect(60);
        fromBroker(new UpstreamEvent.Message(1, "room/temp", Bytes.utf8("21"), QoS.AT_LEAST_ONCE, false));
        assertThat(sent).hasSize(1);
        Publish first = (Publish) sent.get(0);
        assertThat(first.dup()).isFalse();
        assertThat(first.topicIdType()).isEqualTo(TopicIdType.PREDEFINED);
        sent.clear();

        advance(SessionConfig.DEFAULTS.retryMillis() - 1);
        assertThat(sent).isEmpty();
        advance(1);
        assertThat(sent).hasSize(1);
        Publish again = (Publish) sent.get(0);
        assertThat(again.dup()).isTrue();
        assertThat(again.msgId()).isEqualTo(first.msgId());
    }
}
