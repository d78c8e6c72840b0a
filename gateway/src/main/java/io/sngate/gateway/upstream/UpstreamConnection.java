package io.sngate.gateway.upstream;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.sngate.gateway.session.UpstreamEvent;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * What the two modes ask of a broker connection: the requests of {@link MqttConnection}, and
 * nothing of its Netty side. It exists so that the modes' routing (tokens, fan-out, wills,
 * replaced connections) can be tested against a recording fake, without sockets or a broker;
 * {@link MqttConnection} itself is tested against real brokers.
 */
interface UpstreamConnection {

    void connect();

    void publish(long token, String topic, byte[] payload, int qos, boolean retain);

    void publish(long token, String topic, byte[] payload, int qos, boolean retain, int packetId, boolean chained);

    void release(long token, int packetId);

    void subscribe(long token, String topicFilter, int qos);

    void unsubscribe(long token, String topicFilter);

    void acknowledge(long deliveryId);

    void updateWill(Optional<ConnectOptions.Will> will);

    Future<Void> disconnect(boolean publishWill, OptionalLong sessionExpirySeconds);

    Future<Void> close();

    /** Makes a connection owned by {@code loop} whose events go to {@code owner}; not connected yet. */
    @FunctionalInterface
    interface Factory {
        UpstreamConnection create(EventLoop loop, ConnectOptions options, Consumer<UpstreamEvent> owner);
    }

    /** The production factory: a real {@link MqttConnection} to the settings' broker, with their TLS and backoff. */
    static Factory mqtt(UpstreamSettings settings) {
        return (loop, options, owner) -> settings.connection(loop, options, owner).build();
    }
}
