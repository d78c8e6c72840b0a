package io.sngate.gateway.session;

import io.sngate.codec.QoS;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * Tells the broker's resends from new messages after the session opened a new upstream
 * connection.
 *
 * <p>A broker that resumes a session sends again, at once and in their order, the QoS 1/2
 * messages it has not had acknowledged (MQTT 5 §4.4), under a new delivery id. The session
 * still holds them when the device left mid-exchange or before it got them (asleep,
 * disconnected, lost); taken for new messages, they reached the device twice: the resumed
 * exchange, then a new PUBLISH. A resend is a message the broker marked DUP, equal (topic,
 * payload, QoS, retain) to one held when the connection was opened, arriving once the broker
 * accepted it with the session present and before anything that is not a resend. Each held
 * message is matched once. (Delivery ids are per connection, so the match is by content; the
 * DUP flag keeps a new message with the same content, as aggregating mode can bring, from being
 * taken for one.)
 */
final class BrokerResends {

    private final long retryMillis;
    /**
     * The QoS 1/2 messages held (in flight or queued, oldest first) when the current connection
     * was opened, while the broker may still send them again. Compared by identity: the upstream
     * numbers deliveries per connection, so an equal one can be another message.
     */
    private final List<Delivery> heldAtConnect = new ArrayList<>();
    /** Until when a message can be a resend. */
    private long until = Long.MIN_VALUE;

    BrokerResends(long retryMillis) {
        this.retryMillis = retryMillis;
    }

    /** A new upstream connection is being opened while the session holds {@code held}, oldest first. */
    void connectionOpening(List<Delivery> held) {
        heldAtConnect.clear();
        until = Long.MIN_VALUE;
        for (Delivery delivery : held) {
            if (delivery.qos() != QoS.AT_MOST_ONCE) {
                heldAtConnect.add(delivery);
            }
        }
    }

    void connectionAccepted(boolean sessionPresent, long now) {
        if (sessionPresent) {
            // The broker resends right after accepting the connection, before anything new
            // (MQTT 5 §4.4, §4.6): T_RETRY is ample, and bounds how long a new message with the
            // same content as a held one could be taken for a resend.
            until = now + retryMillis;
        } else {
            heldAtConnect.clear(); // a broker without the session has nothing to send again
        }
    }

    /** The held message that {@code incoming} is the broker's resend of, if it is one. */
    Optional<Delivery> resendOf(Delivery incoming, long now) {
        if (heldAtConnect.isEmpty()) {
            return Optional.empty();
        }
        if (now <= until) {
            for (Iterator<Delivery> it = heldAtConnect.iterator(); it.hasNext(); ) {
                Delivery held = it.next();
                if (held.qos() == incoming.qos() && held.retain() == incoming.retain()
                        && held.topic().equals(incoming.topic()) && held.payload().equals(incoming.payload())) {
                    it.remove();
                    return Optional.of(held);
                }
            }
        }
        heldAtConnect.clear(); // resends come first: once another message came, no more follow
        return Optional.empty();
    }

    /** A message the broker did not mark DUP came: resends come first, so no more follow. */
    Optional<Delivery> notAResend() {
        heldAtConnect.clear();
        return Optional.empty();
    }

    /** A clean session holds nothing the broker could send again. */
    void clear() {
        heldAtConnect.clear();
    }
}
