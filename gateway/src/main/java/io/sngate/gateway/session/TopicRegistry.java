package io.sngate.gateway.session;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * One client's normal topic ids (spec §7.3: a table per client, not a shared pool).
 *
 * <p>Ids 0x0000 and 0xFFFF are never assigned, and neither are the predefined ids: a
 * device that keys its table by id alone must not see one number mean two topics. The
 * registry also remembers which ids the device has been told (by REGACK, SUBACK or an
 * acknowledged gateway REGISTER), so the gateway knows when it must REGISTER before
 * publishing. It survives sleep and clean-session-0 reconnects; a clean session clears it.
 */
public final class TopicRegistry {

    private final int capacity;
    private final PredefinedTopics predefined;
    // Small tables to start: most devices use a handful of topics (16 slots each cost 64 bytes
    // more per map, and every session has three).
    private final Map<String, Integer> idByName = new HashMap<>(2);
    private final Map<Integer, String> nameById = new HashMap<>(2);
    private final Map<Integer, Boolean> knownToDevice = new HashMap<>(2);
    private int nextId = 1;

    public TopicRegistry(int capacity, PredefinedTopics predefined) {
        this.capacity = capacity;
        this.predefined = predefined;
    }

    /** The id for {@code name}, assigning one if needed; empty when the registry is full. */
    public OptionalInt idFor(String name) {
        Integer existing = idByName.get(name);
        if (existing != null) {
            return OptionalInt.of(existing);
        }
        if (idByName.size() >= capacity || idByName.size() >= 0xFFFE - predefined.size()) {
            return OptionalInt.empty();
        }
        int id = nextFreeId();
        idByName.put(name, id);
        nameById.put(id, name);
        knownToDevice.put(id, false);
        return OptionalInt.of(id);
    }

    /** The topic name of an id this client may use, or null. */
    public String name(int id) {
        return nameById.get(id);
    }

    public boolean isKnownToDevice(int id) {
        return knownToDevice.getOrDefault(id, false);
    }

    public void markKnownToDevice(int id) {
        if (nameById.containsKey(id)) {
            knownToDevice.put(id, true);
        }
    }

    /** The device refused or forgot this id (PUBACK 0x02, REGACK rejection). */
    public void markUnknownToDevice(int id) {
        if (nameById.containsKey(id)) {
            knownToDevice.put(id, false);
        }
    }

    /** The ids assigned, lowest first. */
    public java.util.List<SessionView.Topic> entries() {
        java.util.List<SessionView.Topic> entries = new java.util.ArrayList<>(nameById.size());
        new java.util.TreeMap<>(nameById).forEach((id, name) ->
                entries.add(new SessionView.Topic(id, name, knownToDevice.getOrDefault(id, false))));
        return entries;
    }

    public int size() {
        return idByName.size();
    }

    public void clear() {
        idByName.clear();
        nameById.clear();
        knownToDevice.clear();
        nextId = 1;
    }

    private int nextFreeId() {
        while (true) {
            int candidate = nextId;
            nextId = nextId >= 0xFFFE ? 1 : nextId + 1;
            if (!nameById.containsKey(candidate) && !predefined.isPredefinedId(candidate)) {
                return candidate;
            }
        }
    }
}
