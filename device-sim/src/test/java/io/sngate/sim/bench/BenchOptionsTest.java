package io.sngate.sim.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sngate.codec.QoS;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {

    @Test
    void defaultsAreSpelledOutInTheRepeatableCommand() throws Exception {
        BenchOptions o = BenchOptions.parse(List.of("qos0", "-p", "2000", "--runtimes", "2"));
        assertThat(o.rate()).isEqualTo(10_000);
        assertThat(o.qos()).isEqualTo(QoS.AT_MOST_ONCE);
        assertThat(o.subscribers()).isEqualTo(2);
        assertThat(o.command()).isEqualTo("sngate-sim bench qos0 -h localhost -p 2000 --broker tcp://localhost:1883"
                + " --clients 10 --rate 10000 --duration 10 --warmup 2 --drain 3 --payload-size 16 --qos 0"
                + " --runtimes 2 --subscribers 2 --subscribe-qos 0 --retry 10 --max-retries 3 --keep-alive 600 --seed 1"
                + " --ceiling-duration 5");
    }

    @Test
    void theCommandParsesBackToTheSameOptions() throws Exception {
        for (List<String> args : List.of(
                List.of("qos0", "--sweep", "--rate", "20000", "--step", "5000", "--refine", "2", "--json", "a b.json"),
                List.of("qos1", "--clients", "1000", "--qos", "2", "--no-ceiling", "--plot", "x.svg"),
                List.of("latency", "--rate", "12.5", "--payload-size", "64", "--csv", "out.csv"),
                List.of("connect", "--clients", "10000", "--rate", "2000", "--hold", "30"),
                List.of("connect", "--clients", "20000", "--source", "127.0.0.3", "--hold", "60"),
                List.of("ceiling", "--rate", "5000"))) {
            BenchOptions first = BenchOptions.parse(args);
            List<String> words = shellWords(first.command());
            assertThat(words.subList(0, 2)).containsExactly("sngate-sim", "bench");
            BenchOptions again = BenchOptions.parse(words.subList(2, words.size()));
            assertThat(again).isEqualTo(first);
        }
    }

    @Test
    void windowAboveOneIsExplained() {
        assertThatThrownBy(() -> BenchOptions.parse(List.of("qos1", "--window", "4")))
                .isInstanceOf(BenchOptions.UsageError.class)
                .hasMessageContaining("one QoS 1/2 publish in flight")
                .hasMessageContaining("--clients");
    }

    @Test
    void mistakesAreUsageErrors() {
        for (List<String> args : List.<List<String>>of(List.of(), List.of("qos3"), List.of("qos0", "--qos", "1"),
                List.of("qos1", "--sweep"), List.of("qos0", "--step", "5"), List.of("qos0", "--payload-size", "8"),
                List.of("qos0", "--broker", "localhost:1883"), List.of("qos0", "--plot", "x.jpg"),
                List.of("qos0", "--clients", "1", "--subscribers", "2"), List.of("qos0", "--bogus"),
                List.of("qos0", "--rate"), List.of("latency", "--rate", "0"), List.of("qos0", "--hold", "3"),
                List.of("connect", "--source", "not an address!"))) {
            assertThatThrownBy(() -> BenchOptions.parse(args)).as(String.join(" ", args))
                    .isInstanceOf(BenchOptions.UsageError.class);
        }
    }

    /** Splits a command line the way a POSIX shell does for our quoting (single quotes only). */
    private static List<String> shellWords(String line) {
        java.util.ArrayList<String> words = new java.util.ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\'') {
                quoted = !quoted;
                any = true;
            } else if (c == ' ' && !quoted) {
                if (any) {
                    words.add(word.toString());
                }
                word.setLength(0);
                any = false;
            } else {
                word.append(c);
                any = true;
            }
        }
        if (any) {
            words.add(word.toString());
        }
        return Arrays.asList(words.toArray(String[]::new));
    }
}
