package io.sngate.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.client.dtls.DtlsCredentials;
import io.sngate.hw.testing.TestPki;
import io.sngate.sim.bench.BenchCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The DTLS flags of pub, sub, fleet and bench and the scenario's dtls and nat sections: what they
 * accept, and that every refusal names the flag or key and the reason (exit code 2, nothing sent).
 */
class DtlsFlagsTest {

    static final String KEY = "000102030405060708090a0b0c0d0e0f";

    @TempDir
    Path dir;

    TestPki pki;
    TestPki.Issued device;
    Path keys;

    @BeforeEach
    void files() throws Exception {
        pki = TestPki.create(dir.resolve("pki"), "gateway CA");
        device = pki.client("sensor-1");
        keys = dir.resolve("keys.csv");
        Files.writeString(keys, "# keys\nsensor-0," + KEY + "\nsensor-1,0f0e0d0c0b0a09080706050403020100\n");
    }

    /** pub's first stderr line for {@code dtlsArgs}, after checking it is a usage error. */
    static String pubRefuses(String... dtlsArgs) {
        List<String> args = new ArrayList<>(List.of("pub", "-t", "a", "-m", "b"));
        args.addAll(List.of(dtlsArgs));
        return usageError(PubSubCommandTest.run(args.toArray(String[]::new)));
    }

    static String subRefuses(String... dtlsArgs) {
        List<String> args = new ArrayList<>(List.of("sub", "-t", "a"));
        args.addAll(List.of(dtlsArgs));
        return usageError(PubSubCommandTest.run(args.toArray(String[]::new)));
    }

    static String usageError(PubSubCommandTest.Run run) {
        assertThat(run.code()).as("exit code of %s", run).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.errLines()).isNotEmpty();
        return run.errLines().get(0);
    }

    // ------------------------------------------------------------------ pub and sub

    @Test
    void pskFlagMistakes() {
        assertThat(pubRefuses("--dtls", "--psk-hex", KEY)).isEqualTo("sngate-sim pub: --psk-hex needs --psk-identity"
                + " ID: the identity the gateway knows the key by");
        assertThat(pubRefuses("--dtls", "--psk-identity", "sensor-1", "--psk-hex", "00zz")).isEqualTo("sngate-sim pub:"
                + " --psk-hex: the key is not hex: character 3 of 4 is not a hex digit");
        assertThat(pubRefuses("--dtls", "--psk-identity", "sensor-1", "--psk-hex", "001")).isEqualTo("sngate-sim pub:"
                + " --psk-hex: the key is not hex: an odd number of digits (3), two digits make a byte");
        assertThat(pubRefuses("--dtls", "--psk-identity", "sensor-1", "--psk-hex", "")).isEqualTo("sngate-sim pub:"
                + " --psk-hex must not be empty");
        assertThat(pubRefuses("--dtls", "--psk-identity", "sensor-1")).isEqualTo("sngate-sim pub: --psk-identity needs"
                + " its key: --psk-hex HEX or --psk-file FILE");
        assertThat(pubRefuses("--dtls", "--psk-identity", "sensor-1", "--psk-hex", KEY, "--psk-file",
                keys.toString())).isEqualTo("sngate-sim pub: --psk-hex and --psk-file exclude each other: give the"
                + " key once");
        assertThat(subRefuses("--psk-identity", "sensor-1", "--psk-hex", KEY)).isEqualTo("sngate-sim sub:"
                + " --psk-identity is for DTLS: add --dtls");
        assertThat(subRefuses("--dtls")).isEqualTo("sngate-sim sub: --dtls needs credentials: --psk-identity ID with"
                + " --psk-hex HEX, --psk-file FILE, or --cafile FILE (with --cert and --key for a device certificate)");
    }

    @Test
    void pskFileMistakes() throws Exception {
        Path missing = dir.resolve("missing.csv");
        Path broken = dir.resolve("broken.csv");
        Files.writeString(broken, "sensor-0," + KEY + "\nsensor-1\n");

        assertThat(pubRefuses("--dtls", "--psk-file", missing.toString())).isEqualTo("sngate-sim pub: --psk-file: "
                + missing + ": no such file");
        assertThat(pubRefuses("--dtls", "--psk-file", broken.toString())).isEqualTo("sngate-sim pub: --psk-file: "
                + broken + " line 2: 'identity,hexkey' expected, found no comma");
        assertThat(pubRefuses("--dtls", "--psk-file", keys.toString(), "--psk-identity", "ghost")).isEqualTo(
                "sngate-sim pub: --psk-file: " + keys + ": has no line for identity 'ghost'");
    }

    @Test
    void certificateFlagMistakes() throws Exception {
        TestPki.Issued other = pki.client("sensor-2");
        Path encrypted = device.encryptedKeyFile("secret");
        String ca = pki.caFile().toString();

        assertThat(pubRefuses("--dtls", "--psk-identity", "sensor-1", "--psk-hex", KEY, "--cafile", ca)).isEqualTo(
                "sngate-sim pub: --psk-identity and --cafile exclude each other: a device authenticates with a PSK"
                        + " or with certificates");
        assertThat(pubRefuses("--dtls", "--psk-file", keys.toString(), "--cert", device.certFile().toString()))
                .isEqualTo("sngate-sim pub: --psk-file and --cert exclude each other: a device authenticates with a"
                        + " PSK or with certificates");
        assertThat(subRefuses("--dtls", "--cert", device.certFile().toString(), "--key", device.keyFile().toString()))
                .isEqualTo("sngate-sim sub: --cert needs --cafile FILE: the CA the gateway's certificate must chain"
                        + " to");
        assertThat(subRefuses("--dtls", "--cafile", ca, "--key", device.keyFile().toString())).isEqualTo("sngate-sim"
                + " sub: --key needs --cert FILE: the certificate the key belongs to");
        assertThat(subRefuses("--dtls", "--cafile", dir.resolve("nope.pem").toString())).isEqualTo("sngate-sim sub:"
                + " --cafile: " + dir.resolve("nope.pem") + ": no such file");
        assertThat(subRefuses("--dtls", "--cafile", ca, "--cert", device.certFile().toString())).isEqualTo(
                "sngate-sim sub: --cert: " + device.certFile() + ": a certificate without its private key: give the"
                        + " key file too");
        assertThat(subRefuses("--dtls", "--cafile", ca, "--cert", device.certFile().toString(), "--key",
                other.keyFile().toString())).startsWith("sngate-sim sub: --key: " + other.keyFile() + ": is not the"
                + " private key of the certificate ");
        assertThat(subRefuses("--dtls", "--cafile", ca, "--cert", device.certFile().toString(), "--key",
                encrypted.toString())).startsWith("sngate-sim sub: --key: " + encrypted + ": the private key is"
                + " encrypted; give it unencrypted");
        assertThat(subRefuses("--dtls", "--cafile", keys.toString())).isEqualTo("sngate-sim sub: --cafile: " + keys
                + ": is not a PEM file (no '-----BEGIN ...-----' line)");
    }

    @Test
    void theFlagsAreParsedIntoCredentials() throws Exception {
        List<String> line = List.of("-t", "a", "-i", "sensor-1", "--dtls", "--psk-file",
                keys.toString(), "--psk-identity", "{id}");
        assertThat(ToolOptions.parse(line, "pub").dtls()).hasValueSatisfying(c -> {
            assertThat(c).isInstanceOf(DtlsCredentials.Psk.class);
            assertThat(((DtlsCredentials.Psk) c).identity()).isEqualTo("sensor-1");
            assertThat(((DtlsCredentials.Psk) c).key()).hasSize(16).startsWith(0x0f, 0x0e);
        });

        List<String> first = List.of("-t", "a", "--dtls", "--psk-file", keys.toString());
        assertThat(ToolOptions.parse(first, "pub").dtls()).hasValueSatisfying(c ->
                assertThat(c.toString()).isEqualTo("PSK identity 'sensor-0' (16-byte key)"));

        List<String> certificates = List.of("-t", "a", "--dtls", "--cafile", pki.caFile().toString(),
                "--cert", device.certFile().toString(), "--key", device.keyFile().toString());
        assertThat(ToolOptions.parse(certificates, "sub").dtls()).hasValueSatisfying(c ->
                assertThat(((DtlsCredentials.Certificates) c).chain()).containsExactly(device.certificate()));

        List<String> udp = List.of("-t", "a");
        assertThat(ToolOptions.parse(udp, "sub").dtls()).isEmpty();
    }

    @Test
    void withoutDashIOverDtlsTheClientIdIsTheIdentityTheGatewayWillSee() throws Exception {
        List<String> psk = List.of("-t", "a", "--dtls", "--psk-file", keys.toString());
        assertThat(ToolOptions.parse(psk, "pub").clientId()).isEqualTo("sensor-0");

        List<String> certificate = List.of("-t", "a", "--dtls", "--cafile", pki.caFile().toString(),
                "--cert", device.certFile().toString(), "--key", device.keyFile().toString());
        assertThat(ToolOptions.parse(certificate, "sub").clientId()).isEqualTo(device.commonName());

        List<String> own = List.of("-t", "a", "-i", "chosen", "--dtls", "--psk-file", keys.toString());
        assertThat(ToolOptions.parse(own, "pub").clientId()).isEqualTo("chosen");

        List<String> caOnly = List.of("-t", "a", "--dtls", "--cafile", pki.caFile().toString());
        assertThat(ToolOptions.parse(caOnly, "sub").clientId()).as("no identity: the usual id").startsWith("sngate-sub-");
    }

    @Test
    void theUsageListsTheFlags() {
        String usage = PubSubCommandTest.run("pub", "--help").out();
        for (String flag : List.of("--dtls", "--psk-identity ID", "--psk-hex HEX", "--psk-file FILE", "--cafile FILE",
                "--cert FILE", "--key FILE")) {
            assertThat(usage).contains(flag);
        }
        assertThat(PubSubCommandTest.run("sub", "--help").out()).contains("--psk-file FILE");
        assertThat(PubSubCommandTest.run("fleet", "--help").out()).contains("--psk-file FILE");
    }

    // ------------------------------------------------------------------ fleet and bench

    @Test
    void fleetChecksEveryDevicesKeyBeforeStarting() throws Exception {
        PubSubCommandTest.Run run = PubSubCommandTest.run("fleet", "--devices", "3", "--dtls", "--psk-identity",
                "sensor-{n}", "--psk-file", keys.toString());
        assertThat(usageError(run)).isEqualTo("sngate-sim fleet: --psk-file: " + keys + ": has no line for identity"
                + " 'sensor-2' (device 2, from --psk-identity sensor-{n})");

        assertThat(usageError(PubSubCommandTest.run("fleet", "--devices", "6000", "--dtls", "--psk-identity", "s",
                "--psk-hex", KEY))).isEqualTo("sngate-sim fleet: 6000 devices over DTLS: each needs a receiver thread"
                + " of its own (Scandium), at most 5000");
        assertThat(usageError(PubSubCommandTest.run("fleet", "--xbee", "/tmp/none", "--dtls", "--psk-identity", "s",
                "--psk-hex", KEY))).isEqualTo("sngate-sim fleet: dtls: is for link kind udp, not xbee");
    }

    @Test
    void benchRefusesWhatDtlsCannotDo() {
        assertThat(bench("ceiling", "--dtls", "--psk-identity", "s", "--psk-hex", KEY)).isEqualTo("sngate-sim bench:"
                + " --dtls is for the modes that talk to a gateway: qos0, qos1, latency, connect");
        assertThat(bench("connect", "--clients", "6000", "--dtls", "--psk-identity", "s", "--psk-hex", KEY))
                .isEqualTo("sngate-sim bench: 6000 devices over DTLS: each needs a receiver thread of its own"
                        + " (Scandium), at most 5000");
        assertThat(bench("connect", "--dtls", "--psk-identity", "{id}", "--psk-file", keys.toString())).isEqualTo(
                "sngate-sim bench: --psk-identity: bench makes new client ids for every run, so {id} finds no line in"
                        + " --psk-file: use {n}, the device's number");
        assertThat(bench("qos1", "--psk-hex", KEY)).isEqualTo("sngate-sim bench: --psk-hex is for DTLS: add --dtls");
        assertThat(bench("qos1", "--dtls", "--psk-identity", "s", "--psk-hex", "xyz")).isEqualTo("sngate-sim bench:"
                + " --psk-hex: the key is not hex: character 1 of 3 is not a hex digit");
    }

    static String bench(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = new BenchCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).run(List.of(args));
        assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(2);
        return err.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow();
    }

    @Test
    void benchPrintsTheDtlsFlagsWithoutTheKey() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // No gateway at port 9 and one quick try: the run fails after printing its command line.
        new BenchCommand(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(),
                true, StandardCharsets.UTF_8)).run(List.of("connect", "-h", "127.0.0.1", "-p", "9", "--clients", "1",
                "--retry", "0.2", "--max-retries", "0", "--timeout", "1", "--dtls", "--psk-identity", "s",
                "--psk-hex", KEY));
        String command = out.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow();
        assertThat(command).endsWith("--dtls --psk-identity s --psk-hex HIDDEN").doesNotContain(KEY);
    }

    // ------------------------------------------------------------------ the scenario's dtls and nat sections

    Scenario scenario(String yaml) throws Scenario.ScenarioError {
        Object document = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
        return Scenario.fromMap((Map<?, ?>) document, dir);
    }

    String scenarioError(String yaml) {
        try {
            scenario(yaml);
            throw new AssertionError("accepted: " + yaml);
        } catch (Scenario.ScenarioError e) {
            return e.getMessage();
        }
    }

    @Test
    void aScenarioGivesEachDeviceItsIdentityAndKeyFromAFileBesideIt() throws Exception {
        Scenario s = scenario("""
                devices:
                  count: 2
                  client-id-prefix: "dev-"
                dtls:
                  enabled: true
                  psk-identity: "sensor-{n}"
                  psk-file: "keys.csv"
                nat:
                  enabled: true
                  rebind-at-seconds: [20, 10.5]
                  idle-timeout-seconds: 120
                """);

        DtlsSettings dtls = s.dtls().orElseThrow();
        assertThat(dtls.perDevice()).isTrue();
        assertThat(dtls.credentialsFor(1, "dev-1").toString()).isEqualTo("PSK identity 'sensor-1' (16-byte key)");
        assertThat(s.nat()).isEqualTo(new Scenario.Nat(true, List.of(10.5, 20.0), 120));
        assertThat(s.nat().describe()).isEqualTo("through a NAT rebinding at 10.5 s, 20 s, expiring idle mappings"
                + " after 120 s");
        assertThat(Scenario.defaults().dtls()).isEmpty();
        assertThat(Scenario.defaults().nat()).isEqualTo(Scenario.Nat.NONE);
    }

    @Test
    void scenarioMistakesNameTheKey() {
        Function<String, String> dtls = body -> scenarioError("dtls:\n" + body);
        assertThat(dtls.apply("  psk-identity: \"a\"\n  psk-hex: \"0001\"\n")).isEqualTo("dtls.psk-identity is for"
                + " DTLS: add dtls.enabled: true");
        assertThat(dtls.apply("  enabled: true\n  psk-identity: \"a\"\n  psk-hex: 0011\n")).startsWith("dtls.psk-hex:"
                + " must be text in quotes: YAML reads an unquoted integer");
        assertThat(dtls.apply("  enabled: true\n  psk-hex: \"0011\"\n")).isEqualTo("dtls.psk-hex needs"
                + " dtls.psk-identity ID: the identity the gateway knows the key by");
        assertThat(dtls.apply("  enabled: true\n  cafile: \"none.pem\"\n")).isEqualTo("dtls.cafile: "
                + dir.resolve("none.pem") + ": no such file");
        assertThat(dtls.apply("  enabled: true\n  psk-identity: \"a\"\n  psk-hex: \"0011\"\n  cafile: \"x.pem\"\n"))
                .startsWith("dtls.psk-identity and dtls.cafile exclude each other");
        assertThat(dtls.apply("  psk: \"a\"\n")).startsWith("dtls.psk: unknown key (known here: cafile, cert,"
                + " enabled, key, psk-file, psk-hex, psk-identity)");

        Function<String, String> nat = body -> scenarioError("duration-seconds: 30\nnat:\n" + body);
        assertThat(nat.apply("  rebind-at-seconds: [10]\n")).isEqualTo("nat.rebind-at-seconds: needs nat.enabled:"
                + " true");
        assertThat(nat.apply("  enabled: true\n  rebind-at-seconds: [10, 40]\n")).isEqualTo("nat.rebind-at-seconds:"
                + " 40 is not before the end of the run (duration-seconds 30)");
        assertThat(nat.apply("  enabled: true\n  rebind-at-seconds: 10\n")).isEqualTo("nat.rebind-at-seconds: must be"
                + " a list of times in seconds, e.g. [10, 20]");
        assertThat(nat.apply("  enabled: true\n  rebind-at-seconds: [soon]\n")).isEqualTo("nat.rebind-at-seconds[0]:"
                + " must be a number, not 'soon'");
        assertThat(scenarioError("nat:\n  enabled: true\nlink:\n  kind: serial\n  port: /tmp/x\n")).isEqualTo("nat:"
                + " is for link kind udp, not serial");
    }

    @Test
    void withoutDtlsNothingChanges() throws Exception {
        assertThat(scenario("devices:\n  count: 3\n").dtls()).isEqualTo(Optional.empty());
        // The documented defaults, copied as they are, are no DTLS and no NAT.
        Scenario defaults = scenario("""
                dtls:
                  enabled: false
                  psk-identity: ""
                  psk-hex: ""
                  psk-file: ""
                  cafile: ""
                  cert: ""
                  key: ""
                nat:
                  enabled: false
                  rebind-at-seconds: []
                  idle-timeout-seconds: 0
                """);
        assertThat(defaults.dtls()).isEmpty();
        assertThat(defaults.nat()).isEqualTo(Scenario.Nat.NONE);
    }
}
