package io.sngate.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The aggregating gateway's fan-out index: MQTT 5 §4.7 matching, bookkeeping, and a seeded cross-check. */
class SubscriptionTrieTest {

    private static Set<String> matches(SubscriptionTrie<String, Integer> trie, String topic) {
        Set<String> found = new TreeSet<>();
        trie.match(topic, (subscriber, qos) -> found.add(subscriber));
        return found;
    }

    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource({
            "sport/tennis/player1/#, sport/tennis/player1, true",
            "sport/tennis/player1/#, sport/tennis/player1/ranking, true",
            "sport/tennis/player1/#, sport/tennis/player1/score/wimbledon, true",
            "sport/#, sport, true",
            "#, sport/tennis, true",
            "sport/tennis/+, sport/tennis/player1, true",
            "sport/tennis/+, sport/tennis/player1/ranking, false",
            "sport/+, sport, false",
            "sport/+, sport/, true",
            "+/+, /finance, true",
            "/+, /finance, true",
            "+, /finance, false",
            "+/tennis/#, sport/tennis/x, true",
            "sport/tennis, sport/tennis, true",
            "sport/tennis, sport/Tennis, false",
            "#, $SYS/broker, false",
            "+/broker, $SYS/broker, false",
            "$SYS/#, $SYS/broker, true",
            "$SYS/+, $SYS/broker, true",
    })
    void matchesAsMqttSays(String filter, String topic, boolean expected) {
        SubscriptionTrie<String, Integer> trie = new SubscriptionTrie<>();
        trie.add(filter, "s", 1);
        assertThat(matches(trie, topic).contains("s")).isEqualTo(expected);
    }

    @Test
    void eachSubscriberHoldsOneSubscriptionPerFilterAndTheLastQosWins() {
        SubscriptionTrie<String, Integer> trie = new SubscriptionTrie<>();
        assertThat(trie.add("a/+", "s1", 0)).as("a new filter").isTrue();
        assertThat(trie.add("a/+", "s1", 2)).as("the same subscriber again").isFalse();
        assertThat(trie.add("a/+", "s2", 1)).isFalse();
        Map<String, Integer> qos = new HashMap<>();
        trie.match("a/b", qos::put);
        assertThat(qos).containsOnly(Map.entry("s1", 2), Map.entry("s2", 1));
        assertThat(trie.filterCount()).isEqualTo(1);
    }

    @Test
    void removingTheLastSubscriberOfAFilterForgetsTheFilterAndPrunesItsNodes() {
        SubscriptionTrie<String, Integer> trie = new SubscriptionTrie<>();
        trie.add("a/b/c", "s1", 1);
        trie.add("a/b/c", "s2", 1);
        trie.add("a/#", "s3", 0);
        assertThat(trie.remove("a/b/c", "s1")).as("s2 is still on it").isFalse();
        assertThat(trie.remove("a/b/c", "s2")).isTrue();
        assertThat(trie.remove("a/b/c", "s2")).as("already gone").isFalse();
        assertThat(trie.remove("x/y", "s1")).as("never there").isFalse();
        assertThat(trie.filterCount()).isEqualTo(1);
        List<String> filters = new ArrayList<>();
        trie.forEachFilter(filters::add);
        assertThat(filters).containsExactly("a/#");
        assertThat(matches(trie, "a/b/c")).containsExactly("s3");
    }

    @Test
    void forEachSubscriberIsExactNotMatching() {
        SubscriptionTrie<String, Integer> trie = new SubscriptionTrie<>();
        trie.add("a/+", "s1", 1);
        trie.add("a/b", "s2", 1);
        Set<String> exact = new HashSet<>();
        trie.forEachSubscriber("a/+", (s, q) -> exact.add(s));
        assertThat(exact).containsExactly("s1");
    }

    /** Random filters and topics over a small alphabet, checked against a direct reading of the rules. */
    @Test
    void agreesWithAStraightforwardMatcherOnRandomFiltersAndTopics() {
        Random random = new Random(20261202);
        String[] words = {"a", "b", "", "$x"};
        for (int round = 0; round < 200; round++) {
            SubscriptionTrie<String, Integer> trie = new SubscriptionTrie<>();
            List<String> filters = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                String filter = randomFilter(random, words);
                filters.add(filter);
                trie.add(filter, "f" + i, 0);
            }
            for (int t = 0; t < 20; t++) {
                String topic = randomTopic(random, words);
                Set<String> expected = new TreeSet<>();
                for (int i = 0; i < filters.size(); i++) {
                    if (reference(filters.get(i), topic)) {
                        expected.add("f" + i);
                    }
                }
                assertThat(matches(trie, topic)).as("topic '%s' against %s", topic, filters).isEqualTo(expected);
            }
        }
    }

    private static String randomTopic(Random random, String[] words) {
        int depth = 1 + random.nextInt(4);
        StringBuilder topic = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            if (i > 0) {
                topic.append('/');
            }
            String word = words[random.nextInt(words.length)];
            topic.append(i > 0 && word.startsWith("$") ? "c" : word);
        }
        return topic.toString();
    }

    private static String randomFilter(Random random, String[] words) {
        int depth = 1 + random.nextInt(4);
        StringBuilder filter = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            if (i > 0) {
                filter.append('/');
            }
            int pick = random.nextInt(6);
            if (pick == 0) {
                filter.append('+');
            } else if (pick == 1 && i == depth - 1) {
                filter.append('#');
            } else {
                String word = words[random.nextInt(words.length)];
                filter.append(i > 0 && word.startsWith("$") ? "c" : word);
            }
        }
        return filter.toString();
    }

    /** MQTT 5 §4.7: level by level; '+' one level, '#' the rest (also none); no wildcard first on a $-topic. */
    private static boolean reference(String filter, String topic) {
        String[] f = filter.split("/", -1);
        String[] t = topic.split("/", -1);
        if (topic.startsWith("$") && (f[0].equals("+") || f[0].equals("#"))) {
            return false;
        }
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("#")) {
                return true;
            }
            if (i >= t.length) {
                return false;
            }
            if (!f[i].equals("+") && !f[i].equals(t[i])) {
                return false;
            }
        }
        return f.length == t.length;
    }
}
