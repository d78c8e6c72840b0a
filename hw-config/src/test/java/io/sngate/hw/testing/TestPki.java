package io.sngate.hw.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * A throw-away certificate authority for tests: EC P-256 keys (what ECDHE-ECDSA cipher suites
 * need, and what mosquitto and the JDK take), certificates and keys written as PEM files into a
 * test's temporary folder. Nothing here is ever committed: every run makes new keys.
 *
 * <pre>{@code
 * TestPki pki = TestPki.create(dir, "sngate test CA");
 * TestPki.Issued broker = pki.server("localhost");            // SAN localhost and 127.0.0.1
 * TestPki.Issued device = pki.client("sensor-1");             // CN=sensor-1
 * TestPki.Issued old = pki.issue("old", Usage.CLIENT, Instant.now().minus(...), ...);
 * pki.caFile(); device.certFile(); device.keyFile(); device.encryptedKeyFile("secret");
 * }</pre>
 */
public final class TestPki {

    /** What a certificate is for: its extended key usage. */
    public enum Usage { SERVER, CLIENT }

    /** A certificate and its key, in memory and as PEM files. */
    public record Issued(String commonName, X509Certificate certificate, PrivateKey key, Path certFile, Path keyFile,
                         TestPki issuer) {

        /** The key as encrypted PKCS#8 PEM ({@code BEGIN ENCRYPTED PRIVATE KEY}), written on first call. */
        public Path encryptedKeyFile(String password) {
            Path file = keyFile.resolveSibling(commonName + ".key.enc.pem");
            try {
                OutputEncryptor encryptor = new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
                        .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider()).setRandom(RANDOM)
                        .setPassword(password.toCharArray()).build();
                writePem(file, new JcaPKCS8Generator(key, encryptor).generate());
                return file;
            } catch (OperatorCreationException | IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /** Certificate followed by the key in one file (what some tools take). */
        public Path combinedFile() {
            Path file = certFile.resolveSibling(commonName + ".both.pem");
            try {
                Files.writeString(file, Files.readString(certFile) + Files.readString(keyFile));
                return file;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private final Path dir;
    private final X500Name name;
    private final KeyPair keys;
    private final X509Certificate certificate;
    private final Path caFile;

    private TestPki(Path dir, X500Name name, KeyPair keys, X509Certificate certificate, Path caFile) {
        this.dir = dir;
        this.name = name;
        this.keys = keys;
        this.certificate = certificate;
        this.caFile = caFile;
    }

    /** A new CA valid from an hour ago for ten years; its certificate is written to {@code dir}. */
    public static TestPki create(Path dir, String caName) {
        try {
            Files.createDirectories(dir);
            KeyPair keys = newKeys();
            X500Name name = new X500Name("CN=" + caName + ",O=sngate tests");
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(3650))), name,
                    keys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            X509Certificate certificate = sign(builder, keys.getPrivate());
            Path caFile = dir.resolve(fileName(caName) + ".ca.pem");
            writePem(caFile, certificate);
            return new TestPki(dir, name, keys, certificate, caFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The CA certificate as PEM: what a peer trusts. */
    public Path caFile() {
        return caFile;
    }

    public X509Certificate caCertificate() {
        return certificate;
    }

    /** A server certificate for {@code host}, with subject alternative names {@code host}, localhost and 127.0.0.1. */
    public Issued server(String host) {
        Instant now = Instant.now();
        return issue(host, Usage.SERVER, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(30)));
    }

    /**
     * A server certificate whose only subject alternative name is {@code host}: not valid for
     * localhost nor 127.0.0.1, for tests of host name verification.
     */
    public Issued serverOnly(String host) {
        Instant now = Instant.now();
        return issue(host, Usage.SERVER, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(30)),
                List.of(new GeneralName(GeneralName.dNSName, host)));
    }

    /** A client certificate whose subject is {@code CN=commonName}. */
    public Issued client(String commonName) {
        Instant now = Instant.now();
        return issue(commonName, Usage.CLIENT, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(30)));
    }

    /** A certificate valid from {@code notBefore} to {@code notAfter} (an expired one when both are past). */
    public Issued issue(String commonName, Usage usage, Instant notBefore, Instant notAfter) {
        List<GeneralName> names = new ArrayList<>();
        if (usage == Usage.SERVER) {
            names.add(new GeneralName(GeneralName.dNSName, commonName));
            if (!commonName.equals("localhost")) {
                names.add(new GeneralName(GeneralName.dNSName, "localhost"));
            }
            names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
        }
        return issue(commonName, usage, notBefore, notAfter, names);
    }

    private Issued issue(String commonName, Usage usage, Instant notBefore, Instant notAfter,
                         List<GeneralName> subjectAltNames) {
        try {
            KeyPair subjectKeys = newKeys();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(), Date.from(notBefore),
                    Date.from(notAfter), new X500Name("CN=" + commonName + ",O=sngate tests"), subjectKeys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    usage == Usage.SERVER ? KeyPurposeId.id_kp_serverAuth : KeyPurposeId.id_kp_clientAuth));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    ext.createAuthorityKeyIdentifier(certificate));
            if (!subjectAltNames.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(subjectAltNames.toArray(GeneralName[]::new)));
            }
            X509Certificate issued = sign(builder, keys.getPrivate());
            Path certFile = dir.resolve(fileName(commonName) + ".crt.pem");
            Path keyFile = dir.resolve(fileName(commonName) + ".key.pem");
            writePem(certFile, issued);
            // PKCS#8 ("BEGIN PRIVATE KEY"): what the JDK, Netty, Scandium and mosquitto all read.
            writePem(keyFile, new JcaPKCS8Generator(subjectKeys.getPrivate(), null).generate());
            return new Issued(commonName, issued, subjectKeys.getPrivate(), certFile, keyFile, this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair newKeys() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIAL.incrementAndGet());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
            throws OperatorCreationException, GeneralSecurityException {
        ContentSigner contentSigner = new JcaContentSignerBuilder("SHA256withECDSA").build(signer);
        return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
    }

    private static String fileName(String name) {
        return name.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static void writePem(Path file, Object object) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            if (object instanceof PemObject pem) {
                writer.writeObject(pem);
            } else {
                writer.writeObject(object);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Files.writeString(file, text.toString(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
