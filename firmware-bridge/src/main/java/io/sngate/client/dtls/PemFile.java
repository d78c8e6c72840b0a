package io.sngate.client.dtls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.eclipse.californium.elements.util.Asn1DerDecoder;
import org.eclipse.californium.elements.util.PemReader;

/**
 * The certificates and the (single) private key of one PEM file, read block by block so that an
 * error names the block (Scandium's own loader reports an encrypted key as an unsupported type).
 */
final class PemFile {
    final List<X509Certificate> certificates;
    final Optional<PrivateKey> key;

    private PemFile(List<X509Certificate> certificates, Optional<PrivateKey> key) {
        this.certificates = certificates;
        this.key = key;
    }

    static PemFile read(Path file) throws DtlsCredentialsException {
        String source = file.toString();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new DtlsCredentialsException(source, "no such file");
        } catch (IOException e) {
            throw new DtlsCredentialsException(source, "cannot read: " + e.getMessage());
        }
        String text;
        try {
            text = StandardCharsets.US_ASCII.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new DtlsCredentialsException(source, "is not a PEM file (binary content; DER files are not"
                    + " read, convert with 'openssl x509 -inform der -in FILE -out FILE.pem')");
        }
        List<X509Certificate> certificates = new ArrayList<>();
        PrivateKey key = null;
        PemReader reader = new PemReader(new StringReader(text));
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            int block = 0;
            for (String tag = reader.readNextBegin(); tag != null; tag = reader.readNextBegin()) {
                block++;
                byte[] der = reader.readToEnd();
                String where = "PEM block " + block + " (" + tag + ")";
                if (der == null || der.length == 0) {
                    throw new DtlsCredentialsException(source, where + " has no matching END line or no"
                            + " base64 content");
                }
                if (tag.equals("CERTIFICATE")) {
                    try {
                        certificates.add((X509Certificate) factory.generateCertificate(
                                new ByteArrayInputStream(der)));
                    } catch (CertificateException e) {
                        throw new DtlsCredentialsException(source, where + " is not a valid certificate: "
                                + e.getMessage());
                    }
                } else if (tag.equals("ENCRYPTED PRIVATE KEY")) {
                    throw new DtlsCredentialsException(source, "the private key is encrypted; give it"
                            + " unencrypted, e.g. 'openssl pkcs8 -in " + file.getFileName()
                            + " -out device.key.pem' (and keep that file private)");
                } else if (tag.endsWith("PRIVATE KEY")) {
                    if (key != null) {
                        throw new DtlsCredentialsException(source, "holds more than one private key");
                    }
                    key = privateKey(der, source, where);
                } else {
                    throw new DtlsCredentialsException(source, where + ": only CERTIFICATE and PRIVATE KEY"
                            + " blocks are read");
                }
            }
            if (block == 0) {
                throw new DtlsCredentialsException(source, "is not a PEM file (no '-----BEGIN ...-----' line)");
            }
        } catch (IOException | CertificateException e) {
            throw new DtlsCredentialsException(source, "cannot read: " + e.getMessage());
        } finally {
            reader.close();
            Arrays.fill(bytes, (byte) 0);
        }
        return new PemFile(List.copyOf(certificates), Optional.ofNullable(key));
    }

    private static PrivateKey privateKey(byte[] der, String source, String where)
            throws DtlsCredentialsException {
        try {
            Asn1DerDecoder.Keys keys = Asn1DerDecoder.readPrivateKey(der);
            if (keys == null || keys.getPrivateKey() == null) {
                throw new DtlsCredentialsException(source, where + ": a private key of an unknown algorithm");
            }
            return keys.getPrivateKey();
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new DtlsCredentialsException(source, where + " is not a readable private key (PKCS#8"
                    + " 'BEGIN PRIVATE KEY' expected): " + e.getMessage());
        } finally {
            Arrays.fill(der, (byte) 0);
        }
    }
}
