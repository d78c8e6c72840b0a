package io.sngate.client.gpio;

import com.pi4j.io.gpio.digital.DigitalInput;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.io.gpio.digital.DigitalStateChangeListener;
import io.sngate.client.ClientRuntime;
import io.sngate.client.MqttSnClient;
import io.sngate.client.Outcome;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a digital input's debounced changes. pi4j reports edges on its own thread; each is
 * handed to the client's {@link ClientRuntime}, where a {@link Debouncer} and one timer decide
 * when a level has settled, so bouncing contacts publish once per real change.
 *
 * <p>A publish that fails (not connected, rejected, no answer) is counted and logged; the next
 * change publishes again. The level at {@link #bind} is the starting point and is not published.
 */
public final class InputPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InputPublisher.class);

    private final DigitalInput input;
    private final MqttSnClient client;
    private final ClientRuntime runtime;
    private final InputBinding binding;
    private final Debouncer debouncer;
    private final DigitalStateChangeListener listener;
    private final AtomicLong edges = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private ClientRuntime.Timer timer;
    private volatile boolean closed;

    private InputPublisher(DigitalInput input, MqttSnClient client, ClientRuntime runtime, InputBinding binding) {
        this.input = input;
        this.client = client;
        this.runtime = runtime;
        this.binding = binding;
        this.debouncer = new Debouncer(binding.debounce().toMillis(), isOn(input.state()));
        this.listener = event -> {
            if (event.state() == DigitalState.UNKNOWN || closed) {
                return;
            }
            edges.incrementAndGet();
            boolean on = isOn(event.state());
            try {
                runtime.execute(() -> onEdge(on));
            } catch (IllegalStateException runtimeStopped) {
                // shutting down: the change has no one to go to
            }
        };
    }

    /**
     * Starts publishing {@code input}'s changes with {@code client}, which must run on
     * {@code runtime}.
     */
    public static InputPublisher bind(DigitalInput input, MqttSnClient client, ClientRuntime runtime,
                                      InputBinding binding) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(binding, "binding");
        InputPublisher publisher = new InputPublisher(input, client, runtime, binding);
        input.addListener(publisher.listener);
        return publisher;
    }

    private boolean isOn(DigitalState state) {
        return state.isHigh() != binding.activeLow();
    }

    /** On the runtime thread. */
    private void onEdge(boolean on) {
        long deadline = debouncer.onEdge(on, runtime.now());
        if (timer != null) {
            timer.cancel();
        }
        timer = runtime.schedule(deadline, this::onSettled);
    }

    /** On the runtime thread. */
    private void onSettled() {
        timer = null;
        Optional<Boolean> change = debouncer.onTimer(runtime.now());
        if (change.isEmpty() || closed) {
            return;
        }
        boolean on = change.get();
        String payload = on ? binding.onPayload() : binding.offPayload();
        client.publish(binding.topic(), payload.getBytes(StandardCharsets.UTF_8), binding.qos(), binding.retain())
                .whenComplete((outcome, error) -> finished(on, outcome, error));
    }

    private void finished(boolean on, Outcome outcome, Throwable error) {
        if (error == null && outcome.success()) {
            published.incrementAndGet();
            LOG.debug("{} -> {}", binding.topic(), on ? "on" : "off");
            return;
        }
        long failed = failures.incrementAndGet();
        LOG.warn("cannot publish {} to {}: {} ({} failed so far)", on ? "on" : "off", binding.topic(),
                error != null ? error.toString() : outcome.detail(), failed);
    }

    /** Edges pi4j reported, bounces included. */
    public long edges() {
        return edges.get();
    }

    /** Settled changes the gateway accepted. */
    public long published() {
        return published.get();
    }

    /** Settled changes whose publish failed. */
    public long publishFailures() {
        return failures.get();
    }

    /** Stops listening to the pin; a publish already sent still completes. */
    @Override
    public void close() {
        closed = true;
        input.removeListener(listener);
        try {
            runtime.execute(() -> {
                if (timer != null) {
                    timer.cancel();
                    timer = null;
                }
            });
        } catch (IllegalStateException runtimeStopped) {
            // its timers are gone with it
        }
    }
}
