package io.sngate.hw.config;

import io.sngate.hw.config.devices.IpLiterals;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks the {@code broker.*} keys against each other and reads the files they name (password,
 * certificates, keys, the embedded broker's users): a certificate that does not parse, a key of
 * another certificate or a password that does not open a key stops the start with the key that
 * named the file, instead of surfacing later as a failed handshake.
 */
final class BrokerSettings {

    private static final List<Setting<String>> TLS_FILES = List.of(GatewaySettings.BROKER_TLS_CA_FILE,
            GatewaySettings.BROKER_TLS_CERT_FILE, GatewaySettings.BROKER_TLS_KEY_FILE,
            GatewaySettings.BROKER_TLS_KEY_PASSWORD_FILE);

    private BrokerSettings() {
    }

    static GatewayConfig.BrokerSecrets load(GatewayConfig draft, Optional<GatewayConfig.BrokerAddress> broker,
                                            Map<String, String> environment) throws ConfigError {
        Map<String, String> kept = new HashMap<>();
        String fromEnvironment = environment.get(ConfigLoader.PASSWORD_VARIABLE);
        if (fromEnvironment != null) {
            kept.put(ConfigLoader.PASSWORD_VARIABLE, fromEnvironment);
        }
        Optional<String> password = password(draft, kept);
        Optional<BrokerTls> tls = tls(draft, broker);
        checkEmbeddedUnused(draft, broker);
        checkBind(draft);
        Optional<TlsIdentity> embeddedTls = embeddedTls(draft);
        Map<String, String> users = embeddedUsers(draft);
        if (broker.isEmpty() && !users.isEmpty()) {
            checkOwnLogin(draft, users, password, kept);
        }
        return new GatewayConfig.BrokerSecrets(password, tls, embeddedTls, Map.copyOf(users), Map.copyOf(kept));
    }

    // ------------------------------------------------------------------ the upstream password

    private static Optional<String> password(GatewayConfig draft, Map<String, String> environment) throws ConfigError {
        String inline = draft.get(GatewaySettings.BROKER_PASSWORD);
        String file = draft.get(GatewaySettings.BROKER_PASSWORD_FILE);
        if (!inline.isEmpty() && !file.isBlank()) {
            throw new ConfigError(GatewaySettings.BROKER_PASSWORD_FILE.path(),
                    "give " + GatewaySettings.BROKER_PASSWORD.path() + " or " + GatewaySettings.BROKER_PASSWORD_FILE.path()
                            + ", not both");
        }
        if (!inline.isEmpty()) {
            return Optional.of(inline);
        }
        if (!file.isBlank()) {
            try {
                return Optional.of(PemFiles.secret(path(GatewaySettings.BROKER_PASSWORD_FILE, file)));
            } catch (PemFiles.Unusable e) {
                throw new ConfigError(GatewaySettings.BROKER_PASSWORD_FILE.path(), e.getMessage());
            }
        }
        String variable = environment.get(ConfigLoader.PASSWORD_VARIABLE);
        return variable == null || variable.isEmpty() ? Optional.empty() : Optional.of(variable);
    }

    // ------------------------------------------------------------------ TLS to an external broker

    private static Optional<BrokerTls> tls(GatewayConfig draft, Optional<GatewayConfig.BrokerAddress> broker)
            throws ConfigError {
        boolean tlsBroker = broker.isPresent() && broker.get().tls();
        if (!tlsBroker) {
            String why = broker.isEmpty()
                    ? "is set but broker.uri is empty: the gateway reaches its embedded broker over plain TCP "
                            + "(broker.embedded-tls-* give that broker a TLS listener for other clients)"
                    : "is set but broker.uri '" + draft.get(GatewaySettings.BROKER_URI).strip()
                            + "' is plain TCP: use ssl:// (or mqtts://) for TLS";
            for (Setting<String> setting : TLS_FILES) {
                if (!draft.get(setting).isBlank()) {
                    throw new ConfigError(setting.path(), why);
                }
            }
            if (!draft.get(GatewaySettings.BROKER_TLS_VERIFY_HOSTNAME)) {
                throw new ConfigError(GatewaySettings.BROKER_TLS_VERIFY_HOSTNAME.path(), why.replace("is set", "is false"));
            }
            return Optional.empty();
        }
        List<X509Certificate> trusted = List.of();
        String caFile = draft.get(GatewaySettings.BROKER_TLS_CA_FILE);
        if (!caFile.isBlank()) {
            trusted = certificates(GatewaySettings.BROKER_TLS_CA_FILE, caFile);
        }
        Optional<TlsIdentity> identity = identity(draft, GatewaySettings.BROKER_TLS_CERT_FILE,
                GatewaySettings.BROKER_TLS_KEY_FILE, Optional.of(GatewaySettings.BROKER_TLS_KEY_PASSWORD_FILE));
        return Optional.of(new BrokerTls(trusted, identity, draft.get(GatewaySettings.BROKER_TLS_VERIFY_HOSTNAME)));
    }

    /** A certificate and its key, both or neither; the key may be encrypted when {@code passwordFile} is a key. */
    private static Optional<TlsIdentity> identity(GatewayConfig draft, Setting<String> certKey, Setting<String> keyKey,
                                                  Optional<Setting<String>> passwordKey) throws ConfigError {
        String certFile = draft.get(certKey);
        String keyFile = draft.get(keyKey);
        String passwordFile = passwordKey.map(draft::get).orElse("");
        if (certFile.isBlank() && !keyFile.isBlank()) {
            throw new ConfigError(certKey.path(), "is empty but " + keyKey.path() + " is set: give the certificate "
                    + "that goes with the key, or neither");
        }
        if (!certFile.isBlank() && keyFile.isBlank()) {
            throw new ConfigError(keyKey.path(), "is empty but " + certKey.path() + " is set: a certificate is "
                    + "no use without its private key");
        }
        if (keyFile.isBlank()) {
            if (!passwordFile.isBlank()) {
                throw new ConfigError(passwordKey.get().path(), "is set but " + keyKey.path() + " is empty");
            }
            return Optional.empty();
        }
        List<X509Certificate> chain = certificates(certKey, certFile);
        Optional<char[]> password = Optional.empty();
        if (!passwordFile.isBlank()) {
            try {
                password = Optional.of(PemFiles.secret(path(passwordKey.get(), passwordFile)).toCharArray());
            } catch (PemFiles.Unusable e) {
                throw new ConfigError(passwordKey.get().path(), e.getMessage());
            }
        }
        PrivateKey key;
        try {
            key = PemFiles.privateKey(path(keyKey, keyFile), password);
        } catch (PemFiles.Unusable e) {
            throw new ConfigError(keyKey.path(), e.getMessage());
        } catch (PemFiles.NeedsPassword e) {
            throw new ConfigError(keyKey.path(), e.getMessage() + (passwordKey.isPresent()
                    ? ": set " + passwordKey.get().path()
                    : ": write it unencrypted (openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pkcs8.pem)"));
        } catch (PemFiles.WrongPassword e) {
            throw new ConfigError(passwordKey.orElseThrow().path(), e.getMessage());
        } finally {
            password.ifPresent(chars -> Arrays.fill(chars, '\0'));
        }
        try {
            PemFiles.checkPair(key, chain.get(0), certKey.path() + " (" + certFile.strip() + ")");
        } catch (PemFiles.Unusable e) {
            throw new ConfigError(keyKey.path(), e.getMessage());
        }
        return Optional.of(new TlsIdentity(key, chain));
    }

    private static List<X509Certificate> certificates(Setting<String> setting, String file) throws ConfigError {
        try {
            return PemFiles.certificates(path(setting, file));
        } catch (PemFiles.Unusable e) {
            throw new ConfigError(setting.path(), e.getMessage());
        }
    }

    // ------------------------------------------------------------------ the embedded broker

    /** The embedded broker's new keys do nothing beside an external broker: say so rather than ignore them. */
    private static void checkEmbeddedUnused(GatewayConfig draft, Optional<GatewayConfig.BrokerAddress> broker)
            throws ConfigError {
        if (broker.isEmpty()) {
            return;
        }
        String why = "is set but broker.uri is set too, so the embedded broker does not start";
        for (Setting<String> setting : List.of(GatewaySettings.EMBEDDED_TLS_CERT_FILE,
                GatewaySettings.EMBEDDED_TLS_KEY_FILE, GatewaySettings.EMBEDDED_PASSWORD_FILE)) {
            if (!draft.get(setting).isBlank()) {
                throw new ConfigError(setting.path(), why);
            }
        }
        if (draft.get(GatewaySettings.EMBEDDED_TLS_PORT) != 0) {
            throw new ConfigError(GatewaySettings.EMBEDDED_TLS_PORT.path(), why);
        }
        if (!draft.get(GatewaySettings.EMBEDDED_BIND).equals(GatewaySettings.EMBEDDED_BIND.defaultValue())) {
            throw new ConfigError(GatewaySettings.EMBEDDED_BIND.path(), why);
        }
    }

    private static void checkBind(GatewayConfig draft) throws ConfigError {
        String bind = draft.get(GatewaySettings.EMBEDDED_BIND).strip();
        if (bind.isEmpty()) {
            throw new ConfigError(GatewaySettings.EMBEDDED_BIND.path(),
                    "must be an IP address (127.0.0.1: this machine only; 0.0.0.0 or :: every address)");
        }
        try {
            IpLiterals.parse(bind);
        } catch (IllegalArgumentException e) {
            throw new ConfigError(GatewaySettings.EMBEDDED_BIND.path(), e.getMessage());
        }
    }

    private static Optional<TlsIdentity> embeddedTls(GatewayConfig draft) throws ConfigError {
        int tlsPort = draft.get(GatewaySettings.EMBEDDED_TLS_PORT);
        String cert = draft.get(GatewaySettings.EMBEDDED_TLS_CERT_FILE);
        String key = draft.get(GatewaySettings.EMBEDDED_TLS_KEY_FILE);
        if (tlsPort == 0) {
            for (Setting<String> setting : List.of(GatewaySettings.EMBEDDED_TLS_CERT_FILE,
                    GatewaySettings.EMBEDDED_TLS_KEY_FILE)) {
                if (!draft.get(setting).isBlank()) {
                    throw new ConfigError(setting.path(), "is set but broker.embedded-tls-port is 0 (no TLS listener)");
                }
            }
            return Optional.empty();
        }
        if (tlsPort == draft.get(GatewaySettings.EMBEDDED_PORT)) {
            throw new ConfigError(GatewaySettings.EMBEDDED_TLS_PORT.path(),
                    "is " + tlsPort + ", the same as broker.embedded-port: the TLS listener needs a port of its own");
        }
        if (cert.isBlank() || key.isBlank()) {
            Setting<String> missing = cert.isBlank() ? GatewaySettings.EMBEDDED_TLS_CERT_FILE
                    : GatewaySettings.EMBEDDED_TLS_KEY_FILE;
            throw new ConfigError(missing.path(), "is empty but broker.embedded-tls-port is " + tlsPort
                    + ": a TLS listener needs a certificate and its key");
        }
        return identity(draft, GatewaySettings.EMBEDDED_TLS_CERT_FILE, GatewaySettings.EMBEDDED_TLS_KEY_FILE,
                Optional.empty());
    }

    /** Lines {@code user:password}; blank lines and lines starting with {@code #} are skipped. */
    private static Map<String, String> embeddedUsers(GatewayConfig draft) throws ConfigError {
        String file = draft.get(GatewaySettings.EMBEDDED_PASSWORD_FILE);
        if (file.isBlank()) {
            return Map.of();
        }
        String key = GatewaySettings.EMBEDDED_PASSWORD_FILE.path();
        Path path = path(GatewaySettings.EMBEDDED_PASSWORD_FILE, file);
        String text;
        try {
            text = new String(PemFiles.read(path), StandardCharsets.UTF_8);
        } catch (PemFiles.Unusable e) {
            throw new ConfigError(key, e.getMessage());
        }
        Map<String, String> users = new LinkedHashMap<>();
        Map<String, Integer> lineOf = new HashMap<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = path + " line " + (i + 1) + ": ";
            int colon = line.indexOf(':');
            if (colon < 0) {
                // The line is not echoed: it may be a password without its user.
                throw new ConfigError(key, where + "must be user:password");
            }
            String user = line.substring(0, colon).strip();
            String secret = line.substring(colon + 1).strip();
            if (user.isEmpty() || secret.isEmpty()) {
                throw new ConfigError(key, where + (user.isEmpty() ? "the user name is empty" : "the password of '"
                        + user + "' is empty"));
            }
            if (users.containsKey(user)) {
                throw new ConfigError(key, where + "user '" + user + "' is already on line " + lineOf.get(user));
            }
            users.put(user, secret);
            lineOf.put(user, i + 1);
        }
        if (users.isEmpty()) {
            throw new ConfigError(key, path + " lists no user:password line, so no client could log in");
        }
        return users;
    }

    /** With a password file, the gateway's own connections must log in too: a wrong login would fail every device. */
    private static void checkOwnLogin(GatewayConfig draft, Map<String, String> users, Optional<String> password,
                                      Map<String, String> environment) throws ConfigError {
        String user = draft.get(GatewaySettings.BROKER_USERNAME);
        String file = GatewaySettings.EMBEDDED_PASSWORD_FILE.path();
        if (user.isEmpty()) {
            throw new ConfigError(GatewaySettings.BROKER_USERNAME.path(), "is empty but " + file + " asks every "
                    + "client of the embedded broker to log in, the gateway's own connections too: name one of its users");
        }
        String expected = users.get(user);
        if (expected == null) {
            throw new ConfigError(GatewaySettings.BROKER_USERNAME.path(), "'" + user + "' is not a user in " + file);
        }
        boolean matches = password.isPresent() && MessageDigest.isEqual(
                password.get().getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
        if (!matches) {
            String source = !draft.get(GatewaySettings.BROKER_PASSWORD).isEmpty() ? GatewaySettings.BROKER_PASSWORD.path()
                    : !draft.get(GatewaySettings.BROKER_PASSWORD_FILE).isBlank()
                            ? GatewaySettings.BROKER_PASSWORD_FILE.path()
                            : environment.containsKey(ConfigLoader.PASSWORD_VARIABLE) && password.isPresent()
                                    ? ConfigLoader.PASSWORD_VARIABLE : GatewaySettings.BROKER_PASSWORD.path();
            throw new ConfigError(source, (password.isEmpty() ? "is empty, but " : "is not ") + "the password of '"
                    + user + "' in " + file);
        }
    }

    private static Path path(Setting<String> setting, String value) throws ConfigError {
        try {
            return Path.of(value.strip());
        } catch (InvalidPathException e) {
            throw new ConfigError(setting.path(), "'" + value + "' is not a path: " + e.getReason());
        }
    }
}
