package io.sngate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.hw.serial.SerialPorts;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code --list-ports} prints the machine's serial ports and exits 0, starting nothing. */
class MainListPortsTest {

    @Test
    void listPortsPrintsTheListingAndExitsZero() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            // --port 70000 would be refused if the flags were parsed: the listing comes first
            code = Main.run(List.of("--list-ports", "--port", "70000"), o, e);
        }
        assertThat(code).isEqualTo(Main.EXIT_OK);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(printed.lines().toList()).isEqualTo(SerialPorts.list());
        assertThat(printed).doesNotContain("sngate gateway ready");
    }

    @Test
    void theHelpMentionsListPorts() {
        assertThat(Main.usage()).contains("--list-ports");
    }
}
