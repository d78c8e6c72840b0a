package io.sngate.device.it;

import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
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
 * An independent MQTT 5 client (Paho) on the broker side of the gateway: it records what
 * really reached the broker and publishes messages for devices to receive.
 */
public final class BrokerWatcher implements AutoCloseable {

    /** One message as the broker delivered it. */
    public record Received(String topic, byte[] payload, int qos, boolean retained) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    /** Paho logs every QoS 2 handshake at INFO through java.util.logging; kept quiet (strong reference). */
    private static final java.util.logging.Logger PAHO_LOG = quietPaho();

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final MqttClient client;

    public BrokerWatcher(String uri, String clientId) throws MqttException {
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
                received.add(new Received(topic, message.getPayload(), message.getQos(), message.isRetained()));
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
        options.setCleanStart(true);
        options.setSessionExpiryInterval(0L);
        options.setConnectionTimeout(5);
        options.setKeepAliveInterval(30);
        options.setReceiveMaximum(65_535);
        client.connect(options);
    }

    private static java.util.logging.Logger quietPaho() {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger("org.eclipse.paho.mqttv5.client");
        logger.setLevel(java.util.logging.Level.WARNING);
        return logger;
    }

    /** Subscribes and waits for the SUBACK. */
    public void subscribe(String filter, int qos) throws MqttException {
        client.subscribe(filter, qos).waitForCompletion(10_000);
    }

    /** Publishes and waits for the broker's acknowledgement (QoS 1/2). */
    public void publish(String topic, byte[] payload, int qos, boolean retain) throws MqttException {
        client.publish(topic, payload, qos, retain);
    }

    public void publish(String topic, String payload, int qos) throws MqttException {
        publish(topic, payload.getBytes(StandardCharsets.UTF_8), qos, false);
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    public List<Received> on(String topic) {
        return received.stream().filter(r -> r.topic().equals(topic)).collect(Collectors.toList());
    }

    public List<String> texts(String topic) {
        return on(topic).stream().map(Received::text).collect(Collectors.toList());
    }

    /** Waits (polling, with a deadline) until a message matching {@code which} arrived; returns the first. */
    public Received awaitMessage(String description, Predicate<Received> which, Duration atMost) {
        await(description).atMost(atMost).pollInterval(Duration.ofMillis(20))
                .until(() -> received.stream().anyMatch(which));
        return received.stream().filter(which).findFirst().orElseThrow();
    }

    public Received awaitMessage(String topic) {
        return awaitMessage("a message on " + topic, r -> r.topic().equals(topic), Duration.ofSeconds(20));
    }

    /** Publishes a marker on {@code topic} (which this watcher must be subscribed to) and waits for it. */
    public void barrier(String topic) throws MqttException {
        String marker = "barrier-" + System.nanoTime();
        publish(topic, marker, 1);
        awaitMessage("barrier " + marker, r -> r.topic().equals(topic) && r.text().equals(marker),
                Duration.ofSeconds(20));
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
