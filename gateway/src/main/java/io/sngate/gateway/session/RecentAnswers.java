package io.sngate.gateway.session;

import io.sngate.codec.v12.MessageType;
import io.sngate.codec.v12.MqttSn12Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The answers a session gave to the device's last REGISTER, SUBSCRIBE and UNSUBSCRIBE
 * requests, by packet type and message id, so that a copy of a request (the device lost the
 * answer and retried, or the network duplicated the packet) gets the same answer again instead
 * of being carried out twice: a second SUBSCRIBE upstream would make the broker send its
 * retained messages again.
 *
 * <p>A copy is the same request with the same message id; the DUP flag does not matter. An
 * answer is kept for as long as the device may still retry (T_RETRY x (N_RETRY + 1)), and at
 * most {@link #CAPACITY} are kept. A device has one or two requests in the window at a time, so
 * they are a short list searched from the newest, not a map, and no list at all when there are
 * none (every idle session has this object).
 */
final class RecentAnswers {

    static final int CAPACITY = 32;

    /** @param request what identifies the request apart from its id (topic, QoS), compared with equals */
    private record Entry(MessageType type, int msgId, Object request, MqttSn12Message answer, long until) {
    }

    /** Oldest first; null when empty. */
    private List<Entry> entries;

    /** The answer given to an earlier copy of this request, if it is still remembered at {@code now}. */
    Optional<MqttSn12Message> answerTo(MessageType type, int msgId, Object request, long now) {
        int i = indexOf(type, msgId);
        if (i < 0) {
            return Optional.empty();
        }
        Entry entry = entries.get(i);
        if (entry.until() <= now || !entry.request().equals(request)) {
            return Optional.empty();
        }
        return Optional.of(entry.answer());
    }

    void remember(MessageType type, int msgId, Object request, MqttSn12Message answer, long until) {
        if (entries == null) {
            entries = new ArrayList<>(2);
        }
        int i = indexOf(type, msgId);
        if (i >= 0) {
            entries.remove(i);
        }
        entries.add(new Entry(type, msgId, request, answer, until));
        if (entries.size() > CAPACITY) {
            entries.remove(0);
        }
    }

    /** Forgets the answers no copy can ask for any more; with none left the list itself goes. */
    void forgetExpired(long now) {
        if (entries != null) {
            entries.removeIf(entry -> entry.until() <= now);
            if (entries.isEmpty()) {
                entries = null;
            }
        }
    }

    void clear() {
        entries = null;
    }

    private int indexOf(MessageType type, int msgId) {
        if (entries == null) {
            return -1;
        }
        for (int i = entries.size() - 1; i >= 0; i--) {
            Entry entry = entries.get(i);
            if (entry.msgId() == msgId && entry.type() == type) {
                return i;
            }
        }
        return -1;
    }
}
