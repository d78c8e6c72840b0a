package io.sngate.gateway.it;

import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * An independent MQTT 5 client (Eclipse Paho) at the broker: what it receives is what really
 * reached the broker, and what it publishes comes from the broker side.
 */
final class Observer implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(15);

    /** One message as Paho received it. */
    record Message(String topic, byte[] payload, int qos, boolean retained, boolean dup) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    final List<Message> received = new CopyOnWriteArrayList<>();
    private final MqttClient client;

    private Observer(String uri, String clientId, boolean persistent) throws MqttException {
        client = new MqttClient(uri, clientId, new MemoryPersistence());
        client.setCallback(new MqttCallback() {
            @Override
            public void disconnected(MqttDisconnectResponse response) {
            }

            @Override
            public void mqttErrorOccurred(MqttException exception) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                received.add(new Message(topic, message.getPayload(), message.getQos(), message.isRetained(),
                        message.isDuplicate()));
            }

            @Override
            public void deliveryComplete(IMqttToken token) {
            }

            @Override
            public void connectComplete(boolean reconnect, String serverURI) {
            }

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {
            }
        });
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(!persistent);
        options.setSessionExpiryInterval(persistent ? 3600L : 0L);
        options.setAutomaticReconnect(persistent);
        options.setAutomaticReconnectDelay(1, 1);
        options.setConnectionTimeout(5);
        options.setKeepAliveInterval(30);
        client.connect(options);
    }

    /** A clean, short-lived client. */
    static Observer connect(String uri, String clientId) throws MqttException {
        return new Observer(uri, clientId, false);
    }

    /** A session that survives broker restarts (Clean Start 0, expiry 1 h), reconnecting by itself. */
    static Observer persistent(String uri, String clientId) throws MqttException {
        return new Observer(uri, clientId, true);
    }

    /** Subscribes and waits for the SUBACK. */
    Observer subscribe(String filter, int qos) throws MqttException {
        client.subscribe(filter, qos);
        return this;
    }

    /** Publishes and waits until the broker has it (PUBACK / PUBCOMP; for QoS 0: sent). */
    void publish(String topic, byte[] payload, int qos, boolean retain) throws MqttException {
        client.publish(topic, payload, qos, retain);
    }

    void publish(String topic, String payload, int qos) throws MqttException {
        publish(topic, payload.getBytes(StandardCharsets.UTF_8), qos, false);
    }

    boolean isConnected() {
        return client.isConnected();
    }

    List<Message> on(String topic) {
        return received.stream().filter(m -> m.topic().equals(topic)).collect(Collectors.toList());
    }

    List<String> texts(String topic) {
        return on(topic).stream().map(Message::text).collect(Collectors.toList());
    }

    /** The first message on {@code topic}, waiting for it. */
    Message awaitFirst(String topic) {
        return awaitCount(topic, 1).get(0);
    }

    /** At least {@code count} messages on {@code topic}, waiting for them. */
    List<Message> awaitCount(String topic, int count) {
        await("Paho receives " + count + " message(s) on " + topic).atMost(WAIT)
                .pollInterval(Duration.ofMillis(10))
                .until(() -> on(topic).size() >= count);
        return on(topic);
    }

    /** Waits for a message with this text on {@code topic}. */
    Message awaitText(String topic, String text) {
        await("Paho receives '" + text + "' on " + topic).atMost(WAIT)
                .pollInterval(Duration.ofMillis(10))
                .until(() -> texts(topic).contains(text));
        return on(topic).stream().filter(m -> m.text().equals(text)).findFirst().orElseThrow();
    }

    @Override
    public void close() throws MqttException {
        try {
            if (client.isConnected()) {
                client.disconnect(1000);
            }
        } finally {
            client.close(true);
        }
    }
}
