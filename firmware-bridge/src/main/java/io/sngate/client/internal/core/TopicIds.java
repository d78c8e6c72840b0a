package io.sngate.client.internal.core;

import java.util.HashMap;
import java.util.Map;

/**
 * The normal topic ids this client knows, both ways: by name to publish, by id to name what
 * arrives. Ids come from REGACK, from a gateway's REGISTER and from the SUBACK of a plain name.
 * A new id for a name replaces the old one in both directions, so the old id no longer names
 * the topic. They outlive sleep and clean-session-0 reconnects, as the gateway's table does.
 */
final class TopicIds {

    private final Map<String, Integer> idByName = new HashMap<>();
    private final Map<Integer, String> nameById = new HashMap<>();

    /** The id of {@code name}, or null. */
    Integer id(String name) {
        return idByName.get(name);
    }

    boolean knows(String name) {
        return idByName.containsKey(name);
    }

    /** The name of {@code id}, or null. */
    String name(int id) {
        return nameById.get(id);
    }

    void remember(String name, int id) {
        Integer previous = idByName.put(name, id);
        if (previous != null && previous != id) {
            nameById.remove(previous);
        }
        nameById.put(id, name);
    }

    /** The gateway no longer knows {@code id} (PUBACK "invalid topic id"): the next publish registers again. */
    void forget(int id) {
        String name = nameById.remove(id);
        if (name != null) {
            idByName.remove(name);
        }
    }

    /** A clean session: the gateway has forgotten every id. */
    void clear() {
        idByName.clear();
        nameById.clear();
    }
}
