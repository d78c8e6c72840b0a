package io.sngate.gateway.session;

import io.sngate.codec.QoS;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * Messages waiting for the device: while it sleeps, or behind the one in flight.
 *
 * <p>Overflow policy, applied when {@code capacity} messages are waiting: the oldest QoS 0
 * message makes room (QoS 0 promised nothing); when none is left, the new message is
 * refused. In transparent mode that second case cannot happen with a conforming broker:
 * the upstream connection announces the same bound as its Receive Maximum, so the broker
 * holds QoS 1/2 messages back instead. Either way the caller counts what was given up.
 */
final class DeliveryQueue {

    private final int capacity;
    /** Small to start: most sessions hold nothing, or one message, at a time. */
    private final ArrayDeque<Delivery> waiting = new ArrayDeque<>(1);

    DeliveryQueue(int capacity) {
        this.capacity = capacity;
    }

    /** Adds {@code delivery}; returns what had to go to make room, or the delivery itself if refused. */
    Optional<Delivery> offer(Delivery delivery) {
        if (waiting.size() < capacity) {
            waiting.addLast(delivery);
            return Optional.empty();
        }
        for (Iterator<Delivery> it = waiting.iterator(); it.hasNext(); ) {
            Delivery candidate = it.next();
            if (candidate.qos() == QoS.AT_MOST_ONCE) {
                it.remove();
                waiting.addLast(delivery);
                return Optional.of(candidate);
            }
        }
        return Optional.of(delivery);
    }

    /** Puts a delivery back at the head (it was in flight and must go again first). */
    void pushFront(Delivery delivery) {
        waiting.addFirst(delivery);
    }

    /**
     * Puts {@code with} in the place of {@code held} (that very object, not an equal one);
     * false when {@code held} is not waiting here.
     */
    boolean replace(Delivery held, Delivery with) {
        boolean found = false;
        // One turn of the deque: every element comes back in its place.
        for (int i = waiting.size(); i > 0; i--) {
            Delivery next = waiting.pollFirst();
            if (next == held && !found) {
                next = with;
                found = true;
            }
            waiting.addLast(next);
        }
        return found;
    }

    /** What is waiting, in delivery order. */
    List<Delivery> waiting() {
        return List.copyOf(waiting);
    }

    Delivery poll() {
        return waiting.pollFirst();
    }

    boolean isEmpty() {
        return waiting.isEmpty();
    }

    int size() {
        return waiting.size();
    }

    /** Empties the queue, returning what was in it. */
    ArrayDeque<Delivery> drain() {
        ArrayDeque<Delivery> all = new ArrayDeque<>(waiting);
        waiting.clear();
        return all;
    }
}
