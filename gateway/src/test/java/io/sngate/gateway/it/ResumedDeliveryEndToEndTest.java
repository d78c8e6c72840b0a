package io.sngate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.QoS;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.PubComp;
import io.sngate.codec.v12.PubRec;
import io.sngate.codec.v12.PubRel;
import io.sngate.codec.v12.Publish;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A QoS 2 delivery to a device that left before its PUBREC resumes when the device comes back
 * to its persistent session, and is never started again: against mosquitto, whose resend of the
 * unacknowledged message (MQTT 5 §4.4, DUP set) reaches the session on the device's new upstream
 * connection and must take over the held exchange instead of being delivered a second time.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ResumedDeliveryEndToEndTest {

    @Test
    void aQos2DeliveryInterruptedBeforePubRecResumesAndIsDeliveredOnce() throws Exception {
        String topic = "it/resume/q2";
        try (LoggedMosquitto mosquitto = LoggedMosquitto.start();
             Observer paho = Observer.connect(mosquitto.uri(), "resume-paho");
             TestGateway gateway = TestGateway.on(mosquitto.broker, c -> c);
             Device device = gateway.device("resume-dev")) {
            device.connected(false, 60);
            device.subscribe(topic, QoS.EXACTLY_ONCE);
            paho.publish(topic, "once", 2);
            Publish first = device.expect(Publish.class);
            assertThat(first.data().utf8()).isEqualTo("once");

            device.disconnect(); // before its PUBREC
            device.connected(false, 60);

            Publish resumed = device.expect(Publish.class);
            assertThat(resumed.msgId()).isEqualTo(first.msgId());
            assertThat(resumed.dup()).isTrue();
            device.send(new PubRec(resumed.msgId()));
            assertThat(device.expect(PubRel.class).msgId()).isEqualTo(first.msgId());
            device.send(new PubComp(resumed.msgId()));

            List<MqttSn12Message> later = device.receivedWithin(Duration.ofSeconds(1));
            assertThat(later).as("nothing delivered a second time").noneMatch(m -> m instanceof Publish);
        }
    }
}
