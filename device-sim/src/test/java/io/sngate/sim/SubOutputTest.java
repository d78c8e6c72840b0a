package io.sngate.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.client.MqttSnClient;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** sub's output: payload, -v, -N and -F's specifiers and escapes, at a fixed time. */
class SubOutputTest {

    static final ZonedDateTime AT = ZonedDateTime.of(2026, 5, 6, 21, 48, 3, 123_456_789, ZoneOffset.ofHours(1));
    static final MqttSnClient.Message HELLO = new MqttSnClient.Message("plant/t", Bytes.utf8("hello"),
            QoS.AT_LEAST_ONCE, false);

    static String render(String format, MqttSnClient.Message message) throws Exception {
        return new String(SubOutput.of(Optional.of(format), false, false).render(message, AT), StandardCharsets.UTF_8);
    }

    @Test
    void thePayloadOrTopicAndPayloadWithANewlineUnlessMinusN() throws Exception {
        assertThat(SubOutput.of(Optional.empty(), false, true).render(HELLO, AT))
                .isEqualTo("hello\n".getBytes(StandardCharsets.UTF_8));
        assertThat(SubOutput.of(Optional.empty(), true, true).render(HELLO, AT))
                .isEqualTo("plant/t hello\n".getBytes(StandardCharsets.UTF_8));
        assertThat(SubOutput.of(Optional.empty(), true, false).render(HELLO, AT))
                .isEqualTo("plant/t hello".getBytes(StandardCharsets.UTF_8));
        assertThat(SubOutput.of(Optional.of("%t"), false, true).render(HELLO, AT))
                .isEqualTo("plant/t\n".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theMessagesFields() throws Exception {
        MqttSnClient.Message retained = new MqttSnClient.Message("a/b", Bytes.copyOf(new byte[] {0x0A, (byte) 0xBC}),
                QoS.EXACTLY_ONCE, true);
        assertThat(render("%t|%q|%r|%l|%x|%X|100%%", retained)).isEqualTo("a/b|2|1|2|0abc|0ABC|100%");
        assertThat(render("[%p]", HELLO)).isEqualTo("[hello]");
        assertThat(render("%q%r", HELLO)).isEqualTo("10");
    }

    @Test
    void thePayloadIsWrittenByteForByte() throws Exception {
        byte[] binary = {0, (byte) 0xFF, '\n', (byte) 0x80};
        MqttSnClient.Message message = new MqttSnClient.Message("bin", Bytes.copyOf(binary), QoS.AT_MOST_ONCE, false);
        assertThat(SubOutput.of(Optional.of("%p"), false, false).render(message, AT)).containsExactly(binary);
    }

    @Test
    void times() throws Exception {
        assertThat(render("%I", HELLO)).isEqualTo("2026-05-06T21:48:03+0100");
        assertThat(render("%U", HELLO)).isEqualTo(AT.toEpochSecond() + ".123456789");
    }

    @Test
    void jsonWithThePayloadAsAStringOrItsBytes() throws Exception {
        assertThat(render("%j", new MqttSnClient.Message("a \"quoted\" topic", Bytes.utf8("line\nbreak"),
                QoS.AT_MOST_ONCE, true))).isEqualTo("{\"tst\":\"2026-05-06T21:48:03.123456+01:00\","
                + "\"topic\":\"a \\\"quoted\\\" topic\",\"qos\":0,\"retain\":1,\"payloadlen\":10,"
                + "\"payload\":\"line\\nbreak\"}");
        assertThat(render("%j", new MqttSnClient.Message("b", Bytes.copyOf(new byte[] {(byte) 0xFF, 1}),
                QoS.AT_LEAST_ONCE, false))).endsWith("\"payloadlen\":2,\"payload\":[255,1]}");
    }

    @Test
    void jsonWithAJsonPayloadAsItIs() throws Exception {
        MqttSnClient.Message json = new MqttSnClient.Message("c", Bytes.utf8("{\"t\": [21.5, true, null]}"),
                QoS.AT_LEAST_ONCE, false);
        assertThat(render("%J", json)).isEqualTo("{\"tst\":\"2026-05-06T21:48:03.123456+01:00\",\"topic\":\"c\","
                + "\"qos\":1,\"retain\":0,\"payloadlen\":25,\"payload\":{\"t\": [21.5, true, null]}}");
        assertThatThrownBy(() -> render("%J", HELLO)).isInstanceOf(SubOutput.NotJson.class)
                .hasMessage("payload is not valid JSON on topic plant/t (-F %J): message not printed");
    }

    @Test
    void escapes() throws Exception {
        assertThat(render("%t\\t%p\\n\\\\\\a\\e\\v\\r\\0", HELLO))
                .isEqualTo("plant/t\thello\n\\\u0007\u001b\u000b\r\0");
    }

    @Test
    void whatAnMqttSnMessageCannotFillIsRefused() {
        assertThatThrownBy(() -> SubOutput.of(Optional.of("%m"), false, true))
                .hasMessage("%m is not a specifier an MQTT-SN message can fill; the specifiers are "
                        + SubOutput.SPECIFIERS);
        assertThatThrownBy(() -> SubOutput.of(Optional.of("%10t"), false, true))
                .hasMessageStartingWith("field widths and precisions (%1...) are not supported");
        assertThatThrownBy(() -> SubOutput.of(Optional.of("%t %"), false, true))
                .hasMessage("'%' at the end of the format: write %% for the character itself");
        assertThatThrownBy(() -> SubOutput.of(Optional.of("\\q"), false, true))
                .hasMessageStartingWith("\\q is not an escape");
    }
}
