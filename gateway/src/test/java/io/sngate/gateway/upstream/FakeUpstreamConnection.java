package io.sngate.gateway.upstream;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.sngate.gateway.session.UpstreamEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * A broker connection that records what it is asked and lets the test play the broker's side
 * by {@link #emit emitting} events to its owner. Payloads are recorded as text so that calls
 * compare as values.
 */
final class FakeUpstreamConnection implements UpstreamConnection {

    sealed interface Call {
    }

    record Connect() implements Call {
    }

    record Publish(long token, String topic, String payload, int qos, boolean retain, int packetId, boolean chained)
            implements Call {
    }

    record Release(long token, int packetId) implements Call {
    }

    record Subscribe(long token, String filter, int qos) implements Call {
    }

    record Unsubscribe(long token, String filter) implements Call {
    }

    record Acknowledge(long deliveryId) implements Call {
    }

    record UpdateWill(Optional<ConnectOptions.Will> will) implements Call {
    }

    record Disconnect(boolean publishWill, OptionalLong sessionExpirySeconds) implements Call {
    }

    record Close() implements Call {
    }

    final EventLoop loop;
    final ConnectOptions options;
    private final Consumer<UpstreamEvent> owner;
    private final Consumer<FakeUpstreamConnection> onConnect;
    final List<Call> calls = new ArrayList<>();

    private FakeUpstreamConnection(EventLoop loop, ConnectOptions options, Consumer<UpstreamEvent> owner,
                                   Consumer<FakeUpstreamConnection> onConnect) {
        this.loop = loop;
        this.options = options;
        this.owner = owner;
        this.onConnect = onConnect;
    }

    /** The broker side: {@code event} reaches the connection's owner as MqttConnection would deliver it. */
    void emit(UpstreamEvent event) {
        owner.accept(event);
    }

    /** The calls recorded so far, then forgets them: each step of a test checks only what it caused. */
    List<Call> takeCalls() {
        List<Call> taken = List.copyOf(calls);
        calls.clear();
        return taken;
    }

    @Override
    public void connect() {
        calls.add(new Connect());
        onConnect.accept(this);
    }

    @Override
    public void publish(long token, String topic, byte[] payload, int qos, boolean retain) {
        publish(token, topic, payload, qos, retain, 0, false);
    }

    @Override
    public void publish(long token, String topic, byte[] payload, int qos, boolean retain, int packetId,
                        boolean chained) {
        checkQos(qos);
        calls.add(new Publish(token, topic, new String(payload, StandardCharsets.UTF_8), qos, retain, packetId,
                chained));
    }

    @Override
    public void release(long token, int packetId) {
        calls.add(new Release(token, packetId));
    }

    @Override
    public void subscribe(long token, String topicFilter, int qos) {
        checkQos(qos);
        calls.add(new Subscribe(token, topicFilter, qos));
    }

    @Override
    public void unsubscribe(long token, String topicFilter) {
        calls.add(new Unsubscribe(token, topicFilter));
    }

    @Override
    public void acknowledge(long deliveryId) {
        calls.add(new Acknowledge(deliveryId));
    }

    @Override
    public void updateWill(Optional<ConnectOptions.Will> will) {
        calls.add(new UpdateWill(will));
    }

    @Override
    public Future<Void> disconnect(boolean publishWill, OptionalLong sessionExpirySeconds) {
        calls.add(new Disconnect(publishWill, sessionExpirySeconds));
        return ImmediateEventExecutor.INSTANCE.newSucceededFuture(null);
    }

    @Override
    public Future<Void> close() {
        calls.add(new Close());
        return ImmediateEventExecutor.INSTANCE.newSucceededFuture(null);
    }

    /** MqttConnection refuses these with IllegalArgumentException; a mode passing one on is a bug the fake must show. */
    private static void checkQos(int qos) {
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos must be 0, 1 or 2: " + qos);
        }
    }

    /** Makes fakes and keeps them in creation order; {@code onConnect} plays the broker's answer to connect(). */
    static final class Factory implements UpstreamConnection.Factory {
        final List<FakeUpstreamConnection> created = new ArrayList<>();
        private Consumer<FakeUpstreamConnection> onConnect = connection -> { };

        Factory answeringConnectWith(UpstreamEvent event) {
            onConnect = connection -> connection.emit(event);
            return this;
        }

        @Override
        public UpstreamConnection create(EventLoop loop, ConnectOptions options, Consumer<UpstreamEvent> owner) {
            FakeUpstreamConnection connection = new FakeUpstreamConnection(loop, options, owner, onConnect);
            created.add(connection);
            return connection;
        }

        FakeUpstreamConnection last() {
            return created.get(created.size() - 1);
        }
    }
}
