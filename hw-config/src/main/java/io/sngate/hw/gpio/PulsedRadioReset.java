package io.sngate.hw.gpio;

import com.pi4j.io.gpio.digital.DigitalOutput;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A {@link RadioReset} on a GPIO output wired to the XBee's RESET input, which is active low:
 * the pin is driven low for {@code pulse}, then high again, and the reset completes after a
 * further {@code settle} in which the radio boots (it then sends a Modem Status "hardware
 * reset" frame; the settle delay is there so the first command is not sent to a booting
 * radio). Timing is on the injected scheduler; the caller's thread never waits.
 */
public final class PulsedRadioReset implements RadioReset {

    private final DigitalOutput pin;
    private final String key;
    private final ScheduledExecutorService scheduler;
    private final long pulseNanos;
    private final long settleNanos;

    private final Object lock = new Object();
    private CompletableFuture<Void> running;

    /**
     * @param pin    the RESET output; it should be created high (radio running)
     * @param key    the configuration key of the pin, for error messages
     * @param pulse  how long RESET is held low
     * @param settle how long to wait after releasing RESET before the reset counts as done
     */
    public PulsedRadioReset(DigitalOutput pin, String key, ScheduledExecutorService scheduler, Duration pulse,
            Duration settle) {
        this.pin = Objects.requireNonNull(pin, "pin");
        this.key = Objects.requireNonNull(key, "key");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.pulseNanos = pulse.toNanos();
        this.settleNanos = settle.toNanos();
        if (pulseNanos <= 0) {
            throw new IllegalArgumentException("reset pulse must be positive: " + pulse);
        }
        if (settleNanos < 0) {
            throw new IllegalArgumentException("settle delay must not be negative: " + settle);
        }
    }

    @Override
    public CompletableFuture<Void> reset() {
        CompletableFuture<Void> done;
        synchronized (lock) {
            if (running != null && !running.isDone()) {
                return running;
            }
            done = new CompletableFuture<>();
            running = done;
        }
        scheduler.execute(() -> {
            if (drive(false, done)) {
                scheduler.schedule(() -> {
                    if (drive(true, done)) {
                        scheduler.schedule(() -> done.complete(null), settleNanos, TimeUnit.NANOSECONDS);
                    }
                }, pulseNanos, TimeUnit.NANOSECONDS);
            }
        });
        return done;
    }

    private boolean drive(boolean high, CompletableFuture<Void> done) {
        try {
            if (high) {
                pin.high();
            } else {
                pin.low();
            }
            return true;
        } catch (RuntimeException e) {
            done.completeExceptionally(new GpioException(key, "cannot drive the radio's RESET on BCM pin "
                    + pin.address() + " " + (high ? "high" : "low") + ": " + e.getMessage(), e));
            return false;
        }
    }

    @Override
    public String toString() {
        return "RadioReset[" + key + "=" + pin.address() + "]";
    }
}
