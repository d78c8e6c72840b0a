package io.sngate.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code sngate-sim decode} on the packets real clients send outside MQTT-SN 1.2 (CONNECT with an
 * empty client id, SUBSCRIBE with QoS -1, SUBSCRIBE/UNSUBSCRIBE with topic id type 0b11): they
 * used to print "malformed"; they decode now, and the line says what is off the spec.
 * In-process, without a gateway (PubSubCommandTest covers the tool against a running one).
 */
class DecodeCommandTest {

    private record Run(int code, String out, String err) {
    }

    private static Run decode(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new DecodeCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).run(List.of(args));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void connectWithEmptyClientId() {
        Run run = decode("06 04 04 01 00 3C");
        assertThat(run.code()).as(run.out()).isZero();
        assertThat(run.out()).isEqualTo("Connect[will=false, cleanSession=true, protocolId=1, keepAlive=60, "
                + "clientId=\"\"]  # outside MQTT-SN 1.2: empty client id\n");
    }

    @Test
    void subscribeWithQosMinusOne() {
        Run run = decode("08 12 60 00 01 61 2F 62");
        assertThat(run.code()).as(run.out()).isZero();
        assertThat(run.out()).isEqualTo("Subscribe[dup=false, qos=MINUS_ONE, msgId=1, topic=Name[name=\"a/b\"]]"
                + "  # outside MQTT-SN 1.2: QoS -1 in SUBSCRIBE\n");
    }

    @Test
    void subscribeAndUnsubscribeWithReservedTopicIdType() {
        Run subscribe = decode("07 12 E3 00 01 00 64");
        assertThat(subscribe.code()).as(subscribe.out()).isZero();
        assertThat(subscribe.out()).isEqualTo("Subscribe[dup=true, qos=MINUS_ONE, msgId=1, topic=Reserved[field=0x0064]]"
                + "  # outside MQTT-SN 1.2: QoS -1 in SUBSCRIBE, reserved topic id type 0b11 (2 byte(s) after MsgId)\n");

        Run unsubscribe = decode("05 14 03 00 07");
        assertThat(unsubscribe.code()).as(unsubscribe.out()).isZero();
        assertThat(unsubscribe.out()).isEqualTo("Unsubscribe[msgId=7, topic=Reserved[field=\"\"]]"
                + "  # outside MQTT-SN 1.2: reserved topic id type 0b11 (0 byte(s) after MsgId)\n");
    }

    @Test
    void packetsWithinTheSpecPrintWithoutANote() {
        Run run = decode("08 12 20 00 01 61 2F 62");
        assertThat(run.out()).isEqualTo("Subscribe[dup=false, qos=AT_LEAST_ONCE, msgId=1, topic=Name[name=\"a/b\"]]\n");
    }

    @Test
    void publishWithReservedTopicIdTypeIsStillMalformed() {
        Run run = decode("09 0C 23 00 01 00 02 68 69");
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.out()).startsWith("malformed: PUBLISH: topic id type 0b11 is reserved");
    }
}
