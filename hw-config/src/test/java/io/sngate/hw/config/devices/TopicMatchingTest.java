package io.sngate.hw.config.devices;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TopicMatchingTest {

    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource(delimiter = '|', value = {
            "a/b       | a/b       | true",
            "a/b       | a/c       | false",
            "a/+       | a/b       | true",
            "a/+       | a         | false",
            "a/+       | a/b/c     | false",
            "a/+       | a/        | true", // an empty level is a level
            "+/+       | /b        | true",
            "a/#       | a         | true", // '#' includes the parent
            "a/#       | a/b/c     | true",
            "a/#       | ab        | false",
            "#         | a/b       | true",
            "#         | $SYS/x    | false",
            "+/x       | $SYS/x    | false",
            "$SYS/#    | $SYS/x    | true",
            "$SYS/+    | $SYS/x    | true",
            "a/b       | a/b/c     | false",
            "a/b/c     | a/b       | false",
    })
    void matchesTopicNamesLikeABroker(String filter, String topic, boolean expected) {
        assertThat(TopicMatching.matches(filter, topic)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} covers {1}: {2}")
    @CsvSource(delimiter = '|', value = {
            "sensors/dev1/#  | sensors/dev1/temp   | true",
            "sensors/dev1/#  | sensors/dev1/+      | true",
            "sensors/dev1/#  | sensors/dev1/#      | true",
            "sensors/dev1/#  | sensors/dev1        | true",
            "sensors/dev1/#  | sensors/+/temp      | false",
            "sensors/dev1/#  | sensors/#           | false",
            "sensors/dev1/#  | #                   | false",
            "sensors/+/temp  | sensors/+/temp      | true",
            "sensors/+/temp  | sensors/dev1/temp   | true",
            "sensors/+/temp  | sensors/#           | false",
            "sensors/+/temp  | sensors/+/+         | false",
            "sensors/+       | sensors             | false",
            "sensors/+       | sensors/#           | false", // '#' also reaches sensors/a/b
            "+/+             | +/+                 | true",
            "#               | #                   | true",
            "#               | +/a/#               | true",
            "#               | $SYS/#              | false", // leading wildcards stop at $
            "+/#             | $SYS/broker         | false",
            "$SYS/#          | $SYS/broker/+       | true",
            "a/b             | a/b                 | true",
            "a/b             | a/+                 | false",
    })
    void coversWhenEveryTopicOfTheFilterIsAlsoInThePattern(String pattern, String filter, boolean expected) {
        assertThat(TopicMatching.covers(pattern, filter)).isEqualTo(expected);
    }

    @Test
    void topicNamesFollowMqtt() {
        assertThat(TopicRules.whyNotName("plant/line1/temp")).isNull();
        assertThat(TopicRules.whyNotName("/leading/and/trailing/")).isNull();
        assertThat(TopicRules.whyNotName("ümlaut/😀")).isNull();
        assertThat(TopicRules.whyNotName("")).contains("empty");
        assertThat(TopicRules.whyNotName("a/+")).contains("wildcard '+'");
        assertThat(TopicRules.whyNotName("a/#")).contains("wildcard '#'");
        assertThat(TopicRules.whyNotName("a\u0000b")).contains("U+0000");
        assertThat(TopicRules.whyNotName("a\u0001b")).contains("control character U+0001");
        assertThat(TopicRules.whyNotName("a\u001Fb")).contains("U+001F");
        assertThat(TopicRules.whyNotName("a\u007Fb")).contains("U+007F");
        assertThat(TopicRules.whyNotName("a\u009Fb")).contains("U+009F");
        assertThat(TopicRules.whyNotName("a\uFFFFb")).contains("non-character U+FFFF");
        assertThat(TopicRules.whyNotName("a\uFFFEb")).contains("U+FFFE");
        assertThat(TopicRules.whyNotName("a\uFDD0b")).contains("U+FDD0");
        assertThat(TopicRules.whyNotName("a" + new String(Character.toChars(0x1FFFF)))).contains("U+1FFFF");
        assertThat(TopicRules.whyNotName("a\uD800b")).contains("surrogate");
        assertThat(TopicRules.whyNotName("x".repeat(65_536))).contains("65535 bytes");
    }

    @Test
    void filtersAllowWholeLevelWildcardsOnly() {
        assertThat(TopicRules.whyNotFilter("a/+/b/#")).isNull();
        assertThat(TopicRules.whyNotFilter("#")).isNull();
        assertThat(TopicRules.whyNotFilter("+")).isNull();
        assertThat(TopicRules.whyNotFilter("a/#/b")).contains("last level");
        assertThat(TopicRules.whyNotFilter("a/b#")).contains("whole level");
        assertThat(TopicRules.whyNotFilter("a/b+/c")).contains("whole level");
        assertThat(TopicRules.whyNotFilter("")).contains("empty");
        assertThat(TopicRules.whyNotFilter("a/\u0007")).contains("control character");
    }
}
