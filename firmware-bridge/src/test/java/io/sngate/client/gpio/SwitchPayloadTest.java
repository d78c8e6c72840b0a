package io.sngate.client.gpio;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.Bytes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SwitchPayloadTest {

    @ParameterizedTest
    @ValueSource(strings = {"1", "on", "ON", "true", "True", " on\n"})
    void onWords(String payload) {
        assertThat(SwitchPayload.parse(Bytes.utf8(payload))).contains(true);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "off", "OFF", "false", "FALSE", "0 "})
    void offWords(String payload) {
        assertThat(SwitchPayload.parse(Bytes.utf8(payload))).contains(false);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "2", "yes", "blink", "o n", "truefalse", "1111111111111111111111111"})
    void anythingElseIsNoSwitch(String payload) {
        assertThat(SwitchPayload.parse(Bytes.utf8(payload))).isEmpty();
    }
}
