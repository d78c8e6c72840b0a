package io.sngate.client.dtls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sngate.hw.testing.TestPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading and checking credentials: every refusal names the file or value and the reason, never the key. */
class DtlsCredentialsTest {

    @TempDir
    Path dir;

    // ------------------------------------------------------------------ PSK

    @Test
    void aHexKeyInEitherCase() throws Exception {
        DtlsCredentials.Psk psk = DtlsCredentials.pskHex("sensor-1", " 00A1ff ", "--psk-hex");

        assertThat(psk.identity()).isEqualTo("sensor-1");
        assertThat(psk.key()).containsExactly(0x00, 0xA1, 0xFF);
        assertThat(psk.toString()).isEqualTo("PSK identity 'sensor-1' (3-byte key)");
    }

    @Test
    void badHexIsNamedWithoutRepeatingTheKey() {
        assertThatThrownBy(() -> DtlsCredentials.pskHex("sensor-1", "00a1zz", "--psk-hex"))
                .isInstanceOf(DtlsCredentialsException.class)
                .hasMessage("--psk-hex: the key is not hex: character 5 of 6 is not a hex digit");
        assertThatThrownBy(() -> DtlsCredentials.pskHex("sensor-1", "00a", "--psk-hex"))
                .hasMessage("--psk-hex: the key is not hex: an odd number of digits (3), two digits make a byte");
        assertThatThrownBy(() -> DtlsCredentials.pskHex("sensor-1", "", "--psk-hex"))
                .hasMessage("--psk-hex: the key is empty (hex digits expected, e.g. 000102...0f)");
        assertThatThrownBy(() -> DtlsCredentials.pskHex("sensor-1", "00".repeat(65), "--psk-hex"))
                .hasMessage("--psk-hex: the key is 65 bytes long; at most 64 (RFC 4279)");
        assertThatThrownBy(() -> DtlsCredentials.pskHex("", "0001", "--psk-identity"))
                .hasMessage("--psk-identity: PSK identity is empty");
    }

    @Test
    void thePskKeepsItsOwnCopyOfTheKey() {
        byte[] key = {1, 2, 3};
        DtlsCredentials.Psk psk = DtlsCredentials.psk("a", key);
        key[0] = 9;
        psk.key()[1] = 9;

        assertThat(psk.key()).containsExactly(1, 2, 3);
        assertThat(psk).isEqualTo(DtlsCredentials.psk("a", new byte[] {1, 2, 3}))
                .isNotEqualTo(DtlsCredentials.psk("a", new byte[] {1, 2, 4}));
    }

    @Test
    void aPskFileGivesEachIdentityItsKey() throws Exception {
        Path file = write("keys.csv", """
                # identity,hexkey
                sensor-0,000102030405060708090a0b0c0d0e0f

                sensor-1 , 0f0e0d0c0b0a09080706050403020100
                site,3,aabb
                """);

        PskFile keys = PskFile.load(file);

        assertThat(keys.identities()).containsExactly("sensor-0", "sensor-1", "site,3");
        assertThat(keys.first().identity()).isEqualTo("sensor-0");
        assertThat(keys.require("sensor-1").key()).isEqualTo(HexFormat.of().parseHex("0f0e0d0c0b0a09080706050403020100"));
        assertThat(keys.require("site,3").key()).containsExactly(0xAA, 0xBB);
        assertThat(keys.find("sensor-2")).isEmpty();
        assertThatThrownBy(() -> keys.require("sensor-2")).isInstanceOf(DtlsCredentialsException.class)
                .hasMessage(file + ": has no line for identity 'sensor-2'");
    }

    @Test
    void aPskFileProblemNamesTheLine() throws Exception {
        Path noComma = write("a.csv", "sensor-0 000102\n");
        Path badHex = write("b.csv", "# keys\nsensor-0,0001\nsensor-1,00x1\n");
        Path twice = write("c.csv", "sensor-0,0001\nsensor-0,0002\n");
        Path empty = write("d.csv", "# nothing yet\n\n");

        assertThatThrownBy(() -> PskFile.load(noComma))
                .hasMessage(noComma + " line 1: 'identity,hexkey' expected, found no comma");
        assertThatThrownBy(() -> PskFile.load(badHex))
                .hasMessage(badHex + " line 3: the key is not hex: character 3 of 4 is not a hex digit");
        assertThatThrownBy(() -> PskFile.load(twice))
                .hasMessage(twice + " line 2: identity 'sensor-0' is given twice (also line 1)");
        assertThatThrownBy(() -> PskFile.load(empty))
                .hasMessage(empty + ": holds no key (lines 'identity,hexkey' expected)");
        assertThatThrownBy(() -> PskFile.load(dir.resolve("missing.csv")))
                .hasMessage(dir.resolve("missing.csv") + ": no such file");
    }

    // ------------------------------------------------------------------ certificates

    @Test
    void certificatesWithTheDevicesOwnCertificateAndKey() throws Exception {
        TestPki pki = TestPki.create(dir, "gateway CA");
        TestPki.Issued device = pki.client("sensor-1");

        DtlsCredentials.Certificates certificates = DtlsCredentials.certificates(pki.caFile(),
                Optional.of(device.certFile()), Optional.of(device.keyFile()));

        assertThat(certificates.trusted()).containsExactly(pki.caCertificate());
        assertThat(certificates.chain()).containsExactly(device.certificate());
        assertThat(certificates.privateKey()).contains(device.key());
        assertThat(certificates.clientSubject()).contains(name(device.certificate()));
        assertThat(name(device.certificate())).contains("CN=sensor-1");
        assertThat(certificates.toString()).isEqualTo("X.509, trusting " + name(pki.caCertificate())
                + ", device certificate " + name(device.certificate()));
    }

    @Test
    void aCombinedFileCarriesCertificateAndKey() throws Exception {
        TestPki pki = TestPki.create(dir, "gateway CA");
        TestPki.Issued device = pki.client("sensor-1");

        DtlsCredentials.Certificates certificates = DtlsCredentials.certificates(pki.caFile(),
                Optional.of(device.combinedFile()), Optional.empty());

        assertThat(certificates.privateKey()).contains(device.key());
    }

    @Test
    void certificateProblemsNameTheFile() throws Exception {
        TestPki pki = TestPki.create(dir, "gateway CA");
        TestPki.Issued device = pki.client("sensor-1");
        TestPki.Issued other = pki.client("sensor-2");
        Path missing = dir.resolve("nope.pem");
        Path text = write("notes.txt", "not a certificate\n");
        Path binary = dir.resolve("ca.der");
        Files.write(binary, pki.caCertificate().getEncoded());
        Path truncated = write("cut.pem", Files.readString(pki.caFile()).replaceAll("-----END CERTIFICATE-----\\s*$",
                ""));
        Path encrypted = device.encryptedKeyFile("secret");
        Optional<Path> noPath = Optional.empty();

        assertThatThrownBy(() -> DtlsCredentials.certificates(missing, noPath, noPath))
                .isInstanceOf(DtlsCredentialsException.class).hasMessage(missing + ": no such file");
        assertThatThrownBy(() -> DtlsCredentials.certificates(text, noPath, noPath))
                .hasMessage(text + ": is not a PEM file (no '-----BEGIN ...-----' line)");
        assertThatThrownBy(() -> DtlsCredentials.certificates(binary, noPath, noPath))
                .hasMessageStartingWith(binary + ": is not a PEM file (binary content");
        assertThatThrownBy(() -> DtlsCredentials.certificates(truncated, noPath, noPath))
                .hasMessage(truncated + ": PEM block 1 (CERTIFICATE) has no matching END line or no base64 content");
        assertThatThrownBy(() -> DtlsCredentials.certificates(device.keyFile(), noPath, noPath))
                .hasMessage(device.keyFile() + ": holds no certificate (PEM 'BEGIN CERTIFICATE' blocks expected)");
        assertThatThrownBy(() -> DtlsCredentials.certificates(device.combinedFile(), noPath, noPath))
                .hasMessageStartingWith(device.combinedFile() + ": holds a private key");
        assertThatThrownBy(() -> DtlsCredentials.certificates(pki.caFile(), noPath, Optional.of(device.keyFile())))
                .hasMessage(device.keyFile() + ": a private key without a certificate: give the device's certificate"
                        + " too");
        assertThatThrownBy(() -> DtlsCredentials.certificates(pki.caFile(), Optional.of(device.certFile()), noPath))
                .hasMessage(device.certFile() + ": a certificate without its private key: give the key file too");
        assertThatThrownBy(() -> DtlsCredentials.certificates(pki.caFile(), Optional.of(device.certFile()),
                Optional.of(other.keyFile())))
                .hasMessage(other.keyFile() + ": is not the private key of the certificate " + name(device.certificate()));
        assertThatThrownBy(() -> DtlsCredentials.certificates(pki.caFile(), Optional.of(device.certFile()),
                Optional.of(encrypted)))
                .hasMessageStartingWith(encrypted + ": the private key is encrypted; give it unencrypted");
        assertThatThrownBy(() -> DtlsCredentials.certificates(pki.caFile(), Optional.of(device.certFile()),
                Optional.of(device.certFile())))
                .hasMessage(device.certFile() + ": holds no private key (PEM 'BEGIN PRIVATE KEY' expected)");
    }

    @Test
    void anExpiredCertificateStillLoads() throws Exception {
        // Validity is the handshake's business (the gateway's clock decides), not the loader's.
        TestPki pki = TestPki.create(dir, "gateway CA");
        TestPki.Issued old = pki.issue("old", TestPki.Usage.CLIENT, Instant.now().minus(Duration.ofDays(60)),
                Instant.now().minus(Duration.ofDays(30)));

        assertThat(DtlsCredentials.certificates(pki.caFile(), Optional.of(old.certFile()), Optional.of(old.keyFile()))
                .chain()).isEqualTo(List.of(old.certificate()));
    }

    private static String name(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName(X500Principal.RFC1779);
    }

    private Path write(String name, String text) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }
}
