package io.sngate.gateway.transport.dtls;

import io.sngate.codec.Bytes;
import io.sngate.gateway.Metrics;
import io.sngate.gateway.WarnLimiter;
import io.sngate.hw.config.ConfigError;
import io.sngate.hw.config.devices.DeviceEntry;
import io.sngate.hw.config.devices.DevicesFile;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.crypto.SecretKey;
import org.eclipse.californium.scandium.dtls.ConnectionId;
import org.eclipse.californium.scandium.dtls.HandshakeResultHandler;
import org.eclipse.californium.scandium.dtls.PskPublicInformation;
import org.eclipse.californium.scandium.dtls.PskSecretResult;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedPskStore;
import org.eclipse.californium.scandium.util.SecretUtil;
import org.eclipse.californium.scandium.util.ServerNames;

/**
 * The pre-shared keys the DTLS listener knows: the lines of {@code dtls.psk-file} and the
 * {@code psk:} of devices-file entries. A reload builds a new table and swaps it in whole, so a
 * handshake sees one version; a table that does not load leaves the one in force.
 */
final class PskTable implements AdvancedPskStore {

    /** Handshakes refused for an unknown identity recently, so a retransmitted flight is counted once. */
    private static final int RECENT_REFUSALS = 256;

    /** Keys by identity; replaced, never changed. */
    private volatile Map<String, byte[]> keys = Map.of();
    private final Metrics metrics;
    private final WarnLimiter warnings;
    private final Map<ConnectionId, Boolean> recentlyRefused = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<ConnectionId, Boolean> eldest) {
                    return size() > RECENT_REFUSALS;
                }
            });

    PskTable(Metrics metrics, WarnLimiter warnings) {
        this.metrics = metrics;
        this.warnings = warnings;
    }

    static final String UNKNOWN_IDENTITY = Metrics.DTLS_HANDSHAKE_FAILED_PREFIX + "unknown_psk_identity";

    /** The number of identities with a key. */
    int size() {
        return keys.size();
    }

    boolean knows(String identity) {
        return keys.containsKey(identity);
    }

    /** Puts a freshly loaded table in force. */
    void replace(Map<String, byte[]> loaded) {
        keys = Map.copyOf(loaded);
    }

    /**
     * Reads {@code pskFile} (may be null: none) and the keys of {@code devices}.
     *
     * @throws ConfigError naming {@code key} (the setting) with the file, line and reason
     */
    static Map<String, byte[]> load(String key, Path pskFile, DevicesFile devices) throws ConfigError {
        Map<String, byte[]> loaded = new HashMap<>();
        Map<String, String> origin = new HashMap<>();
        if (pskFile != null) {
            List<String> lines;
            try {
                lines = Files.readAllLines(pskFile, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                throw new ConfigError(key, "cannot read " + pskFile + ": no such file");
            } catch (IOException e) {
                throw new ConfigError(key, "cannot read " + pskFile + ": " + e);
            }
            for (int i = 0; i < lines.size(); i++) {
                String where = pskFile.getFileName() + " line " + (i + 1);
                String line = lines.get(i);
                int hash = line.indexOf('#');
                String text = (hash >= 0 ? line.substring(0, hash) : line).strip();
                if (text.isEmpty()) {
                    continue;
                }
                int comma = text.lastIndexOf(',');
                if (comma <= 0 || comma == text.length() - 1) {
                    throw new ConfigError(key, where + ": must be 'identity,hexkey'");
                }
                String identity = text.substring(0, comma).strip();
                byte[] psk = hex(key, where, text.substring(comma + 1).strip());
                if (loaded.containsKey(identity)) {
                    throw new ConfigError(key, where + ": identity '" + identity + "' already has a key on "
                            + origin.get(identity));
                }
                loaded.put(identity, psk);
                origin.put(identity, where);
            }
        }
        for (DeviceEntry entry : devices.entries()) {
            Optional<DeviceEntry.DtlsBinding> binding = entry.dtls();
            if (binding.isEmpty() || binding.get().psk().isEmpty()) {
                continue;
            }
            String identity = binding.get().identity();
            byte[] psk = binding.get().psk().get().toArray();
            byte[] before = loaded.get(identity);
            if (before != null && !java.util.Arrays.equals(before, psk)) {
                throw new ConfigError(key, "identity '" + identity + "' has one key on " + origin.get(identity)
                        + " and another in the devices file (" + entry.origin() + ")");
            }
            loaded.put(identity, psk);
            origin.putIfAbsent(identity, entry.origin());
        }
        return loaded;
    }

    private static byte[] hex(String key, String where, String text) throws ConfigError {
        String digits = text.regionMatches(true, 0, "0x", 0, 2) ? text.substring(2) : text;
        if (!digits.matches("(?i)([0-9a-f]{2})+")) {
            throw new ConfigError(key, where + ": the key must be hex digits (an even number of 0-9, a-f)");
        }
        return Bytes.fromHex(digits).toArray();
    }

    // ------------------------------------------------------------------ Scandium's store

    @Override
    public boolean hasEcdhePskSupported() {
        return true;
    }

    @Override
    public PskSecretResult requestPskSecretResult(ConnectionId cid, ServerNames serverName,
                                                  PskPublicInformation identity, String hmacAlgorithm,
                                                  SecretKey otherSecret, byte[] seed, boolean useExtendedMasterSecret) {
        String name = identity.getPublicInfoAsString();
        byte[] psk = keys.get(name);
        if (psk == null) {
            // Scandium drops the flight without an alert (an attacker learns nothing about
            // which identities exist) and the device's handshake times out: count it here.
            if (cid == null || recentlyRefused.put(cid, Boolean.TRUE) == null) {
                metrics.count(UNKNOWN_IDENTITY);
                warnings.warn(UNKNOWN_IDENTITY, () -> "DTLS handshake failed: unknown psk identity '" + name
                        + "' (not in dtls.psk-file nor the devices file; " + UNKNOWN_IDENTITY + ")");
            }
            return new PskSecretResult(cid, identity, null);
        }
        return new PskSecretResult(cid, identity, SecretUtil.create(psk, "PSK"));
    }

    @Override
    public PskPublicInformation getIdentity(InetSocketAddress peerAddress, ServerNames virtualHost) {
        return null; // only used by clients
    }

    @Override
    public void setResultHandler(HandshakeResultHandler resultHandler) {
        // Answers are given at once (the table is in memory): no asynchronous results.
    }
}
