package io.sngate.client.dtls;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;

/**
 * What a device proves itself with in a DTLS handshake with the gateway: a pre-shared key
 * ({@link Psk}: identity and key), or certificates ({@link Certificates}: the CAs that the
 * gateway's certificate must chain to, and optionally the device's own certificate and key).
 *
 * <p>The loaders check everything that can be checked before a handshake (a file that cannot be
 * read, a key that is not hex, a certificate without its key, a key that is not the
 * certificate's) and throw a {@link DtlsCredentialsException} naming the file or value and the
 * reason. Neither messages nor {@code toString} ever show key material.
 */
public sealed interface DtlsCredentials permits DtlsCredentials.Psk, DtlsCredentials.Certificates {

    /**
     * The longest key accepted. RFC 4279 (section 5.3) makes every TLS stack take keys of up to 64
     * bytes; longer ones are not portable to the constrained stacks devices run.
     */
    int MAX_PSK_LENGTH = 64;

    /** An identity travels in a two-byte length field (RFC 4279, section 2). */
    int MAX_IDENTITY_LENGTH = 65_535;

    /**
     * The identity the gateway will know the device by: the PSK identity, or the common name of
     * the device's certificate; empty for certificates without a device certificate (or one
     * without a common name). With the gateway's {@code dtls.identity-binding: exact} it is the
     * client id the device may use, which makes it the natural default one.
     */
    default Optional<String> gatewayIdentity() {
        if (this instanceof Psk psk) {
            return Optional.of(psk.identity());
        }
        Certificates certificates = (Certificates) this;
        if (certificates.chain().isEmpty()) {
            return Optional.empty();
        }
        try {
            javax.naming.ldap.LdapName name = new javax.naming.ldap.LdapName(
                    certificates.chain().get(0).getSubjectX500Principal().getName());
            for (javax.naming.ldap.Rdn rdn : name.getRdns()) {
                if ("CN".equalsIgnoreCase(rdn.getType())) {
                    return Optional.of(String.valueOf(rdn.getValue()));
                }
            }
            return Optional.empty();
        } catch (javax.naming.InvalidNameException e) {
            return Optional.empty();
        }
    }

    /** A PSK identity and key. */
    final class Psk implements DtlsCredentials {
        private final String identity;
        private final byte[] key;

        private Psk(String identity, byte[] key) {
            this.identity = identity;
            this.key = key.clone();
        }

        /** The PSK identity the device announces. */
        public String identity() {
            return identity;
        }

        /** A copy of the key. */
        public byte[] key() {
            return key.clone();
        }

        /** The key's length in bytes (the key itself stays out of logs). */
        public int keyLength() {
            return key.length;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Psk psk && identity.equals(psk.identity)
                    && MessageDigest.isEqual(key, psk.key);
        }

        @Override
        public int hashCode() {
            return identity.hashCode();
        }

        /** The identity and the key's length, never the key. */
        @Override
        public String toString() {
            return "PSK identity '" + identity + "' (" + key.length + "-byte key)";
        }
    }

    /**
     * X.509 credentials.
     *
     * @param trusted    the CA certificates the gateway's certificate must chain to
     * @param chain      the device's certificate first, then any intermediates; empty without one
     * @param privateKey the key of {@code chain}'s first certificate, present exactly when it is
     */
    record Certificates(List<X509Certificate> trusted, List<X509Certificate> chain, Optional<PrivateKey> privateKey)
            implements DtlsCredentials {

        /** Checks there is a trusted certificate and that a chain comes with its key; copies the lists. */
        public Certificates {
            trusted = List.copyOf(trusted);
            chain = List.copyOf(chain);
            Objects.requireNonNull(privateKey, "privateKey");
            if (trusted.isEmpty()) {
                throw new IllegalArgumentException("at least one trusted certificate is needed");
            }
            if (chain.isEmpty() != privateKey.isEmpty()) {
                throw new IllegalArgumentException(chain.isEmpty() ? "a private key without a certificate"
                        : "a certificate without its private key");
            }
        }

        /** The subject of the device's certificate, if it has one. */
        public Optional<String> clientSubject() {
            return chain.isEmpty() ? Optional.empty()
                    : Optional.of(chain.get(0).getSubjectX500Principal().getName(X500Principal.RFC1779));
        }

        /** The trusted subjects and the device's subject, never the key. */
        @Override
        public String toString() {
            StringBuilder text = new StringBuilder("X.509, trusting ");
            for (int i = 0; i < trusted.size(); i++) {
                text.append(i == 0 ? "" : "; ").append(trusted.get(i).getSubjectX500Principal().getName(X500Principal.RFC1779));
            }
            text.append(clientSubject().map(s -> ", device certificate " + s).orElse(", no device certificate"));
            return text.toString();
        }
    }

    /** A PSK from its identity and raw key. */
    static Psk psk(String identity, byte[] key) {
        Objects.requireNonNull(key, "key");
        String problem = identityProblem(identity);
        if (problem != null) {
            throw new IllegalArgumentException("PSK identity: " + problem);
        }
        if (key.length == 0 || key.length > MAX_PSK_LENGTH) {
            throw new IllegalArgumentException("PSK key: " + keyLengthProblem(key.length));
        }
        return new Psk(identity, key);
    }

    /**
     * A PSK whose key is written in hex ({@code 00a1ff...}, either case).
     *
     * @param source names the key's origin in errors (a flag, a file and line)
     */
    static Psk pskHex(String identity, String hex, String source) throws DtlsCredentialsException {
        String problem = identityProblem(identity);
        if (problem != null) {
            throw new DtlsCredentialsException(source, "PSK identity " + problem);
        }
        return new Psk(identity, hexKey(hex, source));
    }

    /** Decodes a hex key, naming the first problem without repeating the key. */
    static byte[] hexKey(String hex, String source) throws DtlsCredentialsException {
        String text = hex == null ? "" : hex.strip();
        if (text.isEmpty()) {
            throw new DtlsCredentialsException(source, "the key is empty (hex digits expected, e.g. 000102...0f)");
        }
        for (int i = 0; i < text.length(); i++) {
            if (Character.digit(text.charAt(i), 16) < 0) {
                throw new DtlsCredentialsException(source, "the key is not hex: character " + (i + 1) + " of "
                        + text.length() + " is not a hex digit");
            }
        }
        if (text.length() % 2 != 0) {
            throw new DtlsCredentialsException(source, "the key is not hex: an odd number of digits (" + text.length()
                    + "), two digits make a byte");
        }
        int length = text.length() / 2;
        if (length > MAX_PSK_LENGTH) {
            throw new DtlsCredentialsException(source, keyLengthProblem(length));
        }
        byte[] key = new byte[length];
        for (int i = 0; i < length; i++) {
            key[i] = (byte) Integer.parseInt(text, 2 * i, 2 * i + 2, 16);
        }
        return key;
    }

    private static String identityProblem(String identity) {
        if (identity == null || identity.isEmpty()) {
            return "is empty";
        }
        int bytes = identity.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_IDENTITY_LENGTH) {
            return "is " + bytes + " bytes long; at most " + MAX_IDENTITY_LENGTH;
        }
        return null;
    }

    private static String keyLengthProblem(int length) {
        return length == 0 ? "the key is empty"
                : "the key is " + length + " bytes long; at most " + MAX_PSK_LENGTH + " (RFC 4279)";
    }

    /**
     * Certificates from PEM files.
     *
     * @param caFile   the CA certificate(s) the gateway's certificate must chain to
     * @param certFile the device's certificate (first) and any intermediates; it may hold the key too
     * @param keyFile  the device's private key, PKCS#8 ({@code BEGIN PRIVATE KEY}), not encrypted
     */
    static Certificates certificates(Path caFile, Optional<Path> certFile, Optional<Path> keyFile)
            throws DtlsCredentialsException {
        PemFile ca = PemFile.read(caFile);
        if (ca.certificates.isEmpty()) {
            throw new DtlsCredentialsException(caFile.toString(), "holds no certificate (PEM 'BEGIN CERTIFICATE'"
                    + " blocks expected)");
        }
        if (ca.key.isPresent()) {
            throw new DtlsCredentialsException(caFile.toString(), "holds a private key: a CA file holds certificates"
                    + " only, and a key does not belong beside them");
        }
        if (certFile.isEmpty()) {
            if (keyFile.isPresent()) {
                throw new DtlsCredentialsException(keyFile.get().toString(), "a private key without a certificate:"
                        + " give the device's certificate too");
            }
            return new Certificates(ca.certificates, List.of(), Optional.empty());
        }
        PemFile cert = PemFile.read(certFile.get());
        if (cert.certificates.isEmpty()) {
            throw new DtlsCredentialsException(certFile.get().toString(), "holds no certificate (PEM 'BEGIN"
                    + " CERTIFICATE' blocks expected)");
        }
        Optional<PrivateKey> key;
        Path keySource;
        if (keyFile.isPresent()) {
            PemFile keyPem = PemFile.read(keyFile.get());
            if (keyPem.key.isEmpty()) {
                throw new DtlsCredentialsException(keyFile.get().toString(), "holds no private key (PEM 'BEGIN"
                        + " PRIVATE KEY' expected)");
            }
            key = keyPem.key;
            keySource = keyFile.get();
        } else if (cert.key.isPresent()) {
            key = cert.key;
            keySource = certFile.get();
        } else {
            throw new DtlsCredentialsException(certFile.get().toString(), "a certificate without its private key:"
                    + " give the key file too");
        }
        X509Certificate own = cert.certificates.get(0);
        if (!(key.get() instanceof ECPrivateKey)) {
            throw new DtlsCredentialsException(keySource.toString(), "is a " + key.get().getAlgorithm()
                    + " key; the gateway's ECDHE_ECDSA cipher suites need an EC key (P-256)");
        }
        checkKeyPair(own, key.get(), keySource);
        return new Certificates(ca.certificates, cert.certificates, key);
    }

    /** Whether the key signs what the certificate's public key verifies. */
    private static void checkKeyPair(X509Certificate certificate, PrivateKey key, Path keySource)
            throws DtlsCredentialsException {
        byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        boolean matches;
        try {
            Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance("SHA256withECDSA");
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(challenge);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            matches = false;
        }
        if (!matches) {
            throw new DtlsCredentialsException(keySource.toString(), "is not the private key of the certificate "
                    + certificate.getSubjectX500Principal().getName(X500Principal.RFC1779));
        }
    }
}
