package io.sngate.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link TopicNames}: strict UTF-8 decoding, the MQTT 5 rules for names and filters at every
 * boundary, the 65 535-byte limit, and the topics mosquitto disconnects a client for.
 */
class TopicNamesTest {

    private static String cp(int codePoint) {
        return new String(Character.toChars(codePoint));
    }

    // ------------------------------------------------------------------ decodeUtf8

    static Stream<Arguments> wellFormedUtf8() {
        return Stream.of(
                Arguments.of("", ""),
                Arguments.of("61 2F 62", "a/b"),
                Arguments.of("C3 A9", "é"),
                Arguments.of("E2 82 AC", "€"),
                Arguments.of("F0 9F 98 80", cp(0x1F600)),
                Arguments.of("F4 8F BF BD", cp(0x10FFFD)),
                Arguments.of("ED 9F BF", "\uD7FF"),    // just below the surrogates
                Arguments.of("EE 80 80", "\uE000"),    // just above them
                Arguments.of("EF BF BD", "\uFFFD"),
                // Non-characters and control characters are well-formed UTF-8: the name rules refuse them.
                Arguments.of("EF BF BF 2F 78", "\uFFFF/x"),
                Arguments.of("01", "\u0001"),
                Arguments.of("7F", "\u007F"));
    }

    @ParameterizedTest(name = "{0} -> \"{1}\"")
    @MethodSource("wellFormedUtf8")
    void wellFormedUtf8Decodes(String hex, String expected) {
        assertThat(TopicNames.decodeUtf8(Bytes.fromHex(hex))).contains(expected);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "C3 28",             // a lead byte followed by ASCII
        "80",                // a lone continuation byte
        "61 BF",             // a continuation byte after ASCII
        "E2 82",             // truncated 3-byte sequence
        "F0 9F 98",          // truncated 4-byte sequence
        "C0 AF",             // overlong '/'
        "C0 80",             // overlong U+0000 ("modified UTF-8")
        "C1 BF",             // overlong U+007F
        "E0 80 AF",          // overlong '/' in 3 bytes
        "E0 9F BF",          // overlong U+07FF
        "F0 80 80 AF",       // overlong '/' in 4 bytes
        "F0 8F BF BF",       // overlong U+FFFF
        "ED A0 80",          // U+D800, a surrogate encoded on its own
        "ED AF BF",          // U+DBFF
        "ED B0 80",          // U+DC00
        "ED BF BF",          // U+DFFF
        "ED A0 BD ED B8 80", // U+1F600 as a CESU-8 surrogate pair
        "F4 90 80 80",       // U+110000, past the last code point
        "F5 80 80 80",
        "F8 88 80 80 80",    // the old 5-byte form
        "FE", "FF", "FE FF"})
    void malformedUtf8IsRefused(String hex) {
        assertThat(TopicNames.decodeUtf8(Bytes.fromHex(hex))).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"00", "61 00", "00 2F 61", "61 2F 00 2F 62"})
    void u0000IsRefused(String hex) {
        assertThat(TopicNames.decodeUtf8(Bytes.fromHex(hex))).isEmpty();
    }

    @Test
    void decodingASliceReadsOnlyTheSlice() {
        Bytes whole = Bytes.fromHex("FF 61 2F 62 FF");
        assertThat(TopicNames.decodeUtf8(whole)).isEmpty();
        assertThat(TopicNames.decodeUtf8(whole.slice(1, 3))).contains("a/b");
    }

    // ------------------------------------------------------------------ the mosquitto-refused topics

    /** Mosquitto disconnects a client (0x81 / 0x82) that uses any of these, so they must never get that far. */
    @Test
    void topicsMosquittoRefusesAreInvalid() {
        String fromBytes = TopicNames.decodeUtf8(Bytes.fromHex("EF BF BF 2F 78")).orElseThrow();
        assertThat(fromBytes).isEqualTo("\uFFFF/x");
        assertThat(TopicNames.nameProblem(fromBytes)).contains("contains non-character U+FFFF at offset 0");
        assertThat(TopicNames.filterProblem(fromBytes)).contains("contains non-character U+FFFF at offset 0");

        assertThat(TopicNames.nameProblem("\u0001")).contains("contains control character U+0001 at offset 0");
        assertThat(TopicNames.nameProblem("\u007F")).contains("contains control character U+007F at offset 0");
        assertThat(TopicNames.nameProblem("abc\u0001")).contains("contains control character U+0001 at offset 3");
        for (String topic : new String[] {"\uFFFF/x", "\u0001", "\u007F", "a/\u0001/b", "a\u007F"}) {
            assertThat(TopicNames.isValidName(topic)).as("name %s", topic).isFalse();
            assertThat(TopicNames.isValidFilter(topic)).as("filter %s", topic).isFalse();
        }
    }

    // ------------------------------------------------------------------ code point boundaries

    static Stream<Arguments> allowedCodePoints() {
        return Stream.of(0x0020, 0x0021, 0x002F, 0x007E, 0x00A0, 0x00FF, 0x0100, 0x07FF, 0x0800, 0xD7FF, 0xE000,
                        0xFDCF, 0xFDF0, 0xFFFD, 0x10000, 0x1F600, 0x1FFFD, 0x20000, 0xEFFFD, 0x10FFFD)
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "U+{0}")
    @MethodSource("allowedCodePoints")
    void allowedCodePointsMakeValidNamesAndFilters(int codePoint) {
        for (String topic : new String[] {cp(codePoint), "a/" + cp(codePoint) + "/b", cp(codePoint) + cp(codePoint)}) {
            assertThat(TopicNames.nameProblem(topic)).as("name with U+%04X", codePoint).isEmpty();
            assertThat(TopicNames.filterProblem(topic)).as("filter with U+%04X", codePoint).isEmpty();
            assertThat(TopicNames.isValidName(topic)).isTrue();
            assertThat(TopicNames.isValidFilter(topic)).isTrue();
        }
    }

    static Stream<Arguments> refusedCodePoints() {
        return Stream.of(
                Arguments.of(0x0001, "control character U+0001"),
                Arguments.of(0x0009, "control character U+0009"),
                Arguments.of(0x000A, "control character U+000A"),
                Arguments.of(0x001F, "control character U+001F"),
                Arguments.of(0x007F, "control character U+007F"),
                Arguments.of(0x0080, "control character U+0080"),
                Arguments.of(0x009F, "control character U+009F"),
                Arguments.of(0xFDD0, "non-character U+FDD0"),
                Arguments.of(0xFDE0, "non-character U+FDE0"),
                Arguments.of(0xFDEF, "non-character U+FDEF"),
                Arguments.of(0xFFFE, "non-character U+FFFE"),
                Arguments.of(0xFFFF, "non-character U+FFFF"),
                Arguments.of(0x1FFFE, "non-character U+1FFFE"),
                Arguments.of(0x1FFFF, "non-character U+1FFFF"),
                Arguments.of(0x2FFFE, "non-character U+2FFFE"),
                Arguments.of(0x10FFFE, "non-character U+10FFFE"),
                Arguments.of(0x10FFFF, "non-character U+10FFFF"));
    }

    @ParameterizedTest(name = "U+{0}")
    @MethodSource("refusedCodePoints")
    void refusedCodePointsAreNamedWithTheirOffset(int codePoint, String what) {
        assertThat(TopicNames.nameProblem(cp(codePoint))).contains("contains " + what + " at offset 0");
        assertThat(TopicNames.filterProblem(cp(codePoint))).contains("contains " + what + " at offset 0");
        // After an astral character the offset counts UTF-16 units: "😀/" is 3 of them.
        String later = cp(0x1F600) + "/" + cp(codePoint);
        assertThat(TopicNames.nameProblem(later)).contains("contains " + what + " at offset 3");
        assertThat(TopicNames.isValidName(later)).isFalse();
        assertThat(TopicNames.isValidFilter("+/" + cp(codePoint) + "/#")).isFalse();
    }

    @Test
    void everyNonCharacterInEveryPlaneIsRefused() {
        for (int plane = 0; plane <= 0x10; plane++) {
            for (int low : new int[] {0xFFFE, 0xFFFF}) {
                int codePoint = plane << 16 | low;
                assertThat(TopicNames.nameProblem(cp(codePoint))).as("U+%X", codePoint)
                        .contains(String.format("contains non-character U+%04X at offset 0", codePoint));
            }
            if (plane > 0) {
                assertThat(TopicNames.isValidName(cp(plane << 16 | 0xFFFD))).as("plane %d, FFFD", plane).isTrue();
                assertThat(TopicNames.isValidName(cp(plane << 16))).as("plane %d, 0000", plane).isTrue();
            }
        }
        for (int codePoint = 0xFDD0; codePoint <= 0xFDEF; codePoint++) {
            assertThat(TopicNames.isValidName(cp(codePoint))).as("U+%X", codePoint).isFalse();
        }
    }

    @Test
    void everyControlCharacterIsRefusedAndEveryOtherBmpCharacterBelowU0100IsNot() {
        for (int c = 0x01; c < 0x100; c++) {
            boolean control = c <= 0x1F || c >= 0x7F && c <= 0x9F;
            boolean wildcard = c == '+' || c == '#';
            assertThat(TopicNames.isValidName(String.valueOf((char) c))).as("U+%04X", c).isEqualTo(!control && !wildcard);
            assertThat(TopicNames.isValidFilter("a" + (char) c)).as("U+%04X", c).isEqualTo(!control && !wildcard);
        }
    }

    @Test
    void u0000IsRefusedInNamesAndFilters() {
        assertThat(TopicNames.nameProblem("a\u0000b")).contains("contains U+0000 at offset 1");
        assertThat(TopicNames.filterProblem("\u0000")).contains("contains U+0000 at offset 0");
    }

    @Test
    void unpairedSurrogatesAreRefused() {
        assertThat(TopicNames.nameProblem("\uD800")).contains("contains unpaired surrogate U+D800 at offset 0");
        assertThat(TopicNames.nameProblem("a\uDC00")).contains("contains unpaired surrogate U+DC00 at offset 1");
        assertThat(TopicNames.nameProblem("ab\uDBFFx")).contains("contains unpaired surrogate U+DBFF at offset 2");
        assertThat(TopicNames.nameProblem("\uDC00\uD800")).contains("contains unpaired surrogate U+DC00 at offset 0");
        assertThat(TopicNames.filterProblem("a/\uD83D")).contains("contains unpaired surrogate U+D83D at offset 2");
        assertThat(TopicNames.nameProblem("\uD83D\uDE00")).as("a proper pair: U+1F600").isEmpty();
    }

    // ------------------------------------------------------------------ empty and length

    @Test
    void emptyIsRefused() {
        assertThat(TopicNames.nameProblem("")).contains("empty");
        assertThat(TopicNames.filterProblem("")).contains("empty");
        assertThat(TopicNames.isValidName("")).isFalse();
        assertThat(TopicNames.isValidFilter("")).isFalse();
    }

    @Test
    void nullIsABug() {
        assertThatNullPointerException().isThrownBy(() -> TopicNames.nameProblem(null));
        assertThatNullPointerException().isThrownBy(() -> TopicNames.filterProblem(null));
        assertThatNullPointerException().isThrownBy(() -> TopicNames.isValidName(null));
        assertThatNullPointerException().isThrownBy(() -> TopicNames.decodeUtf8(null));
    }

    @Test
    void atMost65535BytesOfUtf8() {
        String ascii = "a".repeat(65_535);
        assertThat(TopicNames.isValidName(ascii)).isTrue();
        assertThat(TopicNames.isValidFilter(ascii)).isTrue();
        assertThat(TopicNames.nameProblem(ascii + "b")).contains("longer than 65535 bytes of UTF-8 (65536 bytes)");
        assertThat(TopicNames.filterProblem(ascii + "/")).contains("longer than 65535 bytes of UTF-8 (65536 bytes)");

        // The limit is in bytes, not characters: 21 845 three-byte characters are exactly 65 535 bytes.
        String euros = "€".repeat(21_845);
        assertThat(TopicNames.utf8Length(euros)).isEqualTo(65_535);
        assertThat(TopicNames.isValidName(euros)).isTrue();
        assertThat(TopicNames.isValidName(euros + "a")).isFalse();
        assertThat(TopicNames.isValidName("é".repeat(32_768))).as("65 536 bytes in 32 768 chars").isFalse();
        assertThat(TopicNames.isValidName("é".repeat(32_767) + "a")).as("65 535 bytes").isTrue();

        // Four-byte characters: 16 383 of them and "abc" are 65 535 bytes.
        String faces = cp(0x1F600).repeat(16_383);
        assertThat(TopicNames.isValidName(faces + "abc")).isTrue();
        assertThat(TopicNames.isValidName(faces + "abcd")).isFalse();
        assertThat(TopicNames.isValidFilter(faces + "ab/#")).isFalse();
        assertThat(TopicNames.isValidFilter(faces + "a/#")).isTrue();
    }

    // ------------------------------------------------------------------ names and wildcards

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"a", "a/b", "/", "//", "/a", "a/", "a//b", "$SYS/broker", "sensors/é/température",
        "with space", "a-b_c.d:e@f", "\uFFFD", "*", "?", "a\\b"})
    void validNames(String topic) {
        assertThat(TopicNames.nameProblem(topic)).isEmpty();
        assertThat(TopicNames.isValidName(topic)).isTrue();
        assertThat(TopicNames.isValidFilter(topic)).as("a valid name is a valid filter").isTrue();
    }

    static Stream<Arguments> namesWithWildcards() {
        return Stream.of(
                Arguments.of("+", "wildcard '+' in a topic name (at offset 0)"),
                Arguments.of("#", "wildcard '#' in a topic name (at offset 0)"),
                Arguments.of("a/+/b", "wildcard '+' in a topic name (at offset 2)"),
                Arguments.of("a/#", "wildcard '#' in a topic name (at offset 2)"),
                Arguments.of("a+b", "wildcard '+' in a topic name (at offset 1)"),
                Arguments.of("c#", "wildcard '#' in a topic name (at offset 1)"));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @MethodSource("namesWithWildcards")
    void wildcardsAreNotNames(String topic, String reason) {
        assertThat(TopicNames.nameProblem(topic)).contains(reason);
        assertThat(TopicNames.isValidName(topic)).isFalse();
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"+", "#", "+/+", "+/#", "/#", "/+", "+/", "a/+", "a/+/b", "a/#", "a/+/c/#", "+/+/+",
        "$SYS/#", "//#", "a//+//b"})
    void validFilters(String filter) {
        assertThat(TopicNames.filterProblem(filter)).isEmpty();
        assertThat(TopicNames.isValidFilter(filter)).isTrue();
    }

    static Stream<Arguments> invalidFilters() {
        return Stream.of(
                Arguments.of("a+", "'+' must be a whole level (at offset 1)"),
                Arguments.of("+a", "'+' must be a whole level (at offset 0)"),
                Arguments.of("a/b+/c", "'+' must be a whole level (at offset 3)"),
                Arguments.of("++", "'+' must be a whole level (at offset 0)"),
                Arguments.of("a#", "'#' must be a whole level (at offset 1)"),
                Arguments.of("#a", "'#' must be a whole level (at offset 0)"),
                Arguments.of("a/b#", "'#' must be a whole level (at offset 3)"),
                Arguments.of("##", "'#' must be a whole level (at offset 0)"),
                Arguments.of("#/", "'#' must be the last level (at offset 0)"),
                Arguments.of("#/a", "'#' must be the last level (at offset 0)"),
                Arguments.of("a/#/b", "'#' must be the last level (at offset 2)"),
                Arguments.of("a/#/", "'#' must be the last level (at offset 2)"),
                Arguments.of("#/#", "'#' must be the last level (at offset 0)"));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @MethodSource("invalidFilters")
    void wildcardsOnlyAsWholeLevels(String filter, String reason) {
        assertThat(TopicNames.filterProblem(filter)).contains(reason);
        assertThat(TopicNames.isValidFilter(filter)).isFalse();
    }

    @Test
    void theFirstProblemIsReported() {
        assertThat(TopicNames.nameProblem("a+\u0001")).contains("wildcard '+' in a topic name (at offset 1)");
        assertThat(TopicNames.nameProblem("\u0001+")).contains("contains control character U+0001 at offset 0");
        assertThat(TopicNames.filterProblem("x#\uFFFF")).contains("'#' must be a whole level (at offset 1)");
    }

    // ------------------------------------------------------------------ utf8Length

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", "a", "é", "€", "😀", "a/é/€/😀", "\u007F\u0080\u07FF\u0800\uFFFF", "\uD800", "x\uDC00y",
        "\uDC00\uD800", "\uD83D\uDE00\uD83D"})
    void utf8LengthAgreesWithGetBytes(String text) {
        assertThat(TopicNames.utf8Length(text)).isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void utf8LengthOfEachWidth() {
        assertThat(TopicNames.utf8Length("")).isZero();
        assertThat(TopicNames.utf8Length("\u007F")).isEqualTo(1);
        assertThat(TopicNames.utf8Length("\u0080")).isEqualTo(2);
        assertThat(TopicNames.utf8Length("\u07FF")).isEqualTo(2);
        assertThat(TopicNames.utf8Length("\u0800")).isEqualTo(3);
        assertThat(TopicNames.utf8Length("\uFFFF")).isEqualTo(3);
        assertThat(TopicNames.utf8Length(cp(0x10000))).isEqualTo(4);
        assertThat(TopicNames.utf8Length(cp(0x10FFFF))).isEqualTo(4);
    }

    /**
     * utf8Length runs on every forwarded topic, so it must not build the bytes. Measured with the
     * JVM's per-thread allocation counter: building them would cost about 64 MB over these calls.
     */
    @Test
    void utf8LengthDoesNotAllocate() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "per-thread allocation counter available");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        String text = ("sensors/é/€/" + cp(0x1F600)).repeat(4_000); // 64 000 UTF-16 units
        long sum = 0;
        for (int i = 0; i < 200; i++) {
            sum += TopicNames.utf8Length(text); // warm up
        }
        long thread = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < 1_000; i++) {
            sum += TopicNames.utf8Length(text);
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertThat(sum).isEqualTo(1_200L * text.getBytes(StandardCharsets.UTF_8).length);
        assertThat(allocated).as("bytes allocated by 1000 calls").isLessThan(1_000_000L);
    }
}
