package io.sngate.sim;

import io.sngate.client.dtls.DtlsCredentials;
import io.sngate.client.dtls.DtlsCredentialsException;
import io.sngate.client.dtls.PskFile;
import io.sngate.hw.cli.CliCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * How simulated devices speak DTLS to the gateway: read from the tools' flags ({@code --dtls},
 * {@code --psk-identity}, {@code --psk-hex}, {@code --psk-file}, {@code --cafile}, {@code --cert},
 * {@code --key}: a contract) or from a scenario's {@code dtls} section, checked alike, with
 * errors that name the flag or key. Keys and certificates are read once, here.
 *
 * <p>A PSK identity may be a pattern: {@code {n}} is the device's number and {@code {id}} its
 * client id, so {@code --psk-identity sensor-{n} --psk-file keys.csv} gives every device of a
 * fleet its own identity and the key on that identity's line.
 */
public final class DtlsSettings {

    /**
     * Each DTLS device has a receiver thread of its own (Scandium's connector blocks on its
     * socket): a few thousand are fine, tens of thousands of threads are not.
     */
    public static final int MAX_DEVICES = 5_000;

    /** The settings and how a tool and a scenario spell them. */
    public enum Key {
        DTLS("--dtls", "enabled"),
        PSK_IDENTITY("--psk-identity", "psk-identity"),
        PSK_HEX("--psk-hex", "psk-hex"),
        PSK_FILE("--psk-file", "psk-file"),
        CAFILE("--cafile", "cafile"),
        CERT("--cert", "cert"),
        KEY("--key", "key");

        final String flag;
        final String yaml;

        Key(String flag, String yaml) {
            this.flag = flag;
            this.yaml = yaml;
        }
    }

    /**
     * Adds the DTLS options to a tool's command line, under {@code title}.
     *
     * @param dtlsDoc what --dtls does for this tool (which option is then the DTLS port)
     */
    public static CliCommand addOptions(CliCommand command, String title, String dtlsDoc) {
        return command.group(title)
                .flag(Key.DTLS.flag, dtlsDoc)
                .value(Key.PSK_IDENTITY.flag, "ID", "the PSK identity ({n}: the device's number, {id}: its client id)")
                .value(Key.PSK_HEX.flag, "HEX", "the PSK in hex (with --psk-identity)")
                .file(Key.PSK_FILE.flag, "FILE", "lines 'identity,hexkey': the key of --psk-identity, else the first "
                        + "line's")
                .file(Key.CAFILE.flag, "FILE", "CA certificate(s), PEM: the gateway's certificate must chain to one")
                .file(Key.CERT.flag, "FILE", "the device's certificate, PEM (with --cafile; may hold the key too)")
                .file(Key.KEY.flag, "FILE", "the device's private key, PEM, unencrypted PKCS#8 (with --cert)");
    }

    /** A setting that cannot be used; the message names it. */
    public static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message);
        }
    }

    private final Function<Key, String> names;
    private final Optional<String> identity;
    private final Optional<byte[]> key;
    private final Optional<PskFile> pskFile;
    private final Optional<DtlsCredentials.Certificates> certificates;
    private final List<String> words;

    private DtlsSettings(Function<Key, String> names, Optional<String> identity, Optional<byte[]> key,
                         Optional<PskFile> pskFile, Optional<DtlsCredentials.Certificates> certificates,
                         List<String> words) {
        this.names = names;
        this.identity = identity;
        this.key = key;
        this.pskFile = pskFile;
        this.certificates = certificates;
        this.words = words;
    }

    /**
     * From the tools' flags.
     *
     * @param value the flag's value, null when not given
     * @param dtls  whether {@code --dtls} was given
     */
    public static Optional<DtlsSettings> fromFlags(Function<String, String> value, boolean dtls) throws Invalid {
        Map<Key, String> given = new EnumMap<>(Key.class);
        for (Key k : Key.values()) {
            if (k != Key.DTLS && value.apply(k.flag) != null) {
                given.put(k, value.apply(k.flag));
            }
        }
        return read(given, dtls, k -> k.flag, Path::of);
    }

    /**
     * From a scenario's {@code dtls} section; relative paths are taken from {@code base} (the
     * scenario's folder).
     */
    static Optional<DtlsSettings> fromScenario(Map<Key, String> given, boolean enabled, Path base) throws Invalid {
        return read(given, enabled, k -> "dtls." + k.yaml, text -> base.resolve(text));
    }

    private static Optional<DtlsSettings> read(Map<Key, String> given, boolean enabled, Function<Key, String> names,
                                               Function<String, Path> paths) throws Invalid {
        if (!enabled) {
            if (!given.isEmpty()) {
                Key first = given.keySet().iterator().next();
                throw new Invalid(names.apply(first) + " is for DTLS: add " + names.apply(Key.DTLS)
                        + (names.apply(Key.DTLS).startsWith("--") ? "" : ": true"));
            }
            return Optional.empty();
        }
        for (Map.Entry<Key, String> entry : given.entrySet()) {
            if (entry.getValue().isBlank()) {
                throw new Invalid(names.apply(entry.getKey()) + " must not be empty");
            }
        }
        boolean psk = given.containsKey(Key.PSK_IDENTITY) || given.containsKey(Key.PSK_HEX)
                || given.containsKey(Key.PSK_FILE);
        boolean x509 = given.containsKey(Key.CAFILE) || given.containsKey(Key.CERT) || given.containsKey(Key.KEY);
        if (psk && x509) {
            throw new Invalid(names.apply(firstOf(given, Key.PSK_IDENTITY, Key.PSK_HEX, Key.PSK_FILE)) + " and "
                    + names.apply(firstOf(given, Key.CAFILE, Key.CERT, Key.KEY)) + " exclude each other: a device"
                    + " authenticates with a PSK or with certificates");
        }
        if (!psk && !x509) {
            throw new Invalid(names.apply(Key.DTLS) + " needs credentials: " + names.apply(Key.PSK_IDENTITY)
                    + " ID with " + names.apply(Key.PSK_HEX) + " HEX, " + names.apply(Key.PSK_FILE) + " FILE, or "
                    + names.apply(Key.CAFILE) + " FILE (with " + names.apply(Key.CERT) + " and "
                    + names.apply(Key.KEY) + " for a device certificate)");
        }
        List<String> words = new ArrayList<>(List.of("--dtls"));
        return Optional.of(psk ? readPsk(given, names, paths, words) : readCertificates(given, names, paths, words));
    }

    private static DtlsSettings readPsk(Map<Key, String> given, Function<Key, String> names,
                                        Function<String, Path> paths, List<String> words) throws Invalid {
        Optional<String> identity = Optional.ofNullable(given.get(Key.PSK_IDENTITY));
        if (given.containsKey(Key.PSK_HEX) && given.containsKey(Key.PSK_FILE)) {
            throw new Invalid(names.apply(Key.PSK_HEX) + " and " + names.apply(Key.PSK_FILE) + " exclude each other:"
                    + " give the key once");
        }
        identity.ifPresent(id -> words.addAll(List.of("--psk-identity", id)));
        if (given.containsKey(Key.PSK_HEX)) {
            if (identity.isEmpty()) {
                throw new Invalid(names.apply(Key.PSK_HEX) + " needs " + names.apply(Key.PSK_IDENTITY)
                        + " ID: the identity the gateway knows the key by");
            }
            byte[] key;
            try {
                key = DtlsCredentials.pskHex(sample(identity.get()), given.get(Key.PSK_HEX),
                        names.apply(Key.PSK_HEX)).key();
            } catch (DtlsCredentialsException e) {
                throw new Invalid(e.getMessage());
            }
            words.addAll(List.of("--psk-hex", "HIDDEN"));
            return new DtlsSettings(names, identity, Optional.of(key), Optional.empty(), Optional.empty(), words);
        }
        if (!given.containsKey(Key.PSK_FILE)) {
            throw new Invalid(names.apply(Key.PSK_IDENTITY) + " needs its key: " + names.apply(Key.PSK_HEX) + " HEX or "
                    + names.apply(Key.PSK_FILE) + " FILE");
        }
        PskFile file;
        try {
            file = PskFile.load(paths.apply(given.get(Key.PSK_FILE)));
        } catch (DtlsCredentialsException e) {
            throw new Invalid(names.apply(Key.PSK_FILE) + ": " + e.getMessage());
        }
        words.addAll(List.of("--psk-file", file.file().toString()));
        DtlsSettings settings = new DtlsSettings(names, identity, Optional.empty(), Optional.of(file), Optional.empty(),
                words);
        if (identity.isPresent() && !isPattern(identity.get())) {
            settings.credentialsFor(0, ""); // a fixed identity must be in the file: say so now
        }
        return settings;
    }

    private static DtlsSettings readCertificates(Map<Key, String> given, Function<Key, String> names,
                                                 Function<String, Path> paths, List<String> words) throws Invalid {
        if (!given.containsKey(Key.CAFILE)) {
            Key first = firstOf(given, Key.CERT, Key.KEY);
            throw new Invalid(names.apply(first) + " needs " + names.apply(Key.CAFILE) + " FILE: the CA the gateway's"
                    + " certificate must chain to");
        }
        if (given.containsKey(Key.KEY) && !given.containsKey(Key.CERT)) {
            throw new Invalid(names.apply(Key.KEY) + " needs " + names.apply(Key.CERT) + " FILE: the certificate the"
                    + " key belongs to");
        }
        Path ca = paths.apply(given.get(Key.CAFILE));
        Optional<Path> cert = Optional.ofNullable(given.get(Key.CERT)).map(paths);
        Optional<Path> key = Optional.ofNullable(given.get(Key.KEY)).map(paths);
        DtlsCredentials.Certificates certificates;
        try {
            certificates = DtlsCredentials.certificates(ca, cert, key);
        } catch (DtlsCredentialsException e) {
            Key culprit = e.source().equals(ca.toString()) ? Key.CAFILE
                    : key.isPresent() && e.source().equals(key.get().toString()) ? Key.KEY : Key.CERT;
            throw new Invalid(names.apply(culprit) + ": " + e.getMessage());
        }
        words.addAll(List.of("--cafile", ca.toString()));
        cert.ifPresent(c -> words.addAll(List.of("--cert", c.toString())));
        key.ifPresent(k -> words.addAll(List.of("--key", k.toString())));
        return new DtlsSettings(names, Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(certificates),
                words);
    }

    private static Key firstOf(Map<Key, String> given, Key... keys) {
        for (Key k : keys) {
            if (given.containsKey(k)) {
                return k;
            }
        }
        throw new IllegalStateException("none of the keys is given");
    }

    private static boolean isPattern(String identity) {
        return identity.contains("{n}") || identity.contains("{id}");
    }

    /** A pattern with sample values, to check what a pattern's expansions will look like. */
    private static String sample(String identity) {
        return expand(identity, 0, "device");
    }

    private static String expand(String identity, int n, String clientId) {
        return identity.replace("{n}", Integer.toString(n)).replace("{id}", clientId);
    }

    /** Whether devices get identities of their own ({@code {n}} or {@code {id}} in the identity). */
    public boolean perDevice() {
        return identity.isPresent() && isPattern(identity.get());
    }

    /** The credentials of device {@code n} whose client id is {@code clientId}. */
    public DtlsCredentials credentialsFor(int n, String clientId) throws Invalid {
        if (certificates.isPresent()) {
            return certificates.get();
        }
        if (key.isPresent()) {
            try {
                return DtlsCredentials.psk(expand(identity.orElseThrow(), n, clientId), key.get());
            } catch (IllegalArgumentException e) {
                throw new Invalid(names.apply(Key.PSK_IDENTITY) + ": device " + n + ": " + e.getMessage());
            }
        }
        PskFile file = pskFile.orElseThrow();
        if (identity.isEmpty()) {
            return file.first();
        }
        String expanded = expand(identity.get(), n, clientId);
        try {
            return file.require(expanded);
        } catch (DtlsCredentialsException e) {
            throw new Invalid(names.apply(Key.PSK_FILE) + ": " + e.getMessage()
                    + (perDevice() ? " (device " + n + ", from " + names.apply(Key.PSK_IDENTITY) + " "
                    + identity.get() + ")" : ""));
        }
    }

    /** Checks that each of {@code count} devices has its credentials (the first missing key is named). */
    public void checkDevices(int count, IntFunction<String> clientIdOf) throws Invalid {
        if (count > MAX_DEVICES) {
            throw new Invalid(count + " devices over DTLS: each needs a receiver thread of its own (Scandium), at"
                    + " most " + MAX_DEVICES);
        }
        if (!perDevice()) {
            credentialsFor(0, clientIdOf.apply(0));
            return;
        }
        for (int n = 0; n < count; n++) {
            credentialsFor(n, clientIdOf.apply(n));
        }
    }

    /** For start lines, e.g. {@code DTLS with PSK identity sensor-{n} from keys.csv}. */
    public String describe() {
        if (certificates.isPresent()) {
            return "DTLS with " + certificates.get();
        }
        String who = identity.map(id -> "PSK identity " + id).orElse("the first PSK");
        return "DTLS with " + who + pskFile.map(f -> " from " + f.file()).orElse("");
    }

    /** The settings as flags, to repeat a run ({@code --psk-hex}'s key is not written out). */
    public List<String> commandWords() {
        return List.copyOf(words);
    }

    @Override
    public String toString() {
        return describe();
    }
}
