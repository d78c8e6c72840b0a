package io.sngate.device;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An MQTT-SN client for plain Java: every request returns a future that completes with the
 * gateway's answer ({@link Outcome}). Thread-safe; all protocol work happens on the
 * {@link DeviceRuntime}'s thread, so listeners run there too and must not block.
 *
 * <pre>
 * try (DeviceRuntime runtime = new DeviceRuntime("device");
 *      MqttSnClient client = MqttSnClient.open(ClientConfig.defaults("sensor-1"),
 *              UdpLink.to("192.168.1.10", 1883), runtime)) {
 *     client.connect(true).join();
 *     client.publish("plant/temperature", "21.5".getBytes(), QoS.AT_LEAST_ONCE, false).join();
 * }
 * </pre>
 */
public final class MqttSnClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MqttSnClient.class);

    /** A message from a subscription. */
    public record Message(String topic, Bytes payload, QoS qos, boolean retain) {
    }

    private final ClientCore core;
    private final Link link;
    private final DeviceRuntime runtime;
    private final Map<Long, CompletableFuture<Outcome>> pending = new HashMap<>();
    private final List<Consumer<Message>> messageListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<Consumer<ClientEffect>> eventListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong sendFailures = new AtomicLong();
    private volatile ClientState state = ClientState.DISCONNECTED;
    private DeviceRuntime.Timer timer;
    private long timerAt = Long.MAX_VALUE;

    private MqttSnClient(ClientCore core, Link link, DeviceRuntime runtime) {
        this.core = core;
        this.link = link;
        this.runtime = runtime;
    }

    /** Opens {@code link} on {@code runtime} and returns a client using it (not yet connected). */
    public static MqttSnClient open(ClientConfig config, Link link, DeviceRuntime runtime) {
        return open(config, link, runtime, new Random());
    }

    /** As {@link #open(ClientConfig, Link, DeviceRuntime)}, with the randomness (SEARCHGW delays) seeded. */
    public static MqttSnClient open(ClientConfig config, Link link, DeviceRuntime runtime, Random random) {
        MqttSnClient client = new MqttSnClient(new ClientCore(config, random), link, runtime);
        CompletableFuture<Void> opened = new CompletableFuture<>();
        runtime.execute(() -> {
            try {
                link.open(runtime, client::onPacket);
                opened.complete(null);
            } catch (IOException | RuntimeException e) {
                opened.completeExceptionally(e);
            }
        });
        try {
            opened.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw new UncheckedIOException("cannot open the link", e.getCause() instanceof IOException io
                    ? io : new IOException(e.getCause()));
        }
        return client;
    }

    public String clientId() {
        return core.config().clientId();
    }

    public ClientState state() {
        return state;
    }

    /** Messages from subscriptions, on the runtime thread. */
    public void onMessage(Consumer<Message> listener) {
        messageListeners.add(listener);
    }

    /** State changes and gateway discovery events, on the runtime thread. */
    public void onEvent(Consumer<ClientEffect> listener) {
        eventListeners.add(listener);
    }

    /** Packets from the gateway that did not decode (dropped, counted here). */
    public long malformedPackets() {
        return malformed.get();
    }

    public long sendFailures() {
        return sendFailures.get();
    }

    public CompletableFuture<Outcome> connect(boolean cleanSession) {
        return request((now, out) -> core.connect(cleanSession, Optional.empty(), now, out));
    }

    public CompletableFuture<Outcome> connect(boolean cleanSession, ClientCore.WillSpec will) {
        return request((now, out) -> core.connect(cleanSession, Optional.of(will), now, out));
    }

    public CompletableFuture<Outcome> publish(String topic, byte[] payload, QoS qos, boolean retain) {
        return publish(Topic.name(topic), Bytes.copyOf(payload), qos, retain);
    }

    public CompletableFuture<Outcome> publish(Topic topic, Bytes payload, QoS qos, boolean retain) {
        return request((now, out) -> core.publish(topic, payload, qos, retain, now, out));
    }

    public CompletableFuture<Outcome> register(String topicName) {
        return request((now, out) -> core.register(topicName, now, out));
    }

    public CompletableFuture<Outcome> subscribe(Topic topic, QoS qos) {
        return request((now, out) -> core.subscribe(topic, qos, now, out));
    }

    public CompletableFuture<Outcome> unsubscribe(Topic topic) {
        return request((now, out) -> core.unsubscribe(topic, now, out));
    }

    public CompletableFuture<Outcome> sleep(int seconds) {
        return request((now, out) -> core.sleep(seconds, now, out));
    }

    /** Polls the gateway while asleep; completes when it has sent everything it held. */
    public CompletableFuture<Outcome> wake() {
        return request((now, out) -> core.wake(now, out));
    }

    public CompletableFuture<Outcome> disconnect() {
        return request((now, out) -> core.disconnect(now, out));
    }

    public CompletableFuture<Outcome> searchGateway(int radius) {
        return request((now, out) -> core.searchGateway(radius, now, out));
    }

    @FunctionalInterface
    private interface Call {
        long run(long now, Consumer<ClientEffect> out);
    }

    private CompletableFuture<Outcome> request(Call call) {
        CompletableFuture<Outcome> future = new CompletableFuture<>();
        runtime.execute(() -> {
            List<ClientEffect> effects = new ArrayList<>();
            long id = call.run(runtime.now(), effects::add);
            pending.put(id, future);
            effects.forEach(this::apply);
            reschedule();
        });
        return future;
    }

    private void onPacket(byte[] packet, Object from) {
        MqttSn12Message message;
        try {
            message = MqttSn12Codec.INSTANCE.decode(packet);
        } catch (DecodeException e) {
            malformed.incrementAndGet();
            LOG.debug("client {}: malformed packet from {}: {}", clientId(), from, e.getMessage());
            return;
        }
        core.onPacket(message, from, runtime.now(), this::apply);
        reschedule();
    }

    private void tick() {
        timer = null;
        timerAt = Long.MAX_VALUE;
        core.onTimer(runtime.now(), this::apply);
        reschedule();
    }

    private void reschedule() {
        long deadline = core.nextDeadline();
        if (deadline == timerAt) {
            return;
        }
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
        timerAt = deadline;
        if (deadline != Long.MAX_VALUE) {
            timer = runtime.schedule(deadline, this::tick);
        }
    }

    private void apply(ClientEffect effect) {
        if (effect instanceof ClientEffect.Send send) {
            try {
                link.send(MqttSn12Codec.INSTANCE.encode(send.message()));
            } catch (IOException e) {
                sendFailures.incrementAndGet(); // the retransmission timers cover a lost send
                LOG.debug("client {}: send failed: {}", clientId(), e.toString());
            }
        } else if (effect instanceof ClientEffect.Broadcast broadcast) {
            try {
                link.broadcast(MqttSn12Codec.INSTANCE.encode(broadcast.message()), broadcast.radius());
            } catch (IOException e) {
                sendFailures.incrementAndGet();
            }
        } else if (effect instanceof ClientEffect.Completed completed) {
            CompletableFuture<Outcome> future = pending.remove(completed.requestId());
            if (future != null) {
                future.complete(completed.outcome());
            }
        } else if (effect instanceof ClientEffect.MessageReceived received) {
            Message message = new Message(received.topic(), received.payload(), received.qos(), received.retain());
            for (Consumer<Message> listener : messageListeners) {
                listener.accept(message);
            }
        } else {
            if (effect instanceof ClientEffect.StateChanged changed) {
                state = changed.to();
                if (changed.to() == ClientState.LOST) {
                    link.peerLost();
                }
            }
            for (Consumer<ClientEffect> listener : eventListeners) {
                listener.accept(effect);
            }
        }
    }

    /** Closes the link (without DISCONNECT: call {@link #disconnect()} first for a clean exit). */
    @Override
    public void close() {
        CompletableFuture<Void> closed = new CompletableFuture<>();
        try {
            runtime.execute(() -> {
                if (timer != null) {
                    timer.cancel();
                }
                link.close();
                pending.values().forEach(f -> f.complete(Outcome.failed("client closed")));
                pending.clear();
                closed.complete(null);
            });
            closed.join();
        } catch (IllegalStateException runtimeStopped) {
            link.close();
        }
    }
}
