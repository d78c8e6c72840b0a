package io.sngate.gateway.session;

import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Maps and sets that cost nothing until their first entry. A session keeps a dozen of them
 * (pending requests, QoS 2 exchanges, subscriptions...), and an idle sensor's are nearly all
 * empty for its whole life; an empty {@code HashMap} still costs 48 bytes, which over 100 000
 * idle sessions is most of a megabyte per map. Reading an empty one (get, remove, isEmpty,
 * iteration, clear) works on the shared empty instance; a write goes through {@link #writable}.
 */
public final class SparseMaps {

    private SparseMaps() {
    }

    public static <K, V> Map<K, V> none() {
        return Collections.emptyMap();
    }

    public static <T> Set<T> noneSet() {
        return Collections.emptySet();
    }

    /** {@code map} itself, or a new HashMap in place of the shared empty one. */
    public static <K, V> Map<K, V> writable(Map<K, V> map) {
        return map == Collections.<K, V>emptyMap() ? new HashMap<>() : map;
    }

    /** {@code map} itself, or a new LinkedHashMap (insertion order) in place of the shared empty one. */
    public static <K, V> Map<K, V> writableLinked(Map<K, V> map) {
        return map == Collections.<K, V>emptyMap() ? new LinkedHashMap<>() : map;
    }

    /** {@code set} itself, or a new HashSet in place of the shared empty one. */
    public static <T> Set<T> writable(Set<T> set) {
        return set == Collections.<T>emptySet() ? new HashSet<>() : set;
    }
}
