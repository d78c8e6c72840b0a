package io.sngate.gateway.upstream;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/** An independent MQTT 5 client (Paho) that watches the broker side and publishes to it. */
final class PahoObserver implements AutoCloseable {

    record Received(String topic, byte[] payload, int qos, boolean retained) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    final List<Received> received = new CopyOnWriteArrayList<>();
    private final MqttClient client;

    /** A clean, short-lived observer. */
    PahoObserver(String uri, String clientId) throws MqttException {
        this(uri, clientId, false);
    }

    /**
     * @param persistent a session that survives broker restarts (Clean Start 0, expiry 1 h) with
     *        automatic reconnection
     */
    PahoObserver(String uri, String clientId, boolean persistent) throws MqttException {
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
        options.setCleanStart(!persistent);
        options.setSessionExpiryInterval(persistent ? 3600L : 0L);
        options.setAutomaticReconnect(persistent);
        options.setAutomaticReconnectDelay(1, 1);
        options.setConnectionTimeout(5);
        options.setKeepAliveInterval(30);
        client.connect(options);
    }

    void subscribe(String filter, int qos) throws MqttException {
        client.subscribe(filter, qos);
    }

    void publish(String topic, byte[] payload, int qos, boolean retain) throws MqttException {
        client.publish(topic, payload, qos, retain);
    }

    void publish(String topic, String payload, int qos) throws MqttException {
        publish(topic, payload.getBytes(StandardCharsets.UTF_8), qos, false);
    }

    boolean isConnected() {
        return client.isConnected();
    }

    List<String> texts(String topic) {
        return received.stream().filter(r -> r.topic().equals(topic)).map(Received::text).collect(Collectors.toList());
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
