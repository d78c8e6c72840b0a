package io.sngate.hw.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PredefinedTopicsFileTest {

    private static java.util.Map<Integer, String> parse(String... lines) throws ConfigError {
        return PredefinedTopicsFile.parse("predefined.file", "topics.txt", List.of(lines));
    }

    @Test
    void readsIdsAndTopicsSkippingCommentsAndBlanks() throws ConfigError {
        assertThat(parse("# the plant", "", "1, plant/temperature  # degrees", "2,plant/humidity"))
                .containsExactly(java.util.Map.entry(1, "plant/temperature"), java.util.Map.entry(2, "plant/humidity"));
    }

    @Test
    void errorsNameTheLine() {
        assertThatThrownBy(() -> parse("1,a", "oops")).hasMessage("predefined.file: topics.txt line 2: expected 'id,topic', got 'oops'");
        assertThatThrownBy(() -> parse("x,a")).hasMessageContaining("line 1: topic id 'x' is not a number");
        assertThatThrownBy(() -> parse("0,a")).hasMessageContaining("must be from 1 to 65534");
        assertThatThrownBy(() -> parse("65535,a")).hasMessageContaining("must be from 1 to 65534");
        assertThatThrownBy(() -> parse("1,a/+")).hasMessageContaining("is not a topic name");
        assertThatThrownBy(() -> parse("1,a", "1,b")).hasMessageContaining("line 2: topic id 1 is defined twice");
        assertThatThrownBy(() -> parse("1,a", "2,a")).hasMessageContaining("line 2: topic 'a' already has id 1");
    }

    private static PredefinedTopicsFile.Contents parseAll(String... lines) throws ConfigError {
        return PredefinedTopicsFile.parseAll("predefined.file", "topics.txt", List.of(lines));
    }

    @Test
    void readsPahoLinesPerClientAndStarLinesForEveryone() throws ConfigError {
        PredefinedTopicsFile.Contents contents = parseAll(
                "# ClientID, TopicName, TopicID",
                "*,plant/announce, 1",
                "2,plant/status",
                "meter-1,plant/meter-1/reading, 1", // its own id 1 (for it, over the gateway-wide one)
                "meter-1, plant/meter-1/cmd , 2",
                "meter-2,plant/meter-2/reading,1");
        assertThat(contents.gatewayWide())
                .containsExactly(java.util.Map.entry(1, "plant/announce"), java.util.Map.entry(2, "plant/status"));
        assertThat(contents.perClient()).containsOnlyKeys("meter-1", "meter-2");
        assertThat(contents.perClient().get("meter-1")).containsExactly(
                java.util.Map.entry(1, "plant/meter-1/reading"), java.util.Map.entry(2, "plant/meter-1/cmd"));
        assertThat(contents.perClient().get("meter-2")).containsExactly(java.util.Map.entry(1, "plant/meter-2/reading"));
        // The old entry point still gives the gateway-wide ids only.
        assertThat(parse("*,a,1", "c,b,2")).containsExactly(java.util.Map.entry(1, "a"));
    }

    @Test
    void aThreeFieldLineIsPahosOnlyWhenItsLastFieldIsANumber() throws ConfigError {
        PredefinedTopicsFile.Contents contents = parseAll("1,a,b", "7,c,9");
        assertThat(contents.gatewayWide()).containsExactly(java.util.Map.entry(1, "a,b")); // a topic with a comma
        assertThat(contents.perClient()).containsOnlyKeys("7");
        assertThat(contents.perClient().get("7")).containsExactly(java.util.Map.entry(9, "c"));
        assertThat(parseAll("1,a,b,2").gatewayWide()).containsExactly(java.util.Map.entry(1, "a,b,2"));
    }

    @Test
    void pahoLineErrorsNameTheLine() {
        assertThatThrownBy(() -> parseAll("c,a,0")).hasMessage(
                "predefined.file: topics.txt line 1: topic id 0 must be from 1 to 65534");
        assertThatThrownBy(() -> parseAll("c,a,65535")).hasMessageContaining("line 1: topic id 65535 must be from 1 to 65534");
        assertThatThrownBy(() -> parseAll("c,a,-3")).hasMessageContaining("line 1: topic id -3 must be from 1 to 65534");
        assertThatThrownBy(() -> parseAll("c,a,99999999999")).hasMessageContaining("must be from 1 to 65534");
        assertThatThrownBy(() -> parseAll(" ,a,1")).hasMessageContaining("line 1: the client id is empty");
        assertThatThrownBy(() -> parseAll("c,a/+,1")).hasMessageContaining("line 1: 'a/+' is not a topic name");
        assertThatThrownBy(() -> parseAll("c,,1")).hasMessageContaining("is not a topic name");
        assertThatThrownBy(() -> parseAll("c,a,1", "c,b,1"))
                .hasMessageContaining("line 2: topic id 1 is defined twice for client 'c'");
        assertThatThrownBy(() -> parseAll("c,a,1", "c,a,2"))
                .hasMessageContaining("line 2: topic 'a' already has id 1 for client 'c'");
        assertThatThrownBy(() -> parseAll("1,a", "*,b,1")).hasMessageContaining("line 2: topic id 1 is defined twice");
        assertThatThrownBy(() -> parseAll("x,a,1", "y,a,1", "x,b,1")).hasMessageContaining("line 3: topic id 1 is defined twice for client 'x'");
    }

    @Test
    void loadAllReadsAFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = dir.resolve("predefinedTopic.conf");
        java.nio.file.Files.writeString(file, "# Paho style\n*,all/hello,1\nGatewayTestClient,test/one,2\n");
        PredefinedTopicsFile.Contents contents = PredefinedTopicsFile.loadAll("predefined.file", file);
        assertThat(contents.gatewayWide()).containsExactly(java.util.Map.entry(1, "all/hello"));
        assertThat(contents.perClient().get("GatewayTestClient")).containsExactly(java.util.Map.entry(2, "test/one"));
        assertThat(PredefinedTopicsFile.load("predefined.file", file)).isEqualTo(contents.gatewayWide());
        assertThatThrownBy(() -> PredefinedTopicsFile.loadAll("predefined.file", dir.resolve("missing")))
                .hasMessageContaining("predefined.file: cannot read");
    }
}
