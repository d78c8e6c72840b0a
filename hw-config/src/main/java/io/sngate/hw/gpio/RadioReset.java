package io.sngate.hw.gpio;

import java.util.concurrent.CompletableFuture;

/** Resets the XBee radio through its RESET line. */
public interface RadioReset {

    /**
     * The reset for a gateway configured without a reset pin ({@code gpio.radio-reset-pin}
     * absent): {@link #reset()} does nothing and is complete at once.
     */
    RadioReset NONE = new RadioReset() {
        @Override
        public CompletableFuture<Void> reset() {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public String toString() {
            return "RadioReset.NONE";
        }
    };

    /**
     * Pulses the reset line and completes once the radio had time to start again. A call while
     * a reset is under way returns that reset's future instead of starting another.
     */
    CompletableFuture<Void> reset();
}
