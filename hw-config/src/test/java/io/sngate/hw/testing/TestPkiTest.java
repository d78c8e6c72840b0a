package io.sngate.hw.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestPkiTest {

    @TempDir
    Path dir;

    @Test
    void issuesCertificatesSignedByItsCaAsPemFiles() throws Exception {
        TestPki pki = TestPki.create(dir, "test CA");
        TestPki.Issued server = pki.server("localhost");
        X509Certificate read;
        try (InputStream in = Files.newInputStream(server.certFile())) {
            read = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        read.verify(pki.caCertificate().getPublicKey());
        assertThat(read.getSubjectX500Principal().getName()).contains("CN=localhost");
        assertThat(read.getSubjectAlternativeNames()).isNotEmpty();
        assertThat(Files.readString(server.keyFile())).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Files.readString(server.encryptedKeyFile("pw"))).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
    }

    @Test
    void anExpiredCertificateIsExpired() {
        TestPki pki = TestPki.create(dir, "test CA");
        Instant past = Instant.now().minus(Duration.ofDays(10));
        TestPki.Issued old = pki.issue("old", TestPki.Usage.CLIENT, past, past.plus(Duration.ofDays(1)));
        assertThatThrownBy(() -> old.certificate().checkValidity()).isInstanceOf(CertificateExpiredException.class);
    }

    @Test
    void serverOnlyNamesNothingButItsHost() throws Exception {
        TestPki pki = TestPki.create(dir, "test CA");
        X509Certificate other = pki.serverOnly("otherhost").certificate();
        assertThat(names(other)).containsExactly("otherhost");
        assertThat(names(pki.server("broker").certificate())).containsExactly("broker", "localhost", "127.0.0.1");
    }

    private static List<Object> names(X509Certificate certificate) throws Exception {
        return certificate.getSubjectAlternativeNames().stream().map(name -> (Object) name.get(1)).toList();
    }
}
