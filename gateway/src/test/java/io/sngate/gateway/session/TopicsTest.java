package io.sngate.gateway.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.Bytes;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TopicsTest {

    @Nested
    class Matches {

        @ParameterizedTest(name = "''{0}'' matches ''{1}''")
        @CsvSource(delimiter = '|', value = {
            "#|a",
            "#|a/b/c",
            "#|/",
            "#|/a",
            "a/#|a",
            "a/#|a/",
            "a/#|a/b",
            "a/#|a/b/c",
            "+|a",
            "+/b|a/b",
            "+/b|/b",
            "a/+|a/",
            "a/+/c|a/b/c",
            "a/+/c|a//c",
            "+/+|/",
            "+/#|a",
            "a/b|a/b",
            "/a|/a",
            "$SYS/#|$SYS/broker",
            "$SYS/+|$SYS/x",
            "$SYS/broker|$SYS/broker",
        })
        void match(String filter, String topic) {
            assertThat(Topics.matches(filter, topic)).isTrue();
        }

        @ParameterizedTest(name = "''{0}'' does not match ''{1}''")
        @CsvSource(delimiter = '|', value = {
            "#|$SYS",
            "#|$SYS/broker",
            "+/broker|$SYS/broker",
            "+|$x",
            "+/#|$SYS/broker",
            "a/#|b",
            "a/#|ab",
            "+|a/b",
            "+|/a",
            "+/b|a/c",
            "+/b|a/b/c",
            "a/+|a",
            "a/+|a/b/c",
            "a/b|a",
            "a/b|a/b/c",
            "a/b|A/b",
            "a|a/",
            "/a|a",
            "a/+/c|a/b/d",
        })
        void noMatch(String filter, String topic) {
            assertThat(Topics.matches(filter, topic)).isFalse();
        }
    }

    @Nested
    class Filters {

        @ParameterizedTest(name = "''{0}'' is a valid filter")
        @ValueSource(strings = {"#", "+", "a", "a/#", "a/+", "+/b", "+/+/#", "a/+/c", "/", "//", "/#", "$SYS/#",
                "a b/c", "ü/€"})
        void valid(String filter) {
            assertThat(Topics.isValidFilter(filter)).isTrue();
        }

        @ParameterizedTest(name = "''{0}'' is not a valid filter")
        @ValueSource(strings = {"", "a/#/b", "#/a", "##", "a#", "a/b#", "#a", "a+", "+a", "a/+b/c", "a/b+", "++"})
        void invalid(String filter) {
            assertThat(Topics.isValidFilter(filter)).isFalse();
        }

        @Test
        void hasWildcard() {
            assertThat(Topics.hasWildcard("a/+/b")).isTrue();
            assertThat(Topics.hasWildcard("a/#")).isTrue();
            assertThat(Topics.hasWildcard("a/b")).isFalse();
        }
    }

    @Nested
    class Names {

        @ParameterizedTest(name = "''{0}'' is a valid name")
        @ValueSource(strings = {"a", "a/b", "/", "/a/", "$SYS/x", "ab", " "})
        void valid(String name) {
            assertThat(Topics.isValidName(name)).isTrue();
        }

        @ParameterizedTest(name = "''{0}'' is not a valid name")
        @ValueSource(strings = {"", "+", "#", "a/+", "a/#", "a+b"})
        void invalid(String name) {
            assertThat(Topics.isValidName(name)).isFalse();
        }
    }

    @Nested
    class Utf8 {

        @Test
        void validUtf8IsDecoded() {
            assertThat(Topics.decodeUtf8(Bytes.utf8("température/°C"))).contains("température/°C");
        }

        @Test
        void malformedUtf8IsRejected() {
            assertThat(Topics.decodeUtf8(Bytes.fromHex("C3 28"))).isEmpty();
            assertThat(Topics.decodeUtf8(Bytes.fromHex("FF"))).isEmpty();
            assertThat(Topics.decodeUtf8(Bytes.fromHex("E2 82"))).isEmpty(); // truncated sequence
            assertThat(Topics.decodeUtf8(Bytes.fromHex("C0 AF"))).isEmpty(); // overlong "/"
            assertThat(Topics.decodeUtf8(Bytes.fromHex("ED A0 80"))).isEmpty(); // a surrogate
        }

        @Test
        void nulIsRejected() {
            assertThat(Topics.decodeUtf8(Bytes.fromHex("61 00"))).isEmpty();
        }

        @Test
        void emptyDecodesToEmptyString() {
            assertThat(Topics.decodeUtf8(Bytes.EMPTY)).contains("");
        }
    }
}
