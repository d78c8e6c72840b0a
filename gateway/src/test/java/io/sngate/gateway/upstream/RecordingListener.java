package io.sngate.gateway.upstream;

import io.netty.channel.EventLoop;
import io.sngate.gateway.session.DeliveryFailure;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import io.sngate.codec.QoS;
import io.sngate.gateway.session.UpstreamEvent;

/** Records every listener call (thread-safe), and checks each one happens on the owning loop. */
final class RecordingListener implements Consumer<UpstreamEvent>, UpstreamEvent.Handler {

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
    final List<Long> received = new CopyOnWriteArrayList<>();
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
    public void accept(UpstreamEvent event) {
        event.applyTo(this);
    }

    @Override
    public void connected(UpstreamEvent.Connected event) {
        check("onConnected");
        events.add("connected:" + event.sessionPresent());
    }

    @Override
    public void connectFailed(UpstreamEvent.ConnectFailed event) {
        check("onConnectFailed");
        boolean retryable = event.failure() == DeliveryFailure.CONGESTION;
        events.add("connectFailed:" + retryable + ":" + event.detail());
    }

    @Override
    public void connectionLost(UpstreamEvent.ConnectionLost event) {
        check("onConnectionLost");
        events.add("lost:" + event.detail());
    }

    @Override
    public void reconnected(UpstreamEvent.Reconnected event) {
        check("onReconnected");
        events.add("reconnected:" + event.sessionPresent());
    }

    @Override
    public void publishReceived(UpstreamEvent.PublishReceived event) {
        check("onPublishReceived");
        received.add(event.token());
    }

    @Override
    public void publishDone(UpstreamEvent.PublishDone event) {
        check("onPublishDone");
        if (published.putIfAbsent(event.token(), event.failure()) != null) {
            duplicateCompletions.add(event.token());
        }
    }

    @Override
    public void subscribed(UpstreamEvent.Subscribed event) {
        check("onSubscribed");
        subscribed.put(event.token(), new Subscribed(event.granted().map(QoS::level), event.failure()));
    }

    @Override
    public void unsubscribed(UpstreamEvent.Unsubscribed event) {
        check("onUnsubscribed");
        unsubscribed.add(event.token());
    }

    @Override
    public void message(UpstreamEvent.Message event) {
        check("onMessage");
        messages.add(new Message(event.deliveryId(), event.topic(), event.payload().toArray(), event.qos().level(),
                event.retain()));
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
