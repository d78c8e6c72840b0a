package io.sngate.hw.xbee;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sngate.codec.xbee.ApiMode;
import io.sngate.codec.xbee.XBeeFrame.AtCommand;
import io.sngate.codec.xbee.XBeeFrame.AtCommandResponse;
import io.sngate.codec.xbee.XBeeFrameDecoder;
import io.sngate.hw.config.XBeeRadioConfig;
import io.sngate.hw.serial.JSerialCommBackend;
import io.sngate.hw.serial.SerialLine;
import io.sngate.hw.serial.SerialSettings;
import io.sngate.hw.testing.PtyPair;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Radio setup against a scripted radio on a real pseudo-terminal pair: the code under test
 * opens one end with jSerialComm and feeds what it decodes to {@link XBeeAtCommands}, as the
 * gateway's XBee transport does.
 */
class XBeeRadioSetupTest {

    /** Values full of the bytes AP=2 must escape: 0x7E, 0x7D, 0x11, 0x13. */
    private static final long PAN_ON_RADIO = 0x7E7D11137E7D1113L;
    private static final long PAN_WANTED = 0x117E13L;
    private static final int SC_ON_RADIO = 0x7FFF;
    private static final int SC_WANTED = 0x7D13;
    private static final String NI_ON_RADIO = "old";
    private static final String NI_WANTED = "gw~}\u0011\u0013";
    private static final Duration SLOW = Duration.ofSeconds(10);

    private PtyPair pty;
    private ScheduledExecutorService scheduler;
    private SerialLine line;
    private ScriptedRadio radio;

    @BeforeEach
    void start() {
        pty = PtyPair.open();
        scheduler = new ScheduledThreadPoolExecutor(1);
    }

    @AfterEach
    void stop() {
        if (line != null) {
            line.close();
        }
        if (radio != null) {
            radio.close();
        }
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        if (pty != null) {
            pty.close();
        }
    }

    private static Map<String, byte[]> radioParameters(ApiMode mode) {
        Map<String, byte[]> p = new HashMap<>();
        p.put("AP", new byte[] {(byte) mode.apParameter()});
        p.put("ID", XBeeRadioSetup.minimalBigEndian(PAN_ON_RADIO));
        p.put("SC", new byte[] {0x7F, (byte) 0xFF});
        p.put("CE", new byte[] {0});
        p.put("NI", NI_ON_RADIO.getBytes(StandardCharsets.US_ASCII));
        p.put("SH", new byte[] {0x00, 0x13, (byte) 0xA2, 0x00});
        p.put("SL", new byte[] {0x7E, 0x7D, 0x11, 0x13});
        p.put("VR", new byte[] {0x10, 0x0B});
        p.put("HV", new byte[] {0x42, 0x43});
        p.put("NP", new byte[] {0x00, 0x54});
        return p;
    }

    private XBeeRadioConfig config(ApiMode mode, boolean apply, int maxPayload, int timeoutMillis) {
        return new XBeeRadioConfig("xbee0", SerialSettings.of(pty.a().toString(), 9_600), mode,
                OptionalLong.of(PAN_WANTED), OptionalInt.of(SC_WANTED), Optional.of(true), Optional.of(NI_WANTED),
                apply, maxPayload, timeoutMillis);
    }

    /** The gateway side: the port opened with jSerialComm, decoded frames fed to the commands. */
    private XBeeAtCommands connect(XBeeRadioConfig config) throws IOException {
        CompletableFuture<XBeeAtCommands> commands = new CompletableFuture<>();
        XBeeFrameDecoder decoder = new XBeeFrameDecoder(config.apiMode(), frame -> commands.join().onFrame(frame));
        line = new JSerialCommBackend().open(config.serial(), new SerialLine.Listener() {
            @Override
            public void onBytes(byte[] buffer, int offset, int length) {
                decoder.feed(buffer, offset, length);
            }

            @Override
            public void onClosed(IOException cause) {
                commands.join().close();
            }
        });
        commands.complete(XBeeAtCommands.forRadio(config, line::write, scheduler));
        return commands.join();
    }

    private static Throwable failureOf(CompletableFuture<?> future) throws InterruptedException {
        try {
            future.get(SLOW.toMillis(), TimeUnit.MILLISECONDS);
            throw new AssertionError("setup did not fail");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("setup hung", e);
        }
    }

    @ParameterizedTest
    @EnumSource(ApiMode.class)
    void verifyOnlyReportsEachDifferenceAndWritesNothing(ApiMode mode) throws Exception {
        radio = new ScriptedRadio(pty.b(), mode, radioParameters(mode));
        XBeeRadioConfig config = config(mode, false, 100, 5_000);

        RadioInfo info = new XBeeRadioSetup(connect(config), config).runBlocking(SLOW);

        assertThat(info.changed()).isEmpty();
        assertThat(info.differences()).extracting(ParameterDifference::command).containsExactly("ID", "SC", "CE", "NI");
        assertThat(info.differences()).extracting(ParameterDifference::describe).containsExactly(
                "ID (pan-id) is 0x7E7D11137E7D1113 on the radio, the configuration says 0x117E13",
                "SC (channel-mask) is 0x7FFF on the radio, the configuration says 0x7D13",
                "CE (coordinator) is 0 (not coordinator) on the radio, the configuration says 1 (coordinator)",
                "NI (node-identifier) is \"old\" on the radio, the configuration says \"" + NI_WANTED + "\"");
        assertThat(radio.received()).allMatch(c -> c.parameter().isEmpty(), "only queries");
        assertThat(radio.receivedCommands()).doesNotContain("WR", "AC");
        assertThat(radio.parameter("ID")).isEqualTo(XBeeRadioSetup.minimalBigEndian(PAN_ON_RADIO));

        assertThat(info.port()).isEqualTo(pty.a().toString());
        assertThat(info.addressHex()).isEqualTo("0013A2007E7D1113");
        assertThat(info.firmwareVersion()).isEqualTo(0x100B);
        assertThat(info.hardwareVersion()).isEqualTo(0x4243);
        assertThat(info.radioMaxPayload()).isEqualTo(84);
        assertThat(info.effectiveMaxPayload()).as("min(config 100, NP 84)").isEqualTo(84);
    }

    @ParameterizedTest
    @EnumSource(ApiMode.class)
    void applyWritesTheDifferencesThenSavesAndAppliesThem(ApiMode mode) throws Exception {
        radio = new ScriptedRadio(pty.b(), mode, radioParameters(mode));
        XBeeRadioConfig config = config(mode, true, 60, 5_000);

        RadioInfo info = new XBeeRadioSetup(connect(config), config).runBlocking(SLOW);

        assertThat(info.differences()).isEmpty();
        assertThat(info.changed()).extracting(ParameterDifference::command).containsExactly("ID", "SC", "CE", "NI");
        assertThat(radio.parameter("ID")).containsExactly(0x11, 0x7E, 0x13);
        assertThat(radio.parameter("SC")).containsExactly(0x7D, 0x13);
        assertThat(radio.parameter("CE")).containsExactly(1);
        assertThat(new String(radio.parameter("NI"), StandardCharsets.US_ASCII)).isEqualTo(NI_WANTED);
        var commands = radio.receivedCommands();
        assertThat(commands.indexOf("WR")).as("WR after the last set").isGreaterThan(commands.lastIndexOf("NI"));
        assertThat(commands.indexOf("AC")).as("AC after WR").isGreaterThan(commands.indexOf("WR"));
        assertThat(info.effectiveMaxPayload()).as("min(config 60, NP 84)").isEqualTo(60);

        // A second start finds nothing to change and writes nothing.
        int before = radio.received().size();
        RadioInfo again = new XBeeRadioSetup(connect2(config), config).runBlocking(SLOW);
        assertThat(again.changed()).isEmpty();
        assertThat(again.differences()).isEmpty();
        assertThat(radio.received().subList(before, radio.received().size()))
                .extracting(AtCommand::command).doesNotContain("WR", "AC");
    }

    /** Reconnects the gateway side (the previous line is closed first). */
    private XBeeAtCommands connect2(XBeeRadioConfig config) throws IOException {
        line.close();
        return connect(config);
    }

    @Test
    void aRadioInAnotherApiModeIsAClearError() throws Exception {
        // The radio really speaks AP=1; the configuration says AP=2. The AP exchange holds no
        // byte that needs escaping, so it gets through and tells what is wrong.
        radio = new ScriptedRadio(pty.b(), ApiMode.UNESCAPED, radioParameters(ApiMode.UNESCAPED));
        XBeeRadioConfig config = config(ApiMode.ESCAPED, true, 84, 5_000);

        Throwable error = failureOf(new XBeeRadioSetup(connect(config), config).run());

        assertThat(error).isInstanceOf(XBeeSetupException.class)
                .hasMessageContaining("radio xbee0 on " + pty.a())
                .hasMessageContaining("AP=1").hasMessageContaining("configured for AP=2")
                .hasMessageContaining("cannot reliably talk to it");
        assertThat(radio.receivedCommands()).containsExactly("AP");
    }

    @Test
    void aSilentRadioTimesOutNamingPortAndCommand() throws Exception {
        radio = new ScriptedRadio(pty.b(), ApiMode.ESCAPED, radioParameters(ApiMode.ESCAPED)).silent();
        XBeeRadioConfig config = config(ApiMode.ESCAPED, false, 84, 150);

        assertThatThrownBy(() -> new XBeeRadioSetup(connect(config), config).runBlocking(SLOW))
                .isInstanceOf(XBeeSetupException.class)
                .hasMessageContaining("radio on " + pty.a() + " did not answer ATAP within 150 ms")
                .hasCauseInstanceOf(AtCommandTimeoutException.class);
    }

    @Test
    void theBlockingCallKeepsItsOverallDeadline() throws Exception {
        radio = new ScriptedRadio(pty.b(), ApiMode.ESCAPED, radioParameters(ApiMode.ESCAPED)).silent();
        XBeeRadioConfig config = config(ApiMode.ESCAPED, false, 84, 60_000);

        assertThatThrownBy(() -> new XBeeRadioSetup(connect(config), config).runBlocking(Duration.ofMillis(200)))
                .isInstanceOf(XBeeSetupException.class)
                .hasMessage("setup of radio xbee0 on " + pty.a() + " did not finish within 200 ms");
    }

    @Test
    void aCommandLeftUnansweredLaterInTheSetupTimesOutNamingIt() throws Exception {
        radio = new ScriptedRadio(pty.b(), ApiMode.ESCAPED, radioParameters(ApiMode.ESCAPED)).ignore("SC");
        XBeeRadioConfig config = config(ApiMode.ESCAPED, false, 84, 150);

        Throwable error = failureOf(new XBeeRadioSetup(connect(config), config).run());

        assertThat(error).isInstanceOf(XBeeSetupException.class)
                .hasMessageContaining("did not answer ATSC within 150 ms");
    }

    @Test
    void anErrorStatusStopsTheSetupNamingCommandAndStatus() throws Exception {
        radio = new ScriptedRadio(pty.b(), ApiMode.ESCAPED, radioParameters(ApiMode.ESCAPED))
                .fail("WR", AtCommandResponse.STATUS_ERROR);
        XBeeRadioConfig config = config(ApiMode.ESCAPED, true, 84, 5_000);

        Throwable error = failureOf(new XBeeRadioSetup(connect(config), config).run());

        assertThat(error).isInstanceOf(XBeeSetupException.class)
                .hasMessageContaining("setup of radio xbee0 failed")
                .hasMessageContaining("radio on " + pty.a() + " answered ATWR with status 1 (ERROR)");
        assertThat(((AtCommandFailedException) error.getCause()).status().code()).isEqualTo(1);
        assertThat(radio.receivedCommands()).as("nothing applied after the failed WR").doesNotContain("AC");
    }

    @Test
    void anInvalidParameterIsReportedForTheSettingThatCausedIt() throws Exception {
        radio = new ScriptedRadio(pty.b(), ApiMode.ESCAPED, radioParameters(ApiMode.ESCAPED))
                .fail("SC", AtCommandResponse.STATUS_INVALID_PARAMETER);
        XBeeRadioConfig config = config(ApiMode.ESCAPED, true, 84, 5_000);

        Throwable error = failureOf(new XBeeRadioSetup(connect(config), config).run());

        assertThat(error).hasMessageContaining("answered ATSC with status 3 (invalid parameter)");
    }

    @Test
    void settingsNotConfiguredAreLeftAlone() throws Exception {
        radio = new ScriptedRadio(pty.b(), ApiMode.ESCAPED, radioParameters(ApiMode.ESCAPED));
        XBeeRadioConfig config = new XBeeRadioConfig("xbee0", SerialSettings.of(pty.a().toString(), 9_600),
                ApiMode.ESCAPED, OptionalLong.empty(), OptionalInt.empty(), Optional.empty(), Optional.empty(), true,
                XBeeRadioConfig.DEFAULT_MAX_PAYLOAD, 5_000);

        RadioInfo info = new XBeeRadioSetup(connect(config), config).runBlocking(SLOW);

        assertThat(info.changed()).isEmpty();
        assertThat(info.differences()).isEmpty();
        assertThat(radio.receivedCommands()).containsExactly("AP", "SH", "SL", "VR", "HV", "NP");
    }
}
