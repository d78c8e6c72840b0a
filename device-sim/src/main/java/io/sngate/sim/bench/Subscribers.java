package io.sngate.sim.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * The broker side: Paho MQTT v5 subscribers, each subscribed to its share of the bench's
 * topics ({@code sngate-bench/RUN/SHARE/+}; client i publishes under share i mod N), so every
 * message reaches exactly one of them. Each arrival goes to the {@link Ledger} with its
 * arrival time. Plain topic partitioning rather than shared subscriptions: it works on any
 * MQTT broker.
 */
final class Subscribers implements AutoCloseable {

    private final List<MqttAsyncClient> clients = new ArrayList<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();

    /** The topic client {@code index} publishes to. */
    static String topic(String runId, int subscribers, int index) {
        return "sngate-bench/" + runId + "/" + (index % subscribers) + "/" + index;
    }

    /** Connects and subscribes them all; throws when one cannot. */
    Subscribers(String brokerUri, String runId, int count, int qos, Ledger ledger) throws MqttException {
        try {
            for (int share = 0; share < count; share++) {
                MqttAsyncClient client = new MqttAsyncClient(brokerUri, "sngate-bench-sub-" + runId + "-" + share,
                        new MemoryPersistence());
                clients.add(client);
                String name = "subscriber " + share;
                client.setCallback(new MqttCallback() {
                    @Override
                    public void messageArrived(String topic, MqttMessage message) {
                        long now = System.nanoTime();
                        ledger.onReceived(message.getPayload(), now);
                    }

                    @Override
                    public void disconnected(MqttDisconnectResponse response) {
                        problems.add(name + " disconnected: " + response.getReasonString()
                                + (response.getException() != null ? " " + response.getException() : ""));
                    }

                    @Override
                    public void mqttErrorOccurred(MqttException exception) {
                        problems.add(name + ": " + exception);
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
                options.setAutomaticReconnect(false);
                options.setConnectionTimeout(10);
                options.setKeepAliveInterval(60);
                options.setReceiveMaximum(65_535);
                client.connect(options).waitForCompletion(15_000);
                IMqttToken subscribed = client.subscribe(new MqttSubscription(
                        "sngate-bench/" + runId + "/" + share + "/+", qos));
                subscribed.waitForCompletion(15_000);
                int[] codes = subscribed.getReasonCodes();
                if (codes != null && codes.length > 0 && codes[0] > 2) {
                    throw new MqttException(codes[0]);
                }
            }
        } catch (MqttException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Disconnections and errors seen so far. */
    List<String> problems() {
        return List.copyOf(problems);
    }

    @Override
    public void close() {
        for (MqttAsyncClient client : clients) {
            try {
                if (client.isConnected()) {
                    client.disconnect(2_000).waitForCompletion(3_000);
                }
            } catch (MqttException e) {
                // closing regardless
            }
            try {
                client.close(true);
            } catch (MqttException e) {
                // closing regardless
            }
        }
        clients.clear();
    }
}
