package io.sngate.gateway.upstream;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Topic filters of many subscribers, matched against a topic in time proportional to the
 * topic's depth (not the number of subscriptions): the aggregating gateway's fan-out index.
 * Each subscriber holds at most one subscription per filter, with a value (its QoS).
 * Not thread-safe: confined to the aggregating upstream's event loop.
 */
final class SubscriptionTrie<S, V> {

    private final Node<S, V> root = new Node<>();
    private int filterCount;

    /** Adds or replaces {@code subscriber}'s subscription to {@code filter}; true if the filter is new. */
    boolean add(String filter, S subscriber, V value) {
        Node<S, V> node = root;
        for (String level : filter.split("/", -1)) {
            node = node.children.computeIfAbsent(level, l -> new Node<>());
        }
        boolean newFilter = node.subscribers.isEmpty();
        node.subscribers.put(subscriber, value);
        if (newFilter) {
            filterCount++;
        }
        return newFilter;
    }

    /** Removes the subscription; true if no subscriber is left on {@code filter}. */
    boolean remove(String filter, S subscriber) {
        String[] levels = filter.split("/", -1);
        List<Node<S, V>> path = new ArrayList<>(levels.length + 1);
        Node<S, V> node = root;
        path.add(node);
        for (String level : levels) {
            node = node.children.get(level);
            if (node == null) {
                return false;
            }
            path.add(node);
        }
        if (node.subscribers.remove(subscriber) == null || !node.subscribers.isEmpty()) {
            return false;
        }
        filterCount--;
        for (int i = levels.length; i > 0; i--) {
            Node<S, V> child = path.get(i);
            if (!child.subscribers.isEmpty() || !child.children.isEmpty()) {
                break;
            }
            path.get(i - 1).children.remove(levels[i - 1]);
        }
        return true;
    }

    /** Calls {@code each} for every (subscriber, value) whose filter matches {@code topic}. */
    void match(String topic, BiConsumer<S, V> each) {
        String[] levels = topic.split("/", -1);
        // $-topics are not matched by wildcards at the first level (MQTT 5 §4.7.2).
        boolean system = topic.startsWith("$");
        match(root, levels, 0, system, each);
    }

    private void match(Node<S, V> node, String[] levels, int depth, boolean system, BiConsumer<S, V> each) {
        boolean wildcardsAllowed = !(system && depth == 0);
        if (wildcardsAllowed) {
            Node<S, V> hash = node.children.get("#");
            if (hash != null) {
                hash.subscribers.forEach(each);
            }
        }
        if (depth == levels.length) {
            node.subscribers.forEach(each);
            return;
        }
        Node<S, V> exact = node.children.get(levels[depth]);
        if (exact != null) {
            match(exact, levels, depth + 1, system, each);
        }
        if (wildcardsAllowed) {
            Node<S, V> plus = node.children.get("+");
            if (plus != null) {
                match(plus, levels, depth + 1, system, each);
            }
        }
    }

    /** Calls {@code each} for every subscriber of exactly {@code filter}. */
    void forEachSubscriber(String filter, BiConsumer<S, V> each) {
        Node<S, V> node = root;
        for (String level : filter.split("/", -1)) {
            node = node.children.get(level);
            if (node == null) {
                return;
            }
        }
        node.subscribers.forEach(each);
    }

    /** Calls {@code each} for every filter that has subscribers. */
    void forEachFilter(java.util.function.Consumer<String> each) {
        forEachFilter(root, "", true, each);
    }

    private void forEachFilter(Node<S, V> node, String prefix, boolean isRoot, java.util.function.Consumer<String> each) {
        if (!isRoot && !node.subscribers.isEmpty()) {
            each.accept(prefix);
        }
        for (Map.Entry<String, Node<S, V>> child : node.children.entrySet()) {
            forEachFilter(child.getValue(), isRoot ? child.getKey() : prefix + "/" + child.getKey(), false, each);
        }
    }

    int filterCount() {
        return filterCount;
    }

    private static final class Node<S, V> {
        final Map<String, Node<S, V>> children = new HashMap<>(4);
        final Map<S, V> subscribers = new HashMap<>(2);
    }
}
