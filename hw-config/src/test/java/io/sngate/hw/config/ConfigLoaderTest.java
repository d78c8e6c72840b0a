package io.sngate.hw.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import io.sngate.hw.testing.TestPki;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path yaml(String text) throws IOException {
        Path file = dir.resolve("sngate.yaml");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void aBareStartUsesTheDefaults() throws ConfigError {
        GatewayConfig config = ConfigLoader.fromArgs(List.of());
        assertThat(config.get(GatewaySettings.UDP_PORT)).isEqualTo(1883);
        assertThat(config.get(GatewaySettings.MODE)).isEqualTo(GatewayMode.TRANSPARENT);
        assertThat(config.broker()).isEmpty();
        assertThat(config.predefinedTopics()).isEmpty();
    }

    @Test
    void yamlOverridesDefaultsAndFlagsOverrideYaml() throws Exception {
        Path file = yaml("""
                udp:
                  port: 2000
                mode: aggregating
                gateway:
                  id: 7
                timers:
                  retry-seconds: 0.5
                """);
        GatewayConfig config = ConfigLoader.fromArgs(List.of("--config", file.toString(), "--port", "3000"));
        assertThat(config.get(GatewaySettings.UDP_PORT)).isEqualTo(3000);
        assertThat(config.get(GatewaySettings.MODE)).isEqualTo(GatewayMode.AGGREGATING);
        assertThat(config.get(GatewaySettings.GATEWAY_ID)).isEqualTo(7);
        assertThat(config.get(GatewaySettings.RETRY_SECONDS)).isEqualTo(0.5);
    }

    @Test
    void everyFlagOfTheCommandLineIsKnown() throws Exception {
        Path predefined = dir.resolve("predefined.txt");
        Files.writeString(predefined, "1,sensors/temp\n");
        GatewayConfig config = ConfigLoader.fromArgs(List.of("--port=1999", "--broker", "tcp://127.0.0.1:1884",
                "--mode", "transparent", "--predefined", predefined.toString(), "--gateway-id", "3",
                "--advertise", "60"));
        assertThat(config.broker()).contains(new GatewayConfig.BrokerAddress("127.0.0.1", 1884));
        assertThat(config.predefinedTopics()).containsEntry(1, "sensors/temp");
        assertThat(config.get(GatewaySettings.ADVERTISE_SECONDS)).isEqualTo(60);
        assertThat(config.get(GatewaySettings.GATEWAY_ID)).isEqualTo(3);
    }

    @Test
    void anUnknownKeyIsNamedWithASuggestion() throws Exception {
        Path file = yaml("udp:\n  prot: 1883\n");
        assertThatThrownBy(() -> ConfigLoader.fromArgs(List.of("--config", file.toString())))
                .isInstanceOf(ConfigError.class)
                .hasMessage("udp.prot: unknown key (did you mean 'udp.port'?)");
    }

    @Test
    void aValueOfTheWrongTypeNamesTheKeyAndTheReason() throws Exception {
        Path file = yaml("udp:\n  port: seventy\n");
        assertThatThrownBy(() -> ConfigLoader.fromYaml(file))
                .isInstanceOf(ConfigError.class)
                .satisfies(e -> assertThat(((ConfigError) e).key()).isEqualTo("udp.port"))
                .hasMessageContaining("must be an integer from 0 to 65535, not 'seventy'");
    }

    @Test
    void aValueOutOfRangeNamesTheFlag() {
        assertThatThrownBy(() -> ConfigLoader.fromArgs(List.of("--port", "70000")))
                .isInstanceOf(ConfigError.class)
                .hasMessage("--port (udp.port): must be from 0 to 65535, not 70000");
        assertThatThrownBy(() -> ConfigLoader.fromArgs(List.of("--mode", "bridging")))
                .hasMessage("--mode (mode): must be one of transparent|aggregating, not 'bridging'");
    }

    @Test
    void unknownFlagsAndMissingValuesAreNamed() {
        assertThatThrownBy(() -> ConfigLoader.fromArgs(List.of("--prot", "1")))
                .hasMessage("--prot: unknown option (did you mean '--port'?)");
        assertThatThrownBy(() -> ConfigLoader.fromArgs(List.of("--port")))
                .hasMessage("--port: needs a value");
        assertThatThrownBy(() -> ConfigLoader.fromArgs(List.of("1883")))
                .hasMessageStartingWith("1883: unexpected argument");
    }

    @Test
    void aSectionWhereAValueBelongsIsAnError() throws Exception {
        Path file = yaml("mode:\n  kind: transparent\n");
        assertThatThrownBy(() -> ConfigLoader.fromYaml(file)).hasMessage("mode: must be a single value, not a section");
    }

    @Test
    void brokenYamlAndMissingFilesAreNamed() throws Exception {
        Path file = yaml("udp: [port\n");
        assertThatThrownBy(() -> ConfigLoader.fromYaml(file)).hasMessageContaining("is not valid YAML");
        assertThatThrownBy(() -> ConfigLoader.fromArgs(List.of("--config", dir.resolve("nope.yaml").toString())))
                .hasMessageStartingWith("--config: cannot read");
        Path list = yaml("- a\n- b\n");
        assertThatThrownBy(() -> ConfigLoader.fromYaml(list)).hasMessageContaining("must hold a mapping");
    }

    @Test
    void anEmptyFileMeansDefaults() throws Exception {
        assertThat(ConfigLoader.fromYaml(yaml("")).get(GatewaySettings.UDP_PORT)).isEqualTo(1883);
    }

    @Test
    void duplicateKeysAreRefused() throws Exception {
        Path file = yaml("mode: transparent\nmode: aggregating\n");
        assertThatThrownBy(() -> ConfigLoader.fromYaml(file)).hasMessageContaining("duplicate key");
    }

    @Test
    void brokerUrisAreChecked() throws ConfigError {
        assertThat(ConfigLoader.fromArgs(List.of("--broker", "tcp://[::1]:1885")).broker())
                .contains(new GatewayConfig.BrokerAddress("::1", 1885));
        assertThat(ConfigLoader.fromArgs(List.of("--broker", "tcp://broker.local")).broker().orElseThrow().port())
                .isEqualTo(1883);
        assertThatThrownBy(() -> ConfigLoader.fromArgs(List.of("--broker", "ws://x:8080")))
                .hasMessage("broker.uri: 'ws://x:8080' must start with tcp:// or mqtt:// (plain), or ssl:// or mqtts:// (TLS)");
        assertThatThrownBy(() -> ConfigLoader.fromArgs(List.of("--broker", "tcp://")))
                .hasMessageStartingWith("broker.uri:");
    }

    @Test
    void sslAndMqttsUrisAreTlsOnPort8883UnlessTold() throws ConfigError {
        GatewayConfig.BrokerAddress ssl = ConfigLoader.fromArgs(List.of("--broker", "ssl://broker.example"))
                .broker().orElseThrow();
        assertThat(ssl).isEqualTo(new GatewayConfig.BrokerAddress("broker.example", 8883, true));
        assertThat(ssl.uri()).isEqualTo("ssl://broker.example:8883");
        assertThat(ConfigLoader.fromArgs(List.of("--broker", "MQTTS://[::1]:9000")).broker())
                .contains(new GatewayConfig.BrokerAddress("::1", 9000, true));
        GatewayConfig.BrokerAddress mqtt = ConfigLoader.fromArgs(List.of("--broker", "mqtt://broker.example"))
                .broker().orElseThrow();
        assertThat(mqtt).isEqualTo(new GatewayConfig.BrokerAddress("broker.example", 1883, false));
        assertThat(mqtt.uri()).isEqualTo("tcp://broker.example:1883");
    }

    @Test
    void credentialsInTheBrokerUriAreRefusedSoTheyStayOutOfLogs() {
        assertThatThrownBy(() -> ConfigLoader.fromArgs(List.of("--broker", "ssl://gw:secret@broker.example")))
                .isInstanceOf(ConfigError.class)
                .hasMessageStartingWith("broker.uri: 'ssl://gw:secret@broker.example' must be SCHEME://HOST:PORT only");
    }

    @Test
    void theReadmeExampleIsTheDefaults() throws Exception {
        String example = GatewaySettings.exampleYaml();
        GatewayConfig parsed = ConfigLoader.fromYaml(yaml(example));
        for (Setting<?> setting : GatewaySettings.ALL.values()) {
            assertThat((Object) parsed.get(setting)).as(setting.path()).isEqualTo(setting.defaultValue());
            assertThat(example).contains(setting.doc());
        }
    }

    @Test
    void theReadmeShowsTheGeneratedExample() throws IOException {
        Path readme = Path.of("..", "README.md");
        assertThat(Files.readString(readme)).contains(GatewaySettings.exampleYaml());
    }

    @Test
    void withoutADevicesFileNobodyIsListedAndEverythingIsAllowed() throws ConfigError {
        GatewayConfig config = ConfigLoader.fromArgs(List.of());
        assertThat(config.devices()).isSameAs(io.sngate.hw.config.devices.DevicesFile.EMPTY);
        assertThat(config.perClientPredefinedTopics()).isEmpty();
    }

    @Test
    void theDevicesFileIsLoadedAtStart() throws Exception {
        Path devices = dir.resolve("devices.yaml");
        Files.writeString(devices, "devices:\n  - client-id: sensor-1\n    publish: [\"plant/%c/#\"]\n");
        GatewayConfig config = ConfigLoader.fromYaml(yaml("devices:\n  file: " + devices + "\n  require-listed: true\n"));
        assertThat(config.devices().listed("sensor-1")).isTrue();
        assertThat(config.devices().entryFor("sensor-1").mayPublish("sensor-1", "plant/sensor-1/t")).isTrue();
        assertThat(config.get(GatewaySettings.DEVICES_REQUIRE_LISTED)).isTrue();
        // Carried along when hardware or one value changes.
        assertThat(config.withHardware(HardwareConfig.NONE).devices().listed("sensor-1")).isTrue();
        assertThat(config.with(GatewaySettings.UDP_PORT, 2000).devices().listed("sensor-1")).isTrue();
    }

    @Test
    void aPahoClientListWorksAsTheDevicesFile() throws Exception {
        Path clients = dir.resolve("clients.conf");
        Files.writeString(clients, "Client01,192.0.2.6:12001\n");
        GatewayConfig config = ConfigLoader.fromYaml(yaml("devices:\n  file: " + clients + "\n"));
        assertThat(config.devices().entryFor("Client01").pinned()).isTrue();
    }

    @Test
    void aBadDevicesFileStopsTheStartWithFileLineAndReason() throws Exception {
        Path devices = dir.resolve("devices.yaml");
        Files.writeString(devices, "devices:\n  - client-id: a\n    addresses: [\"10.0.0.0/40\"]\n");
        assertThatThrownBy(() -> ConfigLoader.fromYaml(yaml("devices:\n  file: " + devices + "\n")))
                .isInstanceOf(ConfigError.class)
                .hasMessage("devices.file: " + devices + " line 3: devices[0].addresses[0]: "
                        + "the prefix length must be from 0 to 32, not 40");
        assertThatThrownBy(() -> ConfigLoader.fromYaml(yaml("devices:\n  file: " + dir.resolve("none.yaml") + "\n")))
                .hasMessage("devices.file: cannot read " + dir.resolve("none.yaml") + ": no such file");
    }

    @Test
    void requiringListedClientsNeedsAList() throws Exception {
        assertThatThrownBy(() -> ConfigLoader.fromYaml(yaml("devices:\n  require-listed: true\n")))
                .isInstanceOf(ConfigError.class)
                .hasMessage("devices.require-listed: is true but devices.file is not set, so no client could connect");
    }

    @Test
    void perClientPredefinedTopicsComeFromPahoLines() throws Exception {
        Path predefined = dir.resolve("predefinedTopic.conf");
        Files.writeString(predefined, "*,all/hello,1\nClient01,c1/data,2\n3,plain/line\n");
        GatewayConfig config = ConfigLoader.fromArgs(List.of("--predefined", predefined.toString()));
        assertThat(config.predefinedTopics()).containsOnly(java.util.Map.entry(1, "all/hello"), java.util.Map.entry(3, "plain/line"));
        assertThat(config.perClientPredefinedTopics()).containsOnlyKeys("Client01");
        assertThat(config.perClientPredefinedTopics().get("Client01")).containsOnly(java.util.Map.entry(2, "c1/data"));
    }

    /** The broker's TLS files, passwords and the embedded broker's keys: each error names its key. */
    @Nested
    class BrokerSecurity {

        private TestPki pki;

        @BeforeEach
        void newCa() {
            pki = TestPki.create(dir.resolve("pki"), "config test CA");
        }

        private GatewayConfig load(Map<String, String> environment, String... args) throws ConfigError {
            return ConfigLoader.fromArgs(List.of(args), environment);
        }

        private GatewayConfig load(String... args) throws ConfigError {
            return load(Map.of(), args);
        }

        private Path file(String name, String content) throws IOException {
            Path file = dir.resolve(name);
            Files.writeString(file, content);
            return file;
        }

        private ConfigError errorOf(String yamlText) {
            return catchThrowableOfType(ConfigError.class, () -> ConfigLoader.fromYaml(yaml(yamlText), Map.of()));
        }

        @Test
        void theTlsFilesAreReadAtLoad() throws Exception {
            TestPki.Issued gateway = pki.client("sngate-gw");
            GatewayConfig config = ConfigLoader.fromYaml(yaml("""
                    broker:
                      uri: ssl://127.0.0.1:8883
                      tls:
                        ca-file: %s
                        cert-file: %s
                        key-file: %s
                    """.formatted(pki.caFile(), gateway.certFile(), gateway.keyFile())), Map.of());
            BrokerTls tls = config.brokerTls().orElseThrow();
            assertThat(tls.trusted()).containsExactly(pki.caCertificate());
            assertThat(tls.clientIdentity().orElseThrow().certificate()).isEqualTo(gateway.certificate());
            assertThat(tls.clientIdentity().orElseThrow().key().getEncoded()).isEqualTo(gateway.key().getEncoded());
            assertThat(tls.verifyHostname()).isTrue();
            assertThat(tls.clientIdentity().orElseThrow().toString()).doesNotContain("key=E").contains("key=***");
        }

        @Test
        void withoutACaFileTheSystemTrustStoreIsUsed() throws Exception {
            GatewayConfig config = load("--broker", "ssl://broker.example");
            assertThat(config.brokerTls().orElseThrow().trusted()).isEmpty();
            assertThat(config.brokerTls().orElseThrow().clientIdentity()).isEmpty();
            assertThat(ConfigLoader.fromArgs(List.of("--broker", "tcp://broker.example")).brokerTls()).isEmpty();
        }

        @Test
        void anEncryptedKeyOpensWithItsPasswordFile() throws Exception {
            TestPki.Issued gateway = pki.client("sngate-gw");
            Path encrypted = gateway.encryptedKeyFile("correct horse");
            Path password = file("key.pass", "correct horse\n");
            String base = """
                    broker:
                      uri: ssl://127.0.0.1
                      tls:
                        cert-file: %s
                        key-file: %s
                    """.formatted(gateway.certFile(), encrypted);
            GatewayConfig config = ConfigLoader.fromYaml(yaml(base + "    key-password-file: " + password + "\n"),
                    Map.of());
            assertThat(config.brokerTls().orElseThrow().clientIdentity().orElseThrow().key().getEncoded())
                    .isEqualTo(gateway.key().getEncoded());

            ConfigError withoutPassword = errorOf(base);
            assertThat(withoutPassword.key()).isEqualTo("broker.tls.key-file");
            assertThat(withoutPassword.reason()).contains("encrypted").endsWith("set broker.tls.key-password-file");

            Path wrong = file("wrong.pass", "battery staple\n");
            ConfigError wrongPassword = errorOf(base + "    key-password-file: " + wrong + "\n");
            assertThat(wrongPassword.key()).isEqualTo("broker.tls.key-password-file");
            assertThat(wrongPassword.reason()).isEqualTo("does not decrypt the key in " + encrypted);
        }

        @Test
        void aCertificateAndItsKeyComeTogether() throws Exception {
            TestPki.Issued gateway = pki.client("sngate-gw");
            TestPki.Issued other = pki.client("someone-else");
            assertThatThrownBy(() -> load("--broker", "ssl://h", "--config",
                    yaml("broker:\n  tls:\n    cert-file: " + gateway.certFile() + "\n").toString()))
                    .hasMessage("broker.tls.key-file: is empty but broker.tls.cert-file is set: a certificate is no use "
                            + "without its private key");
            assertThat(errorOf("broker:\n  uri: ssl://h\n  tls:\n    key-file: " + gateway.keyFile() + "\n").key())
                    .isEqualTo("broker.tls.cert-file");
            ConfigError mismatch = errorOf("broker:\n  uri: ssl://h\n  tls:\n    cert-file: " + gateway.certFile()
                    + "\n    key-file: " + other.keyFile() + "\n");
            assertThat(mismatch.key()).isEqualTo("broker.tls.key-file");
            assertThat(mismatch.reason()).startsWith("is not the private key of the certificate in broker.tls.cert-file")
                    .contains("CN=sngate-gw");
            ConfigError passwordWithoutKey = errorOf("broker:\n  uri: ssl://h\n  tls:\n    key-password-file: "
                    + file("p", "x") + "\n");
            assertThat(passwordWithoutKey.getMessage())
                    .isEqualTo("broker.tls.key-password-file: is set but broker.tls.key-file is empty");
        }

        @Test
        void unreadableAndMalformedFilesAreNamed() throws Exception {
            Path missing = dir.resolve("no-such-ca.pem");
            assertThatThrownBy(() -> load("--broker", "ssl://h", "--config",
                    yaml("broker:\n  tls:\n    ca-file: " + missing + "\n").toString()))
                    .hasMessage("broker.tls.ca-file: cannot read " + missing + ": no such file");
            Path notPem = file("ca.der", "just text\n");
            assertThat(errorOf("broker:\n  uri: ssl://h\n  tls:\n    ca-file: " + notPem + "\n").getMessage())
                    .isEqualTo("broker.tls.ca-file: " + notPem + " is not a PEM file (no -----BEGIN line)");
            TestPki.Issued gateway = pki.client("sngate-gw");
            ConfigError keyAsCertificate = errorOf("broker:\n  uri: ssl://h\n  tls:\n    cert-file: "
                    + gateway.keyFile() + "\n    key-file: " + gateway.keyFile() + "\n");
            assertThat(keyAsCertificate.getMessage()).isEqualTo("broker.tls.cert-file: " + gateway.keyFile()
                    + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }

        @Test
        void aTraditionalOpenSslKeyIsRefusedWithTheCommandThatConvertsIt() throws Exception {
            TestPki.Issued gateway = pki.client("sngate-gw");
            Path traditional = file("gw.key", "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIA==\n-----END EC PRIVATE KEY-----\n");
            ConfigError error = errorOf("broker:\n  uri: ssl://h\n  tls:\n    cert-file: " + gateway.certFile()
                    + "\n    key-file: " + traditional + "\n");
            assertThat(error.key()).isEqualTo("broker.tls.key-file");
            assertThat(error.reason()).contains("holds a key in the traditional OpenSSL form (BEGIN EC PRIVATE KEY), not PKCS#8")
                    .contains("openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pkcs8.pem");
        }

        @Test
        void tlsKeysWithAPlainBrokerAreAnError() throws Exception {
            assertThatThrownBy(() -> ConfigLoader.fromYaml(yaml("broker:\n  uri: tcp://h:1883\n  tls:\n    ca-file: "
                    + pki.caFile() + "\n"), Map.of()))
                    .hasMessage("broker.tls.ca-file: is set but broker.uri 'tcp://h:1883' is plain TCP: use ssl:// "
                            + "(or mqtts://) for TLS");
            assertThatThrownBy(() -> ConfigLoader.fromYaml(yaml("broker:\n  tls:\n    verify-hostname: false\n"),
                    Map.of()))
                    .hasMessageStartingWith("broker.tls.verify-hostname: is false but broker.uri is empty");
            assertThat(load("--broker", "ssl://h", "--config", yaml("broker:\n  tls:\n    verify-hostname: false\n")
                    .toString()).brokerTls().orElseThrow().verifyHostname()).isFalse();
        }

        @Test
        void thePasswordComesFromTheSettingTheFileOrTheEnvironment() throws Exception {
            Map<String, String> environment = Map.of(ConfigLoader.PASSWORD_VARIABLE, "from-env");
            assertThat(load(environment).brokerPassword()).contains("from-env");
            assertThat(load(Map.of(ConfigLoader.PASSWORD_VARIABLE, "")).brokerPassword()).isEmpty();
            assertThat(load().brokerPassword()).isEmpty();
            Path file = file("broker.pass", "from-file\n");
            assertThat(ConfigLoader.fromYaml(yaml("broker:\n  password-file: " + file + "\n"), environment)
                    .brokerPassword()).contains("from-file");
            assertThat(ConfigLoader.fromYaml(yaml("broker:\n  password: inline\n"), environment).brokerPassword())
                    .contains("inline");
            // A derived configuration keeps what the environment said.
            assertThat(load(environment).with(GatewaySettings.UDP_PORT, 2000).brokerPassword()).contains("from-env");
        }

        @Test
        void passwordAndPasswordFileExcludeEachOther() throws Exception {
            Path file = file("broker.pass", "from-file\n");
            assertThat(errorOf("broker:\n  password: inline\n  password-file: " + file + "\n").getMessage())
                    .isEqualTo("broker.password-file: give broker.password or broker.password-file, not both");
            Path empty = file("empty.pass", "\n");
            assertThat(errorOf("broker:\n  password-file: " + empty + "\n").getMessage())
                    .isEqualTo("broker.password-file: " + empty + " is empty");
            Path missing = dir.resolve("missing.pass");
            assertThat(errorOf("broker:\n  password-file: " + missing + "\n").getMessage())
                    .isEqualTo("broker.password-file: cannot read " + missing + ": no such file");
        }

        @Test
        void theEmbeddedBrokersTlsListenerNeedsItsPortCertificateAndKey() throws Exception {
            TestPki.Issued server = pki.server("localhost");
            GatewayConfig config = ConfigLoader.fromYaml(yaml("""
                    broker:
                      embedded-tls-port: 8883
                      embedded-tls-cert-file: %s
                      embedded-tls-key-file: %s
                    """.formatted(server.certFile(), server.keyFile())), Map.of());
            assertThat(config.embeddedTlsIdentity().orElseThrow().certificate()).isEqualTo(server.certificate());
            assertThat(errorOf("broker:\n  embedded-tls-port: 8883\n  embedded-tls-key-file: " + server.keyFile()
                    + "\n").getMessage()).isEqualTo("broker.embedded-tls-cert-file: is empty but "
                    + "broker.embedded-tls-port is 8883: a TLS listener needs a certificate and its key");
            assertThat(errorOf("broker:\n  embedded-tls-cert-file: " + server.certFile() + "\n").getMessage())
                    .isEqualTo("broker.embedded-tls-cert-file: is set but broker.embedded-tls-port is 0 (no TLS listener)");
            assertThat(errorOf("broker:\n  embedded-port: 8883\n  embedded-tls-port: 8883\n").key())
                    .isEqualTo("broker.embedded-tls-port");
            ConfigError encrypted = errorOf("broker:\n  embedded-tls-port: 8883\n  embedded-tls-cert-file: "
                    + server.certFile() + "\n  embedded-tls-key-file: " + server.encryptedKeyFile("pw") + "\n");
            assertThat(encrypted.key()).isEqualTo("broker.embedded-tls-key-file");
            assertThat(encrypted.reason()).contains("write it unencrypted");
        }

        @Test
        void theEmbeddedBindIsAnIpAddress() throws Exception {
            assertThat(errorOf("broker:\n  embedded-bind: localhost\n").getMessage())
                    .isEqualTo("broker.embedded-bind: 'localhost' is not an IP address (host names are not looked up)");
            assertThat(errorOf("broker:\n  embedded-bind: \"\"\n").key()).isEqualTo("broker.embedded-bind");
            assertThat(ConfigLoader.fromYaml(yaml("broker:\n  embedded-bind: \"::\"\n"), Map.of())
                    .get(GatewaySettings.EMBEDDED_BIND)).isEqualTo("::");
        }

        @Test
        void embeddedKeysBesideAnExternalBrokerAreAnError() throws Exception {
            assertThat(errorOf("broker:\n  uri: tcp://h\n  embedded-tls-port: 8883\n").getMessage())
                    .isEqualTo("broker.embedded-tls-port: is set but broker.uri is set too, so the embedded broker "
                            + "does not start");
            assertThat(errorOf("broker:\n  uri: tcp://h\n  embedded-bind: 0.0.0.0\n").key())
                    .isEqualTo("broker.embedded-bind");
        }

        @Test
        void theEmbeddedPasswordFileListsUsersAndTheGatewayLogsInAsOne() throws Exception {
            Path users = file("users", "# who may use the embedded broker\n\ngateway:gw-secret\n  app : app#1:x \n");
            GatewayConfig config = ConfigLoader.fromYaml(yaml("broker:\n  username: gateway\n  password: gw-secret\n"
                    + "  embedded-password-file: " + users + "\n"), Map.of());
            assertThat(config.embeddedUsers()).containsOnly(Map.entry("gateway", "gw-secret"),
                    Map.entry("app", "app#1:x"));

            String withUsers = "broker:\n  embedded-password-file: " + users + "\n";
            assertThat(errorOf(withUsers).getMessage()).startsWith("broker.username: is empty but "
                    + "broker.embedded-password-file asks every client of the embedded broker to log in");
            assertThat(errorOf(withUsers + "  username: nobody\n").getMessage())
                    .isEqualTo("broker.username: 'nobody' is not a user in broker.embedded-password-file");
            assertThat(errorOf(withUsers + "  username: gateway\n  password: guess\n").getMessage())
                    .isEqualTo("broker.password: is not the password of 'gateway' in broker.embedded-password-file");
            assertThat(errorOf(withUsers + "  username: gateway\n").getMessage())
                    .isEqualTo("broker.password: is empty, but the password of 'gateway' in "
                            + "broker.embedded-password-file");
            assertThat(ConfigLoader.fromYaml(yaml(withUsers + "  username: gateway\n"),
                    Map.of(ConfigLoader.PASSWORD_VARIABLE, "gw-secret")).brokerPassword()).contains("gw-secret");
        }

        @Test
        void aBadEmbeddedPasswordFileNamesItsLine() throws Exception {
            Path noColon = file("users1", "# header\ngateway-without-password\n");
            assertThat(errorOf("broker:\n  embedded-password-file: " + noColon + "\n").getMessage())
                    .isEqualTo("broker.embedded-password-file: " + noColon + " line 2: must be user:password");
            Path twice = file("users2", "a:1\nb:2\na:3\n");
            assertThat(errorOf("broker:\n  embedded-password-file: " + twice + "\n").getMessage())
                    .isEqualTo("broker.embedded-password-file: " + twice + " line 3: user 'a' is already on line 1");
            Path emptyPassword = file("users3", "a:\n");
            assertThat(errorOf("broker:\n  embedded-password-file: " + emptyPassword + "\n").reason())
                    .endsWith("line 1: the password of 'a' is empty");
            Path onlyComments = file("users4", "# nobody yet\n");
            assertThat(errorOf("broker:\n  embedded-password-file: " + onlyComments + "\n").reason())
                    .isEqualTo(onlyComments + " lists no user:password line, so no client could log in");
        }
    }
}
