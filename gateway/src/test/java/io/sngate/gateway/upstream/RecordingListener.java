package io.sngate.gateway.upstream;

import io.netty.channel.EventLoop;
import io.sngate.gateway.session.DeliveryFailure;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/** Records every listener call (thread-safe), and checks each one happens on the owning loop. */
final class RecordingListener implements MqttConnection.Listener {

    record Message(long deliveryId, String topic, byte[] payload, int qos, boolean retain) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    record Subscribed(Optional<Integer> granted, Optional<DeliveryFailure> failure) {
    }

    private final EventLoop loop;
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<Message> messages = new CopyOnWriteArrayList<>();
    final Map<Long, Optional<DeliveryFailure>> published = new ConcurrentHashMap<>();
    final Map<Long, Subscribed> subscribed = new ConcurrentHashMap<>();
    final List<Long> unsubscribed = new CopyOnWriteArrayList<>();
    final List<String> offLoopCalls = new CopyOnWriteArrayList<>();
    final List<Long> duplicateCompletions = new CopyOnWriteArrayList<>();

    RecordingListener(EventLoop loop) {
        this.loop = loop;
    }

    private void check(String what) {
        if (!loop.inEventLoop()) {
            offLoopCalls.add(what + " on " + Thread.currentThread().getName());
        }
    }

    @Override
    public void onConnected(boolean sessionPresent) {
        check("onConnected");
        events.add("connected:" + sessionPresent);
    }

    @Override
    public void onConnectFailed(boolean retryable, String detail) {
        check("onConnectFailed");
        events.add("connectFailed:" + retryable + ":" + detail);
    }

    @Override
    public void onConnectionLost(String detail) {
        check("onConnectionLost");
        events.add("lost:" + detail);
    }

    @Override
    public void onReconnected(boolean sessionPresent) {
        check("onReconnected");
        events.add("reconnected:" + sessionPresent);
    }

    @Override
    public void onPublishDone(long token, Optional<DeliveryFailure> failure) {
        check("onPublishDone");
        if (published.putIfAbsent(token, failure) != null) {
            duplicateCompletions.add(token);
        }
    }

    @Override
    public void onSubscribed(long token, Optional<Integer> grantedQos, Optional<DeliveryFailure> failure) {
        check("onSubscribed");
        subscribed.put(token, new Subscribed(grantedQos, failure));
    }

    @Override
    public void onUnsubscribed(long token) {
        check("onUnsubscribed");
        unsubscribed.add(token);
    }

    @Override
    public void onMessage(long deliveryId, String topic, byte[] payload, int qos, boolean retain) {
        check("onMessage");
        messages.add(new Message(deliveryId, topic, payload, qos, retain));
    }

    boolean has(String eventPrefix) {
        return events.stream().anyMatch(e -> e.startsWith(eventPrefix));
    }

    long count(String eventPrefix) {
        return events.stream().filter(e -> e.startsWith(eventPrefix)).count();
    }

    List<Message> messagesWith(String text) {
        return messages.stream().filter(m -> m.text().equals(text)).collect(Collectors.toList());
    }
}
