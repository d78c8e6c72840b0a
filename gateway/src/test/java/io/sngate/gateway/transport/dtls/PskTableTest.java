package io.sngate.gateway.transport.dtls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sngate.codec.Bytes;
import io.sngate.gateway.Metrics;
import io.sngate.gateway.WarnLimiter;
import io.sngate.hw.config.ConfigError;
import io.sngate.hw.config.devices.ClientIdMatcher;
import io.sngate.hw.config.devices.DeviceEntry;
import io.sngate.hw.config.devices.DevicesFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.assertj.core.api.AbstractThrowableAssert;
import org.eclipse.californium.scandium.dtls.ConnectionId;
import org.eclipse.californium.scandium.dtls.PskPublicInformation;
import org.eclipse.californium.scandium.dtls.PskSecretResult;
import org.eclipse.californium.scandium.util.SecretUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PskTable}: reading {@code dtls.psk-file} and the devices file's keys, and answering
 * Scandium's requests for the key of an identity.
 */
class PskTableTest {

    private static final String KEY = "dtls.psk-file";

    @TempDir
    Path dir;

    private final Metrics metrics = new Metrics();
    private final PskTable table = new PskTable(metrics, new WarnLimiter(10_000, () -> 0L));

    private Path pskFile(String text) throws IOException {
        Path file = dir.resolve("psk.txt");
        Files.writeString(file, text);
        return file;
    }

    private static DevicesFile devices(DeviceEntry... entries) {
        return new DevicesFile(List.of(entries), DeviceEntry.ALLOW_ALL);
    }

    private static DeviceEntry device(String clientId, String identity, String hexKey, String origin) {
        return new DeviceEntry(ClientIdMatcher.exact(clientId), List.of(), Optional.empty(), Optional.empty(), Map.of(),
                Optional.empty(), Optional.empty(), Set.of(), origin,
                Optional.of(new DeviceEntry.DtlsBinding(identity,
                        Optional.ofNullable(hexKey).map(Bytes::fromHex))));
    }

    /** The error names the setting, then the file and line, then the reason. */
    private AbstractThrowableAssert<?, ? extends Throwable> fails(String text, String where, String reason)
            throws IOException {
        Path file = pskFile(text);
        return assertThatThrownBy(() -> PskTable.load(KEY, file, DevicesFile.EMPTY))
                .isInstanceOf(ConfigError.class)
                .satisfies(e -> assertThat(((ConfigError) e).key()).isEqualTo(KEY))
                .hasMessageContaining(where + ": " + reason);
    }

    private static String hex(byte[] bytes) {
        return Bytes.wrap(bytes).toHex();
    }

    // ================================================================== the file

    @Test
    void readsIdentitiesAndHexKeysSkippingCommentsAndBlankLines() throws Exception {
        Path file = pskFile("""
                # devices of line 1
                sensor-1,00112233445566778899aabbccddeeff

                  sensor-2 , 0xCAFE   # a comment after the key
                \tweird,id,0Xbeef
                """);

        Map<String, byte[]> keys = PskTable.load(KEY, file, DevicesFile.EMPTY);

        assertThat(keys).containsOnlyKeys("sensor-1", "sensor-2", "weird,id");
        assertThat(hex(keys.get("sensor-1"))).isEqualToIgnoringCase("00112233445566778899aabbccddeeff");
        assertThat(hex(keys.get("sensor-2"))).isEqualToIgnoringCase("cafe");
        assertThat(hex(keys.get("weird,id"))).as("the last comma separates the key").isEqualToIgnoringCase("beef");
    }

    @Test
    void noFileAndNoDevicesFileKeysMakeAnEmptyTable() throws Exception {
        assertThat(PskTable.load(KEY, null, DevicesFile.EMPTY)).isEmpty();
        assertThat(PskTable.load(KEY, pskFile("# nobody yet\n\n"), DevicesFile.EMPTY)).isEmpty();
    }

    @Test
    void aLineWithoutACommaOrWithoutOneSideIsRefused() throws Exception {
        fails("a,00\nsensor-1 00112233\n", "psk.txt line 2", "must be 'identity,hexkey'");
        fails(",0011\n", "psk.txt line 1", "must be 'identity,hexkey'");
        fails("sensor-1,\n", "psk.txt line 1", "must be 'identity,hexkey'");
    }

    @Test
    void aKeyThatIsNotAnEvenNumberOfHexDigitsIsRefused() throws Exception {
        fails("sensor-1,abc\n", "psk.txt line 1", "the key must be hex digits");
        fails("# header\nsensor-1,00zz\n", "psk.txt line 2", "the key must be hex digits");
        fails("sensor-1,0x\n", "psk.txt line 1", "the key must be hex digits");
        fails("sensor-1,00 11\n", "psk.txt line 1", "the key must be hex digits");
    }

    @Test
    void anIdentityGivenTwiceIsRefusedNamingTheFirstLine() throws Exception {
        fails("sensor-1,0011\nsensor-2,0011\nsensor-1,2233\n", "psk.txt line 3",
                "identity 'sensor-1' already has a key on psk.txt line 1");
        fails("sensor-1,0011\nsensor-1,0011\n", "psk.txt line 2", "identity 'sensor-1' already has a key");
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("nope.txt");
        assertThatThrownBy(() -> PskTable.load(KEY, missing, DevicesFile.EMPTY))
                .isInstanceOf(ConfigError.class)
                .hasMessage(KEY + ": cannot read " + missing + ": no such file");
    }

    @Test
    void errorsDoNotRepeatTheKeyMaterialOfTheLine() throws Exception {
        // A log line with the mistyped line in it would leak most of the key.
        fails("sensor-1 5ec2e75ec2e7\n", "psk.txt line 1", "must be 'identity,hexkey'")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("5ec2e7"));
        fails("sensor-1,5ec2e75ec2e\n", "psk.txt line 1", "the key must be hex digits")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("5ec2e7"));
    }

    // ================================================================== the devices file

    @Test
    void devicesFileKeysAreMergedUnderTheirIdentity() throws Exception {
        Path file = pskFile("sensor-1,0011\n");
        DevicesFile devices = devices(
                device("meter-7", "meter-7", "a1b2", "devices.yaml line 2"),
                device("valve", "valve-identity", "c3d4", "devices.yaml line 5"),
                device("bound-only", "some-identity", null, "devices.yaml line 8"));

        Map<String, byte[]> keys = PskTable.load(KEY, file, devices);

        assertThat(keys).containsOnlyKeys("sensor-1", "meter-7", "valve-identity");
        assertThat(hex(keys.get("meter-7"))).isEqualToIgnoringCase("a1b2");
        assertThat(hex(keys.get("valve-identity"))).isEqualToIgnoringCase("c3d4");
    }

    @Test
    void theSameKeyInBothPlacesIsFineAnotherKeyIsAConflict() throws Exception {
        Path file = pskFile("# keys\nsensor-1,0011\n");

        assertThat(hex(PskTable.load(KEY, file, devices(device("sensor-1", "sensor-1", "0011", "devices.yaml line 3")))
                .get("sensor-1"))).isEqualTo("0011");

        assertThatThrownBy(() -> PskTable.load(KEY, file,
                devices(device("sensor-1", "sensor-1", "0022", "devices.yaml line 3"))))
                .isInstanceOf(ConfigError.class)
                .satisfies(e -> assertThat(((ConfigError) e).key()).isEqualTo(KEY))
                .hasMessageContaining("identity 'sensor-1' has one key on psk.txt line 2 and another in the devices "
                        + "file (devices.yaml line 3)")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("0011").doesNotContain("0022"));
    }

    // ================================================================== Scandium's store

    @Test
    void aKnownIdentityGetsItsKey() {
        table.replace(Map.of("sensor-1", Bytes.fromHex("00112233").toArray()));
        ConnectionId cid = new ConnectionId(new byte[] {1, 2, 3, 4, 5, 6});
        PskPublicInformation identity = new PskPublicInformation("sensor-1");

        PskSecretResult result = table.requestPskSecretResult(cid, null, identity, "HmacSHA256", null, null, false);

        assertThat(result.getConnectionId()).isEqualTo(cid);
        assertThat(result.getPskPublicInformation()).isEqualTo(identity);
        assertThat(result.getSecret()).isNotNull();
        assertThat(result.getSecret().getAlgorithm()).isEqualTo("PSK");
        assertThat(hex(result.getSecret().getEncoded())).isEqualTo("00112233");
        assertThat(metrics.snapshot()).doesNotContainKey(PskTable.UNKNOWN_IDENTITY);
    }

    @Test
    void destroyingAnAnswerLeavesTheTablesKey() {
        // Scandium destroys the secret once the handshake has derived its keys.
        table.replace(Map.of("sensor-1", Bytes.fromHex("00112233").toArray()));
        PskPublicInformation identity = new PskPublicInformation("sensor-1");
        ConnectionId cid = new ConnectionId(new byte[] {1});

        SecretUtil.destroy(table.requestPskSecretResult(cid, null, identity, "HmacSHA256", null, null, false)
                .getSecret());

        assertThat(hex(table.requestPskSecretResult(cid, null, identity, "HmacSHA256", null, null, false)
                .getSecret().getEncoded())).isEqualTo("00112233");
    }

    @Test
    void anUnknownIdentityGetsNoKeyAndIsCountedOncePerConnectionEvenWhenAskedAgain() {
        table.replace(Map.of("sensor-1", Bytes.fromHex("0011").toArray()));
        ConnectionId first = new ConnectionId(new byte[] {1, 1, 1, 1, 1, 1});
        ConnectionId second = new ConnectionId(new byte[] {2, 2, 2, 2, 2, 2});
        PskPublicInformation stranger = new PskPublicInformation("stranger");

        PskSecretResult result = table.requestPskSecretResult(first, null, stranger, "HmacSHA256", null, null, false);

        assertThat(result.getSecret()).isNull();
        assertThat(result.getConnectionId()).isEqualTo(first);
        assertThat(result.getPskPublicInformation()).isEqualTo(stranger);
        assertThat(metrics.get(PskTable.UNKNOWN_IDENTITY)).isEqualTo(1);
        assertThat(PskTable.UNKNOWN_IDENTITY).isEqualTo("dtls.handshake_failed.unknown_psk_identity");

        // The device retransmits its flight: the same handshake asks again.
        assertThat(table.requestPskSecretResult(new ConnectionId(new byte[] {1, 1, 1, 1, 1, 1}), null, stranger,
                "HmacSHA256", null, null, false).getSecret()).isNull();
        assertThat(metrics.get(PskTable.UNKNOWN_IDENTITY)).isEqualTo(1);

        table.requestPskSecretResult(second, null, stranger, "HmacSHA256", null, null, false);
        assertThat(metrics.get(PskTable.UNKNOWN_IDENTITY)).as("another handshake").isEqualTo(2);
    }

    @Test
    void aReplacedTableAnswersWithTheNewKeys() {
        table.replace(Map.of("sensor-1", Bytes.fromHex("0011").toArray()));
        table.replace(Map.of("sensor-2", Bytes.fromHex("2233").toArray()));
        ConnectionId cid = new ConnectionId(new byte[] {9});

        assertThat(table.size()).isEqualTo(1);
        assertThat(table.knows("sensor-1")).isFalse();
        assertThat(table.requestPskSecretResult(cid, null, new PskPublicInformation("sensor-1"), "HmacSHA256", null,
                null, false).getSecret()).isNull();
        assertThat(hex(table.requestPskSecretResult(cid, null, new PskPublicInformation("sensor-2"), "HmacSHA256",
                null, null, false).getSecret().getEncoded())).isEqualTo("2233");
    }
}
