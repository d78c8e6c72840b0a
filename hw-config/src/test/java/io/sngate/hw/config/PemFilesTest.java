package io.sngate.hw.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sngate.hw.testing.TestPki;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PEM certificates and PKCS#8 keys read with the JDK, including keys made by the openssl commands docs/security.md gives. */
class PemFilesTest {

    @TempDir
    Path dir;

    private TestPki pki;

    @BeforeEach
    void newCa() {
        pki = TestPki.create(dir.resolve("pki"), "pem test CA");
    }

    @Test
    void aChainIsReadInOrderAndTextAroundTheBlocksIsIgnored() throws Exception {
        TestPki.Issued server = pki.server("broker");
        Path chain = dir.resolve("chain.pem");
        Files.writeString(chain, "Bag Attributes\n    friendlyName: broker\n" + Files.readString(server.certFile())
                + "subject=CN = sngate CA\n" + Files.readString(pki.caFile()));
        assertThat(PemFiles.certificates(chain)).containsExactly(server.certificate(), pki.caCertificate());
    }

    @Test
    void plainAndEncryptedPkcs8KeysAreRead() throws Exception {
        TestPki.Issued client = pki.client("device");
        PrivateKey plain = PemFiles.privateKey(client.keyFile(), Optional.empty());
        assertThat(plain.getEncoded()).isEqualTo(client.key().getEncoded());
        PrivateKey decrypted = PemFiles.privateKey(client.encryptedKeyFile("s3cret"), Optional.of("s3cret".toCharArray()));
        assertThat(decrypted.getEncoded()).isEqualTo(client.key().getEncoded());
        assertThatThrownBy(() -> PemFiles.privateKey(client.encryptedKeyFile("s3cret"), Optional.of("nope".toCharArray())))
                .isInstanceOf(PemFiles.WrongPassword.class);
        assertThatThrownBy(() -> PemFiles.privateKey(client.encryptedKeyFile("s3cret"), Optional.empty()))
                .isInstanceOf(PemFiles.NeedsPassword.class);
    }

    @Test
    void aKeyMatchesOnlyItsOwnCertificate() throws Exception {
        TestPki.Issued mine = pki.client("mine");
        TestPki.Issued theirs = pki.client("theirs");
        PemFiles.checkPair(mine.key(), mine.certificate(), "cert-file");
        assertThatThrownBy(() -> PemFiles.checkPair(theirs.key(), mine.certificate(), "cert-file"))
                .isInstanceOf(PemFiles.Unusable.class)
                .hasMessageStartingWith("is not the private key of the certificate in cert-file");
    }

    @Test
    void keysConvertedWithTheDocumentedOpensslCommandsAreRead() throws Exception {
        String openssl = requireOpenssl();
        Path traditional = dir.resolve("rsa.key");
        Path password = dir.resolve("key.pass");
        Files.writeString(password, "pi password\n");
        run(openssl, "genrsa", "-traditional", "-out", traditional.toString(), "2048");
        assertThat(Files.readString(traditional)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThatThrownBy(() -> PemFiles.privateKey(traditional, Optional.empty()))
                .hasMessageContaining("traditional OpenSSL form (BEGIN RSA PRIVATE KEY)")
                .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pkcs8.pem");

        Path plain = dir.resolve("rsa.pkcs8.pem");
        run(openssl, "pkcs8", "-topk8", "-nocrypt", "-in", traditional.toString(), "-out", plain.toString());
        assertThat(PemFiles.privateKey(plain, Optional.empty()).getAlgorithm()).isEqualTo("RSA");

        Path encrypted = dir.resolve("rsa.enc.pem");
        run(openssl, "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", traditional.toString(), "-out",
                encrypted.toString(), "-passout", "file:" + password);
        PrivateKey decrypted = PemFiles.privateKey(encrypted,
                Optional.of(PemFiles.secret(password).toCharArray()));
        assertThat(decrypted.getEncoded()).isEqualTo(PemFiles.privateKey(plain, Optional.empty()).getEncoded());

        Path ec = dir.resolve("gateway.key");
        run(openssl, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                ec.toString(), "-out", dir.resolve("gateway.csr").toString(), "-subj", "/CN=sngate-gw");
        assertThat(PemFiles.privateKey(ec, Optional.empty()).getAlgorithm()).isEqualTo("EC");
    }

    @Test
    void aSecretLosesOneTrailingLineEndOnly() throws Exception {
        Path file = dir.resolve("secret");
        Files.writeString(file, "  spaced pass \r\n");
        assertThat(PemFiles.secret(file)).isEqualTo("  spaced pass ");
        Files.writeString(file, "two\n\n");
        assertThat(PemFiles.secret(file)).isEqualTo("two\n");
    }

    /** openssl from PATH; skipped without it, except on CI (where the image must have it). */
    private static String requireOpenssl() {
        String path = System.getenv("PATH");
        List<Path> candidates = new ArrayList<>();
        if (path != null) {
            for (String entry : path.split(File.pathSeparator)) {
                candidates.add(Path.of(entry, "openssl"));
            }
        }
        Optional<Path> found = candidates.stream().filter(Files::isExecutable).findFirst();
        if (found.isEmpty()) {
            String message = "openssl not found on PATH (Debian: apt-get install openssl)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(message + " - required when CI=true");
            }
            Assumptions.abort(message);
        }
        return found.get().toString();
    }

    private void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("openssl finished").isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command) + ": " + new String(output, StandardCharsets.UTF_8))
                .isZero();
    }
}
