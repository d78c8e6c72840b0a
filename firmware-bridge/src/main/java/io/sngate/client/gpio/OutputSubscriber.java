package io.sngate.client.gpio;

import com.pi4j.io.gpio.digital.DigitalOutput;
import io.sngate.client.MqttSnClient;
import io.sngate.client.Outcome;
import io.sngate.client.Topic;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives a digital output from a subscribed topic: {@link SwitchPayload} words switch it, any
 * other payload is counted, logged and leaves the pin as it is. Messages arrive on the client's
 * runtime thread, which writes the pin (a GPIO write does not block).
 */
public final class OutputSubscriber implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OutputSubscriber.class);

    /** Payload excerpts in log lines stay short. */
    private static final int LOGGED_PAYLOAD = 32;

    private final DigitalOutput output;
    private final MqttSnClient client;
    private final OutputBinding binding;
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong invalid = new AtomicLong();
    private final AtomicLong pinFailures = new AtomicLong();
    private volatile boolean closed;

    private OutputSubscriber(DigitalOutput output, MqttSnClient client, OutputBinding binding) {
        this.output = output;
        this.client = client;
        this.binding = binding;
    }

    /**
     * Starts following the topic's messages; call {@link #subscribe()} once the client is
     * connected (and again after a reconnection with a clean session).
     */
    public static OutputSubscriber bind(DigitalOutput output, MqttSnClient client, OutputBinding binding) {
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(binding, "binding");
        OutputSubscriber subscriber = new OutputSubscriber(output, client, binding);
        client.onMessage(subscriber::onMessage);
        return subscriber;
    }

    /** Subscribes to the topic at the binding's QoS. */
    public CompletableFuture<Outcome> subscribe() {
        return client.subscribe(Topic.name(binding.topic()), binding.qos());
    }

    private void onMessage(MqttSnClient.Message message) {
        if (closed || !message.topic().equals(binding.topic())) {
            return;
        }
        Optional<Boolean> on = SwitchPayload.parse(message.payload());
        if (on.isEmpty()) {
            long count = invalid.incrementAndGet();
            String text = message.payload().utf8();
            LOG.warn("{}: ignored payload '{}': expected 1/0, on/off or true/false ({} ignored so far)",
                    binding.topic(), text.length() > LOGGED_PAYLOAD ? text.substring(0, LOGGED_PAYLOAD) + "..." : text,
                    count);
            return;
        }
        boolean high = on.get() != binding.activeLow();
        try {
            if (high) {
                output.high();
            } else {
                output.low();
            }
            applied.incrementAndGet();
        } catch (RuntimeException e) {
            pinFailures.incrementAndGet();
            LOG.warn("{}: cannot set BCM pin {}: {}", binding.topic(), output.address(), e.toString());
        }
    }

    /** Messages that switched the pin. */
    public long applied() {
        return applied.get();
    }

    /** Messages whose payload was no switch word. */
    public long invalidPayloads() {
        return invalid.get();
    }

    /** Valid messages the pin refused (GPIO error). */
    public long pinFailures() {
        return pinFailures.get();
    }

    /** Stops following the topic (the subscription stays until the session ends). */
    @Override
    public void close() {
        closed = true;
    }
}
