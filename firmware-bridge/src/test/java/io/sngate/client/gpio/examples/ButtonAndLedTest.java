package io.sngate.client.gpio.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sngate.codec.QoS;
import io.sngate.codec.SngateVersion;
import io.sngate.hw.cli.UsageError;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The example's command line: the same help, version and usage errors as the other tools. */
class ButtonAndLedTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return ButtonAndLed.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpIsAManPageOnStdout() {
        assertThat(run("--help")).isZero();
        assertThat(out()).startsWith("NAME\n  ButtonAndLed - ")
                .contains("\nSYNOPSIS\n  java -cp sngate-bridge.jar io.sngate.client.gpio.examples.ButtonAndLed")
                .contains("--udp HOST:PORT", "--serial PATH[:BAUD]", "--xbee PATH[:BAUD][:ap=1|2]", "--client-id ID",
                        "--button BCM", "--led BCM", "--prefix TOPIC", "--qos 0|1|2")
                .contains("\nEXIT STATUS\n", "\nEXAMPLES\n");
        assertThat(err()).isEmpty();
    }

    @Test
    void versionIsTheSngateRelease() {
        assertThat(run("--version")).isZero();
        assertThat(out()).isEqualTo("sngate ButtonAndLed example " + SngateVersion.get() + System.lineSeparator());
    }

    @Test
    void anUnknownOptionIsCalledUnknownNotShortOfAValue() {
        assertThat(run("--bogus")).isEqualTo(2);
        assertThat(err()).startsWith("ButtonAndLed: Unknown option: '--bogus'\n").doesNotContain("needs a value");
        assertThat(out()).isEmpty();
    }

    @Test
    void aMistypedOptionIsAnsweredWithTheOneMeant() {
        assertThat(run("--buton", "5")).isEqualTo(2);
        assertThat(err().lines().toList()).containsExactly("ButtonAndLed: Unknown option: '--buton'",
                "Did you mean: --button?", "run 'ButtonAndLed --help' for the options");
    }

    @Test
    void badValuesNameTheOption() {
        assertThat(run("--button", "40")).isEqualTo(2);
        assertThat(err()).startsWith("ButtonAndLed: --button: '40' is not a BCM GPIO number 0..27\n");
        err.reset();
        assertThat(run("--qos", "-1")).as("a negative number is the option's value").isEqualTo(2);
        assertThat(err()).startsWith("ButtonAndLed: --qos: '-1' is not 0, 1 or 2\n");
        err.reset();
        assertThat(run("--led")).isEqualTo(2);
        assertThat(err()).startsWith("ButtonAndLed: Missing required parameter for option '--led' (BCM)\n");
        err.reset();
        assertThat(run("--udp", "nowhere")).isEqualTo(2);
        assertThat(err()).startsWith("ButtonAndLed: --udp: 'nowhere' is not HOST:PORT\n");
    }

    @Test
    void theOptionsReadAsBefore() throws Exception {
        ButtonAndLed.Options options = ButtonAndLed.Options.from(ButtonAndLed.command().parse(List.of(
                "--udp", "192.168.1.10:1883", "--client-id", "pi-kitchen", "--button", "5", "--led=6", "--qos", "2")));
        assertThat(options).isEqualTo(new ButtonAndLed.Options("192.168.1.10:1883", null, null, "pi-kitchen", 5, 6,
                "sngate/pi-kitchen", QoS.EXACTLY_ONCE));
        ButtonAndLed.Options defaults = ButtonAndLed.Options.from(ButtonAndLed.command().parse(List.of()));
        assertThat(defaults).isEqualTo(new ButtonAndLed.Options("127.0.0.1:1883", null, null, "sngate-pi", 23, 24,
                "sngate/sngate-pi", QoS.AT_LEAST_ONCE));
        assertThatThrownBy(() -> ButtonAndLed.Options.from(ButtonAndLed.command().parse(List.of("--button", "7",
                "--led", "7")))).isInstanceOf(UsageError.class).hasMessage("--led: BCM 7 is already the button");
    }
}
