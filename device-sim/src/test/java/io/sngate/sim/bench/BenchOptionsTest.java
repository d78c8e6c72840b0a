package io.sngate.sim.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sngate.codec.QoS;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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
                List.of("connect", "--clients", "10000", "--source", "127.0.0.1-127.0.0.20"),
                List.of("qos1", "--clients", "300", "--source", "127.0.0.1,127.0.0.5-9,127.0.1.0/24"),
                List.of("latency", "--source", "::1,::2"),
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

    // ------------------------------------------------------------------ --source

    private static SourceAddresses source(String text) throws Exception {
        BenchOptions o = BenchOptions.parse(List.of("connect", "--source", text));
        assertThat(o.source()).isPresent();
        // echoed as given (quoted for the shell when it has a space)
        assertThat(o.command()).endsWith(" --source " + (text.contains(" ") ? "'" + text + "'" : text));
        return o.source().get();
    }

    private static List<String> dotted(SourceAddresses s) {
        return s.addresses().stream().map(InetAddress::getHostAddress).toList();
    }

    @Test
    void aSingleSourceAddressWorksAsBefore() throws Exception {
        SourceAddresses s = source("127.0.0.3");
        assertThat(dotted(s)).containsExactly("127.0.0.3");
        assertThat(s.forDevice(0)).isEqualTo(s.forDevice(41)).isEqualTo(InetAddress.getByName("127.0.0.3"));
        assertThat(dotted(source("::1"))).containsExactly("0:0:0:0:0:0:0:1");
        assertThat(BenchOptions.parse(List.of("connect")).source()).isEmpty();
    }

    @Test
    void anIpv4RangeIsInclusiveWrittenInFullOrByItsLastOctets() throws Exception {
        SourceAddresses full = source("127.0.0.1-127.0.0.20");
        assertThat(full.size()).isEqualTo(20);
        assertThat(dotted(full).get(0)).isEqualTo("127.0.0.1");
        assertThat(dotted(full).get(19)).isEqualTo("127.0.0.20");
        assertThat(source("127.0.0.1-20").addresses()).isEqualTo(full.addresses());
        assertThat(dotted(source("127.0.0.250-1.4"))).containsExactly("127.0.0.250", "127.0.0.251", "127.0.0.252",
                "127.0.0.253", "127.0.0.254", "127.0.0.255", "127.0.1.0", "127.0.1.1", "127.0.1.2", "127.0.1.3",
                "127.0.1.4");
        assertThat(dotted(source("127.0.0.7-127.0.0.7"))).containsExactly("127.0.0.7");
        assertThat(source("10.0.0.0-10.0.255.255").size()).isEqualTo(65_536);
    }

    @Test
    void devicesGoRoundRobinOverTheAddresses() throws Exception {
        SourceAddresses s = source("127.0.0.1-127.0.0.3");
        assertThat(List.of(0, 1, 2, 3, 4, 299).stream().map(i -> s.forDevice(i).getHostAddress()).toList())
                .containsExactly("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.1", "127.0.0.2", "127.0.0.3");
    }

    @Test
    void aListMayMixAddressesRangesAndBlocksInTheGivenOrder() throws Exception {
        assertThat(dotted(source("127.0.0.1,127.0.0.2"))).containsExactly("127.0.0.1", "127.0.0.2");
        assertThat(dotted(source("127.0.0.9, 127.0.1.0/30,127.0.0.5-6"))).containsExactly("127.0.0.9", "127.0.1.1",
                "127.0.1.2", "127.0.0.5", "127.0.0.6");
        assertThat(dotted(source("::1,::2"))).containsExactly("0:0:0:0:0:0:0:1", "0:0:0:0:0:0:0:2");
    }

    @Test
    void aCidrBlockIsItsHostAddresses() throws Exception {
        SourceAddresses s = source("127.0.1.0/24");
        assertThat(s.size()).isEqualTo(254);
        assertThat(dotted(s).get(0)).isEqualTo("127.0.1.1");
        assertThat(dotted(s).get(253)).isEqualTo("127.0.1.254");
        assertThat(dotted(source("127.0.1.0/30"))).containsExactly("127.0.1.1", "127.0.1.2");
        assertThat(dotted(source("127.0.1.0/31"))).containsExactly("127.0.1.0", "127.0.1.1");
        assertThat(dotted(source("127.0.1.7/32"))).containsExactly("127.0.1.7");
        assertThat(source("10.0.0.0/16").size()).isEqualTo(65_534);
    }

    @Test
    void sourceMistakesAreUsageErrorsThatSayWhatIsWrong() {
        Map<String, String> expected = new java.util.LinkedHashMap<>();
        expected.put("127.0.0.256", "'127.0.0.256' is not an IPv4 address");
        expected.put("127.0.0", "'127.0.0' is not an IPv4 address");
        expected.put("127.1", "'127.1' is not an IPv4 address");
        expected.put("not an address!", "not an address");
        expected.put("", "no address given");
        expected.put("127.0.0.1,,127.0.0.2", "an empty item");
        expected.put("127.0.0.1-127.0.0.300", "'127.0.0.300' is not an IPv4 address");
        expected.put("127.0.0.1-", "the end of the range must be");
        expected.put("127.0.0.20-127.0.0.1", "the range runs backwards: 127.0.0.1 is before 127.0.0.20");
        expected.put("127.0.0.20-1", "the range runs backwards");
        expected.put("10.0.0.0-10.1.0.0", "65537 addresses: at most 65536");
        expected.put("10.0.0.0/15", "131070 addresses: at most 65536");
        expected.put("10.0.0.0/16,10.1.0.0-10.1.0.2", "3 addresses, with the 65534 before it: at most 65536");
        expected.put("127.0.1.5/24", "host bits are set: the block is 127.0.1.0/24");
        expected.put("127.0.1.0/33", "the prefix length must be from 0 to 32");
        expected.put("127.0.1.0/", "the prefix length must be from 0 to 32");
        expected.put("::1-::5", "IPv6 ranges are not supported");
        expected.put("fd00::/64", "IPv6 ranges are not supported");
        expected.put("::1,fd00::1-fd00::9", "IPv6 ranges are not supported");
        expected.put("fd00::zz", "not an IPv6 address");
        expected.put("127.0.0.1,127.0.0.1-3", "127.0.0.1 is given twice");
        expected.put("127.0.0.1,::1", "mixes IPv4 and IPv6");
        expected.forEach((text, message) -> assertThatThrownBy(() -> BenchOptions.parse(
                List.of("connect", "--source", text))).as(text)
                .isInstanceOf(BenchOptions.UsageError.class)
                .hasMessageStartingWith("--source ")
                .hasMessageContaining(message));
    }

    @Test
    void theReportSaysHowTheDevicesWereSpread() throws Exception {
        assertThat(report("--source", "127.0.0.1-127.0.0.3").sourceLine(300))
                .isEqualTo("300 devices spread over 3 source addresses (--source 127.0.0.1-127.0.0.3), 100 per address");
        assertThat(report("--source", "127.0.0.1,127.0.0.2,127.0.0.3").sourceLine(10))
                .isEqualTo("10 devices spread over 3 source addresses (--source 127.0.0.1,127.0.0.2,127.0.0.3),"
                        + " 3 or 4 per address");
        assertThat(report("--source", "127.0.1.0/29").sourceLine(4))
                .isEqualTo("4 devices spread over 4 of the 6 source addresses (--source 127.0.1.0/29), 1 per address");
        assertThat(report("--source", "127.0.0.2").sourceLine(300)).isNull();
        assertThat(report().sourceLine(300)).isNull();
    }

    private static BenchReport report(String... args) throws Exception {
        List<String> all = new java.util.ArrayList<>(List.of("connect"));
        all.addAll(List.of(args));
        return new BenchReport(BenchOptions.parse(all), "run", "now", Map.of());
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
