package io.sngate.gateway.session;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Topic ids agreed out of band with every device (the {@code --predefined} file). Immutable. */
public final class PredefinedTopics {

    public static final PredefinedTopics NONE = new PredefinedTopics(Map.of());

    private final Map<Integer, String> byId;
    private final Map<String, Integer> byName;

    public PredefinedTopics(Map<Integer, String> byId) {
        Map<String, Integer> names = new HashMap<>();
        byId.forEach((id, name) -> {
            if (id <= 0 || id >= 0xFFFF) {
                throw new IllegalArgumentException("predefined topic id " + id + " is reserved or out of range");
            }
            if (!Topics.isValidName(name)) {
                throw new IllegalArgumentException("predefined topic '" + name + "' is not a valid topic name");
            }
            Integer previous = names.put(name, id);
            if (previous != null) {
                throw new IllegalArgumentException("topic '" + name + "' is predefined twice, as "
                        + previous + " and " + id);
            }
        });
        this.byId = Collections.unmodifiableMap(new HashMap<>(byId));
        this.byName = Collections.unmodifiableMap(names);
    }

    /**
     * These ids plus one device's own (a devices-file or Paho per-client entry). The device's
     * entries win: a gateway-wide id or topic that one of them redefines is left out for it.
     */
    public PredefinedTopics with(Map<Integer, String> own) {
        Map<Integer, String> merged = new HashMap<>();
        byId.forEach((id, name) -> {
            if (!own.containsKey(id) && !own.containsValue(name)) {
                merged.put(id, name);
            }
        });
        merged.putAll(own);
        return new PredefinedTopics(merged);
    }

    public Optional<String> name(int id) {
        return Optional.ofNullable(byId.get(id));
    }

    public Optional<Integer> id(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public boolean isPredefinedId(int id) {
        return byId.containsKey(id);
    }

    public int size() {
        return byId.size();
    }

    public Map<Integer, String> asMap() {
        return byId;
    }
}
