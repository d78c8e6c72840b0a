package io.sngate.client.gpio;

import io.sngate.client.ClientRuntime;
import io.sngate.client.Link;
import io.sngate.client.LinkAddress;
import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.SubAck;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.TopicRef;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory gateway behind a {@link Link}: accepts every CONNECT, SUBSCRIBE and REGISTER (but
 * those under {@link #FORBIDDEN}),
 * acknowledges QoS 1 publishes, records what was published and can publish to the client.
 * Answers go through the runtime's queue, as packets from a socket would.
 */
final class FakeGateway implements Link {

    /** A PUBLISH the client sent, with its topic name resolved. */
    record Published(String topic, String payload, QoS qos, boolean retain) {
    }

    /** Topics under this prefix are refused at REGISTER, as a broker's ACL would. */
    static final String FORBIDDEN = "forbidden/";

    private final List<Published> published = new CopyOnWriteArrayList<>();
    private final Map<Integer, String> topicsById = new ConcurrentHashMap<>();
    private final Map<String, Integer> idsByTopic = new ConcurrentHashMap<>();
    private final AtomicInteger nextTopicId = new AtomicInteger(1);
    private ClientRuntime runtime;
    private Receiver receiver;

    @Override
    public void open(ClientRuntime runtime, Receiver receiver) {
        this.runtime = runtime;
        this.receiver = receiver;
    }

    List<Published> published() {
        return published;
    }

    private int idOf(String topic) {
        return idsByTopic.computeIfAbsent(topic, t -> {
            int id = nextTopicId.getAndIncrement();
            topicsById.put(id, t);
            return id;
        });
    }

    /** Publishes to the client at QoS 0 on a topic it subscribed to. */
    void deliver(String topic, String payload) {
        answer(new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.NORMAL, idOf(topic), 0, Bytes.utf8(payload)));
    }

    private void answer(MqttSn12Message message) {
        byte[] packet = MqttSn12Codec.INSTANCE.encode(message);
        runtime.execute(() -> receiver.onPacket(packet, new LinkAddress.SerialPort("fake-gateway")));
    }

    @Override
    public void send(byte[] packet) {
        MqttSn12Message message;
        try {
            message = MqttSn12Codec.INSTANCE.decode(packet);
        } catch (io.sngate.codec.DecodeException e) {
            throw new AssertionError("the client sent a malformed packet", e);
        }
        if (message instanceof Connect) {
            answer(new ConnAck(ReturnCode.ACCEPTED));
        } else if (message instanceof Register register) {
            String topic = register.topicName().utf8();
            answer(topic.startsWith(FORBIDDEN)
                    ? new RegAck(0, register.msgId(), ReturnCode.REJECTED_NOT_SUPPORTED)
                    : new RegAck(idOf(topic), register.msgId(), ReturnCode.ACCEPTED));
        } else if (message instanceof Subscribe subscribe && subscribe.topic() instanceof TopicRef.Name name) {
            answer(new SubAck(subscribe.qos(), idOf(name.name().utf8()), subscribe.msgId(), ReturnCode.ACCEPTED));
        } else if (message instanceof Publish publish) {
            published.add(new Published(topicsById.get(publish.topicId()), publish.data().utf8(), publish.qos(),
                    publish.retain()));
            if (publish.qos() == QoS.AT_LEAST_ONCE) {
                answer(new PubAck(publish.topicId(), publish.msgId(), ReturnCode.ACCEPTED));
            }
        }
    }

    @Override
    public void broadcast(byte[] packet, int radius) {
        // nobody else is on this link
    }

    @Override
    public int maxPacketSize() {
        return 1_024;
    }

    @Override
    public void close() {
        // nothing to release
    }
}
