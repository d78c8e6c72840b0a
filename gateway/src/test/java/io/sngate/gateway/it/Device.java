package io.sngate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.MqttSn12Message;
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
import io.sngate.codec.v12.UnsubAck;
import io.sngate.codec.v12.Unsubscribe;
import io.sngate.codec.v12.WillMsg;
import io.sngate.codec.v12.WillMsgReq;
import io.sngate.codec.v12.WillTopic;
import io.sngate.codec.v12.WillTopicReq;
import io.sngate.gateway.testing.PacketDevice;
import io.sngate.gateway.testing.UdpDevice;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A scripted MQTT-SN 1.2 device on its own UDP socket ({@link UdpDevice}) or DTLS link, with the steps of
 * the common flows. {@link #next} takes packets strictly in arrival order; {@link #expect}
 * skips to the next packet of a type and keeps the others for later.
 */
final class Device implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(10);

    final String clientId;
    private final PacketDevice udp;
    private int msgId;
    /** Topic ids this device knows: from REGACK, SUBACK by name and the gateway's REGISTERs. */
    final Map<Integer, String> topicIds = new HashMap<>();

    Device(int gatewayPort, String clientId) {
        this(new UdpDevice(gatewayPort), clientId);
    }

    /** A device whose packets travel over {@code link} (plain UDP, DTLS). */
    Device(PacketDevice link, String clientId) {
        this.udp = link;
        this.clientId = clientId;
    }

    int localPort() {
        return udp.localPort();
    }

    int nextMsgId() {
        msgId = msgId % 0xFFFF + 1;
        return msgId;
    }

    void send(MqttSn12Message message) {
        udp.send(message);
    }

    void sendRaw(byte[] bytes) {
        udp.sendRaw(bytes);
    }

    /** The next packet from the gateway, whatever it is. */
    MqttSn12Message next() {
        return udp.expect(m -> true, WAIT, "any packet");
    }

    /** The next packet, which must be of {@code type}. */
    <T extends MqttSn12Message> T next(Class<T> type) {
        MqttSn12Message got = next();
        assertThat(got).as("%s: next packet from the gateway", clientId).isInstanceOf(type);
        return type.cast(got);
    }

    /** The next packet of {@code type}; packets of other types stay for later. */
    <T extends MqttSn12Message> T expect(Class<T> type) {
        return type.cast(udp.expect(type::isInstance, WAIT, type.getSimpleName()));
    }

    /** The next packet of {@code type} that matches; others stay for later. */
    <T extends MqttSn12Message> T expect(Class<T> type, Predicate<T> wanted, String what) {
        return type.cast(udp.expect(m -> type.isInstance(m) && wanted.test(type.cast(m)), WAIT, what));
    }

    /** The next packet of {@code type} that matches, or empty when none comes within {@code wait}. */
    <T extends MqttSn12Message> Optional<T> poll(Class<T> type, Predicate<T> wanted, Duration wait) {
        String what = "polled " + type.getSimpleName();
        try {
            return Optional.of(type.cast(udp.expect(m -> type.isInstance(m) && wanted.test(type.cast(m)), wait, what)));
        } catch (AssertionError e) {
            if (String.valueOf(e.getMessage()).startsWith("no " + what + " within")) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Everything that arrives within {@code window} (and what was kept for later). */
    List<MqttSn12Message> receivedWithin(Duration window) {
        return udp.drain(window);
    }

    // ------------------------------------------------------------------ connecting

    ConnAck connect(boolean cleanSession, int keepAlive) {
        send(new Connect(false, cleanSession, keepAlive, clientId));
        return next(ConnAck.class);
    }

    /** CONNECT without will; asserts the CONNACK accepts. */
    Device connected(boolean cleanSession, int keepAlive) {
        assertThat(connect(cleanSession, keepAlive).returnCode()).as("CONNACK of %s", clientId)
                .isEqualTo(ReturnCode.ACCEPTED);
        return this;
    }

    /** CONNECT with a will: WILLTOPICREQ, WILLTOPIC, WILLMSGREQ, WILLMSG, then an accepting CONNACK. */
    Device connectedWithWill(boolean cleanSession, int keepAlive, String willTopic, QoS willQos, boolean willRetain,
                             byte[] willMessage) {
        send(new Connect(true, cleanSession, keepAlive, clientId));
        next(WillTopicReq.class);
        send(new WillTopic(willQos, willRetain, willTopic));
        next(WillMsgReq.class);
        send(new WillMsg(Bytes.copyOf(willMessage)));
        assertThat(next(ConnAck.class).returnCode()).as("CONNACK of %s", clientId).isEqualTo(ReturnCode.ACCEPTED);
        return this;
    }

    /** DISCONNECT; the gateway answers with a 2-byte DISCONNECT. */
    void disconnect() {
        send(Disconnect.PLAIN);
        assertThat(expect(Disconnect.class).isSleep()).isFalse();
    }

    /** DISCONNECT(duration): asleep; the gateway answers with a plain DISCONNECT. */
    void sleep(int seconds) {
        send(Disconnect.sleep(seconds));
        assertThat(expect(Disconnect.class).isSleep()).isFalse();
    }

    // ------------------------------------------------------------------ topics

    /** REGISTER; returns the id from an accepting REGACK. */
    int register(String topic) {
        int id = nextMsgId();
        send(new Register(0, id, topic));
        RegAck ack = expect(RegAck.class, a -> a.msgId() == id, "REGACK " + id);
        assertThat(ack.returnCode()).as("REGACK for %s", topic).isEqualTo(ReturnCode.ACCEPTED);
        assertThat(ack.topicId()).as("assigned topic id").isNotIn(0, 0xFFFF);
        topicIds.put(ack.topicId(), topic);
        return ack.topicId();
    }

    SubAck subscribe(String filter, QoS qos) {
        SubAck ack = subscribe(TopicRef.name(filter), qos);
        if (ack.returnCode() == ReturnCode.ACCEPTED && ack.topicId() != 0) {
            topicIds.put(ack.topicId(), filter);
        }
        return ack;
    }

    SubAck subscribe(TopicRef topic, QoS qos) {
        int id = nextMsgId();
        send(new Subscribe(false, qos, id, topic));
        return expect(SubAck.class, a -> a.msgId() == id, "SUBACK " + id);
    }

    void unsubscribe(TopicRef topic) {
        int id = nextMsgId();
        send(new Unsubscribe(id, topic));
        expect(UnsubAck.class, a -> a.msgId() == id, "UNSUBACK " + id);
    }

    // ------------------------------------------------------------------ publishing

    void publish0(TopicIdType type, int topicId, byte[] data, boolean retain) {
        send(new Publish(false, QoS.AT_MOST_ONCE, retain, type, topicId, 0, Bytes.copyOf(data)));
    }

    /** QoS 1 PUBLISH; returns the PUBACK (whatever its return code). */
    PubAck publish1(TopicIdType type, int topicId, byte[] data, boolean retain) {
        int id = nextMsgId();
        send(new Publish(false, QoS.AT_LEAST_ONCE, retain, type, topicId, id, Bytes.copyOf(data)));
        return expect(PubAck.class, a -> a.msgId() == id, "PUBACK " + id);
    }

    /** QoS 2 PUBLISH through PUBREC, PUBREL and PUBCOMP. */
    void publish2(TopicIdType type, int topicId, byte[] data, boolean retain) {
        int id = nextMsgId();
        send(new Publish(false, QoS.EXACTLY_ONCE, retain, type, topicId, id, Bytes.copyOf(data)));
        expect(PubRec.class, r -> r.msgId() == id, "PUBREC " + id);
        send(new PubRel(id));
        expect(PubComp.class, c -> c.msgId() == id, "PUBCOMP " + id);
    }

    // ------------------------------------------------------------------ receiving

    /**
     * The next message from the broker: answers the gateway's REGISTERs (REGACK accepted)
     * until a PUBLISH comes, then completes its QoS flow (PUBACK, or PUBREC-PUBREL-PUBCOMP).
     */
    Publish receive() {
        while (true) {
            MqttSn12Message m = next();
            if (m instanceof Register register) {
                acceptRegister(register);
            } else if (m instanceof Publish publish) {
                acknowledge(publish);
                return publish;
            } else {
                throw new AssertionError(clientId + ": expected REGISTER or PUBLISH, got " + m);
            }
        }
    }

    void acceptRegister(Register register) {
        assertThat(register.topicId()).as("id in the gateway's REGISTER").isNotIn(0, 0xFFFF);
        topicIds.put(register.topicId(), register.topicName().utf8());
        send(new RegAck(register.topicId(), register.msgId(), ReturnCode.ACCEPTED));
    }

    /** Completes the device's side of a PUBLISH's QoS flow. */
    void acknowledge(Publish publish) {
        switch (publish.qos()) {
            case AT_LEAST_ONCE -> send(new PubAck(publish.topicId(), publish.msgId(), ReturnCode.ACCEPTED));
            case EXACTLY_ONCE -> {
                send(new PubRec(publish.msgId()));
                next(PubRel.class);
                send(new PubComp(publish.msgId()));
            }
            default -> {
            }
        }
    }

    /** The topic name of a PUBLISH from the gateway, as this device understands it. */
    String topicOf(Publish publish) {
        return switch (publish.topicIdType()) {
            case NORMAL -> topicIds.get(publish.topicId());
            case PREDEFINED -> TestGateway.PREDEFINED.get(publish.topicId());
            case SHORT -> ShortTopicName.decode(publish.topicId());
            case RESERVED -> throw new AssertionError("a PUBLISH never carries TopicIdType 0b11");
        };
    }

    @Override
    public void close() {
        udp.close();
    }
}
