package io.sngate.gateway.it;

import static io.sngate.codec.v12.ReturnCode.ACCEPTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PingResp;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.gateway.Metrics;
import io.sngate.gateway.testing.Mosquitto;
import io.sngate.hw.config.GatewaySettings;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The MQTT-SN flows in transparent mode (one broker connection per device) against mosquitto,
 * plus what only this set-up can show: the broker's own log says when a device's connection
 * was accepted and how it ended, and per-device broker sessions hold unacknowledged messages.
 */
class TransparentMosquittoFlowsTest extends ProtocolFlowsContract {

    @Override
    Setup setup() {
        return Setup.TRANSPARENT_MOSQUITTO;
    }

    LoggedMosquitto mosquitto() {
        return gw.ownMosquitto();
    }

    @Override
    void awaitCleanDisconnectAtBroker(String clientId) {
        // mosquitto logs "Client X disconnected." for a DISCONNECT; a will would follow only a lost connection.
        await("mosquitto sees " + clientId + " disconnect").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> mosquitto().log().contains("Client " + clientId + " disconnected."));
        assertThat(mosquitto().log()).doesNotContain("Client " + clientId + " closed its connection")
                .doesNotContain("Socket error on client " + clientId + ",");
    }

    @Test
    void connackComesOnlyAfterTheBrokerAcceptedTheDevicesConnection() {
        for (boolean clean : new boolean[] {true, false}) {
            try (Device d = gw.device(id(clean ? "clean" : "persistent"))) {
                ConnAck ack = d.connect(clean, 60);
                assertThat(ack.returnCode()).isEqualTo(ACCEPTED);
                // No waiting: mosquitto logs the accepted connection before it sends its CONNACK,
                // and the gateway answers the device only after that CONNACK.
                Pattern accepted = Pattern.compile("New client connected from \\S+ as " + Pattern.quote(d.clientId)
                        + " \\(p5, c" + (clean ? 1 : 0) + ", k\\d+");
                assertThat(accepted.matcher(mosquitto().log()).find())
                        .as("mosquitto log has %s:%n%s", accepted, mosquitto().log()).isTrue();
                d.disconnect();
            }
        }
    }

    @Test
    void connectIsRefusedWhileTheBrokerCannotBeReached() throws Exception {
        int nothingThere = Mosquitto.freePort();
        try (TestGateway lonely = TestGateway.on(mosquitto().broker, c -> c
                .with(GatewaySettings.BROKER_URI, "tcp://127.0.0.1:" + nothingThere));
             Device d = lonely.device(id("dev"))) {
            assertThat(d.connect(true, 60).returnCode()).isEqualTo(ReturnCode.REJECTED_CONGESTION);
        }
    }

    @Test
    void unansweredDeliveryIsRetransmittedThenTheDeviceIsLost() throws Exception {
        String t = topic("ignored");
        String willTopic = topic("will");
        paho.subscribe(willTopic, 1);
        try (Device d = gw.device(id("dev"))) {
            long lostBefore = gw.metric(Metrics.CLIENTS_LOST);
            d.connectedWithWill(true, 60, willTopic, QoS.AT_LEAST_ONCE, false, bytes("gone"));
            d.subscribe(t, QoS.AT_LEAST_ONCE);
            paho.publish(t, "never acknowledged", 1);
            Publish first = d.next(Publish.class);
            assertThat(first.dup()).isFalse();
            // T_RETRY 1 s, N_RETRY 2: two resends with DUP and the same msg id, then the device is lost.
            for (int i = 0; i < 2; i++) {
                Publish again = d.next(Publish.class);
                assertThat(again.dup()).isTrue();
                assertThat(again.msgId()).isEqualTo(first.msgId());
                assertThat(again.data().utf8()).isEqualTo("never acknowledged");
            }
            assertThat(paho.awaitFirst(willTopic).text()).isEqualTo("gone");
            assertThat(gw.metric(Metrics.CLIENTS_LOST)).isGreaterThan(lostBefore);
        }
    }

    /**
     * A broker's QoS 1 message is acknowledged upstream only after the device's PUBACK: the
     * device gets a message and does not answer; the gateway stops (keeping broker sessions);
     * a new gateway, which knows nothing of it, gets the message again from the broker. Once the
     * device has acknowledged it, a third gateway does not get it again.
     */
    @Test
    void qos1MessageIsAcknowledgedToTheBrokerOnlyAfterTheDevicesPuback() throws Exception {
        String t = topic("held");
        String clientId = id("dev");
        try (TestGateway first = TestGateway.on(mosquitto().broker, c -> c.with(GatewaySettings.RETRY_SECONDS, 60.0));
             Device d = first.device(clientId)) {
            d.connected(false, 60);
            d.subscribe(t, QoS.AT_LEAST_ONCE);
            paho.publish(t, "unacknowledged", 1);
            Publish p = d.next(Publish.class);
            assertThat(p.data().utf8()).isEqualTo("unacknowledged");
            // no PUBACK from the device; the gateway stops
        }
        try (TestGateway second = TestGateway.on(mosquitto().broker, c -> c); Device d = second.device(clientId)) {
            d.connected(false, 60);
            Publish again = d.receive(); // REGISTER first: this gateway has not told the device any id
            assertThat(d.topicOf(again)).isEqualTo(t);
            assertThat(again.data().utf8()).isEqualTo("unacknowledged");
            // receive() sent the PUBACK; the PINGRESP that follows it on the session's loop means
            // the PUBACK has been passed upstream
            d.send(PingReq.PLAIN);
            d.next(PingResp.class);
        }
        try (TestGateway third = TestGateway.on(mosquitto().broker, c -> c); Device d = third.device(clientId)) {
            d.connected(false, 60);
            paho.publish(t, "marker", 1);
            // A message still unacknowledged at the broker would be re-sent before any new one.
            assertThat(d.receive().data().utf8()).isEqualTo("marker");
            d.disconnect();
        }
    }
}
