package io.sngate.hw.gpio;

import com.pi4j.io.gpio.digital.DigitalOutput;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link StatusLed} on a GPIO output (high = lit).
 *
 * <p>Traffic shows as a blink that inverts the steady state for {@code blink}: a short
 * off-blink while connected, a short flash while not (so radio traffic is visible even while
 * the broker is unreachable). After a blink the LED stays in its steady state for another
 * {@code blink}, so consecutive blinks are visible. Traffic during a blink cycle only marks
 * that another cycle is due: however many calls come, at most one cycle runs and at most one
 * task is scheduled at a time; a flood of traffic shows as steady blinking.
 *
 * <p>Callers only flip atomic flags and, on a change, hand a task to the scheduler; the pin
 * is written on the scheduler's thread only, so no caller ever waits for GPIO.
 */
public final class BlinkingStatusLed implements StatusLed {

    private static final Logger LOG = LoggerFactory.getLogger(BlinkingStatusLed.class);

    private final DigitalOutput pin;
    private final String key;
    private final ScheduledExecutorService scheduler;
    private final long blinkNanos;

    private final AtomicBoolean connected = new AtomicBoolean();
    private final AtomicBoolean trafficSeen = new AtomicBoolean();
    private final AtomicBoolean cycleRunning = new AtomicBoolean();

    /** Guards the pin and {@link #inverted}: scheduler tasks may run on several threads. */
    private final Object pinLock = new Object();
    private boolean inverted;
    private boolean failing;

    /**
     * @param pin       the LED's output, left as it is until the first call
     * @param key       the configuration key of the pin, for log messages
     * @param scheduler writes the pin and times the blinks
     * @param blink     how long a blink lasts (and the pause after it)
     */
    public BlinkingStatusLed(DigitalOutput pin, String key, ScheduledExecutorService scheduler, Duration blink) {
        this.pin = Objects.requireNonNull(pin, "pin");
        this.key = Objects.requireNonNull(key, "key");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.blinkNanos = blink.toNanos();
        if (blinkNanos <= 0) {
            throw new IllegalArgumentException("blink must be positive: " + blink);
        }
    }

    @Override
    public void connected(boolean up) {
        if (connected.getAndSet(up) != up) {
            scheduler.execute(this::showSteadyState);
        }
    }

    @Override
    public void traffic() {
        trafficSeen.set(true);
        if (cycleRunning.compareAndSet(false, true)) {
            scheduler.execute(this::startBlink);
        }
    }

    private void showSteadyState() {
        synchronized (pinLock) {
            if (!inverted) {
                write(connected.get());
            }
        }
    }

    private void startBlink() {
        trafficSeen.set(false);
        synchronized (pinLock) {
            inverted = true;
            write(!connected.get());
        }
        scheduler.schedule(this::endBlink, blinkNanos, TimeUnit.NANOSECONDS);
    }

    private void endBlink() {
        synchronized (pinLock) {
            inverted = false;
            write(connected.get());
        }
        scheduler.schedule(this::endPause, blinkNanos, TimeUnit.NANOSECONDS);
    }

    private void endPause() {
        if (trafficSeen.get()) {
            startBlink();
            return;
        }
        cycleRunning.set(false);
        // traffic() may have seen the cycle still running just before it ended.
        if (trafficSeen.get() && cycleRunning.compareAndSet(false, true)) {
            startBlink();
        }
    }

    private void write(boolean lit) {
        try {
            if (lit) {
                pin.high();
            } else {
                pin.low();
            }
            failing = false;
        } catch (RuntimeException e) {
            if (!failing) {
                LOG.warn("{}: cannot set the status LED on BCM pin {}: {}", key, pin.address(), e.toString());
            }
            failing = true;
        }
    }

    @Override
    public String toString() {
        return "StatusLed[" + key + "=" + pin.address() + "]";
    }
}
