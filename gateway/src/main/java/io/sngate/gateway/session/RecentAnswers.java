package io.sngate.gateway.session;

import io.sngate.codec.v12.MessageType;
import io.sngate.codec.v12.MqttSn12Message;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
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
 * most {@link #CAPACITY} are kept.
 */
final class RecentAnswers {

    static final int CAPACITY = 32;

    private record Key(MessageType type, int msgId) {
    }

    /** @param request what identifies the request apart from its id (topic, QoS), compared with equals */
    private record Entry(Object request, MqttSn12Message answer, long until) {
    }

    private final Map<Key, Entry> entries = new LinkedHashMap<>();

    /** The answer given to an earlier copy of this request, if it is still remembered at {@code now}. */
    Optional<MqttSn12Message> answerTo(MessageType type, int msgId, Object request, long now) {
        Entry entry = entries.get(new Key(type, msgId));
        if (entry == null || entry.until() <= now || !entry.request().equals(request)) {
            return Optional.empty();
        }
        return Optional.of(entry.answer());
    }

    void remember(MessageType type, int msgId, Object request, MqttSn12Message answer, long until) {
        Key key = new Key(type, msgId);
        entries.remove(key);
        entries.put(key, new Entry(request, answer, until));
        if (entries.size() > CAPACITY) {
            Iterator<Key> oldest = entries.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
    }

    void clear() {
        entries.clear();
    }
}
