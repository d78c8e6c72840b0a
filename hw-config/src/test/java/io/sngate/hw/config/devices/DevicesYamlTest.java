package io.sngate.hw.config.devices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sngate.codec.Bytes;
import io.sngate.hw.config.ConfigError;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevicesYamlTest {

    @TempDir
    Path dir;

    private Path file;

    private DevicesFile load(String yaml) throws IOException, ConfigError {
        file = dir.resolve("devices.yaml");
        Files.writeString(file, yaml);
        return DevicesFileLoader.load(file);
    }

    /** Every error names the key, the file, the line and the reason. */
    private AbstractThrowableAssert<?, ? extends Throwable> failsAt(String yaml, int line, String reason) {
        file = dir.resolve("devices.yaml");
        try {
            Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return assertThatThrownBy(() -> DevicesFileLoader.load(file))
                .isInstanceOf(ConfigError.class)
                .satisfies(e -> assertThat(((ConfigError) e).key()).isEqualTo("devices.file"))
                .hasMessageContaining(file + " line " + line + ": ")
                .hasMessageContaining(reason);
    }

    @Test
    void readsTheDocumentedExample() throws Exception {
        Files.writeString(dir.resolve("sensor-1.pass"), "pa55word\n");
        DevicesFile devices = load("""
                default:
                  publish: ["public/%c/#"]
                  subscribe: ["public/#"]
                devices:
                  - client-id: sensor-1
                    addresses: ["192.0.2.10", "10.1.0.0/16", "[2001:db8::1]:1883", "xbee:0013A20040A1B2C3"]
                    username: sensor-1
                    password-file: sensor-1.pass
                    predefined: {1: "plant/line1/temp", 2: "plant/line1/cmd"}
                    publish: ["plant/%c/#"]
                    subscribe: ["plant/%c/cmd/#", "plant/broadcast"]
                  - client-id-pattern: "meter-*"
                    username: meters
                    password: "not secret"
                """);
        assertThat(devices.entries()).hasSize(2);
        DeviceEntry sensor = devices.entryFor("sensor-1");
        assertThat(sensor.match()).isEqualTo(ClientIdMatcher.exact("sensor-1"));
        assertThat(sensor.addresses()).extracting(AddressRange::text).containsExactly("192.0.2.10", "10.1.0.0/16",
                "[2001:db8:0:0:0:0:0:1]:1883", "xbee:0013A20040A1B2C3");
        assertThat(sensor.username()).contains("sensor-1");
        assertThat(sensor.password()).contains("pa55word");
        assertThat(sensor.predefined()).containsExactly(Map.entry(1, "plant/line1/temp"), Map.entry(2, "plant/line1/cmd"));
        assertThat(sensor.publish()).contains(List.of("plant/%c/#"));
        assertThat(sensor.subscribe()).contains(List.of("plant/%c/cmd/#", "plant/broadcast"));
        assertThat(sensor.flags()).isEmpty();
        assertThat(sensor.origin()).isEqualTo(file + " line 5");
        assertThat(sensor.allows(new InetSocketAddress("10.1.2.3", 5))).isTrue();
        assertThat(sensor.allows(new InetSocketAddress("10.2.2.3", 5))).isFalse();
        assertThat(sensor.mayPublish("sensor-1", "plant/sensor-1/temp")).isTrue();
        assertThat(sensor.mayPublish("sensor-1", "public/sensor-1/x")).isFalse(); // its own list, not the default's

        DeviceEntry meter = devices.entryFor("meter-7");
        assertThat(meter.match()).isEqualTo(ClientIdMatcher.pattern("meter-*"));
        assertThat(meter.password()).contains("not secret");
        assertThat(meter.publish()).isEmpty(); // no list: not restricted
        assertThat(meter.pinned()).isFalse();

        DeviceEntry other = devices.entryFor("stranger");
        assertThat(devices.listed("stranger")).isFalse();
        assertThat(other.origin()).isEqualTo(file + " line 1 (default)");
        assertThat(other.mayPublish("stranger", "public/stranger/hello")).isTrue();
        assertThat(other.mayPublish("stranger", "plant/x")).isFalse();
        assertThat(other.maySubscribe("stranger", "public/+/hello")).isTrue();
        assertThat(other.maySubscribe("stranger", "#")).isFalse();
    }

    @Test
    void scalarsKeepTheirTextAsWritten() throws Exception {
        DevicesFile devices = load("""
                devices:
                  - client-id: 0012
                    username: yes
                    password: 1e3
                    publish: [on/off]
                """);
        DeviceEntry entry = devices.entryFor("0012");
        assertThat(entry.username()).contains("yes");
        assertThat(entry.password()).contains("1e3");
        assertThat(entry.publish()).contains(List.of("on/off"));
    }

    @Test
    void anEmptyFileOrAnEmptyListListsNobody() throws Exception {
        assertThat(load("").entries()).isEmpty();
        assertThat(load("# nothing yet\n").entryFor("x")).isSameAs(DeviceEntry.ALLOW_ALL);
        assertThat(load("devices: []\n").entries()).isEmpty();
    }

    @Test
    void emptyPermissionListsAllowNothing() throws Exception {
        DeviceEntry entry = load("devices:\n  - client-id: quiet\n    publish: []\n    subscribe: []\n").entryFor("quiet");
        assertThat(entry.mayPublish("quiet", "a")).isFalse();
        assertThat(entry.maySubscribe("quiet", "a")).isFalse();
    }

    @Test
    void passwordFilesLoseOneLineEndOnly() throws Exception {
        Files.writeString(dir.resolve("crlf.pass"), "abc\r\n");
        Files.writeString(dir.resolve("two.pass"), "abc\n\n");
        Files.writeString(dir.resolve("none.pass"), " abc ");
        Path absolute = dir.resolve("sub").resolve("abs.pass");
        Files.createDirectories(absolute.getParent());
        Files.writeString(absolute, "xyz\n");
        DevicesFile devices = load("""
                devices:
                  - {client-id: a, username: u, password-file: crlf.pass}
                  - {client-id: b, username: u, password-file: two.pass}
                  - {client-id: c, username: u, password-file: none.pass}
                  - {client-id: d, username: u, password-file: "%s"}
                """.formatted(absolute));
        assertThat(devices.entryFor("a").password()).contains("abc");
        assertThat(devices.entryFor("b").password()).contains("abc\n");
        assertThat(devices.entryFor("c").password()).contains(" abc ");
        assertThat(devices.entryFor("d").password()).contains("xyz");
    }

    @Test
    void passwordFilesAreReadNextToTheDevicesFile() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(sub.resolve("p.pass"), "inner\n");
        Path devicesFile = sub.resolve("devices.yaml");
        Files.writeString(devicesFile, "devices:\n  - {client-id: a, username: u, password-file: p.pass}\n");
        assertThat(DevicesFileLoader.load(devicesFile).entryFor("a").password()).contains("inner");
    }

    @Test
    void passwordFileErrors() throws IOException {
        failsAt("devices:\n  - client-id: a\n    username: u\n    password-file: missing.pass\n", 4,
                "devices[0].password-file: cannot read " + dir.resolve("missing.pass") + ": no such file");
        Files.writeString(dir.resolve("empty.pass"), "\n");
        failsAt("devices:\n  - client-id: a\n    username: u\n    password-file: empty.pass\n", 4,
                "devices[0].password-file: " + dir.resolve("empty.pass") + " is empty");
        Files.createDirectories(dir.resolve("adir"));
        failsAt("devices:\n  - client-id: a\n    username: u\n    password-file: adir\n", 4, "cannot read");
        failsAt("devices:\n  - client-id: a\n    username: u\n    password: x\n    password-file: p\n", 5,
                "devices[0]: give password or password-file, not both");
        failsAt("devices:\n  - client-id: a\n    password: x\n", 3, "a password needs a username");
        failsAt("devices:\n  - client-id: a\n    username: u\n    password-file: \"\"\n", 4,
                "devices[0].password-file: cannot be empty");
    }

    @Test
    void structureErrorsNameTheLine() {
        failsAt("devices:\n  - client-id: a\n    adresses: [\"192.0.2.1\"]\n", 3,
                "devices[0].adresses: unknown key (did you mean 'devices[0].addresses'?)");
        failsAt("default:\n  publish: []\ndevice:\n  - client-id: a\n", 3, "device: unknown key (did you mean 'devices'?)");
        failsAt("default:\n  client-id: a\n", 2, "default.client-id: unknown key");
        failsAt("- a\n- b\n", 1, "(top level): must be a mapping with the keys default and devices, not a list");
        failsAt("devices:\n  client-id: a\n", 2, "devices: must be a list of devices");
        failsAt("devices:\n  - sensor-1\n", 2, "devices[0]: must be a device (keys such as client-id");
        failsAt("devices:\n  - client-id: a\n  - username: u\n", 3,
                "devices[1]: needs client-id (one device) or client-id-pattern");
        failsAt("devices:\n  - client-id: a\n    client-id-pattern: a*\n", 3, "give client-id or client-id-pattern, not both");
        failsAt("devices:\n  - client-id: a\n    username: u\n    username: v\n", 4,
                "devices[0].username: is given twice (first on line 3)");
        failsAt("devices:\n  - client-id:\n", 2, "devices[0].client-id: needs a value");
        failsAt("devices:\n  - client-id: [a, b]\n", 2, "devices[0].client-id: must be a single value, not a list");
        failsAt("devices:\n  - client-id: \"\"\n", 2, "devices[0].client-id: cannot be empty");
        failsAt("devices:\n  - client-id: a\n    username: \"\"\n", 3, "devices[0].username: cannot be empty");
    }

    @Test
    void duplicateIdsAreRefused() {
        failsAt("devices:\n  - client-id: a\n  - client-id: b\n  - client-id: a\n", 4,
                "devices[2]: client id 'a' is already listed on " + dir.resolve("devices.yaml") + " line 2");
        failsAt("devices:\n  - client-id-pattern: a*\n  - client-id-pattern: a*\n", 3,
                "client id pattern 'a*' is already listed on");
    }

    @Test
    void clientIdErrors() {
        failsAt("devices:\n  - client-id: \"sensor-*\"\n", 2,
                "devices[0].client-id: 'sensor-*' holds '*' or '?': for a pattern write client-id-pattern");
        failsAt("devices:\n  - client-id-pattern: sensor-1\n", 2,
                "devices[0].client-id-pattern: 'sensor-1' has no '*' or '?'");
        failsAt("devices:\n  - client-id-pattern: \"\"\n", 2, "a client id pattern cannot be empty");
    }

    @Test
    void addressErrors() {
        failsAt("devices:\n  - client-id: a\n    addresses:\n      - 192.0.2.1\n      - 10.1.0.0/33\n", 5,
                "devices[0].addresses[1]: the prefix length must be from 0 to 32, not 33");
        failsAt("devices:\n  - client-id: a\n    addresses: [\"10.1.2.3/16\"]\n", 3,
                "devices[0].addresses[0]: 10.1.2.3/16 has bits set after the prefix");
        failsAt("devices:\n  - client-id: a\n    addresses: [\"gateway.local\"]\n", 3, "host names are not looked up");
        failsAt("devices:\n  - client-id: a\n    addresses: [\"xbee:12\"]\n", 3, "not an XBee 64-bit address");
        failsAt("devices:\n  - client-id: a\n    addresses: []\n", 3,
                "devices[0].addresses: is empty (leave the key out to allow any address)");
        failsAt("devices:\n  - client-id: a\n    addresses: 192.0.2.1\n", 3, "devices[0].addresses: must be a list of addresses");
        failsAt("default:\n  addresses: [\"192.0.2.1:0\"]\n", 2, "default.addresses[0]: the port must be from 1 to 65535");
    }

    @Test
    void qosMinusOneMarksADeviceThatMaySendQosMinusOne() throws Exception {
        DevicesFile devices = load("""
                devices:
                  - client-id: beacon
                    addresses: ["192.0.2.7"]
                    qos-minus-one: true
                  - client-id: plain
                    qos-minus-one: no
                """);
        assertThat(devices.entryFor("beacon").flags()).containsExactly(DeviceEntry.QOS_MINUS_ONE_FLAG);
        assertThat(devices.entryFor("plain").flags()).isEmpty();
        failsAt("devices:\n  - client-id: a\n    qos-minus-one: sometimes\n", 3,
                "devices[0].qos-minus-one: must be true or false, not 'sometimes'");
    }

    @Test
    void dtlsIdentityAloneBindsTheClientIdToThatIdentity() throws Exception {
        DevicesFile devices = load("""
                devices:
                  - client-id: sensor-1
                    dtls-identity: node-17
                  - client-id-pattern: "meter-*"
                    dtls-identity: meters
                  - client-id: plain
                """);
        assertThat(devices.entryFor("sensor-1").dtls()).contains(new DeviceEntry.DtlsBinding("node-17", Optional.empty()));
        assertThat(devices.entryFor("meter-3").dtls()).contains(new DeviceEntry.DtlsBinding("meters", Optional.empty()));
        assertThat(devices.entryFor("plain").dtls()).isEmpty();
        assertThat(devices.entryFor("stranger").dtls()).as("the default entry binds nothing").isEmpty();
    }

    @Test
    void aPskOnAnExactClientIdBelongsToTheIdentityOfThatClientId() throws Exception {
        DevicesFile devices = load("""
                devices:
                  - client-id: sensor-1
                    psk: 00112233445566778899AABBCCDDEEFF
                  - client-id: sensor-2
                    psk: "0xcafe"
                  - client-id: sensor-3
                    dtls-identity: node-3
                    psk: 0X0102
                  - client-id-pattern: "meter-*"
                    dtls-identity: meters
                    psk: beef
                """);
        assertThat(devices.entryFor("sensor-1").dtls()).contains(new DeviceEntry.DtlsBinding("sensor-1",
                Optional.of(Bytes.fromHex("00112233445566778899aabbccddeeff"))));
        assertThat(devices.entryFor("sensor-2").dtls()).contains(new DeviceEntry.DtlsBinding("sensor-2",
                Optional.of(Bytes.fromHex("cafe"))));
        assertThat(devices.entryFor("sensor-3").dtls()).contains(new DeviceEntry.DtlsBinding("node-3",
                Optional.of(Bytes.fromHex("0102"))));
        assertThat(devices.entryFor("meter-9").dtls()).contains(new DeviceEntry.DtlsBinding("meters",
                Optional.of(Bytes.fromHex("beef"))));
    }

    @Test
    void dtlsErrors() {
        failsAt("devices:\n  - client-id-pattern: \"meter-*\"\n    psk: 0011\n", 3,
                "devices[0].psk: a key for a client-id-pattern needs dtls-identity");
        failsAt("devices:\n  - client-id: a\n    psk: 001\n", 3,
                "devices[0].psk: must be the key in hex (an even number of 0-9, a-f), but it has an odd number of digits (3)");
        failsAt("devices:\n  - client-id: a\n    psk: 0x00112233445566zz\n", 3,
                "devices[0].psk: must be the key in hex (an even number of 0-9, a-f), but character 17 is not a hex digit");
        failsAt("devices:\n  - client-id: a\n    psk: 0x\n", 3, "devices[0].psk: must be the key in hex "
                + "(an even number of 0-9, a-f), but it has no digits");
        failsAt("devices:\n  - client-id: a\n    psk: \"\"\n", 3, "devices[0].psk: cannot be empty");
        failsAt("devices:\n  - client-id: a\n    dtls-identity: \"\"\n", 3, "devices[0].dtls-identity: cannot be empty");
        failsAt("devices:\n  - client-id: a\n    dtls-identity: [x]\n", 3,
                "devices[0].dtls-identity: must be a single value, not a list");
    }

    @Test
    void aBadKeyIsNotRepeatedInTheError() {
        // A config error ends up in logs and terminals: it must not carry most of the intended key.
        failsAt("devices:\n  - client-id: a\n    psk: 5ec2e75ec2e75ec2e75ec2e75ec2e75g\n", 3, "devices[0].psk: ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("5ec2e7"));
        failsAt("devices:\n  - client-id: a\n    psk: 5ec2e75ec2e75ec2e75ec2e75ec2e75\n", 3, "devices[0].psk: ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("5ec2e7"));
    }

    @Test
    void theDefaultSectionCannotBindAnIdentityNorHoldAKey() {
        failsAt("default:\n  dtls-identity: everyone\n", 2, "default.dtls-identity: unknown key");
        failsAt("default:\n  publish: []\n  psk: 0011\n", 3, "default.psk: unknown key");
    }

    @Test
    void anEntryShownInTextNeverShowsItsKey() throws Exception {
        DevicesFile devices = load("""
                default:
                  publish: []
                devices:
                  - client-id: sensor-1
                    username: u
                    password: hunter2
                    psk: 5EC2E75EC2E75EC2E75EC2E75EC2E7AA
                """);
        DeviceEntry entry = devices.entryFor("sensor-1");

        assertThat(entry.dtls()).isPresent();
        assertThat(entry.toString()).contains("dtls-identity=sensor-1 (psk ***)")
                .doesNotContainIgnoringCase("5ec2e7").doesNotContain("hunter2");
        assertThat(entry.dtls().get().toString()).doesNotContainIgnoringCase("5ec2e7");
        assertThat(devices.toString()).doesNotContainIgnoringCase("5ec2e7");
    }

    @Test
    void predefinedErrors() {
        failsAt("devices:\n  - client-id: a\n    predefined:\n      0: a/b\n", 4,
                "devices[0].predefined.0: topic id 0 must be from 1 to 65534");
        failsAt("devices:\n  - client-id: a\n    predefined: {65535: a/b}\n", 3, "topic id 65535 must be from 1 to 65534");
        failsAt("devices:\n  - client-id: a\n    predefined: {x: a/b}\n", 3, "topic id 'x' is not a number");
        failsAt("devices:\n  - client-id: a\n    predefined:\n      1: a/+\n", 4,
                "devices[0].predefined.1: 'a/+' is not a topic name: wildcard '+' in a topic name");
        failsAt("devices:\n  - client-id: a\n    predefined: {1: \"\"}\n", 3, "is not a topic name: empty");
        failsAt("devices:\n  - client-id: a\n    predefined: {1: \"a\\x01b\"}\n", 3,
                "'a\\u0001b' is not a topic name: contains control character U+0001"); // shown escaped
        failsAt("devices:\n  - client-id: a\n    predefined: {1: \"a\\uFFFF\"}\n", 3, "non-character U+FFFF");
        failsAt("devices:\n  - client-id: a\n    predefined:\n      1: a\n      2: a\n", 5, "topic 'a' already has id 1");
        failsAt("devices:\n  - client-id: a\n    predefined:\n      1: a\n      01: b\n", 5, "topic id 1 is defined twice");
        failsAt("devices:\n  - client-id: a\n    predefined: [a]\n", 3, "must be a mapping of topic ids to topic names");
        failsAt("devices:\n  - client-id: a\n    predefined:\n      1:\n", 4, "devices[0].predefined.1: needs a value");
    }

    @Test
    void permissionErrors() {
        failsAt("devices:\n  - client-id: a\n    publish:\n      - a/#\n      - a/#/b\n", 5,
                "devices[0].publish[1]: 'a/#/b' is not a topic filter: '#' must be the last level");
        failsAt("devices:\n  - client-id: a\n    subscribe: [\"a/b+\"]\n", 3, "'+' must be a whole level");
        failsAt("default:\n  subscribe: [\"\"]\n", 2, "default.subscribe[0]: '' is not a topic filter");
        failsAt("devices:\n  - client-id: a\n    publish: [\"users/%u/#\"]\n", 3, "'%u' is not supported");
        failsAt("devices:\n  - client-id: a\n    publish: a/#\n", 3, "devices[0].publish: must be a list of topic filters");
        failsAt("devices:\n  - client-id: a\n    publish: [[a]]\n", 3, "devices[0].publish[0]: must be a single value");
    }

    @Test
    void yamlSyntaxErrorsNameTheLine() {
        failsAt("devices:\n  - client-id: a\n    publish: [a, b\n", 4, "not valid YAML");
        failsAt("devices:\n  - client-id: \"a\n", 3, "not valid YAML");
    }

    @Test
    void unreadableFilesAreNamed() throws IOException {
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> DevicesFileLoader.load(missing))
                .isInstanceOf(ConfigError.class)
                .hasMessage("devices.file: cannot read " + missing + ": no such file");
        Path latin1 = dir.resolve("latin1.yaml");
        Files.write(latin1, "devices:\n  - client-id: g\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> DevicesFileLoader.load(latin1)).hasMessage("devices.file: " + latin1 + " is not UTF-8 text");
    }

    @Test
    void aByteOrderMarkIsIgnored() throws Exception {
        assertThat(load("\uFEFFdevices:\n  - client-id: a\n").listed("a")).isTrue();
    }

    @Test
    void theDocumentedExampleFileLoads() throws Exception {
        Path example = dir.resolve("devices.yaml");
        Files.copy(Path.of("..", "docs", "examples", "devices.yaml"), example);
        Files.createDirectories(dir.resolve("secrets"));
        Files.writeString(dir.resolve("secrets").resolve("sensor-1.pass"), "from-the-file\n");
        DevicesFile devices = DevicesFileLoader.load(example);
        assertThat(devices.entries()).hasSize(3);
        assertThat(devices.entryFor("sensor-1").password()).contains("from-the-file");
        assertThat(devices.entryFor("sensor-1").addresses()).hasSize(7);
        assertThat(devices.entryFor("meter-07").maySubscribe("meter-07", "meters/meter-07/reading")).isFalse();
        assertThat(devices.entryFor("meter-07").mayPublish("meter-07", "meters/meter-07/reading")).isTrue();
        assertThat(devices.entryFor("meter-7").origin()).endsWith("(default)");
        assertThat(devices.entryFor("test-bench").mayPublish("test-bench", "anything")).isTrue();
    }
}
