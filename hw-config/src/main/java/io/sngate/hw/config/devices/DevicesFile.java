package io.sngate.hw.config.devices;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The devices file: who may connect, as what. Entries are kept in file order; a client id gets
 * the entry that names it exactly, else the first pattern entry that matches it, else the
 * default entry. Immutable, so a reload (SIGHUP) can swap the whole file in one reference write.
 */
public final class DevicesFile {

    /** No devices file: nothing listed, and everyone allowed everything. */
    public static final DevicesFile EMPTY = new DevicesFile(List.of(), DeviceEntry.ALLOW_ALL);

    private final List<DeviceEntry> entries;
    private final DeviceEntry defaultEntry;
    /** Exact ids looked up by hash, since a fleet file may list thousands of them. */
    private final Map<String, DeviceEntry> exact;
    private final List<DeviceEntry> patterns;

    /**
     * @throws IllegalArgumentException when two entries name the same client id or pattern
     */
    public DevicesFile(List<DeviceEntry> entries, DeviceEntry defaultEntry) {
        this.entries = List.copyOf(entries);
        this.defaultEntry = Objects.requireNonNull(defaultEntry, "defaultEntry");
        Map<String, DeviceEntry> byId = new LinkedHashMap<>();
        Map<String, DeviceEntry> byPattern = new LinkedHashMap<>();
        for (DeviceEntry entry : this.entries) {
            Map<String, DeviceEntry> index = entry.match() instanceof ClientIdMatcher.Exact ? byId : byPattern;
            DeviceEntry before = index.putIfAbsent(entry.match().text(), entry);
            if (before != null) {
                throw new IllegalArgumentException("client id " + (index == byId ? "'" : "pattern '")
                        + entry.match().text() + "' is listed twice (" + before.origin() + " and " + entry.origin() + ")");
            }
        }
        this.exact = Collections.unmodifiableMap(byId);
        this.patterns = List.copyOf(new ArrayList<>(byPattern.values()));
    }

    /** The entries, in file order (the default entry not among them). */
    public List<DeviceEntry> entries() {
        return entries;
    }

    /** What applies to client ids no entry matches. */
    public DeviceEntry defaultEntry() {
        return defaultEntry;
    }

    /** Whether an entry (exact or pattern, not the default) matches {@code clientId}. */
    public boolean listed(String clientId) {
        return matching(clientId) != null;
    }

    /** The entry for {@code clientId}: its exact entry, else the first matching pattern, else the default. */
    public DeviceEntry entryFor(String clientId) {
        DeviceEntry entry = matching(clientId);
        return entry != null ? entry : defaultEntry;
    }

    private DeviceEntry matching(String clientId) {
        DeviceEntry entry = exact.get(clientId);
        if (entry != null) {
            return entry;
        }
        for (DeviceEntry pattern : patterns) {
            if (pattern.match().matches(clientId)) {
                return pattern;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "DevicesFile[" + entries.size() + " entries, default " + defaultEntry + "]";
    }
}
