package io.sngate.gateway.transport.dtls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sngate.hw.config.ConfigError;
import io.sngate.hw.config.ConfigLoader;
import io.sngate.hw.config.DtlsClientAuth;
import io.sngate.hw.config.GatewayConfig;
import io.sngate.hw.config.GatewaySettings;
import io.sngate.hw.config.Setting;
import io.sngate.hw.testing.TestPki;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.eclipse.californium.elements.config.CertificateAuthenticationMode;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.dtls.CertificateIdentityResult;
import org.eclipse.californium.scandium.dtls.ConnectionId;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DtlsServerSetup#from}: the {@code dtls:} settings checked (every error names its key)
 * and narrowed to what the configured credentials can serve. Credentials are made at test time
 * ({@link TestPki}, EC P-256).
 */
class DtlsServerSetupTest {

    private static final String PSK_CCM8 = "TLS_PSK_WITH_AES_128_CCM_8";
    private static final String ECDSA_CCM8 = "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8";
    private static final String PSK_GCM = "TLS_PSK_WITH_AES_128_GCM_SHA256";
    private static final String ECDSA_GCM = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";

    @TempDir
    Path dir;

    private TestPki pki;
    private TestPki.Issued gateway;

    @BeforeEach
    void makeCredentials() {
        pki = TestPki.create(dir, "dtls test CA");
        gateway = pki.server("localhost");
    }

    private static GatewayConfig config() throws ConfigError {
        return ConfigLoader.fromArgs(List.of()).with(GatewaySettings.DTLS_PORT, 5684);
    }

    private GatewayConfig withCertificate() throws ConfigError {
        return config()
                .with(GatewaySettings.DTLS_CERT_FILE, gateway.certFile().toString())
                .with(GatewaySettings.DTLS_KEY_FILE, gateway.keyFile().toString());
    }

    /** The setup fails with {@code setting} as the key and {@code reason} in the message. */
    private static AbstractThrowableAssert<?, ? extends Throwable> fails(GatewayConfig config, Setting<?> setting,
                                                                         String reason) {
        return assertThatThrownBy(() -> DtlsServerSetup.from(config))
                .isInstanceOf(ConfigError.class)
                .satisfies(e -> assertThat(((ConfigError) e).key()).isEqualTo(setting.path()))
                .hasMessageContaining(reason);
    }

    private Path file(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text, StandardCharsets.US_ASCII);
        return file;
    }

    // ================================================================== happy paths

    @Test
    void pskOnlyKeepsThePskSuitesInOrderAndDropsTheCertificateOnes() throws Exception {
        DtlsServerSetup setup = DtlsServerSetup.from(config());

        assertThat(setup.cipherSuites).containsExactly(CipherSuite.TLS_PSK_WITH_AES_128_CCM_8,
                CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256);
        assertThat(setup.certificate).isNull();
        assertThat(setup.verifier).isNull();
        assertThat(setup.scandium.get(DtlsConfig.DTLS_CIPHER_SUITES)).containsExactlyElementsOf(setup.cipherSuites);
        assertThat(setup.scandium.get(DtlsConfig.DTLS_CLIENT_AUTHENTICATION_MODE))
                .as("no certificate handshakes, so no device certificates")
                .isEqualTo(CertificateAuthenticationMode.NONE);
        assertThat(setup.bind.getPort()).isEqualTo(5684);
        assertThat(setup.pskFile).isNull();
    }

    @Test
    void withACertificateBothKindsStayInTheConfiguredOrder() throws Exception {
        GatewayConfig config = withCertificate()
                .with(GatewaySettings.DTLS_CA_FILE, pki.caFile().toString())
                .with(GatewaySettings.DTLS_CIPHER_SUITES, ECDSA_GCM + ", " + PSK_GCM + "," + ECDSA_CCM8 + ",," + PSK_CCM8);

        DtlsServerSetup setup = DtlsServerSetup.from(config);

        assertThat(setup.cipherSuites).containsExactly(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
                CipherSuite.TLS_PSK_WITH_AES_128_CCM_8);
        assertThat(setup.certificate).isNotNull();
        assertThat(served(setup).getCertificateChain()).containsExactly(gateway.certificate());
        assertThat(served(setup).getPrivateKey()).isEqualTo(gateway.key());
        assertThat(setup.verifier).as("device certificates are checked against dtls.ca-file").isNotNull();
        assertThat(setup.scandium.get(DtlsConfig.DTLS_CLIENT_AUTHENTICATION_MODE))
                .isEqualTo(CertificateAuthenticationMode.NEEDED);
    }

    @Test
    void theDefaultSuitesWithACertificateAreAllKept() throws Exception {
        GatewayConfig config = withCertificate().with(GatewaySettings.DTLS_CLIENT_AUTH, DtlsClientAuth.NONE);

        assertThat(DtlsServerSetup.from(config).cipherSuites).containsExactly(CipherSuite.TLS_PSK_WITH_AES_128_CCM_8,
                CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256,
                CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
    }

    @Test
    void aSuiteNamedTwiceIsKeptOnceAtItsFirstPlace() throws Exception {
        GatewayConfig config = config().with(GatewaySettings.DTLS_CIPHER_SUITES, PSK_GCM + "," + PSK_CCM8 + "," + PSK_GCM);

        assertThat(DtlsServerSetup.from(config).cipherSuites).containsExactly(
                CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_PSK_WITH_AES_128_CCM_8);
    }

    @Test
    void clientAuthNoneNeedsNoCaFile() throws Exception {
        DtlsServerSetup setup = DtlsServerSetup.from(withCertificate()
                .with(GatewaySettings.DTLS_CLIENT_AUTH, DtlsClientAuth.NONE));

        assertThat(setup.certificate).isNotNull();
        assertThat(setup.verifier).isNull();
        assertThat(setup.scandium.get(DtlsConfig.DTLS_CLIENT_AUTHENTICATION_MODE))
                .isEqualTo(CertificateAuthenticationMode.NONE);
    }

    @Test
    void rawPublicKeysStandInForACaFile() throws Exception {
        DtlsServerSetup setup = DtlsServerSetup.from(withCertificate()
                .with(GatewaySettings.DTLS_RAW_PUBLIC_KEYS, true));

        assertThat(setup.verifier).isNotNull();
        assertThat(setup.scandium.get(DtlsConfig.DTLS_CLIENT_AUTHENTICATION_MODE))
                .isEqualTo(CertificateAuthenticationMode.NEEDED);
    }

    // ================================================================== certificate, key and CA files

    @Test
    void aCertificateWithoutItsKeyAndAKeyWithoutItsCertificateAreRefused() throws Exception {
        fails(config().with(GatewaySettings.DTLS_CERT_FILE, gateway.certFile().toString()),
                GatewaySettings.DTLS_KEY_FILE, "is needed with dtls.cert-file");
        fails(config().with(GatewaySettings.DTLS_KEY_FILE, gateway.keyFile().toString()),
                GatewaySettings.DTLS_CERT_FILE, "is needed with dtls.key-file");
    }

    @Test
    void aCaFileWithoutACertificateIsRefused() throws Exception {
        fails(config().with(GatewaySettings.DTLS_CA_FILE, pki.caFile().toString()),
                GatewaySettings.DTLS_CA_FILE, "needs dtls.cert-file and dtls.key-file");
    }

    @Test
    void clientAuthNeededWithoutACaFileIsRefused() throws Exception {
        fails(withCertificate(), GatewaySettings.DTLS_CLIENT_AUTH,
                "is needed but neither dtls.ca-file nor dtls.raw-public-keys says which device certificates to trust");
        fails(withCertificate().with(GatewaySettings.DTLS_CLIENT_AUTH, DtlsClientAuth.WANTED),
                GatewaySettings.DTLS_CLIENT_AUTH, "is wanted but neither dtls.ca-file");
    }

    @Test
    void anRsaKeyIsRefused() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair rsa = generator.generateKeyPair();
        Instant now = Instant.now();
        X500Name name = new X500Name("CN=rsa gateway");
        var certificate = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name,
                BigInteger.ONE, Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))),
                name, rsa.getPublic()).build(new JcaContentSignerBuilder("SHA256withRSA").build(rsa.getPrivate())));
        Path certFile = file("rsa.crt.pem", pem("CERTIFICATE", certificate.getEncoded()));
        Path keyFile = file("rsa.key.pem", pem("PRIVATE KEY", rsa.getPrivate().getEncoded()));

        fails(config().with(GatewaySettings.DTLS_CERT_FILE, certFile.toString())
                        .with(GatewaySettings.DTLS_KEY_FILE, keyFile.toString())
                        .with(GatewaySettings.DTLS_CLIENT_AUTH, DtlsClientAuth.NONE),
                GatewaySettings.DTLS_KEY_FILE, "is an RSA key: DTLS certificate handshakes here use ECDSA");
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefused() throws Exception {
        TestPki.Issued other = pki.server("other");

        fails(config().with(GatewaySettings.DTLS_CERT_FILE, gateway.certFile().toString())
                        .with(GatewaySettings.DTLS_KEY_FILE, other.keyFile().toString())
                        .with(GatewaySettings.DTLS_CLIENT_AUTH, DtlsClientAuth.NONE),
                GatewaySettings.DTLS_KEY_FILE, "does not fit " + gateway.certFile());
    }

    @Test
    void missingFilesAreNamedUnderTheirKey() throws Exception {
        Path missing = dir.resolve("missing.pem");
        fails(config().with(GatewaySettings.DTLS_CERT_FILE, missing.toString())
                        .with(GatewaySettings.DTLS_KEY_FILE, gateway.keyFile().toString()),
                GatewaySettings.DTLS_CERT_FILE, "cannot read " + missing + ": no such file");
        fails(config().with(GatewaySettings.DTLS_CERT_FILE, gateway.certFile().toString())
                        .with(GatewaySettings.DTLS_KEY_FILE, missing.toString()),
                GatewaySettings.DTLS_KEY_FILE, "cannot read " + missing + ": no such file");
        fails(withCertificate().with(GatewaySettings.DTLS_CA_FILE, missing.toString()),
                GatewaySettings.DTLS_CA_FILE, "cannot read " + missing + ": no such file");
    }

    @Test
    void filesHoldingNoCertificateOrNoKeyAreRefused() throws Exception {
        Path text = file("notes.txt", "not PEM at all\n");

        fails(config().with(GatewaySettings.DTLS_CERT_FILE, gateway.keyFile().toString())
                        .with(GatewaySettings.DTLS_KEY_FILE, gateway.keyFile().toString()),
                GatewaySettings.DTLS_CERT_FILE, gateway.keyFile() + " holds no certificate");
        fails(config().with(GatewaySettings.DTLS_CERT_FILE, text.toString())
                        .with(GatewaySettings.DTLS_KEY_FILE, gateway.keyFile().toString()),
                GatewaySettings.DTLS_CERT_FILE, text + " holds no certificate");
        fails(config().with(GatewaySettings.DTLS_CERT_FILE, gateway.certFile().toString())
                        .with(GatewaySettings.DTLS_KEY_FILE, gateway.certFile().toString()),
                GatewaySettings.DTLS_KEY_FILE, gateway.certFile() + " holds no private key");
        fails(withCertificate().with(GatewaySettings.DTLS_CA_FILE, text.toString()),
                GatewaySettings.DTLS_CA_FILE, text + " holds no certificate");
    }

    @Test
    void anEncryptedKeyIsRefusedUnderTheKeyFile() throws Exception {
        Path encrypted = gateway.encryptedKeyFile("secret");

        fails(config().with(GatewaySettings.DTLS_CERT_FILE, gateway.certFile().toString())
                        .with(GatewaySettings.DTLS_KEY_FILE, encrypted.toString()),
                GatewaySettings.DTLS_KEY_FILE, encrypted + " holds an encrypted key: decrypt it first");
    }

    @Test
    void aCertificateAndItsKeyInOneFileServeBothSettings() throws Exception {
        Path both = gateway.combinedFile();

        DtlsServerSetup setup = DtlsServerSetup.from(config().with(GatewaySettings.DTLS_CERT_FILE, both.toString())
                .with(GatewaySettings.DTLS_KEY_FILE, both.toString())
                .with(GatewaySettings.DTLS_CLIENT_AUTH, DtlsClientAuth.NONE));

        assertThat(served(setup).getCertificateChain()).containsExactly(gateway.certificate());
        assertThat(served(setup).getPrivateKey()).isEqualTo(gateway.key());
    }

    // ================================================================== cipher suites

    @Test
    void unknownSuiteNamesAreRefused() throws Exception {
        fails(config().with(GatewaySettings.DTLS_CIPHER_SUITES, PSK_CCM8 + ",TLS_PSK_WITH_AES_128_CCM8"),
                GatewaySettings.DTLS_CIPHER_SUITES, "'TLS_PSK_WITH_AES_128_CCM8' is not a cipher suite this gateway offers");
        fails(config().with(GatewaySettings.DTLS_CIPHER_SUITES, "tls_psk_with_aes_128_ccm_8"),
                GatewaySettings.DTLS_CIPHER_SUITES, "is not a cipher suite this gateway offers");
        fails(config().with(GatewaySettings.DTLS_CIPHER_SUITES, "TLS_NULL_WITH_NULL_NULL"),
                GatewaySettings.DTLS_CIPHER_SUITES, "'TLS_NULL_WITH_NULL_NULL' is not a cipher suite this gateway offers");
    }

    @Test
    void anRsaSuiteIsRefusedWhetherOrNotACertificateIsConfigured() throws Exception {
        String suites = PSK_CCM8 + ",TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";

        fails(withCertificate().with(GatewaySettings.DTLS_CLIENT_AUTH, DtlsClientAuth.NONE)
                        .with(GatewaySettings.DTLS_CIPHER_SUITES, suites),
                GatewaySettings.DTLS_CIPHER_SUITES, "'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' needs an RSA certificate");
        fails(config().with(GatewaySettings.DTLS_CIPHER_SUITES, suites),
                GatewaySettings.DTLS_CIPHER_SUITES, "'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' needs an RSA certificate");
    }

    @Test
    void aListThatLeavesNothingForTheConfiguredKeysIsRefused() throws Exception {
        fails(config().with(GatewaySettings.DTLS_CIPHER_SUITES, ECDSA_CCM8 + "," + ECDSA_GCM),
                GatewaySettings.DTLS_CIPHER_SUITES, "leaves no cipher suite for the configured keys");
        fails(config().with(GatewaySettings.DTLS_CIPHER_SUITES, " , "),
                GatewaySettings.DTLS_CIPHER_SUITES, "leaves no cipher suite for the configured keys");
    }

    /** What the gateway shows in a certificate handshake. */
    private static CertificateIdentityResult served(DtlsServerSetup setup) {
        return setup.certificate.requestCertificateIdentity(ConnectionId.EMPTY, false, null, null, null, null, null);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
