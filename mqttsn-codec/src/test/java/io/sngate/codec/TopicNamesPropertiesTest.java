package io.sngate.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/**
 * Properties of {@link TopicNames}. The generators state the rules independently of the code:
 * a code point is allowed unless it is U+0000, a control character, a surrogate, a
 * non-character, or (in a name) a wildcard.
 */
class TopicNamesPropertiesTest {

    /** The rules, restated: what a topic name may contain besides '/'. */
    static boolean allowedInName(int codePoint) {
        boolean control = codePoint <= 0x1F || codePoint >= 0x7F && codePoint <= 0x9F;
        boolean surrogate = codePoint >= 0xD800 && codePoint <= 0xDFFF;
        boolean nonCharacter = codePoint >= 0xFDD0 && codePoint <= 0xFDEF || (codePoint & 0xFFFF) >= 0xFFFE;
        return !control && !surrogate && !nonCharacter && codePoint != '+' && codePoint != '#';
    }

    /** Any string built only from allowed code points and '/' (not empty, short enough) is a valid name. */
    @Property
    void stringsOfAllowedCodePointsAreValidNames(@ForAll("names") String name) {
        assertThat(TopicNames.nameProblem(name)).as("name %s", escape(name)).isEmpty();
        assertThat(TopicNames.isValidName(name)).isTrue();
        assertThat(TopicNames.isValidFilter(name)).as("a valid name is a valid filter").isTrue();
        // What a device sends as UTF-8 comes back as the same string.
        assertThat(TopicNames.decodeUtf8(Bytes.utf8(name))).contains(name);
        assertThat(TopicNames.utf8Length(name)).isEqualTo(name.getBytes(StandardCharsets.UTF_8).length);
    }

    /** Levels of allowed code points, '+' as whole levels and '#' as the whole last level make a valid filter. */
    @Property
    void filtersWithWholeLevelWildcardsAreValid(@ForAll("filters") String filter) {
        assertThat(TopicNames.filterProblem(filter)).as("filter %s", escape(filter)).isEmpty();
        assertThat(TopicNames.isValidName(filter)).isEqualTo(filter.indexOf('+') < 0 && filter.indexOf('#') < 0);
    }

    /** One refused code point anywhere in a valid name makes it an invalid name, and the reason gives its offset. */
    @Property
    void oneRefusedCodePointSpoilsAName(@ForAll("names") String name, @ForAll("refused") int codePoint,
                                        @ForAll @IntRange(max = 1_000) int where) {
        int at = name.offsetByCodePoints(0, where % (name.codePointCount(0, name.length()) + 1));
        String spoiled = name.substring(0, at) + new String(Character.toChars(codePoint)) + name.substring(at);
        assertThat(TopicNames.nameProblem(spoiled)).as("name %s", escape(spoiled))
                .hasValueSatisfying(reason -> assertThat(reason).matches(".*at offset " + at + "\\)?"));
        if (codePoint != '+' && codePoint != '#') { // a wildcard may happen to form a whole level of a filter
            assertThat(TopicNames.isValidFilter(spoiled)).isFalse();
        }
    }

    /** utf8Length is what String.getBytes gives, for any string (unpaired surrogates included). */
    @Property
    void utf8LengthAgreesWithGetBytes(@ForAll("anyText") String text) {
        assertThat(TopicNames.utf8Length(text)).isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
    }

    /** Whatever decodeUtf8 accepts is exactly what the bytes say: encoding it gives the bytes back. */
    @Property
    void decodeUtf8IsExact(@ForAll("utf8ish") byte[] bytes) {
        TopicNames.decodeUtf8(Bytes.wrap(bytes)).ifPresent(text -> {
            assertThat(text.getBytes(StandardCharsets.UTF_8)).isEqualTo(bytes);
            assertThat(text).doesNotContain("\u0000");
        });
    }

    // ------------------------------------------------------------------ generators

    @Provide
    Arbitrary<String> names() {
        return Arbitraries.frequencyOf(List.of(
                        Tuple.of(4, allowedCodePoint()),
                        Tuple.of(1, Arbitraries.just((int) '/'))))
                .list().ofMinSize(1).ofMaxSize(40)
                .map(TopicNamesPropertiesTest::fromCodePoints);
    }

    @Provide
    Arbitrary<String> filters() {
        Arbitrary<String> level = Arbitraries.frequencyOf(List.of(
                Tuple.of(4, allowedCodePoint().list().ofMaxSize(8).map(TopicNamesPropertiesTest::fromCodePoints)),
                Tuple.of(1, Arbitraries.just("+"))));
        return Combinators.combine(level.list().ofMinSize(1).ofMaxSize(6), Arbitraries.of(true, false))
                .as((levels, multiLevel) -> {
                    String joined = String.join("/", levels);
                    if (multiLevel) {
                        return joined.isEmpty() && levels.size() == 1 ? "#" : joined + "/#";
                    }
                    return joined.isEmpty() ? "+" : joined;
                });
    }

    @Provide
    Arbitrary<Integer> refused() {
        return Arbitraries.frequencyOf(List.of(
                Tuple.of(2, Arbitraries.integers().between(0x00, 0x1F)),
                Tuple.of(2, Arbitraries.integers().between(0x7F, 0x9F)),
                Tuple.of(2, Arbitraries.integers().between(0xFDD0, 0xFDEF)),
                Tuple.of(2, Arbitraries.integers().between(0, 0x10).map(plane -> plane << 16 | 0xFFFE)),
                Tuple.of(2, Arbitraries.integers().between(0, 0x10).map(plane -> plane << 16 | 0xFFFF)),
                Tuple.of(1, Arbitraries.integers().between(0xD800, 0xDFFF)),
                Tuple.of(1, Arbitraries.of((int) '+', (int) '#'))));
    }

    @Provide
    Arbitrary<String> anyText() {
        return Arbitraries.frequencyOf(List.of(
                Tuple.of(1, Arbitraries.strings().all().ofMaxLength(50)),
                Tuple.of(1, Arbitraries.integers().between(0, Character.MAX_CODE_POINT)
                        .filter(c -> c < 0xD800 || c > 0xDFFF)
                        .list().ofMaxSize(30).map(TopicNamesPropertiesTest::fromCodePoints))));
    }

    /** Mostly the valid UTF-8 of random text, sometimes with one byte changed, sometimes random bytes. */
    @Provide
    Arbitrary<byte[]> utf8ish() {
        Arbitrary<byte[]> valid = anyText().map(text -> text.getBytes(StandardCharsets.UTF_8));
        Arbitrary<byte[]> changed = Combinators.combine(valid.filter(b -> b.length > 0),
                        Arbitraries.integers().between(0, Integer.MAX_VALUE), Arbitraries.bytes())
                .as((bytes, where, value) -> {
                    byte[] copy = bytes.clone();
                    copy[where % copy.length] = value;
                    return copy;
                });
        return Arbitraries.frequencyOf(List.of(
                Tuple.of(2, valid),
                Tuple.of(2, changed),
                Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(12))));
    }

    /** Allowed code points: the edges of each refused range and of each UTF-8 width often, anything allowed otherwise. */
    private static Arbitrary<Integer> allowedCodePoint() {
        return Arbitraries.frequencyOf(List.of(
                Tuple.of(2, Arbitraries.of(0x20, 0x7E, 0xA0, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFDCF, 0xFDF0, 0xFFFD,
                        0x10000, 0x1F600, 0x1FFFD, 0x20000, 0x10FFFD)),
                Tuple.of(3, Arbitraries.integers().between(0x20, 0x7E).filter(TopicNamesPropertiesTest::allowedInName)),
                Tuple.of(3, Arbitraries.integers().between(0, Character.MAX_CODE_POINT)
                        .filter(TopicNamesPropertiesTest::allowedInName))));
    }

    private static String fromCodePoints(List<Integer> codePoints) {
        StringBuilder text = new StringBuilder();
        codePoints.forEach(text::appendCodePoint);
        return text.toString();
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().forEach(c -> out.append(c >= 0x20 && c < 0x7F ? Character.toString(c) : String.format("\\u{%X}", c)));
        return out.toString();
    }
}
