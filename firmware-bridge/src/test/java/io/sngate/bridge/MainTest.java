package io.sngate.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.Bytes;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.hw.serial.SerialSettings;
import io.sngate.hw.testing.PtyPair;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The command line: flags, errors naming the flag, exit codes, the ready line. */
class MainTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private Main.Started start(String... args) {
        return Main.start(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void logLevelSetsTheLevelOfTheBridgesLogsThroughLogback() {
        org.slf4j.Logger sngate = org.slf4j.LoggerFactory.getLogger("io.sngate.bridge");
        boolean debugBefore = sngate.isDebugEnabled();
        try {
            assertThat(start("--log-level", "debug", "--version")).isEqualTo(new Main.Started.Exit(Main.EXIT_OK));
            assertThat(sngate.isDebugEnabled()).isTrue();
            assertThat(start("--log-level=warn", "--version")).isEqualTo(new Main.Started.Exit(Main.EXIT_OK));
            assertThat(sngate.isInfoEnabled()).isFalse();
        } finally {
            io.sngate.hw.log.LogSetup.apply(debugBefore ? "debug" : "info", false);
        }
    }

    @Test
    void helpListsTheFlags() {
        assertThat(start("--help")).isEqualTo(new Main.Started.Exit(Main.EXIT_OK));
        assertThat(out()).contains("--gateway HOST:PORT", "--serial PATH[:BAUD][:node=HEX|:forwarder]",
                "With :forwarder, a forwarder is on the", "--xbee", "--backend",
                "--stats-interval", "--log-level LEVEL", "sngate bridge ready gateway=HOST:PORT lines=N");
        assertThat(out()).startsWith("NAME\n  sngate-bridge - ").contains("\nSYNOPSIS\n", "\nDESCRIPTION\n",
                "\nOPTIONS\n", "\nEXIT STATUS\n  0  ", "\n  1  ", "\n  2  ", "\nEXAMPLES\n");
        assertThat(err()).isEmpty();
    }

    @Test
    void shortHelpAndVersionPrintOnStdoutAndExitZero() {
        assertThat(start("-h")).isEqualTo(new Main.Started.Exit(Main.EXIT_OK));
        assertThat(out()).startsWith("NAME\n  sngate-bridge - ");
        out.reset();
        assertThat(start("--version")).isEqualTo(new Main.Started.Exit(Main.EXIT_OK));
        assertThat(out()).isEqualTo("sngate bridge " + io.sngate.codec.SngateVersion.get() + System.lineSeparator());
        assertThat(err()).isEmpty();
    }

    @Test
    void aMistypedOptionIsAnsweredWithTheOneMeant() {
        assertThat(start("--seral", "/dev/a")).isEqualTo(new Main.Started.Exit(Main.EXIT_USAGE));
        assertThat(err().lines().toList()).containsExactly("sngate bridge: Unknown option: '--seral'",
                "Did you mean: --serial?", "run 'sngate-bridge --help' for the options");
    }

    @Test
    void theBuildWroteTheBashCompletionScript() throws Exception {
        java.nio.file.Path script = java.nio.file.Path.of("target/completion/sngate-bridge");
        assertThat(script).as("written by exec-maven-plugin in process-classes").isRegularFile();
        assertThat(java.nio.file.Files.readString(script)).contains("complete -F _complete_sngate-bridge",
                "'--serial'", "'--xbee'", "'--gateway'", "'--dtls'", "\"jserialcomm\" \"jssc\"");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--bogus|Unknown option: '--bogus'",
            "--serial /dev/a --log-level loud|Invalid value for option '--log-level': must be one of error",
            "--serial /dev/a --log-level|Missing required parameter for option '--log-level' (LEVEL)",
            "--serial /dev/ttyUSB0:fast|--serial /dev/ttyUSB0:fast: 'fast' is not a number",
            "--serial /dev/ttyUSB0:115200:node=XY|node id 'XY' is not hexadecimal",
            "--serial /dev/ttyUSB0:115200:node=123|an even number of hex digits",
            "--serial /dev/ttyUSB0:115200:speed=9|unknown option 'speed'",
            "--serial /dev/ttyAMA0:115200:forwarder:node=01|node= and forwarder exclude each other",
            "--xbee /dev/ttyUSB1:9600:forwarder|unknown option 'forwarder' (an XBee radio takes",
            "--xbee /dev/ttyUSB1:9600:ap=0|--xbee /dev/ttyUSB1:9600:ap=0: AP=0 is transparent mode",
            "--xbee /dev/ttyUSB1:ap=2:max-payload=1|max-payload",
            "--serial /dev/a --gateway nowhere|--gateway: 'nowhere' is not HOST:PORT",
            "--serial /dev/a --gateway 127.0.0.1:70000|--gateway: 70000 is outside 0..65535",
            "--serial /dev/a --backend rxtx|--backend: 'rxtx' is not jserialcomm or jssc",
            "--serial /dev/a --stats-interval|Missing required parameter for option '--stats-interval' (SECONDS)",
            "--serial /dev/a --stats-interval -5|--stats-interval: -5 is outside 0..86400",
            "--serial /dev/a --gateway 127.0.0.1:1 --gateway 127.0.0.1:2|option '--gateway' (HOST:PORT) should be specified only once",
            "--serial /dev/a extra|Unexpected argument: 'extra'",
            "--gateway 127.0.0.1:1883|no device side",
            "--serial /dev/a --serial /dev/b:115200:node=01|node id 01 is already used by /dev/a",
            "--serial /dev/a:node=0102030405060708 --xbee /dev/b|8 bytes",
            "--serial /dev/a --psk-identity b1|--psk-identity: needs --dtls",
            "--serial /dev/a --dtls|--dtls: needs a PSK",
            "--serial /dev/a --dtls --psk-hex 0011|--psk-hex: needs --psk-identity ID",
            "--serial /dev/a --dtls --psk-identity b1 --psk-hex 0g11|--psk-hex: the key is not hex",
            "--serial /dev/a --dtls --psk-identity b1|--psk-identity: needs --psk-hex HEX or --psk-file FILE",
            "--serial /dev/a --dtls --psk-identity b1 --psk-hex 0011 --cafile ca.pem|not both",
            "--serial /dev/a --dtls --psk-file /nonexistent/keys.csv|/nonexistent/keys.csv",
            "--serial /dev/a --dtls --cert d.pem|--cert: needs --cafile FILE",
    })
    void aBadCommandLineExitsWithTwoNamingTheFlag(String args, String message) {
        assertThat(start(args.split(" "))).isEqualTo(new Main.Started.Exit(Main.EXIT_USAGE));
        assertThat(err()).startsWith("sngate bridge: ").contains(message).contains("--help");
        assertThat(out()).isEmpty();
    }

    @Test
    void flagsBuildTheConfiguration() throws Exception {
        BridgeConfig config = BridgeArgs.parse(List.of("--gateway=10.0.0.5:1884", "--serial", "/dev/ttyUSB0",
                "--serial", "/dev/ttyACM0:57600:node=BEEF", "--xbee", "/dev/ttyUSB1:38400:ap=1:max-payload=72",
                "--backend", "jssc", "--stats-interval", "0"));

        assertThat(config.gateway()).isEqualTo(new InetSocketAddress("10.0.0.5", 1884));
        assertThat(config.bind().getPort()).isZero();
        assertThat(config.serialLines()).containsExactly(
                new BridgeConfig.SerialLineSpec(SerialSettings.of("/dev/ttyUSB0", 115_200)
                        .withBackend(SerialSettings.Backend.JSSC), Bytes.fromHex("01")),
                new BridgeConfig.SerialLineSpec(SerialSettings.of("/dev/ttyACM0", 57_600)
                        .withBackend(SerialSettings.Backend.JSSC), Bytes.fromHex("BEEF")));
        assertThat(config.radios()).containsExactly(new BridgeConfig.RadioSpec(
                SerialSettings.of("/dev/ttyUSB1", 38_400).withBackend(SerialSettings.Backend.JSSC),
                ApiMode.UNESCAPED, 72));
        assertThat(config.statsIntervalMillis()).isZero();
    }

    @Test
    void aSerialLineCanCarryAForwarderWithoutANodeIdOfItsOwn() throws Exception {
        BridgeConfig config = BridgeArgs.parse(List.of("--serial", "/dev/ttyAMA0:115200:forwarder",
                "--serial", "/dev/ttyUSB0", "--serial", "/dev/ttyACM0:FORWARDER"));

        assertThat(config.serialLines()).containsExactly(
                BridgeConfig.SerialLineSpec.forwarder(SerialSettings.of("/dev/ttyAMA0", 115_200)),
                new BridgeConfig.SerialLineSpec(SerialSettings.of("/dev/ttyUSB0", 115_200), Bytes.fromHex("02")),
                BridgeConfig.SerialLineSpec.forwarder(SerialSettings.of("/dev/ttyACM0", 115_200)));
        assertThat(config.forwarderConfig().isForwarderLine(0)).isTrue();
        assertThat(config.forwarderConfig().isForwarderLine(1)).isFalse();
    }

    @Test
    void dtlsFlagsGiveTheBridgeItsCredentials() throws Exception {
        BridgeConfig plain = BridgeArgs.parse(List.of("--serial", "/dev/ttyUSB0"));
        assertThat(plain.dtls()).isEmpty();
        BridgeConfig dtls = BridgeArgs.parse(List.of("--serial", "/dev/ttyUSB0", "--gateway", "10.0.0.5:5684", "--dtls",
                "--psk-identity", "bridge-1", "--psk-hex", "00112233445566778899aabbccddeeff"));
        assertThat(dtls.dtls()).hasValueSatisfying(c -> {
            assertThat(c.gatewayIdentity()).contains("bridge-1");
            assertThat(c.toString()).doesNotContain("00112233");
        });
    }

    @Test
    void xbeeDefaultsAreAp2At9600WithTheRadiosPayload() throws Exception {
        BridgeConfig config = BridgeArgs.parse(List.of("--xbee", "/dev/ttyUSB1"));
        assertThat(config.gateway()).isEqualTo(new InetSocketAddress("127.0.0.1", 1883));
        assertThat(config.bind().getAddress().isLoopbackAddress()).as("a local gateway is reached from loopback")
                .isTrue();
        assertThat(config.radios()).containsExactly(new BridgeConfig.RadioSpec(
                SerialSettings.of("/dev/ttyUSB1", 9_600), ApiMode.ESCAPED, 84));
        assertThat(config.statsIntervalMillis()).isEqualTo(60_000);
    }

    @Test
    void aMissingPortFailsToStartWithOneNamingThePath() {
        assertThat(start("--serial", "/dev/sngate-no-such-port")).isEqualTo(new Main.Started.Exit(Main.EXIT_FAILURE));
        assertThat(err()).contains("cannot start").contains("/dev/sngate-no-such-port");
    }

    @Test
    void aStartedBridgePrintsOneReadyLine() throws Exception {
        try (PtyPair pty = PtyPair.open();
                DatagramSocket gateway = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            Main.Started started = start("--gateway", "127.0.0.1:" + gateway.getLocalPort(),
                    "--serial", pty.a() + ":115200:node=42");
            assertThat(started).isInstanceOf(Main.Started.Running.class);
            try (Bridge bridge = ((Main.Started.Running) started).bridge()) {
                assertThat(out()).isEqualTo("sngate bridge ready gateway=127.0.0.1:" + gateway.getLocalPort()
                        + " lines=1" + System.lineSeparator());
                assertThat(bridge.counters().lines()).hasSize(1);
            }
        }
    }
}
