package io.sngate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.QoS;
import io.sngate.codec.v12.Publish;
import io.sngate.gateway.testing.Mosquitto;
import io.sngate.hw.config.GatewaySettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded broker with a data folder (as the Debian package configures it) keeps what a
 * broker must keep across a restart of the gateway: a device's persistent session with the
 * message queued for it while it was away, and retained messages.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EmbeddedBrokerPersistenceTest {

    @TempDir
    Path data;

    @Test
    void sessionsQueuedAndRetainedMessagesSurviveARestart() throws Exception {
        int port = Mosquitto.freePort();
        TestGateway.Tweak persistent = config -> config.with(GatewaySettings.EMBEDDED_DATA_DIR, data.toString())
                .with(GatewaySettings.EMBEDDED_PORT, port);
        try (TestGateway gw = TestGateway.start(Setup.TRANSPARENT_EMBEDDED, persistent);
             Observer paho = gw.observer("persist-paho");
             Device device = gw.device("persist-device")) {
            device.connected(false, 60);
            device.subscribe("it/persist/down", QoS.AT_LEAST_ONCE);
            paho.publish("it/persist/state", "on".getBytes(StandardCharsets.UTF_8), 1, true);
            device.disconnect();
            // Queued at the broker for the device's session, which outlives the device's DISCONNECT.
            paho.publish("it/persist/down", "while you were away", 1);
        }

        try (TestGateway gw = TestGateway.start(Setup.TRANSPARENT_EMBEDDED, persistent);
             Observer paho = gw.observer("persist-paho-2");
             Device device = gw.device("persist-device")) {
            device.connected(false, 60);
            Publish queued = device.receive();
            assertThat(queued.data().utf8()).isEqualTo("while you were away");
            assertThat(queued.qos()).isEqualTo(QoS.AT_LEAST_ONCE);
            paho.subscribe("it/persist/state", 1);
            assertThat(paho.awaitText("it/persist/state", "on").retained()).isTrue();
        }
    }
}
