package io.sngate.hw.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Certificates and PKCS#8 private keys in PEM files, read with the JDK alone. The gateway's
 * runtime has no PEM library on purpose: Netty reads PEM keys with BouncyCastle whenever it
 * happens to be on the class path (as it is in tests), so handing Netty file names would read a
 * key one way under test and another way on a Pi. Reading them here, once, also lets a bad file
 * stop the start with the key that named it.
 */
public final class PemFiles {

    /** Why a file cannot be used; the message reads after "KEY: ". */
    public static final class Unusable extends Exception {
        private static final long serialVersionUID = 1L;

        Unusable(String reason) {
            super(reason);
        }
    }

    /** An encrypted key, and no password for it. */
    public static final class NeedsPassword extends Exception {
        private static final long serialVersionUID = 1L;

        NeedsPassword(String reason) {
            super(reason);
        }
    }

    /** A password that does not decrypt the key. */
    public static final class WrongPassword extends Exception {
        private static final long serialVersionUID = 1L;

        WrongPassword(String reason) {
            super(reason);
        }
    }

    /** The shell command that turns a traditional key into the PKCS#8 form read here. */
    public static final String CONVERT_HINT = "convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pkcs8.pem";

    /** PBES2 (PKCS#5 v2.0): what openssl pkcs8 -topk8 writes; the JDK names the real cipher only in its parameters. */
    private static final String PBES2_OID = "1.2.840.113549.1.5.13";

    /** Key algorithms a TLS peer may hold, tried in turn: a PKCS#8 file does not say which in a form the JDK reads first. */
    private static final List<String> KEY_ALGORITHMS = List.of("EC", "RSA", "EdDSA", "RSASSA-PSS", "DSA");

    private static final SecureRandom RANDOM = new SecureRandom();

    private PemFiles() {
    }

    /** One {@code -----BEGIN label-----} block, decoded. */
    private record Block(String label, byte[] der) {
    }

    /**
     * Every certificate in {@code file}, in order (a chain: the entity's own certificate first).
     * Text outside the blocks (openssl's "Bag Attributes", comments) is ignored.
     */
    public static List<X509Certificate> certificates(Path file) throws Unusable {
        List<X509Certificate> certificates = new ArrayList<>();
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 support", e);
        }
        for (Block block : blocks(file)) {
            if (!block.label().equals("CERTIFICATE") && !block.label().equals("TRUSTED CERTIFICATE")) {
                continue;
            }
            try {
                certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
            } catch (CertificateException e) {
                throw new Unusable(file + " holds a CERTIFICATE block that is not an X.509 certificate: "
                        + e.getMessage());
            }
        }
        if (certificates.isEmpty()) {
            throw new Unusable(file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return List.copyOf(certificates);
    }

    /**
     * The private key in {@code file}: PKCS#8, plain ({@code BEGIN PRIVATE KEY}) or encrypted
     * ({@code BEGIN ENCRYPTED PRIVATE KEY}, then {@code password} must decrypt it).
     */
    public static PrivateKey privateKey(Path file, Optional<char[]> password)
            throws Unusable, NeedsPassword, WrongPassword {
        List<Block> blocks = blocks(file);
        for (Block block : blocks) {
            switch (block.label()) {
                case "PRIVATE KEY" -> {
                    return decode(file, block.der());
                }
                case "ENCRYPTED PRIVATE KEY" -> {
                    if (password.isEmpty()) {
                        throw new NeedsPassword(file + " holds an encrypted key (BEGIN ENCRYPTED PRIVATE KEY) and no "
                                + "password for it is given");
                    }
                    return decrypt(file, block.der(), password.get());
                }
                case "EC PRIVATE KEY", "RSA PRIVATE KEY", "DSA PRIVATE KEY" -> throw new Unusable(file + " holds a key "
                        + "in the traditional OpenSSL form (BEGIN " + block.label() + "), not PKCS#8; " + CONVERT_HINT);
                default -> {
                    // certificates or parameters beside the key: look on
                }
            }
        }
        throw new Unusable(file + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
    }

    /** Fails unless {@code key} is the private half of {@code certificate}'s public key. */
    public static void checkPair(PrivateKey key, X509Certificate certificate, String certificateName) throws Unusable {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "DSA" -> "SHA256withDSA";
            case "EdDSA", "Ed25519", "Ed448" -> key.getAlgorithm();
            default -> null; // RSASSA-PSS needs parameters from the key: left to the handshake
        };
        if (algorithm == null) {
            return;
        }
        byte[] probe = new byte[32];
        RANDOM.nextBytes(probe);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            if (verifier.verify(signature)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // a key of another algorithm than the certificate's: not its pair either
        }
        throw new Unusable("is not the private key of the certificate in " + certificateName + " ("
                + certificate.getSubjectX500Principal().getName() + ")");
    }

    /**
     * A secret kept in a file, as editors and {@code echo} leave it: one trailing line end is not
     * part of it.
     */
    public static String secret(Path file) throws Unusable {
        String text = new String(read(file), StandardCharsets.UTF_8);
        if (text.endsWith("\r\n")) {
            text = text.substring(0, text.length() - 2);
        } else if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - 1);
        }
        if (text.isEmpty()) {
            throw new Unusable(file + " is empty");
        }
        return text;
    }

    /** The bytes of {@code file}, or why they cannot be read. */
    static byte[] read(Path file) throws Unusable {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new Unusable("cannot read " + file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new Unusable("cannot read " + file + ": permission denied");
        } catch (IOException e) {
            throw new Unusable("cannot read " + file + ": " + e.getMessage());
        }
    }

    private static List<Block> blocks(Path file) throws Unusable {
        String text = new String(read(file), StandardCharsets.US_ASCII);
        List<Block> blocks = new ArrayList<>();
        int at = 0;
        while (true) {
            int begin = text.indexOf("-----BEGIN ", at);
            if (begin < 0) {
                break;
            }
            int labelEnd = text.indexOf("-----", begin + 11);
            if (labelEnd < 0) {
                throw new Unusable(file + " is not valid PEM: a BEGIN line does not end with -----");
            }
            String label = text.substring(begin + 11, labelEnd);
            String endLine = "-----END " + label + "-----";
            int end = text.indexOf(endLine, labelEnd + 5);
            if (end < 0) {
                throw new Unusable(file + " is not valid PEM: no '" + endLine + "' after its BEGIN line");
            }
            String body = text.substring(labelEnd + 5, end);
            if (body.contains(":")) {
                // RFC 1421 headers (Proc-Type, DEK-Info): the traditional encrypted form.
                throw new Unusable(file + " holds a " + label + " in the traditional OpenSSL encrypted form; "
                        + "write it as PKCS#8 instead: openssl pkcs8 -topk8 -in KEY -out KEY.pkcs8.pem");
            }
            try {
                blocks.add(new Block(label, Base64.getMimeDecoder().decode(body.strip())));
            } catch (IllegalArgumentException e) {
                throw new Unusable(file + " is not valid PEM: the " + label + " block is not Base64");
            }
            at = end + endLine.length();
        }
        if (blocks.isEmpty()) {
            throw new Unusable(file + " is not a PEM file (no -----BEGIN line)");
        }
        return blocks;
    }

    private static PrivateKey decode(Path file, byte[] der) throws Unusable {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // not this algorithm: try the next
            }
        }
        throw new Unusable(file + " holds a PKCS#8 key of an algorithm this Java cannot use (tried "
                + String.join(", ", KEY_ALGORITHMS) + ")");
    }

    private static PrivateKey decrypt(Path file, byte[] der, char[] password) throws Unusable, WrongPassword {
        String algorithm;
        Cipher cipher;
        try {
            EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
            AlgorithmParameters parameters = info.getAlgParameters();
            algorithm = info.getAlgName().equals("PBES2") || info.getAlgName().equals(PBES2_OID)
                    ? String.valueOf(parameters) : info.getAlgName();
            PBEKeySpec keySpec = new PBEKeySpec(password);
            try {
                cipher = Cipher.getInstance(algorithm);
                cipher.init(Cipher.DECRYPT_MODE, SecretKeyFactory.getInstance(algorithm).generateSecret(keySpec),
                        parameters);
            } finally {
                keySpec.clearPassword();
            }
            try {
                return decode(file, info.getKeySpec(cipher).getEncoded());
            } catch (InvalidKeySpecException | Unusable e) {
                // A wrong password fails the padding check, or (rarely) passes it with garbage.
                throw new WrongPassword("does not decrypt the key in " + file);
            }
        } catch (IOException e) {
            throw new Unusable(file + " holds an ENCRYPTED PRIVATE KEY block that is not PKCS#8: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new Unusable(file + " is encrypted with a scheme this Java cannot decrypt (" + e.getMessage()
                    + "); write it again with: openssl pkcs8 -topk8 -v2 aes-256-cbc -in KEY -out KEY.pkcs8.pem");
        }
    }
}
