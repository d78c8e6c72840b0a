package io.sngate.hw.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sngate.codec.xbee.ApiMode;
import io.sngate.hw.serial.SerialSettings;
import io.sngate.hw.serial.SerialSettings.Backend;
import io.sngate.hw.serial.SerialSettings.FlowControl;
import io.sngate.hw.serial.SerialSettings.Parity;
import io.sngate.hw.serial.SerialSettings.StopBits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The YAML sections serial, xbee and gpio: values, defaults, and errors that name the key. */
class HardwareConfigLoaderTest {

    @TempDir
    Path dir;

    private Path yaml(String text) throws IOException {
        Path file = dir.resolve("sngate.yaml");
        Files.writeString(file, text);
        return file;
    }

    private HardwareConfig hardware(String text) throws Exception {
        return ConfigLoader.fromYaml(yaml(text)).hardware();
    }

    @Test
    void theDocumentedExampleParsesIntoWhatItSays() throws Exception {
        HardwareConfig hw = hardware(GatewaySettings.hardwareExampleYaml());

        assertThat(hw.serialPorts()).containsExactly(new SerialPortConfig("sensors",
                new SerialSettings("/dev/ttyAMA0", 115_200, 8, Parity.NONE, StopBits.ONE, FlowControl.NONE,
                        Backend.JSERIALCOMM), false));
        assertThat(hw.xbeeRadios()).containsExactly(new XBeeRadioConfig("radio", SerialSettings.of("/dev/ttyUSB0", 9_600),
                ApiMode.ESCAPED, OptionalLong.of(0x1234), OptionalInt.of(0x7FFF), Optional.of(true),
                Optional.of("sngate"), true, 84, 1_000));
        assertThat(hw.gpio()).isEqualTo(new GpioConfig(OptionalInt.of(17), 50, OptionalInt.of(27)));
    }

    @Test
    void theReadmeExampleKeepsHardwareCommentedOut() throws Exception {
        String example = GatewaySettings.exampleYaml();
        assertThat(example).contains("# serial:", "# xbee:", "# gpio:");
        assertThat(ConfigLoader.fromYaml(yaml(example)).hardware()).isEqualTo(HardwareConfig.NONE);
        assertThat(ConfigLoader.fromArgs(List.of()).hardware()).isEqualTo(HardwareConfig.NONE);
    }

    @Test
    void everyKeyIsDocumentedInTheExample() {
        String example = GatewaySettings.hardwareExampleYaml();
        HardwareSections.keys().forEach((section, keys) -> {
            for (HardwareSections.Key key : keys) {
                assertThat(example).as(section + "." + key.name()).contains(key.doc());
            }
        });
    }

    @Test
    void leftOutKeysTakeTheirDefaults() throws Exception {
        HardwareConfig hw = hardware("""
                serial:
                  - port: /dev/ttyS0
                  - port: /dev/ttyS1
                    forwarder: yes
                xbee:
                  - port: /dev/ttyUSB0
                gpio:
                  radio-reset-pin: 4
                """);
        assertThat(hw.serialPorts()).containsExactly(
                new SerialPortConfig("serial0", SerialSettings.of("/dev/ttyS0", 9_600), false),
                new SerialPortConfig("serial1", SerialSettings.of("/dev/ttyS1", 9_600), true));
        assertThat(hw.xbeeRadios()).containsExactly(XBeeRadioConfig.of("xbee0", "/dev/ttyUSB0"));
        assertThat(hw.gpio()).isEqualTo(new GpioConfig(OptionalInt.of(4), 50, OptionalInt.empty()));
        assertThat(hw.gpio().enabled()).isTrue();
    }

    @Test
    void everyUartSettingIsRead() throws Exception {
        HardwareConfig hw = hardware("""
                serial:
                  - port: /dev/ttyS0
                    data-bits: 7
                    parity: even
                    stop-bits: 1.5
                    flow-control: rts-cts
                    backend: jssc
                  - port: /dev/ttyS1
                    stop-bits: "2"
                    parity: MARK
                    flow-control: xon-xoff
                xbee:
                  - port: /dev/ttyUSB0
                    api-mode: 1
                    pan-id: "0xFFFFFFFFFFFFFFFF"
                    channel-mask: 1
                    coordinator: false
                    node-identifier: "a b~"
                    max-payload: 255
                    response-timeout-ms: 250
                """);
        assertThat(hw.serialPorts().get(0).serial()).isEqualTo(new SerialSettings("/dev/ttyS0", 9_600, 7,
                Parity.EVEN, StopBits.ONE_AND_HALF, FlowControl.RTS_CTS, Backend.JSSC));
        assertThat(hw.serialPorts().get(1).serial()).isEqualTo(new SerialSettings("/dev/ttyS1", 9_600, 8,
                Parity.MARK, StopBits.TWO, FlowControl.XON_XOFF, Backend.JSERIALCOMM));
        XBeeRadioConfig radio = hw.xbeeRadios().get(0);
        assertThat(radio.apiMode()).isEqualTo(ApiMode.UNESCAPED);
        assertThat(radio.panId()).hasValue(-1L); // all 64 bits set, read unsigned
        assertThat(radio.channelMask()).hasValue(1);
        assertThat(radio.coordinator()).contains(false);
        assertThat(radio.nodeIdentifier()).contains("a b~");
        assertThat(radio.maxPayload()).isEqualTo(255);
        assertThat(radio.responseTimeoutMillis()).isEqualTo(250);
    }

    @Test
    void emptySectionsMeanNoHardware() throws Exception {
        assertThat(hardware("serial:\nxbee: []\ngpio:\n")).isEqualTo(HardwareConfig.NONE);
    }

    @Test
    void flatKeysAndHardwareSectionsLiveTogether() throws Exception {
        GatewayConfig config = ConfigLoader.fromArgs(List.of("--config", yaml("""
                udp:
                  port: 2000
                serial:
                  - port: /dev/ttyS0
                """).toString(), "--port", "2001"));
        assertThat(config.get(GatewaySettings.UDP_PORT)).isEqualTo(2001);
        assertThat(config.hardware().serialPorts()).hasSize(1);
        assertThat(config.with(GatewaySettings.GATEWAY_ID, 9).hardware()).isEqualTo(config.hardware());
    }

    static Stream<Arguments> mistakes() {
        return Stream.of(
                Arguments.of("serial:\n  - port: /dev/ttyS0\n  - port: /dev/ttyS1\n    baud: fast\n",
                        "serial[1].baud", "must be an integer from 50 to 4000000, not 'fast'"),
                Arguments.of("serial:\n  - port: /dev/ttyS0\n    baud: 10\n",
                        "serial[0].baud", "must be from 50 to 4000000, not 10"),
                Arguments.of("serial:\n  - port: /dev/ttyS0\n    data-bits: 9\n",
                        "serial[0].data-bits", "must be from 5 to 8, not 9"),
                Arguments.of("serial:\n  - port: /dev/ttyS0\n    parity: sometimes\n",
                        "serial[0].parity", "must be one of none|even|odd|mark|space, not 'sometimes'"),
                Arguments.of("serial:\n  - port: /dev/ttyS0\n    stop-bits: 3\n",
                        "serial[0].stop-bits", "must be 1, 1.5 or 2, not '3'"),
                Arguments.of("serial:\n  - port: /dev/ttyS0\n    flow-control: rts\n",
                        "serial[0].flow-control", "must be one of none|rts-cts|xon-xoff, not 'rts'"),
                Arguments.of("serial:\n  - port: /dev/ttyS0\n    backend: rxtx\n",
                        "serial[0].backend", "must be one of jserialcomm|jssc, not 'rxtx'"),
                Arguments.of("serial:\n  - port: /dev/ttyS0\n    forwarder: maybe\n",
                        "serial[0].forwarder", "must be true or false, not 'maybe'"),
                Arguments.of("serial:\n  - port: /dev/ttyS0\n    buad: 9600\n",
                        "serial[0].buad", "unknown key (did you mean 'serial[0].baud'?)"),
                Arguments.of("serial:\n  - port: /dev/ttyS0\n    colour: red\n",
                        "serial[0].colour", "unknown key"),
                Arguments.of("serial:\n  - baud: 9600\n",
                        "serial[0].port", "is required"),
                Arguments.of("serial:\n  - port: [a, b]\n",
                        "serial[0].port", "must be a single value, not a list"),
                Arguments.of("serial:\n  - port:\n",
                        "serial[0].port", "needs a value (leave the key out for the default)"),
                Arguments.of("serial:\n  - port: 12\n",
                        "serial[0].port", "must be a device path such as /dev/ttyUSB0, not '12'"),
                Arguments.of("serial:\n  port: /dev/ttyS0\n",
                        "serial", "must be a list (each entry starts with '- '), not a section"),
                Arguments.of("serial:\n  - /dev/ttyS0\n",
                        "serial[0]", "must be a serial line (keys such as name, port, baud), not '/dev/ttyS0'"),
                Arguments.of("serial:\n  - port: /dev/ttyS0\n    name: two words\n",
                        "serial[0].name", "must be 1 to 32 letters, digits, '-', '_' or '.' (starting with a letter"
                                + " or digit), not 'two words'"),
                Arguments.of("serial:\n  - port: /dev/ttyS0\n    name: radio\nxbee:\n  - port: /dev/ttyUSB0\n"
                                + "    name: radio\n",
                        "xbee[0].name", "'radio' is already the name of serial[0]"),
                Arguments.of("serial:\n  - port: /dev/ttyS0\n    name: serial1\n  - port: /dev/ttyS1\n",
                        "serial[1].name",
                        "'serial1' is already the name of serial[0] (the default name of this entry; give it another)"),
                Arguments.of("serial:\n  - port: /dev/ttyS0\nxbee:\n  - port: /dev/../dev/ttyS0\n",
                        "xbee[0].port", "'/dev/../dev/ttyS0' is the device of serial[0].port already; one device can"
                                + " serve only one entry"),
                Arguments.of("xbee:\n  - port: /dev/ttyUSB0\n    api-mode: 0\n",
                        "xbee[0].api-mode", "must be 1 or 2, not '0' (AP=0 is transparent mode, which has no API"
                                + " frames)"),
                Arguments.of("xbee:\n  - port: /dev/ttyUSB0\n    api-mode: escaped\n",
                        "xbee[0].api-mode", "must be 1 or 2, not 'escaped'"),
                Arguments.of("xbee:\n  - port: /dev/ttyUSB0\n    pan-id: 0x1FFFFFFFFFFFFFFFF\n",
                        "xbee[0].pan-id", "must be from 0 to 0xFFFFFFFFFFFFFFFF, not 36893488147419103231"),
                Arguments.of("xbee:\n  - port: /dev/ttyUSB0\n    pan-id: \"0xZZ\"\n",
                        "xbee[0].pan-id", "must be a number from 0 to 0xFFFFFFFFFFFFFFFF (decimal or 0x hex),"
                                + " not '0xZZ'"),
                Arguments.of("xbee:\n  - port: /dev/ttyUSB0\n    pan-id: -1\n",
                        "xbee[0].pan-id", "must be from 0 to 0xFFFFFFFFFFFFFFFF, not -1"),
                Arguments.of("xbee:\n  - port: /dev/ttyUSB0\n    channel-mask: 0x10000\n",
                        "xbee[0].channel-mask", "must be from 1 to 0xFFFF, not 65536"),
                Arguments.of("xbee:\n  - port: /dev/ttyUSB0\n    channel-mask: 0\n",
                        "xbee[0].channel-mask", "must be from 1 to 0xFFFF, not 0"),
                Arguments.of("xbee:\n  - port: /dev/ttyUSB0\n    coordinator: sure\n",
                        "xbee[0].coordinator", "must be true or false, not 'sure'"),
                Arguments.of("xbee:\n  - port: /dev/ttyUSB0\n    node-identifier: abcdefghijklmnopqrstu\n",
                        "xbee[0].node-identifier", "must be 1 to 20 characters, not 21"),
                Arguments.of("xbee:\n  - port: /dev/ttyUSB0\n    node-identifier: \"caf\u00e9\"\n",
                        "xbee[0].node-identifier", "must be printable ASCII; character 4 is not"),
                Arguments.of("xbee:\n  - port: /dev/ttyUSB0\n    node-identifier: \" lead\"\n",
                        "xbee[0].node-identifier", "must not start with a space (the radio refuses it)"),
                Arguments.of("xbee:\n  - port: /dev/ttyUSB0\n    max-payload: 256\n",
                        "xbee[0].max-payload", "must be from 1 to 255, not 256"),
                Arguments.of("xbee:\n  - port: /dev/ttyUSB0\n    response-timeout-ms: 0\n",
                        "xbee[0].response-timeout-ms", "must be from 10 to 60000, not 0"),
                Arguments.of("xbee:\n  - port: /dev/ttyUSB0\n    apply-setting: true\n",
                        "xbee[0].apply-setting", "unknown key (did you mean 'xbee[0].apply-settings'?)"),
                Arguments.of("xbee:\n  - port: /dev/ttyUSB0\n  - port: /dev/ttyUSB1\n    baud: 1.5\n",
                        "xbee[1].baud", "must be an integer from 50 to 4000000, not '1.5'"),
                Arguments.of("gpio:\n  status-led-pin: 28\n",
                        "gpio.status-led-pin", "must be from 0 to 27, not 28 (a BCM GPIO number)"),
                Arguments.of("gpio:\n  radio-reset-pin: 17\n  status-led-pin: 17\n",
                        "gpio.status-led-pin", "BCM 17 is already gpio.radio-reset-pin"),
                Arguments.of("gpio:\n  reset-pulse-ms: 0\n",
                        "gpio.reset-pulse-ms", "must be from 1 to 10000, not 0"),
                Arguments.of("gpio:\n  led-pin: 27\n",
                        "gpio.led-pin", "unknown key"),
                Arguments.of("gpio:\n  status-led-pins: 27\n",
                        "gpio.status-led-pins", "unknown key (did you mean 'gpio.status-led-pin'?)"),
                Arguments.of("gpio: 17\n",
                        "gpio", "must be a section (keys such as radio-reset-pin, reset-pulse-ms, status-led-pin),"
                                + " not '17'"),
                Arguments.of("seral:\n  - port: /dev/ttyS0\n",
                        "seral", "unknown key (did you mean 'serial'?)"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("mistakes")
    void aMistakeNamesTheFullKeyAndTheReason(String text, String key, String reason) throws Exception {
        Path file = yaml(text);
        assertThatThrownBy(() -> ConfigLoader.fromYaml(file))
                .isInstanceOf(ConfigError.class)
                .hasMessage(key + ": " + reason)
                .satisfies(e -> assertThat(((ConfigError) e).key()).isEqualTo(key))
                .satisfies(e -> assertThat(((ConfigError) e).reason()).isEqualTo(reason));
    }

    @Test
    void theSameDeviceThroughASymlinkIsRefused() throws Exception {
        Path device = Files.createFile(dir.resolve("ttyREAL"));
        Path alias = Files.createSymbolicLink(dir.resolve("ttyALIAS"), device);
        Path file = yaml("serial:\n  - port: " + device + "\nxbee:\n  - port: " + alias + "\n");
        assertThatThrownBy(() -> ConfigLoader.fromYaml(file))
                .isInstanceOf(ConfigError.class)
                .hasMessage("xbee[0].port: '" + alias + "' is the device of serial[0].port already; one device can"
                        + " serve only one entry");
    }

    @Test
    void theCommandLineReadsHardwareFromTheConfigFile() throws Exception {
        Path file = yaml("xbee:\n  - port: /dev/ttyUSB0\n    api-mode: 3\n");
        assertThatThrownBy(() -> ConfigLoader.fromArgs(List.of("--config", file.toString())))
                .hasMessage("xbee[0].api-mode: must be 1 or 2, not '3'");
    }
}
