package io.sngate.client.gpio;

import com.pi4j.Pi4J;
import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalInput;
import com.pi4j.io.gpio.digital.DigitalOutput;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.io.gpio.digital.PullResistance;
import io.sngate.hw.gpio.GpioException;
import java.util.Objects;

/**
 * Pins of a Raspberry Pi (BCM numbers) for the bindings, through pi4j 2.x. As in hw-config's
 * {@code GpioBoard}, platform auto-detection is off and the provider is named: gpiod on a Pi
 * (the kernel's GPIO character device, any Pi model, no root, only the {@code gpio} group);
 * tests pass a mock context and the mock provider ids.
 */
public final class PiGpio implements AutoCloseable {

    /** The provider id of pi4j's gpiod digital inputs (the Pi's GPIO through libgpiod). */
    public static final String GPIOD_DIGITAL_INPUT = "gpiod-digital-input";
    /** The provider id of pi4j's gpiod digital outputs. */
    public static final String GPIOD_DIGITAL_OUTPUT = "gpiod-digital-output";

    private final Context context;
    private final String inputProvider;
    private final String outputProvider;

    /** Owns {@code context}: it is shut down by {@link #close()}. */
    public PiGpio(Context context, String inputProvider, String outputProvider) {
        this.context = Objects.requireNonNull(context, "context");
        this.inputProvider = Objects.requireNonNull(inputProvider, "inputProvider");
        this.outputProvider = Objects.requireNonNull(outputProvider, "outputProvider");
    }

    /** The Pi's GPIO through gpiod. */
    public static PiGpio open() throws GpioException {
        try {
            return new PiGpio(Pi4J.newContextBuilder().noAutoDetectPlatforms().autoDetectProviders().build(),
                    GPIOD_DIGITAL_INPUT, GPIOD_DIGITAL_OUTPUT);
        } catch (RuntimeException | LinkageError e) {
            throw new GpioException("gpio", "cannot start pi4j: " + e, e);
        }
    }

    /** The pi4j context the pins come from. */
    public Context context() {
        return context;
    }

    /**
     * An input on BCM pin {@code bcm}; {@code pull} is the internal resistor (PULL_UP for a
     * button to ground).
     *
     * @param key names the pin in errors (e.g. {@code --button})
     */
    public DigitalInput input(String key, int bcm, PullResistance pull) throws GpioException {
        requireProvider(key, bcm, inputProvider);
        try {
            return context.create(DigitalInput.newConfigBuilder(context).id("sngate-in-" + bcm).name(key)
                    .address(bcm).pull(pull).provider(inputProvider));
        } catch (RuntimeException | LinkageError e) {
            throw new GpioException(key, "cannot use BCM pin " + bcm + " as an input: " + e, e);
        }
    }

    /** An output on BCM pin {@code bcm}, starting (and left at shutdown) low. */
    public DigitalOutput output(String key, int bcm) throws GpioException {
        requireProvider(key, bcm, outputProvider);
        try {
            return context.create(DigitalOutput.newConfigBuilder(context).id("sngate-out-" + bcm).name(key)
                    .address(bcm).initial(DigitalState.LOW).shutdown(DigitalState.LOW).provider(outputProvider));
        } catch (RuntimeException | LinkageError e) {
            throw new GpioException(key, "cannot use BCM pin " + bcm + " as an output: " + e, e);
        }
    }

    private void requireProvider(String key, int bcm, String provider) throws GpioException {
        if (!context.hasProvider(provider)) {
            // pi4j drops a provider whose start failed: gpiod loads its native library only on a Pi.
            throw new GpioException(key, "cannot use BCM pin " + bcm + ": pi4j provider " + provider
                    + " is not available (gpiod works on Linux on armhf or aarch64 with /dev/gpiochip0, i.e. on a "
                    + "Raspberry Pi; this machine: " + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch") + ")", null);
        }
    }

    @Override
    public void close() {
        if (!context.isShutdown()) {
            context.shutdown();
        }
    }
}
