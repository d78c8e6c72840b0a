package io.sngate.client.dtls;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A file of pre-shared keys, one {@code identity,hexkey} a line ({@code #} starts a comment line,
 * blank lines are skipped). The identity is everything before the last comma, so an identity may
 * hold commas; the key is hex. A fleet's devices each find their own line by identity.
 *
 * <pre>
 * # identity,key
 * sensor-0,000102030405060708090a0b0c0d0e0f
 * sensor-1,8f3a...
 * </pre>
 */
public final class PskFile {

    private final Path file;
    private final Map<String, DtlsCredentials.Psk> byIdentity;

    private PskFile(Path file, Map<String, DtlsCredentials.Psk> byIdentity) {
        this.file = file;
        this.byIdentity = byIdentity;
    }

    /**
     * Reads and checks the whole file: every line must be {@code identity,hexkey}, and no identity
     * may be given twice. Errors name the file and the line.
     */
    public static PskFile load(Path file) throws DtlsCredentialsException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new DtlsCredentialsException(file.toString(), "no such file");
        } catch (MalformedInputException e) {
            throw new DtlsCredentialsException(file.toString(), "is not UTF-8 text (lines 'identity,hexkey' expected)");
        } catch (IOException e) {
            throw new DtlsCredentialsException(file.toString(), "cannot read: " + e.getMessage());
        }
        Map<String, DtlsCredentials.Psk> keys = new LinkedHashMap<>();
        Map<String, Integer> lineOf = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = file + " line " + (i + 1);
            int comma = line.lastIndexOf(',');
            if (comma < 0) {
                throw new DtlsCredentialsException(where, "'identity,hexkey' expected, found no comma");
            }
            String identity = line.substring(0, comma).strip();
            DtlsCredentials.Psk psk = DtlsCredentials.pskHex(identity, line.substring(comma + 1), where);
            Integer earlier = lineOf.putIfAbsent(identity, i + 1);
            if (earlier != null) {
                throw new DtlsCredentialsException(where, "identity '" + identity + "' is given twice (also line "
                        + earlier + ")");
            }
            keys.put(identity, psk);
        }
        if (keys.isEmpty()) {
            throw new DtlsCredentialsException(file.toString(), "holds no key (lines 'identity,hexkey' expected)");
        }
        return new PskFile(file, Collections.unmodifiableMap(keys));
    }

    /** The file the keys came from. */
    public Path file() {
        return file;
    }

    /** The identities in the file's order. */
    public List<String> identities() {
        return new ArrayList<>(byIdentity.keySet());
    }

    /** How many identities the file holds. */
    public int size() {
        return byIdentity.size();
    }

    /** The key of {@code identity}, if the file has it. */
    public Optional<DtlsCredentials.Psk> find(String identity) {
        return Optional.ofNullable(byIdentity.get(identity));
    }

    /** The key of {@code identity}, or an error naming the file and the identity. */
    public DtlsCredentials.Psk require(String identity) throws DtlsCredentialsException {
        DtlsCredentials.Psk psk = byIdentity.get(identity);
        if (psk == null) {
            throw new DtlsCredentialsException(file.toString(), "has no line for identity '" + identity + "'");
        }
        return psk;
    }

    /** The first line's identity and key. */
    public DtlsCredentials.Psk first() {
        return byIdentity.values().iterator().next();
    }

    @Override
    public String toString() {
        return "PSK file " + file + " (" + byIdentity.size() + " identities)";
    }
}
