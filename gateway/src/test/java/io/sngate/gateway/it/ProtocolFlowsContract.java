package io.sngate.gateway.it;

import static io.sngate.codec.v12.ReturnCode.ACCEPTED;
import static io.sngate.codec.v12.TopicIdType.NORMAL;
import static io.sngate.codec.v12.TopicIdType.PREDEFINED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PingResp;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.PubComp;
import io.sngate.codec.v12.PubRec;
import io.sngate.codec.v12.PubRel;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.ShortTopicName;
import io.sngate.codec.v12.SubAck;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.TopicRef;
import io.sngate.codec.v12.WillMsgResp;
import io.sngate.codec.v12.WillMsgUpd;
import io.sngate.codec.v12.WillTopicResp;
import io.sngate.codec.v12.WillTopicUpd;
import io.sngate.gateway.Metrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The MQTT-SN 1.2 flows every set-up must carry, against a real gateway over real UDP and a
 * real broker, observed at the broker with Paho. One gateway (and broker) per concrete class;
 * every test uses its own client ids and topics ({@link #id}, {@link #topic}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class ProtocolFlowsContract {

    /** A payload that is not text: NUL and 0xFF bytes must arrive byte-exact. */
    static final byte[] BINARY = {0x00, (byte) 0xFF, 0x00, 0x7F, (byte) 0x80, (byte) 0xFF, 0x0A, 0x00};

    TestGateway gw;
    /** Paho at the broker, shared by the tests of a class (each test subscribes to its own topics). */
    Observer paho;
    private String testName;

    abstract Setup setup();

    @BeforeAll
    void startGateway() throws Exception {
        gw = TestGateway.start(setup());
        paho = gw.observer(setup().tag() + "-paho");
    }

    @AfterAll
    void stopGateway() throws Exception {
        if (paho != null) {
            paho.close();
        }
        if (gw != null) {
            gw.close();
        }
    }

    @BeforeEach
    void nameTest(TestInfo info) {
        testName = info.getTestMethod().orElseThrow().getName();
    }

    /** A client id unique to this set-up, test and role. */
    String id(String role) {
        return setup().tag() + "-" + testName + "-" + role;
    }

    /** A topic unique to this set-up and test. */
    String topic(String leaf) {
        return "it/" + setup().tag() + "/" + testName + "/" + leaf;
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Waits for evidence that the broker saw {@code clientId} leave with a normal DISCONNECT
     * (without will). The generic version has none to wait for; set-ups that can see it override.
     */
    void awaitCleanDisconnectAtBroker(String clientId) {
    }

    /** Asserts that nothing arrives on {@code topic} for {@code quiet}. */
    static void assertNothingFor(Observer observer, String topic, Duration quiet) {
        await("nothing on " + topic).during(quiet).atMost(quiet.plusSeconds(5))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> observer.on(topic).isEmpty());
    }

    // ================================================================== CONNECT, wills

    @Test
    void connectWithCleanSessionPublishAndDisconnect() throws Exception {
        String t = topic("data");
        paho.subscribe(t, 1);
        try (Device d = gw.device(id("dev"))) {
            d.connected(true, 60);
            int topicId = d.register(t);
            assertThat(d.publish1(NORMAL, topicId, bytes("hello"), false).returnCode()).isEqualTo(ACCEPTED);
            paho.awaitText(t, "hello");
            d.disconnect();
            // A clean session ends with DISCONNECT: anything but CONNECT is now answered with DISCONNECT.
            d.send(PingReq.PLAIN);
            assertThat(d.next(Disconnect.class).isSleep()).isFalse();
        }
    }

    @Test
    void persistentSessionKeepsSubscriptionAndMessagesWhileDisconnected() throws Exception {
        String t = topic("kept");
        try (Device d = gw.device(id("dev"))) {
            d.connected(false, 60);
            SubAck ack = d.subscribe(t, QoS.AT_LEAST_ONCE);
            assertThat(ack.returnCode()).isEqualTo(ACCEPTED);
            d.disconnect();
            paho.publish(t, BINARY, 1, false);
            // Clean session 0 from another UDP port: the subscription and the message are still there.
            try (Device again = gw.device(d.clientId)) {
                again.topicIds.putAll(d.topicIds);
                again.connected(false, 60);
                Publish p = again.receive();
                assertThat(again.topicOf(p)).isEqualTo(t);
                assertThat(p.data().toArray()).isEqualTo(BINARY);
                assertThat(p.qos()).isEqualTo(QoS.AT_LEAST_ONCE);
                again.disconnect();
            }
        }
    }

    @Test
    void cleanSessionOnReconnectDropsTheOldSubscriptions() throws Exception {
        String old = topic("old");
        String marker = topic("marker");
        try (Device d = gw.device(id("dev"))) {
            d.connected(false, 60);
            d.subscribe(old, QoS.AT_LEAST_ONCE);
            d.disconnect();
            d.connected(true, 60);
            d.subscribe(marker, QoS.AT_LEAST_ONCE);
            paho.publish(old, "stale", 1);
            paho.publish(marker, "marker", 1);
            // Both come from one publisher in order: a message on the old topic would come first.
            Publish first = d.receive();
            assertThat(first.data().utf8()).isEqualTo("marker");
            assertThat(d.topicOf(first)).isEqualTo(marker);
            d.disconnect();
        }
    }

    @Test
    void willIsPublishedWhenTheKeepAliveExpires() throws Exception {
        String willTopic = topic("will");
        paho.subscribe(willTopic, 1);
        try (Device d = gw.device(id("dev"))) {
            long lostBefore = gw.metric(Metrics.CLIENTS_LOST);
            d.connectedWithWill(true, 1, willTopic, QoS.AT_LEAST_ONCE, true, BINARY);
            // The device falls silent: lost after keep-alive 1 s x factor 1.5.
            Observer.Message will = paho.awaitFirst(willTopic);
            assertThat(will.payload()).isEqualTo(BINARY);
            assertThat(will.qos()).isEqualTo(1);
            assertThat(gw.metric(Metrics.CLIENTS_LOST)).isGreaterThan(lostBefore);
            try (Observer late = gw.observer(id("late"))) {
                late.subscribe(willTopic, 1);
                assertThat(late.awaitFirst(willTopic).retained()).as("will retain flag").isTrue();
            }
            // The lost clean session is gone: the gateway asks the device to connect again.
            d.send(PingReq.PLAIN);
            d.expect(Disconnect.class);
        }
    }

    @Test
    void emptyWillTopicDuringConnectMeansNoWill() {
        try (Device d = gw.device(id("dev"))) {
            d.send(new io.sngate.codec.v12.Connect(true, true, 60, d.clientId));
            d.next(io.sngate.codec.v12.WillTopicReq.class);
            d.send(io.sngate.codec.v12.WillTopic.EMPTY);
            assertThat(d.next(io.sngate.codec.v12.ConnAck.class).returnCode()).isEqualTo(ACCEPTED);
            d.send(PingReq.PLAIN);
            d.next(PingResp.class);
            d.disconnect();
        }
    }

    @Test
    void willIsNotPublishedOnDisconnect() throws Exception {
        String willTopic = topic("will");
        paho.subscribe(willTopic, 1);
        try (Device d = gw.device(id("dev"))) {
            d.connectedWithWill(true, 1, willTopic, QoS.AT_LEAST_ONCE, false, bytes("must not appear"));
            d.disconnect();
            awaitCleanDisconnectAtBroker(d.clientId);
            // Longer than the keep-alive supervision (1.5 s) would take: still no will.
            assertNothingFor(paho, willTopic, Duration.ofMillis(2500));
        }
    }

    @Test
    void willTopicAndMessageUpdatesChangeTheWill() throws Exception {
        String oldTopic = topic("will-old");
        String newTopic = topic("will-new");
        paho.subscribe(topic("+"), 1);
        try (Device d = gw.device(id("dev"))) {
            d.connectedWithWill(true, 2, oldTopic, QoS.AT_MOST_ONCE, false, bytes("old will"));
            d.send(new WillTopicUpd(QoS.AT_LEAST_ONCE, false, newTopic));
            assertThat(d.next(WillTopicResp.class).returnCode()).isEqualTo(ACCEPTED);
            d.send(new WillMsgUpd(Bytes.copyOf(BINARY)));
            assertThat(d.next(WillMsgResp.class).returnCode()).isEqualTo(ACCEPTED);
            // Silent now: lost after 2 s x 1.5, and the updated will is the one published.
            Observer.Message will = paho.awaitFirst(newTopic);
            assertThat(will.payload()).isEqualTo(BINARY);
            assertThat(will.qos()).isEqualTo(1);
            assertThat(paho.on(oldTopic)).as("the replaced will").isEmpty();
        }
    }

    /**
     * DISCONNECT, then at once CONNECT again with the same client id, many times: each new
     * session must be reachable (regression: the CONNECT could reach a session that was being
     * forgotten, and the device's next packets were answered with DISCONNECT).
     */
    @Test
    void reconnectRightAfterDisconnectGetsAWorkingSession() {
        for (int i = 0; i < 300; i++) {
            try (Device d = gw.device(id("dev") + "-" + (i % 5))) {
                d.connected(true, 60);
                d.disconnect();
                d.connected(true, 60);
                d.send(PingReq.PLAIN);
                assertThat(d.next()).as("answer to PINGREQ after reconnect #%s", i).isInstanceOf(PingResp.class);
                d.disconnect();
            }
        }
    }

    @Test
    void clientIdOfMoreThanAThousandBytesIsAccepted() throws Exception {
        String longId = id("dev") + "-" + "x".repeat(1000);
        assertThat(longId.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(1000);
        String t = topic("long-id");
        paho.subscribe(t, 1);
        try (Device d = gw.device(longId)) {
            d.connected(true, 60);
            int topicId = d.register(t);
            assertThat(d.publish1(NORMAL, topicId, bytes("from a long id"), false).returnCode()).isEqualTo(ACCEPTED);
            paho.awaitText(t, "from a long id");
            d.send(PingReq.PLAIN);
            d.next(PingResp.class);
            d.disconnect();
        }
    }

    @Test
    void duplicateConnectFromTheSameAddressRestartsTheSessionCleanly() throws Exception {
        String willTopic = topic("will");
        String old = topic("old");
        String marker = topic("marker");
        String up = topic("up");
        paho.subscribe(willTopic, 1).subscribe(up, 1);
        try (Device d = gw.device(id("dev"))) {
            d.connectedWithWill(true, 60, willTopic, QoS.AT_LEAST_ONCE, false, bytes("first will"));
            d.subscribe(old, QoS.AT_LEAST_ONCE);
            // The same device, same address, connects again (no will, clean session).
            d.connected(true, 60);
            d.subscribe(marker, QoS.AT_LEAST_ONCE);
            paho.publish(old, "stale", 1);
            paho.publish(marker, "fresh", 1);
            assertThat(d.receive().data().utf8()).as("the old subscription is gone").isEqualTo("fresh");
            int topicId = d.register(up);
            assertThat(d.publish1(NORMAL, topicId, bytes("after restart"), false).returnCode()).isEqualTo(ACCEPTED);
            paho.awaitText(up, "after restart");
            d.disconnect();
            awaitCleanDisconnectAtBroker(d.clientId);
            assertNothingFor(paho, willTopic, Duration.ofSeconds(1));
        }
    }

    // ================================================================== REGISTER, PUBLISH from the device

    @Test
    void publishAtQos0And1And2ArrivesByteExact() throws Exception {
        String t = topic("binary");
        byte[] zero = {0x00};
        byte[] ff = {(byte) 0xFF};
        paho.subscribe(t, 2);
        try (Device d = gw.device(id("dev"))) {
            d.connected(true, 60);
            int topicId = d.register(t);
            assertThat(d.register(t)).as("the same name registered again: the same id").isEqualTo(topicId);
            d.publish0(NORMAL, topicId, zero, false);
            paho.awaitCount(t, 1);
            PubAck ack = d.publish1(NORMAL, topicId, ff, false);
            assertThat(ack.returnCode()).isEqualTo(ACCEPTED);
            assertThat(ack.topicId()).isEqualTo(topicId);
            d.publish2(NORMAL, topicId, BINARY, false);
            List<Observer.Message> got = paho.awaitCount(t, 3);
            assertThat(got).extracting(m -> m.qos() + ":" + Bytes.copyOf(m.payload()).toHex())
                    .containsExactlyInAnyOrder("0:00", "1:ff", "2:" + Bytes.copyOf(BINARY).toHex());
            assertThat(got).extracting(Observer.Message::retained).containsOnly(false);
            d.disconnect();
        }
    }

    @Test
    void resentQos2PublishReachesTheBrokerOnce() throws Exception {
        String t = topic("exactly-once");
        paho.subscribe(t, 2);
        try (Device d = gw.device(id("dev"))) {
            d.connected(true, 60);
            int topicId = d.register(t);
            int msgId = d.nextMsgId();
            Publish publish = new Publish(false, QoS.EXACTLY_ONCE, false, NORMAL, topicId, msgId, Bytes.utf8("once"));
            d.send(publish);
            d.send(publish.asDuplicate()); // as if the first PUBREC were slow: the device resends
            d.expect(PubRec.class, r -> r.msgId() == msgId, "PUBREC " + msgId);
            d.send(new PubRel(msgId));
            d.expect(PubComp.class, c -> c.msgId() == msgId, "PUBCOMP " + msgId);
            d.publish2(NORMAL, topicId, bytes("marker"), false);
            // Same publisher, same QoS, same topic: a second copy would arrive before the marker.
            paho.awaitText(t, "marker");
            assertThat(paho.texts(t)).containsExactly("once", "marker");
            d.disconnect();
        }
    }

    @Test
    void retainedPublishIsAtTheBrokerWhenAcknowledged() throws Exception {
        String t1 = topic("retained-1");
        String t2 = topic("retained-2");
        try (Device d = gw.device(id("dev"))) {
            d.connected(true, 60);
            int id1 = d.register(t1);
            int id2 = d.register(t2);
            assertThat(d.publish1(NORMAL, id1, BINARY, true).returnCode()).isEqualTo(ACCEPTED);
            // The PUBACK came after the broker's: a subscriber that arrives only now gets the message.
            try (Observer late = gw.observer(id("late1")).subscribe(t1, 1)) {
                Observer.Message m = late.awaitFirst(t1);
                assertThat(m.payload()).isEqualTo(BINARY);
                assertThat(m.retained()).isTrue();
            }
            d.publish2(NORMAL, id2, bytes("two"), true);
            try (Observer late = gw.observer(id("late2")).subscribe(t2, 2)) {
                Observer.Message m = late.awaitFirst(t2);
                assertThat(m.text()).isEqualTo("two");
                assertThat(m.retained()).isTrue();
                assertThat(m.qos()).isEqualTo(2);
            }
            d.disconnect();
        }
    }

    @Test
    void publishToAnUnknownTopicIdIsRejectedWithInvalidTopicId() {
        try (Device d = gw.device(id("dev"))) {
            d.connected(true, 60);
            int msgId = d.nextMsgId();
            d.send(new Publish(false, QoS.AT_LEAST_ONCE, false, NORMAL, 0x4242, msgId, Bytes.copyOf(BINARY)));
            PubAck ack = d.next(PubAck.class);
            assertThat(ack.topicId()).isEqualTo(0x4242);
            assertThat(ack.msgId()).isEqualTo(msgId);
            assertThat(ack.returnCode()).isEqualTo(ReturnCode.REJECTED_INVALID_TOPIC_ID);

            d.send(new Publish(false, QoS.AT_MOST_ONCE, false, NORMAL, 0x4343, 0, Bytes.copyOf(BINARY)));
            PubAck qos0 = d.next(PubAck.class);
            assertThat(qos0.topicId()).isEqualTo(0x4343);
            assertThat(qos0.returnCode()).isEqualTo(ReturnCode.REJECTED_INVALID_TOPIC_ID);

            assertThat(d.publish1(PREDEFINED, 999, BINARY, false).returnCode())
                    .as("unknown predefined id").isEqualTo(ReturnCode.REJECTED_INVALID_TOPIC_ID);
            d.disconnect();
        }
    }

    @Test
    void qosMinusOnePublishWithoutConnectArrivesAtTheBroker() throws Exception {
        String predefined = TestGateway.PREDEFINED.get(100);
        paho.subscribe(predefined, 1).subscribe("q1", 1);
        try (Device d = gw.device(id("never-connects"))) {
            long before = gw.metric(Metrics.QOS_MINUS_ONE_PUBLISHED);
            d.send(new Publish(false, QoS.MINUS_ONE, false, PREDEFINED, 100, 0, Bytes.copyOf(BINARY)));
            d.send(Publish.toShortName("q1", QoS.MINUS_ONE, false, 0, Bytes.utf8("short name")));
            Observer.Message m = paho.awaitFirst(predefined);
            assertThat(m.payload()).isEqualTo(BINARY);
            assertThat(m.qos()).isZero();
            assertThat(paho.awaitText("q1", "short name").qos()).isZero();
            assertThat(gw.metric(Metrics.QOS_MINUS_ONE_PUBLISHED)).isEqualTo(before + 2);
            assertThat(d.receivedWithin(Duration.ofMillis(200))).as("fire and forget: no answer").isEmpty();
        }
    }

    // ================================================================== SUBSCRIBE, delivery to the device

    @Test
    void subscribeByNameAndReceiveAtQos0And1And2() throws Exception {
        String t = topic("news");
        byte[] zero = {0x00};
        byte[] ff = {(byte) 0xFF};
        try (Device d = gw.device(id("dev"))) {
            d.connected(true, 60);
            SubAck ack = d.subscribe(t, QoS.EXACTLY_ONCE);
            assertThat(ack.returnCode()).isEqualTo(ACCEPTED);
            assertThat(ack.grantedQos()).isEqualTo(QoS.EXACTLY_ONCE);
            assertThat(ack.topicId()).as("topic id of a name without wildcards").isNotIn(0, 0xFFFF);
            paho.publish(t, zero, 0, false);
            paho.publish(t, ff, 1, false);
            paho.publish(t, BINARY, 2, false);

            // One at a time, each with its own QoS flow. (Brokers need not keep the order between
            // QoS 0 and QoS 1/2 messages - HiveMQ does not - so the order is not checked.)
            List<Publish> got = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Publish p = d.next(Publish.class);
                assertThat(p.topicIdType()).isEqualTo(NORMAL);
                assertThat(p.topicId()).as("the id from the SUBACK, no REGISTER").isEqualTo(ack.topicId());
                assertThat(p.dup()).isFalse();
                switch (p.qos()) {
                    case AT_MOST_ONCE -> assertThat(p.msgId()).isZero();
                    case AT_LEAST_ONCE -> {
                        assertThat(p.msgId()).isNotZero();
                        d.send(new PubAck(p.topicId(), p.msgId(), ACCEPTED));
                    }
                    case EXACTLY_ONCE -> {
                        assertThat(p.msgId()).isNotZero();
                        d.send(new PubRec(p.msgId()));
                        assertThat(d.next(PubRel.class).msgId()).isEqualTo(p.msgId());
                        d.send(new PubComp(p.msgId()));
                    }
                    default -> throw new AssertionError("QoS " + p.qos() + " towards a device");
                }
                got.add(p);
            }
            assertThat(got).extracting(p -> p.qos().level() + ":" + p.data().toHex())
                    .containsExactlyInAnyOrder("0:00", "1:ff", "2:" + Bytes.copyOf(BINARY).toHex());

            d.send(PingReq.PLAIN);
            assertThat(d.next()).as("nothing else, e.g. no retransmission").isInstanceOf(PingResp.class);
            d.disconnect();
        }
    }

    @Test
    void aQos2DeliveryInterruptedBeforePubCompResumesWithPubRelAndIsNeverDeliveredAgain() throws Exception {
        String t = topic("exactly-once-resumed");
        try (Device d = gw.device(id("dev"))) {
            d.connected(false, 60);
            assertThat(d.subscribe(t, QoS.EXACTLY_ONCE).returnCode()).isEqualTo(ACCEPTED);
            paho.publish(t, BINARY, 2, false);
            Publish p = d.next(Publish.class);
            assertThat(p.qos()).isEqualTo(QoS.EXACTLY_ONCE);
            d.send(new PubRec(p.msgId()));
            assertThat(d.next(PubRel.class).msgId()).isEqualTo(p.msgId());
            // The device leaves before its PUBCOMP, then comes back to its persistent session.
            d.disconnect();
            d.connected(false, 60);
            assertThat(d.next(PubRel.class).msgId()).as("the exchange resumes where it stopped")
                    .isEqualTo(p.msgId());
            d.send(new PubComp(p.msgId()));
            d.send(PingReq.PLAIN);
            assertThat(d.next()).as("no second delivery of the message").isInstanceOf(PingResp.class);
            assertThat(d.receivedWithin(Duration.ofMillis(500))).as("nothing after it").isEmpty();
            d.disconnect();
        }
    }

    @Test
    void grantedQosCapsTheDeliveryQos() throws Exception {
        String t1 = topic("at-most-1");
        String t0 = topic("at-most-0");
        try (Device d = gw.device(id("dev"))) {
            d.connected(true, 60);
            SubAck ack1 = d.subscribe(t1, QoS.AT_LEAST_ONCE);
            assertThat(ack1.grantedQos()).isEqualTo(QoS.AT_LEAST_ONCE);
            SubAck ack0 = d.subscribe(t0, QoS.AT_MOST_ONCE);
            assertThat(ack0.grantedQos()).isEqualTo(QoS.AT_MOST_ONCE);

            paho.publish(t1, "two-as-one", 2);
            Publish p1 = d.next(Publish.class);
            assertThat(p1.qos()).isEqualTo(QoS.AT_LEAST_ONCE);
            assertThat(p1.data().utf8()).isEqualTo("two-as-one");
            d.acknowledge(p1);

            paho.publish(t0, "one-as-zero", 1);
            Publish p0 = d.next(Publish.class);
            assertThat(p0.qos()).isEqualTo(QoS.AT_MOST_ONCE);
            assertThat(p0.data().utf8()).isEqualTo("one-as-zero");
            d.disconnect();
        }
    }

    @Test
    void wildcardSubscriptionRegistersEachNewTopicBeforeItsFirstPublish() throws Exception {
        String a = topic("w/a");
        String b = topic("w/b");
        try (Device d = gw.device(id("dev"))) {
            d.connected(true, 60);
            SubAck ack = d.subscribe(topic("w/+"), QoS.AT_LEAST_ONCE);
            assertThat(ack.returnCode()).isEqualTo(ACCEPTED);
            assertThat(ack.topicId()).as("no topic id for a wildcard filter").isZero();

            paho.publish(a, "a1", 1);
            Register regA = d.next(Register.class);
            assertThat(regA.topicName().utf8()).isEqualTo(a);
            assertThat(regA.topicId()).isNotIn(0, 0xFFFF);
            d.send(new RegAck(regA.topicId(), regA.msgId(), ACCEPTED));
            Publish a1 = d.next(Publish.class);
            assertThat(a1.topicIdType()).isEqualTo(NORMAL);
            assertThat(a1.topicId()).isEqualTo(regA.topicId());
            assertThat(a1.data().utf8()).isEqualTo("a1");
            d.acknowledge(a1);

            paho.publish(a, "a2", 1);
            Publish a2 = d.next(Publish.class);
            assertThat(a2.topicId()).as("known topic: no second REGISTER").isEqualTo(regA.topicId());
            assertThat(a2.data().utf8()).isEqualTo("a2");
            d.acknowledge(a2);

            paho.publish(b, "b1", 1);
            Register regB = d.next(Register.class);
            assertThat(regB.topicName().utf8()).isEqualTo(b);
            assertThat(regB.topicId()).isNotIn(0, 0xFFFF, regA.topicId());
            d.send(new RegAck(regB.topicId(), regB.msgId(), ACCEPTED));
            Publish b1 = d.next(Publish.class);
            assertThat(b1.topicId()).isEqualTo(regB.topicId());
            assertThat(b1.data().utf8()).isEqualTo("b1");
            d.acknowledge(b1);
            d.disconnect();
        }
    }

    @Test
    void predefinedIdAndShortNameSubscriptions() throws Exception {
        String predefined = TestGateway.PREDEFINED.get(101);
        try (Device d = gw.device(id("dev"))) {
            d.connected(true, 60);
            SubAck pre = d.subscribe(TopicRef.predefined(101), QoS.AT_LEAST_ONCE);
            assertThat(pre.returnCode()).isEqualTo(ACCEPTED);
            assertThat(pre.grantedQos()).isEqualTo(QoS.AT_LEAST_ONCE);
            SubAck shortName = d.subscribe(TopicRef.shortName("s1"), QoS.AT_LEAST_ONCE);
            assertThat(shortName.returnCode()).isEqualTo(ACCEPTED);

            paho.publish(predefined, BINARY, 1, false);
            Publish p = d.next(Publish.class);
            assertThat(p.topicIdType()).isEqualTo(PREDEFINED);
            assertThat(p.topicId()).isEqualTo(101);
            assertThat(p.data().toArray()).isEqualTo(BINARY);
            d.acknowledge(p);

            paho.publish("s1", "short", 1);
            Publish s = d.next(Publish.class);
            assertThat(s.topicIdType()).isEqualTo(TopicIdType.SHORT);
            assertThat(s.topicId()).isEqualTo(ShortTopicName.encode("s1"));
            assertThat(s.data().utf8()).isEqualTo("short");
            d.acknowledge(s);
            d.disconnect();
        }
    }

    @Test
    void retainedMessageIsDeliveredAfterTheSuback() throws Exception {
        String t = topic("retained");
        try (Device d = gw.device(id("dev"))) {
            paho.publish(t, BINARY, 1, true);
            d.connected(true, 60);
            int msgId = d.nextMsgId();
            d.send(new Subscribe(false, QoS.AT_LEAST_ONCE, msgId, TopicRef.name(t)));
            SubAck ack = d.next(SubAck.class);
            assertThat(ack.msgId()).isEqualTo(msgId);
            assertThat(ack.returnCode()).isEqualTo(ACCEPTED);
            Publish p = d.next(Publish.class);
            assertThat(p.retain()).isTrue();
            assertThat(p.topicId()).isEqualTo(ack.topicId());
            assertThat(p.data().toArray()).isEqualTo(BINARY);
            d.acknowledge(p);
            d.disconnect();
        }
    }

    @Test
    void unsubscribeStopsDelivery() throws Exception {
        String gone = topic("gone");
        String stays = topic("stays");
        try (Device d = gw.device(id("dev"))) {
            d.connected(true, 60);
            d.subscribe(gone, QoS.AT_LEAST_ONCE);
            d.subscribe(stays, QoS.AT_LEAST_ONCE);
            d.unsubscribe(TopicRef.name(gone));
            paho.publish(gone, "after unsubscribe", 1);
            paho.publish(stays, "marker", 1);
            Publish first = d.receive();
            assertThat(d.topicOf(first)).isEqualTo(stays);
            assertThat(first.data().utf8()).isEqualTo("marker");
            d.disconnect();
        }
    }

    // ================================================================== PING, sleep

    @Test
    void pingreqIsAnsweredWithPingresp() {
        try (Device d = gw.device(id("dev"))) {
            d.connected(true, 60);
            d.send(PingReq.PLAIN);
            d.next(PingResp.class);
            d.send(PingReq.wake(d.clientId)); // an active client naming itself: just PINGRESP
            d.next(PingResp.class);
            d.disconnect();
        }
    }

    @Test
    void sleepingClientWokenFromANewPortGetsBufferedMessagesThenPingresp() throws Exception {
        String named = topic("named");
        String wildA = topic("w/a");
        String wildB = topic("w/b");
        String predefined = TestGateway.PREDEFINED.get(102);
        try (Device d = gw.device(id("dev"))) {
            d.connected(true, 60);
            int namedId = d.subscribe(named, QoS.EXACTLY_ONCE).topicId();
            d.subscribe(topic("w/+"), QoS.EXACTLY_ONCE);
            d.subscribe(TopicRef.predefined(102), QoS.EXACTLY_ONCE);
            d.sleep(30);

            paho.publish(named, bytes("q0"), 0, false);
            paho.publish(wildA, bytes("q1"), 1, false);
            paho.publish(wildB, BINARY, 2, false);
            paho.publish(predefined, bytes("pre"), 1, false);

            try (Device awake = gw.device(d.clientId)) { // the same client, from another UDP port
                awake.topicIds.putAll(d.topicIds);
                List<Publish> got = new ArrayList<>();
                Set<Integer> registered = new HashSet<>();
                await("the buffered messages, over as many wake-ups as needed").atMost(Duration.ofSeconds(15))
                        .pollInterval(Duration.ofMillis(100)).until(() -> {
                            awake.send(PingReq.wake(d.clientId));
                            while (true) {
                                MqttSn12Message m = awake.next();
                                if (m instanceof PingResp) {
                                    return got.size() >= 4;
                                }
                                if (m instanceof Register r) {
                                    registered.add(r.topicId());
                                    awake.acceptRegister(r);
                                } else if (m instanceof Publish p) {
                                    if (p.topicIdType() == NORMAL && p.topicId() != namedId) {
                                        assertThat(registered).as("REGISTER before the first PUBLISH on %s",
                                                awake.topicOf(p)).contains(p.topicId());
                                    }
                                    awake.acknowledge(p);
                                    got.add(p);
                                } else {
                                    throw new AssertionError("unexpected while awake: " + m);
                                }
                            }
                        });
                assertThat(got).extracting(awake::topicOf).containsExactlyInAnyOrder(named, wildA, wildB, predefined);
                Publish b = got.stream().filter(p -> wildB.equals(awake.topicOf(p))).findFirst().orElseThrow();
                assertThat(b.data().toArray()).isEqualTo(BINARY);
                assertThat(b.qos()).isEqualTo(QoS.EXACTLY_ONCE);
                assertThat(got.stream().filter(p -> named.equals(awake.topicOf(p))).findFirst().orElseThrow().qos())
                        .isEqualTo(QoS.AT_MOST_ONCE);
                assertThat(got.stream().filter(p -> predefined.equals(awake.topicOf(p))).findFirst().orElseThrow()
                        .topicIdType()).isEqualTo(PREDEFINED);
                assertThat(d.receivedWithin(Duration.ofMillis(100)))
                        .as("nothing goes to the old address while asleep").isEmpty();
                awake.disconnect();
            }
        }
    }

    @Test
    void sleepTimeoutPublishesTheWill() throws Exception {
        String willTopic = topic("will");
        paho.subscribe(willTopic, 1);
        try (Device d = gw.device(id("dev"))) {
            d.connectedWithWill(true, 60, willTopic, QoS.AT_LEAST_ONCE, false, bytes("slept too long"));
            d.sleep(1);
            // No PINGREQ within 1 s x 1.5: lost, and the will goes out.
            assertThat(paho.awaitFirst(willTopic).text()).isEqualTo("slept too long");
        }
    }
}
