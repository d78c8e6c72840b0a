package io.sngate.gateway.transport.dtls;

import io.sngate.hw.config.ConfigError;
import io.sngate.hw.config.DtlsClientAuth;
import io.sngate.hw.config.GatewayConfig;
import io.sngate.hw.config.GatewaySettings;
import io.sngate.hw.config.Setting;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.elements.config.CertificateAuthenticationMode;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.SystemConfig;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.elements.util.SslContextUtil;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.dtls.CertificateType;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;
import org.eclipse.californium.scandium.dtls.x509.CertificateConfigurationHelper;
import org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;

/**
 * The {@code dtls:} settings, checked and turned into Scandium's: credentials read from their
 * PEM files, cipher suites narrowed to what those credentials can serve. Every error names the
 * key and the reason.
 */
final class DtlsServerSetup {

    /** Scandium's settings for a listener on a small machine: one receiving thread, two workers. */
    final Configuration scandium;
    final InetSocketAddress bind;
    final List<CipherSuite> cipherSuites;
    /** Null without {@code dtls.cert-file}. */
    final SingleCertificateProvider certificate;
    /** Null when device certificates are not checked. */
    final StaticNewAdvancedCertificateVerifier.Builder verifier;
    final Path pskFile;
    final long expiryMillis;
    final int handshakesPerSecond;

    private DtlsServerSetup(Configuration scandium, InetSocketAddress bind, List<CipherSuite> cipherSuites,
                            SingleCertificateProvider certificate, StaticNewAdvancedCertificateVerifier.Builder verifier,
                            Path pskFile, long expiryMillis, int handshakesPerSecond) {
        this.scandium = scandium;
        this.bind = bind;
        this.cipherSuites = cipherSuites;
        this.certificate = certificate;
        this.verifier = verifier;
        this.pskFile = pskFile;
        this.expiryMillis = expiryMillis;
        this.handshakesPerSecond = handshakesPerSecond;
    }

    static DtlsServerSetup from(GatewayConfig config) throws ConfigError {
        String bindHost = config.get(GatewaySettings.DTLS_BIND).strip();
        int port = config.get(GatewaySettings.DTLS_PORT);
        InetSocketAddress bind = bindHost.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(bindHost, port);
        if (bind.isUnresolved()) {
            throw new ConfigError(GatewaySettings.DTLS_BIND.path(), "'" + bindHost + "' is not an address of this machine");
        }
        Path certFile = path(config, GatewaySettings.DTLS_CERT_FILE);
        Path keyFile = path(config, GatewaySettings.DTLS_KEY_FILE);
        Path caFile = path(config, GatewaySettings.DTLS_CA_FILE);
        Path pskFile = path(config, GatewaySettings.DTLS_PSK_FILE);
        boolean rawKeys = config.get(GatewaySettings.DTLS_RAW_PUBLIC_KEYS);
        DtlsClientAuth clientAuth = config.get(GatewaySettings.DTLS_CLIENT_AUTH);
        if ((certFile == null) != (keyFile == null)) {
            Setting<String> missing = certFile == null ? GatewaySettings.DTLS_CERT_FILE : GatewaySettings.DTLS_KEY_FILE;
            throw new ConfigError(missing.path(), "is needed with " + (certFile == null
                    ? GatewaySettings.DTLS_KEY_FILE.path() : GatewaySettings.DTLS_CERT_FILE.path())
                    + ": a certificate and its key go together");
        }
        SingleCertificateProvider certificate = null;
        StaticNewAdvancedCertificateVerifier.Builder verifier = null;
        if (certFile != null) {
            X509Certificate[] chain = certificates(GatewaySettings.DTLS_CERT_FILE, certFile);
            PrivateKey key = privateKey(GatewaySettings.DTLS_KEY_FILE, keyFile);
            if (!"EC".equals(key.getAlgorithm()) && !"EdDSA".equals(key.getAlgorithm())
                    && !key.getAlgorithm().startsWith("Ed")) {
                throw new ConfigError(GatewaySettings.DTLS_KEY_FILE.path(), "is an " + key.getAlgorithm()
                        + " key: DTLS certificate handshakes here use ECDSA, so the key must be an EC key "
                        + "(openssl ecparam -name prime256v1 -genkey)");
            }
            try {
                // Scandium checks the pair only when the listener starts, with an exception
                // that names no setting.
                new CertificateConfigurationHelper().verifyKeyPair(key, chain[0].getPublicKey());
            } catch (IllegalArgumentException e) {
                throw new ConfigError(GatewaySettings.DTLS_KEY_FILE.path(), "does not fit " + certFile
                        + " (it must be the private key of its first certificate): " + e.getMessage());
            }
            try {
                certificate = rawKeys
                        ? new SingleCertificateProvider(key, chain, CertificateType.X_509, CertificateType.RAW_PUBLIC_KEY)
                        : new SingleCertificateProvider(key, chain, CertificateType.X_509);
            } catch (IllegalArgumentException e) {
                throw new ConfigError(GatewaySettings.DTLS_KEY_FILE.path(), "does not fit " + certFile + ": "
                        + e.getMessage());
            }
            if (clientAuth != DtlsClientAuth.NONE) {
                if (caFile == null && !rawKeys) {
                    throw new ConfigError(GatewaySettings.DTLS_CLIENT_AUTH.path(), "is " + clientAuth.name()
                            .toLowerCase() + " but neither dtls.ca-file nor dtls.raw-public-keys says which device "
                            + "certificates to trust; set dtls.client-auth: none to accept devices without one");
                }
                verifier = StaticNewAdvancedCertificateVerifier.builder();
                if (caFile != null) {
                    verifier.setTrustedCertificates(certificates(GatewaySettings.DTLS_CA_FILE, caFile));
                }
                if (rawKeys) {
                    // A raw key proves only that the device holds it: the devices file decides
                    // what it may be (dtls-identity), so every key may handshake.
                    verifier.setTrustAllRPKs();
                }
            }
        } else if (caFile != null) {
            throw new ConfigError(GatewaySettings.DTLS_CA_FILE.path(), "needs dtls.cert-file and dtls.key-file: "
                    + "a device shows its certificate only in a certificate handshake, which needs the gateway's own");
        }
        List<CipherSuite> suites = cipherSuites(config.get(GatewaySettings.DTLS_CIPHER_SUITES), certificate != null);

        Configuration scandium = new Configuration(SystemConfig.DEFINITIONS, UdpConfig.DEFINITIONS, DtlsConfig.DEFINITIONS);
        scandium.set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.SERVER_ONLY);
        scandium.set(DtlsConfig.DTLS_RECEIVER_THREAD_COUNT, 1);
        scandium.set(DtlsConfig.DTLS_CONNECTOR_THREAD_COUNT, 2);
        scandium.set(DtlsConfig.DTLS_USE_HELLO_VERIFY_REQUEST, true);
        scandium.set(DtlsConfig.DTLS_USE_HELLO_VERIFY_REQUEST_FOR_PSK, true);
        int cidLength = config.get(GatewaySettings.DTLS_CONNECTION_ID_LENGTH);
        scandium.set(DtlsConfig.DTLS_CONNECTION_ID_LENGTH, cidLength == 0 ? null : cidLength);
        scandium.set(DtlsConfig.DTLS_UPDATE_ADDRESS_USING_CID_ON_NEWER_RECORDS, true);
        scandium.set(DtlsConfig.DTLS_MAX_CONNECTIONS, config.get(GatewaySettings.DTLS_MAX_SESSIONS));
        long expirySeconds = config.get(GatewaySettings.DTLS_SESSION_EXPIRY);
        scandium.set(DtlsConfig.DTLS_STALE_CONNECTION_THRESHOLD, expirySeconds, TimeUnit.SECONDS);
        scandium.set(DtlsConfig.DTLS_RECOMMENDED_CIPHER_SUITES_ONLY, false);
        scandium.setAsList(DtlsConfig.DTLS_CIPHER_SUITES, suites.toArray(CipherSuite[]::new));
        scandium.set(DtlsConfig.DTLS_CLIENT_AUTHENTICATION_MODE, switch (clientAuth) {
            case NEEDED -> verifier == null ? CertificateAuthenticationMode.NONE : CertificateAuthenticationMode.NEEDED;
            case WANTED -> verifier == null ? CertificateAuthenticationMode.NONE : CertificateAuthenticationMode.WANTED;
            case NONE -> CertificateAuthenticationMode.NONE;
        });
        if (rawKeys) {
            scandium.setAsList(DtlsConfig.DTLS_CERTIFICATE_TYPES, CertificateType.RAW_PUBLIC_KEY, CertificateType.X_509);
        }
        scandium.set(DtlsConfig.DTLS_RECEIVE_BUFFER_SIZE, 4 * 1024 * 1024);
        scandium.set(DtlsConfig.DTLS_SEND_BUFFER_SIZE, 4 * 1024 * 1024);
        return new DtlsServerSetup(scandium, bind, suites, certificate, verifier, pskFile, expirySeconds * 1000,
                config.get(GatewaySettings.DTLS_HANDSHAKES_PER_SECOND));
    }

    private static Path path(GatewayConfig config, Setting<String> setting) throws ConfigError {
        String text = config.get(setting).strip();
        if (text.isEmpty()) {
            return null;
        }
        try {
            return Path.of(text);
        } catch (java.nio.file.InvalidPathException e) {
            throw new ConfigError(setting.path(), "'" + text + "' is not a path: " + e.getReason());
        }
    }

    /**
     * The configured suites, minus those the credentials cannot serve: certificate suites need
     * dtls.cert-file. PSK suites stay: keys can arrive with a reload.
     */
    static List<CipherSuite> cipherSuites(String text, boolean haveCertificate) throws ConfigError {
        String key = GatewaySettings.DTLS_CIPHER_SUITES.path();
        List<CipherSuite> usable = new ArrayList<>();
        for (String name : text.split(",")) {
            String trimmed = name.strip();
            if (trimmed.isEmpty()) {
                continue;
            }
            CipherSuite suite = CipherSuite.getTypeByName(trimmed);
            if (suite == null || !suite.isValidForNegotiation()) {
                throw new ConfigError(key, "'" + trimmed + "' is not a cipher suite this gateway offers");
            }
            if (!suite.isSupported()) {
                throw new ConfigError(key, "'" + trimmed + "' is not supported by this Java runtime");
            }
            // Before the certificate check: no configuration can serve an RSA suite, and one
            // left out quietly while there is no certificate would stop the start once there is.
            if (suite.isEccBased() && suite.getCertificateKeyAlgorithm() != CipherSuite.CertificateKeyAlgorithm.NONE
                    && suite.getCertificateKeyAlgorithm() != CipherSuite.CertificateKeyAlgorithm.EC) {
                throw new ConfigError(key, "'" + trimmed + "' needs an RSA certificate: use ECDSA or PSK suites");
            }
            if (suite.requiresServerCertificateMessage() && !haveCertificate) {
                continue;
            }
            if (!usable.contains(suite)) {
                usable.add(suite);
            }
        }
        if (usable.isEmpty()) {
            throw new ConfigError(key, "leaves no cipher suite for the configured keys (PSK suites need no "
                    + "certificate; ECDSA suites need dtls.cert-file and dtls.key-file)");
        }
        return List.copyOf(usable);
    }

    private static X509Certificate[] certificates(Setting<String> setting, Path file) throws ConfigError {
        SslContextUtil.Credentials credentials = pem(setting, file);
        X509Certificate[] chain = credentials.getCertificateChain();
        if (chain == null || chain.length == 0) {
            Certificate[] trusted = credentials.getTrustedCertificates();
            if (trusted != null && trusted.length > 0) {
                List<X509Certificate> list = new ArrayList<>();
                for (Certificate certificate : trusted) {
                    list.add((X509Certificate) certificate);
                }
                return list.toArray(X509Certificate[]::new);
            }
            throw new ConfigError(setting.path(), file + " holds no certificate (a PEM 'BEGIN CERTIFICATE' block)");
        }
        return chain;
    }

    private static PrivateKey privateKey(Setting<String> setting, Path file) throws ConfigError {
        if (encrypted(file)) {
            // Scandium would fail on it with an ASN.1 message that says nothing of encryption.
            throw new ConfigError(setting.path(), file + " holds an encrypted key: decrypt it first "
                    + "(openssl pkey -in " + file.getFileName() + " -out key.pem)");
        }
        PrivateKey key = pem(setting, file).getPrivateKey();
        if (key == null) {
            throw new ConfigError(setting.path(), file + " holds no private key (a PEM 'BEGIN PRIVATE KEY' or "
                    + "'BEGIN EC PRIVATE KEY' block; an encrypted key must be decrypted first)");
        }
        return key;
    }

    /** PKCS#8 ({@code BEGIN ENCRYPTED PRIVATE KEY}) or OpenSSL's traditional form ({@code Proc-Type: 4,ENCRYPTED}). */
    private static boolean encrypted(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.ISO_8859_1);
            return text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") || text.contains("Proc-Type: 4,ENCRYPTED");
        } catch (IOException e) {
            return false; // reading it again reports why
        }
    }

    private static SslContextUtil.Credentials pem(Setting<String> setting, Path file) throws ConfigError {
        try (InputStream in = Files.newInputStream(file)) {
            return SslContextUtil.loadPemCredentials(in);
        } catch (NoSuchFileException e) {
            throw new ConfigError(setting.path(), "cannot read " + file + ": no such file");
        } catch (IOException e) {
            throw new ConfigError(setting.path(), "cannot read " + file + ": " + e.getMessage());
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new ConfigError(setting.path(), file + " is not usable PEM: " + e.getMessage());
        }
    }
}
