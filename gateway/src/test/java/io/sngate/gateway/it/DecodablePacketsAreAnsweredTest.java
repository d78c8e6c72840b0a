package io.sngate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.SubAck;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.TopicRef;
import io.sngate.gateway.Metrics;
import io.sngate.hw.config.GatewaySettings;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Packets that real client libraries send (their authors run the same suites against EMQX and
 * HiveMQ) and that decode, but that the gateway used to leave unanswered, so the client hung:
 * an empty client id, a SUBSCRIBE with QoS bits 0b11 or the reserved TopicIdType 0b11, and
 * packets of about 2 KB on UDP (MQTT-SN's 3-byte length form), all on default packet limits.
 */
class DecodablePacketsAreAnsweredTest extends OneGatewayPerClass {

    @Override
    String observerId() {
        return "answered-paho";
    }

    @Test
    void anEmptyClientIdWithCleanSessionGetsAnIdStableForItsAddress() throws Exception {
        String t = "it/answered/anonymous";
        paho.subscribe(t, 1);
        long assignedBefore = gw.metric(Metrics.CLIENT_ID_ASSIGNED);
        int sessionsBefore = gw.gateway.sessionCount();
        try (Device d = gw.device("")) {
            assertThat(d.connect(true, 60).returnCode()).isEqualTo(ReturnCode.ACCEPTED);
            int topicId = d.register(t);
            assertThat(d.publish1(TopicIdType.NORMAL, topicId, "from nobody".getBytes(), false).returnCode())
                    .isEqualTo(ReturnCode.ACCEPTED);
            assertThat(paho.awaitText(t, "from nobody").qos()).isEqualTo(1);

            // The same address connects again without an id: the same session, not a second one.
            assertThat(d.connect(true, 30).returnCode()).isEqualTo(ReturnCode.ACCEPTED);
            assertThat(gw.gateway.sessionCount()).isEqualTo(sessionsBefore + 1);
            assertThat(gw.metric(Metrics.CLIENT_ID_ASSIGNED)).isEqualTo(assignedBefore + 2);
            d.disconnect();
        }
    }

    @Test
    void anEmptyClientIdWithCleanSession0IsRefused() {
        long before = gw.metric(Metrics.CONNECT_REFUSED_EMPTY_ID);
        try (Device d = gw.device("")) {
            assertThat(d.connect(false, 60).returnCode()).isEqualTo(ReturnCode.REJECTED_NOT_SUPPORTED);
            assertThat(gw.metric(Metrics.CONNECT_REFUSED_EMPTY_ID)).isEqualTo(before + 1);
        }
    }

    @Test
    void aSubscribeWithQosBits11IsGrantedQos0() throws Exception {
        String t = "it/answered/qos-minus-one-subscribe";
        try (Device d = gw.device("answered-qos3")) {
            d.connected(true, 60);
            int msgId = d.nextMsgId();
            // flags 0x60: QoS bits 0b11, TopicIdType normal
            byte[] subscribe = MqttSn12Codec.INSTANCE.encode(new Subscribe(false, QoS.AT_MOST_ONCE, msgId,
                    TopicRef.name(t)));
            subscribe[2] |= 0x60;
            d.sendRaw(subscribe);
            SubAck ack = d.next(SubAck.class);
            assertThat(ack.msgId()).isEqualTo(msgId);
            assertThat(ack.returnCode()).isEqualTo(ReturnCode.ACCEPTED);
            assertThat(ack.grantedQos()).isEqualTo(QoS.AT_MOST_ONCE);

            paho.publish(t, "at most once", 1);
            Publish p = d.receive();
            assertThat(p.qos()).isEqualTo(QoS.AT_MOST_ONCE);
            assertThat(p.data().utf8()).isEqualTo("at most once");
            d.disconnect();
        }
    }

    @Test
    void aSubscribeWithTheReservedTopicIdTypeIsRefusedNotIgnored() {
        try (Device d = gw.device("answered-reserved")) {
            d.connected(true, 60);
            int msgId = d.nextMsgId();
            d.send(new Subscribe(false, QoS.AT_LEAST_ONCE, msgId, new TopicRef.Reserved(Bytes.fromHex("6162"))));
            SubAck ack = d.next(SubAck.class);
            assertThat(ack.msgId()).isEqualTo(msgId);
            assertThat(ack.returnCode()).isEqualTo(ReturnCode.REJECTED_NOT_SUPPORTED);
            d.disconnect();
        }
    }

    @Test
    void aPublishOf2081BytesFromTheBrokerReachesAUdpDevice() throws Exception {
        String t = "it/answered/large";
        byte[] payload = new byte[2_081];
        Arrays.fill(payload, (byte) 'x');
        payload[payload.length - 1] = '!';
        try (Device d = gw.device("answered-large-sub")) {
            d.connected(true, 60);
            assertThat(d.subscribe(t, QoS.AT_LEAST_ONCE).returnCode()).isEqualTo(ReturnCode.ACCEPTED);
            paho.publish(t, payload, 1, false);
            Publish p = d.receive();
            assertThat(p.data().toArray()).isEqualTo(payload);
            d.acknowledge(p);
            d.disconnect();
        }
    }

    @Test
    void aWillMessageOf2080BytesIsTakenAndPublished() throws Exception {
        String willTopic = "it/answered/large-will";
        paho.subscribe(willTopic, 1);
        byte[] will = new byte[2_080];
        Arrays.fill(will, (byte) 'w');
        try (Device d = gw.device("answered-large-will")) {
            d.connectedWithWill(true, 1, willTopic, QoS.AT_LEAST_ONCE, false, will);
            // Silent for longer than 1.5 x its keep-alive: lost, and its will goes out.
            Observer.Message got = paho.awaitFirst(willTopic);
            assertThat(got.payload()).isEqualTo(will);
        }
    }

    @Test
    void aPublishOf2081BytesFromADeviceReachesTheBroker() throws Exception {
        String t = "it/answered/large-up";
        byte[] payload = new byte[2_081];
        Arrays.fill(payload, (byte) 'u');
        paho.subscribe(t, 1);
        try (Device d = gw.device("answered-large-pub")) {
            d.connected(true, 60);
            int topicId = d.register(t);
            PubAck ack = d.publish1(TopicIdType.NORMAL, topicId, payload, false);
            assertThat(ack.returnCode()).isEqualTo(ReturnCode.ACCEPTED);
            assertThat(paho.awaitFirst(t).payload()).isEqualTo(payload);
            d.disconnect();
        }
    }

    @Test
    void aConnackAnswersTheBareConnectOfAMinimalClient() {
        // length 6, CONNECT, flags: clean session, protocol 1, keep-alive 10 s, no client id
        try (Device d = gw.device("")) {
            d.sendRaw(Bytes.fromHex("06040401000A").toArray());
            assertThat(d.next(ConnAck.class).returnCode()).isEqualTo(ReturnCode.ACCEPTED);
        }
    }

    @Test
    void aSecondConnectWhileTheFirstIsBeingAnsweredIsAnsweredToo() {
        try (Device d = gw.device("answered-two-connects")) {
            d.send(new Connect(false, true, Connect.PROTOCOL_ID, 0, Bytes.utf8("answered-two-connects")));
            d.send(new Connect(false, true, Connect.PROTOCOL_ID, 10, Bytes.utf8("answered-two-connects")));
            assertThat(d.next(ConnAck.class).returnCode()).isEqualTo(ReturnCode.ACCEPTED);
        }
    }

    @Test
    void twoConnectsWithoutAnIdInARowAreAnswered() {
        try (Device d = gw.device("")) {
            d.sendRaw(Bytes.fromHex("060404010000").toArray());
            d.sendRaw(Bytes.fromHex("06040401000A").toArray());
            assertThat(d.next(ConnAck.class).returnCode()).isEqualTo(ReturnCode.ACCEPTED);
        }
    }

    @Test
    void aPublishAboveALowerPacketLimitIsRefusedAndTheBrokerKeepsWhatCouldNeverFit() throws Exception {
        try (TestGateway small = TestGateway.start(Setup.TRANSPARENT_MOSQUITTO,
                c -> c.with(GatewaySettings.MAX_PACKET_SIZE, 200));
             Observer observer = small.observer("answered-small-paho");
             Device d = small.device("answered-small-link")) {
            d.connected(true, 60);
            int topicId = d.register("it/answered/small-link");
            long refused = small.metric(Metrics.OVERSIZED_PUBLISH_REFUSED);
            // A QoS 1 PUBLISH of 300 bytes: counted, dropped, and answered so the device stops resending.
            int msgId = d.nextMsgId();
            d.send(new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, topicId, msgId,
                    Bytes.copyOf(new byte[293])));
            PubAck ack = d.next(PubAck.class);
            assertThat(ack.msgId()).isEqualTo(msgId);
            assertThat(ack.topicId()).isEqualTo(topicId);
            assertThat(ack.returnCode()).isEqualTo(ReturnCode.REJECTED_NOT_SUPPORTED);
            assertThat(small.metric(Metrics.OVERSIZED_PUBLISH_REFUSED)).isEqualTo(refused + 1);

            // The other way: the device's broker session announces 2 x 200 + 64 as its Maximum
            // Packet Size, so the broker keeps a message of 1 000 bytes; the next small one arrives.
            String t = "it/answered/small-link/in";
            assertThat(d.subscribe(t, QoS.AT_LEAST_ONCE).returnCode()).isEqualTo(ReturnCode.ACCEPTED);
            long tooLarge = small.metric("session.too_large_for_device");
            observer.publish(t, new byte[1_000], 1, false);
            observer.publish(t, "fits", 1);
            Publish p = d.receive();
            assertThat(p.data().utf8()).isEqualTo("fits");
            d.acknowledge(p);
            assertThat(d.receivedWithin(Duration.ofMillis(300))).isEmpty();
            assertThat(small.metric("session.too_large_for_device")).as("never reached the gateway")
                    .isEqualTo(tooLarge);
            d.disconnect();
        }
    }
}
